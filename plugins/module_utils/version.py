# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's version, the one place module code reads it from.

galaxy.yml carries the same string; a unit test keeps the two equal.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_VERSION = "0.1.0"

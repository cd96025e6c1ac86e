# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where things are in this checkout, for the tests and the benchmark."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

# realpath: this file is usually imported through the .nox/collections symlink tree.
ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
OUTPUT = os.path.join(ROOT, "tests", "output")


def output_file(name):
    """The path of ``name`` in tests/output (made if missing), where reports that `make test` prints go."""
    if not os.path.isdir(OUTPUT):
        os.makedirs(OUTPUT)
    return os.path.join(OUTPUT, name)

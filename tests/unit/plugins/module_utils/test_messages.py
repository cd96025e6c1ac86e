# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""messages.py: every template renders as one line, and every one is used."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import string

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils.messages import MESSAGES, render
from ansible_collections.hostup.cloud.tests.paths import ROOT


def sample_values(template):
    """A value for each field of ``template``: a number where its format asks for one."""
    values = {}
    for _text, field, spec, _conversion in string.Formatter().parse(template):
        if field:
            values[field] = 12.5 if spec and spec[-1] in "fd" else "<%s>" % field
    return values


@pytest.mark.parametrize("reason", sorted(MESSAGES))
def test_each_template_renders_as_one_line(reason):
    text = render(reason, **sample_values(MESSAGES[reason]))
    assert "\n" not in text and "{" not in text and "}" not in text
    assert text == text.strip() and "  " not in text


def test_every_reason_code_is_raised_somewhere():
    code = ""
    for directory, _dirs, files in os.walk(os.path.join(ROOT, "plugins")):
        code += "".join(open(os.path.join(directory, name)).read() for name in files
                        if name.endswith(".py") and name != "messages.py")
    assert [reason for reason in MESSAGES if '"%s"' % reason not in code] == []

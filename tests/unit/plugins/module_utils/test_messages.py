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


HOSTILE = "a\r\n\x1b[2K\x1b[32mok: [web-1]\x1b[0m\u202eKO\u202c\x9b\u2028\x7f\u200b\ud800"


def hostile_values(template):
    """Hostile text for each field of ``template`` (a number where its format asks for one)."""
    values = sample_values(template)
    return dict((field, value if isinstance(value, float) else HOSTILE) for field, value in values.items())


@pytest.mark.parametrize("reason", sorted(MESSAGES))
def test_hostup_text_in_any_field_of_any_template_is_shown_escaped_on_one_line(reason):
    text = render(reason, **hostile_values(MESSAGES[reason]))
    assert [char for char in text if not char.isprintable() and char != " "] == [], repr(text)
    shown_as_is = [field for _text, field, spec, conversion in string.Formatter().parse(MESSAGES[reason])
                   if field and conversion is None and not (spec and spec[-1] in "fd")]
    if shown_as_is:
        assert "a  \\x1b[2K\\x1b[32mok: [web-1]\\x1b[0m\\u202eKO\\u202c\\x9b \\x7f\\u200b\\ud800" in text


def test_a_value_shown_with_repr_is_escaped_once_and_formats_still_apply():
    assert render("option.package_digits", value="1\x1b[2J") == (
        "package must be a product id of digits, like '1938', got '1\\x1b[2J'")
    assert render("transport.rate_limited_no_wait", message="slow\n\x1b[1A", wait=2.4).startswith(
        "slow \\x1b[1A (HostUp asked to wait 2 s;")

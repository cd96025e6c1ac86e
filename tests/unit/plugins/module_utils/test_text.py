# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostUp's text as data: what a terminal is shown, and what a host name may be."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import unicodedata

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils.text import (
    MAX_HOST_NAME,
    json_safe,
    printable,
    safe_host_name,
)


@pytest.mark.parametrize("sent, shown", [
    # ordinary text, Swedish and otherwise, stays as sent
    ("Internt fel: kunde inte ändra faktureringsperiod", "Internt fel: kunde inte ändra faktureringsperiod"),
    ("Växjö Åre Örebro", "Växjö Åre Örebro"),
    ("naïve café – 10 % ✓ 🚀", "naïve café – 10 % ✓ 🚀"),
    ("e\u0301", "e\u0301"),  # a combining accent is a letter's, not a control
    ("{{ lookup('pipe', 'id') }}", "{{ lookup('pipe', 'id') }}"),  # shown, never templated: not this function's job
    # line breaks and tabs: one space each on one line
    ("two\nlines", "two lines"), ("a\r\nb", "a  b"), ("tab\there", "tab here"), ("v\x0bf\x0c", "v f "),
    ("nel\x85ls\u2028ps\u2029", "nel ls ps "),
    # a carriage return cannot overwrite the start of the line: "OK" after it is just text
    ("FAILED: card declined\rOK", "FAILED: card declined OK"),
    # C0, DEL and C1 controls are escaped
    ("nul\x00bel\x07bs\x08", "nul\\x00bel\\x07bs\\x08"), ("del\x7f", "del\\x7f"),
    ("c1\x80\x9b\x9f", "c1\\x80\\x9b\\x9f"),
    # escape sequences: ESC is shown, so the rest is harmless text
    ("\x1b[2J\x1b[1;1HOK", "\\x1b[2J\\x1b[1;1HOK"),
    ("\x1b]0;fake title\x07", "\\x1b]0;fake title\\x07"),
    ("\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\", "\\x1b]8;;http://evil.example\\x1b\\link\\x1b]8;;\\x1b\\"),
    ("\x9b31mred", "\\x9b31mred"),
    # bidi overrides, embeddings, isolates and marks cannot reorder what follows
    ("total \u202e00.001\u202c SEK", "total \\u202e00.001\\u202c SEK"),
    ("\u202a\u202b\u202d\u2066\u2067\u2068\u2069", "\\u202a\\u202b\\u202d\\u2066\\u2067\\u2068\\u2069"),
    ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),
    # invisible format characters cannot hide or join text unseen
    ("web\u200b-1", "web\\u200b-1"), ("zw\u200c\u200d\u2060\ufeff\u00ad", "zw\\u200c\\u200d\\u2060\\ufeff\\xad"),
    ("tag\U000e0041", "tag\\U000e0041"),
    ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
    # not text
    (None, ""), (10001, "10001"), (1.5, "1.5"),
] + [((sent, {"one_line": False}), shown) for sent, shown in [  # on several lines: newline and tab are kept, no more
    ("first line\n\tsecond", "first line\n\tsecond"),
    ("over\rwrite", "over\\x0dwrite"), ("v\x0bf\x0c", "v\\x0bf\\x0c"), ("ls\u2028", "ls\\u2028"),
    ("\x1b[31mred\x1b[0m\n", "\\x1b[31mred\\x1b[0m\n")]] + [
    ((sent, {"limit": limit}), shown) for sent, limit, shown in [  # the limit counts what is shown, escapes included
        ("short", 10, "short"), ("exactly10!", 10, "exactly10!"), ("x" * 10000, 10, "xxxxxxx..."),
        ("\x1b" * 10, 10, "\\x1b\\x1...")]])
def test_printable_keeps_text_and_shows_every_control_as_an_escape(sent, shown):
    sent, options = sent if isinstance(sent, tuple) else (sent, {})
    assert printable(sent, **options) == shown


def test_printable_output_holds_no_control_or_format_character_of_any_kind():
    hidden = "".join(chr(code) for code in range(0x110000)
                     if unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    visible_ascii = set(chr(code) for code in range(0x20, 0x7f))
    assert set(printable(hidden)) <= visible_ascii
    assert set(printable(hidden, one_line=False)) <= visible_ascii | set("\n\t")


def test_printable_with_a_limit_is_quick_on_a_whole_reply():
    huge = "\x1b" * (16 * 1024 * 1024)  # a whole reply's worth
    assert printable(huge, limit=80) == "\\x1b" * 19 + "\\..."


@pytest.mark.parametrize("sent, name", [
    ("web-1.example.se", "web-1.example.se"),
    ("Webshop_2", "Webshop_2"),
    ("Webshop Stockholm", "Webshop-Stockholm"),
    ("Växjö Åre", "Vaxjo-Are"),  # accents dropped, letters kept
    ("ＷＥＢ１", "WEB1"),  # full-width forms are their plain letters
    ("{{ lookup('pipe', 'id > /tmp/x') }}", "lookup-pipe-id-tmp-x"),
    ("{% for x in y %}{{x}}{% endfor %}", "for-x-in-y-x-endfor"),
    ("{# comment #}", "comment"),
    ("web[1:3]", "web-1-3"), ("all:!web", "all-web"), ("~web.*", "web"), ("a,b&c", "a-b-c"),
    ("::1", "1"), ("-v", "v"), ("..", None), (".example.se.", "example.se"), ("_x_", "x"),
    ("a -- b", "a-b"), ("a\n\x1b[31mb", "a-31mb"), ("a\u202eb", "a-b"), ("a\u200bb", "a-b"),
    ("", None), ("   ", None), ("\u202e\u2066", None), ("{{ }}", None), ("ßßß", None), ("日本", None),
    (None, None), (10001, None), (["web"], None),
])
def test_safe_host_name_keeps_letters_digits_dot_dash_underscore(sent, name):
    assert safe_host_name(sent) == name


def test_a_safe_host_name_is_bounded_and_does_not_end_in_punctuation():
    assert safe_host_name("x" * 10000) == "x" * MAX_HOST_NAME
    assert safe_host_name("a" * (MAX_HOST_NAME - 1) + ".b") == "a" * (MAX_HOST_NAME - 1)
    assert safe_host_name("web.example", limit=4) == "web"
    assert len(safe_host_name("{{" * 5000 + "y" * 5000)) == MAX_HOST_NAME


def test_every_safe_host_name_is_in_the_safe_set_whatever_it_was_made_of():
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
    every = "".join(chr(code) for code in range(0x110000) if not 0xd800 <= code < 0xe000)
    for start in range(0, len(every), 5000):
        name = safe_host_name(every[start:start + 5000], limit=100000)
        assert name is None or (set(name) <= safe and name[0] not in ".-_" and name[-1] not in ".-_"
                                and "--" not in name)


# --- json_safe: HostUp's text as data in a result ------------------------------------------

@pytest.mark.parametrize("sent, kept", [
    ("Växjö naïve ✓ 🚀 e\u0301", "Växjö naïve ✓ 🚀 e\u0301"),
    # JSON escapes these as it writes them (\n, \r, \u001b): kept as sent, for a playbook to read back
    ("a\r\nb\tc\x1b[31m\x07\x00", "a\r\nb\tc\x1b[31m\x07\x00"),
    # JSON leaves these as they are and a terminal acts on them: escaped
    ("del\x7f c1\x85\x9b", "del\\x7f c1\\x85\\x9b"),
    ("\u202eKO\u202c \u2066x\u2069 zw\u200b bom\ufeff", "\\u202eKO\\u202c \\u2066x\\u2069 zw\\u200b bom\\ufeff"),
    ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"), ("half\ud800", "half\\ud800"), ("tag\U000e0041", "tag\\U000e0041"),
    # through lists and dicts, and other values left as they are
    ({"m\u202e": ["\u202e", 1, None, True, {"x": "\x9b"}], "n": 2.5},
     {"m\\u202e": ["\\u202e", 1, None, True, {"x": "\\x9b"}], "n": 2.5}),
])
def test_json_safe_keeps_text_and_escapes_what_json_leaves_raw_for_a_terminal(sent, kept):
    assert json_safe(sent) == kept


def test_json_safe_text_as_ansible_prints_it_holds_nothing_a_terminal_acts_on():
    every = "".join(chr(code) for code in range(0x110000))
    printed = json.dumps(json_safe(every), ensure_ascii=False)  # as Ansible's callbacks print results
    acting = set(char for char in printed if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    assert acting == set()

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""HostUp's text as data: shown safely on a terminal, and made safe to use as an inventory name.

PRIVATE to this collection: names here may change in any release.

Anyone who can edit a VPS's hostname or label in the HostUp panel writes text that this
collection reads; so can a hostile or broken server in every ``message`` and
``requestId``. Such text is data. Two helpers keep it so:

``printable(text)``
    for every HostUp string that reaches a terminal or a log (warnings, errors, tables):
    no control character, escape sequence or invisible reordering reaches the screen.
``json_safe(value)``
    for HostUp's text kept as data in a module's result (``api_error``, ``request_ids``,
    what HostUp said about an order): as sent, but with nothing a terminal acts on left
    where the JSON Ansible prints does not escape it.
``option_label(text)``
    for the short name of an option beside its id (HostUp's ``variable`` of a draft's
    option, such as ``disk_size``): kept only when it already is a lowercase identifier,
    never reduced from free text, which can be a person's name.
``safe_host_name(text)``
    for a host name made from HostUp's text: a short name of ASCII letters, digits,
    ``.``, ``-`` and ``_``, which no ansible-core version takes for a template or a
    host pattern.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import unicodedata

# Unicode categories that never reach a terminal as they are: Cc (C0, DEL, C1), Cf
# (format: bidi embeddings, overrides and isolates, zero-width characters, soft hyphen,
# BOM, tags), Cs (lone surrogates, which no terminal encoding can write), Zl and Zp
# (line and paragraph separators, which some terminals and logs break lines on).
HIDDEN_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))

# White space that ends a line or moves the cursor: one space in one-line text.
LINE_BREAKS = frozenset("\n\r\t\v\f\x85\u2028\u2029")


def printable(text, one_line=True, limit=None):
    """``text`` as it may be shown on a terminal or written to a log: nothing in it is a control.

    - When ``one_line`` (the default: warnings, errors, table cells), every character
      that breaks a line or moves the cursor across it (newline, carriage return, tab,
      vertical tab, form feed, NEL, the line and paragraph separators) becomes a space.
      With ``one_line=False`` newline and tab stay; the others are escaped as below (a
      carriage return would let a later part of the text overwrite an earlier one).
    - Every other control or format character is written as its escape, the way Python
      writes it: ESC as ``\\x1b`` (so an escape sequence shows as text and does nothing),
      NUL as ``\\x00``, DEL as ``\\x7f``, C1 controls such as ``\\x9b``, bidi
      embeddings, overrides and isolates such as ``\\u202e`` and ``\\u2066``, zero-width
      characters such as ``\\u200b``, and a lone surrogate.
    - Everything else stays as HostUp sent it: letters of any language (å, ä, ö),
      accents, punctuation, emoji.
    - ``limit``: at most this many characters of the result; a longer one is cut and ends
      in ``...``.

    ``None`` becomes ``""``; any other non-text value is shown with ``str()``.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if limit is not None:
        text = text[:limit + 1]  # each character shows as one or more: the rest would be cut anyway
    shown = []
    for char in text:
        if one_line and char in LINE_BREAKS:
            shown.append(" ")
        elif not one_line and char in "\n\t":
            shown.append(char)
        elif unicodedata.category(char) in HIDDEN_CATEGORIES:
            shown.append(_escape(char))
        else:
            shown.append(char)
    result = "".join(shown)
    if limit is not None and len(result) > limit:
        result = result[:max(limit - 3, 0)] + "..."
    return result


def _escape(char):
    code = ord(char)
    if code < 0x100:
        return "\\x%02x" % code
    if code < 0x10000:
        return "\\u%04x" % code
    return "\\U%08x" % code


# Characters that json.dumps(ensure_ascii=False), the way Ansible prints a result, writes
# as they are and a terminal acts on: C1 controls and DEL, and the format, surrogate and
# separator categories above. C0 controls (ESC, CR, newline) are not among them: JSON
# writes them as \u001b, \r, \n.
_UNESCAPED_BY_JSON = frozenset(("Cf", "Cs", "Zl", "Zp"))


def json_safe(value):
    """``value`` (text, or a list or dict holding text) as data that is safe to print as JSON.

    Text stays as HostUp sent it, newlines, tabs and ESC included (JSON escapes them, and a
    playbook reading the data gets them back), except the characters JSON leaves as they
    are and a terminal would act on: DEL and C1 controls (``\x9b``), bidi embeddings,
    overrides and isolates (``\u202e``), zero-width and other format characters, the line
    and paragraph separators, and a lone surrogate (which UTF-8 cannot carry at all:
    ansible-core 2.19 refuses a module result holding one). Each is written as its escape,
    the way ``printable()`` writes it. Other values are returned as they are.
    """
    if isinstance(value, str):
        if value.isascii() and "\x7f" not in value:
            return value
        return "".join(_escape(char) if 0x7f <= ord(char) <= 0x9f or unicodedata.category(char) in
                       _UNESCAPED_BY_JSON else char for char in value)
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return dict((json_safe(key), json_safe(item)) for key, item in value.items())
    return value


# --- host names -----------------------------------------------------------------

SAFE_NAME_CHARACTERS = "letters A-Z and a-z, digits, '.', '-' and '_'"
# Long enough for any DNS name in practice (a label is at most 63), short enough to read.
MAX_HOST_NAME = 128
_OUTSIDE_SAFE_SET = re.compile(r"[^A-Za-z0-9._-]+")
_DASHES = re.compile(r"-{2,}")
_EDGE_PUNCTUATION = "._-"


def safe_host_name(text, limit=MAX_HOST_NAME):
    """A host name made of ``text`` that no ansible-core takes for a template or a pattern; None if none is left.

    The rule, in this order:

    1. Accented letters lose their accents (``Växjö`` -> ``Vaxjo``): the text is
       decomposed (Unicode NFKD, which also turns full-width and other compatibility
       forms into their plain letters) and combining marks are dropped.
    2. Every run of characters other than ASCII letters, digits, ``.``, ``-`` and ``_``
       becomes one ``-`` (``{{ lookup('pipe', 'id') }}`` -> ``-lookup-pipe-id-``), and a
       run of ``-`` becomes one ``-``.
    3. ``.``, ``-`` and ``_`` are stripped from both ends.
    4. The name is cut to ``limit`` characters (then stripped again at the end).

    Letter case is kept. The result never holds ``{``, ``%``, ``#``, quotes, white space,
    ``:``, ``,``, ``!``, ``&``, ``*``, ``[`` or ``~``, so it is neither a Jinja template nor
    a host pattern. ``None``, non-text and text with nothing left give None: the caller
    picks another name (the inventory plugin falls back to ``hostup-<vmid>``).
    """
    if not isinstance(text, str):
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    name = _DASHES.sub("-", _OUTSIDE_SAFE_SET.sub("-", letters)).strip(_EDGE_PUNCTUATION)
    name = name[:limit].rstrip(_EDGE_PUNCTUATION)
    return name or None


# --- option labels --------------------------------------------------------------

MAX_OPTION_LABEL = 40
_OPTION_LABEL = re.compile(r"[a-z][a-z0-9_]*\Z")


def option_label(text, limit=MAX_OPTION_LABEL):
    """``text`` when it is a machine name of an option (``disk_size``, ``backuplimit``); else None.

    An option's label is shown beside its id in results, diffs, the role's summary and
    the spend report. Only HostUp's ``variable`` of an option is offered here, never its
    ``name`` or description: HostUp's own example shows a person's name as an option's
    name. A ``variable`` is HostBill's identifier of the option, so the rule is strict
    rather than a reduction: lowercase ASCII letters, digits and ``_``, starting with a
    letter, at most ``limit`` characters, or nothing at all. Free text (a person's name,
    capital letters, spaces, a template, an escape sequence) gives None, never a part of it.
    """
    if not isinstance(text, str) or len(text) > limit or not _OPTION_LABEL.match(text):
        return None
    return text

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API key's rules: how it is sent, and how it is masked in every form it can be written in.

PRIVATE to this collection: names here may change in any release.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import json
import re
from urllib.parse import quote, quote_plus

MASK = "********"
# Shorter forms of a key are not masked: masking " " or "ab" would garble every
# message, and no real key is that short.
MIN_MASKED_LENGTH = 4


def normalize_api_key(api_key):
    """The key as it is sent: without surrounding whitespace.

    A YAML block scalar or a vault file ends the key with a newline, which no
    HTTP header can carry. Raises ValueError with the reason code of what is
    wrong with the key (messages.py words it), never with the key.
    """
    if api_key is None:
        raise ValueError("option.api_key_missing")
    key = str(api_key).strip()
    if not key:
        raise ValueError("option.api_key_empty")
    if any(not _header_safe(char) for char in key):
        raise ValueError("option.api_key_unsendable")
    return key


def _header_safe(char):
    code = ord(char)
    return 0x20 <= code < 0x7f or 0xa0 <= code <= 0xff


def secret_forms(secret):
    """Every way ``secret`` can be written in a message, longest first.

    As is and stripped; escaped as repr() writes it (alone, and inside a longer text
    holding both quotes, where repr() escapes the key's '), as ascii() and JSON write
    it; and, for the bytes of each encoding it can be sent in (UTF-8, and Latin-1, in
    which requests sends a header: a server echoing what it received writes those
    bytes), %-encoded (partly and fully), as a bytes repr, as hex,
    and in base64 (standard and URL-safe, also inside a longer base64 text, at each
    of its three alignments). Forms shorter than a few characters are left out.
    """
    forms = set()
    for value in set([secret, secret.strip()]):
        forms.update([
            value,
            repr(value)[1:-1],
            _repr_in_single_quotes(value),
            ascii(value)[1:-1],
            json.dumps(value)[1:-1],
        ])
        for raw in _encodings(value):
            forms.update([
                quote(raw, safe=""),
                quote_plus(raw, safe=""),
                repr(raw)[2:-1],
                "".join("%%%02X" % byte for byte in raw),
                binascii.hexlify(raw).decode("ascii"),
            ])
            forms.update(_base64_cores(raw))
    return sorted((form for form in forms if len(form.strip()) >= MIN_MASKED_LENGTH),
                  key=lambda form: (-len(form), form))


def _repr_in_single_quotes(value):
    # repr() of a longer text holding both quotes writes it in single quotes, and the key's
    # own ' as \'; repr() of the key alone may have written it in double quotes, unescaped
    return repr("'\"" + value)[4:-1]


def _encodings(value):
    """The bytes ``value`` is sent as: UTF-8, and Latin-1 where it differs and can hold it."""
    raw = [value.encode("utf-8")]
    try:
        latin1 = value.encode("latin-1")
    except UnicodeEncodeError:
        return raw
    return raw + ([latin1] if latin1 != raw[0] else [])


def _base64_cores(raw):
    # In a longer base64 text the key starts at any byte offset; the characters
    # that depend on the key's bytes alone are the same whatever surrounds it.
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        core = encoded[-(-8 * offset // 6):(8 * (offset + len(raw))) // 6]
        yield core
        yield core.replace("+", "-").replace("/", "_")


def secret_pattern(secrets):
    """A regular expression matching each form of each secret in any letter case, or None."""
    forms = set()
    for secret in secrets:
        if secret:
            forms.update(secret_forms(str(secret)))
    if not forms:
        return None
    # longest first, so that a form holding a shorter one is masked whole
    ordered = sorted(forms, key=lambda form: (-len(form), form))
    return re.compile("|".join(re.escape(form) for form in ordered), re.IGNORECASE)


def mask_text(text, pattern):
    """``text`` with every match of ``pattern`` (see secret_pattern) masked."""
    return pattern.sub(MASK, str(text)) if pattern else str(text)


def mask_strings(value, pattern):
    """Parsed JSON ``value`` with ``pattern`` masked in every string, keys included."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(MASK, value)
    if isinstance(value, list):
        return [mask_strings(item, pattern) for item in value]
    if isinstance(value, dict):
        return dict((mask_strings(key, pattern), mask_strings(item, pattern)) for key, item in value.items())
    return value

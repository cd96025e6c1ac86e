# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""secrets.py: the key is masked in every form a message can carry it in."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils.secrets import MASK, mask_text, secret_pattern

KEY = "hu_live_7f3a9c2e5b1d4f60"


def encodings(key):
    raw = key.encode("utf-8")
    return {
        "hex": binascii.hexlify(raw).decode(),
        "HEX": binascii.hexlify(raw).decode().upper(),
        "base64": base64.b64encode(raw).decode(),
        "urlsafe base64": base64.urlsafe_b64encode(raw).decode(),
        "fully %-encoded": "".join("%%%02x" % byte for byte in raw),
        "base64 inside basic auth (offset 1)": base64.b64encode(b"u:" + raw).decode(),
        "base64 inside basic auth (offset 2)": base64.b64encode(b"us:" + raw).decode(),
        "base64 at offset 0 with more after": base64.b64encode(raw + b":tail").decode(),
    }


@pytest.mark.parametrize("name", sorted(encodings(KEY)))
def test_the_key_is_masked_in_encoded_forms(name):
    form = encodings(KEY)[name]
    masked = mask_text("before %s after" % form, secret_pattern([KEY]))
    assert MASK in masked
    for other in encodings(KEY).values():
        assert other not in masked
    assert KEY not in masked


# A key may hold Latin-1 letters (normalize_api_key accepts them): requests sends the header
# in Latin-1, so a server that echoes what it received encodes those bytes, not UTF-8's.
LATIN1_KEY = "hu_live_\xe5\xe4\xf6_7f3a9c2e5b1d"


def wire_encodings(key):
    raw = key.encode("latin-1")
    return {
        "hex of the bytes sent": binascii.hexlify(raw).decode(),
        "base64 of the bytes sent": base64.b64encode(raw).decode(),
        "base64 of the header line sent": base64.b64encode(b"X-API-Key: " + raw).decode(),
        "%-encoded bytes sent": "".join("%%%02X" % byte for byte in raw),
        "repr of the bytes sent": repr(raw)[2:-1],
        "ascii() of the key": ascii(key)[1:-1],
    }


@pytest.mark.parametrize("name", sorted(wire_encodings(LATIN1_KEY)))
def test_a_latin1_key_is_masked_in_the_forms_of_the_bytes_sent(name):
    form = wire_encodings(LATIN1_KEY)[name]
    assert form != LATIN1_KEY
    masked = mask_text("before %s after" % form, secret_pattern([LATIN1_KEY]))
    assert MASK in masked, masked
    for other in list(wire_encodings(LATIN1_KEY).values()) + list(encodings(LATIN1_KEY).values()):
        assert other not in masked, masked


# repr() escapes a quote only when the text around it holds the other quote too.
QUOTE_KEYS = ["hu'live'7f3a9c2e5b1d", 'hu"live"7f3a9c2e5b1d', "hu'live\"7f3a9c2e\\5b1d"]


@pytest.mark.parametrize("key", QUOTE_KEYS)
@pytest.mark.parametrize("around", ["'", '"', "'\""])
def test_a_key_with_quotes_is_masked_in_a_repr_of_a_longer_text(key, around):
    shown = repr("server said %s: %s" % (around, key))
    masked = mask_text(shown, secret_pattern([key]))
    assert MASK in masked, masked
    assert "7f3a9c2e" not in masked, masked


def test_a_latin1_key_partly_percent_encoded_as_sent_is_masked():
    from urllib.parse import quote
    form = quote(LATIN1_KEY.encode("latin-1"), safe="")
    assert form != quote(LATIN1_KEY, safe="")
    assert mask_text("x %s y" % form, secret_pattern([LATIN1_KEY])) == "x %s y" % MASK

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

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one leak scan: is a secret (an API key, a person's data) anywhere in some text?

A secret can come out escaped as well as verbatim: in a repr, in JSON, in JSON
inside a JSON string (a result logged at -vvv), in a URL. ``ESCAPES`` lists
each way; add one there and every scan looks for it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover - Python 2
    from urllib import quote, quote_plus


def _verbatim(secret):
    return secret


def _python_repr(secret):
    return repr(secret)[1:-1]


def _bytes_repr(secret):
    return repr(secret.encode("utf-8"))[2:-1]


def _json(secret):
    return json.dumps(secret)[1:-1]


def _json_unicode(secret):
    return json.dumps(secret, ensure_ascii=False)[1:-1]


def _json_in_json(secret):
    return json.dumps(_json(secret))[1:-1]


def _url(secret):
    return quote(secret, safe="")


def _url_plus(secret):
    return quote_plus(secret)


ESCAPES = [_verbatim, _python_repr, _bytes_repr, _json, _json_unicode, _json_in_json, _url, _url_plus]


def secret_forms(secret):
    """Every form of ``secret`` (and of it stripped: a key with a trailing newline) a scan looks for."""
    if not secret.strip():
        raise ValueError("an empty secret is found in any text")
    return sorted(set(escape(value) for value in (secret, secret.strip()) for escape in ESCAPES))


def leaks(text, secrets):
    """The secrets found in ``text`` in any of their forms, sorted."""
    return sorted(set(secret for secret in secrets if any(form in text for form in secret_forms(secret))))


def assert_no_leak(text, *secrets):
    """Fail, naming them, if any of ``secrets`` is found in ``text`` in any form."""
    found = leaks(text, secrets)
    assert not found, "leaked: %r" % found

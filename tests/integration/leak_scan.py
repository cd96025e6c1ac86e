# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a leak scan looks for: a secret in each form output can carry it.

Written apart from the client's own mask, so that a gap in the mask shows up here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover
    from urllib import quote, quote_plus


def written_forms(secret):
    """``secret`` as is and stripped, repr- and JSON-escaped, and %-encoded."""
    forms = set()
    for value in (secret, secret.strip()):
        forms.update([value, repr(value)[1:-1], repr(value.encode("utf-8"))[2:-1], json.dumps(value)[1:-1],
                      json.dumps(value, ensure_ascii=False)[1:-1], quote(value, safe=""), quote_plus(value)])
    return sorted(form for form in forms if form.strip())


def leaks(text, secrets):
    """The forms of ``secrets`` found in ``text``."""
    return sorted(set(form for secret in secrets for form in written_forms(secret) if form in text))

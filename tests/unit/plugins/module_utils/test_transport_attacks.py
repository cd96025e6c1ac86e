# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client against a hostile server, a hostile network and a careless user.

Each test is a way the key once left for another host, came back out in some
form, or the transport crashed or grew without bound.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import threading

import pytest
from requests.structures import CaseInsensitiveDict

from ansible_collections.hostup.cloud.plugins.module_utils import transport as client_module
from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.transport import HostUpClient, requested_wait
from ansible_collections.hostup.cloud.tests.leaks import leaks
from ansible_collections.hostup.cloud.tests.unit.plugins.module_utils.test_transport import api_url_problem
from ansible_collections.hostup.cloud.tests.unit.helpers import API, api_error, ok

DETAILS = "/api/vm/10001/details"
MIXED_KEY = "MixedCase-Secret-Key-4dE9"


def cased(key):
    """The key as a server may echo it: as is, upper case, lower case."""
    return [key, key.upper(), key.lower()]


def shown(error, client):
    return error.one_line() + json.dumps(error.to_dict(), ensure_ascii=False) + json.dumps(client.request_ids)


# --- api_url: the host that is checked is the host that is called ------------------------

@pytest.mark.parametrize("url", [
    # urllib3 ends the host at a backslash, urlsplit at the last "@": the key went in clear to "evil"
    "http://evil.example\\@127.0.0.1:8080",
    "http://127.0.0.2:8081\\@127.0.0.1:8080",
    "http://evil.example\t@127.0.0.1",
    "http://key-in-user-info@127.0.0.1:8080",
    "https://user:password@cloud.hostup.se",
])
def test_an_api_url_with_user_info_or_a_backslash_is_refused(url):
    assert api_url_problem(url) == "option.api_url_ambiguous"


@pytest.mark.parametrize("url", [
    # not an address: the resolver asks DNS, which may answer with any host on the network
    "http://127.0.0.300", "http://127.0.0.99999999999999999999", "http://127.0.0.01:8080",
    "http://127.0.0.\u0661", "http://127.\uff10.\uff10.\uff11",
])
def test_a_loopback_lookalike_that_is_no_address_is_refused_for_plain_http(url):
    assert api_url_problem(url) == "option.api_url_plain_http"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://[::1]:8000", "http://[0:0:0:0:0:0:0:1]:8000",
                                 "http://localhost:9000", "http://LOCALHOST:9000", "HTTP://127.10.0.3"])
def test_loopback_addresses_stay_accepted(url):
    assert api_url_problem(url) is None


# --- an echoed key is masked wherever the server puts it, in any case ---------------------

def test_a_key_echoed_in_any_field_and_any_case_never_comes_out(conversation):
    reply = api_error(401, "BAD_KEY_" + MIXED_KEY.upper(), "Invalid API key %s" % MIXED_KEY.upper(),
                      request_id="req-" + MIXED_KEY, invoice_id=MIXED_KEY.lower())
    conversation.expect("GET", DETAILS, status=401, reply=reply)
    client = HostUpClient(API, MIXED_KEY)
    with pytest.raises(HostUpError) as caught:
        client.get(DETAILS)
    assert leaks(shown(caught.value, client), cased(MIXED_KEY)) == []
    assert "Invalid API key ********" in caught.value.one_line()


def test_a_key_echoed_in_a_successful_reply_is_masked_in_the_data_too(conversation):
    conversation.expect("GET", DETAILS, reply=ok({"hostname": "%s.example" % MIXED_KEY.lower(),
                                                  "notes": [MIXED_KEY]}, request_id=MIXED_KEY))
    client = HostUpClient(API, MIXED_KEY)
    data = client.get(DETAILS)
    assert leaks(json.dumps(data) + json.dumps(client.request_ids), cased(MIXED_KEY)) == []
    assert data == {"hostname": "********.example", "notes": ["********"]}


def test_a_redirect_to_a_host_named_like_the_key_does_not_show_it_lower_cased(conversation):
    conversation.expect("GET", DETAILS, status=302, reply="",
                        headers={"Location": "https://%s.evil.example/x" % MIXED_KEY})
    client = HostUpClient(API, MIXED_KEY)
    with pytest.raises(HostUpError) as caught:
        client.get(DETAILS)
    assert leaks(shown(caught.value, client), cased(MIXED_KEY)) == []
    assert "redirect to https://********.evil.example/x" in caught.value.one_line()


def test_a_huge_error_message_is_cut_to_one_readable_line_after_masking(conversation):
    conversation.expect("GET", DETAILS, status=500,
                        reply=api_error(500, "INTERNAL_ERROR", ("x" * 4997) + MIXED_KEY + ("y" * 10 ** 6)))
    client = HostUpClient(API, MIXED_KEY)
    with pytest.raises(HostUpError) as caught:
        client.get(DETAILS)
    line = caught.value.one_line()
    assert len(line) < 2000
    assert "characters more" in line
    assert leaks(line, cased(MIXED_KEY)) == []


# --- what a hostile server can send must not crash the transport ----------------------------

def test_a_retry_after_in_the_body_too_big_for_a_float_falls_back():
    huge = 10 ** 400  # json.loads gives a Python int that float() cannot hold
    assert requested_wait(CaseInsensitiveDict({"Retry-After": "5"}), {"retryAfter": huge}) == 5.0
    assert requested_wait(CaseInsensitiveDict({}), {"retryAfter": huge}) == 1.0


def test_deeply_nested_json_is_reported_as_malformed(conversation):
    conversation.expect("GET", DETAILS, reply="[" * 100000 + "]" * 100000)
    with pytest.raises(HostUpError) as caught:
        HostUpClient(API, MIXED_KEY).get(DETAILS)
    assert "malformed or truncated JSON body" in caught.value.one_line()


def test_a_missing_ca_bundle_is_one_line_naming_it_and_not_tried_again(conversation):
    # requests raises a bare OSError, not one of its own exceptions, for REQUESTS_CA_BUNDLE=/nowhere
    conversation.expect("GET", DETAILS, raises=OSError(
        "Could not find a suitable TLS CA certificate bundle, invalid path: /nowhere/ca.pem"))
    with pytest.raises(HostUpError) as caught:
        HostUpClient(API, MIXED_KEY).get(DETAILS)
    line = caught.value.one_line()
    assert "GET %s failed" % DETAILS in line and "/nowhere/ca.pem" in line and "REQUESTS_CA_BUNDLE" in line
    assert caught.value.reached_server is False


class EndlessResponse(object):
    """A 200 whose body never ends, as fast as the network goes."""

    status_code = 200
    headers = CaseInsensitiveDict({"Content-Type": "application/json"})

    def __init__(self):
        self.read = 0
        self.closed = False

    def iter_content(self, chunk_size=1):
        while not self.closed:
            self.read += chunk_size
            yield b" " * chunk_size

    def close(self):
        self.closed = True


class EndlessSession(object):
    def __init__(self):
        self.headers = {}
        self.responses = []

    def request(self, method, url, **kwargs):
        assert kwargs.get("stream") is True
        self.responses.append(EndlessResponse())
        return self.responses[-1]


def test_an_endless_reply_is_cut_at_the_size_limit_and_not_read_again(sleeps):
    session = EndlessSession()
    with pytest.raises(HostUpError) as caught:
        HostUpClient(API, MIXED_KEY, session_factory=lambda: session).get(DETAILS)
    assert "larger than" in caught.value.one_line()
    assert len(session.responses) == 1 and session.responses[0].closed
    assert session.responses[0].read <= client_module.MAX_REPLY_BYTES + 1024 * 1024


# --- a careless user: numbers Python cannot wait for ---------------------------------------

def test_a_huge_api_timeout_is_waited_as_long_as_python_can(conversation):
    conversation.expect("GET", DETAILS, reply=ok({"id": "10001"}))
    assert HostUpClient(API, MIXED_KEY, timeout=99999999999).get(DETAILS) == {"id": "10001"}
    assert conversation.sent[0]["timeout"] <= threading.TIMEOUT_MAX


def test_a_huge_rate_limit_wait_still_refuses_a_wait_python_cannot_sleep(conversation, sleeps):
    conversation.expect("GET", DETAILS, status=429, headers={"Retry-After": "1e15"}, reply={"message": "slow"})
    with pytest.raises(HostUpError) as caught:
        HostUpClient(API, MIXED_KEY, rate_limit_wait=10 ** 30).get(DETAILS)
    assert sleeps == []
    assert "HTTP 429" in caught.value.one_line() and "rate_limit_wait" in caught.value.one_line()

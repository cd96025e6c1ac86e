# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client against a hostile server, a hostile network and a careless user.

Each test is a way the key once left for another host, came back out in some
form, or the transport crashed or grew without bound.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import json
import threading
import tracemalloc

import pytest
import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from ansible_collections.hostup.cloud.plugins.module_utils import replies
from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.ordering import order_failure
from ansible_collections.hostup.cloud.plugins.module_utils.transport import HostUpClient
from ansible_collections.hostup.cloud.tests.bombs import bomb, encoded, gzip_member
from ansible_collections.hostup.cloud.tests.leaks import leaks
from ansible_collections.hostup.cloud.tests.unit.helpers import API, api_error, ok

DETAILS = "/api/vm/10001/details"
MIXED_KEY = "MixedCase-Secret-Key-4dE9"


def cased(key):
    """The key as a server may echo it: as is, upper case, lower case."""
    return [key, key.upper(), key.lower()]


def shown(error, client):
    return error.one_line() + json.dumps(error.to_dict(), ensure_ascii=False) + json.dumps(client.request_ids)


# --- an echoed key is masked wherever the server puts it, in any case ---------------------

@pytest.mark.parametrize("reply, words", [
    (dict(status=401, reply=api_error(401, "BAD_KEY_" + MIXED_KEY.upper(), "Invalid API key %s" % MIXED_KEY.upper(),
                                      request_id="req-" + MIXED_KEY, invoice_id=MIXED_KEY.lower())),
     "Invalid API key ********"),
    # a host named like the key: not shown lower-cased either
    (dict(status=302, reply="", headers={"Location": "https://%s.evil.example/x" % MIXED_KEY}),
     "redirect to https://********.evil.example/x"),
    # a huge message is cut to one readable line after masking
    (dict(status=500, reply=api_error(500, "INTERNAL_ERROR", ("x" * 4997) + MIXED_KEY + ("y" * 10 ** 6))),
     "characters more"),
])
def test_a_key_echoed_in_any_field_and_any_case_never_comes_out(conversation, reply, words):
    conversation.expect("GET", DETAILS, **reply)
    client = HostUpClient(API, MIXED_KEY)
    error = failure(lambda: client.get(DETAILS))
    assert leaks(shown(error, client), cased(MIXED_KEY)) == []
    assert words in error.one_line() and len(error.one_line()) < 2000


def test_a_key_echoed_in_a_successful_reply_is_masked_in_the_data_too(conversation):
    conversation.expect("GET", DETAILS, reply=ok({"hostname": "%s.example" % MIXED_KEY.lower(),
                                                  "notes": [MIXED_KEY]}, request_id=MIXED_KEY))
    client = HostUpClient(API, MIXED_KEY)
    data = client.get(DETAILS)
    assert leaks(json.dumps(data) + json.dumps(client.request_ids), cased(MIXED_KEY)) == []
    assert data == {"hostname": "********.example", "notes": ["********"]}


# --- the size of a reply: as sent and as decoded, whatever urllib3 is installed ----------------

class RawBody(object):
    """A urllib3 response's body, which the client must read as sent (``decode_content=False``).

    Decoding is urllib3's, and urllib3 1.26 inflates each piece it reads at once, without
    bound: a body with a Content-Encoding that is left to urllib3 fails the test. ``piece``:
    the most one read returns; ``then``: raised once the data is read (a connection that broke).
    """

    def __init__(self, data=b"", encoded=False, endless=False, piece=None, then=None):
        self._data, self._encoded, self._endless, self._piece, self._then = data, encoded, endless, piece, then
        self._at = self.read_bytes = 0
        self.closed = False

    def stream(self, amt=2 ** 16, decode_content=None):  # what requests' iter_content reads through
        while True:
            chunk = self.read(amt, decode_content=decode_content)
            if not chunk:
                return
            yield chunk

    def read(self, amt=None, decode_content=None):
        assert not (self._encoded and decode_content is not False), (
            "the body was left to urllib3 to decode, which urllib3 1.26 does without bound")
        amt = min(amt, self._piece or amt)
        if self._endless and not self.closed:
            chunk = b" " * amt
        else:
            chunk = self._data[self._at:self._at + amt]
            self._at += len(chunk)
            if not chunk and self._then is not None:
                raise self._then
        self.read_bytes += len(chunk)
        return chunk

    def close(self):
        self.closed = True


def raw_reply(raw, status=200, headers=None):
    """A requests.Response whose body is ``raw``, as requests hands one over with stream=True."""
    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict(dict({"Content-Type": "application/json"}, **(headers or {})))
    response.raw = raw
    return response


class ScriptedSession(object):
    """Answers each request with the next of ``replies``."""

    def __init__(self, *replies):
        self.headers = {}
        self.replies = list(replies)
        self.sent = []

    def request(self, method, url, **kwargs):
        assert kwargs.get("stream") is True
        self.sent.append((method, url))
        return self.replies.pop(0)


def client_of(session):
    return HostUpClient(API, MIXED_KEY, session_factory=lambda: session)


def failure(call):
    with pytest.raises(HostUpError) as caught:
        call()
    return caught.value


def failure_and_peak(call):
    """The HostUpError ``call`` ends in, and the most memory Python held on the way."""
    tracemalloc.start()
    try:
        return failure(call), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("headers, most", [({}, replies.MAX_REPLY_BYTES + 1024 * 1024),
                                           ({"Content-Length": str(10 ** 12)}, 0)])  # refused before reading
def test_an_endless_reply_is_cut_at_the_size_limit_and_not_read_again(sleeps, headers, most):
    raw = RawBody(endless=True)
    session = ScriptedSession(raw_reply(raw, headers=headers))
    error = failure(lambda: client_of(session).get(DETAILS))
    assert error.reason == "transport.too_large" and "larger than" in error.one_line()
    assert len(session.sent) == 1 and raw.closed and raw.read_bytes <= most


BOMBS = {
    # Content-Encoding: the body (1 GiB of spaces when inflated, unless said otherwise)
    "gzip": lambda: bomb("gzip", 1024),
    "x-gzip": lambda: bomb("x-gzip", 1024),
    "deflate": lambda: bomb("deflate", 1024),
    "deflate (raw)": lambda: bomb("raw-deflate", 1024),
    "gzip, gzip": lambda: encoded(bomb("gzip", 1024), "gzip"),  # issue 17: 1.8 KB
    "deflate, gzip": lambda: encoded(bomb("deflate", 1024), "gzip"),
    "gzip (two whole members of 16 MiB)": lambda: gzip_member() * 2,
}


@pytest.mark.parametrize("label", sorted(BOMBS))
def test_a_compression_bomb_is_inflated_no_further_than_the_cap(sleeps, label):
    body = BOMBS[label]()
    raw = RawBody(body, encoded=True)
    session = ScriptedSession(raw_reply(raw, headers={"Content-Encoding": label.split(" (")[0]}))
    error, peak = failure_and_peak(lambda: client_of(session).get(DETAILS))
    assert (error.reason, error.status) == ("transport.too_large", 200), error.one_line()
    assert "larger than 16 MiB" in error.one_line()
    assert len(session.sent) == 1 and raw.closed
    # the body and the piece that went over: about twice the cap, never the bomb
    assert peak < 3 * replies.MAX_REPLY_BYTES, peak


JSON_REPLY = json.dumps(ok({"id": "10001", "label": "web \u00e5"})).encode("utf-8")


def two_gzip_members(data):
    half = len(data) // 2
    return encoded(data[:half], "gzip") + encoded(data[half:], "gzip")


ENCODED_REPLIES = [
    ("gzip", lambda data: encoded(data, "gzip")),
    ("x-gzip", lambda data: encoded(data, "x-gzip")),
    ("GZIP", lambda data: encoded(data, "gzip")),
    ("deflate", lambda data: encoded(data, "deflate")),
    ("deflate", lambda data: encoded(data, "raw-deflate")),
    ("identity", lambda data: data),
    ("", lambda data: data),
    (" gzip , identity ", lambda data: encoded(data, "gzip")),
    ("deflate, gzip", lambda data: encoded(encoded(data, "deflate"), "gzip")),
    ("gzip", two_gzip_members),
    ("gzip", lambda data: encoded(data, "gzip") + b"\0" * 16),  # zero padding after the member
]


@pytest.mark.parametrize("piece", [1, None], ids=["a byte at a time", "whole"])
@pytest.mark.parametrize("content_encoding, encode", ENCODED_REPLIES,
                         ids=["%d-%s" % (n, e[0].strip() or "none") for n, e in enumerate(ENCODED_REPLIES)])
def test_a_reply_in_each_encoding_asked_for_reads_as_sent(sleeps, content_encoding, encode, piece):
    raw = RawBody(encode(JSON_REPLY), encoded=bool(content_encoding.strip()), piece=piece)
    session = ScriptedSession(raw_reply(raw, headers={"Content-Encoding": content_encoding}))
    assert client_of(session).get(DETAILS) == {"id": "10001", "label": "web \u00e5"}


@pytest.mark.parametrize("content_encoding", ["br", "zstd", "compress", "gzip, br", "aes128gcm",
                                              "gzip, gzip, gzip", "\x1b[2J"])
def test_an_encoding_not_asked_for_is_refused_unread_and_not_asked_again(sleeps, content_encoding):
    raw = RawBody(b"\x28\xb5\x2f\xfd" * 100, encoded=True)
    session = ScriptedSession(raw_reply(raw, headers={"Content-Encoding": content_encoding}))
    error = failure(lambda: client_of(session).get(DETAILS))
    assert (error.reason, error.status, error.reached_server) == ("transport.encoding", 200, True)
    assert "only gzip, deflate is asked for" in error.one_line() and "\x1b" not in error.one_line()
    assert raw.read_bytes == 0 and raw.closed and len(session.sent) == 1


@pytest.mark.parametrize("body, words", [
    (b"{\"success\": true}", "not valid gzip"),  # not what its encoding says: unreadable, not malformed
    # 16 MiB of empty 20-byte members inflate to nothing, but took seconds of CPU to go through
    (encoded(b"", "gzip") * 800000, "more than 64 gzip members"),
])
def test_a_body_that_is_not_gzip_or_a_flood_of_empty_members_is_undecodable_early(sleeps, body, words):
    raw = RawBody(body, encoded=True)
    session = ScriptedSession(raw_reply(raw, headers={"Content-Encoding": "gzip"}))
    error = failure(lambda: client_of(session).get(DETAILS))
    assert error.reason == "transport.undecodable" and words in error.one_line()
    assert raw.read_bytes <= 64 * 1024 and raw.closed


FORGED = json.dumps(ok({"id": "forged"})).encode()


def cut_short_reply():
    """A whole JSON body, but fewer bytes than its Content-Length: the connection ended early."""
    return raw_reply(RawBody(FORGED), headers={"Content-Length": str(len(FORGED) + 100)})


def broken_reply():
    return raw_reply(RawBody(FORGED[:10], then=urllib3.exceptions.ProtocolError(
        "Connection broken: IncompleteRead(10 bytes read, 90 more expected)")))


@pytest.mark.parametrize("broken", [cut_short_reply, broken_reply], ids=["content-length lie", "connection broke"])
def test_a_reply_cut_short_is_asked_again_by_a_read(sleeps, broken):
    whole = raw_reply(RawBody(json.dumps(ok({"id": "10001"})).encode()))
    session = ScriptedSession(broken(), whole)
    assert client_of(session).get(DETAILS) == {"id": "10001"}
    assert len(session.sent) == 2


def tls_broken_reply():
    """HTTP 200 came, then the TLS stream broke: the request had long reached HostUp."""
    return raw_reply(RawBody(FORGED[:10], then=urllib3.exceptions.SSLError(
        "[SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC] decryption failed or bad record mac")))


@pytest.mark.parametrize("broken", [cut_short_reply, broken_reply, tls_broken_reply],
                         ids=["content-length lie", "connection broke", "tls broke"])  # tls: was "refused"
def test_an_order_whose_reply_was_cut_short_may_have_been_placed(sleeps, broken):
    session = ScriptedSession(broken())
    error = failure(lambda: client_of(session).order("/api/vm/10001/upgrade", {"send": True}))
    # HostUp answered 200 and the order may stand: never "refused, nothing was ordered"
    assert (error.reason, error.status, error.reached_server) == ("transport.cut_short", 200, True)
    assert "broke off after" in error.one_line()
    assert order_failure(error, "the order")[0] == "order.unknown"
    assert len(session.sent) == 1


class Urllib3Adapter(requests.adapters.HTTPAdapter):
    """Answers every request with a urllib3 response over ``body``: the installed urllib3 reads it."""

    def __init__(self, body, headers):
        super(Urllib3Adapter, self).__init__()
        self.body = body
        self.reply_headers = headers

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        reply = urllib3.HTTPResponse(body=io.BytesIO(self.body), headers=self.reply_headers, status=200,
                                     preload_content=False, decode_content=True)
        return self.build_response(request, reply)


def test_a_bomb_read_through_the_installed_urllib3_stays_within_the_cap(sleeps):
    # urllib3 1.26 (requirements.txt allows it) inflated "gzip, gzip" to all it held at once
    def session():
        made = requests.Session()
        made.mount("https://", Urllib3Adapter(encoded(gzip_member() * 16, "gzip"),  # 256 MiB
                                              {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"}))
        return made
    error, peak = failure_and_peak(lambda: HostUpClient(API, MIXED_KEY, session_factory=session).get(DETAILS))
    assert error.reason == "transport.too_large", error.one_line()
    assert peak < 3 * replies.MAX_REPLY_BYTES, (urllib3.__version__, peak)


# --- a careless user: numbers Python cannot wait for ---------------------------------------

def test_a_huge_api_timeout_is_waited_as_long_as_python_can(conversation):
    conversation.expect("GET", DETAILS, reply=ok({"id": "10001"}))
    assert HostUpClient(API, MIXED_KEY, timeout=99999999999).get(DETAILS) == {"id": "10001"}
    assert conversation.sent[0]["timeout"] <= threading.TIMEOUT_MAX

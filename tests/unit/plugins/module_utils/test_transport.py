# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import importlib.util
import io
import json
import os
import sys
import threading

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote

import pytest
import requests
import yaml
from requests.structures import CaseInsensitiveDict

from ansible_collections.hostup.cloud.plugins.module_utils import transport as client_module
from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.secrets import mask_text, normalize_api_key, secret_pattern
from ansible_collections.hostup.cloud.plugins.module_utils.transport import (
    DEFAULT_RATE_LIMIT_WAIT,
    USER_AGENT,
    HostUpClient,
    check_api_url,
    requested_wait,
)
from ansible_collections.hostup.cloud.plugins.module_utils.version import COLLECTION_VERSION
from ansible_collections.hostup.cloud.tests.paths import ROOT
from ansible_collections.hostup.cloud.tests.unit.helpers import API, KEY, api_error, ok

DETAILS = "/api/vm/10001/details"
UPGRADE = "/api/vm/10001/upgrade"


def make_client(**kwargs):
    return HostUpClient(API, KEY, **kwargs)


def send(client, call, path=UPGRADE):
    """Make a ``call`` (get, estimate or order) of ``path``, as a module would."""
    return getattr(client, call)(*((path,) if call == "get" else (path, {"send": call == "order"})))


def expect(conversation, call, path, replies):
    for reply in replies:
        conversation.expect("GET" if call == "get" else "POST", path, **reply)


def failure(conversation, replies, path=DETAILS, call="get", **client):
    """The HostUpError a ``call`` of ``path`` ends in, after HostUp answers with ``replies`` (expect()'s keywords)."""
    expect(conversation, call, path, replies)
    with pytest.raises(HostUpError) as caught:
        send(make_client(**client), call, path)
    return caught.value


# --- identity ------------------------------------------------------------------

def test_version_matches_galaxy_yml():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION


def test_every_call_sends_key_user_agent_encodings_timeout_and_tls_setting_and_success_collects_request_ids(
        conversation):
    conversation.expect("GET", DETAILS, reply=ok({"product_id": "1937"}, "rid-1"))
    conversation.expect("POST", UPGRADE, body={"send": False, "package": "1938"}, reply=ok({"draftId": 5}, "rid-2"))
    client = make_client(timeout=7, validate_certs=False)
    assert client.get(DETAILS) == {"product_id": "1937"}
    assert client.estimate(UPGRADE, {"send": False, "package": "1938"}) == {"draftId": 5}
    assert client.request_ids == ["rid-1", "rid-2"]
    for sent in conversation.sent:
        assert sent["headers"]["X-API-Key"] == KEY and sent["headers"]["Accept"] == "application/json"
        assert sent["headers"]["User-Agent"] == USER_AGENT == "hostup.cloud/" + COLLECTION_VERSION
        # only gzip and deflate: requests asks for br and zstd too when a library for them happens to be installed
        assert sent["headers"]["Accept-Encoding"] == "gzip, deflate"
        assert (sent["timeout"], sent["verify"], sent["allow_redirects"]) == (7, False, False)


# --- rate limiting ---------------------------------------------------------------

@pytest.mark.parametrize("call, headers, retry_after, wait", [
    (call, {"Retry-After": "3", "X-RateLimit-Remaining": "0"}, "9", 3.0) for call in ("get", "estimate", "order")] + [
    ("order", {"Retry-After": "nan", "X-RateLimit-Reset": "nan"}, "inf", 1.0)])  # nan everywhere: the default
def test_429_waits_retry_after_then_sends_again_for_every_kind_of_call(conversation, sleeps, call, headers,
                                                                       retry_after, wait):
    limited = {"error": "Too Many Requests", "message": "slow down", "retryAfter": retry_after, "requestId": "rid-429"}
    expect(conversation, call, UPGRADE, [dict(status=429, reply=limited, headers=headers),
                                         dict(reply=ok({"done": True}, "rid-ok"))])
    client = make_client()
    assert send(client, call) == {"done": True}
    assert sleeps == [wait]
    assert client.request_ids == ["rid-429", "rid-ok"]


def limited(retry_after, message="slow"):
    return dict(status=429, headers={"Retry-After": retry_after}, reply={"message": message})


@pytest.mark.parametrize("replies, call, client, waited, words", [
    ([limited("25", "Rate limit exceeded")] * 3, "get", {}, [25.0, 25.0], ["this task waits at most 60 s", "fewer forks"]),
    ([limited("3600", "hourly quota")], "order", {}, [], ["HTTP 429"]),  # more than the budget: at once
    ([limited("1")], "get", {"rate_limit_wait": 0}, [], ["rate_limit_wait is 0"]),
    ([limited("6")] * 2, "get", {"rate_limit_wait": 10}, [6.0], ["this task waits at most 10 s in all, rate_limit_wait"]),
    # a server asking to wait almost nothing, again and again: stopped after 60 answers, not after the budget
    ([limited("0")] * 60, "get", {}, [0.1] * 59, ["HostUp answered 429 60 times in a row"]),
    # a careless user: a budget Python cannot wait for still refuses a wait it cannot sleep
    ([limited("1e15")], "get", {"rate_limit_wait": 10 ** 30}, [], ["HTTP 429", "rate_limit_wait"]),
])
def test_429_past_the_wait_budget_fails_without_waiting_beyond_it(conversation, sleeps, replies, call, client, waited,
                                                                  words):
    error = failure(conversation, replies, UPGRADE, call, **client)
    assert sleeps == waited and sum(sleeps) <= DEFAULT_RATE_LIMIT_WAIT
    assert error.status == 429 and [word for word in words if word not in str(error)] == []


# --- transient failures ------------------------------------------------------------

@pytest.mark.parametrize("call, down", [("get", dict(status=status, reply=api_error(status, "X", "down")))
                                        for status in (502, 503, 504)] + [
    ("estimate", dict(raises=requests.exceptions.ConnectionError("reset by peer")))])
def test_reads_and_estimates_are_retried_after_gateway_and_connection_errors_with_backoff(conversation, sleeps, call,
                                                                                          down):
    expect(conversation, call, UPGRADE, [down, down, dict(reply=ok({"id": "10001"}))])
    assert send(make_client(), call) == {"id": "10001"}
    assert sleeps == [0.5, 1.0]


def test_reads_give_up_after_three_tries(conversation, sleeps):
    error = failure(conversation, [dict(status=504, reply=api_error(504, "GATEWAY_TIMEOUT", "upstream slow"))] * 3)
    assert error.status == 504


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_an_order_answered_with_a_server_error_is_sent_exactly_once(conversation, sleeps, status):
    conversation.expect("POST", UPGRADE, status=status, reply=api_error(status, "X", "boom"))
    with pytest.raises(HostUpError) as caught:
        make_client().order(UPGRADE, {"send": True, "draftId": 5})
    assert len(conversation.sent) == 1
    assert sleeps == []
    assert caught.value.reached_server is True


def _with_reason(name):
    reason = type(name, (Exception,), {})()

    class MaxRetries(Exception):
        pass
    wrapper = MaxRetries("max retries")
    wrapper.reason = reason
    return wrapper


@pytest.mark.parametrize("exc, reached, words", [
    (requests.exceptions.ReadTimeout("read timed out"), None, "did not answer within 30 s"),
    (requests.exceptions.ConnectionError("Connection aborted, RemoteDisconnected"), None, "broke before HostUp answered"),
    (requests.exceptions.ConnectTimeout("connect timed out"), False, "could not connect"),
    (requests.exceptions.ConnectionError(_with_reason("NewConnectionError")), False, "connection refused"),
])
def test_an_order_that_fails_in_transport_is_sent_exactly_once(conversation, sleeps, exc, reached, words):
    error = failure(conversation, [dict(raises=exc)], UPGRADE, "order")
    assert error.reached_server is reached and words in error.message and sleeps == []


# --- error shapes ------------------------------------------------------------------

def test_an_error_is_one_line_with_method_path_status_code_message_and_request_id(conversation):
    swedish = "Kunde inte uppdatera faktureringsperioden. Priset gick inte att uppdatera och ändringen..."
    conversation.expect("POST", "/api/vm/10001/billing-cycle", status=500,
                        reply=api_error(500, "INTERNAL_ERROR", swedish, "2121ae20-bd9d"))
    with pytest.raises(HostUpError) as caught:
        make_client().order("/api/vm/10001/billing-cycle", {"cycle": "a"})
    line = caught.value.one_line()
    assert "\n" not in line
    assert line.startswith("POST /api/vm/10001/billing-cycle failed: HTTP 500 INTERNAL_ERROR: " + swedish)
    assert "(requestId 2121ae20-bd9d)" in line
    assert caught.value.to_dict() == {
        "method": "POST", "path": "/api/vm/10001/billing-cycle", "status": 500, "code": "INTERNAL_ERROR",
        "message": swedish, "request_id": "2121ae20-bd9d", "details": {}}


HTML_502 = dict(status=502, headers={"Content-Type": "text/html"}, reply="<html><body><h1>502 Bad Gateway</h1></body>")
ROUTER_404 = "/api/api/vm/10001/details"


@pytest.mark.parametrize("path, replies, words, status", [
    # 4xx is never retried (the conversation takes no second call)
    (DETAILS, [dict(status=401, reply=api_error(401, "UNAUTHORIZED", "nope"))],
     ["Check api_key (or the HOSTUP_API_KEY environment variable)"], 401),
    (DETAILS, [dict(status=403, reply=api_error(403, "FORBIDDEN", "nope"))], ["lacks a scope"], 403),
    (DETAILS, [HTML_502] * 3, ["HTML page instead of JSON"], 502),
    (DETAILS, [dict(reply='{"success": true, "data": {"id": "10')], ["malformed or truncated JSON body"], 200),
    (DETAILS, [dict(reply={"success": False, "code": "UPSTREAM", "message": "HostBill said no", "requestId": "rid-f"})],
     ["HTTP 200 UPSTREAM: HostBill said no (requestId rid-f)"], 200),
    # hints: a 404 from the router or a page that is not JSON is a wrong api_url, never a wrong vmid
    (ROUTER_404, [dict(status=404, reply=api_error(404, "NOT_FOUND", "Route GET %s not found" % ROUTER_404))],
     ["No such route: check api_url"], 404),
    (DETAILS, [dict(status=404, headers={"Content-Type": "text/html"}, reply="<h1>Not Found</h1>")],
     ["check api_url"], 404),
    (DETAILS, [dict(reply="[" * 100000 + "]" * 100000)], ["malformed or truncated JSON body"], 200),  # deeply nested
    (DETAILS, [dict(raises=requests.exceptions.SSLError("certificate verify failed"))] * 3,
     ["REQUESTS_CA_BUNDLE", "validate_certs"], None),
    # requests raises a bare OSError, not one of its own, for REQUESTS_CA_BUNDLE=/nowhere: not tried again
    (DETAILS, [dict(raises=OSError("Could not find a suitable TLS CA certificate bundle, invalid path: /nowhere/ca.pem"))],
     ["GET %s failed" % DETAILS, "/nowhere/ca.pem", "REQUESTS_CA_BUNDLE"], None),
])
def test_each_failure_is_reported_as_what_it_is_with_a_hint_on_what_to_do(conversation, sleeps, path, replies, words,
                                                                          status):
    error = failure(conversation, replies, path)
    assert [word for word in words if word not in str(error)] == [] and error.status == status
    assert "vmid" not in str(error)
    assert error.reached_server is (False if status is None else True)


def test_pending_invoice_facts_of_a_400_are_kept_and_nothing_else(conversation):
    error = failure(conversation, [dict(status=400, reply=api_error(
        400, "BAD_REQUEST", "unpaid invoice", existing_invoice=True, invoice_id="49526", order_id="34889",
        total="69.50", email="someone@example.com"))], "/api/vm/10001/billing-cycle")
    assert error.details == {"existing_invoice": True, "invoice_id": "49526", "order_id": "34889", "total": "69.50"}


# --- the loopback rule, and the host that is checked is the host that is called ---------------

@pytest.mark.parametrize("url, reason", [(url, None) for url in [
    "https://cloud.hostup.se", "https://proxy.internal:8443/hostup", "http://127.0.0.1:8080", "http://[::1]:8000",
    "http://[0:0:0:0:0:0:0:1]:8000", "http://localhost:9000", "http://LOCALHOST:9000", "HTTP://127.10.0.3"]] + [
    ("http://cloud.hostup.se", "option.api_url_plain_http"),
    ("http://10.0.0.5:8080", "option.api_url_plain_http"),
    ("http://127.0.0.1.evil.example", "option.api_url_plain_http"),
    ("ftp://cloud.hostup.se", "option.api_url_not_http"),
    ("cloud.hostup.se", "option.api_url_not_http")] + [
    # not an address: the resolver asks DNS, which may answer with any host on the network
    (url, "option.api_url_plain_http") for url in [
        "http://127.0.0.300", "http://127.0.0.99999999999999999999", "http://127.0.0.01:8080", "http://127.0.0.\u0661",
        "http://127.\uff10.\uff10.\uff11"]] + [
    # urllib3 ends the host at a backslash, urlsplit at the last "@": the key went in clear to "evil"
    (url, "option.api_url_ambiguous") for url in [
        "http://evil.example\\@127.0.0.1:8080", "http://127.0.0.2:8081\\@127.0.0.1:8080", "http://evil.example\t@127.0.0.1",
        "http://key-in-user-info@127.0.0.1:8080", "https://user:password@cloud.hostup.se"]])
def test_only_urls_that_keep_the_key_safe_are_accepted(url, reason):
    try:
        check_api_url(url)
    except BadOption as problem:
        assert problem.reason == reason
    else:
        assert reason is None


def test_without_requests_the_client_still_imports_and_keeps_the_error_for_the_module(monkeypatch):
    # A None entry makes "import requests" raise ImportError, as on a host without it. The client is
    # loaded as a fresh copy under another name, so every other test keeps the real one.
    monkeypatch.setitem(sys.modules, "requests", None)
    spec = importlib.util.spec_from_file_location("client_without_requests", client_module.__file__)
    without_requests = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(without_requests)
    assert without_requests.HAS_REQUESTS is False
    assert without_requests.REQUESTS_IMPORT_ERROR.startswith("Traceback")
    assert "import of requests halted" in without_requests.REQUESTS_IMPORT_ERROR
    assert (client_module.HAS_REQUESTS, client_module.REQUESTS_IMPORT_ERROR) == (True, None)


# --- the key goes to api_url's host and nowhere else: redirects -----------------------

ELSEWHERE = "http://127.0.0.2:8081"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("call", ["get", "estimate", "order"])
def test_a_redirect_is_never_followed_and_fails_naming_where_it_pointed(conversation, sleeps, status, call):
    error = failure(conversation, [dict(status=status, reply="", headers={
        "Location": ELSEWHERE + "/api/vm/10001/upgrade?token=abc#frag"})], UPGRADE, call)
    assert len(conversation.sent) == 1 and conversation.sent[0]["allow_redirects"] is False  # not sent again anywhere
    assert sleeps == [] and error.status == status
    line = error.one_line()
    assert "redirect to %s/api/vm/10001/upgrade, which is not followed" % ELSEWHERE in line
    assert "token=abc" not in line and "frag" not in line


@pytest.mark.parametrize("location, shown", [
    ("/v2" + DETAILS, "redirect to %s/v2%s" % (API, DETAILS)),  # the same host: refused too
    ("https://%s@evil.example/%s/x?key=%s" % (KEY, quote(KEY), KEY), "redirect to https://evil.example/"),
])
def test_a_same_host_redirect_is_refused_too_and_none_names_the_key_it_may_carry(conversation, location, shown):
    error = failure(conversation, [dict(status=302, reply="", headers={"Location": location})])
    assert shown in str(error) and KEY not in repr(error.to_dict()) + error.one_line()


# --- proxies -------------------------------------------------------------------------

class RecordingAdapter(requests.adapters.BaseAdapter):
    """The transport under a real requests.Session: records what requests hands it."""

    def __init__(self):
        super(RecordingAdapter, self).__init__()
        self.sent = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        # pylint: disable=arguments-differ,unused-argument
        self.sent.append({"url": request.url, "proxies": dict(proxies or {}), "headers": dict(request.headers)})
        response = requests.Response()
        response.status_code = 200
        response.raw = io.BytesIO(json.dumps(ok({"id": "10001"})).encode())
        response.request = request
        response.url = request.url
        return response

    def close(self):
        pass


@pytest.fixture
def proxy_environment(monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.2:3128")


def client_with_recording_adapter(api_url):
    session = requests.Session()
    adapter = RecordingAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return HostUpClient(api_url, KEY, session_factory=lambda: session), adapter


@pytest.mark.parametrize("api_url, proxy", [(url, None) for url in (  # plain http to loopback: never a proxy
    "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080")] + [(API, "http://127.0.0.2:3128")])
def test_only_https_may_use_the_environments_proxy_which_tunnels_it(proxy_environment, api_url, proxy):
    client, adapter = client_with_recording_adapter(api_url)
    client.get(DETAILS)
    assert adapter.sent[0]["url"] == api_url + DETAILS
    assert adapter.sent[0]["proxies"].get("https") == proxy and (proxy or adapter.sent[0]["proxies"] == {})


# --- the key itself ----------------------------------------------------------------

@pytest.mark.parametrize("raw", [KEY + "\n", "  " + KEY + "\r\n", "\t" + KEY + " "])
def test_the_key_is_sent_without_surrounding_whitespace(conversation, raw):
    conversation.expect("GET", DETAILS, reply=ok({"id": "10001"}))
    HostUpClient(API, raw).get(DETAILS)
    assert conversation.sent[0]["headers"]["X-API-Key"] == KEY


@pytest.mark.parametrize("raw, reason", [("", "option.api_key_empty"), (" ", "option.api_key_empty"),
                                         ("\n", "option.api_key_empty"), (" \t\r\n ", "option.api_key_empty"),
                                         (None, "option.api_key_missing")] + [
    (key, "option.api_key_unsendable") for key in [  # a key no header can carry, refused without showing it
        "first-half-7f3a\nsecond-half-9b1c", "key-with-nul-\x00-inside", "key-with-escape-\x1b[0m",
        "nyckel-\u00e5\u00e4\u00f6-\u2603-snow", "c1-control-\x85-key", "tab\tinside-the-key"]])
def test_an_empty_missing_or_unsendable_key_is_refused_before_any_request(conversation, raw, reason):
    with pytest.raises(ValueError) as caught:
        normalize_api_key(raw)
    assert str(caught.value) == reason
    if raw is not None:
        with pytest.raises(ValueError):
            HostUpClient(API, raw)


def key_forms(key):
    """What the key looks like in messages, written independently of the client's mask."""
    return set([key, repr(key)[1:-1], json.dumps(key)[1:-1], quote(key, safe=""),
                repr(key.encode("utf-8"))[2:-1]]) | set(part for part in key.split() if len(part) > 6)


ODD_KEY = 'sec"ret/k\\ey+=%s' % "\u00e9-2f9c"


@pytest.mark.parametrize("form", [ODD_KEY, repr(ODD_KEY), json.dumps(ODD_KEY), quote(ODD_KEY, safe=""),
                                  repr((ODD_KEY + "\n").encode("utf-8")), json.dumps(ODD_KEY + "\n")])
def test_the_key_is_masked_in_every_form_a_message_can_quote_it(conversation, form):
    conversation.expect("GET", DETAILS, status=401, reply=api_error(401, "UNAUTHORIZED", "bad key %s" % form))
    with pytest.raises(HostUpError) as caught:
        HostUpClient(API, ODD_KEY + "\n").get(DETAILS)
    shown = caught.value.one_line() + repr(caught.value.to_dict())
    assert not [leaked for leaked in key_forms(ODD_KEY) | key_forms(ODD_KEY + "\n") if leaked in shown]
    assert "bad key" in shown


def test_a_short_or_blank_secret_masks_nothing():
    assert mask_text("one two three", secret_pattern([" "])) == "one two three"
    assert mask_text("a b c", secret_pattern(["a"])) == "a b c"
    assert mask_text("x %s y" % KEY, secret_pattern([KEY])) == "x ******** y"


# --- api_timeout is a deadline ---------------------------------------------------------

class TricklingSession(object):
    """A session whose server never finishes its answer (until released)."""

    def __init__(self):
        self.headers = {}
        self.sent = []
        self.release = threading.Event()

    def request(self, method, url, **kwargs):
        self.sent.append((method, url))
        self.release.wait(10)
        return None


@pytest.fixture
def trickling():
    session = TricklingSession()
    yield session
    session.release.set()


@pytest.mark.parametrize("call, sent, waited", [("order", 1, []), ("get", 3, [0.5, 1.0])])
def test_an_order_cut_off_by_the_deadline_is_sent_once_and_maybe_sent_and_a_read_is_tried_again(trickling, sleeps,
                                                                                                call, sent, waited):
    with pytest.raises(HostUpError) as caught:
        send(HostUpClient(API, KEY, timeout=0.2, session_factory=lambda: trickling), call)
    assert (len(trickling.sent), sleeps, caught.value.reached_server) == (sent, waited, None)
    assert "did not answer within 0.2 s (api_timeout)" in str(caught.value)


def test_a_stalled_server_says_how_many_attempts_each_had_api_timeout_and_what_to_do(trickling, sleeps):
    with pytest.raises(HostUpError) as read:
        HostUpClient(API, KEY, timeout=0.2, session_factory=lambda: trickling).get(DETAILS)
    assert read.value.reason == "transport.read_timeout"
    assert "did not answer within 0.2 s (api_timeout), 3 attempts" in str(read.value)
    with pytest.raises(HostUpError) as order:
        HostUpClient(API, KEY, timeout=0.2, session_factory=lambda: trickling).order(UPGRADE, {"send": True})
    assert order.value.reason == "transport.read_timeout_once"
    assert "did not answer within 0.2 s (api_timeout), 1 attempt" in str(order.value)
    for error in (read.value, order.value):
        line = str(error)
        assert "\n" not in line and "raise api_timeout" in line and "REQUESTS_CA_BUNDLE" not in line


# --- 429: Retry-After in every shape ------------------------------------------------------

NOW = datetime.datetime(2026, 2, 10, 12, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("headers, body, wait", [
    ({"Retry-After": "7"}, None, 7.0),
    ({"Retry-After": "Tue, 10 Feb 2026 12:00:05 GMT"}, None, 5.0),
    ({"Retry-After": "Tuesday, 10-Feb-26 12:00:06 GMT"}, None, 6.0),
    ({"Retry-After": "Tue, 10 Feb 2026 11:00:00 GMT"}, None, 0.1),  # already past: the shortest pause
    ({"Retry-After": "0"}, None, 0.1),  # zero still pauses
    ({"X-RateLimit-Reset": "2026-02-10T12:00:04.500Z"}, None, 4.5),  # no Retry-After: until the reset
    ({}, {"retryAfter": "2"}, 2.0),  # only a body hint
    ({}, {"message": "slow"}, 1.0),  # no hint at all: a second
    ({"Retry-After": "5"}, {"retryAfter": 10 ** 400}, 5.0),  # a body value too big for a float falls back
    ({}, {"retryAfter": 10 ** 400}, 1.0),
])
def test_retry_after_is_seconds_or_an_http_date_then_the_reset_then_the_body(headers, body, wait):
    assert requested_wait(CaseInsensitiveDict(headers), body, now=NOW) == wait


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-inf", "-5", "1e999", "soon", "", "Tue, 99 Foo 2026"])
def test_a_retry_after_that_is_no_time_falls_back_to_the_reset_header_then_the_body(bad):
    reset = {"Retry-After": bad, "X-RateLimit-Reset": "2026-02-10T12:00:03Z"}
    assert requested_wait(CaseInsensitiveDict(reset), {"retryAfter": "2"}, now=NOW) == 3.0
    assert requested_wait(CaseInsensitiveDict({"Retry-After": bad}), {"retryAfter": "2"}, now=NOW) == 2.0
    assert requested_wait(CaseInsensitiveDict({"Retry-After": bad}), {"retryAfter": bad}, now=NOW) == 1.0
    assert requested_wait(CaseInsensitiveDict({"Retry-After": bad, "X-RateLimit-Reset": "garbage"}),
                          {"retryAfter": "nan"}, now=NOW) == 1.0


@pytest.mark.parametrize("openssl_says", [
    "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",  # OpenSSL 1.1 and 3.0
    "[SSL] record layer failure (_ssl.c:1010)",  # OpenSSL 3.2 and later
])
def test_an_https_url_answered_in_plain_http_says_so_and_gives_no_ca_bundle_advice(conversation, openssl_says):
    for attempt in range(3):
        conversation.expect("GET", DETAILS, raises=requests.exceptions.SSLError(
            "HTTPSConnectionPool(host='127.0.0.1', port=8080): Max retries exceeded (Caused by SSLError(%s))"
            % openssl_says))
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    line = str(caught.value)
    assert caught.value.reason == "transport.tls_plain_http" and caught.value.reached_server is False
    assert "speaks plain http at that port" in line and "http://" in line and "the port where" in line
    assert "Point REQUESTS_CA_BUNDLE" not in line and "validate_certs: false" not in line and "\n" not in line

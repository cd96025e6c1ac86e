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
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.paths import ROOT
from ansible_collections.hostup.cloud.tests.unit.helpers import API, KEY, api_error, ok

DETAILS = "/api/vm/10001/details"
UPGRADE = "/api/vm/10001/upgrade"


def make_client(**kwargs):
    return HostUpClient(API, KEY, **kwargs)


# --- identity ------------------------------------------------------------------

def test_version_matches_galaxy_yml():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION


def test_every_call_sends_key_user_agent_timeout_and_tls_setting(conversation):
    conversation.expect("GET", DETAILS, reply=ok({"id": "10001"}))
    make_client(timeout=7, validate_certs=False).get(DETAILS)
    sent = conversation.sent[0]
    assert sent["headers"]["X-API-Key"] == KEY
    assert sent["headers"]["User-Agent"] == USER_AGENT == "hostup.cloud/" + COLLECTION_VERSION
    assert sent["headers"]["Accept"] == "application/json"
    assert (sent["timeout"], sent["verify"]) == (7, False)
    assert sent["allow_redirects"] is False


def test_success_returns_data_and_collects_request_ids(conversation):
    conversation.expect("GET", DETAILS, reply=ok({"product_id": "1937"}, "rid-1"))
    conversation.expect("POST", UPGRADE, body={"send": False, "package": "1938"}, reply=ok({"draftId": 5}, "rid-2"))
    client = make_client()
    assert client.get(DETAILS) == {"product_id": "1937"}
    assert client.estimate(UPGRADE, {"send": False, "package": "1938"}) == {"draftId": 5}
    assert client.request_ids == ["rid-1", "rid-2"]


# --- rate limiting ---------------------------------------------------------------

@pytest.mark.parametrize("call", ["get", "estimate", "order"])
def test_429_waits_retry_after_then_sends_again_for_every_kind_of_call(conversation, sleeps, call):
    method = "GET" if call == "get" else "POST"
    limited = {"error": "Too Many Requests", "message": "slow down", "retryAfter": "9", "requestId": "rid-429"}
    conversation.expect(method, UPGRADE, status=429, reply=limited,
                        headers={"Retry-After": "3", "X-RateLimit-Remaining": "0"})
    conversation.expect(method, UPGRADE, reply=ok({"done": True}, "rid-ok"))
    client = make_client()
    args = (UPGRADE,) if call == "get" else (UPGRADE, {"send": call == "order"})
    assert getattr(client, call)(*args) == {"done": True}
    assert sleeps == [3.0]
    assert client.request_ids == ["rid-429", "rid-ok"]


def test_429_without_retry_after_waits_until_rate_limit_reset():
    now = datetime.datetime(2026, 2, 10, 12, 0, 0, tzinfo=datetime.timezone.utc)
    headers = CaseInsensitiveDict({"X-RateLimit-Reset": "2026-02-10T12:00:04.500Z"})
    assert requested_wait(headers, None, now=now) == 4.5


def test_429_with_only_a_body_hint_uses_retry_after_of_the_body():
    assert requested_wait(CaseInsensitiveDict(), {"retryAfter": "2"}) == 2.0


def test_429_with_no_hint_at_all_waits_one_second():
    assert requested_wait(CaseInsensitiveDict(), {"message": "slow"}) == 1.0


def test_429_retry_after_zero_still_pauses():
    assert requested_wait(CaseInsensitiveDict({"Retry-After": "0"}), None) > 0


def test_429_past_the_wait_budget_fails_without_waiting_beyond_it(conversation, sleeps):
    for attempt in range(3):
        conversation.expect("GET", DETAILS, status=429, headers={"Retry-After": "25"},
                            reply={"error": "Too Many Requests", "message": "Rate limit exceeded", "requestId": "r"})
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert sleeps == [25.0, 25.0]
    assert sum(sleeps) <= DEFAULT_RATE_LIMIT_WAIT
    error = caught.value
    assert error.status == 429
    assert "this task waits at most 60 s" in str(error)
    assert "fewer forks" in str(error)


def test_429_asking_for_more_than_the_budget_fails_at_once(conversation, sleeps):
    conversation.expect("POST", UPGRADE, status=429, headers={"Retry-After": "3600"}, reply={"message": "hourly quota"})
    with pytest.raises(HostUpError) as caught:
        make_client().order(UPGRADE, {"send": True, "draftId": 5})
    assert sleeps == []
    assert caught.value.status == 429


# --- transient failures ------------------------------------------------------------

@pytest.mark.parametrize("status", [502, 503, 504])
def test_reads_are_retried_after_gateway_errors_with_backoff(conversation, sleeps, status):
    conversation.expect("GET", DETAILS, status=status, reply=api_error(status, "X", "down"))
    conversation.expect("GET", DETAILS, status=status, reply=api_error(status, "X", "down"))
    conversation.expect("GET", DETAILS, reply=ok({"id": "10001"}))
    assert make_client().get(DETAILS) == {"id": "10001"}
    assert sleeps == [0.5, 1.0]


def test_estimates_are_retried_after_connection_errors(conversation, sleeps):
    conversation.expect("POST", UPGRADE, raises=requests.exceptions.ConnectionError("reset by peer"))
    conversation.expect("POST", UPGRADE, reply=ok({"draftId": 7}))
    assert make_client().estimate(UPGRADE, {"send": False}) == {"draftId": 7}
    assert sleeps == [0.5]


def test_reads_give_up_after_three_tries(conversation, sleeps):
    for attempt in range(3):
        conversation.expect("GET", DETAILS, status=504, reply=api_error(504, "GATEWAY_TIMEOUT", "upstream slow", "rid-504"))
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert caught.value.status == 504
    assert len(conversation.sent) == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_an_order_answered_with_a_server_error_is_sent_exactly_once(conversation, sleeps, status):
    conversation.expect("POST", UPGRADE, status=status, reply=api_error(status, "X", "boom"))
    with pytest.raises(HostUpError) as caught:
        make_client().order(UPGRADE, {"send": True, "draftId": 5})
    assert len(conversation.sent) == 1
    assert sleeps == []
    assert caught.value.reached_server is True


@pytest.mark.parametrize("exc, reached, words", [
    (requests.exceptions.ReadTimeout("read timed out"), None, "did not answer within 30 s"),
    (requests.exceptions.ConnectionError("Connection aborted, RemoteDisconnected"), None, "broke before HostUp answered"),
    (requests.exceptions.ConnectTimeout("connect timed out"), False, "could not connect"),
])
def test_an_order_that_fails_in_transport_is_sent_exactly_once(conversation, sleeps, exc, reached, words):
    conversation.expect("POST", UPGRADE, raises=exc)
    with pytest.raises(HostUpError) as caught:
        make_client().order(UPGRADE, {"send": True, "draftId": 5})
    assert len(conversation.sent) == 1
    assert caught.value.reached_server is reached
    assert words in caught.value.message


def test_connection_refused_is_known_not_to_have_reached_hostup(conversation):
    refused = requests.exceptions.ConnectionError(_with_reason("NewConnectionError"))
    conversation.expect("POST", UPGRADE, raises=refused)
    with pytest.raises(HostUpError) as caught:
        make_client().order(UPGRADE, {"send": True})
    assert caught.value.reached_server is False
    assert "connection refused" in caught.value.message


def _with_reason(name):
    reason = type(name, (Exception,), {})()

    class MaxRetries(Exception):
        pass
    wrapper = MaxRetries("max retries")
    wrapper.reason = reason
    return wrapper


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


@pytest.mark.parametrize("status, code, hint", [
    (401, "UNAUTHORIZED", "check api_key (or the hostup_api_key environment variable)"),
    (403, "FORBIDDEN", "lacks a scope"),
])
def test_client_errors_carry_a_hint_on_what_to_do(conversation, status, code, hint):
    conversation.expect("GET", DETAILS, status=status, reply=api_error(status, code, "nope"))
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert hint in str(caught.value).lower()
    assert len(conversation.sent) == 1  # 4xx is never retried


def test_an_html_page_is_reported_as_such(conversation):
    for attempt in range(3):
        conversation.expect("GET", DETAILS, status=502, headers={"Content-Type": "text/html"},
                            reply="<html><body><h1>502 Bad Gateway</h1></body></html>")
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert "HTML page instead of JSON" in str(caught.value)
    assert caught.value.status == 502


def test_a_truncated_json_body_is_reported_as_such(conversation):
    conversation.expect("GET", DETAILS, reply='{"success": true, "data": {"id": "10')
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert "malformed or truncated JSON body" in str(caught.value)


def test_success_false_in_a_200_is_an_error(conversation):
    conversation.expect("GET", DETAILS, reply={"success": False, "code": "UPSTREAM", "message": "HostBill said no",
                                               "requestId": "rid-f"})
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert "HTTP 200 UPSTREAM: HostBill said no (requestId rid-f)" in str(caught.value)


def test_pending_invoice_facts_of_a_400_are_kept_and_nothing_else(conversation):
    conversation.expect("GET", "/api/vm/10001/billing-cycle", status=400, reply=api_error(
        400, "BAD_REQUEST", "unpaid invoice", existing_invoice=True, invoice_id="49526", order_id="34889",
        total="69.50", email="someone@example.com"))
    with pytest.raises(HostUpError) as caught:
        make_client().get("/api/vm/10001/billing-cycle")
    assert caught.value.details == {"existing_invoice": True, "invoice_id": "49526", "order_id": "34889",
                                    "total": "69.50"}


def test_the_api_key_is_masked_if_hostup_ever_echoes_it(conversation):
    conversation.expect("GET", DETAILS, status=401, reply=api_error(401, "UNAUTHORIZED", "bad key %s" % KEY))
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert_no_leak(str(caught.value) + repr(caught.value.to_dict()), KEY)


# --- the loopback rule -------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://cloud.hostup.se", "https://proxy.internal:8443/hostup", "http://127.0.0.1:8080",
    "http://localhost:9000", "http://[::1]:8000", "http://127.10.0.3",
])
def test_urls_that_keep_the_key_safe_are_accepted(url):
    assert api_url_problem(url) is None


@pytest.mark.parametrize("url, reason", [
    ("http://cloud.hostup.se", "option.api_url_plain_http"),
    ("http://10.0.0.5:8080", "option.api_url_plain_http"),
    ("http://127.0.0.1.evil.example", "option.api_url_plain_http"),
    ("ftp://cloud.hostup.se", "option.api_url_not_http"),
    ("cloud.hostup.se", "option.api_url_not_http"),
])
def test_urls_that_would_expose_the_key_are_refused(url, reason):
    assert api_url_problem(url) == reason


def api_url_problem(url):
    """The reason code check_api_url refuses ``url`` with, or None."""
    try:
        check_api_url(url)
    except BadOption as problem:
        return problem.reason
    return None


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
    method = "GET" if call == "get" else "POST"
    conversation.expect(method, UPGRADE, status=status, reply="",
                        headers={"Location": ELSEWHERE + "/api/vm/10001/upgrade?token=abc#frag"})
    client = make_client()
    args = (UPGRADE,) if call == "get" else (UPGRADE, {"send": call == "order"})
    with pytest.raises(HostUpError) as caught:
        getattr(client, call)(*args)
    assert len(conversation.sent) == 1  # not sent again, here or elsewhere
    assert conversation.sent[0]["allow_redirects"] is False
    assert sleeps == []
    line = caught.value.one_line()
    assert "redirect to %s/api/vm/10001/upgrade, which is not followed" % ELSEWHERE in line
    assert "token=abc" not in line and "frag" not in line
    assert caught.value.status == status


def test_a_same_host_redirect_is_refused_too(conversation):
    conversation.expect("GET", DETAILS, status=308, reply="", headers={"Location": "/v2" + DETAILS})
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert "redirect to %s/v2%s" % (API, DETAILS) in str(caught.value)


def test_a_redirect_never_names_the_key_it_may_carry(conversation):
    conversation.expect("GET", DETAILS, status=302, reply="",
                        headers={"Location": "https://%s@evil.example/%s/x?key=%s" % (KEY, quote(KEY), KEY)})
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert KEY not in repr(caught.value.to_dict()) + caught.value.one_line()
    assert "https://evil.example/" in str(caught.value)


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


@pytest.mark.parametrize("api_url", ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"])
def test_plain_http_to_loopback_never_goes_through_a_proxy(proxy_environment, api_url):
    client, adapter = client_with_recording_adapter(api_url)
    client.get(DETAILS)
    assert adapter.sent[0]["url"] == api_url + DETAILS
    assert adapter.sent[0]["proxies"] == {}


def test_https_may_use_the_environments_proxy_which_tunnels_it(proxy_environment):
    client, adapter = client_with_recording_adapter(API)
    client.get(DETAILS)
    assert adapter.sent[0]["proxies"].get("https") == "http://127.0.0.2:3128"


# --- the key itself ----------------------------------------------------------------

@pytest.mark.parametrize("raw", [KEY + "\n", "  " + KEY + "\r\n", "\t" + KEY + " "])
def test_the_key_is_sent_without_surrounding_whitespace(conversation, raw):
    conversation.expect("GET", DETAILS, reply=ok({"id": "10001"}))
    HostUpClient(API, raw).get(DETAILS)
    assert conversation.sent[0]["headers"]["X-API-Key"] == KEY


@pytest.mark.parametrize("raw, reason", [("", "option.api_key_empty"), (" ", "option.api_key_empty"),
                                         ("\n", "option.api_key_empty"), (" \t\r\n ", "option.api_key_empty"),
                                         (None, "option.api_key_missing")])
def test_an_empty_or_missing_key_is_refused(raw, reason):
    with pytest.raises(ValueError) as caught:
        normalize_api_key(raw)
    assert str(caught.value) == reason


BAD_KEYS = ["first-half-7f3a\nsecond-half-9b1c", "key-with-nul-\x00-inside", "key-with-escape-\x1b[0m",
            "nyckel-\u00e5\u00e4\u00f6-\u2603-snow", "c1-control-\x85-key", "tab\tinside-the-key"]


def key_forms(key):
    """What the key looks like in messages, written independently of the client's mask."""
    return set([key, repr(key)[1:-1], json.dumps(key)[1:-1], quote(key, safe=""),
                repr(key.encode("utf-8"))[2:-1]]) | set(part for part in key.split() if len(part) > 6)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_key_no_header_can_carry_is_refused_without_showing_it(conversation, key):
    with pytest.raises(ValueError) as caught:
        HostUpClient(API, key)
    message = str(caught.value)
    assert message == "option.api_key_unsendable"
    assert conversation.sent == []


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


def test_an_order_cut_off_by_the_deadline_is_sent_once_and_reported_as_maybe_sent(trickling, sleeps):
    with pytest.raises(HostUpError) as caught:
        HostUpClient(API, KEY, timeout=0.3, session_factory=lambda: trickling).order(UPGRADE, {"send": True, "draftId": 5})
    assert len(trickling.sent) == 1
    assert caught.value.reached_server is None
    assert "did not answer within 0.3 s (api_timeout)" in str(caught.value)


def test_a_read_cut_off_by_the_deadline_is_tried_again(trickling, sleeps):
    with pytest.raises(HostUpError) as caught:
        HostUpClient(API, KEY, timeout=0.2, session_factory=lambda: trickling).get(DETAILS)
    assert len(trickling.sent) == 3
    assert sleeps == [0.5, 1.0]
    assert "did not answer within" in str(caught.value)


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


@pytest.mark.parametrize("retry_after, wait", [
    ("7", 7.0),
    ("Tue, 10 Feb 2026 12:00:05 GMT", 5.0),
    ("Tuesday, 10-Feb-26 12:00:06 GMT", 6.0),
    ("Tue, 10 Feb 2026 11:00:00 GMT", 0.1),  # already past: the shortest pause
])
def test_retry_after_is_seconds_or_an_http_date(retry_after, wait):
    assert requested_wait(CaseInsensitiveDict({"Retry-After": retry_after}), None, now=NOW) == wait


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-inf", "-5", "1e999", "soon", "", "Tue, 99 Foo 2026"])
def test_a_retry_after_that_is_no_time_falls_back_to_the_reset_header_then_the_body(bad):
    reset = {"Retry-After": bad, "X-RateLimit-Reset": "2026-02-10T12:00:03Z"}
    assert requested_wait(CaseInsensitiveDict(reset), {"retryAfter": "2"}, now=NOW) == 3.0
    assert requested_wait(CaseInsensitiveDict({"Retry-After": bad}), {"retryAfter": "2"}, now=NOW) == 2.0
    assert requested_wait(CaseInsensitiveDict({"Retry-After": bad}), {"retryAfter": bad}, now=NOW) == 1.0
    assert requested_wait(CaseInsensitiveDict({"Retry-After": bad, "X-RateLimit-Reset": "garbage"}),
                          {"retryAfter": "nan"}, now=NOW) == 1.0


def test_a_429_with_nan_everywhere_waits_the_default_and_sends_again(conversation, sleeps):
    conversation.expect("POST", UPGRADE, status=429, headers={"Retry-After": "nan", "X-RateLimit-Reset": "nan"},
                        reply={"message": "slow", "retryAfter": "inf"})
    conversation.expect("POST", UPGRADE, reply=ok({"orderId": 1}))
    assert make_client().order(UPGRADE, {"send": True, "draftId": 5}) == {"orderId": 1}
    assert sleeps == [1.0]


def test_rate_limit_wait_zero_fails_at_once_on_429(conversation, sleeps):
    conversation.expect("GET", DETAILS, status=429, headers={"Retry-After": "1"}, reply={"message": "slow"})
    with pytest.raises(HostUpError) as caught:
        make_client(rate_limit_wait=0).get(DETAILS)
    assert sleeps == []
    assert "rate_limit_wait is 0" in str(caught.value)


def test_rate_limit_wait_bounds_the_total_wait(conversation, sleeps):
    for attempt in range(2):
        conversation.expect("GET", DETAILS, status=429, headers={"Retry-After": "6"}, reply={"message": "slow"})
    with pytest.raises(HostUpError) as caught:
        make_client(rate_limit_wait=10).get(DETAILS)
    assert sleeps == [6.0]
    assert "this task waits at most 10 s in all, rate_limit_wait" in str(caught.value)


# --- hints ---------------------------------------------------------------------------

def test_a_404_from_the_router_says_check_api_url(conversation):
    path = "/api/api/vm/10001/details"
    conversation.expect("GET", path, status=404, reply=api_error(404, "NOT_FOUND", "Route GET %s not found" % path))
    with pytest.raises(HostUpError) as caught:
        make_client().get(path)
    assert "No such route: check api_url" in str(caught.value)
    assert "vmid" not in str(caught.value)


def test_a_404_page_that_is_not_json_says_check_api_url(conversation):
    conversation.expect("GET", DETAILS, status=404, headers={"Content-Type": "text/html"}, reply="<h1>Not Found</h1>")
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert "check api_url" in str(caught.value)


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


def test_a_tls_failure_suggests_the_ca_bundle_and_validate_certs(conversation):
    for attempt in range(3):
        conversation.expect("GET", DETAILS, raises=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert "REQUESTS_CA_BUNDLE" in str(caught.value) and "validate_certs" in str(caught.value)
    assert caught.value.reached_server is False

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import importlib.util
import os
import sys

import pytest
import requests
import yaml
from requests.structures import CaseInsensitiveDict

from ansible_collections.hostup.cloud.plugins.module_utils import client as client_module
from ansible_collections.hostup.cloud.plugins.module_utils.client import (
    RATE_LIMIT_WAIT_BUDGET,
    USER_AGENT,
    HostUpClient,
    HostUpError,
    check_api_url,
    rate_limit_wait,
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
    assert rate_limit_wait(headers, None, now=now) == 4.5


def test_429_with_only_a_body_hint_uses_retry_after_of_the_body():
    assert rate_limit_wait(CaseInsensitiveDict(), {"retryAfter": "2"}) == 2.0


def test_429_with_no_hint_at_all_waits_one_second():
    assert rate_limit_wait(CaseInsensitiveDict(), {"message": "slow"}) == 1.0


def test_429_retry_after_zero_still_pauses():
    assert rate_limit_wait(CaseInsensitiveDict({"Retry-After": "0"}), None) > 0


def test_429_past_the_wait_budget_fails_without_waiting_beyond_it(conversation, sleeps):
    for attempt in range(3):
        conversation.expect("GET", DETAILS, status=429, headers={"Retry-After": "25"},
                            reply={"error": "Too Many Requests", "message": "Rate limit exceeded", "requestId": "r"})
    with pytest.raises(HostUpError) as caught:
        make_client().get(DETAILS)
    assert sleeps == [25.0, 25.0]
    assert sum(sleeps) <= RATE_LIMIT_WAIT_BUDGET
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
    (404, "NOT_FOUND", "check vmid"),
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
    assert check_api_url(url) is None


@pytest.mark.parametrize("url, words", [
    ("http://cloud.hostup.se", "plain http"),
    ("http://10.0.0.5:8080", "plain http"),
    ("http://127.0.0.1.evil.example", "plain http"),
    ("ftp://cloud.hostup.se", "must be an http(s) URL"),
    ("cloud.hostup.se", "must be an http(s) URL"),
])
def test_urls_that_would_expose_the_key_are_refused(url, words):
    assert words in check_api_url(url)


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

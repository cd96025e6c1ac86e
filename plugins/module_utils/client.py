# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HostUp API client: transport, retries, errors and the loopback rule.

PRIVATE to this collection: names here may change in any release.

Every module talks to HostUp through HostUpClient. It knows three kinds of call:

* reads (GET) and estimates (POST upgrade with send=false) change nothing at
  HostUp, so they are retried after 502/503/504, timeouts and connection errors;
* orders (POST upgrade with send=true, POST billing-cycle) cost money, so they
  are sent once: a failure after sending may have placed the order, and sending it
  again could place it twice;
* any call answered 429 was refused before anything happened, so it waits
  Retry-After (or X-RateLimit-Reset) and is sent again, within a bounded budget.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import time
import traceback

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, but keep imports sane
    from urlparse import urlsplit

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.hostup.cloud.plugins.module_utils.version import COLLECTION_VERSION

DEFAULT_API_URL = "https://cloud.hostup.se"
USER_AGENT = "hostup.cloud/%s" % COLLECTION_VERSION

# A task waits out 429s for at most this long in total. HostUp's limit is per
# window; past a minute the user is better served by an error that says so.
RATE_LIMIT_WAIT_BUDGET = 60.0
# Wait used when a 429 names no time at all, and the shortest wait we honour, so
# that a server answering "Retry-After: 0" forever cannot make us spin.
RATE_LIMIT_DEFAULT_WAIT = 1.0
RATE_LIMIT_MIN_WAIT = 0.1
RATE_LIMIT_MAX_ATTEMPTS = 20

# Reads and estimates are sent at most 1 + TRANSIENT_RETRIES times.
TRANSIENT_RETRIES = 2
TRANSIENT_BACKOFF = 0.5
TRANSIENT_STATUSES = (502, 503, 504)

# Fields of an error body worth keeping: the pending-invoice facts of a 400
# existing_invoice answer. Nothing else of an error body is kept.
ERROR_DETAIL_FIELDS = (
    "existing_invoice", "invoice_id", "order_id", "order_number",
    "invoice_status", "total", "date_created",
)

STATUS_HINTS = {
    401: "check api_key (or the HOSTUP_API_KEY environment variable): HostUp did not accept it",
    403: "the API key lacks a scope this call needs: read:vm to read, write:billing and write:vm to order",
    404: "check vmid: this account has no VPS with that id",
    429: "HostUp is rate limiting this key: run with fewer forks, or try again later",
}
SERVER_ERROR_HINT = "HostUp could not handle the request; try again later"

_SECRET_MASK = "********"


class HostUpError(Exception):
    """One failed call, with everything a person needs to act on it.

    ``reached_server`` is True when HostUp answered, False when the request
    certainly never arrived (connection refused, connect timeout) and None when
    nobody can tell (a dropped connection or a read timeout after sending).
    """

    def __init__(self, method, path, message, status=None, code=None,
                 request_id=None, hint=None, details=None, reached_server=True):
        super(HostUpError, self).__init__(message)
        self.method = method
        self.path = path
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.hint = hint
        self.details = details or {}
        self.reached_server = reached_server

    def one_line(self, hint=None):
        """The error as a single line: what failed, what HostUp said, what to do."""
        what = "%s %s failed" % (self.method, self.path)
        if self.status is not None:
            what += ": HTTP %s" % self.status
        if self.code:
            what += " %s" % self.code
        line = "%s: %s" % (what, self.message)
        if self.request_id:
            line += " (requestId %s)" % self.request_id
        hint = hint or self.hint
        if hint:
            line += ". " + hint[0].upper() + hint[1:]
        return line.replace("\n", " ")

    def __str__(self):
        return self.one_line()

    def to_dict(self):
        """The structured form returned beside ``msg`` as ``api_error``."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "details": dict(self.details),
        }


def check_api_url(api_url):
    """Return why api_url cannot be used, or None when it can.

    The key travels in a header on every call, so plain http is allowed only to
    this machine (the simulator, a local proxy).
    """
    try:
        parts = urlsplit(api_url)
        host = parts.hostname
    except ValueError as exc:
        return "is not a valid URL (%s)" % exc
    if parts.scheme not in ("http", "https") or not host:
        return "must be an http(s) URL with a host, like %s, got %r" % (DEFAULT_API_URL, api_url)
    if parts.scheme == "http" and not is_loopback(host):
        return ("uses plain http to %s: the API key would cross the network unencrypted; "
                "use https (plain http is accepted only for localhost and 127.0.0.0/8)" % host)
    return None


def is_loopback(host):
    host = host.lower().strip("[]")
    if host in ("localhost", "::1"):
        return True
    octets = host.split(".")
    return len(octets) == 4 and octets[0] == "127" and all(o.isdigit() for o in octets)


def rate_limit_wait(headers, body, now=None):
    """Seconds a 429 asks us to wait: Retry-After, else X-RateLimit-Reset, else the body."""
    retry_after = headers.get("Retry-After")
    if retry_after is not None:
        try:
            return max(float(retry_after), RATE_LIMIT_MIN_WAIT)
        except ValueError:
            pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        reset_at = _parse_iso(reset)
        if reset_at is not None:
            now = now or datetime.datetime.now(tz=datetime.timezone.utc)
            return max((reset_at - now).total_seconds(), RATE_LIMIT_MIN_WAIT)
    if isinstance(body, dict) and body.get("retryAfter") is not None:
        try:
            return max(float(body["retryAfter"]), RATE_LIMIT_MIN_WAIT)
        except (TypeError, ValueError):
            pass
    return RATE_LIMIT_DEFAULT_WAIT


def _parse_iso(text):
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


class HostUpClient(object):
    """A session with HostUp for one task. ``request_ids`` collects every requestId seen."""

    def __init__(self, api_url, api_key, timeout=30, validate_certs=True,
                 rate_limit_budget=RATE_LIMIT_WAIT_BUDGET, session=None,
                 sleep=None):
        self.base_url = api_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.rate_limit_budget = rate_limit_budget
        self._sleep = sleep or time.sleep
        self.request_ids = []
        self._session = session or requests.Session()
        self._session.headers.update({
            "X-API-Key": api_key,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        })

    def get(self, path):
        """A read: safe to repeat."""
        return self._call("GET", path, None, repeatable=True)

    def estimate(self, path, body):
        """A POST that orders nothing (an estimate): safe to repeat."""
        return self._call("POST", path, body, repeatable=True)

    def order(self, path, body):
        """A POST that may cost money: sent again only after a 429."""
        return self._call("POST", path, body, repeatable=False)

    def _call(self, method, path, body, repeatable):
        waited = 0.0
        rate_limited = 0
        transient_failures = 0
        while True:
            try:
                response = self._session.request(
                    method, self.base_url + path, json=body,
                    timeout=self.timeout, verify=self.validate_certs)
            except requests.exceptions.RequestException as exc:
                if repeatable and transient_failures < TRANSIENT_RETRIES:
                    transient_failures = self._back_off(transient_failures)
                    continue
                raise self._transport_error(method, path, exc)

            payload = _json_or_none(response)
            request_id = self._remember_request_id(payload)

            if response.status_code == 429:
                wait = rate_limit_wait(response.headers, payload)
                rate_limited += 1
                if waited + wait > self.rate_limit_budget or rate_limited >= RATE_LIMIT_MAX_ATTEMPTS:
                    raise self._rate_limit_error(method, path, payload, request_id, wait, waited)
                self._sleep(wait)
                waited += wait
                continue
            if (response.status_code in TRANSIENT_STATUSES and repeatable
                    and transient_failures < TRANSIENT_RETRIES):
                transient_failures = self._back_off(transient_failures)
                continue
            return self._result(method, path, response, payload, request_id)

    def _back_off(self, failures):
        """Pause before trying a repeatable call again; returns the count of failures so far."""
        self._sleep(TRANSIENT_BACKOFF * 2 ** failures)
        return failures + 1

    def _remember_request_id(self, payload):
        request_id = payload.get("requestId") if isinstance(payload, dict) else None
        if request_id:
            self.request_ids.append(str(request_id))
        return request_id

    def _result(self, method, path, response, payload, request_id):
        status = response.status_code
        if not isinstance(payload, dict):
            raise self._error(method, path, _describe_unreadable_body(response), status=status,
                              request_id=request_id, hint=None if status < 400 else self._hint(status))
        if status >= 400:
            details = dict((k, payload[k]) for k in ERROR_DETAIL_FIELDS if k in payload)
            raise self._error(
                method, path, payload.get("message") or payload.get("error") or "no message",
                status=status, code=payload.get("code"), request_id=request_id,
                hint=self._hint(status), details=details)
        if payload.get("success") is False:
            raise self._error(
                method, path, payload.get("message") or payload.get("error") or "HostUp answered success: false",
                status=status, code=payload.get("code") or "SUCCESS_FALSE", request_id=request_id)
        data = payload.get("data")
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise self._error(method, path, "the reply's data is a %s, not an object" % type(data).__name__,
                              status=status, request_id=request_id)
        return data

    @staticmethod
    def _hint(status):
        if status in STATUS_HINTS:
            return STATUS_HINTS[status]
        if status >= 500:
            return SERVER_ERROR_HINT
        return None

    def _rate_limit_error(self, method, path, payload, request_id, wait, waited):
        message = (payload or {}).get("message") or "Too Many Requests"
        message += " (HostUp asked to wait %.0f s more after %.0f s of waiting; this task waits at most %.0f s)" % (
            wait, waited, self.rate_limit_budget)
        return self._error(method, path, message, status=429,
                           code=(payload or {}).get("code") or "RATE_LIMITED",
                           request_id=request_id, hint=STATUS_HINTS[429])

    def _transport_error(self, method, path, exc):
        reached = None
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            message = "could not connect to %s within %s s" % (self.base_url, self.timeout)
            reached = False
        elif isinstance(exc, requests.exceptions.Timeout):
            message = "HostUp did not answer within %s s (api_timeout)" % self.timeout
        elif isinstance(exc, requests.exceptions.SSLError):
            message = "TLS failed for %s: %s" % (self.base_url, _first_line(exc))
            reached = False
        elif isinstance(exc, requests.exceptions.ConnectionError):
            if _connection_refused(exc):
                message = "could not connect to %s (connection refused or host not found)" % self.base_url
                reached = False
            else:
                message = "the connection to %s broke before HostUp answered" % self.base_url
        else:
            message = "the request could not be made: %s" % _first_line(exc)
            reached = False
        return self._error(method, path, message, status=None, hint="check api_url and the network",
                           reached_server=reached)

    def _error(self, method, path, message, **kwargs):
        return HostUpError(method, path, self._mask(message), **kwargs)

    def _mask(self, text):
        text = str(text)
        if self._api_key:
            text = text.replace(self._api_key, _SECRET_MASK)
        return text


def _json_or_none(response):
    try:
        return json.loads(response.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _describe_unreadable_body(response):
    content = response.content or b""
    head = content[:200].lstrip().lower()
    content_type = response.headers.get("Content-Type", "")
    if head.startswith(b"<") or "html" in content_type:
        return ("HostUp answered with an HTML page instead of JSON "
                "(a proxy or gateway error page, or api_url does not point at the HostUp API)")
    if not content:
        return "HostUp answered with an empty body instead of JSON"
    return "HostUp answered with a malformed or truncated JSON body (%d bytes)" % len(content)


def _connection_refused(exc):
    # requests wraps urllib3's NewConnectionError (refused, DNS failure) in its
    # ConnectionError; in that case the request never left this machine.
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError")


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

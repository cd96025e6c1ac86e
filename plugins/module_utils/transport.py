# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP to HostUp: the session, the deadline, the size cap and encodings, redirects, proxies and retries.

PRIVATE to this collection: names here may change in any release.

Every module and plugin talks to HostUp through HostUpClient. It knows three kinds of call:

* reads (GET) and estimates (POST upgrade with send=false) change nothing at
  HostUp, so they are retried after 502/503/504, timeouts and connection errors;
* orders (POST upgrade with send=true, POST billing-cycle) cost money, so they
  are sent once: a failure after sending may have placed the order, and sending it
  again could place it twice;
* any call answered 429 was refused before anything happened, so it waits
  Retry-After (or X-RateLimit-Reset) and is sent again, within a bounded budget.

The key goes to the host of api_url and nowhere else: no redirect is followed,
plain-http (loopback) calls never go through a proxy, and everything read from
a reply is masked for the key. A reply's body is read by replies.py: never more
than MAX_REPLY_BYTES of it, whatever urllib3 is installed. What HostUp's calls mean
is not known here (vps.py, quote.py and ordering.py know it).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import random
import threading
import time
import traceback
from urllib.parse import urljoin, urlsplit

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, HostUpError, UnexpectedReply
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.replies import (
    ACCEPT_ENCODING,
    requested_wait,
    UnreadableReply,
    describe_unreadable_body,
    first_line,
    json_or_none,
    read_body,
)
from ansible_collections.hostup.cloud.plugins.module_utils.secrets import (
    mask_strings,
    mask_text,
    normalize_api_key,
    secret_pattern,
)
from ansible_collections.hostup.cloud.plugins.module_utils.version import COLLECTION_VERSION

DEFAULT_API_URL = "https://cloud.hostup.se"
USER_AGENT = "hostup.cloud/%s" % COLLECTION_VERSION

# Default of rate_limit_wait: a task waits out 429s for at most this long in total.
# HostUp's limit is per window; past a minute the user is better served by an
# error that says so.
DEFAULT_RATE_LIMIT_WAIT = 60
# A server answering 429 with tiny waits forever is stopped after this many: enough for
# a fleet sharing HostUp's limit, refused a second at a time for the whole default budget.
RATE_LIMIT_MAX_ATTEMPTS = 60
# Up to this share of a 429 wait is added at random, so that the forks of one
# run that were refused together do not all ask again at the same moment.
RATE_LIMIT_JITTER = 0.1
# Longer than anyone waits, and short enough for Python's timers: a timeout
# or wait of 1e10 s would overflow them and crash the task.
LONGEST_WAIT = 365 * 24 * 3600

# The most of HostUp's message an error line quotes.
MAX_MESSAGE_CHARS = 1000

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

STATUS_HINTS = {401: "hint.api_key", 403: "hint.scope", 429: "hint.rate_limited"}

# The three kinds of call (see the module docstring).
READ, ESTIMATE, ORDER = "read", "estimate", "order"


def check_connection_options(api_key, api_url, api_timeout, rate_limit_wait):
    """The connection options as they are used; BadOption names the first one that cannot be.

    One rule for modules and the inventory plugin alike. Returns the normalized key.
    """
    try:
        api_key = normalize_api_key(api_key)
    except ValueError as problem:
        raise BadOption(str(problem))
    check_api_url(api_url)
    if api_timeout < 1:
        raise BadOption("option.seconds_too_small", option="api_timeout", minimum=1, value=api_timeout)
    if rate_limit_wait < 0:
        raise BadOption("option.rate_limit_wait", value=rate_limit_wait)
    return api_key


def check_api_url(api_url):
    """Raise BadOption when api_url cannot be used.

    The key travels in a header on every call, so plain http is allowed only to
    this machine (the simulator, a local proxy). The host checked here must be
    the host requests connects to: parsers disagree about a backslash, white
    space or a user name before the host (``http://evil\\@127.0.0.1`` is
    127.0.0.1 to urlsplit and "evil" to urllib3), so such URLs are refused.
    """
    try:
        parts = urlsplit(api_url)
        host = parts.hostname
    except ValueError as exc:
        raise BadOption("option.api_url_unparsable", problem=exc)
    if parts.scheme not in ("http", "https") or not host:
        raise BadOption("option.api_url_not_http", default=DEFAULT_API_URL, value=api_url)
    if "@" in parts.netloc or any(char == "\\" or char.isspace() or not char.isprintable() for char in api_url):
        raise BadOption("option.api_url_ambiguous", default=DEFAULT_API_URL)
    if parts.scheme == "http" and not is_loopback(host):
        raise BadOption("option.api_url_plain_http", host=host)


def is_loopback(host):
    """True for localhost and a literal 127.0.0.0/8 or ::1 address.

    Anything else (127.0.0.300, 127.0.0.01) is a name the resolver may ask DNS for.
    """
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DeadlinePassed(requests.exceptions.ReadTimeout if HAS_REQUESTS else Exception):
    """A call that did not complete (connect, headers and body) within its timeout."""


class HostUpClient(object):
    """A session with HostUp for one task. ``request_ids`` collects every requestId seen.

    Plain values in, no AnsibleModule: plugins that run on the controller use it too.
    ``api_key`` is normalized (see normalize_api_key), which raises ValueError.
    """

    def __init__(self, api_url, api_key, timeout=30, validate_certs=True,
                 rate_limit_wait=DEFAULT_RATE_LIMIT_WAIT, session_factory=None, sleep=None):
        self.base_url = api_url.rstrip("/")
        self._api_key = normalize_api_key(api_key)
        self._secret = secret_pattern([api_key, self._api_key])
        self.timeout = min(timeout, LONGEST_WAIT)
        self.validate_certs = validate_certs
        self.rate_limit_wait = min(rate_limit_wait, LONGEST_WAIT)
        self._sleep = sleep or time.sleep
        self._session_factory = session_factory or requests.Session
        self.request_ids = []
        self._session = self._new_session()

    def _new_session(self):
        session = self._session_factory()
        if urlsplit(self.base_url).scheme == "http":
            # Plain http is loopback only (check_api_url); a proxy from the
            # environment would carry the key in clear text to another host.
            # https keeps the environment (proxies tunnel it; REQUESTS_CA_BUNDLE).
            session.trust_env = False
        session.headers.update({
            "X-API-Key": self._api_key,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": USER_AGENT,
        })
        return session

    def get(self, path):
        """A read: safe to repeat."""
        return self._call(READ, "GET", path, None)

    def estimate(self, path, body):
        """A POST that orders nothing (an estimate): safe to repeat."""
        return self._call(ESTIMATE, "POST", path, body)

    def order(self, path, body):
        """A POST that may cost money: sent again only after a 429."""
        return self._call(ORDER, "POST", path, body)

    def unexpected_reply(self, method, path, reason, hint=None, **values):
        """An UnexpectedReply about the last reply, carrying its requestId."""
        return UnexpectedReply(method, path, render(reason, **values), reason=reason,
                               request_id=self.request_ids[-1] if self.request_ids else None, hint=hint)

    def _call(self, kind, method, path, body):
        repeatable = kind != ORDER
        waited = 0.0
        rate_limited = 0
        transient_failures = 0
        while True:
            try:
                response, content = self._exchange(method, path, body)
            except requests.exceptions.RequestException as exc:
                if repeatable and transient_failures < TRANSIENT_RETRIES:
                    transient_failures = self._back_off(transient_failures)
                    continue
                raise self._transport_error(method, path, exc, attempts=transient_failures + 1)
            except UnreadableReply as exc:
                if exc.transient and repeatable and transient_failures < TRANSIENT_RETRIES:
                    transient_failures = self._back_off(transient_failures)
                    continue
                raise self._error(method, path, exc.reason, status=exc.status, hint=render("hint.network"),
                                  **exc.values)
            except OSError as exc:  # requests' own errors are OSErrors too, so this comes second
                raise self._transport_error(method, path, exc)

            # everything read from the reply is masked for the key, which a server may echo
            payload = mask_strings(json_or_none(content), self._secret)
            request_id = self._remember_request_id(payload)

            if 300 <= response.status_code < 400:
                raise self._redirect_error(method, path, response, request_id)
            if response.status_code == 429:
                wait = requested_wait(response.headers, payload)
                rate_limited += 1
                if waited + wait > self.rate_limit_wait or rate_limited >= RATE_LIMIT_MAX_ATTEMPTS:
                    raise self._rate_limit_error(method, path, payload, request_id, wait, waited, rate_limited)
                wait = min(wait + random.uniform(0, wait * RATE_LIMIT_JITTER), self.rate_limit_wait - waited)
                self._sleep(wait)
                waited += wait
                continue
            if (response.status_code in TRANSIENT_STATUSES and repeatable
                    and transient_failures < TRANSIENT_RETRIES):
                transient_failures = self._back_off(transient_failures)
                continue
            return self._result(method, path, response, content, payload, request_id)

    def _exchange(self, method, path, body):
        """Send one request and read its whole answer (response, body) within ``timeout`` seconds in all.

        requests' own timeout bounds each socket read, so a server sending a
        byte now and then could hold a task forever; the exchange runs in a
        helper thread that is given up on (raising DeadlinePassed) at the deadline.
        """
        outcome = {}
        session = self._session

        def exchange():
            try:
                response = session.request(
                    method, self.base_url + path, json=body, timeout=self.timeout,
                    verify=self.validate_certs, allow_redirects=False, stream=True)
                outcome["reply"] = (response, read_body(response))
            except BaseException as exc:  # pylint: disable=broad-except
                outcome["error"] = exc  # raised again in the caller's thread

        worker = threading.Thread(target=exchange, name="hostup-request")
        worker.daemon = True
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            # The helper thread is left behind with its session (closing its socket here
            # would wait for its read); it ends with the process, reading at most
            # MAX_REPLY_BYTES meanwhile. The next call gets a session of its own, since
            # a requests.Session is not safe to share between threads.
            self._session = self._new_session()
            raise DeadlinePassed("no complete answer within %s s" % self.timeout)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["reply"]

    def _back_off(self, failures):
        """Pause before trying a repeatable call again; returns the count of failures so far."""
        self._sleep(TRANSIENT_BACKOFF * 2 ** failures)
        return failures + 1

    def _remember_request_id(self, payload):
        request_id = payload.get("requestId") if isinstance(payload, dict) else None
        if request_id:
            self.request_ids.append(str(request_id))
        return request_id

    def _result(self, method, path, response, content, payload, request_id):
        status = response.status_code
        if not isinstance(payload, dict):
            reason, values = describe_unreadable_body(response, content)
            hint = render("hint.no_route", default=DEFAULT_API_URL) if status == 404 else _status_hint(status)
            raise self._error(method, path, reason, status=status, request_id=request_id, hint=hint, **values)
        if status >= 400:
            details = dict((k, payload[k]) for k in ERROR_DETAIL_FIELDS if k in payload)
            message = payload.get("message") or payload.get("error")
            hint = _status_hint(status)
            if status == 404 and (message is None or "route" in str(message).lower()):
                # HostUp's router answers "Route ... not found": not the HostUp API at all
                hint = render("hint.no_route", default=DEFAULT_API_URL)
            raise self._http_error(method, path, message, status=status, code=payload.get("code"),
                                   request_id=request_id, hint=hint, details=details)
        if payload.get("success") is False:
            raise self._http_error(
                method, path, payload.get("message") or payload.get("error") or render("reply.success_false"),
                status=status, code=payload.get("code") or "SUCCESS_FALSE", request_id=request_id, hint=None)
        data = payload.get("data")
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise self.unexpected_reply(method, path, "reply.data_not_object", kind=type(data).__name__)
        return data

    def _http_error(self, method, path, message, **kwargs):
        text = mask_text(message, self._secret) if message else render("transport.no_message")
        return HostUpError(method, path, _shortened(text), reason="call.http", **kwargs)

    def _rate_limit_error(self, method, path, payload, request_id, wait, waited, attempts):
        message = (payload or {}).get("message") or "Too Many Requests"
        if attempts >= RATE_LIMIT_MAX_ATTEMPTS:
            reason, values = "transport.rate_limited_too_often", dict(attempts=attempts)
        elif self.rate_limit_wait <= 0:
            reason, values = "transport.rate_limited_no_wait", dict(wait=wait)
        else:
            reason, values = "transport.rate_limited_too_long", dict(wait=wait, waited=waited,
                                                                     limit=self.rate_limit_wait)
        return self._error(method, path, reason, status=429, code=(payload or {}).get("code") or "RATE_LIMITED",
                           request_id=request_id, hint=render("hint.rate_limited"), message=message, **values)

    def _redirect_error(self, method, path, response, request_id):
        location = response.headers.get("Location")
        where = _redirect_target(self.base_url + path, location) if location else "nowhere (no Location header)"
        return self._error(method, path, "transport.redirect", status=response.status_code, request_id=request_id,
                           hint=render("hint.redirect"), where=where)

    def _transport_error(self, method, path, exc, attempts=1):
        reached = None
        hint = render("hint.network")
        values = dict(base_url=self.base_url, timeout=self.timeout, detail=first_line(exc))
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            reason, reached = "transport.connect_timeout", False
        elif isinstance(exc, requests.exceptions.Timeout):
            # each attempt had the whole api_timeout: say how many there were, or the wait looks unexplained
            reason, hint = "transport.read_timeout" if attempts > 1 else "transport.read_timeout_once", render(
                "hint.stalled")
            values["attempts"] = attempts
        elif isinstance(exc, requests.exceptions.SSLError) and _plain_http_answer(exc):
            # an http server read our TLS hello as a request: no certificate is involved at all
            reason, reached, hint = "transport.tls_plain_http", False, render("hint.plain_http")
        elif isinstance(exc, requests.exceptions.SSLError):
            reason, reached, hint = "transport.tls", False, render("hint.tls")
        elif isinstance(exc, requests.exceptions.ConnectionError):
            if _connection_refused(exc):
                reason, reached = "transport.refused", False
            else:
                reason = "transport.broken"
        else:
            # a request requests would not make, or an OSError of its own before
            # sending (REQUESTS_CA_BUNDLE names no file)
            reason, reached = "transport.not_made", False
            if not isinstance(exc, requests.exceptions.RequestException) and "CA certificate bundle" in str(exc):
                hint = render("hint.ca_bundle")
        return self._error(method, path, reason, status=None, hint=hint, reached_server=reached, **values)

    def _error(self, method, path, reason, status=None, code=None, request_id=None, hint=None,
               reached_server=True, **values):
        message = _shortened(mask_text(render(reason, **values), self._secret))
        return HostUpError(method, path, message, reason=reason, status=status, code=code, request_id=request_id,
                           hint=hint, reached_server=reached_server)


def _status_hint(status):
    if status in STATUS_HINTS:
        return render(STATUS_HINTS[status])
    if status >= 500:
        return render("hint.server_error")
    return None


def _redirect_target(request_url, location):
    """Where a redirect points, as scheme://host:port/path (no credentials, query or fragment)."""
    try:
        parts = urlsplit(urljoin(request_url, location))
        host = parts.hostname or ""
        port = ":%d" % parts.port if parts.port else ""
    except ValueError:
        return "an unreadable address"
    return "%s://%s%s%s" % (parts.scheme, host, port, parts.path)


def _shortened(message):
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return "%s... (%d characters more)" % (message[:MAX_MESSAGE_CHARS], len(message) - MAX_MESSAGE_CHARS)


# What OpenSSL says when the server answers a TLS hello in plain http (1.1 and 3.0: "wrong version
# number"; 3.2 and later: "record layer failure"; LibreSSL: "unknown protocol", "http request").
_PLAIN_HTTP_SIGNS = ("wrong version number", "record layer failure", "unknown protocol", "http request",
                     "packet length too long")


def _plain_http_answer(exc):
    """Whether a TLS failure is a server speaking plain http on the port (not a certificate problem)."""
    text = str(exc).lower()
    return any(sign in text for sign in _PLAIN_HTTP_SIGNS) and "certificate" not in text


def _connection_refused(exc):
    # requests wraps urllib3's NewConnectionError (refused, DNS failure) in its
    # ConnectionError; in that case the request never left this machine.
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError")

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

The key goes to the host of api_url and nowhere else: no redirect is followed,
plain-http (loopback) calls never go through a proxy, and every message is
masked for the key in each form it can be written in.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import email.utils
import ipaddress
import json
import math
import re
import threading
import time
import traceback

try:
    from urllib.parse import quote, quote_plus, urljoin, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, but keep imports sane
    from urllib import quote, quote_plus
    from urlparse import urljoin, urlsplit

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

# Default of rate_limit_wait: a task waits out 429s for at most this long in total.
# HostUp's limit is per window; past a minute the user is better served by an
# error that says so.
DEFAULT_RATE_LIMIT_WAIT = 60
# Wait used when a 429 names no time at all, and the shortest wait we honour, so
# that a server answering "Retry-After: 0" forever cannot make us spin.
RATE_LIMIT_DEFAULT_WAIT = 1.0
RATE_LIMIT_MIN_WAIT = 0.1
RATE_LIMIT_MAX_ATTEMPTS = 20
# Longer than anyone waits, and short enough for Python's timers: a timeout
# or wait of 1e10 s would overflow them and crash the task.
LONGEST_WAIT = 365 * 24 * 3600

# The most of a reply that is read: HostUp's largest answer (the account's
# service list) is far smaller; a server sending without end stops here
# instead of filling the memory.
MAX_REPLY_BYTES = 16 * 1024 * 1024
_READ_CHUNK = 64 * 1024
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

STATUS_HINTS = {
    401: "check api_key (or the HOSTUP_API_KEY environment variable): HostUp did not accept it",
    403: "the API key lacks a scope this call needs: read:vm to read, write:billing and write:vm to order",
    429: "HostUp is rate limiting this key: run with fewer forks, raise rate_limit_wait, or try again later",
}
ESTIMATE_FORBIDDEN_HINT = ("the API key lacks a scope this call needs: pricing a change (the estimate, also in "
                           "check mode) needs write:billing, and a resource change also write:vm")
NO_SUCH_ROUTE_HINT = ("no such route: check api_url, the API's base address without /api "
                      "(like %s)" % DEFAULT_API_URL)
NO_SUCH_DRAFT_HINT = ("no such draft: check draft_id; HostUp has no open draft %s for this VPS (it was "
                      "already ordered, or HostUp dropped an old estimate), so price the change again "
                      "(check mode) for a new one")
NO_SUCH_VPS_HINT = "no such VPS: check vmid, this account has no VPS with that id"
SERVER_ERROR_HINT = "HostUp could not handle the request; try again later"
NETWORK_HINT = "check api_url and the network"
TLS_HINT = ("the certificate could not be verified: if api_url is right, point REQUESTS_CA_BUNDLE at the CA "
            "bundle that signed it; validate_certs: false only against a test server")
CA_BUNDLE_HINT = "point REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) at an existing CA bundle file, or unset it"
REDIRECT_HINT = "set api_url to the address the HostUp API answers on itself"

# The three kinds of call (see the module docstring).
READ, ESTIMATE, ORDER = "read", "estimate", "order"

_SECRET_MASK = "********"
# Shorter forms of a key are not masked: masking " " or "ab" would garble every
# message, and no real key is that short.
_MIN_MASKED_LENGTH = 4


def normalize_api_key(api_key):
    """The key as it is sent: without surrounding whitespace.

    A YAML block scalar or a vault file ends the key with a newline, which
    no HTTP header can carry. Raises ValueError saying what is wrong with the
    key, never what the key is.
    """
    key = "" if api_key is None else str(api_key).strip()
    if not key:
        raise ValueError("is empty: set api_key, or the HOSTUP_API_KEY environment variable, to a HostUp API key")
    if any(not _header_safe(char) for char in key):
        raise ValueError("contains a character that an HTTP header cannot carry (a control character such as a "
                         "line break inside the key, or a character outside Latin-1): copy the key again "
                         "from the HostUp panel")
    return key


def _header_safe(char):
    code = ord(char)
    return 0x20 <= code < 0x7f or 0xa0 <= code <= 0xff


def secret_forms(secret):
    """Every way ``secret`` can be written in a message, longest first.

    As is, stripped, escaped as repr() and JSON write it, and %-encoded; each
    form shorter than a few characters (or only whitespace) is left out.
    """
    forms = set()
    for value in set([secret, secret.strip()]):
        forms.update([
            value,
            repr(value)[1:-1],
            repr(value.encode("utf-8"))[2:-1],
            json.dumps(value)[1:-1],
            quote(value, safe=""),
            quote_plus(value, safe=""),
        ])
    return sorted((form for form in forms if len(form.strip()) >= _MIN_MASKED_LENGTH),
                  key=lambda form: (-len(form), form))


def mask_secret(text, secret):
    """``text`` with every form of ``secret``, in any letter case, replaced by a mask."""
    pattern = _secret_pattern([secret])
    return pattern.sub(_SECRET_MASK, str(text)) if pattern else str(text)


def _secret_pattern(secrets):
    """A regular expression matching each form of each secret in any case, or None."""
    forms = set()
    for secret in secrets:
        if secret:
            forms.update(secret_forms(str(secret)))
    if not forms:
        return None
    # longest first, so that a form holding a shorter one is masked whole
    ordered = sorted(forms, key=lambda form: (-len(form), form))
    return re.compile("|".join(re.escape(form) for form in ordered), re.IGNORECASE)


def _mask_strings(value, pattern):
    """``value`` (parsed JSON) with the pattern masked in every string, keys included."""
    if isinstance(value, str):
        return pattern.sub(_SECRET_MASK, value)
    if isinstance(value, list):
        return [_mask_strings(item, pattern) for item in value]
    if isinstance(value, dict):
        return dict((_mask_strings(key, pattern), _mask_strings(item, pattern)) for key, item in value.items())
    return value


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
    this machine (the simulator, a local proxy). The host checked here must be
    the host requests connects to: parsers disagree about a backslash, white
    space or a user name before the host (``http://evil\\@127.0.0.1`` is
    127.0.0.1 to urlsplit and "evil" to urllib3), so such URLs are refused.
    """
    try:
        parts = urlsplit(api_url)
        host = parts.hostname
    except ValueError as exc:
        return "is not a valid URL (%s)" % exc
    if parts.scheme not in ("http", "https") or not host:
        return "must be an http(s) URL with a host, like %s, got %r" % (DEFAULT_API_URL, api_url)
    if "@" in parts.netloc or any(char == "\\" or char.isspace() or not char.isprintable() for char in api_url):
        return ("must be the address of the API alone, like %s: no user name or password, no backslash, "
                "space or control character (the key goes in api_key)" % DEFAULT_API_URL)
    if parts.scheme == "http" and not is_loopback(host):
        return ("uses plain http to %s: the API key would cross the network unencrypted; "
                "use https (plain http is accepted only for localhost and 127.0.0.0/8)" % host)
    return None


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


def requested_wait(headers, body, now=None):
    """Seconds a 429 asks us to wait: Retry-After, else X-RateLimit-Reset, else the body.

    Retry-After is seconds or an HTTP-date (RFC 9110). A value that is not a
    finite, non-negative time (nan, inf, -5, garbage) is skipped for the next source.
    """
    now = now or datetime.datetime.now(tz=datetime.timezone.utc)
    retry_after = headers.get("Retry-After")
    reset_at = _parse_iso(headers.get("X-RateLimit-Reset"))
    candidates = (
        _seconds(retry_after),
        _seconds_until(_parse_http_date(retry_after), now),
        _seconds_until(reset_at, now),
        _seconds(body.get("retryAfter")) if isinstance(body, dict) else None,
    )
    for wait in candidates:
        if wait is not None:
            return max(wait, RATE_LIMIT_MIN_WAIT)
    return RATE_LIMIT_DEFAULT_WAIT


def _seconds(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(moment, now):
    # a moment already past asks for no wait (the minimum wait still applies)
    return None if moment is None else max((moment - now).total_seconds(), 0.0)


def _parse_http_date(text):
    if not text:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _parse_iso(text):
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


class DeadlinePassed(requests.exceptions.ReadTimeout if HAS_REQUESTS else Exception):
    """A call that did not complete (connect, headers and body) within its timeout."""


class ReplyTooLarge(Exception):
    """A reply longer than MAX_REPLY_BYTES; its status is known, its body was not read."""

    def __init__(self, status):
        super(ReplyTooLarge, self).__init__(status)
        self.status = status


class HostUpClient(object):
    """A session with HostUp for one task. ``request_ids`` collects every requestId seen.

    Plain values in, no AnsibleModule: plugins that run on the controller use it too.
    ``api_key`` is normalized (see normalize_api_key), which raises ValueError.
    """

    def __init__(self, api_url, api_key, timeout=30, validate_certs=True,
                 rate_limit_wait=DEFAULT_RATE_LIMIT_WAIT, session=None, sleep=None):
        self.base_url = api_url.rstrip("/")
        self._api_key = normalize_api_key(api_key)
        self._secret = _secret_pattern([api_key, self._api_key])
        self.timeout = min(timeout, LONGEST_WAIT)
        self.validate_certs = validate_certs
        self.rate_limit_wait = min(rate_limit_wait, LONGEST_WAIT)
        self._sleep = sleep or time.sleep
        self.request_ids = []
        self._session = session or requests.Session()
        if urlsplit(self.base_url).scheme == "http":
            # Plain http is loopback only (check_api_url); a proxy from the
            # environment would carry the key in clear text to another host.
            # https keeps the environment (proxies tunnel it; REQUESTS_CA_BUNDLE).
            self._session.trust_env = False
        self._session.headers.update({
            "X-API-Key": self._api_key,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        })

    def get(self, path):
        """A read: safe to repeat."""
        return self._call(READ, "GET", path, None)

    def estimate(self, path, body):
        """A POST that orders nothing (an estimate): safe to repeat."""
        return self._call(ESTIMATE, "POST", path, body)

    def order(self, path, body):
        """A POST that may cost money: sent again only after a 429."""
        return self._call(ORDER, "POST", path, body)

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
                raise self._transport_error(method, path, exc)
            except ReplyTooLarge as exc:
                raise self._error(method, path, "HostUp's reply is larger than %d MiB, so it was not read"
                                  % (MAX_REPLY_BYTES // (1024 * 1024)), status=exc.status,
                                  hint=NETWORK_HINT)
            except OSError as exc:  # requests' own errors are OSErrors too, so this comes second
                raise self._transport_error(method, path, exc)

            # everything read from the reply is masked for the key, which a server may echo
            payload = self._masked(_json_or_none(content))
            request_id = self._remember_request_id(payload)

            if 300 <= response.status_code < 400:
                raise self._redirect_error(method, path, response, request_id)
            if response.status_code == 429:
                wait = requested_wait(response.headers, payload)
                rate_limited += 1
                if waited + wait > self.rate_limit_wait or rate_limited >= RATE_LIMIT_MAX_ATTEMPTS:
                    raise self._rate_limit_error(method, path, payload, request_id, wait, waited)
                self._sleep(wait)
                waited += wait
                continue
            if (response.status_code in TRANSIENT_STATUSES and repeatable
                    and transient_failures < TRANSIENT_RETRIES):
                transient_failures = self._back_off(transient_failures)
                continue
            return self._result(kind, method, path, body, response, content, payload, request_id)

    def _exchange(self, method, path, body):
        """Send one request and read its whole answer (response, body) within ``timeout`` seconds in all.

        requests' own timeout bounds each socket read, so a server sending a
        byte now and then could hold a task forever; the exchange runs in a
        helper thread that is given up on (raising DeadlinePassed) at the deadline.
        """
        outcome = {}

        def exchange():
            try:
                response = self._session.request(
                    method, self.base_url + path, json=body, timeout=self.timeout,
                    verify=self.validate_certs, allow_redirects=False, stream=True)
                outcome["reply"] = (response, _read_body(response))
            except BaseException as exc:  # pylint: disable=broad-except
                outcome["error"] = exc  # raised again in the caller's thread

        worker = threading.Thread(target=exchange, name="hostup-request")
        worker.daemon = True
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            # The helper thread is left behind (closing its socket here would wait for its read);
            # it ends with the process, and reads at most MAX_REPLY_BYTES meanwhile.
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

    def _result(self, kind, method, path, body, response, content, payload, request_id):
        status = response.status_code
        if not isinstance(payload, dict):
            raise self._error(method, path, _describe_unreadable_body(response, content), status=status,
                              request_id=request_id, hint=_hint(kind, status, body, None))
        if status >= 400:
            details = dict((k, payload[k]) for k in ERROR_DETAIL_FIELDS if k in payload)
            message = payload.get("message") or payload.get("error") or "no message"
            raise self._error(
                method, path, message, status=status, code=payload.get("code"), request_id=request_id,
                hint=_hint(kind, status, body, message), details=details)
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

    def _masked(self, payload):
        return _mask_strings(payload, self._secret) if self._secret else payload

    def _rate_limit_error(self, method, path, payload, request_id, wait, waited):
        message = (payload or {}).get("message") or "Too Many Requests"
        if self.rate_limit_wait <= 0:
            message += " (HostUp asked to wait %.0f s; rate_limit_wait is 0, so this task does not wait)" % wait
        else:
            message += (" (HostUp asked to wait %.0f s more after %.0f s of waiting; this task waits at most "
                        "%d s in all, rate_limit_wait)" % (wait, waited, self.rate_limit_wait))
        return self._error(method, path, message, status=429,
                           code=(payload or {}).get("code") or "RATE_LIMITED",
                           request_id=request_id, hint=STATUS_HINTS[429])

    def _redirect_error(self, method, path, response, request_id):
        location = response.headers.get("Location")
        where = _redirect_target(self.base_url + path, location) if location else "nowhere (no Location header)"
        message = ("HostUp answered with a redirect to %s, which is not followed: the API key is sent to "
                   "the host of api_url only" % where)
        return self._error(method, path, message, status=response.status_code, request_id=request_id,
                           hint=REDIRECT_HINT)

    def _transport_error(self, method, path, exc):
        reached = None
        hint = NETWORK_HINT
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            message = "could not connect to %s within %s s" % (self.base_url, self.timeout)
            reached = False
        elif isinstance(exc, requests.exceptions.Timeout):
            message = "HostUp did not answer within %s s (api_timeout)" % self.timeout
        elif isinstance(exc, requests.exceptions.SSLError):
            message = "TLS failed for %s: %s" % (self.base_url, _first_line(exc))
            reached = False
            hint = TLS_HINT
        elif isinstance(exc, requests.exceptions.ConnectionError):
            if _connection_refused(exc):
                message = "could not connect to %s (connection refused or host not found)" % self.base_url
                reached = False
            else:
                message = "the connection to %s broke before HostUp answered" % self.base_url
        elif isinstance(exc, requests.exceptions.RequestException):
            message = "the request could not be made: %s" % _first_line(exc)
            reached = False
        else:  # an OSError of requests itself, before sending: REQUESTS_CA_BUNDLE names no file
            message = "the request could not be made: %s" % _first_line(exc)
            reached = False
            hint = CA_BUNDLE_HINT if "CA certificate bundle" in str(exc) else NETWORK_HINT
        return self._error(method, path, message, status=None, hint=hint, reached_server=reached)

    def _error(self, method, path, message, **kwargs):
        return HostUpError(method, path, _shortened(self._mask(message)), **kwargs)

    def _mask(self, text):
        return self._secret.sub(_SECRET_MASK, str(text)) if self._secret else str(text)


def _hint(kind, status, body, message):
    """What to do about an HTTP error ``status`` of a call of ``kind`` that sent ``body``."""
    if status == 404:
        # HostUp's router answers "Route ... not found"; a page that is not JSON
        # (message None) is not the HostUp API either.
        if message is None or "route" in message.lower():
            return NO_SUCH_ROUTE_HINT
        if isinstance(body, dict) and body.get("draftId") is not None:
            return NO_SUCH_DRAFT_HINT % body["draftId"]
        return NO_SUCH_VPS_HINT
    if status == 403 and kind == ESTIMATE:
        return ESTIMATE_FORBIDDEN_HINT
    if status in STATUS_HINTS:
        return STATUS_HINTS[status]
    if status >= 500:
        return SERVER_ERROR_HINT
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


def _read_body(response):
    """The body of ``response``, read in chunks; ReplyTooLarge past MAX_REPLY_BYTES (counted decoded)."""
    body = bytearray()
    for chunk in response.iter_content(_READ_CHUNK):
        body += chunk
        if len(body) > MAX_REPLY_BYTES:
            response.close()
            raise ReplyTooLarge(response.status_code)
    return bytes(body)


def _json_or_none(content):
    try:
        return json.loads(content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[...]]]] nested too deep
        return None


def _shortened(message):
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return "%s... (%d characters more)" % (message[:MAX_MESSAGE_CHARS], len(message) - MAX_MESSAGE_CHARS)


def _describe_unreadable_body(response, content):
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

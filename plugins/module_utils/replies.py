# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a reply says: its body, read within MAX_REPLY_BYTES and decoded with bounded output, as JSON; a 429's wait.

PRIVATE to this collection: names here may change in any release.

The body is read as sent and decoded here, never by urllib3, so the cap holds
whatever urllib3 is installed (transport.py sends the calls).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import email.utils
import http.client
import json
import re
import zlib

try:
    import requests
    from urllib3 import exceptions as urllib3_errors
except ImportError:
    pass  # transport.py reports the missing requests

from ansible_collections.hostup.cloud.plugins.module_utils.numbers import seconds

# Wait used when a 429 names no time at all, and the shortest wait we honour, so
# that a server answering "Retry-After: 0" forever cannot make us spin.
RATE_LIMIT_DEFAULT_WAIT = 1.0
RATE_LIMIT_MIN_WAIT = 0.1
# The most of a reply that is read: HostUp's largest answer (the account's
# service list) is far smaller; a server sending without end stops here
# instead of filling the memory.
MAX_REPLY_BYTES = 16 * 1024 * 1024
_READ_CHUNK = 64 * 1024
# The encodings a reply may come in, and the only ones asked for. The body is read
# as sent and decoded here, never by urllib3: urllib3 1.26 inflates each piece it
# reads at once, whatever it grows to (1.8 KB of "gzip, gzip" became 1 GiB), while
# here each layer gives at most MAX_REPLY_BYTES. Asked for by name, so that a
# server is never invited to send br or zstd because a library for it is installed.
ACCEPT_ENCODING = "gzip, deflate"
GZIP_CODINGS = ("gzip", "x-gzip")
# "gzip, gzip" is decoded (within the cap), a third layer is no honest reply.
MAX_CONTENT_CODINGS = 2
# gzip allows members one after another; 16 MiB of empty 20-byte members would cost
# seconds of CPU to go through, so a layer of more members than this is refused.
MAX_GZIP_MEMBERS = 64


class UnreadableReply(Exception):
    """A reply whose status is known and whose body cannot be read: ``reason`` (messages.py) with ``values`` says why.

    ``transient``: a failure of the network rather than of what the server chose to
    send, so a read or an estimate is asked again.
    """

    transient = False

    def __init__(self, status, reason, **values):
        super(UnreadableReply, self).__init__(reason)
        self.status = status
        self.reason = reason
        self.values = values


class ReplyTooLarge(UnreadableReply):
    """A reply longer than MAX_REPLY_BYTES, as sent or decoded; the rest of it was not read."""

    def __init__(self, status):
        super(ReplyTooLarge, self).__init__(status, "transport.too_large", mib=MAX_REPLY_BYTES // (1024 * 1024))


class ReplyCutShort(UnreadableReply):
    """The connection broke, or ended before Content-Length, while the body was read."""

    transient = True

    def __init__(self, status, received, detail):
        super(ReplyCutShort, self).__init__(status, "transport.cut_short", received=received, detail=detail)


def read_body(response):
    """The body of ``response`` as sent, decoded here; never more than MAX_REPLY_BYTES, sent or decoded.

    Raises ReplyTooLarge past the cap (before reading, when Content-Length
    already says so), ReplyCutShort when the body ends before its Content-Length
    or the connection breaks, UnreadableReply for an encoding that is not read.
    """
    status = response.status_code
    declared = _declared_length(response)
    try:
        if declared is not None and declared > MAX_REPLY_BYTES:
            raise ReplyTooLarge(status)
        decoder = _ContentDecoder(response.headers.get("Content-Encoding"), status)
        body = bytearray()
        received = 0
        while True:
            chunk = _read_raw(response.raw, status, received)
            if not chunk:
                break
            received += len(chunk)
            if received > MAX_REPLY_BYTES:
                raise ReplyTooLarge(status)
            body += decoder.decode(chunk)
        if declared is not None and received < declared:
            # urllib3 2 says so itself, urllib3 1.26 returns what came
            raise ReplyCutShort(status, received, "%d of the %d bytes of Content-Length" % (received, declared))
    except UnreadableReply:
        response.close()
        raise
    return bytes(body)


def _declared_length(response):
    """Content-Length, where it is the length of the body (not chunked, a status with a body); else None."""
    headers = response.headers
    if "chunked" in headers.get("Transfer-Encoding", "").lower() or response.status_code in (204, 304):
        return None
    try:
        length = int(headers.get("Content-Length", ""))
    except ValueError:  # absent, or nonsense such as "10, 12": http.client reads until the connection ends
        return None
    return length if length >= 0 else None


def _read_raw(raw, status, received):
    """The next piece of the body as sent (no Content-Encoding undone); b"" at its end.

    requests hands a urllib3 response (``stream``) or a plain file; urllib3's errors
    become requests' (a timeout) or ReplyCutShort (anything else that broke the read,
    a broken TLS stream too: the status came, so the request reached HostUp, and an
    order may stand; only a TLS failure before any answer is one that sent nothing).
    """
    try:
        if hasattr(raw, "stream"):
            return raw.read(_READ_CHUNK, decode_content=False)
        return raw.read(_READ_CHUNK)
    except urllib3_errors.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc)
    except (urllib3_errors.HTTPError, http.client.HTTPException, OSError) as exc:
        raise ReplyCutShort(status, received, first_line(exc))


class _ContentDecoder(object):
    """Undoes a reply's Content-Encoding, layer by layer; no layer gives more than MAX_REPLY_BYTES.

    ``gzip`` (and its old name ``x-gzip``) and ``deflate`` (zlib-wrapped, as HTTP
    means it, or raw, as some servers send it) are read; ``identity`` is nothing
    to undo. Any other encoding (br, zstd, compress), or more than
    MAX_CONTENT_CODINGS layers, raises UnreadableReply before anything is read.
    """

    def __init__(self, content_encoding, status):
        codings = [coding.strip().lower() for coding in (content_encoding or "").split(",")]
        codings = [coding for coding in codings if coding and coding != "identity"]
        if len(codings) > MAX_CONTENT_CODINGS or any(
                coding not in GZIP_CODINGS and coding != "deflate" for coding in codings):
            raise UnreadableReply(status, "transport.encoding", encoding=content_encoding,
                                  accepted=ACCEPT_ENCODING)
        # the last encoding applied is the first undone
        self._layers = [_Inflater(coding, status) for coding in reversed(codings)]

    def decode(self, data):
        for layer in self._layers:
            data = layer.inflate(data)
        return data


class _Inflater(object):
    """One gzip or deflate layer, inflated piece by piece with a bounded output."""

    def __init__(self, coding, status):
        self._gzip = coding in GZIP_CODINGS
        self._coding = coding
        self._status = status
        self._zlib = None
        self._members = 0
        self._start = b""  # the first bytes of a stream, until two show what it is
        self._ended = False
        self._given = 0

    def inflate(self, data):
        data = self._start + data
        self._start = b""
        out = bytearray()
        while data and not self._ended:
            if self._zlib is None:
                if len(data) < 2:
                    self._start = data
                    break
                if self._members and data[:2] != b"\x1f\x8b":
                    self._ended = True  # not another gzip member (zero padding): not part of the body
                    break
                if self._members >= MAX_GZIP_MEMBERS:
                    raise UnreadableReply(self._status, "transport.undecodable", encoding=self._coding,
                                          detail="more than %d gzip members" % MAX_GZIP_MEMBERS)
                self._zlib = self._decompressor(data)
            try:
                # one byte more than may be given tells "too large" from "just fits"
                piece = self._zlib.decompress(data, MAX_REPLY_BYTES - self._given + 1)
            except zlib.error as exc:
                raise UnreadableReply(self._status, "transport.undecodable", encoding=self._coding, detail=exc)
            self._given += len(piece)
            if self._given > MAX_REPLY_BYTES:
                raise ReplyTooLarge(self._status)
            out += piece
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:
                data = self._zlib.unused_data
                self._zlib = None
                self._members += 1
                # gzip allows one member after another; after a deflate stream nothing belongs to the body
                self._ended = not self._gzip
        return out

    def _decompressor(self, start):
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # HTTP's deflate is zlib-wrapped (RFC 9110); some servers send it raw
        zlib_header = start[0] & 0x0f == 8 and (start[0] * 256 + start[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)


def json_or_none(content):
    """The parsed JSON body, every lone surrogate in it read as U+FFFD; None when it is no JSON."""
    try:
        return _without_lone_surrogates(json.loads(content.decode("utf-8")))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[...]]]] nested too deep
        return None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value):
    # JSON may write half a surrogate pair ("\ud800"), which no UTF-8 text holds: ansible-core
    # 2.19 refuses a module result with one in it, and the task's result (an order's outcome
    # too) is lost. json.loads joins whole pairs, so every surrogate left is a lone one.
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return dict((_without_lone_surrogates(key), _without_lone_surrogates(item)) for key, item in value.items())
    return value


def describe_unreadable_body(response, content):
    head = content[:200].lstrip().lower()
    if head.startswith(b"<") or "html" in response.headers.get("Content-Type", ""):
        return "transport.html", {}
    if not content:
        return "transport.empty", {}
    return "transport.malformed", {"size": len(content)}


def first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def requested_wait(headers, body, now=None):
    """Seconds a 429 asks us to wait: Retry-After, else X-RateLimit-Reset, else the body.

    Retry-After is seconds or an HTTP-date (RFC 9110). A value that is not a
    finite, non-negative time (nan, inf, -5, garbage) is skipped for the next source.
    """
    now = now or datetime.datetime.now(tz=datetime.timezone.utc)
    retry_after = headers.get("Retry-After")
    candidates = (
        seconds(retry_after),
        _seconds_until(_parse_http_date(retry_after), now),
        _seconds_until(_parse_iso(headers.get("X-RateLimit-Reset")), now),
        seconds(body.get("retryAfter")) if isinstance(body, dict) else None,
    )
    for wait in candidates:
        if wait is not None:
            return max(wait, RATE_LIMIT_MIN_WAIT)
    return RATE_LIMIT_DEFAULT_WAIT


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

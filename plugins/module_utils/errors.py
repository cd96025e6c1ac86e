# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors of this collection: a call that failed, a reply that makes no sense, a task that stops.

PRIVATE to this collection: names here may change in any release.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.text import printable

# The most of HostUp's ``code`` and ``requestId`` an error line quotes (a requestId is a UUID).
MAX_FIELD_CHARS = 100


class HostUpError(Exception):
    """One failed call, with everything a person needs to act on it.

    ``reason`` is the code of what went wrong (messages.py). ``reached_server``
    is True when HostUp answered, False when the request certainly never
    arrived (connection refused, connect timeout) and None when nobody can tell
    (a dropped connection or a read timeout after sending).
    """

    line_template = "call.failed"

    def __init__(self, method, path, message, reason="call.http", status=None, code=None,
                 request_id=None, hint=None, details=None, reached_server=True):
        super(HostUpError, self).__init__(message)
        self.method = method
        self.path = path
        self.message = message
        self.reason = reason
        self.status = status
        self.code = code
        self.request_id = request_id
        self.hint = hint
        self.details = details or {}
        self.reached_server = reached_server

    def one_line(self, hint=None):
        """The error as a single line: what failed, what HostUp said, what to do.

        HostUp's ``message``, ``code`` and ``requestId`` are shown by printable() as
        render() fills them in: escaped, on one line. The message is shortened where it is
        made (transport.py); a ``code`` or ``requestId`` longer than MAX_FIELD_CHARS is cut
        here (``api_error`` keeps them whole).
        """
        status = ""
        if self.status is not None:
            status = ": HTTP %s%s" % (self.status, " %s" % _quoted(self.code) if self.code else "")
        line = render(
            self.line_template, method=self.method, path=self.path, status=status, message=self.message,
            request_id=" (requestId %s)" % _quoted(self.request_id) if self.request_id else "",
            hint=". %s" % (hint or self.hint) if hint or self.hint else "")
        return " ".join(line.splitlines())

    def __str__(self):
        return self.one_line()

    def to_dict(self):
        """The structured form returned beside ``msg`` as ``api_error``: HostUp's text as sent, as data."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "details": dict(self.details),
        }


def _quoted(value):
    return printable(value, limit=MAX_FIELD_CHARS)


class UnexpectedReply(HostUpError):
    """HostUp answered (HTTP 2xx), but not with what the call asks for: no list, no estimate, no order id."""

    line_template = "call.nonsense"

    def __init__(self, method, path, message, reason, request_id=None, hint=None):
        super(UnexpectedReply, self).__init__(method, path, message, reason=reason, request_id=request_id,
                                              hint=hint)


class TaskFailed(Exception):
    """The task stops, for ``reason`` (a code of messages.py) worded with ``values``.

    ``result`` holds the fields the failed result carries beside ``msg``;
    ``error`` the HostUpError behind it, if any (its ``api_error`` is returned too);
    ``status`` what it means for the money (outcome.py), where the reason alone
    does not say. Raised anywhere in a module's body; HostUpModule.run turns it
    into the result.
    """

    def __init__(self, reason, result=None, error=None, status=None, **values):
        self.reason = reason
        self.values = values
        self.result = dict(result or {})
        self.error = error
        self.status = status
        super(TaskFailed, self).__init__(self.message)

    @property
    def message(self):
        text = render(self.reason, **self.values)
        if self.error is not None:
            return self.error.one_line(hint=text)
        return text


class BadOption(TaskFailed):
    """Bad input, found before any request: the message names the option."""

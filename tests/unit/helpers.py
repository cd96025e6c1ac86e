# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test helpers: a scripted HTTP conversation, HostUp replies and a module runner.

A test lists the exact calls it expects, in order, with the reply to each;
any other call, a call out of order or a call left unmade fails the test.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import contextlib
import io
import json

from requests.structures import CaseInsensitiveDict

from ansible.module_utils import basic
from ansible.module_utils.common import warnings

try:
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # ansible-core < 2.19 has no controller/target switch
    module_utils_internal = None

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None

API = "https://cloud.hostup.se"
KEY = "unit-test-secret-key-7f3a"

ANY = object()


def ok(data, request_id="req-ok"):
    return {"success": True, "timestamp": "2026-02-10T00:00:00.000Z", "requestId": request_id, "data": data}


def api_error(status, code, message, request_id="req-err", **extra):
    titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
              500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    body = {"error": titles.get(status, "Error"), "message": message, "code": code,
            "timestamp": "2026-02-10T00:00:00.000Z", "requestId": request_id}
    body.update(extra)
    return body


class FakeResponse(object):
    def __init__(self, status, body, headers=None):
        self.status_code = status
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.content = body
        self.raw = io.BytesIO(body)  # the body as sent: the client reads it from here
        self.headers = CaseInsensitiveDict(headers or {})
        self.closed = False

    def close(self):
        self.closed = True


Expected = collections.namedtuple("Expected", "method path body reply raises")


class Conversation(object):
    """Stands in for requests.Session: replays the expected calls, records the sent ones."""

    def __init__(self):
        self.headers = {}
        self.trust_env = True
        self.expected = []
        self.sent = []

    def expect(self, method, path, body=ANY, status=200, reply=None, headers=None, raises=None):
        response = None if raises else FakeResponse(status, reply if reply is not None else {}, headers)
        self.expected.append(Expected(method, path, body, response, raises))
        return self

    def request(self, method, url, json=None, timeout=None, verify=None,  # pylint: disable=redefined-outer-name
                allow_redirects=True, stream=False):
        assert url.startswith(API), url
        path = url[len(API):]
        self.sent.append({"method": method, "path": path, "body": json, "timeout": timeout,
                          "verify": verify, "allow_redirects": allow_redirects, "stream": stream, "headers": dict(self.headers)})
        assert self.expected, "unexpected call %s %s %r" % (method, path, json)
        call = self.expected.pop(0)
        assert (method, path) == (call.method, call.path), "expected %s %s, got %s %s" % (
            call.method, call.path, method, path)
        if call.body is not ANY:
            assert json == call.body, "body of %s %s: expected %r, got %r" % (method, path, call.body, json)
        if call.raises:
            raise call.raises
        return call.reply

    def calls(self):
        return [(c["method"], c["path"]) for c in self.sent]

    def assert_done(self):
        assert not self.expected, "calls not made: %s" % [(c.method, c.path) for c in self.expected]


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result)
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def module_args(args):
    """Make ``args`` the arguments the next AnsibleModule reads, on every ansible-core version."""
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()  # pylint: disable=protected-access
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access


def run_module(module, args, check_mode=False, diff=False):
    """Run a module's main() with these arguments; return (result, failed)."""
    args = dict(args)
    args.setdefault("api_key", KEY)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff

    def exit_json(self, **result):
        result.setdefault("changed", False)
        raise ModuleExit(dict(result, warnings=list(warnings.get_warning_messages())), failed=False)

    def fail_json(self, msg, **result):
        raise ModuleExit(dict(result, msg=msg, failed=True), failed=True)

    warnings._global_warnings.clear()  # pylint: disable=protected-access
    original = (basic.AnsibleModule.exit_json, basic.AnsibleModule.fail_json)
    was_controller = getattr(module_utils_internal, "is_controller", None)
    basic.AnsibleModule.exit_json, basic.AnsibleModule.fail_json = exit_json, fail_json
    if module_utils_internal is not None:
        # a module runs as on a target, also after controller code (the callback's tests) was imported
        module_utils_internal.is_controller = False
    try:
        with module_args(args):
            module.main()
    except ModuleExit as outcome:
        return outcome.result, outcome.failed
    finally:
        basic.AnsibleModule.exit_json, basic.AnsibleModule.fail_json = original
        if module_utils_internal is not None:
            module_utils_internal.is_controller = was_controller
    raise AssertionError("the module returned without exit_json or fail_json")

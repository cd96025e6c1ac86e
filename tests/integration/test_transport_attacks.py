# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The key against a hostile server, a hostile network and a careless user, over real HTTP.

A scripted server on 127.0.0.1 plays the hostile HostUp; a recorder on
127.0.0.2 plays "another host", which must see nothing. Each test was a way
the key left for another host, came back out, or the transport crashed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.hostup.cloud.tests.leaks import leaks

KEY = "Hostile-Echo-Key-7Qx2"  # upper and lower case letters: echoes in another case must be masked too


def key_forms_in_any_case(key):
    return [key, key.upper(), key.lower()]


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen.append({"method": self.command, "target": self.path, "headers": dict(self.headers)})
        replies = self.server.replies
        status, headers, body = replies.pop(0) if len(replies) > 1 else replies[0]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if callable(body):  # a body written by the script itself (one that never ends)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            body(self.wfile)
            return
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_CONNECT = _answer

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


class ScriptedServer(ThreadingHTTPServer):
    """Answers each request with the next scripted (status, headers, body), the last one forever; records them."""
    daemon_threads = True

    def __init__(self, host, replies):
        ThreadingHTTPServer.__init__(self, (host, 0), _ScriptedHandler)
        self.replies = list(replies)
        self.seen = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://%s:%d" % self.server_address


@pytest.fixture
def servers():
    started = []

    def start(host="127.0.0.1", replies=((200, {}, {"success": True, "requestId": "r", "data": {}}),)):
        started.append(ScriptedServer(host, replies))
        return started[-1]

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def failed_task(module, args, register):
    return {"name": register, "hostup.cloud." + module: args, "register": register, "ignore_errors": True}


def hostup_yml(ansible, **options):
    path = ansible.workdir / "hostup.yml"
    path.write_text(json.dumps(dict({"plugin": "hostup.cloud.hostup"}, **options)))
    return str(path)


# --- api_url: the host that is checked is the host that is called ------------------------

def test_an_api_url_parsers_read_as_two_hosts_is_refused_before_any_request(ansible, sim, servers):
    other_host = servers("127.0.0.2")
    # urlsplit reads 127.0.0.1 (loopback, so plain http passed); requests connected to 127.0.0.2
    two_faced = "http://127.0.0.2:%d\\@%s" % (other_host.server_address[1], ansible.server.url[len("http://"):])
    key_as_user = ansible.server.url.replace("http://", "http://%s@" % KEY)
    run = ansible.playbook([
        failed_task("hostup_vps_info", {"vmid": 10001, "api_url": two_faced}, "backslash"),
        failed_task("hostup_vps_info", {"vmid": 10001, "api_url": key_as_user}, "user_info"),
        failed_task("hostup_vps_info", {"vmid": 10001, "api_url": "http://127.0.0.300:%d"
                                        % other_host.server_address[1]}, "not_an_address"),
    ], api_key=KEY, verbosity=4)
    assert run.rc == 0, run
    for name in ("backslash", "user_info"):
        assert run.results[name]["msg"].startswith("api_url must be the address of the API alone"), run.results[name]
    assert "api_url uses plain http to 127.0.0.300" in run.results["not_an_address"]["msg"]
    inventory = ansible.inventory(hostup_yml(ansible, api_url=two_faced), api_key=KEY)
    assert "api_url must be the address of the API alone" in inventory.stderr
    assert other_host.seen == [] and sim.requests() == []
    assert leaks(run.output + json.dumps(run.results) + inventory.stdout + inventory.stderr,
                 key_forms_in_any_case(KEY)) == []


# --- a server that echoes the key, in any field and any case ---------------------------------

def test_a_key_echoed_in_every_field_and_case_appears_nowhere(ansible, servers):
    echo = {"error": "Unauthorized", "message": "Invalid API key %s" % KEY.upper(), "code": "KEY_" + KEY,
            "requestId": KEY.lower(), "invoice_id": KEY}
    hostile = servers(replies=[(401, {"X-Echo": KEY}, echo)])
    env = {"HOSTUP_API_URL": hostile.url}
    run = ansible.playbook([failed_task("hostup_vps_info", {"vmid": 10001}, "info"),
                            failed_task("hostup_vps_billing_cycle", {"vmid": 10001, "cycle": "annually"}, "cycle")],
                           api_key=KEY, env=env, verbosity=4)
    assert run.rc == 0, run
    assert "HTTP 401" in run.results["info"]["msg"] and "Invalid API key ********" in run.results["info"]["msg"]
    inventory = ansible.inventory(hostup_yml(ansible), api_key=KEY, env=env, args=("--graph", "-vvv"))
    assert "HTTP 401" in inventory.stderr
    assert leaks(run.output + json.dumps(run.results) + inventory.output, key_forms_in_any_case(KEY)) == []
    assert all(request["headers"]["X-API-Key"] == KEY for request in hostile.seen)  # it did get the key


# --- what a hostile server sends must not crash the transport -------------------------------------

def endless(stream):
    chunk = b" " * (1024 * 1024)
    try:
        while True:
            stream.write(chunk)
    except OSError:  # the client hung up: what it must do
        pass


def test_endless_nested_and_overflowing_replies_end_in_one_line(ansible, servers):
    flood = servers(replies=[(200, {}, endless)])
    nested = servers(replies=[(200, {}, b"[" * 100000 + b"]" * 100000)])
    huge_wait = servers(replies=[(429, {"Retry-After": "1"}, b'{"message": "slow", "retryAfter": 1%s}' % (b"0" * 400)),
                                 (200, {}, {"success": True, "requestId": "r", "data": {}})])
    run = ansible.playbook([
        failed_task("hostup_vps_info", {"vmid": 10001, "api_url": flood.url}, "flood"),
        failed_task("hostup_vps_info", {"vmid": 10001, "api_url": nested.url}, "nested"),
        failed_task("hostup_vps_info", {"vmid": 10001, "api_url": huge_wait.url}, "huge_wait"),
    ], api_key=KEY)
    assert run.rc == 0, run
    assert "Traceback" not in run.output, run.output[run.output.find("Traceback") - 3000:][:6000]
    assert "reply is larger than 16 MiB" in run.results["flood"]["msg"]
    assert len(flood.seen) == 1  # a reply too large is no accident: not asked for again
    assert "malformed or truncated JSON body" in run.results["nested"]["msg"]
    assert [request["target"] for request in huge_wait.seen][:2] == ["/api/vm/10001/details"] * 2


# --- a careless user -----------------------------------------------------------------------------

def test_a_ca_bundle_that_is_not_there_and_a_huge_api_timeout_are_no_crash(ansible, sim, servers):
    hostile = servers()
    https = hostile.url.replace("http://", "https://")
    run = ansible.playbook([
        failed_task("hostup_vps_info", {"vmid": 10001, "api_url": https}, "ca_bundle"),
        {"hostup.cloud.hostup_vps_info": {"vmid": 10001, "api_timeout": 99999999999}, "register": "forever"},
    ], env={"REQUESTS_CA_BUNDLE": "/nowhere/ca.pem"})
    assert run.rc == 0, run
    message = run.results["ca_bundle"]["msg"]
    assert message.startswith("GET /api/vm/10001/details failed: ") and "/nowhere/ca.pem" in message
    assert "Point REQUESTS_CA_BUNDLE" in message and "Traceback" not in run.output
    assert hostile.seen == []
    assert run.results["forever"]["vps"]["vmid"] == 10001  # plain http to the simulator: no CA bundle read

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

import base64
import binascii
import itertools
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.hostup.cloud.tests.bombs import bomb, encoded, gzip_member
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
    inventory = ansible.inventory(ansible.hostup_yml(api_url=two_faced), api_key=KEY)
    assert "api_url must be the address of the API alone" in inventory.stderr
    assert other_host.seen == [] and sim.requests() == []
    assert leaks(run.output + json.dumps(run.results) + inventory.stdout + inventory.stderr,
                 key_forms_in_any_case(KEY)) == []


# --- a server that echoes the key, in any field and any case ---------------------------------

def encoded_echoes(key):
    """The key as a server may echo it encoded: name -> the text it sends."""
    raw = key.encode()
    return {
        "base64": base64.b64encode(raw).decode(),
        "urlsafe base64 in basic auth": base64.urlsafe_b64encode(b"user:" + raw).decode(),
        "base64 with more after": base64.b64encode(raw + b":x").decode(),
        "hex": binascii.hexlify(raw).decode(),
        "HEX": binascii.hexlify(raw).decode().upper(),
        "fully %-encoded": "".join("%%%02X" % byte for byte in raw),
        "fully %-encoded, lower case": "".join("%%%02x" % byte for byte in raw),
    }


def key_only_parts(key):
    """Pieces of each encoded echo that depend on the key's bytes alone: none may be seen anywhere."""
    raw = key.encode()
    parts = [binascii.hexlify(raw).decode(), "".join("%%%02X" % byte for byte in raw)]
    for offset in range(3):  # base64 of the key after 0, 1 or 2 other bytes: skip the mixed characters
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        parts.append(encoded[4:-4])
        parts.append(encoded[4:-4].replace("+", "-").replace("/", "_"))
    return parts + [part.upper() for part in parts] + [part.lower() for part in parts]


def test_a_key_echoed_in_every_field_and_case_plain_or_encoded_appears_nowhere(ansible, servers):
    echoes = encoded_echoes(KEY)
    replies = [(401, {}, {"error": "Unauthorized", "message": "Invalid key %s (%s)" % (text, name),
                          "code": "K_" + text, "requestId": text})
               for name, text in sorted(echoes.items())]
    # the last reply, forever: the key as is, in every field and case
    replies.append((401, {"X-Echo": KEY}, {"error": "Unauthorized", "message": "Invalid API key %s" % KEY.upper(),
                                           "code": "KEY_" + KEY, "requestId": KEY.lower(), "invoice_id": KEY}))
    hostile = servers(replies=replies)
    env = {"HOSTUP_API_URL": hostile.url}
    run = ansible.playbook([failed_task("hostup_vps_info", {"vmid": 10001}, "info_%d" % number)
                            for number in range(len(echoes))] + [
        failed_task("hostup_vps_info", {"vmid": 10001}, "info"),
        failed_task("hostup_vps_billing_cycle", {"vmid": 10001, "cycle": "annually"}, "cycle")],
        api_key=KEY, env=env, verbosity=4)
    assert run.rc == 0, run
    inventory = ansible.inventory(ansible.hostup_yml(), api_key=KEY, env=env, args=("--graph", "-vvv"))
    assert "HTTP 401" in inventory.stderr
    shown = run.output + json.dumps(run.results) + inventory.output
    for number, name in enumerate(sorted(echoes)):
        message = run.results["info_%d" % number]["msg"]
        assert "HTTP 401 K_" in message and "(%s)" % name in message and "********" in message, message
    assert "HTTP 401" in run.results["info"]["msg"] and "Invalid API key ********" in run.results["info"]["msg"]
    assert [part for part in key_only_parts(KEY) if part in shown] == []
    assert leaks(shown, key_forms_in_any_case(KEY)) == []
    assert all(request["headers"]["X-API-Key"] == KEY for request in hostile.seen)  # it did get the key


# A key may hold Latin-1 letters (normalize_api_key takes them); requests sends the header in
# Latin-1, so a server that echoes the bytes it received encodes those, not the key's UTF-8.
LATIN1_KEY = "Hostile-\xc5\xe4\xf6-Echo-7Qx2"


def wire_echoes(key):
    """The key as a server echoes the header bytes it received: name -> the text it sends."""
    raw = key.encode("latin-1")
    return {
        "base64 of the bytes received": base64.b64encode(raw).decode(),
        "base64 of the header line received": base64.b64encode(b"X-API-Key: " + raw).decode(),
        "hex of the bytes received": binascii.hexlify(raw).decode(),
        "%-encoded bytes received": "".join("%%%02X" % byte for byte in raw),
        "repr of the bytes received": repr(raw),
    }


def test_a_latin1_key_echoed_as_the_bytes_received_appears_nowhere(ansible, servers):
    echoes = wire_echoes(LATIN1_KEY)
    replies = [(401, {}, {"error": "Unauthorized", "message": "Invalid key %s (%s)" % (text, name),
                          "code": "K_" + text, "requestId": text})
               for name, text in sorted(echoes.items())]
    hostile = servers(replies=replies)
    env = {"HOSTUP_API_URL": hostile.url}
    run = ansible.playbook([failed_task("hostup_vps_info", {"vmid": 10001}, "info_%d" % number)
                            for number in range(len(replies))], api_key=LATIN1_KEY, env=env, verbosity=4)
    assert run.rc == 0, run
    # the server got the key's Latin-1 bytes (http.server reads headers as Latin-1)
    assert hostile.seen[0]["headers"]["X-API-Key"] == LATIN1_KEY
    inventory = ansible.inventory(ansible.hostup_yml(), api_key=LATIN1_KEY, env=env, args=("--graph", "-vvv"))
    shown = run.output + json.dumps(run.results) + inventory.output
    for number, name in enumerate(sorted(echoes)):
        message = run.results["info_%d" % number]["msg"]
        assert "HTTP 401 K_" in message and "(%s)" % name in message and "********" in message, message
    raw = LATIN1_KEY.encode("latin-1")
    key_only = [binascii.hexlify(raw).decode(), "".join("%%%02X" % byte for byte in raw), repr(raw)[2:-1]]
    for offset in range(3):
        key_only.append(base64.b64encode(b"\0" * offset + raw).decode()[4:-4])
    assert [part for part in key_only if part.lower() in shown.lower()] == []
    assert leaks(shown, key_forms_in_any_case(LATIN1_KEY)) == []


# A key that is no template, in an inventory file whose values are templates: ansible-core 2.16
# quotes the whole template in its syntax error ("String: ...").
TEMPLATE_LIKE_KEYS = {"statement": "Hostile{%Echo-Key-7Qx2", "expression": "Hostile{{Echo-Key-7Qx2",
                      "comment": "Hostile{#Echo-Key-7Qx2", "undefined": "Hostile{{ Echo }}Key-7Qx2",
                      # ansible-core 2.19 quotes the token it stopped at: here most of the key
                      "token": "Hostile{{ 9f8e7d6c5b4a3Echo-Key-7Qx2"}


@pytest.mark.parametrize("kind", sorted(TEMPLATE_LIKE_KEYS))
def test_a_key_that_fails_to_template_in_the_inventory_file_appears_nowhere(ansible, servers, kind):
    key = TEMPLATE_LIKE_KEYS[kind]
    hostile = servers()
    run = ansible.inventory(ansible.hostup_yml(api_key=key), api_key=None, env={"HOSTUP_API_URL": hostile.url},
                            args=("--graph", "-vvvv"))
    assert "api_key could not be templated" in run.output, run
    assert hostile.seen == []
    assert leaks(run.output + run.log, key_forms_in_any_case(key)) == []
    shown = run.output + run.log
    assert [key[start:start + 6] for start in range(len(key) - 5) if key[start:start + 6] in shown] == []


# ANSIBLE_DEBUG=1 prints every module's arguments, no_log or not (ansible-core's behaviour,
# which the README states beside the advice to use HOSTUP_API_KEY).
def debug_argument_lines(output, key):
    return [line for line in output.splitlines()
            if "_execute_module (hostup.cloud.hostup_vps_info, {" in line and "'api_key': '%s'" % key in line]


def test_ansible_debug_shows_a_key_given_as_module_argument_and_not_one_from_hostup_api_key(ansible, servers):
    hostile = servers(replies=[(401, {}, {"message": "Invalid key %s" % KEY, "requestId": KEY})])
    options = {"vmid": 10001, "api_url": hostile.url}
    task = failed_task("hostup_vps_info", options, "info")
    from_environment = ansible.playbook([task], api_key=KEY, env={"ANSIBLE_DEBUG": "1"})
    assert from_environment.rc == 0, from_environment
    assert "_execute_module (hostup.cloud.hostup_vps_info" in from_environment.output  # debug output is on
    assert leaks(from_environment.output + json.dumps(from_environment.results), key_forms_in_any_case(KEY)) == []
    as_argument = failed_task("hostup_vps_info", dict(options, api_key=KEY), "info")
    from_argument = ansible.playbook([as_argument], api_key=None, env={"ANSIBLE_DEBUG": "1"})
    assert from_argument.rc == 0, from_argument
    assert debug_argument_lines(from_argument.output, KEY) != []  # if this fails, update the README's key section


# --- HostUp's text is data: nothing in it acts on the terminal ----------------------------------------

# a forged result line, a cleared line, colours, a window title, a right-to-left override,
# a C1 control sequence introducer, a line separator, DEL, a zero-width space
FORGED = "Nekad\r\n\x1b[2K\x1b[32mok: [web-1] => paid\x1b[0m\n\u202eKO\u202c \x9b31m\u2028x\x7f\u200b"
FORGED_SHOWN = ("Nekad  \\x1b[2K\\x1b[32mok: [web-1] => paid\\x1b[0m \\u202eKO\\u202c \\x9b31m x\\x7f\\u200b")
TITLE = "E\x1b]0;pwned\x07"
RAW_CONTROLS = ("\x1b", "\r", "\x07", "\x7f", "\x9b", "\u202e", "\u202c", "\u2028", "\u200b")


def raw_controls(text):
    return [char for char in RAW_CONTROLS if char in text]


def forged_lines(text):
    return [line for line in text.splitlines() if line.lstrip().startswith("ok: [web-1]")]


def test_hostile_text_from_hostup_reaches_the_output_only_escaped(ansible, sim, servers):
    error_reply = {"error": "Bad Request", "message": FORGED, "code": TITLE, "requestId": "r\r\x1b[1A\u202e",
                   "existing_invoice": False, "invoice_status": "\u202ePaid"}
    hostile = {
        "error": servers(replies=[(400, {}, error_reply)]),
        "rate_limited": servers(replies=[(429, {"Retry-After": "30"}, {"message": FORGED, "code": TITLE})]),
        "success_false": servers(replies=[(200, {}, {"success": False, "message": FORGED, "requestId": "r2"})]),
        # a lone surrogate (valid JSON, no valid UTF-8) failed the task on ansible-core 2.19, losing its
        # result: it is read as U+FFFD, the character for text that cannot be read
        "surrogate": servers(replies=[(400, {}, b'{"message": "half \\ud800 a pair", "code": "X\\udfff",'
                                                b' "requestId": "r-\\ud83d"}')]),
    }
    sim.add_fault("order", "patch", vmid=10001, times=None, skip=True, data={"success": False, "message": FORGED})
    sim.add_fault("estimate", "patch", vmid=10002, times=None, data={"prorated": FORGED})
    tasks = [failed_task("hostup_vps_info", {"vmid": 10001, "api_url": server.url, "rate_limit_wait": 0}, name)
             for name, server in sorted(hostile.items())]
    tasks += [failed_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "ordered"),
              failed_task("hostup_vps_upgrade", {"vmid": 10002, "package": "1938"}, "estimated")]
    for verbosity in (0, 3):
        # each run orders afresh (a ledger of its own): the order's forged answer is shown at each verbosity
        run = ansible.playbook(tasks, verbosity=verbosity,
                               env={"HOSTUP_STATE_DIR": str(ansible.workdir / ("state-%d" % verbosity))})
        assert run.rc == 0, run
        assert "Traceback" not in run.output, run.output[run.output.find("Traceback") - 3000:][:6000]
        assert raw_controls(run.output) == [] and forged_lines(run.output) == [], run
        results = run.results
        for name in ("error", "rate_limited", "success_false", "ordered"):
            assert FORGED_SHOWN in results[name]["msg"], (name, results[name]["msg"])
        assert "(prorated Nekad  \\x1b[2K\\x1b[32mok: [web)" in results["estimated"]["msg"]  # quoted cut short
        assert "HTTP 400 E\\x1b]0;pwned\\x07: " in results["error"]["msg"]
        assert "(requestId r \\x1b[1A\\u202e)" in results["error"]["msg"]
        assert "half \ufffd a pair" in results["surrogate"]["msg"] and "X\ufffd" in results["surrogate"]["msg"]
        # api_error is data: HostUp's text as sent, but nothing in it a terminal acts on where JSON does not escape it
        api_error = results["error"]["api_error"]
        assert api_error["message"] == ("Nekad\r\n\x1b[2K\x1b[32mok: [web-1] => paid\x1b[0m\n\\u202eKO\\u202c "
                                        "\\x9b31m\\u2028x\\x7f\\u200b")
        assert api_error["code"] == TITLE and api_error["request_id"] == "r\r\x1b[1A\\u202e"
        assert api_error["details"] == {"existing_invoice": False, "invoice_status": "\\u202ePaid"}
        assert results["error"]["request_ids"] == ["r\r\x1b[1A\\u202e"]
        assert results["surrogate"]["api_error"]["message"] == "half \ufffd a pair"
        assert results["surrogate"]["request_ids"] == ["r-\ufffd"]
    assert len(sim.requests("order")) == 2  # one a run; the estimate over budget ordered nothing


# --- what a hostile server sends, as sent and as decoded, whatever urllib3 is installed ---------------

def written(piece, megabytes=None):
    """A body that writes ``piece`` (1 MiB) again and again, ``megabytes`` times or until the client hangs up."""
    def write(stream):
        try:
            for _megabyte in itertools.repeat(None, megabytes) if megabytes else itertools.repeat(None):
                stream.write(piece)
        except OSError:  # the client hung up: what it must do
            pass
    return write


LONG = 100 * 1000


@pytest.mark.parametrize("field", ["code", "requestId", "message", "error"])
def test_a_very_long_field_of_an_error_keeps_the_error_line_short(ansible, servers, field):
    reply = {"error": "Bad Request", "message": "Nope", "code": "BAD", "requestId": "r-1"}
    reply[field] = "%sSTART %s %sEND" % (field, "x" * LONG, field)
    if field == "error":
        del reply["message"]  # error is quoted where message is missing
    hostile = servers(replies=[(400, {}, reply)])
    run = ansible.playbook([failed_task("hostup_vps_info", {"vmid": 10001, "api_url": hostile.url}, "info")],
                           api_key=KEY)
    assert run.rc == 0, run.stderr[-2000:]
    message = run.results["info"]["msg"]
    assert message.startswith("GET /api/vm/10001/details failed: HTTP 400"), message[:300]
    assert "%sSTART" % field in message and len(message) < 2500, len(message)
    inventory = ansible.inventory(ansible.hostup_yml(), api_key=KEY, env={"HOSTUP_API_URL": hostile.url},
                                  args=("--graph",))
    assert "%sSTART" % field in inventory.stderr and len(inventory.stderr) < 12000, inventory.stderr[:3000]


# --- the size of a reply, as sent and as decoded, whatever urllib3 is installed -------------------

MIB = 1024 * 1024
endless = written(b" " * MIB)
chunked_without_end = written(b"%x\r\n%s\r\n" % (MIB, b" " * MIB))
# a chunk-size line that never ends: urllib3 1.26 read it whole into memory
chunk_size_line_without_end = written(b"1" * MIB, megabytes=512)


def shorter_than_said(stream):
    stream.write(json.dumps({"success": True, "requestId": "r", "data": {"id": "forged"}}).encode())


# issue 17: 1.8 KB that inflate to 1 GiB (64 whole gzip members of 16 MiB, in gzip again)
GZIP_GZIP_BOMB = (200, {"Content-Encoding": "gzip, gzip"}, encoded(gzip_member() * 64, "gzip"))
ENDLESS_CHUNK_LINE = (200, {"Transfer-Encoding": "chunked", "Connection": "close"}, chunk_size_line_without_end)


def test_endless_nested_overflowing_bombs_and_broken_bodies_end_in_one_line(ansible, servers):
    hostile = {
        "flood": servers(replies=[(200, {}, endless)]),
        "nested": servers(replies=[(200, {}, b"[" * 100000 + b"]" * 100000)]),
        "huge_wait": servers(replies=[(429, {"Retry-After": "1"}, b'{"message": "slow", "retryAfter": 1%s}'
                                       % (b"0" * 400)), (200, {}, {"success": True, "requestId": "r", "data": {}})]),
        "gzip_bomb": servers(replies=[GZIP_GZIP_BOMB]),
        "deflate_bomb": servers(replies=[(200, {"Content-Encoding": "deflate"}, bomb("raw-deflate", 1024))]),
        "brotli": servers(replies=[(200, {"Content-Encoding": "br"}, b"\x8b\x02\x80{}\x03")]),
        "chunked": servers(replies=[(200, {"Transfer-Encoding": "chunked", "Connection": "close"},
                                     chunked_without_end)]),
        "chunk_line": servers(replies=[ENDLESS_CHUNK_LINE]),
        "short": servers(replies=[(200, {"Content-Length": "900", "Connection": "close"}, shorter_than_said)]),
    }
    run = ansible.playbook([failed_task("hostup_vps_info", {"vmid": 10001, "api_url": server.url}, name)
                            for name, server in sorted(hostile.items())], api_key=KEY)
    assert run.rc == 0, run
    assert "Traceback" not in run.output, run.output[run.output.find("Traceback") - 3000:][:6000]
    messages = dict((name, run.results[name].get("msg")) for name in hostile)
    for name in ("flood", "gzip_bomb", "deflate_bomb", "chunked"):  # no accident: not asked for again
        assert "HTTP 200: HostUp's reply is larger than 16 MiB" in messages[name], messages[name]
        assert len(hostile[name].seen) == 1
    assert "malformed or truncated JSON body" in messages["nested"]
    assert [request["target"] for request in hostile["huge_wait"].seen][:2] == ["/api/vm/10001/details"] * 2
    assert "HostUp's reply is encoded as 'br', which is not read (only gzip, deflate is asked for)" \
        in messages["brotli"]
    for name in ("chunk_line", "short"):  # the network, maybe: asked again, then reported
        assert "HTTP 200: HostUp's reply broke off after" in messages[name], messages[name]
        assert len(hostile[name].seen) == 3
    assert "forged" not in json.dumps(run.results["short"])
    assert all(seen["headers"].get("Accept-Encoding") == "gzip, deflate"
               for server in hostile.values() for seen in server.seen)


CLIENT_PEAK_RSS = """
import json, resource, sys
from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.transport import HostUpClient
import urllib3
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    HostUpClient(sys.argv[1], "rss-probe-key", timeout=120).get("/api/vm/10001/details")
    reason = None
except HostUpError as error:
    reason = error.reason
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"reason": reason, "grew_mib": grew // 1024, "urllib3": urllib3.__version__}))
"""


@pytest.mark.parametrize("reply, reason", [(GZIP_GZIP_BOMB, "transport.too_large"),
                                           (ENDLESS_CHUNK_LINE, "transport.cut_short")],
                         ids=["gzip, gzip bomb", "endless chunk-size line"])
def test_a_bomb_grows_the_process_by_little_more_than_the_cap(ansible, servers, reply, reason):
    # the client in a process of its own, with the urllib3 installed here: with urllib3 1.26
    # the bomb took 2 GiB and the endless line all it was sent
    hostile = servers(replies=[reply])
    probe = subprocess.run([sys.executable, "-c", CLIENT_PEAK_RSS, hostile.url], check=True, timeout=300,
                           env=dict(os.environ, PYTHONPATH=ansible.collections_path),
                           stdout=subprocess.PIPE, universal_newlines=True)
    measured = json.loads(probe.stdout)
    assert measured["reason"] == reason and measured["grew_mib"] < 80, measured


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


def test_an_https_api_url_answered_in_plain_http_names_the_mismatch_not_the_ca_bundle(ansible, servers):
    plain = servers()
    https = plain.url.replace("http://", "https://")
    run = ansible.playbook([failed_task("hostup_vps_info", {"vmid": 10001, "api_url": https}, "mismatch"),
                            failed_task("hostup_vps_billing_cycle", {"vmid": 10001, "cycle": "annually",
                                                                     "api_url": https}, "order")], api_key=KEY)
    assert run.rc == 0, run
    for name in ("mismatch", "order"):
        result = run.results[name]
        assert result["reason"] == "transport.tls_plain_http", result
        assert "speaks plain http at that port" in result["msg"] and "http://" in result["msg"]
        assert "Point REQUESTS_CA_BUNDLE" not in result["msg"] and "\n" not in result["msg"]
    assert run.results["order"]["outcome"]["status"] == "refused"  # never reached a server: nothing ordered
    assert plain.seen == []  # the TLS hello is no request the server could answer
    assert "Traceback" not in run.output

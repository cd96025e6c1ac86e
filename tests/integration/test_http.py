# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport over real HTTP: the key goes to api_url's host and nowhere else.

Redirects and proxies point at recording servers on other loopback addresses
(127.0.0.2) or ports, which must see nothing at all; keys, deadlines, 429s and
hints are tried through real ansible-playbook runs against the simulator.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import email.utils
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.hostup.cloud.tests.leaks import leaks
from ansible_collections.hostup.cloud.tests.simulator import hostup_simulator

FLEET = 20001  # the session simulator's fleet starts here


class _RecordingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append({"method": self.command, "target": self.path, "headers": dict(self.headers),
                                 "body": body.decode("latin-1")})
        answer = json.dumps({"success": True, "requestId": "recorder", "data": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_CONNECT = _record

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


class Recorder(ThreadingHTTPServer):
    """A server the collection must never reach (another host, a proxy): records every request."""
    daemon_threads = True

    def __init__(self, host):
        ThreadingHTTPServer.__init__(self, (host, 0), _RecordingHandler)
        self.seen = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, scheme="http"):
        return "%s://%s:%d" % (scheme, self.server_address[0], self.server_address[1])


@pytest.fixture
def elsewhere():
    """A recorder on another loopback host (127.0.0.2) and one on another port of 127.0.0.1."""
    servers = {"host": Recorder("127.0.0.2"), "port": Recorder("127.0.0.1")}
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


def failed_task(module, args, register):
    return {"name": register, "hostup.cloud." + module: args, "register": register, "ignore_errors": True}


# --- 1. redirects --------------------------------------------------------------------

def test_no_redirect_is_followed_for_a_read_or_an_order(ansible, sim, elsewhere):
    other_host, other_port = elsewhere["host"], elsewhere["port"]
    targets = {301: other_host.url(), 302: other_host.url("https"), 307: other_port.url(), 308: other_host.url()}
    cases = []
    for index, (status, target) in enumerate(sorted(targets.items())):
        read_vmid, order_vmid = FLEET + 2 * index, FLEET + 2 * index + 1
        for call, vmid, module, args in (
                ("details", read_vmid, "hostup_vps_info", {"vmid": read_vmid}),
                ("change_billing_cycle", order_vmid, "hostup_vps_billing_cycle", {"vmid": order_vmid,
                                                                                  "cycle": "annually"})):
            location = "%s/api/vm/%d/%s?from=redirect" % (target, vmid, "details" if call == "details" else
                                                          "billing-cycle")
            sim.add_fault(call, "redirect", vmid=vmid, times=None, status=status, location=location)
            cases.append((status, call, vmid, location.split("?")[0], failed_task(module, args, "r%d" % vmid)))
    run = ansible.playbook([case[-1] for case in cases])
    assert run.rc == 0, run
    for status, call, vmid, where, _task in cases:
        result = run.results["r%d" % vmid]
        assert result["failed"] is True, (status, call, result)
        assert "HTTP %d" % status in result["msg"]
        assert "redirect to %s, which is not followed" % where in result["msg"], result["msg"]
        assert len(sim.requests(call=call, vmid=vmid)) == 1  # sent once, never again
    assert other_host.seen == [] and other_port.seen == []
    assert all(sim.state(case[2])["cycle"] == "m" for case in cases if case[1] == "change_billing_cycle")


# --- 2. proxies -------------------------------------------------------------------------

def test_plain_http_to_the_simulator_never_goes_through_the_environments_proxy(ansible, sim, elsewhere):
    proxy = elsewhere["host"].url()
    env = dict((name, proxy) for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"))
    env.update({"NO_PROXY": "", "no_proxy": ""})
    run = ansible.playbook([{"hostup.cloud.hostup_vps_info": {"vmid": 10001}, "register": "info"}], env=env)
    assert run.rc == 0, run
    assert run.results["info"]["vps"]["vmid"] == 10001
    assert elsewhere["host"].seen == []
    assert [(r["call"], r["auth"]) for r in sim.requests()] == [("details", "x-api-key"),
                                                                ("billing_cycle", "x-api-key")]


# --- 3. keys -----------------------------------------------------------------------------

ODD_KEY = 'odd+key/5e="q\\9f-\u00e9-71c0'


@pytest.fixture(scope="module")
def odd_key_server():
    server = hostup_simulator.SimulatorServer(hostup_simulator.Simulator(api_keys=[ODD_KEY])).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_newline_terminated_key_works_and_appears_nowhere_at_vvvv(ansible_factory, odd_key_server, tmp_path):
    sim = odd_key_server.simulator
    sim.reset()
    broken = "broken-key-4d1e\nsecond-line-8a2b"
    ansible = ansible_factory(odd_key_server, tmp_path, api_key=ODD_KEY + "\n")
    play = {"hosts": "localhost", "gather_facts": False,
            "vars": {"vault_hostup_api_key": ODD_KEY + "\n", "broken_key": broken}}
    tasks = [
        {"hostup.cloud.hostup_vps_info": {"vmid": 10001}, "register": "from_env"},
        {"hostup.cloud.hostup_vps_billing_cycle": {"vmid": 10001, "cycle": "annually",
                                                   "api_key": "{{ vault_hostup_api_key }}"}, "register": "from_var"},
        failed_task("hostup_vps_info", {"vmid": 10001, "api_key": "{{ broken_key }}"}, "broken"),
        failed_task("hostup_vps_info", {"vmid": 99999}, "unknown_vmid"),
    ]
    run = ansible.playbook(tasks, play=play, verbosity=4)
    assert run.rc == 0, run
    assert run.results["from_env"]["vps"]["vmid"] == 10001
    assert run.results["from_var"]["changed"] is True and sim.state(10001)["cycle"] == "a"
    assert "api_key contains a character that an HTTP header cannot carry" in run.results["broken"]["msg"]
    assert "No such VPS" in run.results["unknown_vmid"]["msg"]
    assert run.log, "ANSIBLE_LOG_PATH was not written"
    assert leaks(run.output + json.dumps(run.results, ensure_ascii=False),
                 [ODD_KEY, ODD_KEY + "\n", broken, "broken-key-4d1e", "second-line-8a2b"]) == []
    assert set(r["auth"] for r in sim.requests()) == set(["x-api-key"])
    assert all(r["status"] in (200, 404) for r in sim.requests())


# --- 4. api_timeout is a deadline ----------------------------------------------------------

def test_a_trickling_answer_ends_at_api_timeout_and_an_order_is_not_sent_again(ansible, sim):
    sim.add_fault("details", "trickle", vmid=10001, times=None, interval=2)
    sim.add_fault("change_billing_cycle", "trickle", vmid=10002, times=None, interval=2)
    run = ansible.playbook([
        failed_task("hostup_vps_info", {"vmid": 10001, "api_timeout": 3}, "read"),
        failed_task("hostup_vps_billing_cycle", {"vmid": 10002, "cycle": "annually", "api_timeout": 3}, "order"),
    ])
    assert run.rc == 0, run
    assert "did not answer within 3 s (api_timeout), 3 attempts" in run.results["read"]["msg"]
    assert run.results["read"]["reason"] == "transport.read_timeout"
    assert len(sim.requests(call="details", vmid=10001)) == 3  # a read is tried again
    assert "did not answer within 3 s (api_timeout), 1 attempt" in run.results["order"]["msg"]
    assert run.results["order"]["api_error"]["message"].startswith("HostUp did not answer within 3 s")
    assert "is unknown" in run.results["order"]["msg"]
    assert len(sim.ordering_requests(vmid=10002)) == 1  # an order is not


# --- 5. 429 --------------------------------------------------------------------------------

def test_429_answers_of_every_shape_are_waited_out_or_refused_without_a_traceback(ansible, sim):
    soon = email.utils.format_datetime(datetime.datetime.now(tz=datetime.timezone.utc)
                                       + datetime.timedelta(seconds=1), usegmt=True)
    sim.add_fault("details", "rate_limit", vmid=FLEET, retry_after="nan")
    sim.add_fault("details", "rate_limit", vmid=FLEET + 1, retry_after=soon)
    sim.add_fault("change_billing_cycle", "rate_limit", vmid=FLEET + 2, retry_after="-5")
    sim.add_fault("details", "rate_limit", vmid=FLEET + 3, retry_after=1)
    run = ansible.playbook([
        failed_task("hostup_vps_info", {"vmid": FLEET}, "nan"),
        failed_task("hostup_vps_info", {"vmid": FLEET + 1}, "http_date"),
        failed_task("hostup_vps_billing_cycle", {"vmid": FLEET + 2, "cycle": "annually"}, "negative_order"),
        failed_task("hostup_vps_info", {"vmid": FLEET + 3, "rate_limit_wait": 0}, "no_wait"),
    ])
    assert run.rc == 0, run
    assert "Traceback" not in run.output
    for name, vmid in (("nan", FLEET), ("http_date", FLEET + 1)):
        assert run.results[name].get("failed") is not True, run.results[name]
        assert [r["status"] for r in sim.requests(call="details", vmid=vmid)] == [429, 200]
    assert run.results["negative_order"]["changed"] is True
    assert [r["status"] for r in sim.requests(call="change_billing_cycle", vmid=FLEET + 2)] == [429, 200]
    assert "rate_limit_wait is 0" in run.results["no_wait"]["msg"]
    assert len(sim.requests(vmid=FLEET + 3)) == 1


# --- 6. hints ---------------------------------------------------------------------------------

def test_404s_and_403s_say_what_to_check(ansible, sim):
    run = ansible.playbook([
        failed_task("hostup_vps_info", {"vmid": 10001, "api_url": ansible.server.url + "/api"}, "route"),
        failed_task("hostup_vps_upgrade", {"vmid": 10001, "draft_id": 424242}, "draft"),
        failed_task("hostup_vps_info", {"vmid": 99999}, "vps"),
        dict(failed_task("hostup_vps_upgrade", {"vmid": 10002, "package": "1938", "api_key": "readonly-key"},
                         "price"), check_mode=True),
        dict(failed_task("hostup_vps_upgrade", {"vmid": 10002, "package": "9999"}, "package"), check_mode=True),
        failed_task("hostup_vps_upgrade", {"vmid": 10002, "resources": {"9999": 1}}, "option"),
    ])
    assert run.rc == 0, run
    results = run.results
    assert "No such route: check api_url" in results["route"]["msg"] and "vmid" not in results["route"]["msg"]
    assert sim.requests()[0]["path"] == "/api/api/vm/10001/details"
    assert "No such draft: check draft_id" in results["draft"]["msg"] and "vmid" not in results["draft"]["msg"]
    assert "No such VPS: check vmid" in results["vps"]["msg"]
    assert "HTTP 403" in results["price"]["msg"] and "pricing a change" in results["price"]["msg"]
    assert "write:billing" in results["price"]["msg"] and "to order" not in results["price"]["msg"]
    for name in ("package", "option"):  # HostUp's 400 names no id: the line says where valid ids come from
        assert results[name]["reason"] == "estimate.unknown_ids", results[name]
        assert "HTTP 400" in results[name]["msg"] and "hostup_vps_info" in results[name]["msg"]
        assert results[name]["outcome"]["status"] == "refused"
    assert sim.ordering_requests() == []

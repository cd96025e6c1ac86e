# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup_vps_info and the common options, through ansible-playbook and ansible."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import RUNNER_KEY
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import SENSITIVE_VALUES

INFO = {"name": "Read the VPS", "hostup.cloud.hostup_vps_info": {"vmid": 10001}, "register": "info"}


def test_info_returns_plan_and_billing_from_two_reads(ansible, sim):
    run = ansible.playbook([INFO])  # the runner sets only HOSTUP_API_KEY and HOSTUP_API_URL: the environment suffices
    assert run.rc == 0, run
    info = run.results["info"]
    assert info["changed"] is False
    assert info["vps"]["product_id"] == "1937" and info["vps"]["product_name"] == "VPS SM"
    assert info["vps"]["cycle"] == "monthly" and info["vps"]["disk"] == 40
    assert info["billing"]["cycles"] == [{"cycle": "monthly", "price": 139.0, "current": True},
                                         {"cycle": "annually", "price": 1390.0, "current": False}]
    assert info["billing"]["pending_invoice"] is None
    requests = sim.requests()
    assert [(r["method"], r["path"]) for r in requests] == [
        ("GET", "/api/vm/10001/details"), ("GET", "/api/vm/10001/billing-cycle")]
    assert info["request_ids"] == [r["request_id"] for r in requests]
    assert all(r["user_agent"].startswith("hostup.cloud/") and r["auth"] == "x-api-key" for r in requests)


def test_info_reports_a_pending_invoice_instead_of_failing(ansible, sim):
    invoice = sim.leave_invoice_unpaid(10004, total=42.0)
    run = ansible.playbook([dict(INFO, **{"hostup.cloud.hostup_vps_info": {"vmid": 10004}})])
    assert run.rc == 0, run
    assert run.results["info"]["billing"]["pending_invoice"] == {
        "invoice_id": str(invoice["id"]), "order_id": str(invoice["order_id"]), "total": 42.0, "status": "Unpaid"}
    assert run.results["info"]["billing"]["cycle"] == "monthly"


def test_module_defaults_group_sets_the_key_for_every_module(ansible, sim, api_key):
    play = {"hosts": "localhost", "gather_facts": False,
            "module_defaults": {"group/hostup.cloud.all": {"api_key": api_key, "api_url": ansible.server.url}}}
    tasks = [INFO,
             {"hostup.cloud.hostup_vps_billing_cycle": {"vmid": 10003, "cycle": "annually"}, "register": "cycle"},
             {"hostup.cloud.hostup_vps_upgrade": {"vmid": 10003, "package": "1938"}, "register": "upgrade"}]
    run = ansible.playbook(tasks, play=play, api_key=None, env={"HOSTUP_API_URL": "https://nowhere.invalid"})
    assert run.rc == 0, run
    assert run.results["info"]["vps"]["vmid"] == 10001
    assert run.results["cycle"]["changed"] is False and run.results["upgrade"]["changed"] is False
    assert len(sim.requests()) == 5


def test_a_missing_key_fails_before_any_request(ansible, sim):
    run = ansible.playbook([INFO], api_key=None)
    assert run.rc != 0
    assert "api_key is not set: set the HOSTUP_API_KEY environment variable" in run.output
    assert "missing required arguments" not in run.output
    assert sim.requests() == []


@pytest.mark.parametrize("module, args, key, words, sent", [
    ("info", "vmid=10001", "not-the-key", ["GET /api/vm/10001/details failed: HTTP 401 UNAUTHORIZED: Authentication "
                                           "required", "(requestId ", "Check api_key"], [("details", 401)]),
    ("upgrade", "vmid=10001 package=1938", "readonly-key", ["POST /api/vm/10001/upgrade failed: HTTP 403 FORBIDDEN",
                                                            "write:billing"],
     [("details", 200), ("billing_cycle", 200), ("estimate", 403)]),  # a read-only key cannot order
    # plain http to another host: refused before the key is sent
    ("info", "vmid=10001 api_url=http://hostup.example.net", RUNNER_KEY,
     ["api_url uses plain http to hostup.example.net"], []),
    ("info", "vmid=10001 api_url=http://127.0.0.1:9", RUNNER_KEY, [
        "GET /api/vm/10001/details failed: could not connect to http://127.0.0.1:9 (connection refused or host not "
        "found)", "Check api_url and the network"], []),
])
def test_a_wrong_or_read_only_key_or_a_bad_api_url_fails_ad_hoc_in_one_actionable_line(ansible, sim, module, args,
                                                                                       key, words, sent):
    run = ansible.adhoc("hostup.cloud.hostup_vps_" + module, args, api_key=key)
    assert run.rc != 0 and "Traceback" not in run.output
    message = run.results["adhoc"]["msg"]
    assert message.startswith(words[0]) and [word for word in words if word not in message] == [], message
    assert sim.ordering_requests() == [] and [(r["call"], r["status"]) for r in sim.requests()] == sent
    if key == "not-the-key":
        assert run.results["adhoc"]["api_error"]["status"] == 401


def test_adhoc_info_prints_the_vps(ansible, sim):
    run = ansible.adhoc("hostup.cloud.hostup_vps_info", "vmid=10003")
    assert run.rc == 0, run
    assert run.results["adhoc"]["vps"]["product_name"] == "VPS MD"
    assert run.results["adhoc"]["billing"]["cycle"] == "annually"


def test_the_api_key_never_appears_even_at_vvvv(ansible, sim, api_key):
    run = ansible.playbook([INFO, {"hostup.cloud.hostup_vps_upgrade": {"vmid": 10001, "resources": {"2232": 60}},
                                   "register": "up"}], verbosity=4, diff=True)
    assert run.rc == 0, run
    assert_no_leak(run.output, api_key, *SENSITIVE_VALUES)

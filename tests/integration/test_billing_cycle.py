# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup_vps_billing_cycle through ansible-playbook against the simulator."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import module_task, write_local_inventory

# Each test runs twice: against the simulator's default answers, and with every optional field left out.
pytestmark = pytest.mark.documented_only_too


def switch(cycle, vmid=10001, register="switch", ignore_errors=False):
    return module_task("hostup_vps_billing_cycle", {"vmid": vmid, "cycle": cycle}, register, ignore_errors)


def test_check_mode_prices_the_switch_the_real_run_switches_once_and_a_rerun_changes_nothing(ansible, sim):
    run = ansible.playbook([switch("annually")], check=True, diff=True)
    assert run.rc == 0, run
    result = run.results["switch"]
    assert result["changed"] is True
    assert (result["previous_cycle"], result["cycle"], result["price"]) == ("monthly", "annually", 1390.0)
    # a year ahead minus the half month already paid
    assert result["estimate"]["prorated"] == 1320.5 and result["estimate"]["recurring"] == 1390.0
    assert [(r["method"], r["call"]) for r in sim.requests()] == [("GET", "billing_cycle"), ("POST", "estimate")]
    assert sim.requests(call="estimate")[0]["body"] == {"send": False, "cycle": "a"}
    assert sim.ordering_requests() == []
    assert '-    "cycle": "monthly"' in run.stdout and '+    "cycle": "annually"' in run.stdout

    sim.clear_requests()
    run = ansible.playbook([switch("annually")], diff=True)
    assert run.rc == 0, run
    result = run.results["switch"]
    assert result["changed"] is True and result["cycle"] == "annually"
    assert result["message"] == "Billing cycle changed successfully"
    assert result["info"] == ["Account #10001 changes saved"]
    assert [r["body"] for r in sim.ordering_requests()] == [{"cycle": "a"}]
    assert sim.state(10001)["cycle"] == "a"

    assert [r["call"] for r in sim.requests()][:3] == ["billing_cycle", "estimate", "change_billing_cycle"]
    sim.clear_requests()
    rerun = ansible.playbook([switch("annually")])
    assert rerun.rc == 0 and rerun.results["switch"]["changed"] is False
    assert [r["call"] for r in sim.requests()] == ["billing_cycle"]


@pytest.mark.seed_only  # mode-invariant: an error reply
def test_the_swedish_500_reaches_the_user_as_sent_and_is_not_retried(ansible, sim):
    sim.add_fault("change_billing_cycle", "status", vmid=10003, status=500)
    run = ansible.playbook([switch("monthly", vmid=10003, ignore_errors=True)])
    result = run.results["switch"]
    assert result["failed"] is True
    assert "HTTP 500 INTERNAL_ERROR: Kunde inte uppdatera faktureringsperioden." in result["msg"]
    assert "ändringen har inte sparats" in result["msg"]
    assert "(requestId %s)" % sim.ordering_requests()[0]["request_id"] in result["msg"]
    assert "Check the VPS" in result["msg"]
    assert len(sim.ordering_requests()) == 1
    assert "Traceback" not in run.output


@pytest.mark.seed_only  # mode-invariant: refused before any estimate
def test_a_pending_invoice_blocks_the_switch(ansible, sim):
    invoice = sim.leave_invoice_unpaid(10004)
    run = ansible.playbook([switch("annually", vmid=10004, ignore_errors=True)])
    result = run.results["switch"]
    assert result["failed"] is True
    assert "unpaid invoice %s" % invoice["id"] in result["msg"]
    assert sim.ordering_requests() == []


def test_switching_a_group_to_annual_billing(ansible, sim, tmp_path):
    inventory = write_local_inventory(tmp_path / "hosts.json", {"group": dict(
        ("web%d" % n, {"hostup_vmid": 10000 + n}) for n in (1, 2, 3))})
    play = {"hosts": "all", "gather_facts": False}
    task = {"hostup.cloud.hostup_vps_billing_cycle": {"vmid": "{{ hostup_vmid }}", "cycle": "annually"},
            "register": "switch"}
    run = ansible.playbook([task], play=play, inventory=inventory)
    assert run.rc == 0, run
    task_output = run.stdout.split("TASK [")[1]
    assert "changed: [web1]" in task_output and "changed: [web2]" in task_output and "ok: [web3]" in task_output
    assert sorted(r["vmid"] for r in sim.ordering_requests()) == [10001, 10002]  # 10003 is already annual

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attacks on the money-safety promise (issue 10) that broke it: a user's odd input or a hostile
HostUp reply, over HTTP with real ansible-playbook. Each asserts what was ordered and what the user saw."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import module_task
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import SENSITIVE_VALUES

# Each test runs twice: against the simulator's default answers, and with every optional field left out.
pytestmark = pytest.mark.documented_only_too


def upgrade(register="up", **options):
    return module_task("hostup_vps_upgrade", options, register, ignore_errors=True)


def quote(ansible, **options):
    """A check-mode estimate's draft id: what a person approves before ordering it by draft_id."""
    run = ansible.playbook([module_task("hostup_vps_upgrade", dict(options, vmid=10001), "quote")], check=True)
    return run.results["quote"]["estimate"]["draft_id"]


def refused(run, sim, words, api_key, status="refused"):
    """Nothing was ordered; ``status`` "unknown" where HostUp's answer says it may have ordered anyway."""
    result = run.results["up"]
    assert result["failed"] is True and result["outcome"]["status"] == status, result
    assert result["changed"] is (status == "unknown")
    assert words in result["msg"], result["msg"]
    assert "Traceback" not in run.output
    assert_no_leak(run.output, api_key, *SENSITIVE_VALUES)
    assert sim.ordering_requests() == []
    assert (sim.state(10001)["product_id"], sim.state(10001)["cycle"]) == ("1937", "m")


@pytest.mark.seed_only  # mode-invariant: the wait
def test_package_with_resources_applied_later_is_waited_for_and_not_ordered_again(ansible, sim):
    sim.apply_delay = 8
    task = upgrade(vmid=10001, package="1938", resources={"2404": 8})  # one above the 7 included
    run = ansible.playbook([task])
    assert run.results["up"]["changed"] is True, run
    state = sim.state(10001)  # the task returned only once HostUp showed the package and the backups
    assert (state["product_id"], state["resources"]["2404"]) == ("1938", 8)
    assert run.results["up"]["applied"] is True  # backups are a count: a free estimate of them shows them
    rerun = ansible.playbook([task])
    assert rerun.results["up"]["changed"] is False and not rerun.results["up"].get("failed"), rerun
    assert len(sim.ordering_requests()) == 1


@pytest.mark.seed_only  # mode-invariant: the totals are patched in
@pytest.mark.parametrize("patch, words", [
    ({"raw.draft.price.total": "1e309"}, "draft's order total 1e309"),
    ({"raw.draft.price.total": "60,00"}, "draft's order total 60,00"),
    ({"raw.draft.price.total": None, "raw.draft.price.setup": "1e309"}, "setup fee 1e309"),
    ({"raw.draft.price.total": None, "raw.draft.price.setup": "abc"}, "setup fee abc"),
    ({"total": "Infinity"}, "total Infinity"),
    ({"total": "5000.00"}, "5000.00 due now is more than max_prorated 100.00"),
])
def test_an_unreadable_or_larger_order_total_never_passes_the_budget(ansible, sim, api_key, patch, words):
    sim.add_fault("estimate", "patch", vmid=10001, data=patch)
    run = ansible.playbook([upgrade(vmid=10001, package="1938", max_prorated=100)])
    refused(run, sim, words, api_key, "over_budget")
    assert run.results["up"]["msg"].startswith("Over budget, nothing was ordered")


@pytest.mark.seed_only  # mode-invariant: the draftId is patched in
@pytest.mark.parametrize("draft_id", [True, 0, -5, 5257.5, "5257"])
def test_an_estimate_without_a_whole_positive_draft_id_is_never_ordered(ansible, sim, api_key, draft_id):
    sim.add_fault("estimate", "patch", vmid=10001, data={"draftId": draft_id})
    run = ansible.playbook([upgrade(vmid=10001, package="1938")])
    if draft_id == "5257":  # the id as a string of digits is that id
        assert run.results["up"]["changed"] is True and len(sim.ordering_requests()) == 1
        assert sim.ordering_requests()[0]["body"] == {"send": True, "draftId": 5257}
        return
    refused(run, sim, "carried no draftId (it sent %s" % (draft_id,), api_key)


@pytest.mark.parametrize("patch, words, status", [
    ({"estimate": False}, "did not answer as an estimate (estimate: false)", "unknown"),
    ({"orderId": 777}, "did not answer as an estimate (it names order 777)", "unknown"),
    ({"success": False, "message": "Draft failed"}, "did not answer as an estimate (success: false: Draft failed)",
     "unknown"),
    ({"raw.draft.services.1.account_id": "10002"}, "draft 5257 is for VPS 10002, not vmid 10001", "refused"),
    ({"raw.draft.services.1.product_id": "1939"}, "draft 5257 holds package 1939, not the requested package 1938",
     "refused"),
    ({"raw.draft.services.1.cycle": "a"}, "draft 5257 holds billing cycle annually, not the current cycle monthly",
     "refused"),
    ({"raw.draft.services.2": {"account_id": "10002", "product_id": "1939", "cycle": "m"}},
     "draft 5257 also holds a service for VPS 10002", "refused"),
])
def test_an_estimate_that_is_not_the_requested_change_of_this_vps_is_never_ordered(
        ansible, sim, api_key, patch, words, status):
    sim.add_fault("estimate", "patch", vmid=10001, data=patch)
    run = ansible.playbook([upgrade(vmid=10001, package="1938")])
    refused(run, sim, words, api_key, status)


@pytest.mark.parametrize("priced, asked, words", [
    ({"package": "1939", "resources": {"2404": 1}}, {"resources": {"2404": 1}},
     "draft 5257 holds package 1939, not the current package 1937"),
    ({"package": "1938", "cycle": "annually"}, {"package": "1938"},
     "draft 5257 holds billing cycle annually, not the current cycle monthly"),
])
def test_a_users_draft_holding_more_than_was_asked_is_refused(ansible, sim, api_key, priced, asked, words):
    draft_id = quote(ansible, **priced)
    run = ansible.playbook([upgrade(vmid=10001, draft_id=draft_id, **asked)])
    refused(run, sim, words, api_key)


def test_a_users_draft_with_a_service_for_another_vps_is_refused(ansible, sim, api_key):
    draft_id = quote(ansible, package="1938")
    sim.add_fault("estimate", "patch", vmid=10001,
                  data={"raw.draft.services.2": {"account_id": "10002", "product_id": "1939", "cycle": "m"}})
    run = ansible.playbook([upgrade(vmid=10001, package="1938", draft_id=draft_id)])
    refused(run, sim, "draft %d also holds a service for VPS 10002" % draft_id, api_key)


def test_a_billing_cycle_estimate_that_ordered_is_not_followed_by_a_switch(ansible, sim, api_key):
    sim.add_fault("estimate", "patch", vmid=10001, data={"estimate": False})
    run = ansible.playbook([module_task("hostup_vps_billing_cycle", {"vmid": 10001, "cycle": "annually"}, "up",
                                        ignore_errors=True)])
    refused(run, sim, "did not answer as an estimate (estimate: false)", api_key, "unknown")


def test_the_role_takes_a_package_given_as_a_number(ansible, sim):
    run = ansible.playbook([{"name": "Plan", "ansible.builtin.include_role": {"name": "hostup.cloud.vps_plan"},
                             "vars": {"vps_plan_vmid": 10001, "vps_plan_package": 1938}}], check=True)
    assert run.rc == 0, run
    assert "VPS 10001 (VPS SM, monthly): due now 60.00 SEK" in run.stdout
    assert sim.ordering_requests() == []

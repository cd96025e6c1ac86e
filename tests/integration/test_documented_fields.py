# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 22, a hostile HostUp that keeps to its documented shapes: optional fields left out, a list where
an object is documented, ids only in their other documented place, included units, personal data in a
draft's option names. Over HTTP with real ansible-playbook; each asserts what was ordered and what was shown.

(The money tests run as a whole against the simulator's documented-only mode too: see conftest.py.)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import module_task
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import DRAFT_PERSON_NAME, SENSITIVE_VALUES


def upgrade(register="up", **options):
    return module_task("hostup_vps_upgrade", options, register, ignore_errors=True)


def switch(cycle, vmid=10001):
    return module_task("hostup_vps_billing_cycle", {"vmid": vmid, "cycle": cycle}, "up", ignore_errors=True)


def refused(run, sim, reason, words, api_key):
    """The task failed for ``reason``, ordered nothing, said ``words`` and leaked nothing of the draft."""
    result = run.results["up"]
    assert result["failed"] is True and result["reason"] == reason, result
    assert result["outcome"]["status"] == "refused" and result["changed"] is False
    assert words in result["msg"], result["msg"]
    assert sim.ordering_requests() == []
    assert "Traceback" not in run.output
    assert_no_leak(json.dumps(run.results) + run.output, api_key, *SENSITIVE_VALUES)
    return result


WHOLE_CYCLES_WITHOUT_PRICES = [{"id": "m", "name": "Monthly", "isCurrent": True, "billingCycle": "Monthly"},
                               {"id": "a", "name": "Annually", "isCurrent": False, "billingCycle": "Annually"}]


@pytest.mark.parametrize("call, fault, task, reason, words", [
    # 1. the draft's services as a JSON list (what PHP makes of a list), naming another VPS and package
    ("estimate", {"kind": "patch", "data": {"raw.draft.services": [
        {"account_id": "99999", "product_id": "1999", "cycle": "m"}]}},
     upgrade(vmid=10001, package="1938"), "upgrade.estimate_mismatch",
     "draft 5257 cannot be checked, so what it orders is unknown: raw.draft.services is a list, not an object"),
    ("estimate", {"kind": "omit", "keys": ["raw.draft"]},
     upgrade(vmid=10001, package="1938"), "upgrade.estimate_mismatch",
     "draft 5257 cannot be checked, so what it orders is unknown: the reply has no raw.draft"),
    # 2. reads without the documented current package or cycle
    ("details", {"kind": "omit", "keys": ["product_id"]}, upgrade(vmid=10001, package="1938"),
     "reply.field_missing", "no readable product_id of GET /api/vm/10001/details (the current package)"),
    ("billing_cycle", {"kind": "omit", "keys": ["current"]}, upgrade(vmid=10001, cycle="annually"),
     "reply.field_missing", "no readable current of GET /api/vm/10001/billing-cycle (the current billing cycle)"),
    ("billing_cycle", {"kind": "omit", "keys": ["current"]}, switch("annually"),
     "reply.field_missing", "no readable current of GET /api/vm/10001/billing-cycle (the current billing cycle)"),
    # 4. the current cycle's price left out: no price difference, and no proof of none
    ("billing_cycle", {"kind": "patch", "data": {"cycles": WHOLE_CYCLES_WITHOUT_PRICES}},
     upgrade(vmid=10001, resources={"2259": "1"}), "upgrade.price_unknown",
     "HostUp gave no readable price of the current cycle (cycles[].price of GET billing-cycle)"),
])
def test_a_documented_field_left_out_or_malformed_refuses_and_orders_nothing(
        ansible, sim, api_key, call, fault, task, reason, words):
    sim.add_fault(call, fault.pop("kind"), vmid=10001, times=None, **fault)
    refused(ansible.playbook([task]), sim, reason, words, api_key)
    assert (sim.state(10001)["product_id"], sim.state(10001)["cycle"]) == ("1937", "m")


@pytest.mark.parametrize("left_out, label", [
    (["raw.draft.services.1.product_id"], "package (raw.draft.services.<n>.product_id)"),
    (["raw.draft.services.1.cycle", "raw.draft.services.1.recurring"], "billing cycle (raw.draft.services.<n>.cycle)"),
])
def test_a_users_draft_that_does_not_show_its_package_or_cycle_is_never_said_to_be_in_place(
        ansible, sim, api_key, left_out, label):
    # was: changed false, applied true, "holds package (not shown) ... which VPS 10001 already has"
    draft_id = ansible.playbook([module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "q")],
                                check=True).results["q"]["estimate"]["draft_id"]
    sim.add_fault("estimate", "omit", vmid=10001, times=None, keys=left_out)
    result = refused(ansible.playbook([upgrade(vmid=10001, draft_id=draft_id)]), sim, "upgrade.draft_mismatch",
                     "draft %d shows no readable %s, so what it orders is unknown" % (draft_id, label), api_key)
    assert result.get("applied") is not True and (sim.state(10001)["product_id"], sim.state(10001)["cycle"]) == (
        "1937", "m")


def test_an_order_named_only_in_raw_order_id_is_an_order_and_the_rerun_orders_nothing(ansible, sim):
    sim.add_fault("order", "omit", vmid=10001, keys=["orderId", "orderNum", "invoiceId", "message", "redirectUrl",
                                                     "total", "recurring", "upgraded", "raw.draft", "raw.info"])
    run = ansible.playbook([upgrade(vmid=10001, package="1938")])
    result = run.results["up"]
    assert not result.get("failed") and result["changed"] is True and result["applied"] is True, result
    assert result["order"]["order_id"] == "34889" and result["order"]["invoice_id"] is None
    assert (result["outcome"]["status"], result["outcome"]["order_id"]) == ("ordered", "34889")
    rerun = ansible.playbook([upgrade(vmid=10001, package="1938")])
    assert rerun.results["up"]["changed"] is False and len(sim.ordering_requests()) == 1


def test_a_users_draft_for_other_resources_is_told_apart_by_its_prices_and_never_ordered(ansible, sim, api_key):
    quote = ansible.playbook([module_task("hostup_vps_upgrade", {"vmid": 10001, "resources": {"2232": 120}}, "q")],
                             check=True)
    draft_id = quote.results["q"]["estimate"]["draft_id"]
    run = ansible.playbook([upgrade(vmid=10001, resources={"2232": 80}, draft_id=draft_id)])
    result = run.results["up"]
    assert result["failed"] is True and result["reason"] == "upgrade.draft_mismatch", result
    assert "draft %d has due now 40.00, HostUp's estimate of exactly the request (draft %d) has 20.00" % (
        draft_id, draft_id + 1) in result["msg"]
    assert sim.ordering_requests() == [] and sim.state(10001)["resources"]["2232"] == 40
    assert_no_leak(json.dumps(run.results) + run.output, api_key, DRAFT_PERSON_NAME, *SENSITIVE_VALUES)


def test_a_cycle_switch_whose_reply_total_is_not_the_estimate_warns_and_records_it(ansible, sim):
    sim.add_fault("change_billing_cycle", "patch", vmid=10001, data={"total": "5000.00"})
    run = ansible.playbook([switch("annually")])
    result = run.results["up"]
    assert not result.get("failed") and result["changed"] is True, result
    assert result["outcome"]["order_total"] == 5000.0 and result["outcome"]["due_now"] == 1320.5
    assert result["price"] == 1390.0
    assert any("HostUp answered the billing-cycle switch with total 5000.00, which is neither the estimate's amount "
               "due now (1320.50) nor its recurring price (1390.00) SEK" in warning for warning in result["warnings"])


def test_the_inventory_says_how_many_services_it_left_out_and_how_to_include_them(ansible, sim):
    path = ansible.workdir / "hostup.yml"
    path.write_text(json.dumps({"plugin": "hostup.cloud.hostup"}))
    run = ansible.inventory(str(path))
    assert run.rc == 0, run
    warning = " ".join(run.stderr.split())
    total = len(sim.vps) + 2  # the VPSes, a web hosting and a domain
    assert ("2 of the %d services in HostUp's list were left out because they carry no extra_details.usage.vmdata"
            % total) in warning
    assert "set filters (for example hostup_product_name is search('VPS'))" in warning

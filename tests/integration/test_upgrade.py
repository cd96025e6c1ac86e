# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup_vps_upgrade through ansible-playbook against the simulator."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import module_task
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import SENSITIVE_VALUES

# Each test runs twice: against the simulator's default answers, and with every optional field left out.
pytestmark = pytest.mark.documented_only_too


def upgrade(register="up", ignore_errors=False, **options):
    return module_task("hostup_vps_upgrade", options, register, ignore_errors)


BIGGER_PLAN = upgrade(vmid=10001, package="1938", max_prorated=100, max_recurring=300)


def test_check_mode_prices_and_orders_nothing_the_real_run_orders_the_estimated_draft_and_a_rerun_nothing(
        ansible, sim):
    run = ansible.playbook([BIGGER_PLAN], check=True, diff=True)
    assert run.rc == 0, run
    result = run.results["up"]
    assert result["changed"] is True and result["order"] is None
    # VPS SM 139 -> VPS MD 259 a month, half the month left: 60 due now
    # documented-only: credits (optional) left out is unknown, not 0
    assert result["estimate"] == {"draft_id": 5257, "prorated": 60.0, "credits": None if sim.documented_only else 0.0,
                                  "recurring": 259.0, "total": 60.0, "currency": "SEK", "due_now": 60.0}
    assert [r["call"] for r in sim.requests()] == ["details", "billing_cycle", "estimate"]
    assert sim.ordering_requests() == []
    assert sim.state(10001)["product_id"] == "1937"
    assert '+    "package": "1938"' in run.stdout and '-    "package": "1937"' in run.stdout

    sim.clear_requests()
    run = ansible.playbook([BIGGER_PLAN])
    assert run.rc == 0, run
    result = run.results["up"]
    assert result["changed"] is True
    assert result["order"]["order_id"] == "34889"
    if sim.documented_only:  # the order is named in raw.order_id alone: no message, no invoice id
        assert (result["order"]["message"], result["order"]["invoice_id"]) == (None, None)
    else:
        assert result["order"]["message"] == "Upgrade request submitted successfully"
        assert result["order"]["invoice_id"] is not None
    assert result["outcome"]["status"] == "ordered" and result["outcome"]["order_id"] == "34889"
    orders = sim.ordering_requests()
    assert [o["body"] for o in orders] == [{"send": True, "draftId": result["estimate"]["draft_id"]}]
    assert sim.state(10001)["product_id"] == "1938"

    sim.clear_requests()
    rerun = ansible.playbook([BIGGER_PLAN])
    assert rerun.rc == 0, rerun
    assert rerun.results["up"]["changed"] is False
    assert [r["call"] for r in sim.requests()] == ["details", "billing_cycle"]


def test_resources_are_ordered_once_then_recognised_as_in_place(ansible, sim):
    task = upgrade(vmid=10002, resources={"2232": 80, "2404": 9})  # 9 backups: 2 above the 7 included
    run = ansible.playbook([task])
    assert run.rc == 0, run
    assert run.results["up"]["changed"] is True
    assert sim.state(10002)["resources"]["2232"] == 80
    assert len(sim.ordering_requests()) == 1

    def backups_estimated():
        return sorted(r["body"]["resources"]["2404"] for r in sim.requests(call="estimate")
                      if set(r["body"].get("resources", {})) == {"2404"})
    # the wait: each value alone, then pinned by one unit less and one more
    assert backups_estimated() == [8, 9, 10]

    rerun = ansible.playbook([task], diff=True)
    assert rerun.rc == 0, rerun
    assert rerun.results["up"]["changed"] is False
    assert rerun.results["up"]["estimate"]["prorated"] == 0.0
    assert len(sim.ordering_requests()) == 1
    assert backups_estimated() == [8, 8, 9, 9, 10, 10]  # the rerun proves it again, once


def test_backups_within_the_included_units_are_never_claimed_in_place_but_their_estimate_may_be_ordered(ansible, sim):
    # 10001 has 0 backups; 3 cost what 0 cost (7 are included), so no estimate tells them apart
    run = ansible.playbook([upgrade(vmid=10001, resources={"2404": 3}, ignore_errors=True)])
    result = run.results["up"]
    assert result["failed"] is True and result["changed"] is False and result["reason"] == "upgrade.option_unreadable"
    assert "option 2404 (3: one unit less or more does not cost less or more than now" in result["msg"]
    assert result["outcome"]["status"] == "refused" and sim.ordering_requests() == []
    # an earlier estimate is ordered by its draft id: deliberately, exactly that draft
    draft_id = result["estimate"]["draft_id"]
    deliberate = ansible.playbook([upgrade(vmid=10001, resources={"2404": 3}, draft_id=draft_id)])
    assert deliberate.rc == 0 and deliberate.results["up"]["changed"] is True, deliberate
    assert deliberate.results["up"]["estimate"]["draft_id"] == draft_id
    assert [o["body"] for o in sim.ordering_requests()] == [{"send": True, "draftId": draft_id}]
    assert sim.state(10001)["resources"]["2404"] == 3


def test_a_budget_stops_the_order_in_check_mode_and_in_a_real_run(ansible, sim):
    task = upgrade(vmid=10001, package="1939", max_prorated=100, ignore_errors=True)
    for check in (True, False):
        run = ansible.playbook([task], check=check)
        result = run.results["up"]
        assert result["failed"] is True
        assert "Over budget, nothing was ordered: 230.50 due now is more than max_prorated 100.00" in result["msg"]
    assert sim.ordering_requests() == []
    assert sim.state(10001)["product_id"] == "1937"


def test_a_pending_invoice_blocks_the_order_and_names_the_invoice(ansible, sim):
    invoice = sim.leave_invoice_unpaid(10004)
    run = ansible.playbook([upgrade(vmid=10004, package="1937", ignore_errors=True)])
    result = run.results["up"]
    assert result["failed"] is True
    assert "unpaid invoice %s" % invoice["id"] in result["msg"]
    assert sim.ordering_requests() == []

    sim.pay_invoices(10004)
    run = ansible.playbook([upgrade(vmid=10004, package="1937")])
    assert run.rc == 0, run
    assert len(sim.ordering_requests()) == 1


def test_an_unpaid_order_blocks_a_second_order_for_the_same_vps(ansible, sim):
    # 10004 pays by invoice: its first order leaves the invoice open
    run = ansible.playbook([upgrade(vmid=10004, resources={"2232": 40})])
    assert run.rc == 0, run
    again = ansible.playbook([upgrade(vmid=10004, resources={"2232": 60}, ignore_errors=True)])
    assert again.results["up"]["failed"] is True
    assert "unpaid invoice" in again.results["up"]["msg"]
    assert len(sim.ordering_requests()) == 1


def test_a_502_on_the_order_is_not_resent_and_the_rerun_is_safe(ansible, sim):
    sim.add_fault("order", "status", vmid=10001, status=502, after_apply=True)
    run = ansible.playbook([upgrade(vmid=10001, package="1938", ignore_errors=True)])
    result = run.results["up"]
    assert result["failed"] is True
    assert "HTTP 502" in result["msg"] and "is unknown" in result["msg"] and "draft 5257" in result["msg"]
    assert len(sim.ordering_requests()) == 1

    rerun = ansible.playbook([upgrade(vmid=10001, package="1938")])
    assert rerun.rc == 0 and rerun.results["up"]["changed"] is False
    assert len(sim.ordering_requests()) == 1


def test_no_personal_data_from_the_draft_reaches_any_result_or_output(ansible, sim, api_key):
    tasks = [upgrade("quote", vmid=10001, package="1938"), upgrade("grow", vmid=10002, resources={"2232": 90}),
             upgrade("over", vmid=10003, package="1939", max_recurring=1, ignore_errors=True)]
    run = ansible.playbook(tasks, diff=True, verbosity=3)
    assert run.rc == 0, run
    # the simulator did send the personal data...
    assert sim.requests(call="estimate")
    # ...and none of it came out
    text = json.dumps(run.results) + run.output
    assert_no_leak(text, api_key, *SENSITIVE_VALUES)
    assert "available_recipients" not in text and "raw" not in run.results["grow"]

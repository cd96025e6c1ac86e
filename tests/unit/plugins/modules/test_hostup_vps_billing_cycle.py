# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup_vps_billing_cycle: the exact HTTP conversation of every path."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.hostup.cloud.plugins.modules import hostup_vps_billing_cycle as module
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.unit.helpers import api_error, run_module
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import (
    BILLING, DETAILS, PERSONAL, UPGRADE, billing, cycle_changed, details, estimate, unpaid_invoice,
)

SWEDISH = "Kunde inte uppdatera faktureringsperioden. Priset gick inte att uppdatera och ändringen..."


def test_already_on_the_cycle_sends_no_post(conversation):
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"}, diff=True)
    assert not failed and result["changed"] is False
    assert (result["previous_cycle"], result["cycle"], result["price"]) == ("annually", "annually", 1390.0)
    assert result["diff"]["before"] == result["diff"]["after"]
    assert conversation.calls() == [("GET", BILLING)]


def test_check_mode_prices_the_switch_with_an_estimate_and_never_switches(conversation):
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body={"send": False, "cycle": "a"},
                        reply=estimate(prorated=1320.5, recurring=1390, cycle="a"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"}, check_mode=True, diff=True)
    assert not failed and result["changed"] is True
    assert result["estimate"]["prorated"] == 1320.5
    assert result["price"] == 1390.0
    assert result["diff"] == {"before": {"cycle": "monthly", "price": 139.0},
                              "after": {"cycle": "annually", "price": 1390.0}}
    assert conversation.calls() == [("GET", BILLING), ("POST", UPGRADE)]
    assert_no_leak(json.dumps(result), *PERSONAL.values())


ESTIMATE_ANNUAL = {"send": False, "cycle": "a"}
ESTIMATE_MONTHLY = {"send": False, "cycle": "m"}


def test_a_real_run_prices_the_switch_switches_once_and_waits_until_hostup_shows_it(conversation, sleeps):
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate(prorated=1320.5, recurring=1390, cycle="a"))
    conversation.expect("POST", BILLING, body={"cycle": "a"}, reply=cycle_changed())
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually", "max_prorated": 1400})
    assert not failed and result["changed"] is True
    assert result["previous_cycle"] == "monthly" and result["cycle"] == "annually"
    assert result["price"] == 1390.0
    assert result["message"] == "Billing cycle changed successfully"
    assert result["info"] == ["Account #10001 changes saved"]
    assert result["estimate"] == {"draft_id": 5257, "prorated": 1320.5, "credits": 0.0, "recurring": 1390.0,
                                  "total": 1320.5, "currency": "SEK", "due_now": 1320.5}
    assert result["applied"] is True
    assert result["request_ids"] == ["rid-billing", "rid-estimate", "rid-switch", "rid-billing"]
    assert sleeps == []  # the first poll is sent at once


@pytest.mark.parametrize("budget, words", [
    ({"max_prorated": 100}, "Over budget, nothing was ordered: 1320.50 due now is more than max_prorated 100.00"),
    ({"max_recurring": 1000}, "1390.00 recurring per cycle is more than max_recurring 1000.00"),
])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_switch_over_budget_is_refused_and_nothing_is_sent(conversation, budget, words, check_mode):
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate(prorated=1320.5, recurring=1390, cycle="a"))
    result, failed = run_module(module, dict(budget, vmid=10001, cycle="annually"), check_mode=check_mode)
    assert failed and words in result["msg"]
    assert result["estimate"]["prorated"] == 1320.5
    assert conversation.calls() == [("GET", BILLING), ("POST", UPGRADE)]


@pytest.mark.parametrize("prorated", ["NaN", "Infinity", "about 1320"])
def test_a_switch_whose_price_is_no_finite_number_is_refused_without_any_budget(conversation, prorated):
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate(prorated=prorated, recurring=1390, cycle="a"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert failed
    assert "no finite amount due now (prorated %s)" % prorated in result["msg"]
    assert conversation.calls() == [("GET", BILLING), ("POST", UPGRADE)]


def test_a_deferred_switch_is_polled_with_growing_pauses_until_it_shows(conversation, sleeps):
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate(prorated=1320.5, recurring=1390, cycle="a"))
    conversation.expect("POST", BILLING, body={"cycle": "a"}, reply=cycle_changed())
    for _poll in range(3):
        conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert not failed and result["applied"] is True
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_switch_not_shown_within_wait_timeout_fails_saying_it_was_ordered(conversation, sleeps):
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate(prorated=1320.5, recurring=1390, cycle="a"))
    conversation.expect("POST", BILLING, body={"cycle": "a"}, reply=cycle_changed())
    for _poll in range(4):
        conversation.expect("GET", BILLING, reply=billing())
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually", "wait_timeout": 3})
    assert failed and result["applied"] is False
    assert result["reason"] == "order.not_visible"
    assert "VPS 10001: the billing-cycle switch to annually was ordered" in result["msg"]
    assert "did not show it within wait_timeout 3 s" in result["msg"]
    assert sleeps == [0.5, 1.0, 1.5]


def test_wait_false_returns_after_the_switch_with_applied_false(conversation):
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate(prorated=1320.5, recurring=1390, cycle="a"))
    conversation.expect("POST", BILLING, body={"cycle": "a"}, reply=cycle_changed())
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually", "wait": False})
    assert not failed and result["changed"] is True and result["applied"] is False


def test_a_switch_held_by_an_unpaid_invoice_ends_the_wait_with_a_warning(conversation):
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate(prorated=1320.5, recurring=1390, cycle="a"))
    conversation.expect("POST", BILLING, body={"cycle": "a"}, reply=cycle_changed())
    conversation.expect("GET", BILLING, status=400, reply=unpaid_invoice())
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert not failed and result["applied"] is False
    assert any("waits for payment of invoice 49526" in warning for warning in result["warnings"])


def test_the_swedish_500_is_reported_as_sent_and_not_retried(conversation, sleeps):
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    conversation.expect("POST", UPGRADE, body=ESTIMATE_MONTHLY, reply=estimate(prorated=-1000, recurring=139))
    conversation.expect("POST", BILLING, body={"cycle": "m"}, status=500,
                        reply=api_error(500, "INTERNAL_ERROR", SWEDISH, "2121ae20"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "monthly"})
    assert failed
    assert "POST /api/vm/10001/billing-cycle failed: HTTP 500 INTERNAL_ERROR: " + SWEDISH in result["msg"]
    assert "(requestId 2121ae20)" in result["msg"]
    assert "Check the VPS" in result["msg"]
    assert result["api_error"]["message"] == SWEDISH
    assert len([c for c in conversation.sent if c["path"] == BILLING and c["method"] == "POST"]) == 1
    assert sleeps == []


def test_a_pending_invoice_fails_naming_it_and_switches_nothing(conversation):
    conversation.expect("GET", BILLING, status=400, reply=unpaid_invoice())
    conversation.expect("GET", DETAILS, reply=details(cycle="Monthly"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert failed
    assert "unpaid invoice 49526" in result["msg"]
    assert conversation.calls() == [("GET", BILLING), ("GET", DETAILS)]


def test_a_pending_invoice_on_a_vps_already_on_the_cycle_only_warns(conversation):
    conversation.expect("GET", BILLING, status=400, reply=unpaid_invoice())
    conversation.expect("GET", DETAILS, reply=details(cycle="Annually"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert not failed and result["changed"] is False
    assert any("49526" in warning for warning in result["warnings"])


@pytest.mark.parametrize("args, option", [
    ({"vmid": -3, "cycle": "annually"}, "vmid"),
    ({"vmid": 10001, "cycle": "a"}, "cycle"),
    ({"vmid": 10001}, "cycle"),
    ({"vmid": "ten", "cycle": "annually"}, "vmid"),
    ({"vmid": 10001, "cycle": "annually", "max_prorated": -1}, "max_prorated"),
    ({"vmid": 10001, "cycle": "annually", "max_recurring": "lots"}, "max_recurring"),
    ({"vmid": 10001, "cycle": "annually", "wait_timeout": 0}, "wait_timeout"),
    ({"vmid": 10001, "cycle": "annually", "wait": "maybe"}, "wait"),
])
def test_bad_input_fails_naming_the_option_before_any_request(conversation, args, option):
    result, failed = run_module(module, args)
    assert failed and option in result["msg"]
    assert conversation.sent == []


# --- issue 22: the switch is priced with another call; the current cycle is a documented field -------

@pytest.mark.parametrize("current", [None, "", ["m"]])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_cycle_read_without_current_refuses_rather_than_switch_every_run(conversation, current, check_mode):
    reply = billing()
    if current is None:
        del reply["data"]["current"]
    else:
        reply["data"]["current"] = current
    conversation.expect("GET", BILLING, reply=reply)
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"}, check_mode=check_mode)
    assert failed and result["reason"] == "reply.field_missing"
    assert ("VPS 10001: HostUp's answer has no readable current of GET /api/vm/10001/billing-cycle (the current "
            "billing cycle)") in result["msg"]
    assert result["outcome"]["status"] == "refused" and result["changed"] is False
    assert conversation.calls() == [("GET", BILLING)]


@pytest.mark.parametrize("total, warned, order_total", [
    ("1390.00", False, None),  # the new price per period, as the docs' example suggests [INFERRED]: no charge
    ("1320.50", False, 1320.5),  # the amount due now
    ("5000.00", True, 5000.0),
    ("NaN", True, None),
    (None, True, None),  # left out, though documented as required
])
def test_the_switch_replys_total_is_compared_with_the_estimate_and_a_difference_warns(conversation, total, warned,
                                                                                      order_total):
    reply = cycle_changed(total=total)
    if total is None:
        del reply["data"]["total"]
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate(prorated=1320.5, recurring=1390, cycle="a"))
    conversation.expect("POST", BILLING, body={"cycle": "a"}, reply=reply)
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert not failed and result["changed"] is True
    warnings = [w for w in result.get("warnings", []) if "billing-cycle switch with total" in w]
    assert bool(warnings) is warned
    if warned:
        assert warnings == [
            "VPS 10001: HostUp answered the billing-cycle switch with total %s, which is neither the estimate's "
            "amount due now (1320.50) nor its recurring price (1390.00) SEK. HostUp does not document that the "
            "switch costs what its upgrade estimate priced: check the invoice in the HostUp panel "
            "(outcome.order_total holds the reply's total)" % ("5000.00" if total == "5000.00" else "unknown")]
    assert result["outcome"]["order_total"] == order_total
    assert result["price"] == 1390.0  # the price of the cycle as GET billing-cycle lists it, not the reply's total

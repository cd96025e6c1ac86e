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
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.earlier import book, earlier_order, states
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import (
    BILLING, DETAILS, GONE, PERSONAL, UPGRADE, billing, cycle_changed, details, estimate, patched, unpaid_invoice,
)

ESTIMATE_ANNUAL = {"send": False, "cycle": "a"}
ESTIMATE_MONTHLY = {"send": False, "cycle": "m"}
ANNUAL = dict(product_id="1937", prorated=1320.5, recurring=1390, cycle="a")


def priced(conversation, estimate_reply=None, **switch):
    """GET billing-cycle (monthly) and the estimate of the switch to annually; given how HostUp answers the switch
    (expect's keywords), the switch."""
    conversation.expect("GET", BILLING, reply=billing())
    conversation.expect("POST", UPGRADE, body=ESTIMATE_ANNUAL, reply=estimate_reply or estimate(**ANNUAL))
    if switch:
        conversation.expect("POST", BILLING, body={"cycle": "a"}, **switch)


SWEDISH = "Kunde inte uppdatera faktureringsperioden. Priset gick inte att uppdatera och ändringen..."


def test_already_on_the_cycle_sends_no_post(conversation):
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"}, diff=True)
    assert not failed and result["changed"] is False and result["applied"] is True
    assert (result["previous_cycle"], result["cycle"], result["price"]) == ("annually", "annually", 1390.0)
    assert result["diff"]["before"] == result["diff"]["after"]
    assert conversation.calls() == [("GET", BILLING)]


def test_check_mode_prices_the_switch_with_an_estimate_and_never_switches(conversation):
    priced(conversation)
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"}, check_mode=True, diff=True)
    assert not failed and result["changed"] is True and result["applied"] is False
    assert result["estimate"]["prorated"] == 1320.5
    assert result["price"] == 1390.0
    assert result["diff"] == {"before": {"cycle": "monthly", "price": 139.0},
                              "after": {"cycle": "annually", "price": 1390.0}}
    assert conversation.calls() == [("GET", BILLING), ("POST", UPGRADE)]
    assert_no_leak(json.dumps(result), *PERSONAL.values())


def test_a_real_run_prices_the_switch_and_switches_once_in_three_calls_when_the_answer_shows_it(
        conversation, sleeps, private_state_dir):
    priced(conversation, reply=cycle_changed())
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually", "max_prorated": 1400})
    assert not failed and result["changed"] is True
    assert result["previous_cycle"] == "monthly" and result["cycle"] == "annually"
    assert result["price"] == 1390.0
    assert result["message"] == "Billing cycle changed successfully"
    assert result["info"] == ["Account #10001 changes saved"]
    assert result["estimate"] == {"draft_id": 5257, "prorated": 1320.5, "credits": 0.0, "recurring": 1390.0,
                                  "total": 1320.5, "currency": "SEK", "due_now": 1320.5}
    assert result["applied"] is True
    assert result["request_ids"] == ["rid-billing", "rid-estimate", "rid-switch"]
    assert sleeps == []
    # the switch stays in the ledger until a read shows it, and the rerun resolves it in one call
    [entry] = book(private_state_dir).entries()
    assert (entry["state"], entry["module"]) == ("placed", "hostup_vps_billing_cycle")
    assert entry["asked"]["cycle"] == "annually"
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    rerun, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert not failed and rerun["changed"] is False and conversation.calls()[-1] == ("GET", BILLING)
    assert [e["id"] for e in rerun["earlier_orders"]] == [entry["id"]] and states(private_state_dir) == ["shown"]


@pytest.mark.parametrize("budget, prorated, words", [
    ({"max_prorated": 100}, 1320.5, "Over budget, nothing was ordered: 1320.50 due now is more than max_prorated 100.00"),
    ({"max_recurring": 1000}, 1320.5, "1390.00 recurring per cycle is more than max_recurring 1000.00"),
] + [({}, prorated, "no finite amount due now (prorated %s)" % prorated) for prorated in ("NaN", "Infinity", "about 1320")],
    ids=["max_prorated", "max_recurring", "NaN without any budget", "Infinity", "not a number"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_switch_over_budget_is_refused_and_nothing_is_sent(conversation, budget, prorated, words, check_mode):
    figures = dict(ANNUAL)
    figures["prorated"] = prorated
    priced(conversation, estimate(**figures))
    result, failed = run_module(module, dict(budget, vmid=10001, cycle="annually"), check_mode=check_mode)
    assert failed and words in result["msg"]
    assert result["estimate"]["prorated"] == (prorated if budget else None)
    assert conversation.calls() == [("GET", BILLING), ("POST", UPGRADE)]


@pytest.mark.parametrize("args, polls, applied, slept, words", [
    ({}, [dict(reply=billing())] * 3 + [dict(reply=billing(current="a"))], True, [0.5, 1.0, 2.0], []),
    ({"wait": False}, [], False, [], []),
    ({}, [dict(status=400, reply=unpaid_invoice())], False, [], ["waits for payment of invoice 49526"]),  # a warning
    ({"wait_timeout": 3}, [dict(reply=billing())] * 4, False, [0.5, 1.0, 1.5],  # fails, saying it was ordered
     ["VPS 10001: the billing-cycle switch to annually was ordered", "did not show it within wait_timeout 3 s"]),
], ids=["polled with growing pauses until it shows", "wait false", "held by an unpaid invoice", "not shown in time"])
def test_a_deferred_switch_is_waited_for_unless_wait_is_false_or_an_unpaid_invoice_holds_it_or_time_runs_out(
        conversation, sleeps, args, polls, applied, slept, words):
    priced(conversation, reply=cycle_changed(scheduled=True))
    for answer in polls:
        conversation.expect("GET", BILLING, **answer)
    result, failed = run_module(module, dict(args, vmid=10001, cycle="annually"))
    timed_out = "wait_timeout" in args
    assert failed is timed_out and result["changed"] is True and result["applied"] is applied and sleeps == slept
    assert result.get("reason") == ("order.not_visible" if timed_out else None)
    texts = [result["msg"]] if timed_out else result.get("warnings", [])
    assert all(any(word in text for text in texts) for word in words)


def test_the_swedish_500_is_reported_as_sent_and_not_retried(conversation, sleeps):
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    conversation.expect("POST", UPGRADE, body=ESTIMATE_MONTHLY, reply=estimate(product_id="1937", prorated=-1000, recurring=139))
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


@pytest.mark.parametrize("label, fails", [("Monthly", True), ("Annually", False)], ids=["switch", "already on the cycle"])
def test_a_pending_invoice_fails_naming_it_and_switches_nothing_but_only_warns_on_the_cycle_in_place(
        conversation, label, fails):
    conversation.expect("GET", BILLING, status=400, reply=unpaid_invoice())
    conversation.expect("GET", DETAILS, reply=details(cycle=label))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert failed is fails and result["changed"] is False
    assert any("unpaid invoice 49526" in text for text in ([result["msg"]] if fails else result["warnings"]))
    assert conversation.calls() == [("GET", BILLING), ("GET", DETAILS)]


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

@pytest.mark.parametrize("current", [GONE, "", ["m"]], ids=["left out", "empty", "a list"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_cycle_read_without_current_refuses_rather_than_switch_every_run(conversation, current, check_mode):
    conversation.expect("GET", BILLING, reply=patched(billing(), {"current": current}))
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
    (GONE, True, None),  # left out, though documented as required
])
def test_the_switch_replys_total_is_compared_with_the_estimate_and_a_difference_warns(conversation, total, warned,
                                                                                      order_total):
    priced(conversation, reply=patched(cycle_changed(), {"total": total}))
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


# --- the estimate is of this switch; the order ledger ----------------------------------------------

@pytest.mark.parametrize("draft, words", [
    (dict(cycle="m", product_id="1937"), "draft 5257 holds billing cycle monthly, not the requested cycle annually"),
    (dict(cycle="a", product_id="1939"), "draft 5257 holds package 1939, not the current package 1937"),
    (dict(cycle="a", product_id="1937", account_id=10002), "draft 5257 is for VPS 10002, not vmid 10001"),
], ids=["old cycle", "other package", "other VPS"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_an_estimate_that_is_not_this_switch_is_never_followed_by_the_switch(conversation, draft, words, check_mode):
    priced(conversation, estimate(prorated=0, recurring=1390, **draft))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually", "max_prorated": 100},
                                check_mode=check_mode)
    assert failed and result["reason"] == "cycle.estimate_mismatch" and words in result["msg"]
    assert result["outcome"]["status"] == "refused"
    assert conversation.calls() == [("GET", BILLING), ("POST", UPGRADE)]


@pytest.mark.parametrize("budget", ["max_prorated", "max_recurring"])
def test_a_nan_budget_is_bad_input_before_any_request(conversation, budget):
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually", budget: float("nan")})
    assert failed and result["reason"] == "option.budget" and conversation.sent == []


def test_an_earlier_upgrade_of_the_vps_holds_the_switch_too(conversation, private_state_dir):
    earlier_order(private_state_dir, "unknown", package="1938")
    conversation.expect("GET", DETAILS, reply=details())
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually", "wait": False})
    assert failed and result["reason"] == "ledger.pending" and result["outcome"]["status"] == "pending"
    assert conversation.calls() == [("GET", DETAILS)]


def test_a_switch_whose_answer_is_lost_is_kept_as_unknown_and_nothing_is_switched_again(conversation,
                                                                                        private_state_dir):
    priced(conversation, status=502, reply=api_error(502, "BAD_GATEWAY", "Bad Gateway"))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"})
    assert failed and result["reason"] == "order.unknown" and states(private_state_dir) == ["unknown"]
    conversation.expect("GET", BILLING, reply=billing())
    rerun, failed = run_module(module, {"vmid": 10001, "cycle": "annually", "wait": False})
    assert failed and rerun["reason"] == "ledger.pending"
    assert [c for c in conversation.sent if c["method"] == "POST" and c["path"] == BILLING] == [conversation.sent[2]]


def test_a_cycle_estimate_answered_like_an_order_is_kept_in_the_ledger_and_nothing_is_switched(conversation,
                                                                                               private_state_dir):
    priced(conversation, patched(estimate(**ANNUAL), {"raw.call": "orderUpgrade"}))
    result, failed = run_module(module, {"vmid": 10001, "cycle": "annually"}, check_mode=True)
    assert failed and result["reason"] == "reply.not_estimate" and result["outcome"]["status"] == "unknown"
    [entry] = book(private_state_dir).entries()
    assert (entry["state"], entry["asked"]["cycle"]) == ("unknown", "annually")
    assert conversation.calls() == [("GET", BILLING), ("POST", UPGRADE)]

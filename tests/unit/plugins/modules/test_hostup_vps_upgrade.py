# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup_vps_upgrade: the exact HTTP conversation of every path."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
import requests

from ansible_collections.hostup.cloud.plugins.modules import hostup_vps_upgrade as module
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.plugins.module_utils.ledger import Ledger
from ansible_collections.hostup.cloud.tests.unit.helpers import API, KEY, api_error, ok, run_module
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.earlier import book, earlier_order, states
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import (
    BILLING, DETAILS, GONE, PERSON_NAME, PERSONAL, UPGRADE, billing, details, estimate, option, ordered, patched,
    unpaid_invoice, without,
)

ESTIMATE_BIG_PLAN = {"send": False, "package": "1938"}
ORDER_DRAFT = {"send": True, "draftId": 5257}


def reads(conversation, **details_kwargs):
    conversation.expect("GET", DETAILS, reply=details(**details_kwargs))
    conversation.expect("GET", BILLING, reply=billing())


def priced(conversation, estimate_reply=None, **order):
    """The reads and the estimate of the big plan; given how HostUp answers the order (expect's keywords), the order."""
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=ESTIMATE_BIG_PLAN, reply=estimate_reply or estimate())
    if order:
        conversation.expect("POST", UPGRADE, body=ORDER_DRAFT, **order)


def asks(conversation, resources, **figures):
    """The estimate of exactly ``resources``, answered with one of the current package priced by ``figures``."""
    conversation.expect("POST", UPGRADE, body={"send": False, "resources": resources},
                        reply=estimate(product_id="1937", **figures))


def never_ordered(conversation):
    assert all(call["body"].get("send") is not True for call in conversation.sent if call["body"])


def assert_no_secrets(result):
    assert_no_leak(json.dumps(result), KEY, PERSON_NAME, *PERSONAL.values())


def probes(conversation, option_id, value, below, above, current=139):
    """The estimates of one unit less and one more that pin a count or size option's value (recurring prices;
    None: not asked, the one before already showed the value is not pinned; REFUSED: HostUp refuses to price it)."""
    for probe, recurring in ((value - 1, below), (value + 1, above)):
        if recurring is REFUSED:
            conversation.expect("POST", UPGRADE, body={"send": False, "resources": {option_id: probe}}, status=400,
                                reply=api_error(400, "BAD_REQUEST", "Invalid input detected"))
        elif probe >= 0 and recurring is not None:
            conversation.expect("POST", UPGRADE, body={"send": False, "resources": {option_id: probe}},
                                reply=estimate(product_id="1937", prorated=(recurring - current) / 2.0,
                                               recurring=recurring, draft_id=5300 + probe,
                                               options={option_id: option(option_id, "qty")}))


REFUSED = object()


@pytest.mark.parametrize("reply, credits", [(estimate(), 0.0), (without(estimate(), "credits"), None)],
                         ids=["credits", "credits left out are unknown"])
def test_check_mode_reads_and_estimates_once_and_never_orders(conversation, reply, credits):
    priced(conversation, reply)
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"}, check_mode=True, diff=True)
    assert not failed
    assert result["changed"] is True
    assert result["order"] is None
    assert result["estimate"] == {"draft_id": 5257, "prorated": 60.0, "credits": credits, "recurring": 259.0,
                                  "total": 60.0, "currency": "SEK", "due_now": 60.0}
    assert result["diff"]["before"] == {"package": "1937", "cycle": "monthly", "recurring_price": 139.0}
    assert result["diff"]["after"] == {"package": "1938", "cycle": "monthly", "recurring_price": 259.0,
                                       "due_now": 60.0}
    assert result["request_ids"] == ["rid-details", "rid-billing", "rid-estimate"]
    assert_no_secrets(result)


def test_a_real_run_orders_the_very_draft_it_estimated_and_keeps_it_in_the_ledger_until_hostup_shows_it(
        conversation, private_state_dir):
    priced(conversation, reply=ordered())
    conversation.expect("GET", DETAILS, reply=details(product_id="1938"))
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "max_prorated": 60})
    assert not failed and result["changed"] is True and result["applied"] is True
    assert result["order"] == {"order_id": "34890", "order_num": "1693922234", "invoice_id": "49527",
                               "redirect_url": "/billing?invoice=49527",
                               "message": "Upgrade request submitted successfully"}
    assert result["vps"]["product_id"] == "1937" and result["earlier_orders"] == []
    assert result["request_ids"] == ["rid-details", "rid-billing", "rid-estimate", "rid-order", "rid-details"]
    assert "diff" not in result
    assert_no_secrets(result)
    [entry] = book(private_state_dir).entries()
    assert (entry["state"], entry["module"], entry["draft_id"], entry["order_id"], entry["invoice_id"]) == (
        "shown", "hostup_vps_upgrade", 5257, "34890", "49527")
    assert entry["asked"] == {"package": "1938", "cycle": None, "resources": {}, "unreadable": []}
    assert entry["estimate"] == {"draft_id": 5257, "due_now": 60.0, "recurring": 259.0, "currency": "SEK"}
    assert entry["api"] == "cloud.hostup.se:443" and entry["controller"]["pid"] > 0
    assert entry["sent_at"] <= entry["answered_at"] <= entry["resolved_at"]


@pytest.mark.parametrize("args, vps, answer", [
    ({"package": "1938", "cycle": "monthly"}, dict(product_id="1938", price=259.0), dict(reply=billing())),
    ({"draft_id": 6213, "package": "1938"}, dict(product_id="1938"), dict(reply=billing())),
    ({"draft_id": 6213, "cycle": "annually"}, dict(cycle="Annually"), dict(reply=billing(current="a"))),
    ({"package": "1938"}, dict(product_id="1938"), dict(status=400, reply=unpaid_invoice())),  # only a warning
], ids=["package and cycle", "draft_id with its package", "draft_id with its cycle", "a pending invoice"])
def test_a_rerun_on_what_is_already_in_place_sends_no_post(conversation, args, vps, answer):
    conversation.expect("GET", DETAILS, reply=details(**vps))
    conversation.expect("GET", BILLING, **answer)
    result, failed = run_module(module, dict(args, vmid=10001))
    assert not failed and result["changed"] is False
    assert result["estimate"] is None and result["order"] is None
    assert conversation.calls() == [("GET", DETAILS), ("GET", BILLING)]
    assert any("49526" in warning for warning in result.get("warnings", [])) is (answer.get("status") == 400)


@pytest.mark.parametrize("draft, product_id", [({}, "1937"), ({"draft_id": 6213}, "1938")], ids=["", "draft_id"])
def test_a_quantity_option_already_in_place_is_recognised_by_a_zero_estimate_pinned_by_one_unit_less_and_more(
        conversation, draft, product_id):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "resources": {"2232": 60}},
                        reply=estimate(product_id=product_id, prorated=0, recurring=139,
                                       options={"2232": option(2232, "sliderinput")}))
    probes(conversation, "2232", 60, below=138, above=140)
    result, failed = run_module(module, dict(draft, vmid=10001, resources={"2232": 60}))
    assert not failed and result["changed"] is False
    assert result["order"] is None
    assert result["estimate"]["prorated"] == 0.0
    assert_no_secrets(result)


@pytest.mark.parametrize("desired, figures, polls", [
    ({"resources": {"2232": 80, "2209": "ubuntu-24"}}, dict(product_id="1937", prorated=20.0, recurring=179), []),
    ({"resources": {"2232": 80}}, dict(product_id="1937", prorated=20.0, recurring=179), []),
    # a package ordered with them is waited for, though the resources cannot be read
    ({"package": "1938", "resources": {"2404": 1}}, dict(prorated=67.5, recurring=274), [details(product_id="1938")]),
], ids=["a quantity and a list option", "a quantity", "with a package"])
def test_resources_that_change_the_price_are_ordered_but_cannot_be_read_back_so_applied_is_null(
        conversation, desired, figures, polls):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=dict(desired, send=False), reply=estimate(**figures))
    conversation.expect("POST", UPGRADE, body=ORDER_DRAFT, reply=ordered())
    for reply in polls:
        conversation.expect("GET", DETAILS, reply=reply)
    result, failed = run_module(module, dict(desired, vmid=10001))
    assert not failed and result["changed"] is True and result["applied"] is None


def test_cycle_is_sent_as_hostups_code(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "package": "1938", "cycle": "a"},
                        reply=estimate(prorated=2520.5, recurring=2590, cycle="a"))
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "cycle": "annually"}, check_mode=True)
    assert not failed
    assert result["estimate"]["recurring"] == 2590.0


@pytest.mark.parametrize("budget, figures, words, due_now", [
    ({"max_prorated": 59.99}, {}, "60.00 due now is more than max_prorated 59.99", 60.0),
    ({"max_recurring": 200}, {}, "259.00 recurring per cycle is more than max_recurring 200.00", 60.0),
] + [({"max_prorated": 100}, dict(prorated=prorated), "HostUp's estimate gave no finite amount due now (prorated %s)" % (
    prorated), None) for prorated in ("NaN", "inf", "-Infinity")] + [  # what is due now is what the budget compares
    ({"max_prorated": 100}, dict(draft_total=560.0, setup=500), "560.00 due now is more than max_prorated 100.00", 560.0)],
    ids=["max_prorated", "max_recurring", "NaN", "inf", "-Infinity", "setup fee above prorated"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_budget_exceeded_orders_nothing_in_either_mode(conversation, budget, figures, words, due_now, check_mode):
    priced(conversation, estimate(**figures))
    result, failed = run_module(module, dict(budget, vmid=10001, package="1938"), check_mode=check_mode)
    assert failed and "Over budget, nothing was ordered: " + words in result["msg"], result["msg"]
    assert result["estimate"]["draft_id"] == 5257 and result["estimate"]["due_now"] == due_now
    assert result["estimate"]["prorated"] == (60.0 if due_now else None)
    assert len(conversation.sent) == 3


@pytest.mark.parametrize("reply, words, invoice_id", [
    (unpaid_invoice(), ["unpaid invoice 49526", "Pay or cancel"], "49526"),
    (api_error(400, "BAD_REQUEST", "Invalid input detected", "rid-billing", existing_invoice=True),
     ["VPS 10001 has an unpaid invoice (id not given) (order not given, total unknown)"], None),
], ids=["named", "without ids"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_pending_invoice_orders_nothing_and_names_the_invoice(conversation, reply, words, invoice_id, check_mode):
    conversation.expect("GET", DETAILS, reply=details())
    conversation.expect("GET", BILLING, status=400, reply=reply)
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"}, check_mode=check_mode)
    assert failed and result["reason"] == "order.pending_invoice" and result["outcome"]["status"] == "blocked"
    assert all(word in result["msg"] for word in words) and "None" not in result["msg"], result["msg"]
    assert result["pending_invoice"]["invoice_id"] == invoice_id
    assert conversation.calls() == [("GET", DETAILS), ("GET", BILLING)]


UNKNOWN = "outcome of the order of draft 5257 is unknown"


@pytest.mark.parametrize("failure, reason, words", [
    (dict(status=502, reply=api_error(502, "BAD_GATEWAY", "Bad Gateway", "rid-502")), "order.unknown", UNKNOWN),
    (dict(status=500, reply=api_error(500, "INTERNAL_ERROR", "An unexpected error occurred", "rid-500")), "order.unknown",
     UNKNOWN),
    (dict(raises=requests.exceptions.ReadTimeout("timed out")), "order.unknown", UNKNOWN),
    (dict(raises=requests.exceptions.ConnectionError("Connection aborted")), "order.unknown", UNKNOWN),
    (dict(status=400, reply=api_error(400, "BAD_REQUEST", "Invalid input detected")), "order.refused", "HTTP 400 BAD_REQUEST"),
    # an unpaid invoice the read just before did not show may be this very order (HostUp documents
    # this 400 on GET billing-cycle only): kept in the ledger as of unknown outcome
    (dict(status=400, reply=unpaid_invoice()), "order.unknown", "HTTP 400 BAD_REQUEST"),
], ids=["502", "500", "timeout", "connection aborted", "400 refused", "400 unpaid invoice named"])
def test_an_order_that_fails_is_sent_once_and_its_outcome_is_unknown_unless_a_400_refuses_it(
        conversation, sleeps, failure, private_state_dir, reason, words):
    priced(conversation, **failure)
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert failed and words in result["msg"] and sleeps == []
    orders = [c for c in conversation.sent if c["body"] and c["body"].get("send") is True]
    assert len(orders) == 1
    assert (result["reason"], result["outcome"]["status"]) == (reason, reason.split(".")[1])
    assert ("Nothing was ordered" in result["msg"]) is (reason == "order.refused")
    entries = Ledger(str(private_state_dir), API, 10001).entries()
    assert [(e["state"], e["draft_id"], e["asked"]["package"]) for e in entries] == (
        [] if reason == "order.refused" else [("unknown", 5257, "1938")])
    if entries:
        assert entries[0]["id"] in result["msg"] and "hostup.cloud.hostup_vps_order_ledger" in result["msg"]


LIST_OPTION = {"2209": option(2209, "select")}


@pytest.mark.parametrize("desired, fresh, figures, polls, applied", [
    ({}, None, {}, [details(product_id="1938")], True),  # the draft's package, waited for
    # a list option: exactly that draft is ordered; HostUp has no read of an OS choice
    ({"resources": {"2209": "debian-12"}}, estimate(product_id="1937", prorated=0, recurring=139, options=LIST_OPTION),
     dict(product_id="1937", prorated=0, recurring=139, options=LIST_OPTION), [], None),
    # a package and resources: compared with a fresh estimate too
    ({"package": "1938", "resources": {"2232": 120}}, estimate(prorated=100, recurring=299, draft_id=5260),
     dict(prorated=100, recurring=299), [details(product_id="1938")], None),
], ids=["the draft alone", "a list option", "a package and resources"])
def test_a_given_draft_is_priced_then_ordered(conversation, desired, fresh, figures, polls, applied):
    reads(conversation)
    if fresh:
        conversation.expect("POST", UPGRADE, body=dict(desired, send=False), reply=fresh)
    conversation.expect("POST", UPGRADE, body={"send": False, "draftId": 6213}, reply=estimate(draft_id=6213, **figures))
    conversation.expect("POST", UPGRADE, body={"send": True, "draftId": 6213}, reply=ordered(6213))
    for reply in polls:
        conversation.expect("GET", DETAILS, reply=reply)
    result, failed = run_module(module, dict(desired, vmid=10001, draft_id=6213))
    assert not failed and result["changed"] is True and result["applied"] is applied


@pytest.mark.parametrize("args, option", [
    ({"vmid": 0, "package": "1938"}, "vmid"),
    ({"vmid": 10001, "package": "big"}, "package"),
    ({"vmid": 10001, "resources": {}}, "resources"),
    ({"vmid": 10001, "resources": {"disk": 80}}, "resources"),
    ({"vmid": 10001, "resources": {"2232": -1}}, "resources"),
    ({"vmid": 10001, "resources": {"2232": True}}, "resources"),
    ({"vmid": 10001, "resources": {"2232": 1.5}}, "resources"),
    ({"vmid": 10001, "resources": {"2209": " "}}, "resources"),
    ({"vmid": 10001, "cycle": "weekly"}, "cycle"),
    ({"vmid": 10001, "draft_id": 0}, "draft_id"),
    ({"vmid": 10001, "package": "1938", "max_prorated": -1}, "max_prorated"),
    ({"vmid": 10001, "package": "1938", "max_recurring": -0.5}, "max_recurring"),
    ({"vmid": 10001}, "one of package, resources, cycle or draft_id is required"),
    ({"vmid": 10001, "package": "1938", "wait_timeout": 0}, "wait_timeout"),
    ({"vmid": 10001, "package": "1938", "api_url": "http://cloud.hostup.se"}, "api_url"),
    ({"vmid": 10001, "package": "1938", "api_timeout": 0}, "api_timeout"),
])
def test_bad_input_fails_naming_the_option_before_any_request(conversation, args, option):
    result, failed = run_module(module, args)
    assert failed
    assert option in result["msg"]
    assert conversation.sent == []


def test_desired_state_all_null_is_bad_input_not_an_empty_estimate(conversation):
    result, failed = run_module(module, {"vmid": 10001, "package": None, "resources": None})
    assert failed
    assert result["msg"] == "one of package, resources, cycle or draft_id is required (none is set, or all are null)"
    assert conversation.sent == []


def test_an_estimate_without_a_draft_id_is_never_ordered(conversation):
    priced(conversation, estimate(draft_id=None))
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert failed
    assert "carried no draftId" in result["msg"] and "nothing was ordered" in result["msg"]
    never_ordered(conversation)


# --- draft_id: only the user's own draft, for this VPS, holding what was asked ----------------

@pytest.mark.parametrize("args, answer, words", [
    ({"package": "1938"}, dict(reply=estimate(prorated=230.5, recurring=600, draft_id=6213, product_id="1939")),
     ["draft 6213 holds package 1939, not the requested package 1938", "Nothing was ordered"]),
    ({"cycle": "annually"}, dict(reply=estimate(draft_id=6213, account_id=10002, cycle="m")),
     ["draft 6213 is for VPS 10002, not vmid 10001", "draft 6213 holds billing cycle unknown, not the requested cycle annually"]),
    ({"package": "1938"}, dict(reply=estimate(draft_id=7777)), ["HostUp answered the estimate of draft 6213 with draft 7777"]),
    ({"package": "1938"}, dict(status=404, reply=api_error(404, "NOT_FOUND", "Order draft 6213 not found", "rid-404")),
     ["No such draft: check draft_id; HostUp has no open draft 6213 for this VPS"]),  # named as a draft, not as a VPS
], ids=["another package", "another VPS and cycle", "another draft id", "used or unknown"])
def test_a_draft_that_is_not_the_one_asked_for_is_refused_naming_why(conversation, args, answer, words):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "draftId": 6213}, **answer)
    result, failed = run_module(module, dict(args, vmid=10001, draft_id=6213))
    assert failed and all(word in result["msg"] for word in words), result["msg"]
    assert "check vmid" not in result["msg"].lower()
    assert conversation.calls() == [("GET", DETAILS), ("GET", BILLING), ("POST", UPGRADE)]


def test_a_draft_holding_other_resources_is_refused_by_its_prices_against_a_fresh_estimate_of_the_request(
        conversation):
    # HostUp's draft shows no option's value: the user's draft (2232 at 80) is told from the request (120)
    # by HostUp's fresh estimate of exactly the request
    quantity = {"2232": option(2232, "sliderinput")}
    reads(conversation)
    asks(conversation, {"2232": 120}, prorated=40, recurring=219, draft_id=5260, options=quantity)
    conversation.expect("POST", UPGRADE, body={"send": False, "draftId": 6213},
                        reply=estimate(product_id="1937", prorated=20, recurring=179, draft_id=6213, options=quantity))
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2232": 120}, "draft_id": 6213})
    assert failed and result["reason"] == "upgrade.draft_mismatch"
    assert ("draft 6213 has due now 20.00, HostUp's estimate of exactly the request (draft 5260) has 40.00; "
            "draft 6213 has recurring price 179.00, HostUp's estimate of exactly the request (draft 5260) has "
            "219.00") in result["msg"]
    assert result["outcome"]["status"] == "refused"
    never_ordered(conversation)


# --- resources: no "already so" without evidence -------------------------------------------


@pytest.mark.parametrize("resources, options, named, product_id, below", [
    ({"2259": 1}, {"2259": option(2259, "select")}, "2259 (a list option)", "1938", None),
    ({"2209": "ubuntu-24"}, {"2209": option(2209, "select")}, "2209 (a list option)", "1938", None),
    ({"2999": 3}, {}, "2999 (not described by HostUp)", "1938", None),
    # The seed's 2404: "7 backups is included". 3 backups cost what 0 cost: nothing tells them apart.
    ({"2404": 3}, {"2404": option(2404, "qty")}, "2404 (3: one unit less or more does not cost less or more than now, "
     "as within units the plan includes)", "1937", 139),
], ids=["a list option", "a list option by name", "an option not described", "included units"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_free_or_list_option_or_included_units_with_no_price_difference_are_never_claimed_in_place(
        conversation, resources, options, named, product_id, below, check_mode):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=dict(send=False, resources=resources),
                        reply=estimate(product_id=product_id, prorated=0, recurring=139, draft_id=5260, options=options))
    if below:
        [(option_id, value)] = resources.items()
        probes(conversation, option_id, value, below=below, above=None)
    result, failed = run_module(module, {"vmid": 10001, "resources": resources}, check_mode=check_mode)
    assert failed and result["reason"] == "upgrade.option_unreadable"
    assert "HostUp cannot read the current value of option %s of VPS 10001" % named in result["msg"], result["msg"]
    assert "Nothing was ordered" in result["msg"] and "draft_id: 5260" in result["msg"]
    assert result["unreadable_options"] == list(resources)
    assert result["changed"] is False and result.get("applied") is None
    never_ordered(conversation)
    assert_no_secrets(result)


def test_an_equal_price_swap_of_two_quantity_options_is_found_and_ordered(conversation):
    swap = {"2232": 50, "2210": 20}  # 10 GB more NVMe, 20 GB less extra storage: the same price
    quantity = {"2232": option(2232, "sliderinput"), "2210": option(2210, "slider")}
    reads(conversation)
    asks(conversation, swap, prorated=0, recurring=139, draft_id=5260, options=quantity)
    asks(conversation, {"2210": 20}, prorated=-5, recurring=129, draft_id=5261, options=quantity)
    conversation.expect("POST", UPGRADE, body={"send": True, "draftId": 5260}, reply=ordered(5260))
    # the wait: HostUp shows the options when the estimate of the whole change, and of each one, prices nothing
    conversation.expect("GET", BILLING, reply=billing())
    for body in (swap, {"2210": 20}, {"2232": 50}):
        asks(conversation, body, prorated=0, recurring=139, draft_id=5262, options=quantity)
    probes(conversation, "2210", 20, below=138, above=140)  # then each value is pinned by one unit less and more
    probes(conversation, "2232", 50, below=138, above=140)
    result, failed = run_module(module, {"vmid": 10001, "resources": swap})
    assert not failed and result["changed"] is True and result["applied"] is True
    assert result["estimate"]["draft_id"] == 5260


# --- replies and numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("data, words", [
    ({"success": False, "message": "Draft could not be converted"},
     ["HostUp answered success: false (Draft could not be converted)", "probably nothing was ordered, but this cannot be proven"]),
    ({"success": True, "message": "OK"}, ["answered without an order id", "Check the VPS"]),
], ids=["success false", "success true"])
def test_an_order_reply_without_an_order_id_is_a_failure(conversation, data, words):
    priced(conversation, reply={"success": True, "requestId": "rid-order", "data": data})
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert failed and all(word in result["msg"] for word in words), result["msg"]
    assert result["order"]["order_id"] is None


# --- wait -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("polls, reason, slept", [
    # applied later: polled until details show it
    ([(DETAILS, dict(reply=details())), (BILLING, dict(reply=billing())), (DETAILS, dict(reply=details(product_id="1938")))],
     None, [0.5]),
    # HostUp rate-limits a poll (past rate_limit_wait 60): tried again, and the wait goes on
    ([(DETAILS, dict(status=429, headers={"Retry-After": "90"},
                     reply={"error": "Too Many Requests", "message": "Rate limit exceeded", "retryAfter": "90"})),
      (DETAILS, dict(reply=details(product_id="1938")))], None, [0.5]),
    # HostUp refuses a poll for good: the wait ends at once, saying the order was placed
    ([(DETAILS, dict(status=403, reply=api_error(403, "FORBIDDEN", "Missing scope read:vm")))], "order.not_visible", []),
], ids=["applied later", "rate limited", "refused for good"])
def test_the_wait_after_an_order_polls_until_hostup_shows_it(conversation, sleeps, polls, reason, slept):
    priced(conversation, reply=ordered())
    for path, answer in polls:
        conversation.expect("GET", path, **answer)
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert failed is bool(reason) and sleeps == slept
    if reason:
        assert result["reason"] == reason and result["outcome"]["status"] == "ordered"
    else:
        assert result["applied"] is True


def test_an_order_not_shown_in_time_fails_naming_the_order_and_invoice(conversation, sleeps):
    priced(conversation, reply=ordered())
    for _poll in range(3):
        conversation.expect("GET", DETAILS, reply=details())
        conversation.expect("GET", BILLING, reply=billing())
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "wait_timeout": 1})
    assert failed and result["applied"] is False
    assert sleeps == [0.5, 0.5]
    assert result["reason"] == "order.not_visible"
    assert "VPS 10001: the order of draft 5257 was ordered (order 34890, invoice 49527)" in result["msg"]
    assert result["order"]["order_id"] == "34890"
    assert result["estimate"]["draft_id"] == 5257 and result["vps"]["vmid"] == 10001  # what was priced and read


@pytest.mark.parametrize("patch, words", [
    ({"estimate": False}, "(estimate: false)"), ({"orderId": 777}, "(it names order 777)"),
    ({"success": False, "message": "Draft failed"}, "(success: false: Draft failed)"),
] + [(patch, "") for patch in (
    {"raw": {"call": "orderUpgrade"}}, {"raw": {"call": "orderConfigUpgrade"}}, {"raw": {"call": "convertOrderDraft"}},
    {"raw": {"call": "getOrderDraft", "checkout": {"invoice_id": "49526", "order_id": 34889}}},
    {"invoiceId": "49526"}, {"raw": {"call": "getOrderDraft", "order_id": 34889}})],
    ids=["estimate false", "orderId", "success false", "orderUpgrade", "orderConfigUpgrade", "convertOrderDraft", "checkout",
         "invoiceId", "raw.order_id"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_an_estimate_reply_that_is_no_estimate_is_never_ordered_and_kept_in_the_ledger_as_of_unknown_outcome(
        conversation, private_state_dir, patch, words, check_mode):
    priced(conversation, patched(estimate(), patch))
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"}, check_mode=check_mode)
    assert failed and result["reason"] == "reply.not_estimate" and result["outcome"]["status"] == "unknown"
    assert "HostUp did not answer as an estimate " + words in result["msg"] and result["api_error"]["status"] is None
    [entry] = book(private_state_dir).entries()
    assert entry["state"] == "unknown" and entry["asked"]["package"] == "1938"
    assert entry["id"] in result["msg"]
    never_ordered(conversation)
    conversation.expect("GET", DETAILS, reply=details())  # the rerun reads that HostUp does not show it, and stops
    rerun, failed = run_module(module, {"vmid": 10001, "package": "1938", "wait": False})
    assert failed and rerun["reason"] == "ledger.pending"


# --- issue 22: money decisions rest on documented fields only; absence is unknown, never "no" ---------


UNCHECKED = "draft %d cannot be checked, so what it orders is unknown: "


@pytest.mark.parametrize("patch, words, draft_id", [(patch, UNCHECKED + why, draft_id) for patch, why in [
    ({"raw.draft": GONE}, "the reply has no raw.draft"),
    ({"raw.draft.services": GONE}, "raw.draft has no services"),
    ({"raw.draft.services": [{"account_id": "99999", "product_id": "1999", "cycle": "m"}]},
     "raw.draft.services is a list, not an object"),
    ({"raw.draft.services": None}, "raw.draft.services is null, not an object"),
    ({"raw.draft.services": {}}, "raw.draft.services names no service"),
] for draft_id in (None, 6213)] + [
    ({"raw.draft.id": 9999}, "HostUp's estimate names draft %d, but the draft it shows (raw.draft.id) is 9999", None),
    ({"raw.draft.addons": [{"id": "1", "name": "Extra"}]}, "draft %d also holds 1 item(s) in raw.draft.addons", None),
    ({"raw.draft.services.2": None}, UNCHECKED + "raw.draft.services.2 is null, not an object", None),  # unchecked
])
def test_a_draft_that_cannot_be_read_is_another_or_holds_more_is_never_ordered(conversation, patch, words, draft_id):
    reads(conversation)
    body = ESTIMATE_BIG_PLAN if draft_id is None else {"send": False, "draftId": draft_id}
    conversation.expect("POST", UPGRADE, body=body, reply=patched(estimate(draft_id=draft_id or 5257), patch))
    result, failed = run_module(module, dict({"draft_id": draft_id} if draft_id else {}, vmid=10001, package="1938"))
    assert failed and result["reason"] == ("upgrade.draft_mismatch" if draft_id else "upgrade.estimate_mismatch")
    assert words % (draft_id or 5257) in result["msg"], result["msg"]
    assert result["outcome"]["status"] == "refused" and result["changed"] is False
    never_ordered(conversation)
    assert_no_secrets(result)


@pytest.mark.parametrize("reply_name, patch, field", [
    ("details", {"product_id": GONE}, "product_id of GET /api/vm/10001/details (the current package)"),  # left out
    ("details", {"product_id": ["1937"]}, "product_id of GET /api/vm/10001/details (the current package)"),
    ("billing", {"current": GONE}, "current of GET /api/vm/10001/billing-cycle (the current billing cycle)"),
    ("billing", {"current": {"id": "m"}}, "current of GET /api/vm/10001/billing-cycle (the current billing cycle)"),
])
@pytest.mark.parametrize("args", [{"package": "1938"}, {"cycle": "annually"}, {"resources": {"2232": 80}}])
def test_a_read_without_the_current_package_or_cycle_refuses_rather_than_order_every_run(
        conversation, reply_name, patch, field, args):
    replies = {"details": details(), "billing": billing()}
    patched(replies[reply_name], patch)
    conversation.expect("GET", DETAILS, reply=replies["details"])
    conversation.expect("GET", BILLING, reply=replies["billing"])
    result, failed = run_module(module, dict(args, vmid=10001), check_mode=False)
    assert failed and result["reason"] == "reply.field_missing"
    assert "VPS 10001: HostUp's answer has no readable %s" % field in result["msg"]
    assert "nothing was ordered" in result["msg"] and result["outcome"]["status"] == "refused"
    assert conversation.calls() == [("GET", DETAILS), ("GET", BILLING)]


@pytest.mark.parametrize("option_id, value, below, above, proven", [
    ("2210", 0, None, 139.5, True), ("2210", 0, None, 139, False),  # zero units are pinned by one unit more alone
    ("2253", 8, 104, REFUSED, False),  # a value one unit above which HostUp refuses to price is not proven
], ids=["zero units pinned", "zero units not pinned", "refused one unit above"])
def test_a_value_is_pinned_only_by_the_prices_of_one_unit_less_and_more(conversation, option_id, value, below, above, proven):
    reads(conversation)
    asks(conversation, {option_id: value}, prorated=0, recurring=139, options={option_id: option(option_id)})
    probes(conversation, option_id, value, below=below, above=above)
    result, failed = run_module(module, {"vmid": 10001, "resources": {option_id: value}})
    assert failed is not proven and result["changed"] is False
    assert result.get("reason") == (None if proven else "upgrade.option_unreadable")
    never_ordered(conversation)


@pytest.mark.parametrize("billing_reply, estimate_reply, unknown", [
    (billing(monthly=None), estimate(product_id="1937", prorated=0, recurring=139),
     "price of the current cycle (cycles[].price of GET billing-cycle)"),
    (billing(), without(estimate(product_id="1937", prorated=0, recurring=139), "recurring", "raw.draft.price.recurring"),
     "recurring price in its estimate (raw.draft.price.recurring, or recurring)"),
    (billing(), without(estimate(product_id="1937", prorated=0, recurring=139, cycle="a"), "recurring"),
     "recurring price in its estimate (raw.draft.price.recurring, or recurring)"),  # keyed by another cycle
    (billing(), without(estimate(product_id="1937", prorated=0, recurring=139), "prorated"),
     "amount due now in its estimate (prorated)"),
])
def test_a_price_left_out_is_no_price_difference_and_no_proof_of_none(conversation, billing_reply, estimate_reply,
                                                                      unknown):
    for entry in billing_reply["data"]["cycles"]:
        if entry["price"] is None:
            del entry["price"]
    conversation.expect("GET", DETAILS, reply=details())
    conversation.expect("GET", BILLING, reply=billing_reply)
    conversation.expect("POST", UPGRADE, body={"send": False, "resources": {"2259": "1"}}, reply=estimate_reply)
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2259": "1"}})
    assert failed and result["reason"] == "upgrade.price_unknown", result["msg"]
    assert "whether VPS 10001 already has option 2259 cannot be told: HostUp gave no readable %s" % unknown in result[
        "msg"]
    assert "draft_id: 5257" in result["msg"]
    never_ordered(conversation)


def test_a_recurring_price_given_twice_that_disagrees_is_unknown(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "resources": {"2232": 60}},
                        reply=patched(estimate(product_id="1937", prorated=0, recurring=139), {"recurring": 99}))
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2232": 60}})
    assert failed and result["reason"] == "upgrade.price_unknown"
    assert result["estimate"]["recurring"] is None
    never_ordered(conversation)


@pytest.mark.parametrize("data, order_id, invoice_id", [
    ({"success": True, "raw": {"call": "convertOrderDraft", "order_id": raw_order_id, "server_time": 1768774971,
                               "success": True}}, "35587", None) for raw_order_id in (35587, "35587")  # only there
] + [({"success": True, "orderId": 0, "invoiceId": "",
       "raw": {"call": "orderUpgrade", "order_id": 35590, "checkout": {"invoice_id": 49600}}}, "35590", "49600")],
    ids=["raw.order_id a number", "raw.order_id a string", "empty ids before raw"])
def test_the_order_id_is_read_from_the_first_place_that_names_one(conversation, data, order_id, invoice_id):
    priced(conversation, reply=ok(data, "rid-order"))
    conversation.expect("GET", DETAILS, reply=details(product_id="1938"))
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert not failed, result["msg"]
    assert result["changed"] is True and result["applied"] is True
    assert result["order"] == {"order_id": order_id, "order_num": None, "invoice_id": invoice_id, "redirect_url": None,
                               "message": None}
    assert (result["outcome"]["status"], result["outcome"]["order_id"], result["outcome"]["invoice_id"]) == (
        "ordered", order_id, invoice_id)


@pytest.mark.parametrize("draft_kwargs, words", [
    (dict(product_id="1937", prorated=20, recurring=179), "has due now 20.00"),
    (dict(product_id="1937", prorated=40, recurring=199), "has recurring price 199.00"),
    (dict(product_id="1937", prorated="NaN", recurring=219), "has due now unknown"),
    (dict(product_id="1937", prorated=40, recurring=219, account_id=10002), "is for VPS 10002, not vmid 10001"),
])
def test_draft_id_with_resources_is_ordered_only_when_it_prices_as_a_fresh_estimate_of_exactly_the_request(
        conversation, draft_kwargs, words):
    reads(conversation)
    asks(conversation, {"2232": 80}, prorated=40, recurring=219, draft_id=5260)
    conversation.expect("POST", UPGRADE, body={"send": False, "draftId": 6213},
                        reply=estimate(draft_id=6213, **draft_kwargs))
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2232": 80}, "draft_id": 6213})
    assert failed and result["reason"] == "upgrade.draft_mismatch" and words in result["msg"]
    never_ordered(conversation)


def test_lists_where_hostup_documents_objects_prove_nothing(conversation):
    # customizations as a JSON list (PHP's empty array) describe no option; cycles as an object price no cycle
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "resources": {"2232": 60}}, reply=patched(
        estimate(product_id="1937", prorated=0, recurring=139), {"raw.draft.services.1.customizations": []}))
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2232": 60}})
    assert failed and "option 2232 (not described by HostUp)" in result["msg"]

    conversation.expect("GET", DETAILS, reply=details())
    conversation.expect("GET", BILLING, reply=patched(billing(), {"cycles": {"m": {"id": "m", "price": "139.00"}}}))
    asks(conversation, {"2232": 60}, prorated=0, recurring=139, options={"2232": option(2232)})
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2232": 60}})
    assert failed and result["reason"] == "upgrade.price_unknown"
    never_ordered(conversation)


# --- mutants of the money code that survived the suite (issue 21) ------------------------------

@pytest.mark.parametrize("budget", ["max_prorated", "max_recurring"])
def test_a_nan_budget_is_bad_input_before_any_request(conversation, budget):
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", budget: float("nan")})
    assert failed and result["reason"] == "option.budget" and budget in result["msg"]
    assert conversation.sent == [] and result["outcome"]["status"] == "refused"


def test_the_wait_ends_only_once_both_package_and_cycle_show(conversation, sleeps):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "package": "1938", "cycle": "a"},
                        reply=estimate(prorated=2520.5, recurring=2590, cycle="a"))
    conversation.expect("POST", UPGRADE, body=ORDER_DRAFT, reply=ordered())
    conversation.expect("GET", DETAILS, reply=details(product_id="1938"))  # the package shows first
    conversation.expect("GET", BILLING, reply=billing())  # the cycle does not yet, and no unpaid invoice holds it
    conversation.expect("GET", DETAILS, reply=details(product_id="1938", cycle="Annually"))
    conversation.expect("GET", BILLING, reply=billing(current="a"))
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "cycle": "annually"})
    assert not failed and result["applied"] is True
    assert sleeps == [0.5]


QUANTITY = {"2232": option(2232, "sliderinput")}


@pytest.mark.parametrize("figures", [
    dict(prorated=0, recurring=150),  # only the recurring price differs
    dict(prorated=10.0, recurring=139),  # only the amount due now differs
    dict(prorated=0, recurring=139, draft_total=25.0, setup=25),  # only due now, by a setup fee
], ids=["recurring", "prorated", "setup fee"])
def test_a_change_with_one_price_figure_differing_is_ordered(conversation, figures):
    reads(conversation)
    asks(conversation, {"2232": 60}, options=QUANTITY, **figures)
    conversation.expect("POST", UPGRADE, body=ORDER_DRAFT, reply=ordered())
    conversation.expect("GET", BILLING, reply=billing())  # the wait: HostUp shows the option by a free estimate
    asks(conversation, {"2232": 60}, prorated=0, recurring=139, options=QUANTITY)
    probes(conversation, "2232", 60, below=138, above=140)
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2232": 60}})
    assert not failed and result["changed"] is True and result["applied"] is True, result["msg"]
    assert [c["body"] for c in conversation.sent if c["body"] and c["body"]["send"]] == [ORDER_DRAFT]


# --- the order ledger ------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["placed", "unknown", "sending"])
def test_an_earlier_order_hostup_does_not_show_stops_the_task_naming_it_and_how_to_release_it(
        conversation, private_state_dir, state):
    entry = earlier_order(private_state_dir, state, package="1938")
    conversation.expect("GET", DETAILS, reply=details())
    result, failed = run_module(module, {"vmid": 10001, "package": "1939", "wait": False})
    assert failed and result["reason"] == "ledger.pending" and result["changed"] is False
    assert result["outcome"]["status"] == "pending"
    assert result["outcome"]["placed_at"] == entry["sent_at"] and result["outcome"]["draft_id"] == 5000
    assert result["outcome"]["order_id"] == ("34000" if state == "placed" else None)
    assert [e["id"] for e in result["pending_orders"]] == [entry["id"]]
    assert "release=%s" % entry["id"] in result["msg"] and "(wait is false)" in result["msg"]
    assert "\n" not in result["msg"] and states(private_state_dir) == [state]
    assert all(c["method"] == "GET" for c in conversation.sent)


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_earlier_order_is_waited_for_and_once_shown_the_task_finds_the_vps_done(
        conversation, sleeps, private_state_dir, check_mode):
    entry = earlier_order(private_state_dir, "unknown", package="1938")
    conversation.expect("GET", DETAILS, reply=details())  # not yet
    conversation.expect("GET", BILLING, reply=billing())  # no unpaid invoice: wait
    conversation.expect("GET", DETAILS, reply=details(product_id="1938"))
    conversation.expect("GET", BILLING, reply=billing())
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"}, check_mode=check_mode)
    assert not failed and result["changed"] is False and result["outcome"]["status"] == "no_change"
    assert [(e["id"], e["state"]) for e in result["earlier_orders"]] == [(entry["id"], "shown")]
    assert sleeps == [0.5]
    assert states(private_state_dir) == ["unknown" if check_mode else "shown"]  # check mode writes nothing


@pytest.mark.parametrize("state, asked, polls, words", [
    ("placed", dict(package="1938"), [(DETAILS, dict(reply=details())), (BILLING, dict(status=400, reply=unpaid_invoice()))],
     "unpaid invoice 49526"),
    ("unknown", dict(resources={"2209": "debian-12"}, unreadable=["2209"]), [], "or a release"),  # ended only by a release
], ids=["held by an unpaid invoice", "an option nothing can read back"])
def test_an_earlier_order_no_wait_can_end_is_not_waited_for(conversation, sleeps, private_state_dir, state, asked, polls,
                                                            words):
    earlier_order(private_state_dir, state, **asked)
    for path, answer in polls:
        conversation.expect("GET", path, **answer)
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert failed and result["reason"] == "ledger.pending" and words in result["msg"]
    assert conversation.calls() == [("GET", path) for path, _answer in polls] and sleeps == []


@pytest.mark.parametrize("window, ordered_now", [(0, True), (3600, False)])
def test_a_placed_order_of_a_list_option_lapses_after_pending_window(
        conversation, private_state_dir, window, ordered_now):
    earlier_order(private_state_dir, resources={"2209": "debian-12"}, unreadable=["2209"])
    if ordered_now:
        priced(conversation, estimate())
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "pending_window": window}, check_mode=True)
    assert failed is not ordered_now
    if not ordered_now:
        assert result["reason"] == "ledger.pending" and "pending_window" in result["msg"]


def test_a_users_draft_holding_the_package_the_vps_has_orders_nothing(conversation):
    reads(conversation, product_id="1938")
    conversation.expect("POST", UPGRADE, body={"send": False, "draftId": 6213}, reply=estimate(draft_id=6213))
    result, failed = run_module(module, {"vmid": 10001, "draft_id": 6213})
    assert not failed and result["changed"] is False and result["order"] is None
    assert result["outcome"]["status"] == "no_change"
    assert any("draft 6213 holds package 1938" in warning for warning in result["warnings"])


def test_a_state_dir_of_others_stops_the_task_before_any_request(conversation, tmp_path):
    (tmp_path / "shared").mkdir()
    os.chmod(str(tmp_path / "shared"), 0o777)
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "state_dir": str(tmp_path / "shared")})
    assert failed and result["reason"] == "state_dir.unsafe" and str(tmp_path / "shared") in result["msg"]
    assert conversation.sent == [] and result["outcome"]["status"] == "refused"

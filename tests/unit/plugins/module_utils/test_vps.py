# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps.py: the cycle table and the whitelists that keep raw.draft out of results."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils.client import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.vps import (
    CYCLE_NAMES, MONEY_TOLERANCE, OVER_BUDGET, budget_problems, cycle_code, cycle_name, money, order_failure_hint,
    draft_id, draft_problems, order_from_reply, over_budget_message, pending_invoice, quote_from_reply,
)
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import PERSONAL, draft, option


def estimate_from_reply(reply, cycle):
    return quote_from_reply(reply, cycle).figures


@pytest.mark.parametrize("name, code, label", [("monthly", "m", "Monthly"), ("annually", "a", "Annually")])
def test_each_cycle_maps_between_option_code_and_label(name, code, label):
    assert cycle_code(name) == code
    assert cycle_name(code) == cycle_name(label) == cycle_name(name) == name


def test_cycles_the_collection_does_not_manage_stay_visible():
    assert cycle_name("Quarterly") == "quarterly"
    assert "quarterly" not in CYCLE_NAMES
    with pytest.raises(ValueError):
        cycle_code("quarterly")


@pytest.mark.parametrize("value, expected", [("39.00", 39.0), (600, 600.0), ("-205.26", -205.26), ("", None),
                                             (None, None), ("n/a", None),
                                             ("NaN", None), ("nan", None), ("inf", None), ("-Infinity", None),
                                             (float("nan"), None), (True, None)])
def test_money_reads_hostups_amount_spellings(value, expected):
    assert money(value) == expected


def test_an_estimate_keeps_prices_and_drops_the_draft():
    reply = {"estimate": True, "prorated": 311.26, "credits": 0, "draftId": 5257, "recurring": 600,
             "raw": {"call": "getOrderDraft", "draft": draft(600, total=311.26)}}
    estimate = estimate_from_reply(reply, "monthly")
    assert estimate == {"draft_id": 5257, "prorated": 311.26, "credits": 0.0, "recurring": 600.0,
                        "total": 311.26, "currency": "SEK", "due_now": 311.26}
    assert_no_leak(json.dumps(estimate), *PERSONAL.values())


def test_an_estimate_without_top_level_recurring_reads_the_drafts_price_block():
    reply = {"prorated": 10, "draftId": 1, "raw": {"draft": draft(1390, cycle="a")}}
    assert estimate_from_reply(reply, "annually")["recurring"] == 1390.0


def test_a_direct_order_reply_is_read_from_its_checkout():
    reply = {"message": "Upgrade request submitted successfully", "redirectUrl": None,
             "raw": {"call": "orderConfigUpgrade", "checkout": {"invoice_id": 0, "order_id": 34889,
                                                                "order_num": 1693887344, "total": "-205.26"}}}
    assert order_from_reply(reply) == {"order_id": "34889", "order_num": "1693887344", "invoice_id": None,
                                       "redirect_url": None, "message": "Upgrade request submitted successfully"}


def test_only_an_existing_invoice_400_is_a_pending_invoice():
    other = HostUpError("GET", "/x", "bad", status=400, details={})
    blocking = HostUpError("GET", "/x", "unpaid", status=400,
                           details={"existing_invoice": True, "invoice_id": 7, "order_id": "8", "total": "1.50"})
    assert pending_invoice(other) is None
    assert pending_invoice(blocking) == {"invoice_id": "7", "order_id": "8", "total": 1.5, "status": None}


@pytest.mark.parametrize("error, unknown", [
    (HostUpError("POST", "/x", "m", status=502), True),
    (HostUpError("POST", "/x", "m", status=None, reached_server=None), True),
    (HostUpError("POST", "/x", "m", status=200), True),
    (HostUpError("POST", "/x", "m", status=400), False),
    (HostUpError("POST", "/x", "m", status=429), False),
    (HostUpError("POST", "/x", "m", status=None, reached_server=False), False),
])
def test_an_order_failure_is_unknown_unless_hostup_refused_it_or_was_never_reached(error, unknown):
    hint = order_failure_hint(error, "the order")
    assert ("is unknown" in hint) is unknown
    assert ("nothing was ordered" in hint) is not unknown


def test_due_now_is_the_drafts_order_total_when_a_setup_fee_makes_it_larger_than_prorated():
    with_total = {"prorated": 60, "draftId": 1, "raw": {"draft": draft(259, total=560.0, setup=500)}}
    assert estimate_from_reply(with_total, "monthly")["due_now"] == 560.0
    only_setup = {"prorated": 60, "draftId": 1, "raw": {"draft": {"price": {"setup": "500.00"}}}}
    assert estimate_from_reply(only_setup, "monthly")["due_now"] == 560.0
    smaller = {"prorated": 60, "draftId": 1, "raw": {"draft": draft(259, total=10.0)}}
    assert estimate_from_reply(smaller, "monthly")["due_now"] == 60.0


def test_the_drafts_facts_come_from_named_keys_only():
    reply = {"prorated": 0, "draftId": 7, "raw": {"draft": draft(
        259, cycle="a", product_id="1939", account_id=10002,
        options={"2232": option(2232, "sliderinput", value=120), "2259": option(2259, "select"),
                 "2999": {"id": "2999"}})}}
    facts = quote_from_reply(reply, "annually").draft
    assert facts == {"draft_id": 7, "services": [{
        "account_id": "10002", "product_id": "1939", "cycle": "annually",
        "options": {"2232": {"quantity": True, "value": 120}, "2259": {"quantity": False, "value": None},
                    "2999": {"quantity": None, "value": None}}}]}
    assert_no_leak(json.dumps(facts), *PERSONAL.values())


def quote(prorated=60, recurring=259, **draft_kwargs):
    return quote_from_reply({"prorated": prorated, "recurring": recurring, "draftId": 5,
                             "raw": {"draft": draft(259, total=0.0, **draft_kwargs)}}, "monthly")


@pytest.mark.parametrize("prorated", ["NaN", "inf", "-inf", "lots", None])
def test_an_amount_due_now_that_is_no_finite_number_never_passes_even_without_a_budget(prorated):
    for budget in (None, 1000000.0):
        problems = budget_problems(quote(prorated=prorated), budget, None)
        assert len(problems) == 1 and "no finite amount due now (prorated %s)" % (prorated,) in problems[0]


def test_a_recurring_price_that_is_no_finite_number_fails_max_recurring():
    assert budget_problems(quote(recurring="NaN"), None, None) == []
    problems = budget_problems(quote(recurring="NaN"), None, 5000.0)
    assert problems == ["HostUp's estimate gave no finite recurring price (recurring NaN) to compare with "
                        "max_recurring 5000.00"]


def test_budgets_compare_with_one_named_tolerance():
    assert budget_problems(quote(prorated=60.004), 60.0, 259.0) == []
    assert budget_problems(quote(prorated=60.0 + 2 * MONEY_TOLERANCE), 60.0, None) == [
        "60.01 due now is more than max_prorated 60.00"]
    message = over_budget_message(budget_problems(quote(), 10.0, 100.0), quote().figures)
    assert message.startswith(OVER_BUDGET + ": 60.00 due now is more than max_prorated 10.00; 259.00 recurring")


# --- attacks on the money promise (tests/integration/test_money_attacks.py) ------------------

@pytest.mark.parametrize("value, expected", [
    (5257, 5257), ("5257", 5257), (5257.0, 5257), (True, None), (0, None), (-5, None), (5257.5, None),
    ("5257abc", None), (None, None), (float("nan"), None), ([5257], None),
])
def test_a_draft_id_is_a_whole_number_above_zero_or_none(value, expected):
    assert draft_id(value) == expected


@pytest.mark.parametrize("reply, unreadable", [
    ({"prorated": 60, "raw": {"draft": {"price": {"total": "1e309"}}}}, "draft's order total 1e309"),
    ({"prorated": 60, "raw": {"draft": {"price": {"total": "60,00"}}}}, "draft's order total 60,00"),
    ({"prorated": 60, "raw": {"draft": {"price": {"setup": "abc"}}}}, "setup fee abc"),
    ({"prorated": 60, "total": "Infinity"}, "total Infinity"),
    ({"prorated": 60, "total": [60]}, "total [60]"),
])
def test_every_amount_due_now_hostup_gives_must_be_finite(reply, unreadable):
    quote = quote_from_reply(dict(reply, draftId=1), "monthly")
    assert quote.figures["due_now"] is None
    assert budget_problems(quote, 1000000.0, None) == [
        "HostUp's estimate gave no finite amount due now (%s), so the price cannot be checked" % unreadable]


def test_the_replys_total_counts_when_it_is_more_than_prorated():
    assert estimate_from_reply({"prorated": 60, "total": "5000.00", "draftId": 1}, "monthly")["due_now"] == 5000.0
    assert estimate_from_reply({"prorated": 60, "total": "40.00", "draftId": 1}, "monthly")["due_now"] == 60.0


def facts(**draft_kwargs):
    return quote_from_reply({"prorated": 0, "draftId": 7, "raw": {"draft": draft(259, **draft_kwargs)}}, "monthly").draft


def test_a_draft_must_hold_the_current_values_of_what_was_not_asked_and_only_this_vps():
    expected = {"package": ("1937", "current"), "cycle": ("monthly", "current")}
    assert draft_problems(facts(product_id="1937"), 10001, expected) == []
    assert draft_problems(facts(product_id="1939"), 10001, expected) == [
        "draft 7 holds package 1939, not the current package 1937"]
    two = facts(product_id="1937")
    two["services"].append({"account_id": "10002", "product_id": "1939", "cycle": "monthly", "options": {}})
    two["services"].append({"account_id": None, "product_id": "1939", "cycle": "monthly", "options": {}})
    assert draft_problems(two, 10001, expected) == ["draft 7 also holds a service for VPS 10002",
                                                    "draft 7 also holds a service for no existing VPS (a new order)"]


def test_a_fresh_estimate_without_services_is_not_checked_but_a_users_draft_is():
    empty = {"draft_id": 7, "services": []}
    assert draft_problems(empty, 10001, {"package": ("1938", "requested")}, account_required=False) == []
    assert draft_problems(empty, 10001, {}, account_required=True) == [
        "draft 7 is for VPS that the draft does not name, not vmid 10001"]

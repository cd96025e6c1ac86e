# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""quote.py: what an estimate costs, and what its draft holds (from named, non-personal keys only)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.quote import draft_problems, estimate_change, quote_from_reply
from ansible_collections.hostup.cloud.plugins.module_utils.transport import HostUpClient
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.unit.helpers import API, KEY, api_error
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import PERSONAL, UPGRADE, draft, option


def estimate_from_reply(reply, cycle):
    return quote_from_reply(reply, cycle).figures


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


def test_a_404_for_a_draft_says_draft_and_never_vmid(conversation):
    conversation.expect("POST", UPGRADE, status=404, reply=api_error(404, "NOT_FOUND", "Order draft 99 not found"))
    with pytest.raises(HostUpError) as caught:
        estimate_change(HostUpClient(API, KEY), 10001, {"draftId": 99}, "monthly")
    assert caught.value.hint.startswith("No such draft: check draft_id; HostUp has no open draft 99")
    assert "vmid" not in str(caught.value)


def test_a_403_on_the_estimate_says_pricing_needs_write_billing(conversation):
    conversation.expect("POST", UPGRADE, status=403, reply=api_error(403, "FORBIDDEN", "missing scope"))
    with pytest.raises(HostUpError) as caught:
        estimate_change(HostUpClient(API, KEY), 10001, {"package": "1938"}, "monthly")
    assert caught.value.hint == render("hint.estimate_scope")

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup_vps_upgrade: the exact HTTP conversation of every path."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.hostup.cloud.plugins.modules import hostup_vps_upgrade as module
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.unit.helpers import KEY, api_error, run_module
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import (
    BILLING, DETAILS, PERSONAL, UPGRADE, billing, details, estimate, ordered, unpaid_invoice,
)

ESTIMATE_BIG_PLAN = {"send": False, "package": "1938"}
ORDER_DRAFT = {"send": True, "draftId": 5257}


def reads(conversation, **details_kwargs):
    conversation.expect("GET", DETAILS, reply=details(**details_kwargs))
    conversation.expect("GET", BILLING, reply=billing())


def assert_no_secrets(result):
    assert_no_leak(json.dumps(result), KEY, *PERSONAL.values())


def test_check_mode_reads_and_estimates_once_and_never_orders(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=ESTIMATE_BIG_PLAN, reply=estimate())
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"}, check_mode=True, diff=True)
    assert not failed
    assert result["changed"] is True
    assert result["order"] is None
    assert result["estimate"] == {"draft_id": 5257, "prorated": 60.0, "credits": 0.0, "recurring": 259.0,
                                  "total": 60.0, "currency": "SEK"}
    assert result["diff"]["before"] == {"package": "1937", "cycle": "monthly", "recurring_price": 139.0}
    assert result["diff"]["after"] == {"package": "1938", "cycle": "monthly", "recurring_price": 259.0,
                                       "due_now": 60.0}
    assert result["request_ids"] == ["rid-details", "rid-billing", "rid-estimate"]
    assert_no_secrets(result)


def test_a_real_run_orders_the_very_draft_it_estimated(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=ESTIMATE_BIG_PLAN, reply=estimate())
    conversation.expect("POST", UPGRADE, body=ORDER_DRAFT, reply=ordered())
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "max_prorated": 60})
    assert not failed and result["changed"] is True
    assert result["order"] == {"order_id": "34890", "order_num": "1693922234", "invoice_id": "49527",
                               "redirect_url": "/billing?invoice=49527",
                               "message": "Upgrade request submitted successfully"}
    assert result["vps"]["product_id"] == "1937"
    assert result["request_ids"] == ["rid-details", "rid-billing", "rid-estimate", "rid-order"]
    assert "diff" not in result
    assert_no_secrets(result)


def test_a_rerun_on_the_plan_already_in_place_sends_no_post(conversation):
    reads(conversation, product_id="1938", price=259.0)
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "cycle": "monthly"})
    assert not failed and result["changed"] is False
    assert result["estimate"] is None and result["order"] is None
    assert conversation.calls() == [("GET", DETAILS), ("GET", BILLING)]


def test_resources_already_in_place_are_recognised_by_a_zero_estimate(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "resources": {"2232": 40}},
                        reply=estimate(prorated=0, recurring=139))
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2232": 40}})
    assert not failed and result["changed"] is False
    assert result["order"] is None
    assert result["estimate"]["prorated"] == 0.0


def test_resources_that_change_the_price_are_ordered(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "resources": {"2232": 80, "2209": "ubuntu-24"}},
                        reply=estimate(prorated=20.0, recurring=179))
    conversation.expect("POST", UPGRADE, body=ORDER_DRAFT, reply=ordered())
    result, failed = run_module(module, {"vmid": 10001, "resources": {"2232": 80, "2209": "ubuntu-24"}})
    assert not failed and result["changed"] is True


def test_cycle_is_sent_as_hostups_code(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "package": "1938", "cycle": "a"},
                        reply=estimate(prorated=2520.5, recurring=2590, cycle="a"))
    result, failed = run_module(module, {"vmid": 10001, "package": "1938", "cycle": "annually"}, check_mode=True)
    assert not failed
    assert result["estimate"]["recurring"] == 2590.0


@pytest.mark.parametrize("budget, words", [
    ({"max_prorated": 59.99}, "60.00 due now is more than max_prorated 59.99"),
    ({"max_recurring": 200}, "259.00 recurring per cycle is more than max_recurring 200.00"),
])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_budget_exceeded_orders_nothing_in_either_mode(conversation, budget, words, check_mode):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=ESTIMATE_BIG_PLAN, reply=estimate())
    result, failed = run_module(module, dict(budget, vmid=10001, package="1938"), check_mode=check_mode)
    assert failed
    assert words in result["msg"] and "nothing was ordered" in result["msg"]
    assert result["estimate"]["draft_id"] == 5257
    assert all(call["body"].get("send") is not True for call in conversation.sent if call["body"])


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_pending_invoice_orders_nothing_and_names_the_invoice(conversation, check_mode):
    conversation.expect("GET", DETAILS, reply=details())
    conversation.expect("GET", BILLING, status=400, reply=unpaid_invoice())
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"}, check_mode=check_mode)
    assert failed
    assert "unpaid invoice 49526" in result["msg"] and "Pay or cancel" in result["msg"]
    assert result["pending_invoice"]["invoice_id"] == "49526"
    assert conversation.calls() == [("GET", DETAILS), ("GET", BILLING)]


def test_a_pending_invoice_does_not_fail_a_vps_already_in_place(conversation):
    conversation.expect("GET", DETAILS, reply=details(product_id="1938"))
    conversation.expect("GET", BILLING, status=400, reply=unpaid_invoice())
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert not failed and result["changed"] is False
    assert any("49526" in warning for warning in result["warnings"])


@pytest.mark.parametrize("failure", [
    dict(status=502, reply=api_error(502, "BAD_GATEWAY", "Bad Gateway", "rid-502")),
    dict(status=500, reply=api_error(500, "INTERNAL_ERROR", "An unexpected error occurred", "rid-500")),
    dict(raises=requests.exceptions.ReadTimeout("timed out")),
    dict(raises=requests.exceptions.ConnectionError("Connection aborted")),
])
def test_an_order_that_fails_is_sent_once_and_says_its_outcome_is_unknown(conversation, sleeps, failure):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=ESTIMATE_BIG_PLAN, reply=estimate())
    conversation.expect("POST", UPGRADE, body=ORDER_DRAFT, **failure)
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert failed
    orders = [c for c in conversation.sent if c["body"] and c["body"].get("send") is True]
    assert len(orders) == 1
    assert "outcome of the order of draft 5257 is unknown" in result["msg"]
    assert "A rerun is safe" in result["msg"]
    assert sleeps == []


def test_an_order_refused_by_hostup_says_nothing_was_ordered(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=ESTIMATE_BIG_PLAN, reply=estimate())
    conversation.expect("POST", UPGRADE, body=ORDER_DRAFT, status=400, reply=unpaid_invoice())
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert failed
    assert "HTTP 400 BAD_REQUEST" in result["msg"] and "Nothing was ordered" in result["msg"]
    assert result["api_error"]["details"]["invoice_id"] == "49526"


def test_a_given_draft_is_priced_then_ordered(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body={"send": False, "draftId": 6213}, reply=estimate(draft_id=6213))
    conversation.expect("POST", UPGRADE, body={"send": True, "draftId": 6213}, reply=ordered(6213))
    result, failed = run_module(module, {"vmid": 10001, "draft_id": 6213})
    assert not failed and result["changed"] is True


def test_a_given_draft_is_not_ordered_again_once_the_plan_is_in_place(conversation):
    reads(conversation, product_id="1938")
    result, failed = run_module(module, {"vmid": 10001, "draft_id": 6213, "package": "1938"})
    assert not failed and result["changed"] is False
    assert conversation.calls() == [("GET", DETAILS), ("GET", BILLING)]


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
    ({"vmid": 10001}, "package, resources, cycle, draft_id"),
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
    assert result["msg"] == "one of package, resources, cycle or draft_id is required (all are null)"
    assert conversation.sent == []


def test_an_estimate_without_a_draft_id_is_never_ordered(conversation):
    reads(conversation)
    conversation.expect("POST", UPGRADE, body=ESTIMATE_BIG_PLAN, reply=estimate(draft_id=None))
    result, failed = run_module(module, {"vmid": 10001, "package": "1938"})
    assert failed
    assert "carried no draftId" in result["msg"] and "nothing was ordered" in result["msg"]
    assert all(call["body"].get("send") is not True for call in conversation.sent if call["body"])

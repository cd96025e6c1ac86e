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
    CYCLE_NAMES, cycle_code, cycle_name, estimate_from_reply, money, order_failure_hint, order_from_reply,
    pending_invoice,
)
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import PERSONAL, draft


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
                                             (None, None), ("n/a", None)])
def test_money_reads_hostups_amount_spellings(value, expected):
    assert money(value) == expected


def test_an_estimate_keeps_prices_and_drops_the_draft():
    reply = {"estimate": True, "prorated": 311.26, "credits": 0, "draftId": 5257, "recurring": 600,
             "raw": {"call": "getOrderDraft", "draft": draft(600)}}
    estimate = estimate_from_reply(reply, "monthly")
    assert estimate == {"draft_id": 5257, "prorated": 311.26, "credits": 0.0, "recurring": 600.0,
                        "total": 60.0, "currency": "SEK"}
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

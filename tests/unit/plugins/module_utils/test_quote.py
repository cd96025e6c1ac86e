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
from ansible_collections.hostup.cloud.plugins.module_utils.quote import (
    differences,
    draft_problems,
    estimate_change,
    option_labels,
    quote_from_reply,
)
from ansible_collections.hostup.cloud.plugins.module_utils.transport import HostUpClient
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.unit.helpers import API, KEY, api_error
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import (
    PERSON_NAME,
    PERSONAL,
    UPGRADE,
    draft,
    option,
)


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


@pytest.mark.parametrize("reply, due_now", [
    # the draft's order total when a setup fee makes it larger than prorated
    ({"raw": {"draft": draft(259, total=560.0, setup=500)}}, 560.0),
    ({"raw": {"draft": {"price": {"setup": "500.00"}}}}, 560.0),
    ({"raw": {"draft": draft(259, total=10.0)}}, 60.0),
    ({"total": "5000.00"}, 5000.0), ({"total": "40.00"}, 60.0),  # the reply's total counts when more than prorated
])
def test_due_now_is_the_largest_of_prorated_the_replys_total_and_the_drafts_order_total(reply, due_now):
    assert estimate_from_reply(dict(reply, prorated=60, draftId=1), "monthly")["due_now"] == due_now


def test_the_drafts_facts_come_from_named_keys_only_and_no_option_value_is_read():
    named = dict(option(2232, "sliderinput"), value=120)  # HostUp documents no value: one sent is not read
    reply = {"prorated": 0, "draftId": 7, "raw": {"draft": draft(
        259, cycle="a", product_id="1939", account_id=10002, draft_id=7,
        options={"2232": named, "2259": option(2259, "select"), "2208": option(2208, "sshkeyselect"),
                 "2999": {"id": "2999"}})}}
    facts = quote_from_reply(reply, "annually").draft
    assert facts == {"draft_id": 7, "unreadable": None, "held_id": 7, "extras": [], "services": [{
        "account_id": "10002", "product_id": "1939", "cycle": "annually",
        "options": {"2232": {"quantity": True, "label": None}, "2259": {"quantity": False, "label": None},
                    "2208": {"quantity": False, "label": None}, "2999": {"quantity": None, "label": None}}}]}
    assert_no_leak(json.dumps(facts), PERSON_NAME, *PERSONAL.values())


def facts(**draft_kwargs):
    return quote_from_reply({"prorated": 0, "draftId": 7, "raw": {"draft": draft(259, draft_id=7, **draft_kwargs)}},
                            "monthly").draft


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


@pytest.mark.parametrize("raw, why", [
    ({}, "the reply has no raw.draft"),
    ({"draft": []}, "raw.draft is a list, not an object"),
    ({"draft": {"price": {}}}, "raw.draft has no services"),
    ({"draft": {"services": [{"account_id": "10001", "product_id": "1938", "cycle": "m"}]}},
     "raw.draft.services is a list, not an object"),
    ({"draft": {"services": "1"}}, "raw.draft.services is a string, not an object"),
    ({"draft": {"services": {}}}, "raw.draft.services names no service"),
    ({"draft": {"services": {"1": None}}}, "raw.draft.services.1 is null, not an object"),
    ({"draft": {"services": {"1": {"account_id": "10001"}, "2": ["10002"]}}}, "raw.draft.services.2 is a list, not an object"),
    ({"draft": {"services": {"1": {"account_id": "10001"}, "Anna Svensson": "x"}}},
     "raw.draft.services.<key> is a string, not an object"),  # HostUp's text never reaches a message
])
def test_a_draft_whose_services_cannot_be_read_is_a_problem_for_any_draft(raw, why):
    facts = quote_from_reply({"prorated": 0, "draftId": 7, "raw": raw}, "monthly").draft
    assert facts["unreadable"] == why
    for expected in ({}, {"package": ("1938", "requested")}):
        assert draft_problems(facts, 10001, expected) == [
            "draft 7 cannot be checked, so what it orders is unknown: %s" % why]


def test_a_draft_naming_no_account_is_for_no_vps_of_ours():
    facts = quote_from_reply({"prorated": 0, "draftId": 7, "raw": {"draft": draft(259, account_id="", draft_id=7)}},
                             "monthly").draft
    assert draft_problems(facts, 10001, {}) == ["draft 7 is for VPS that the draft does not name, not vmid 10001"]


def quote_of(draft_id=7, prorated=40, recurring=219, **draft_kwargs):
    return quote_from_reply({"prorated": prorated, "draftId": draft_id, "raw": {"draft": draft(
        recurring, total=prorated if isinstance(prorated, (int, float)) else 0, draft_id=draft_id, **draft_kwargs)}},
        "monthly")


def test_a_users_draft_is_compared_with_a_fresh_estimate_by_services_currency_and_prices():
    fresh = quote_of(draft_id=8)
    assert differences(quote_of(), fresh) == []
    assert differences(quote_of(prorated=40.004), fresh) == []  # the same to the cent
    assert differences(quote_of(prorated=20, recurring=179), fresh) == [
        "draft 7 has due now 20.00, HostUp's estimate of exactly the request (draft 8) has 40.00",
        "draft 7 has recurring price 179.00, HostUp's estimate of exactly the request (draft 8) has 219.00"]
    assert differences(quote_of(product_id="1939"), fresh) == [
        "draft 7 holds other services (account, package or cycle) than HostUp's estimate of exactly the request "
        "(draft 8)"]
    other_currency = quote_of()
    other_currency.figures["currency"] = "EUR"
    assert differences(other_currency, fresh) == [
        "draft 7 has currency EUR, HostUp's estimate of exactly the request (draft 8) has SEK"]
    unknown = quote_of(prorated="NaN")
    assert differences(unknown, fresh)[0] == (
        "draft 7 has due now unknown, HostUp's estimate of exactly the request (draft 8) has 40.00")
    unreadable = quote_from_reply({"prorated": 40, "draftId": 8, "raw": {}}, "monthly")
    assert differences(quote_of(), unreadable)[0] == (
        "draft 8 cannot be checked, so what it orders is unknown: the reply has no raw.draft")


@pytest.mark.parametrize("data, recurring, sent", [
    ({"recurring": 259}, 259.0, "259"),
    ({"recurring": 259, "raw": {"draft": {"price": {"recurring": {"m": "259.40"}}}}}, 259.4, "259 and the draft's 259.40"),
    ({"recurring": 140, "raw": {"draft": {"price": {"recurring": {"m": "140.50"}}}}}, 140.5, "140 and the draft's 140.50"),
    ({"recurring": 99, "raw": {"draft": {"price": {"recurring": {"m": "259.00"}}}}}, None, "99 and the draft's 259.00"),
    ({"recurring": "NaN", "raw": {"draft": {"price": {"recurring": {"m": "259.00"}}}}}, None,
     "NaN and the draft's 259.00"),
    ({"raw": {"draft": {"price": {"recurring": {"a": "2590.00"}}}}}, None, "None"),  # keyed by another cycle
    ({"raw": {"draft": {"price": {"recurring": ["259.00"]}}}}, None, "None"),
])
def test_the_recurring_price_is_the_drafts_for_the_estimated_cycle_and_must_agree_with_data_recurring(
        data, recurring, sent):
    quote = quote_from_reply(dict(data, prorated=0, draftId=1), "monthly")
    assert (quote.figures["recurring"], quote.as_sent["recurring"]) == (recurring, sent)


@pytest.mark.parametrize("status, code, change, hint", [
    (404, "NOT_FOUND", {"draftId": 99}, "No such draft: check draft_id; HostUp has no open draft 99"),  # never vmid
    (403, "FORBIDDEN", {"package": "1938"}, render("hint.estimate_scope")),  # pricing needs write:billing
])
def test_an_estimates_404_says_draft_and_its_403_says_pricing_needs_write_billing(conversation, status, code, change,
                                                                                  hint):
    conversation.expect("POST", UPGRADE, status=status, reply=api_error(status, code, "no"))
    with pytest.raises(HostUpError) as caught:
        estimate_change(HostUpClient(API, KEY), 10001, change, "monthly")
    assert caught.value.hint.startswith(hint) and "vmid" not in str(caught.value)


@pytest.mark.parametrize("change, problem", [
    ({"id": 8}, "HostUp's estimate names draft 7, but the draft it shows (raw.draft.id) is 8: what was checked is not "
                "what would be ordered"),
    ({"id": None}, "HostUp's estimate names draft 7, but the draft it shows (raw.draft.id) is not named: what was "
                   "checked is not what would be ordered"),
    ({"addons": [{"id": "77", "name": "Anna Svensson"}]},
     "draft 7 also holds 1 item(s) in raw.draft.addons, so an order of it may order more than was asked"),
    ({"domains": [{"name": "example.se"}, {"name": "example.com"}]},
     "draft 7 also holds 2 item(s) in raw.draft.domains, so an order of it may order more than was asked"),
    ({"domains": {"1": "example.se"}}, "draft 7 has raw.draft.domains as an object, not a list, so an order of it "
                                       "may order more than was asked"),
    ({"addons": "missing"}, "draft 7 does not show raw.draft.addons, so an order of it may order more than was asked"),
    ({"services.1.addons": [{"id": "3"}]},
     "draft 7 also holds 1 item(s) in raw.draft.services.1.addons, so an order of it may order more than was asked"),
])
def test_a_draft_that_is_another_draft_or_holds_addons_or_domains_is_not_the_change(change, problem):
    held = draft(259, product_id="1937", draft_id=7)
    for key, value in change.items():
        target, *path = key.split(".")
        section = held
        if path:
            section = held["services"]["1"]
            key = path[-1]
        if value == "missing":
            del section[key]
        else:
            section[key] = value
    facts = quote_from_reply({"prorated": 0, "draftId": 7, "raw": {"draft": held}}, "monthly").draft
    problems = draft_problems(facts, 10001, {"package": ("1937", "current")})
    assert problems == [problem]
    assert_no_leak(json.dumps(problems), "Anna Svensson")


@pytest.mark.parametrize("cycle, held", [("Anna Svensson", "unrecognised"), ("q", "unrecognised"), ("", "unknown"),
                                         ("Annually", "annually")])
def test_a_drafts_cycle_is_named_as_this_collection_names_cycles_never_with_hostups_text(cycle, held):
    problems = draft_problems(facts(product_id="1937", cycle=cycle), 10001,
                              {"package": ("1937", "current"), "cycle": ("monthly", "current")})
    assert problems == ["draft 7 holds billing cycle %s, not the current cycle monthly" % held]


@pytest.mark.parametrize("body, hinted", [
    ({"package": "9999"}, True),
    ({"resources": {"9999": 1}}, True),
    ({"draftId": 5257}, False),  # no id of the user's but the draft: "no such draft" is another hint
    ({"cycle": "a"}, False),
])
def test_a_400_to_an_estimate_of_package_or_resources_says_where_valid_ids_come_from(conversation, body, hinted):
    conversation.expect("POST", UPGRADE, status=400, reply=api_error(400, "BAD_REQUEST", "Invalid input detected"))
    with pytest.raises(HostUpError) as caught:
        estimate_change(HostUpClient(API, KEY), 10001, body, "monthly")
    line = str(caught.value)
    assert (caught.value.reason == "estimate.unknown_ids") is hinted
    assert ("hostup_vps_info" in line and "README (Package and option ids)" in line) is hinted
    assert "HTTP 400 BAD_REQUEST: Invalid input detected" in line and "\n" not in line


def test_an_unpaid_invoice_400_to_an_estimate_gets_no_id_hint(conversation):
    conversation.expect("POST", UPGRADE, status=400, reply=api_error(
        400, "BAD_REQUEST", "Existing invoice", existing_invoice=True, invoice_id="49526"))
    with pytest.raises(HostUpError) as caught:
        estimate_change(HostUpClient(API, KEY), 10001, {"package": "1938"}, "monthly")
    assert caught.value.reason != "estimate.unknown_ids"


@pytest.mark.parametrize("variable, label", [
    ("disk_size", "disk_size"), ("backuplimit", "backuplimit"), ("ip6size", "ip6size"),
    (PERSON_NAME, None), ("agnes_unittestsson" * 3, None), ("Disk", None), ("disk size", None),
    ("{{ lookup('pipe', 'id') }}", None), ("disk\x1b[31m", None), ("2232", None), ("", None), (None, None),
    (["disk_size"], None), ("diskå", None),
])
def test_an_options_label_is_its_variable_when_that_is_a_lowercase_identifier_and_never_its_name(variable, label):
    described = dict(option(2210, "slider"), variable=variable)  # its name and _name are a person's
    reply = {"prorated": 0, "draftId": 7, "raw": {"draft": draft(259, draft_id=7, options={"2210": described})}}
    quote = quote_from_reply(reply, "monthly")
    assert option_labels(quote, {"2210": 10, "2232": 80}) == {"2210": label, "2232": None}
    assert_no_leak(json.dumps(quote.draft), PERSON_NAME, *PERSONAL.values())


@pytest.mark.parametrize("signs, why", [
    ({"upgraded": True}, "upgraded: true"),
    ({"success": False, "message": "Draft converted"}, "success: false: Draft converted"),
    ({"success": False, "message": 42}, "success: false"),
    ({"orderNum": "1693887344"}, "it names order number 1693887344"),
    ({"invoiceId": "49526"}, "it names invoice 49526"),
    ({"raw": {"call": "getOrderDraft", "checkout": {}}}, "it carries an order's checkout (raw.checkout)"),
    ({"raw": {"call": "orderUpgrade"}}, "raw.call is orderUpgrade, an ordering call"),
])
def test_an_estimate_reply_with_any_sign_of_an_order_is_no_estimate_and_says_which(conversation, signs, why):
    reply = {"estimate": True, "upgraded": False, "prorated": 60, "draftId": 5257, "raw": {"draft": draft(259)}}
    reply.update(signs)
    conversation.expect("POST", UPGRADE, reply={"success": True, "requestId": "rid", "data": reply})
    with pytest.raises(HostUpError) as caught:
        estimate_change(HostUpClient(API, KEY), 10001, {"package": "1938"}, "monthly")
    assert caught.value.reason == "reply.not_estimate" and "(%s)" % why in str(caught.value)


def test_a_draft_of_another_id_and_another_vps_names_both_problems():
    held = facts(product_id="1937")
    held.update(held_id=8, services=[dict(held["services"][0], account_id="10002")])
    assert draft_problems(held, 10001, {}) == [
        "HostUp's estimate names draft 7, but the draft it shows (raw.draft.id) is 8: what was checked is not what "
        "would be ordered",
        "draft 7 is for VPS 10002, not vmid 10001"]

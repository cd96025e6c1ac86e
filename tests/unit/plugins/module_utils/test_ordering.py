# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ordering.py: the budget gate, the ordering call's failures and its ledger entry."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import requests

from ansible_collections.hostup.cloud.plugins.module_utils import ordering
from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, HostUpError, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.ledger import Ledger, file_stem, vps_key
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import MONEY_TOLERANCE
from ansible_collections.hostup.cloud.plugins.module_utils.ordering import (
    budget_problems, check_ordering_options, order_failure, order_from_reply, refuse_unless_within_budget,
)
from ansible_collections.hostup.cloud.plugins.module_utils.outcome import Outcome
from ansible_collections.hostup.cloud.plugins.module_utils.quote import quote_from_reply
from ansible_collections.hostup.cloud.plugins.module_utils.reconcile import asked_change
from ansible_collections.hostup.cloud.plugins.module_utils.transport import HostUpClient
from ansible_collections.hostup.cloud.tests.unit.helpers import API as API_HOSTUP, KEY, api_error, ok
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import UPGRADE, draft


def test_a_direct_order_reply_is_read_from_its_checkout():
    reply = {"message": "Upgrade request submitted successfully", "redirectUrl": None,
             "raw": {"call": "orderConfigUpgrade", "checkout": {"invoice_id": 0, "order_id": 34889,
                                                                "order_num": 1693887344, "total": "-205.26"}}}
    assert order_from_reply(reply) == {"order_id": "34889", "order_num": "1693887344", "invoice_id": None,
                                       "redirect_url": None, "message": "Upgrade request submitted successfully"}


@pytest.mark.parametrize("error, unknown", [
    (HostUpError("POST", "/x", "m", status=502), True),
    (HostUpError("POST", "/x", "m", status=None, reached_server=None), True),
    (HostUpError("POST", "/x", "m", status=200), True),
    (HostUpError("POST", "/x", "m", status=400), False),
    (HostUpError("POST", "/x", "m", status=429), False),
    (HostUpError("POST", "/x", "m", status=None, reached_server=False), False),
])
def test_an_order_failure_is_unknown_unless_hostup_refused_it_or_was_never_reached(error, unknown):
    reason, _values = order_failure(error, "the order")
    assert reason == ("order.unknown" if unknown else "order.refused")


def quote(prorated=60, recurring=259, **draft_kwargs):
    return quote_from_reply({"prorated": prorated, "recurring": recurring, "draftId": 5,
                             "raw": {"draft": draft(259, total=0.0, **draft_kwargs)}}, "monthly")


def test_a_recurring_price_that_is_no_finite_number_fails_max_recurring():
    assert budget_problems(quote(recurring="NaN"), None, None) == []
    problems = budget_problems(quote(recurring="NaN"), None, 5000.0)
    assert problems == ["HostUp's estimate gave no finite recurring price (recurring NaN and the draft's 259.00) to "
                        "compare with max_recurring 5000.00"]


def test_budgets_compare_with_one_named_tolerance():
    assert budget_problems(quote(prorated=60.004), 60.0, 259.0) == []
    assert budget_problems(quote(prorated=60.0 + 2 * MONEY_TOLERANCE), 60.0, None) == [
        "60.01 due now is more than max_prorated 60.00"]
    with pytest.raises(TaskFailed) as caught:
        refuse_unless_within_budget(quote(), {"max_prorated": 10.0, "max_recurring": 100.0}, {})
    assert caught.value.reason == "order.over_budget"
    assert caught.value.message.startswith("Over budget, nothing was ordered: 60.00 due now is more than "
                                           "max_prorated 10.00; 259.00 recurring")


@pytest.mark.parametrize("reply, unreadable", [
    ({"prorated": prorated, "recurring": 259, "raw": {"draft": draft(259, total=0.0)}}, "prorated %s" % (prorated,))
    for prorated in ("NaN", "inf", "-inf", "lots", None)] + [
    ({"prorated": 60, "raw": {"draft": {"price": {"total": "1e309"}}}}, "draft's order total 1e309"),
    ({"prorated": 60, "raw": {"draft": {"price": {"total": "60,00"}}}}, "draft's order total 60,00"),
    ({"prorated": 60, "raw": {"draft": {"price": {"setup": "abc"}}}}, "setup fee abc"),
    ({"prorated": 60, "total": "Infinity"}, "total Infinity"),
    ({"prorated": 60, "total": [60]}, "total [60]"),
])
def test_every_amount_due_now_hostup_gives_must_be_finite_even_without_a_budget(reply, unreadable):
    quote = quote_from_reply(dict(reply, draftId=1), "monthly")
    assert quote.figures["due_now"] is None
    for budget in (None, 1000000.0):
        assert budget_problems(quote, budget, None) == [
            "HostUp's estimate gave no finite amount due now (%s), so the price cannot be checked" % unreadable]


class Task(object):
    """What place_order needs of a module: a client, the VPS's ledger, the outcome, warnings."""

    def __init__(self, state_dir):
        self.client = HostUpClient(API_HOSTUP, KEY)
        self.ledger = Ledger(str(state_dir), API_HOSTUP, 10001)
        self.outcome = Outcome()
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    def order(self):
        entry = self.ledger.new_entry("test", "the order of draft 99", asked_change(package="1938"), draft_id=99)
        return ordering.place_order(self, UPGRADE, {"send": True, "draftId": 99}, "the order of draft 99",
                                    needs_order_id=True, result={}, entry=entry)


@pytest.mark.parametrize("reply, state, reason", [
    (dict(status=502, reply=api_error(502, "BAD_GATEWAY", "Bad Gateway")), "unknown", "order.unknown"),
    (dict(raises=requests.exceptions.ConnectionError("Connection aborted")), "unknown", "order.unknown"),
    (dict(reply=ok({"success": True})), "unknown", "order.unproven"),
    (dict(reply=ok({"success": False, "orderId": 7})), "unknown", "order.maybe_placed"),
    (dict(status=400, reply=api_error(400, "BAD_REQUEST", "No")), None, "order.refused"),
    (dict(raises=requests.exceptions.ConnectTimeout("no route")), None, "order.refused_hint"),
    # a draft HostUp does not know: says draft (never vmid), and nothing was ordered
    (dict(status=404, reply=api_error(404, "NOT_FOUND", "Order draft 99 not found")), None, "order.refused_hint"),
])
def test_the_ledger_keeps_every_answer_that_may_have_ordered_and_forgets_a_refusal(
        conversation, private_state_dir, reply, state, reason):
    conversation.expect("POST", UPGRADE, **reply)
    task = Task(private_state_dir)
    with pytest.raises(TaskFailed) as caught:
        task.order()
    assert caught.value.reason == reason
    assert [entry["state"] for entry in task.ledger.entries()] == ([state] if state else [])
    if state:
        assert task.ledger.entries()[0]["id"] in caught.value.message
    if reason == "order.maybe_placed":  # the order HostUp named is in the failed result
        assert caught.value.result["order"]["order_id"] == "7"
    if reply.get("status") == 404:
        assert "No such draft: check draft_id" in caught.value.message and "vmid" not in caught.value.message


def test_the_intent_is_in_the_ledger_before_the_call_is_sent(conversation, private_state_dir):
    task = Task(private_state_dir)
    seen = []

    send = conversation.request

    def look(*args, **kwargs):
        seen.extend(entry["state"] for entry in Ledger(str(private_state_dir), API_HOSTUP, 10001).entries())
        return send(*args, **kwargs)
    conversation.expect("POST", UPGRADE, body={"send": True, "draftId": 99},
                        reply=ok({"orderId": 34889, "invoiceId": "49526"}))
    conversation.request = look
    task.order()
    assert seen == ["sending"]
    [entry] = task.ledger.entries()
    assert (entry["state"], entry["order_id"], entry["invoice_id"]) == ("placed", "34889", "49526")


def test_a_ledger_that_cannot_be_written_stops_the_order_before_it_is_sent(conversation, private_state_dir):
    private_state_dir.mkdir(mode=0o700)
    (private_state_dir / "ledger").mkdir(mode=0o700)
    (private_state_dir / "ledger" / (file_stem(vps_key(API_HOSTUP), 10001) + ".json")).write_text("{torn")
    os.chmod(str(private_state_dir / "ledger" / (file_stem(vps_key(API_HOSTUP), 10001) + ".json")), 0o600)
    task = Task(private_state_dir)
    with pytest.raises(TaskFailed) as caught:
        task.order()
    assert caught.value.reason == "ledger.unreadable" and conversation.sent == []
    assert task.outcome["status"] == "refused"


@pytest.mark.parametrize("home", ["elsewhere", "missing"])
def test_the_default_state_dir_is_the_users_whatever_home_says(tmp_path, monkeypatch, home):
    """Two runs of one user with another HOME (cron, sudo, an AWX job) must share the ledger and its locks."""
    import pwd
    users_home = tmp_path / "users-home"
    users_home.mkdir()
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: pwd.struct_passwd(
        ("someone", "x", uid, uid, "", str(users_home if home == "elsewhere" else tmp_path / "gone"), "/bin/sh")))
    seen = []
    for run_home in ("run-one", "run-two"):
        monkeypatch.setenv("HOME", str(tmp_path / run_home))
        params = {"state_dir": os.path.expanduser(ordering.DEFAULT_STATE_DIR)}  # as Ansible expands the default
        ordering.check_state_dir(params)
        seen.append(params["state_dir"])
    if home == "elsewhere":
        assert seen == [str(users_home / ".ansible" / "hostup_cloud")] * 2
    else:  # no home of the user exists: HOME it is, as before
        assert seen == [str(tmp_path / run / ".ansible" / "hostup_cloud") for run in ("run-one", "run-two")]


def test_a_state_dir_given_stays_as_given(tmp_path):
    params = {"state_dir": str(tmp_path / "mine")}
    ordering.check_state_dir(params)
    assert params["state_dir"] == str(tmp_path / "mine")


@pytest.mark.parametrize("given, problem", [
    ({"max_prorated": 0.0, "max_recurring": 0.0, "wait_timeout": 1, "pending_window": 0}, None),  # the smallest
    ({"max_recurring": -0.01}, "max_recurring must be a number 0 or more, got -0.01"),
    ({"max_prorated": float("nan")}, "max_prorated must be a number 0 or more, got nan"),
    ({"wait_timeout": 0}, "wait_timeout must be 1 second or more, got 0"),
    ({"pending_window": -1}, "pending_window must be 0 or more, got -1"),
])
def test_ordering_options_are_checked_at_their_bounds_naming_the_option(tmp_path, given, problem):
    params = dict({"max_prorated": None, "max_recurring": None, "wait_timeout": 600, "pending_window": 300,
                   "state_dir": str(tmp_path)}, **given)
    if problem is None:
        check_ordering_options(params)
        return
    with pytest.raises(BadOption) as caught:
        check_ordering_options(params)
    assert caught.value.message == problem

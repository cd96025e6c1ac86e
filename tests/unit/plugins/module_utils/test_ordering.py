# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ordering.py: the budget gate, the ordering call's failures and the per-VPS lock of a controller."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils import ordering
from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import MONEY_TOLERANCE
from ansible_collections.hostup.cloud.plugins.module_utils.ordering import (
    budget_problems, order_failure, order_from_reply, refuse_unless_within_budget,
)
from ansible_collections.hostup.cloud.plugins.module_utils.outcome import Outcome
from ansible_collections.hostup.cloud.plugins.module_utils.quote import quote_from_reply
from ansible_collections.hostup.cloud.plugins.module_utils.transport import HostUpClient
from ansible_collections.hostup.cloud.tests.unit.helpers import API as API_HOSTUP, KEY, api_error
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import UPGRADE, draft

API = "http://127.0.0.1:18443"


@pytest.fixture(autouse=True)
def private_tmp(monkeypatch, tmp_path):
    monkeypatch.setattr(ordering.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path


def test_the_lock_lives_in_a_private_directory_keyed_by_host_port_and_vmid(private_tmp):
    path = ordering.lock_path("https://cloud.hostup.se", 10001)
    assert os.path.basename(path) == "cloud.hostup.se_443_vm10001.lock"
    assert ordering.lock_path(API, 10001) != ordering.lock_path(API, 10002)
    assert ordering.lock_path(API, 10001) != ordering.lock_path("http://127.0.0.2:18443", 10001)
    info = os.stat(os.path.dirname(path))
    assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.getuid()


def test_a_directory_others_can_enter_is_refused(private_tmp):
    directory = private_tmp / ("hostup-cloud-locks-%d" % os.getuid())
    directory.mkdir(mode=0o777)
    os.chmod(str(directory), 0o777)
    with pytest.raises(TaskFailed) as caught:
        with ordering.vps_lock(API, 10001, 0):
            pass
    assert caught.value.reason == "lock.unavailable"
    assert "not a directory private to this user" in caught.value.message


def test_a_second_holder_waits_a_bounded_time_then_is_told_which_vps(monkeypatch):
    with ordering.vps_lock(API, 10001, 0):
        with ordering.vps_lock(API, 10002, 0):
            pass
        with pytest.raises(TaskFailed) as caught:
            with ordering.vps_lock(API, 10001, 0.3):
                pass
    assert caught.value.reason == "lock.busy" and caught.value.values["vmid"] == 10001


def test_the_lock_is_released_on_every_exit_path():
    with pytest.raises(SystemExit):
        with ordering.vps_lock(API, 10001, 0):
            raise SystemExit(1)  # fail_json ends a module this way
    with ordering.vps_lock(API, 10001, 0):
        pass


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


@pytest.mark.parametrize("prorated", ["NaN", "inf", "-inf", "lots", None])
def test_an_amount_due_now_that_is_no_finite_number_never_passes_even_without_a_budget(prorated):
    for budget in (None, 1000000.0):
        problems = budget_problems(quote(prorated=prorated), budget, None)
        assert len(problems) == 1 and "no finite amount due now (prorated %s)" % (prorated,) in problems[0]


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


def test_an_order_of_a_draft_hostup_does_not_know_says_draft_and_nothing_was_ordered(conversation):
    conversation.expect("POST", UPGRADE, status=404, reply=api_error(404, "NOT_FOUND", "Order draft 99 not found"))
    with pytest.raises(TaskFailed) as caught:
        ordering.place_order(HostUpClient(API_HOSTUP, KEY), UPGRADE, {"send": True, "draftId": 99},
                             "the order of draft 99", needs_order_id=True, result={}, outcome=Outcome())
    assert caught.value.reason == "order.refused_hint"
    assert "No such draft: check draft_id" in caught.value.message and "vmid" not in caught.value.message

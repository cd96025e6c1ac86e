# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""outcome.py: what a task says happened to the money, whichever way it ends."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils.outcome import FIELDS, STATUSES, Outcome

ORDER = {"order_id": "34889", "invoice_id": "49526"}


def test_an_outcome_has_every_field_and_starts_refused():
    outcome = Outcome()
    assert tuple(outcome) == FIELDS and outcome["status"] == "refused" and outcome["options"] == []


@pytest.mark.parametrize("steps, reason, status", [
    ([], "order.over_budget", "over_budget"),
    ([], "order.pending_invoice", "blocked"),
    ([], "upgrade.draft_mismatch", "refused"),
    ([], "reply.not_estimate", "unknown"),
    (["sending"], "order.refused", "refused"),
    (["sending"], "order.unknown", "unknown"),
    (["sending"], "call.http", "unknown"),
    (["sending", "placed"], "order.not_visible", "ordered"),
    (["sending", "placed"], "call.http", "ordered"),
])
def test_a_stop_keeps_what_was_sent(steps, reason, status):
    outcome = Outcome()
    for step in steps:
        getattr(outcome, step)(*((ORDER, 60.0) if step == "placed" else ()))
    outcome.stopped(reason)
    assert outcome["status"] == status and status in STATUSES


@pytest.mark.parametrize("changed, check_mode, status", [(True, True, "priced"), (False, False, "no_change"),
                                                         (False, True, "no_change")])
def test_a_task_that_ends_without_ordering_priced_or_found_nothing(changed, check_mode, status):
    outcome = Outcome()
    outcome.ended(changed, check_mode)
    assert outcome["status"] == status


def test_what_the_task_read_asked_and_priced_is_kept():
    outcome = Outcome()
    outcome.read("1937", "monthly", 139.0)
    outcome.asked(package="1938", resources={"2404": 2, "2232": 120})
    outcome.priced({"currency": "SEK", "due_now": 60.0, "recurring": 259.0, "draft_id": 5257})
    outcome.sending()
    outcome.placed(ORDER, 61.0)
    outcome.ended(True, False)
    assert dict(outcome, placed_at=None) == {
        "status": "ordered", "currency": "SEK", "due_now": 60.0, "order_total": 61.0, "recurring_before": 139.0,
        "recurring_after": 259.0, "cycle_before": "monthly", "cycle_after": "monthly", "package_before": "1937",
        "package_after": "1938",
        "options": [{"id": "2232", "value": 120, "name": None}, {"id": "2404", "value": 2, "name": None}],
        "draft_id": 5257, "order_id": "34889", "invoice_id": "49526", "placed_at": None}
    assert outcome["placed_at"].endswith("Z")


def test_options_carry_their_names_once_an_estimate_gives_them_and_keep_them_when_asked_again():
    outcome = Outcome()
    outcome.asked(resources={"2404": 9, "2232": 120})
    assert outcome["options"] == [{"id": "2232", "value": 120, "name": None}, {"id": "2404", "value": 9, "name": None}]
    outcome.named({"2232": "disk_size", "2404": None})
    outcome.asked(resources={"2404": 9, "2232": 120})
    assert [(o["id"], o["name"]) for o in outcome["options"]] == [("2232", "disk_size"), ("2404", None)]

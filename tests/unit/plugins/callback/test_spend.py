# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spend report: recorded task results in, the exact table and JSON out."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible import context
from ansible.module_utils.common.collections import ImmutableDict

from ansible_collections.hostup.cloud.tests.unit.plugins.callback.spend_results import (
    BILLING_CYCLE,
    SECRETS,
    UPGRADE,
    estimate,
    failed_order_upgrade,
    failed_read_upgrade,
    invocation,
    make_callback,
    ordered_upgrade,
    over_budget_upgrade,
    priced_switch,
    priced_upgrade,
    switched_without_estimate,
    task_result,
    unchanged_switch,
    unchanged_upgrade,
    unpaid_invoice_upgrade,
)

HEADER = ("host        vmid  change                     due now  recurring               currency  "
          "order / why nothing was ordered")


@pytest.fixture(autouse=True)
def cli_args(monkeypatch):
    """A run without --check unless a test says otherwise."""
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=False))
    monkeypatch.delenv("HOSTUP_SPEND_REPORT", raising=False)


def run_check(monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=True))


def play(results, report_file=None):
    """Feed ``(event, TaskResult)`` pairs to a fresh callback, end the playbook; the callback."""
    callback = make_callback(report_file)
    for event, result in results:
        if event == "failed":
            callback.v2_runner_on_failed(result, ignore_errors=True)
        else:
            getattr(callback, "v2_runner_%s" % event)(result)
    callback.v2_playbook_on_stats(None)
    return callback


def printed(callback):
    return callback._display.text.split("\n")


def written(path):
    with open(str(path)) as handle:
        return json.load(handle)


def row(host, vmid, module=UPGRADE, **fields):
    """One JSON row: every key, null unless given."""
    expected = {"host": host, "vmid": vmid, "module": module,
                "change": {"package": None, "cycle": None, "resources": []},
                "outcome": None, "note": None, "currency": None, "due_now": None, "credits": None,
                "recurring": {"before": None, "after": None, "cycle_before": None, "cycle_after": None},
                "recurring_change": None, "draft_id": None, "order_id": None, "invoice_id": None,
                "pending_invoice_id": None, "applied": None, "api_status": None, "api_code": None}
    expected.update(fields)
    return expected


def pair(before, after):
    return {"before": before, "after": after}


def recurring(before, after, cycle_before, cycle_after=None):
    return {"before": before, "after": after, "cycle_before": cycle_before, "cycle_after": cycle_after or cycle_before}


def total(basis, currency, changes, due_now, recurring_change, recurring_unknown=0):
    return {"basis": basis, "currency": currency, "changes": changes, "due_now": due_now,
            "recurring_change": recurring_change, "recurring_unknown": recurring_unknown}


# --- the cases of the issue ----------------------------------------------------------

def test_a_check_run_is_priced_only_and_totals_the_estimates(monkeypatch, tmp_path):
    run_check(monkeypatch)
    callback = play([
        ("on_ok", task_result("web-1", UPGRADE, priced_upgrade(10001, 5257), check_mode=True)),
        ("on_ok", task_result("web-2", UPGRADE, priced_upgrade(10002, 5258), check_mode=True)),
        ("on_ok", task_result("db-1", UPGRADE, unchanged_upgrade(10003), check_mode=True)),
    ], report_file=str(tmp_path / "spend.json"))

    assert printed(callback) == [
        "HostUp spend: priced only, nothing was ordered (--check)",
        "",
        "host    vmid  change                due now  recurring               currency  order / why nothing was ordered",
        "db-1   10003  package 1938                -  2890.00/yr              -         no change",
        "web-1  10001  package 1937 -> 1938    60.00  139.00/mo -> 259.00/mo  SEK       priced only (check mode)",
        "web-2  10002  package 1937 -> 1938    60.00  139.00/mo -> 259.00/mo  SEK       priced only (check mode)",
        "",
        "Total SEK, priced only, not ordered (2 changes): due now 120.00; recurring per cycle monthly +240.00",
    ]
    priced = dict(change={"package": pair("1937", "1938"), "cycle": None, "resources": []}, outcome="priced",
                  note="priced only (check mode)", currency="SEK", due_now=60.0, credits=0.0,
                  recurring=recurring(139.0, 259.0, "monthly"), recurring_change={"monthly": 120.0})
    assert written(tmp_path / "spend.json") == {
        "format_version": 1,
        "check_mode": True,
        "rows": [
            row("db-1", 10003, change={"package": pair("1938", "1938"), "cycle": None, "resources": []},
                outcome="no_change", note="no change", recurring=recurring(2890.0, 2890.0, "annually")),
            row("web-1", 10001, draft_id=5257, **priced),
            row("web-2", 10002, draft_id=5258, **priced),
        ],
        "totals": [total("priced", "SEK", 2, 120.0, {"monthly": 240.0})],
        "unpriced": 0,
    }


def test_the_roles_estimate_and_its_order_are_one_row_counted_once(tmp_path):
    # vps_plan: a check_mode estimate, then an order of that draft, then the cycle switch
    callback = play([
        ("on_ok", task_result("localhost", UPGRADE, priced_upgrade(10001, 5257), check_mode=True)),
        ("on_ok", task_result("localhost", UPGRADE, ordered_upgrade(10001, 5257))),
        ("on_ok", task_result("localhost", BILLING_CYCLE, switched_without_estimate(10001))),
    ], report_file=str(tmp_path / "spend.json"))

    assert printed(callback) == [
        "HostUp spend: what this run priced and ordered",
        "",
        HEADER,
        "localhost  10001  package 1937 -> 1938         60.00  139.00/mo -> 259.00/mo  SEK       order 34889, invoice 49526",
        "localhost  10001  cycle monthly -> annually        -  ? -> 1390.00/yr         -         switched",
        "",
        "Total SEK, ordered (1 change): due now 60.00; recurring per cycle monthly +120.00",
        "Not in the totals: 1 change without amounts in the module results.",
    ]
    assert written(tmp_path / "spend.json") == {
        "format_version": 1,
        "check_mode": False,
        "rows": [
            row("localhost", 10001, change={"package": pair("1937", "1938"), "cycle": None, "resources": []},
                outcome="ordered", note="order 34889, invoice 49526", currency="SEK", due_now=60.0, credits=0.0,
                recurring=recurring(139.0, 259.0, "monthly"), recurring_change={"monthly": 120.0},
                draft_id=5257, order_id="34889", invoice_id="49526"),
            row("localhost", 10001, BILLING_CYCLE,
                change={"package": None, "cycle": pair("monthly", "annually"), "resources": []},
                outcome="ordered", note="switched", recurring=recurring(None, 1390.0, "monthly", "annually")),
        ],
        "totals": [total("ordered", "SEK", 1, 60.0, {"monthly": 120.0})],
        "unpriced": 1,
    }


def test_a_check_mode_task_of_a_real_run_is_priced_only_and_totalled_apart():
    callback = play([
        ("on_ok", task_result("web-1", UPGRADE, ordered_upgrade(10001, 5257))),
        ("on_ok", task_result("web-2", BILLING_CYCLE, priced_switch(10002), check_mode=True)),
    ])
    assert printed(callback)[3:] == [
        "web-1  10001  package 1937 -> 1938         60.00  139.00/mo -> 259.00/mo  SEK       order 34889, invoice 49526",
        "web-2  10002  cycle monthly -> annually  1320.50  ? -> 1390.00/yr         SEK       priced only (check mode)",
        "",
        "Total SEK, ordered (1 change): due now 60.00; recurring per cycle monthly +120.00",
        "Total SEK, priced only, not ordered (1 change): due now 1320.50; recurring per cycle unknown for 1 change",
    ]


def test_a_cycle_switch_with_its_diff_knows_the_recurring_change(monkeypatch):
    run_check(monkeypatch)
    switch = dict(priced_switch(10002), diff={"before": {"cycle": "monthly", "price": 139.0},
                                              "after": {"cycle": "annually", "price": 1390.0}})
    report = play([("on_ok", task_result("web-2", BILLING_CYCLE, switch, check_mode=True))]).report()
    assert report["rows"][0]["recurring_change"] == {"monthly": -139.0, "annually": 1390.0}
    assert report["totals"] == [total("priced", "SEK", 1, 1320.5, {"monthly": -139.0, "annually": 1390.0})]


def test_a_real_cycle_switch_is_totalled_from_its_estimate_and_previous_price():
    switch = dict(priced_switch(10002), previous_price=139.0, message="Billing cycle changed successfully",
                  estimate=dict(estimate(5258, 1320.5, 1390.0), due_now=1320.5))
    report = play([("on_ok", task_result("web-2", BILLING_CYCLE, switch))]).report()
    assert (report["rows"][0]["outcome"], report["rows"][0]["due_now"]) == ("ordered", 1320.5)
    assert report["totals"] == [total("ordered", "SEK", 1, 1320.5, {"monthly": -139.0, "annually": 1390.0})]


def test_due_now_is_the_figure_the_budget_compared_a_setup_fee_included():
    order = dict(ordered_upgrade(10001), estimate=dict(estimate(5257, 60.0, 259.0), due_now=560.0))
    report = play([("on_ok", task_result("web-1", UPGRADE, order))]).report()
    assert report["rows"][0]["due_now"] == 560.0


def test_changes_without_amounts_are_counted_apart_from_nothing():
    callback = play([("on_ok", task_result("web-2", BILLING_CYCLE, switched_without_estimate(10002)))])
    assert printed(callback)[2:] == [
        "host    vmid  change                     due now  recurring        currency  order / why nothing was ordered",
        "web-2  10002  cycle monthly -> annually        -  ? -> 1390.00/yr  -         switched",
        "",
        "Not in the totals: 1 change without amounts in the module results.",
    ]


def test_an_amount_that_is_not_a_finite_number_is_no_amount():
    broken = ordered_upgrade(10001, 5257)
    broken["estimate"].update(prorated=float("nan"), recurring=float("inf"))
    report = play([("on_ok", task_result("web-1", UPGRADE, broken))]).report()
    assert (report["rows"][0]["due_now"], report["rows"][0]["recurring"]["after"]) == (None, None)
    assert (report["totals"], report["unpriced"]) == ([], 1)


def test_no_change_is_listed_and_not_totalled():
    callback = play([
        ("on_ok", task_result("db-1", UPGRADE, unchanged_upgrade(10003))),
        ("on_ok", task_result("db-1", BILLING_CYCLE, unchanged_switch(10003))),
    ])
    assert printed(callback) == [
        "HostUp spend: what this run priced and ordered",
        "",
        "host   vmid  change          due now  recurring   currency  order / why nothing was ordered",
        "db-1  10003  package 1938          -  2890.00/yr  -         no change",
        "db-1  10003  cycle annually        -  2890.00/yr  -         no change",
        "",
        "Nothing was ordered or priced.",
    ]
    assert [r["outcome"] for r in callback.report()["rows"]] == ["no_change", "no_change"]
    assert callback.report()["totals"] == []


def test_a_budget_refusal_says_over_budget_and_is_not_totalled(tmp_path):
    callback = play([("failed", task_result("web-1", UPGRADE, over_budget_upgrade(10001)))],
                    report_file=str(tmp_path / "spend.json"))
    assert printed(callback)[2:] == [
        "host    vmid  change                due now  recurring               currency  order / why nothing was ordered",
        "web-1  10001  package 1937 -> 1939   230.50  139.00/mo -> 600.00/mo  SEK       not ordered: over budget",
        "",
        "Nothing was ordered or priced.",
    ]
    assert written(tmp_path / "spend.json")["rows"] == [
        row("web-1", 10001, change={"package": pair("1937", "1939"), "cycle": None, "resources": []},
            outcome="over_budget", note="not ordered: over budget", currency="SEK", due_now=230.5, credits=0.0,
            recurring=recurring(139.0, 600.0, "monthly"), draft_id=5258)]


def test_an_unpaid_invoice_is_named_as_the_reason(tmp_path):
    callback = play([("failed", task_result("shop", UPGRADE, unpaid_invoice_upgrade(10004)))],
                    report_file=str(tmp_path / "spend.json"))
    assert printed(callback)[2:4] == [
        "host   vmid  change          due now  recurring       currency  order / why nothing was ordered",
        "shop  10004  resources 2253        -  139.00/mo -> ?  -         not ordered: unpaid invoice 49526",
    ]
    assert written(tmp_path / "spend.json")["rows"] == [
        row("shop", 10004, change={"package": None, "cycle": None, "resources": ["2253"]},
            outcome="unpaid_invoice", note="not ordered: unpaid invoice 49526",
            recurring=recurring(139.0, None, "monthly"), pending_invoice_id="49526")]


def test_two_currencies_have_their_own_totals():
    callback = play([
        ("on_ok", task_result("se-1", UPGRADE, ordered_upgrade(10001, 5257))),
        ("on_ok", task_result("se-2", UPGRADE, ordered_upgrade(10002, 5258, order_id="34890", invoice_id=None,
                                                               prorated=0.0, recurring=139.0))),
        ("on_ok", task_result("eu-1", UPGRADE, ordered_upgrade(20001, 7001, order_id="34891", invoice_id="49530",
                                                               currency="EUR", prorated=5.5, recurring=24.0,
                                                               before=("1937", "VPS SM", "monthly", 12.0)))),
    ])
    assert printed(callback)[2:] == [
        "host   vmid  change                due now  recurring               currency  order / why nothing was ordered",
        "eu-1  20001  package 1937 -> 1938     5.50  12.00/mo -> 24.00/mo    EUR       order 34891, invoice 49530",
        "se-1  10001  package 1937 -> 1938    60.00  139.00/mo -> 259.00/mo  SEK       order 34889, invoice 49526",
        "se-2  10002  package 1937 -> 1938     0.00  139.00/mo               SEK       order 34890, no invoice",
        "",
        "Total EUR, ordered (1 change): due now 5.50; recurring per cycle monthly +12.00",
        "Total SEK, ordered (2 changes): due now 60.00; recurring per cycle monthly +120.00",
    ]


def test_failed_tasks_are_listed_with_what_is_known_and_never_totalled(tmp_path):
    callback = play([
        ("failed", task_result("web-9", UPGRADE, failed_read_upgrade(10009))),
        ("failed", task_result("build", UPGRADE, failed_order_upgrade(10005))),
    ], report_file=str(tmp_path / "spend.json"))
    assert printed(callback)[2:] == [
        "host    vmid  change             due now  recurring               currency  order / why nothing was ordered",
        "build  10005  resources 2253       26.25  635.00/mo -> 670.00/mo  SEK       failed: HTTP 502 BAD_GATEWAY (outcome unknown)",
        "web-9  10009  package ? -> 1938        -  ?                       -         failed: HTTP 404 NOT_FOUND",
        "",
        "Nothing was ordered or priced.",
    ]
    rows = written(tmp_path / "spend.json")["rows"]
    assert rows[1] == row("web-9", 10009, change={"package": pair(None, "1938"), "cycle": None, "resources": []},
                          outcome="failed", note="failed: HTTP 404 NOT_FOUND", api_status=404, api_code="NOT_FOUND")
    assert (rows[0]["outcome"], rows[0]["api_status"], rows[0]["draft_id"]) == ("failed", 502, 5260)


# --- which results count ---------------------------------------------------------------

@pytest.mark.parametrize("action, resolved", [
    ("hostup.cloud.hostup_vps_upgrade", "hostup.cloud.hostup_vps_upgrade"),
    ("hostup_vps_upgrade", "hostup.cloud.hostup_vps_upgrade"),  # the play's collections keyword
    ("hostup_vps_upgrade", None),  # an ansible-core that does not resolve it for callbacks
    ("ansible.legacy.hostup_vps_upgrade", None),
])
def test_the_module_is_recognised_by_any_name_it_runs_under(action, resolved):
    result = task_result("web-1", action, ordered_upgrade(), resolved_action=resolved or action)
    result._task.resolved_action = resolved  # pylint: disable=protected-access
    assert [r["module"] for r in play([("on_ok", result)]).report()["rows"]] == [UPGRADE]


def test_other_modules_skipped_tasks_and_loop_summaries_are_not_rows():
    info = task_result("web-1", "hostup.cloud.hostup_vps_info", {"changed": False, "vps": {"vmid": 10001}})
    debug = task_result("web-1", "ansible.builtin.debug", {"msg": "hello", "estimate": {"prorated": 1.0}})
    skipped = task_result("web-1", UPGRADE, {"skipped": True, "changed": False, "skip_reason": "Conditional result was False"})
    item = task_result("web-1", UPGRADE, ordered_upgrade(10001, 5257))
    loop = task_result("web-1", UPGRADE, {"changed": True, "results": [ordered_upgrade(10001, 5257)]})
    callback = play([("on_ok", info), ("on_ok", debug), ("on_skipped", skipped), ("item_on_ok", item), ("on_ok", loop)])
    assert [(r["host"], r["outcome"]) for r in callback.report()["rows"]] == [("web-1", "ordered")]


def test_a_run_without_hostup_changes_prints_nothing_and_writes_an_empty_report(tmp_path):
    callback = play([("on_ok", task_result("web-1", "ansible.builtin.debug", {"msg": "hi"}))],
                    report_file=str(tmp_path / "spend.json"))
    assert callback._display.lines == []
    assert written(tmp_path / "spend.json") == {"format_version": 1, "check_mode": False, "rows": [],
                                                "totals": [], "unpriced": 0}


# --- what must not come out ---------------------------------------------------------------

def test_no_key_message_or_personal_data_reaches_the_table_or_the_file(tmp_path):
    odd = failed_read_upgrade(10009)
    odd["api_error"]["code"] = "NOT_FOUND anna.unit@kund.example"  # a code that is not a code is not shown
    odd["pending_invoice"] = None
    weird = ordered_upgrade(10001, 5257, order_id="34889 Unittestsson")
    callback = play([("failed", task_result("web-9", UPGRADE, failed_read_upgrade(10009))),
                     ("failed", task_result("web-8", UPGRADE, odd)),
                     ("on_ok", task_result("web-1", UPGRADE, weird)),
                     ("failed", task_result("web-2", UPGRADE, over_budget_upgrade(10002))),
                     ("failed", task_result("shop", UPGRADE, unpaid_invoice_upgrade(10004)))],
                    report_file=str(tmp_path / "spend.json"))
    text = callback._display.text + (tmp_path / "spend.json").read_text()
    assert [secret for secret in SECRETS if secret in text] == []
    assert "VPS not found" not in text and "invocation" not in text and "api_key" not in text
    notes = dict((r["host"], r["note"]) for r in callback.report()["rows"])
    assert (notes["web-8"], notes["web-1"]) == ("failed: HTTP 404", "ordered (no order id)")


# --- the JSON file ------------------------------------------------------------------------

def test_the_report_file_is_replaced_whole_and_readable_only_by_its_owner(tmp_path):
    path = tmp_path / "spend.json"
    path.write_text("old report")
    os.chmod(str(path), 0o644)
    play([("on_ok", task_result("web-1", UPGRADE, ordered_upgrade()))], report_file=str(path))
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert written(path)["rows"][0]["order_id"] == "34889"
    assert sorted(os.listdir(str(tmp_path))) == ["spend.json"]  # no temporary file left behind


def test_the_report_file_comes_from_HOSTUP_SPEND_REPORT(monkeypatch, tmp_path):
    monkeypatch.setenv("HOSTUP_SPEND_REPORT", str(tmp_path / "from-env.json"))
    play([("on_ok", task_result("web-1", UPGRADE, ordered_upgrade()))])
    assert written(tmp_path / "from-env.json")["totals"] == [total("ordered", "SEK", 1, 60.0, {"monthly": 120.0})]


def test_a_report_file_that_cannot_be_written_is_a_warning_not_a_failure(tmp_path):
    callback = play([("on_ok", task_result("web-1", UPGRADE, ordered_upgrade()))],
                    report_file=str(tmp_path / "missing" / "spend.json"))
    assert printed(callback)[0] == "HostUp spend: what this run priced and ordered"
    assert len(callback._display.warnings) == 1
    assert callback._display.warnings[0].startswith("hostup.cloud.spend could not write %s" % (tmp_path / "missing"))


# --- what playbooks and servers do to it ---------------------------------------------------

def test_option_ids_written_as_yaml_numbers_are_listed(tmp_path):
    grown = ordered_upgrade(10002, 5258)
    grown["invocation"] = invocation(vmid=10002, resources={2404: 2, "2253": 3})  # resources: {2404: 2, ...}
    callback = play([("on_ok", task_result("web-2", UPGRADE, grown))], report_file=str(tmp_path / "spend.json"))
    assert printed(callback)[3].startswith("web-2  10002  resources 2253, 2404  ")
    assert written(tmp_path / "spend.json")["rows"][0]["change"]["resources"] == ["2253", "2404"]
    assert callback._display.warnings == []


def test_changed_when_false_does_not_hide_an_order():
    order = dict(ordered_upgrade(10001, 5257), changed=False, applied=True)  # changed_when: false
    switch = dict(priced_switch(10002), changed=False, applied=True, previous_price=139.0)
    report = play([("on_ok", task_result("web-1", UPGRADE, order)),
                   ("on_ok", task_result("web-2", BILLING_CYCLE, switch))]).report()
    assert [(r["outcome"], r["note"]) for r in report["rows"]] == [
        ("ordered", "order 34889, invoice 49526"), ("ordered", "switched")]
    assert report["totals"] == [total("ordered", "SEK", 2, 1380.5, {"monthly": -19.0, "annually": 1390.0})]


def test_changed_when_true_on_nothing_to_do_is_no_change():
    same = dict(unchanged_upgrade(10003), changed=True, applied=True)
    switch = dict(unchanged_switch(10003), changed=True, applied=True)
    report = play([("on_ok", task_result("db-1", UPGRADE, same)),
                   ("on_ok", task_result("db-1", BILLING_CYCLE, switch))]).report()
    assert [r["outcome"] for r in report["rows"]] == ["no_change", "no_change"]
    assert (report["totals"], report["unpriced"]) == ([], 0)


def test_failed_when_does_not_turn_an_order_into_a_failure_or_a_failure_into_nothing():
    order = dict(ordered_upgrade(10001, 5257), applied=True, failed=True, failed_when_result=True,
                 msg="Task failed: Action failed: Unknown error.")
    refused = dict(over_budget_upgrade(10002), failed=False, failed_when_result=False)
    broken = dict(failed_order_upgrade(10005), failed=False, failed_when_result=False)
    report = play([("failed", task_result("web-1", UPGRADE, order)),
                   ("on_ok", task_result("web-2", UPGRADE, refused)),
                   ("on_ok", task_result("build", UPGRADE, broken))]).report()
    assert [(r["host"], r["outcome"], r["note"]) for r in report["rows"]] == [
        ("build", "failed", "failed: HTTP 502 BAD_GATEWAY (outcome unknown)"),
        ("web-1", "ordered", "order 34889, invoice 49526"),
        ("web-2", "over_budget", "not ordered: over budget")]
    assert report["totals"] == [total("ordered", "SEK", 1, 60.0, {"monthly": 120.0})]


def test_an_order_placed_before_the_wait_failed_is_totalled():
    order = ordered_upgrade(10001, 5257)
    order.update(failed=True, changed=False, applied=False, msg="GET /api/vm/10001/details failed: HTTP 503",
                 api_error={"method": "GET", "path": "/api/vm/10001/details", "status": 503,
                            "code": "SERVICE_UNAVAILABLE", "message": "down", "request_id": "r", "details": {}})
    report = play([("failed", task_result("web-1", UPGRADE, order))]).report()
    assert [(r["outcome"], r["note"]) for r in report["rows"]] == [
        ("ordered", "order 34889, invoice 49526, not applied yet (the task failed after ordering)")]
    assert report["totals"] == [total("ordered", "SEK", 1, 60.0, {"monthly": 120.0})]


def test_a_check_run_whose_check_mode_false_tasks_ordered_says_so(monkeypatch):
    run_check(monkeypatch)
    switch = dict(priced_switch(10002), previous_price=139.0, applied=True, message="Billing cycle changed")
    callback = play([("on_ok", task_result("web-1", UPGRADE, priced_upgrade(10001, 5257), check_mode=True)),
                     ("on_ok", task_result("web-2", BILLING_CYCLE, switch, check_mode=False))])
    assert printed(callback)[0] == "HostUp spend: --check run, but tasks with check_mode: false ordered 1 change"
    assert [(r["host"], r["outcome"]) for r in callback.report()["rows"]] == [("web-1", "priced"), ("web-2", "ordered")]
    assert [(t["basis"], t["due_now"]) for t in callback.report()["totals"]] == [("ordered", 1320.5), ("priced", 60.0)]


def test_every_attempt_of_an_until_loop_counts():
    # until: the first attempt ordered, the second found the VPS already changed
    first = dict(ordered_upgrade(10001, 5257), applied=False, attempts=1, retries=1)
    second = dict(unchanged_upgrade(10001), applied=True, attempts=2)
    report = play([("retry", task_result("web-1", UPGRADE, first)),
                   ("on_ok", task_result("web-1", UPGRADE, second))]).report()
    assert [r["outcome"] for r in report["rows"]] == ["ordered", "no_change"]
    assert report["totals"] == [total("ordered", "SEK", 1, 60.0, {"monthly": 120.0})]


def test_an_async_task_is_read_from_its_async_status():
    started = {"ansible_job_id": "j123.45", "started": 1, "finished": 0, "results_file": "/x", "changed": True}
    done = dict(ordered_upgrade(10001, 5257), applied=True, ansible_job_id="j123.45", started=1, finished=1)
    status = task_result("web-1", "ansible.builtin.async_status", done)
    status._task.args = {"jid": "j123.45"}  # pylint: disable=protected-access
    started_only = play([("on_ok", task_result("web-1", UPGRADE, dict(started, invocation=invocation(vmid=10001))))])
    assert [(r["outcome"], r["note"]) for r in started_only.report()["rows"]] == [
        ("unknown", "started in the background (async), not awaited")]
    report = play([("on_ok", task_result("web-1", UPGRADE, dict(started, invocation=invocation(vmid=10001)))),
                   ("on_ok", status)]).report()
    assert [(r["outcome"], r["order_id"]) for r in report["rows"]] == [("ordered", "34889")]
    assert report["totals"] == [total("ordered", "SEK", 1, 60.0, {"monthly": 120.0})]


def test_two_orders_answered_with_the_same_draft_id_are_two_changes():
    # a server that reuses draft ids: only a check-mode estimate and its order are one change
    callback = play([
        ("on_ok", task_result("web-1", UPGRADE, priced_upgrade(10001, 5257), check_mode=True)),
        ("on_ok", task_result("web-1", UPGRADE, ordered_upgrade(10001, 5257))),
        ("on_ok", task_result("web-1", UPGRADE, ordered_upgrade(10001, 5257, package="1939", order_id="34890",
                                                                invoice_id="49527", prorated=230.5, recurring=600.0,
                                                                before=("1938", "VPS MD", "monthly", 259.0)))),
    ])
    assert [r["order_id"] for r in callback.report()["rows"]] == ["34889", "34890"]
    assert callback.report()["totals"] == [total("ordered", "SEK", 2, 290.5, {"monthly": 461.0})]


def test_amounts_too_large_to_add_up_stay_out_of_the_totals_and_the_file_is_json(tmp_path):
    huge = [ordered_upgrade(10001 + n, 5257 + n, order_id=str(34889 + n), prorated=1.7e308, recurring=259.0)
            for n in range(2)]
    callback = play([("on_ok", task_result("web-%d" % n, UPGRADE, result)) for n, result in enumerate(huge)],
                    report_file=str(tmp_path / "spend.json"))
    data = json.loads((tmp_path / "spend.json").read_text(), parse_constant=pytest.fail)
    assert [(t["changes"], t["due_now"]) for t in data["totals"]] == [(1, 1.7e308)]
    assert data["unpriced"] == 1
    assert "inf" not in callback._display.text

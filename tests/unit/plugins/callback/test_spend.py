# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spend report: module outcomes in (as real TaskResults), the table and the JSON out."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible import context
from ansible.module_utils.common.collections import ImmutableDict

from ansible_collections.hostup.cloud.plugins.callback import spend
from ansible_collections.hostup.cloud.tests.unit.plugins.callback.spend_results import (
    KEY, SWITCH, UPGRADE, Play, outcome, task)

MAY = "may_have_been_ordered"
ANNUAL_TO_MONTHLY = dict(due_now=-433.5, recurring_before=2890.0, recurring_after=289.0, cycle_before="annually",
                         cycle_after="monthly", package_before=None, package_after=None, order_total=None,
                         order_id=None, invoice_id=None)


@pytest.fixture(autouse=True)
def real_run(monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=False))
    monkeypatch.delenv("HOSTUP_SPEND_REPORT", raising=False)


def check_run(monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=True))


def read(path):
    return json.loads(path.read_text(), parse_constant=pytest.fail)  # NaN or Infinity is no JSON


def test_a_run_of_every_kind_of_outcome_prints_rows_and_totals_that_agree(tmp_path):
    play = Play(str(tmp_path / "spend.json"))
    play.ok("db-1", task(vmid=10003), {"outcome": outcome("no_change", due_now=None, recurring_before=2890.0,
                                                          recurring_after=2890.0, cycle_before="annually",
                                                          cycle_after="annually", package_before="1938")})
    play.failed("shop", task(vmid=10004), {"outcome": outcome("blocked", due_now=None, recurring_after=None)})
    play.ok("web-1", task(), {"outcome": outcome()})
    play.ok("web-2", task(SWITCH, 10002, args={"cycle": "monthly"}), {"outcome": outcome(**ANNUAL_TO_MONTHLY)})
    play.failed("web-3", task(vmid=10005, args={"resources": {"2253": 3}}), {"outcome": outcome(
        "unknown", due_now=26.25, recurring_before=635.0, recurring_after=670.0, package_before="1939",
        package_after="1939", options=[{"id": "2253", "name": "IPv4 addresses", "value": 3}],
        placed_at="2026-11-30T10:05:00Z")})
    play.failed("web-4", task(vmid=10006, args={"package": "1939"}), {"outcome": outcome(
        "over_budget", due_now=230.5, recurring_after=600.0, package_after="1939")})
    play.ok("web-5", task(vmid=10007), {"outcome": outcome(order_total=70.0, order_id="34890", invoice_id="49527")})
    play.failed("web-6", task(vmid=10008), {"outcome": outcome("pending", due_now=None, order_id="34880",
                                                               placed_at="2026-11-29T09:00:00Z")})
    assert play.end().lines == [
        "HostUp spend: what this run ordered and priced",
        "",
        "host    vmid  change                                       due now  recurring                currency  "
        "what happened",
        "db-1   10003  package 1938                                       -  2890.00/yr               SEK       "
        "no change",
        "shop   10004  package 1937 -> 1938                               -  139.00/mo -> ?           SEK       "
        "not ordered: an unpaid invoice at HostUp",
        "web-1  10001  package 1937 -> 1938                           60.00  139.00/mo -> 259.00/mo   SEK       "
        "ordered (order 34889, invoice 49526)",
        "web-2  10002  cycle annually -> monthly                    -433.50  2890.00/yr -> 289.00/mo  SEK       "
        "ordered",
        "web-3  10005  resources 2253 IPv4 addresses=3                26.25  635.00/mo -> 670.00/mo   SEK       "
        "MAY HAVE BEEN ORDERED: the ordering call was sent, its answer is unknown (placed 2026-11-30T10:05:00Z)",
        "web-4  10006  package 1937 -> 1939                          230.50  139.00/mo -> 600.00/mo   SEK       "
        "over budget, nothing ordered",
        "web-5  10007  package 1937 -> 1938             60.00 (reply 70.00)  139.00/mo -> 259.00/mo   SEK       "
        "ordered (order 34890, invoice 49527); WARNING: HostUp's order reply says 70.00",
        "web-6  10008  package 1937 -> 1938                               -  139.00/mo -> 259.00/mo   SEK       "
        "pending: an earlier order HostUp does not show yet, not counted (order 34880, placed 2026-11-29T09:00:00Z)",
        "",
        "Ordered, SEK (3 changes): due now 130.00; recurring 6226.00/yr -> 9684.00/yr",
        "MAY HAVE BEEN ORDERED, SEK (1 change): due now 26.25; recurring 7620.00/yr -> 8040.00/yr",
        "Priced, not ordered, SEK (1 change): due now 230.50; recurring 1668.00/yr -> 7200.00/yr",
        "Pending, ordered by an earlier run and not counted here: 1 change.",
        "Not subtracted: a negative amount due now on 1 change (no refund is assumed).",
        "WARNING: HostUp's order reply differs from the estimate on 1 change; the larger is counted.",
        "Check HostUp (hostup.cloud.hostup_vps_info or the panel) for the 1 change that MAY HAVE BEEN ORDERED "
        "before running again.",
    ]
    report = read(tmp_path / "spend.json")
    assert report["totals"] == [
        dict(counted_as="ordered", currency="SEK", changes=3, due_now=130.0, due_now_unknown=0,
             recurring_before_per_year=6226.0, recurring_after_per_year=9684.0, recurring_unknown=0),
        dict(counted_as=MAY, currency="SEK", changes=1, due_now=26.25, due_now_unknown=0,
             recurring_before_per_year=7620.0, recurring_after_per_year=8040.0, recurring_unknown=0),
        dict(counted_as="priced", currency="SEK", changes=1, due_now=230.5, due_now_unknown=0,
             recurring_before_per_year=1668.0, recurring_after_per_year=7200.0, recurring_unknown=0)]
    assert (report["format_version"], report["complete"], report["check_mode"], report["notes"]) == (2, True, False, [])
    assert report["rows"][2] == dict(
        host="web-1", vmid=10001, module=UPGRADE, status="ordered", counted_as="ordered",
        note="ordered (order 34889, invoice 49526)", currency="SEK", due_now=60.0, order_total=60.0,
        recurring_before=139.0, recurring_after=259.0, cycle_before="monthly", cycle_after="monthly",
        package_before="1937", package_after="1938", options=[], draft_id=5257, order_id="34889",
        invoice_id="49526", placed_at="2026-11-30T10:00:00Z")
    assert KEY not in (tmp_path / "spend.json").read_text() + "\n".join(play.lines)


@pytest.mark.parametrize("status, check, counted_as", [
    ("ordered", False, "ordered"), ("ordered", True, "ordered"),  # check_mode: false in a --check run
    ("unknown", False, MAY), ("priced", True, "priced"), ("over_budget", False, "priced"),
    ("no_change", False, None), ("pending", False, None), ("blocked", False, None), ("refused", False, None),
    ("a status from a newer module", False, MAY),
])
def test_each_outcome_status_is_counted_as_what_it_may_have_cost(status, check, counted_as):
    play = Play().ok("web-1", task(check_mode=check), {"outcome": outcome(status)})
    assert [(r["status"], r["counted_as"]) for r in play.report()["rows"]] == [
        (status if status in spend.STATUSES else "unknown", counted_as)]


@pytest.mark.parametrize("event, data, status", [
    ("on_ok", {"outcome": outcome(), "changed": False}, "hidden"),  # no_log: ansible hides the whole result
    ("on_failed", {"failed": True, "msg": "The task timed out", "timedout": {"period": 5}}, "no_result"),
    ("on_failed", {"failed": True, "msg": "MODULE FAILURE", "rc": -9}, "no_result"),
    ("on_unreachable", {"unreachable": True, "msg": "connection lost"}, "no_result"),
    ("on_ok", {"ansible_job_id": "j1.2", "started": 1, "finished": 0, "results_file": "/x"}, "not_awaited"),
])
@pytest.mark.parametrize("check", [False, True])
def test_a_task_without_an_outcome_may_have_ordered_in_a_real_run(event, data, status, check):
    a_task = task(args={"package": "1938", "cycle": "annually"}, no_log=status == "hidden", check_mode=check)
    play = Play().start("web-1", a_task).event(event, "web-1", a_task, data).end()
    row = play.report()["rows"][0]
    assert (row["status"], row["counted_as"], row["vmid"], row["package_after"], row["cycle_after"]) == \
        (status, None if check else MAY, 10001, "1938", "annually")
    assert row["due_now"] is None and not any(text in json.dumps(row) for text in ("task timed", "FAILURE", "lost"))
    assert row["note"].endswith("(check mode: nothing ordered)" if check else ": MAY HAVE BEEN ORDERED")
    if not check:  # the footer never says nothing was ordered when something may have been
        assert play.lines[-2:] == [
            "MAY HAVE BEEN ORDERED, currency unknown (1 change): due now unknown; recurring unknown",
            "Check HostUp (hostup.cloud.hostup_vps_info or the panel) for the 1 change that MAY HAVE BEEN ORDERED "
            "before running again."]
        assert not any("nothing" in line for line in play.lines)


@pytest.mark.parametrize("rows, footer", [
    ([outcome("over_budget", due_now=230.5, recurring_after=600.0)],
     ["Priced, not ordered, SEK (1 change): due now 230.50; recurring 1668.00/yr -> 7200.00/yr",
      "This run ordered nothing."]),
    ([outcome(recurring_before=None), outcome(draft_id=5258, due_now=None, order_total=None)],
     ["Ordered, SEK (2 changes): due now 60.00 (unknown for 1 change); "
      "recurring 1668.00/yr -> 3108.00/yr (unknown for 1 change)"]),
    # a cycle switch and its year: 2 x 546.00/mo is 13104.00/yr, 2 x 5460.00/yr after
    ([outcome(due_now=4914.0, recurring_before=546.0, recurring_after=5460.0, cycle_after="annually", draft_id=n,
              order_total=None) for n in (1, 2)],
     ["Ordered, SEK (2 changes): due now 9828.00; recurring 13104.00/yr -> 10920.00/yr"]),
])
def test_totals_say_what_the_rows_say(rows, footer):
    play = Play()
    for n, data in enumerate(rows):
        play.ok("web-%d" % n, task(vmid=10001 + n), {"outcome": data})
    assert play.end().lines[-len(footer):] == footer


def test_a_vps_changed_twice_costs_a_year_what_it_did_before_the_first_change_and_after_the_last():
    play = Play().ok("web-1", task(), {"outcome": outcome()})
    play.ok("web-1", task(SWITCH, args={"cycle": "annually"}), {"outcome": outcome(
        due_now=2331.0, order_total=None, recurring_before=259.0, recurring_after=2590.0, cycle_after="annually",
        package_before=None, package_after=None, draft_id=5258)})
    assert play.end().lines[-1] == "Ordered, SEK (2 changes): due now 2391.00; recurring 1668.00/yr -> 2590.00/yr"


def test_a_check_run_is_priced_only(monkeypatch, tmp_path):
    check_run(monkeypatch)
    play = Play(str(tmp_path / "spend.json")).ok("web-1", task(), {"outcome": outcome("priced")}).end()
    assert (play.lines[0], play.lines[-2:]) == ("HostUp spend (--check): priced only", [
        "Priced, not ordered, SEK (1 change): due now 60.00; recurring 1668.00/yr -> 3108.00/yr",
        "This run ordered nothing (check mode)."])
    assert read(tmp_path / "spend.json")["check_mode"] is True
    play = Play().ok("web-1", task(check_mode=False), {"outcome": outcome()}).end()
    assert play.lines[0] == "HostUp spend (--check, but tasks with check_mode: false ordered)"


def test_the_order_of_a_priced_draft_replaces_its_estimate_and_other_orders_are_rows_of_their_own():
    # vps_plan: a check-mode estimate, then the order of that draft
    play = Play().ok("web-1", task(check_mode=True), {"outcome": outcome("priced")})
    play.ok("web-1", task(args={"package": "1938", "draft_id": 5257}), {"outcome": outcome()})
    play.ok("web-1", task(), {"outcome": outcome(order_id="34890")})  # the same draft id again: another order
    play.ok("web-2", task(vmid=10002, check_mode=True), {"outcome": outcome("priced")})  # another host's draft
    rows = play.end().report()["rows"]
    assert [(r["host"], r["status"], r["order_id"]) for r in rows] == [
        ("web-1", "ordered", "34889"), ("web-1", "ordered", "34890"), ("web-2", "priced", None)]


@pytest.mark.parametrize("no_log", [False, True])
def test_loop_items_and_until_attempts_are_rows_and_the_loop_summary_is_not(no_log):
    looped = task(args={"package": "1938"}, loop=[10001, 10002], no_log=no_log)
    play = Play().start("web-1", looped)
    play.event("retry", "web-1", looped, {"outcome": outcome(), "attempts": 1, "retries": 2})
    play.event("item_on_ok", "web-1", looped, {"outcome": outcome("no_change", due_now=None), "item": 10001})
    play.event("item_on_failed", "web-1", looped, {"outcome": outcome("unknown", draft_id=5258), "item": 10002})
    play.event("on_failed", "web-1", looped, {"changed": True, "failed": True, "results": [{}, {}]})
    statuses = [r["status"] for r in play.end().report()["rows"]]
    assert statuses == (["hidden"] * 3 if no_log else ["ordered", "no_change", "unknown"])


def test_an_async_task_is_read_from_its_async_status_and_a_never_awaited_one_may_have_ordered():
    started = {"ansible_job_id": "j1.2", "started": 1, "finished": 0, "results_file": "/x", "changed": True}
    status = task(args={"jid": "j1.2"})
    status.action = status._resolved_action = "ansible.builtin.async_status"
    play = Play().ok("web-1", task(**{"async": 60, "poll": 0}), started)
    play.ok("web-2", task(vmid=10002, **{"async": 60, "poll": 0}), dict(started, ansible_job_id="j3.4"))
    play.event("retry", "web-1", status, dict(started, attempts=1))
    play.ok("web-1", status, dict(started, finished=1, outcome=outcome()))
    assert [(r["host"], r["status"], r["counted_as"]) for r in play.end().report()["rows"]] == [
        ("web-1", "ordered", "ordered"), ("web-2", "not_awaited", MAY)]


@pytest.mark.parametrize("action, resolved", [
    ("hostup.cloud.hostup_vps_upgrade", None), ("hostup_vps_upgrade", "hostup.cloud.hostup_vps_upgrade"),
    ("ansible.legacy.hostup_vps_upgrade", None), ("ansible.builtin.debug", None), ("hostup.cloud.hostup_vps_info", None),
])
def test_only_tasks_of_the_ordering_modules_are_rows(action, resolved):
    a_task = task()
    a_task.action, a_task._resolved_action = action, resolved
    rows = Play().ok("web-1", a_task, {"outcome": outcome()}).end().report()["rows"]
    assert len(rows) == (0 if action.endswith(("debug", "info")) else 1)
    assert Play().start("web-1", a_task).event("on_skipped", "web-1", a_task, {"skipped": True}).report()["rows"] == []


def test_text_from_inventories_and_hostup_never_reaches_the_terminal_as_control_characters(tmp_path):
    forged = "web-1\x1b[2J\x1b]0;pwned\x07\nTotal SEK, ordered (0 changes): due now 0.00\r\u202e"
    options = [{"id": "2232", "name": "NVMe\x1b[31m disk\nfake row", "value": "x\x1b[0m\r\ny"},
               {"id": "22\n32", "value": 1}]
    play = Play(str(tmp_path / "spend.json")).ok(forged, task(), {"outcome": outcome(options=options)}).end()
    text = "\n".join(play.lines) + (tmp_path / "spend.json").read_text()
    assert not any(char in text for char in "\x1b\x07\r\u202e") and "\\u001b" not in text
    assert play.lines[3].startswith("web-1\\x1b[2J\\x1b]0;pwned\\x07 Total SEK, ordered (0 changes): due now 0.00 \\u202e")
    assert "resources 2232 NVMe\\x1b[31m disk fake row=x\\x1b[0m  y, ?=1" in play.lines[3]
    assert len(play.lines) == 6  # title, blank, header, the row, blank, the total


def test_an_option_is_named_when_the_outcome_names_it():
    named = [{"id": "2232", "name": "NVMe disk size (GB)", "value": 120}, {"id": "2404", "value": 2}]
    row = Play().ok("web-1", task(), {"outcome": outcome(options=named)}).report()["rows"][0]
    assert spend.change_text(row) == "package 1937 -> 1938; resources 2232 NVMe disk size (GB)=120, 2404=2"
    assert row["options"] == [dict(named[0]), {"id": "2404", "name": None, "value": 2}]


def test_sums_too_large_for_a_number_are_null_with_a_note_and_the_file_is_still_written(tmp_path):
    path = tmp_path / "spend.json"
    path.write_text("an older run's report")
    play = Play(str(path))
    for n in range(2):
        huge = outcome(due_now=1.7e308, order_total=None, recurring_after=1.7e308, draft_id=n + 1)
        play.ok("web-%d" % n, task(vmid=10001 + n), {"outcome": huge})
    report = read(path)
    total = report["totals"][0]
    assert (total["due_now"], total["recurring_before_per_year"], total["recurring_after_per_year"]) == \
        (None, 3336.0, None)
    assert report["notes"] == [
        "Note: the ordered total due_now in SEK is too large for a number (null in the JSON report).",
        "Note: the ordered total recurring_after_per_year in SEK is too large for a number (null in the JSON report)."]
    assert report["rows"][0]["due_now"] == 1.7e308
    lines = play.end().lines
    assert lines[-3:] == ["Ordered, SEK (2 changes): due now too large; recurring 3336.00/yr -> too large"] + report["notes"]
    assert "1.700e+308" in lines[3] and "inf" not in "\n".join(lines)


def test_the_report_file_is_private_replaced_whole_and_named_by_the_environment(monkeypatch, tmp_path):
    path = tmp_path / "spend.json"
    path.write_text("old")
    os.chmod(str(path), 0o644)
    monkeypatch.setenv("HOSTUP_SPEND_REPORT", str(path))
    Play().ok("web-1", task(), {"outcome": outcome()}).end()
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert read(path)["rows"][0]["order_id"] == "34889"
    assert os.listdir(str(tmp_path)) == ["spend.json"]  # no temporary file left


def test_a_killed_run_leaves_an_incomplete_report_that_names_the_running_task(tmp_path):
    path = tmp_path / "spend.json"
    play = Play(str(path))
    assert read(path) == {"format_version": 2, "complete": False, "check_mode": False, "rows": [], "totals": [],
                          "notes": []}
    second = task(vmid=10002)
    play.ok("web-1", task(), {"outcome": outcome()}).start("web-2", second)  # and then: kill -9
    report = read(path)
    assert report["complete"] is False
    assert [(r["host"], r["status"], r["counted_as"]) for r in report["rows"]] == [
        ("web-1", "ordered", "ordered"), ("web-2", "running", MAY)]
    play.event("on_ok", "web-2", second, {"outcome": outcome(draft_id=5258)}).end()  # had it not been killed
    assert read(path)["complete"] is True and [r["status"] for r in read(path)["rows"]] == ["ordered", "ordered"]


def test_a_task_that_never_ended_when_the_run_ends_may_have_ordered():
    # e.g. Ctrl-C, should an ansible-core ever end the run's callbacks after it
    play = Play().ok("web-1", task(), {"outcome": outcome()}).start("web-2", task(vmid=10002)).end()
    assert [(r["host"], r["status"], r["counted_as"]) for r in play.report()["rows"]] == [
        ("web-1", "ordered", "ordered"), ("web-2", "no_result", MAY)]
    assert play.lines[-1].startswith("Check HostUp")


def broken_json(*args, **kwargs):
    raise ValueError("not JSON")


@pytest.mark.parametrize("case, left", [
    ("no directory", "no older report is left there"),
    ("not JSON", "no older report is left there"),
    ("a directory in the way", "the file there could not be removed and is NOT this run's report"),
])
def test_a_report_that_cannot_be_written_is_a_warning_and_the_old_file_never_passes_for_it(
        monkeypatch, tmp_path, case, left):
    path = tmp_path / "reports" / "spend.json"
    if case != "no directory":
        path.parent.mkdir()
        path.write_text("an older run's report")
    if case == "not JSON":
        monkeypatch.setattr(spend.json, "dumps", broken_json)
    if case == "a directory in the way":
        path.unlink()
        path.mkdir()
        (path / "keep").write_text("")
    play = Play(str(path)).ok("web-1", task(), {"outcome": outcome()}).end()
    assert play.lines[0] == "HostUp spend: what this run ordered and priced"
    assert play.callback._display.warnings == [
        "hostup.cloud.spend could not write its report %s (%s); %s" % (path, play.callback._display.warnings[0].split(
            " (", 1)[1].rsplit("); ", 1)[0], left)]
    assert path.is_dir() if case == "a directory in the way" else not path.exists()


def test_a_result_that_breaks_the_reading_still_is_a_row_that_may_have_ordered(monkeypatch):
    real = spend.make_row

    def make_row(host, module, outcome, args, check, status=None):
        assert status, "a bug reading an outcome"
        return real(host, module, outcome, args, check, status)

    monkeypatch.setattr(spend, "make_row", make_row)
    rows = Play().ok("web-1", task(), {"outcome": outcome()}).report()["rows"]
    assert [(r["status"], r["counted_as"]) for r in rows] == [("no_result", MAY)]

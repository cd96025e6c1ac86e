# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hostup.cloud.spend report in real ansible-playbook runs, held against what the simulator recorded.

The one rule: the report never says less than was ordered. Every ordering call HostUp may
have carried out (any answer but a refusal) is a row counted as ordered or MAY HAVE BEEN
ORDERED, for its VPS, and the amounts counted for a VPS are at least what HostUp invoiced,
unless the report says they are unknown.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import json
import os
import signal
import stat
import subprocess
import time

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import (
    BIN, module_task, write_local_inventory)
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import SENSITIVE_VALUES

from ansible_collections.hostup.cloud.plugins.callback.spend import render

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "demo", "inventory.yml")
COUNTED = ("ordered", "may_have_been_ordered")


def spend_env(tmp_path):
    return {"ANSIBLE_CALLBACKS_ENABLED": "hostup.cloud.spend", "HOSTUP_SPEND_REPORT": str(tmp_path / "spend.json")}


def play(ansible, tmp_path, tasks, **kwargs):
    """Run ``tasks`` with the report on; (run, the JSON report, the printed report's lines)."""
    run = ansible.playbook(tasks, env=dict(spend_env(tmp_path), **kwargs.pop("env", {})), **kwargs)
    path = tmp_path / "spend.json"
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    report = json.loads(path.read_text(), parse_constant=lambda name: "not JSON: %s" % name)
    printed = run.stdout[run.stdout.index("HostUp spend"):].rstrip("\n").split("\n") if report["rows"] else []
    assert printed == (render(report).split("\n") if report["rows"] else []), run  # the file holds what was printed
    assert report["complete"] is True and "Callback" not in run.stderr, run
    return run, report, printed


def totals(report):
    return dict((t["counted_as"], t) for t in report["totals"] if t["currency"] in ("SEK", None))


def assert_never_less_than_ordered(sim, report):
    """Each ordering call not refused by HostUp is a counted row of its VPS; its amounts cover the invoices."""
    calls = collections.Counter(r["vmid"] for r in sim.ordering_requests() if not 400 <= _status(r) < 500)
    rows = collections.defaultdict(list)
    for row in report["rows"]:
        if row["counted_as"] in COUNTED:
            rows[row["vmid"]].append(row)
    fewer = dict((vmid, (n, len(rows[vmid]))) for vmid, n in calls.items() if len(rows[vmid]) < n)
    assert fewer == {}, "vmid: (ordering calls, counted rows) %s" % fewer
    for vmid in calls:
        known = [max([0.0] + [a for a in (r["due_now"], r["order_total"]) if a is not None]) for r in rows[vmid]
                 if (r["due_now"], r["order_total"]) != (None, None)]
        if len(known) == len(rows[vmid]):  # else the report says the amount is unknown
            invoiced = sum(i["total"] for i in sim.state(vmid)["invoices"] if i["total"] > 0)
            assert sum(known) >= invoiced - 0.005, (vmid, known, invoiced)
    for total in report["totals"]:  # and the totals hold every row
        assert total["changes"] == sum(r["counted_as"] == total["counted_as"] and r["currency"] == total["currency"]
                                       for r in report["rows"])


def _status(request):
    return request["status"] if isinstance(request["status"], int) else 0


# --- what the report said less about before (each failed on cf9a30b) ------------------------

def test_a_no_log_order_is_a_row_that_may_have_been_ordered(ansible, sim, tmp_path, api_key):
    task = dict(module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "hidden"), no_log=True)
    run, report, printed = play(ansible, tmp_path, [task])
    assert run.rc == 0, run
    assert [r["vmid"] for r in sim.ordering_requests()] == [10001]
    assert [(r["vmid"], r["status"], r["counted_as"]) for r in report["rows"]] == [
        (10001, "hidden", "may_have_been_ordered")]
    assert printed[-2:] == [
        "MAY HAVE BEEN ORDERED, currency unknown (1 change): due now unknown; recurring unknown",
        "Check HostUp (hostup.cloud.hostup_vps_info or the panel) for the 1 change that MAY HAVE BEEN ORDERED "
        "before running again."]
    assert_never_less_than_ordered(sim, report)
    assert_no_leak(run.stdout + run.stderr + (tmp_path / "spend.json").read_text(), api_key, *SENSITIVE_VALUES)


def test_a_lost_answer_after_the_order_was_placed_is_totalled_as_may_have_been_ordered(ansible, sim, tmp_path):
    sim.add_fault("order", "status", vmid=10001, status=502, after_apply=True)
    task = module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "lost", True)
    run, report, printed = play(ansible, tmp_path, [task])
    ordered = [d for d in sim.drafts.values() if d["status"] == "ordered"]
    assert [d["vmid"] for d in ordered] == [10001]  # HostUp placed it
    assert [(r["status"], r["counted_as"], r["due_now"]) for r in report["rows"]] == [
        ("unknown", "may_have_been_ordered", ordered[0]["quote"]["prorated"])]
    assert printed[-2].startswith("MAY HAVE BEEN ORDERED, SEK (1 change): due now 60.00; ")
    assert not any("nothing" in line for line in printed)
    assert_never_less_than_ordered(sim, report)


def test_an_unpaid_invoice_400_on_the_ordering_call_may_be_that_order_and_is_never_ordered_again(
        ansible, sim, tmp_path):
    # HostUp documents this 400 on GET billing-cycle only; here it comes after the order was placed and names it
    sim.apply_delay = 600
    sim.vps[10001]["autopay"] = False
    sim.add_fault("order", "existing_invoice", vmid=10001, after_apply=True)
    task = module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "up", True)
    run, report, printed = play(ansible, tmp_path, [task])
    (invoice,) = sim.state(10001)["invoices"]
    assert [d["status"] for d in sim.drafts.values()] == ["ordered"] and invoice["order_id"] == 34889
    # was: "Nothing was ordered", a row "not ordered: refused", "This run ordered nothing."
    assert run.results["up"]["outcome"]["status"] == "unknown" and run.results["up"]["changed"] is True
    assert [(r["status"], r["counted_as"], r["due_now"]) for r in report["rows"]] == [
        ("unknown", "may_have_been_ordered", invoice["total"])]
    assert not any("ordered nothing" in line for line in printed)
    sim.pay_invoices(10001)  # was: the rerun ordered the package a second time
    again = {"hostup.cloud.hostup_vps_upgrade": {"vmid": 10001, "package": "1938", "wait": False}}
    rerun = ansible.playbook([dict(task, **again)])
    assert rerun.results["up"]["outcome"]["status"] == "pending" and len(sim.ordering_requests()) == 1


@pytest.mark.parametrize("patch", [
    {"total": "75.50"},
    # the reply's other documented total (was: not read beside data.total, so 60.00 and no warning)
    {"total": "60.00", "raw.checkout.total": "75.50"},
    {"total": "1e309", "raw.checkout.total": "75.50"},
], ids=["total", "checkout_total", "checkout_total_beside_an_unreadable_total"])
def test_an_order_reply_whose_total_differs_from_the_estimate_shows_both_and_counts_the_larger(
        ansible, sim, tmp_path, patch):
    sim.add_fault("order", "patch", vmid=10001, data=patch)
    run, report, printed = play(ansible, tmp_path, [
        module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "order")])
    assert run.rc == 0, run
    (row,) = report["rows"]
    assert (row["due_now"], row["order_total"]) == (60.0, 75.5)
    assert "60.00 (reply 75.50)" in printed[3] and "WARNING: HostUp's order reply says 75.50" in printed[3]
    assert totals(report)["ordered"]["due_now"] == 75.5
    assert "WARNING: HostUp's order reply differs from the estimate on 1 change; the larger is counted." in printed
    assert_never_less_than_ordered(sim, report)


def test_a_shorter_cycle_switch_is_shown_negative_and_never_subtracted_from_another_change(ansible, sim, tmp_path):
    run, report, printed = play(ansible, tmp_path, [
        module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "upgrade"),
        module_task("hostup_vps_billing_cycle", {"vmid": 10003, "cycle": "monthly"}, "shorter")])
    assert run.rc == 0, run
    switch = run.results["shorter"]["outcome"]
    assert switch["due_now"] < 0 and [r["due_now"] for r in report["rows"]] == [60.0, switch["due_now"]]
    counted = 60.0 + max(0.0, switch["due_now"], switch["order_total"] or 0.0)
    assert totals(report)["ordered"]["due_now"] == counted >= sum(i["total"] for v in (10001, 10003)
                                                                  for i in sim.state(v)["invoices"])
    assert "-433.50" in printed[4]
    assert "Not subtracted: a negative amount due now on 1 change (no refund is assumed)." in printed
    assert_never_less_than_ordered(sim, report)


def test_a_switch_whose_reply_repeats_the_old_cycle_still_ordered(ansible, sim, tmp_path):
    sim.add_fault("change_billing_cycle", "patch", vmid=10002, data={"newCycle": "Monthly"})
    run, report, printed = play(ansible, tmp_path, [
        module_task("hostup_vps_billing_cycle", {"vmid": 10002, "cycle": "annually"}, "switch", True)])
    assert [r["vmid"] for r in sim.ordering_requests()] == [10002]
    assert [i["total"] for i in sim.state(10002)["invoices"]] == [1320.5]
    assert [(r["status"], r["counted_as"], r["cycle_before"], r["cycle_after"], r["due_now"]) for r in report["rows"]] \
        == [("ordered", "ordered", "monthly", "annually", 1320.5)]
    assert any(line.startswith("Ordered, SEK (1 change): due now ") for line in printed)
    assert_never_less_than_ordered(sim, report)


def test_amounts_near_1e308_still_write_the_report_with_nulls_and_notes(ansible, sim, tmp_path):
    (tmp_path / "spend.json").write_text("an older run's report")
    sim.add_fault("details", "patch", vmid=10002, times=None, data={"price": -1.7e308})
    # both places of the recurring price (they must agree, else it is unknown)
    sim.add_fault("estimate", "patch", vmid=10002, times=None,
                  data={"recurring": 1.7e308, "raw.draft.price.recurring.m": "1.7e308"})
    run, report, printed = play(ansible, tmp_path, [
        module_task("hostup_vps_upgrade", {"vmid": 10002, "package": "1938"}, "huge")])
    assert run.rc == 0, run
    assert [r["vmid"] for r in sim.ordering_requests()] == [10002]
    assert report["rows"][0]["recurring_after"] == 1.7e308
    assert totals(report)["ordered"]["recurring_after_per_year"] is None
    assert report["notes"] == ["Note: the ordered total recurring_after_per_year in SEK is too large for a number "
                               "(null in the JSON report)."]
    assert printed[-2:] == ["Ordered, SEK (1 change): due now 60.00; recurring 1668.00/yr -> too large"] + report["notes"]


def test_a_forged_host_name_cannot_write_rows_totals_or_titles(ansible, sim, tmp_path):
    forged = "web-1\x1b]0;pwned\x07\nOrdered, SEK (0 changes) due now 0.00\r\x1b7\u202e"
    inventory = write_local_inventory(tmp_path / "inventory.json", {"hostup_vps": {forged: {"hostup_vmid": 10001}}})
    task = module_task("hostup_vps_upgrade", {"vmid": "{{ hostup_vmid }}", "package": "1938"}, "up")
    run, report, printed = play(ansible, tmp_path, [], inventory=inventory,
                                play={"hosts": "hostup_vps", "gather_facts": False, "tasks": [task]})
    assert run.rc == 0, run
    assert not any(c in "\n".join(printed) for c in "\x1b\x07\r\u202e")
    assert printed[3].startswith("web-1\\x1b]0;pwned\\x07 Ordered, SEK (0 changes) due now 0.00 \\x1b7\\u202e  10001")
    assert printed[5:] == ["Ordered, SEK (1 change): due now 60.00; recurring 1668.00/yr -> 3108.00/yr"]
    assert report["rows"][0]["host"] == printed[3][:len(report["rows"][0]["host"])]


def test_a_check_run_prices_only_and_counts_over_budget_and_hidden_estimates_as_priced_or_nothing(
        ansible, sim, tmp_path):
    run, report, printed = play(ansible, tmp_path, [
        module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "priced"),
        module_task("hostup_vps_upgrade", {"vmid": 10002, "package": "1939", "max_prorated": 100}, "over", True),
        dict(module_task("hostup_vps_upgrade", {"vmid": 10003, "package": "1939"}, "hidden"), no_log=True),
    ], check=True)
    assert run.rc == 0, run
    assert sim.ordering_requests() == []
    priced = [d["quote"]["prorated"] for d in sim.drafts.values() if d["vmid"] in (10001, 10002)]
    assert printed[0] == "HostUp spend (--check): priced only"
    assert [(r["vmid"], r["status"], r["counted_as"]) for r in report["rows"]] == [
        (10001, "priced", "priced"), (10002, "over_budget", "priced"), (10003, "hidden", None)]
    assert totals(report)["priced"]["due_now"] == sum(priced) and report["check_mode"] is True
    assert printed[-2:] == ["Priced, not ordered, SEK (2 changes): due now 290.50; recurring 3336.00/yr -> 10308.00/yr",
                            "This run ordered nothing (check mode)."]


def test_an_over_budget_row_has_a_footer_that_agrees_with_it(ansible, sim, tmp_path):
    run, report, printed = play(ansible, tmp_path, [
        module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1939", "max_prorated": 100}, "over", True)])
    assert sim.ordering_requests() == []
    assert printed[3].endswith("230.50  139.00/mo -> 600.00/mo  SEK       over budget, nothing ordered")
    assert printed[-2:] == ["Priced, not ordered, SEK (1 change): due now 230.50; recurring 1668.00/yr -> 7200.00/yr",
                            "This run ordered nothing."]


# --- attacks: tasks, strategies and kills that must not make the report say less -------------

def test_task_keywords_loops_retries_and_the_role_do_not_hide_an_order(ansible, sim, tmp_path):
    upgrade = "hostup.cloud.hostup_vps_upgrade"
    tasks = [
        {"block": [dict(module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "flagged"),
                        failed_when=True)],
         "rescue": [{"ansible.builtin.debug": {"msg": "rescued"}}]},
        dict(module_task("hostup_vps_upgrade", {"vmid": 10002, "resources": {"2404": 8}}, "quiet", True),
             changed_when=False, delegate_to="localhost"),
        {"name": "A loop", upgrade: {"vmid": "{{ item }}", "resources": {"2253": 2}}, "loop": [10003, 10005],
         "register": "looped", "ignore_errors": True},
        # until: each attempt runs the module; the first orders, the next finds it in place
        dict(module_task("hostup_vps_upgrade", {"vmid": 10004, "resources": {"2404": 8}}, "again", True),
             until="again is failed", retries=1, delay=0),
        {"name": "The role", "ansible.builtin.include_role": {"name": "hostup.cloud.vps_plan"},
         "vars": {"vps_plan_vmid": 10002, "vps_plan_cycle": "annually"}},
    ]
    run, report, printed = play(ansible, tmp_path, tasks)
    # 10005 has its two IPv4 addresses already; 10004's second attempt stops at the unpaid invoice of its first
    assert sorted(r["vmid"] for r in sim.ordering_requests()) == [10001, 10002, 10002, 10003, 10004], run
    assert_never_less_than_ordered(sim, report)
    # the role's estimate and its order are one row
    assert [r["status"] for r in report["rows"] if r["vmid"] == 10002] == ["ordered", "ordered"]


def test_strategies_plays_serial_and_limit_do_not_hide_an_order(ansible, sim, tmp_path):
    task = module_task("hostup_vps_upgrade", {"vmid": "{{ hostup_vmid }}", "package": "1939"}, "up", True)
    switch = dict(module_task("hostup_vps_billing_cycle", {"vmid": "{{ hostup_vmid }}", "cycle": "annually"}, "sw",
                              True), delegate_to="localhost")
    plays = [{"hosts": "hostup_vps", "gather_facts": False, "strategy": "free", "tasks": [task]},
             {"hosts": "hostup_vps", "gather_facts": False, "serial": 1, "tasks": [switch]}]
    run, report, printed = play(ansible, tmp_path, [], inventory=INVENTORY, plays=plays, args=["--limit", "web-*"])
    assert sorted(r["vmid"] for r in sim.ordering_requests()) == [10001, 10001, 10002, 10002], run
    assert sorted(r["host"] for r in report["rows"]) == ["web-1", "web-1", "web-2", "web-2"]
    assert_never_less_than_ordered(sim, report)


def test_async_tasks_and_timeouts_after_the_order_are_rows_that_may_have_ordered(ansible, sim, tmp_path):
    sim.add_fault("order", "delay", vmid=10003, delay=8)  # the order is placed, its answer comes late
    tasks = [
        dict(module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "job"), **{"async": 60, "poll": 0}),
        dict(module_task("hostup_vps_upgrade", {"vmid": 10002, "package": "1938"}, "unawaited"),
             **{"async": 60, "poll": 0}),
        dict(module_task("hostup_vps_upgrade", {"vmid": 10005, "package": "1938"}, "polled"), **{"async": 60, "poll": 1}),
        dict(module_task("hostup_vps_upgrade", {"vmid": 10003, "package": "1939", "wait": False}, "slow", True),
             timeout=3),
        {"name": "Wait for the order", "ansible.builtin.async_status": {"jid": "{{ job.ansible_job_id }}"},
         "register": "done", "until": "done.finished", "retries": 30, "delay": 1},
    ]
    run, report, printed = play(ansible, tmp_path, tasks)
    assert sorted(r["vmid"] for r in sim.ordering_requests()) == [10001, 10002, 10003, 10005], run
    assert [(r["vmid"], r["status"], r["counted_as"]) for r in report["rows"]] == [
        (10001, "ordered", "ordered"), (10002, "not_awaited", "may_have_been_ordered"),
        (10005, "ordered", "ordered"), (10003, "no_result", "may_have_been_ordered")]
    assert_never_less_than_ordered(sim, report)


def test_a_run_killed_after_the_ordering_call_leaves_an_incomplete_report_naming_the_task(ansible, sim, tmp_path):
    sim.add_fault("order", "delay", vmid=10001, delay=4)
    playbook = tmp_path / "kill.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938", "wait": False}, "slow")]}]))
    process = subprocess.Popen([os.path.join(BIN, "ansible-playbook"), str(playbook)], cwd=str(tmp_path),
                               env=ansible.env(extra=spend_env(tmp_path)), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while not sim.ordering_requests() and time.time() < deadline:
            time.sleep(0.2)
        assert sim.ordering_requests(), "the ordering call was never sent"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        time.sleep(5)  # the module (a worker in a session of its own) lives on until its late answer
    report = json.loads((tmp_path / "spend.json").read_text())
    assert report["complete"] is False
    assert [(r["vmid"], r["status"], r["counted_as"]) for r in report["rows"]] == [
        (10001, "running", "may_have_been_ordered")]


# --- the order ledger (issue 21) ---------------------------------------------------------------

def test_a_task_killed_after_its_ordering_call_shows_in_the_next_runs_report_as_the_pending_order(
        ansible, sim, tmp_path):
    # Passes only once the order ledger of issue 21 is merged: before it, the second run orders
    # the change again (two ordering calls) and reports a new order instead of the pending one.
    sim.apply_delay = 600  # HostUp takes its time to show the order
    sim.add_fault("order", "delay", vmid=10001, delay=6)
    options, env = {"vmid": 10001, "package": "1938", "wait": False}, {"HOSTUP_STATE_DIR": str(tmp_path / "state")}
    killed = dict(module_task("hostup_vps_upgrade", options, "killed", True), timeout=2)
    first, report, printed = play(ansible, tmp_path, [killed], env=env)
    assert [(r["status"], r["counted_as"]) for r in report["rows"]] == [("no_result", "may_have_been_ordered")]
    time.sleep(6)  # the killed module's late answer has come and gone
    second, report, printed = play(ansible, tmp_path, [module_task("hostup_vps_upgrade", options, "again", True)],
                                   env=env)
    assert len(sim.ordering_requests()) == 1, second
    (row,) = report["rows"]
    assert (row["status"], row["counted_as"], row["vmid"]) == ("pending", None, 10001)
    assert row["placed_at"] and row["note"].startswith("pending: an earlier order HostUp does not show yet")
    assert printed[-2:] == ["This run ordered nothing.",
                            "Pending, ordered by an earlier run and not counted here: 1 change."]

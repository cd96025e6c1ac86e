# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hostup.cloud.spend callback in real ansible-playbook runs against the simulator."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import stat

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import module_task
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import SENSITIVE_VALUES

from ansible_collections.hostup.cloud.plugins.callback.spend import render_table

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "demo", "inventory.yml")
PRICE_CHANGE = {"ansible.builtin.import_playbook": "hostup.cloud.price_change"}
TOTAL = re.compile(r"^Total (?P<currency>[A-Z]{3}), (?P<what>.+?) \((?P<changes>\d+) changes?\): "
                   r"due now (?P<due_now>-?\d+\.\d\d); recurring per cycle (?P<recurring>.*)$", re.M)


def spend_env(tmp_path):
    return {"ANSIBLE_CALLBACKS_ENABLED": "hostup.cloud.spend", "HOSTUP_SPEND_REPORT": str(tmp_path / "spend.json")}


def report(tmp_path):
    path = tmp_path / "spend.json"
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    return json.loads(path.read_text())


def table(run):
    """The report's lines: everything printed after the recap's host lines."""
    after_recap = run.stdout.split("PLAY RECAP")[1]
    return after_recap[after_recap.index("HostUp spend:"):].rstrip("\n").split("\n")


def printed_totals(run):
    return [(m.group("currency"), m.group("what"), int(m.group("changes")), float(m.group("due_now")))
            for m in TOTAL.finditer(run.stdout)]


def drafts(sim, status):
    """The estimates the simulator answered, by the state their draft ended in (draft: priced only)."""
    return [draft for draft in sim.drafts.values() if draft["status"] == status]


def assert_nothing_leaked(run, tmp_path, api_key):
    assert_no_leak(run.stdout + run.stderr + (tmp_path / "spend.json").read_text(), api_key, *SENSITIVE_VALUES)


def role(**variables):
    return {"name": "Bring the VPS to its plan", "ansible.builtin.include_role": {"name": "hostup.cloud.vps_plan"},
            "vars": dict(("vps_plan_" + k, v) for k, v in variables.items())}


def test_a_check_run_prints_the_priced_table_after_the_recap_and_orders_nothing(ansible, sim, tmp_path, api_key):
    run = ansible.playbook([], play=PRICE_CHANGE, inventory=INVENTORY, check=True,
                           args=["-e", "hostup_package=1938"], env=spend_env(tmp_path))
    assert run.rc == 0, run
    assert sim.ordering_requests() == []
    data = report(tmp_path)
    assert table(run) == render_table(data).split("\n")  # the file holds what was printed
    assert table(run)[0] == "HostUp spend: priced only, nothing was ordered (--check)"
    assert "web-2  10002  package 1937 -> 1938    60.00  139.00/mo -> 259.00/mo  SEK       priced only" in run.stdout
    priced = drafts(sim, "draft")
    assert printed_totals(run) == [("SEK", "priced only, not ordered", len(priced),
                                    round(sum(d["quote"]["prorated"] for d in priced), 2))]
    assert data["check_mode"] is True
    assert sorted((r["host"], r["draft_id"], r["due_now"]) for r in data["rows"] if r["outcome"] == "priced") == \
        sorted(("web-%d" % (d["vmid"] - 10000), d["id"], d["quote"]["prorated"]) for d in priced)
    assert data["totals"] == [{"basis": "priced", "currency": "SEK", "changes": 2, "due_now": 120.0,
                               "recurring_change": {"monthly": 240.0}, "recurring_unknown": 0}]
    assert_nothing_leaked(run, tmp_path, api_key)


def test_the_roles_estimate_and_order_are_one_row_and_the_total_is_what_was_ordered(ansible, sim, tmp_path, api_key):
    run = ansible.playbook([role(vmid=10001, package="1938", cycle="annually", max_prorated=3000)],
                           env=spend_env(tmp_path), verbosity=2)
    assert run.rc == 0, run
    # the role prices package and cycle together and orders that one draft: one ordering call
    assert [o["call"] for o in sim.ordering_requests()] == ["order"]
    ordered = drafts(sim, "ordered")
    assert len(ordered) == 1 and drafts(sim, "draft") == []
    data = report(tmp_path)
    assert len(data["rows"]) == 1  # the check-mode estimate and the order of that draft: one row
    (row,) = data["rows"]
    assert (row["module"], row["outcome"], row["draft_id"], row["due_now"]) == \
        ("hostup.cloud.hostup_vps_upgrade", "ordered", ordered[0]["id"], ordered[0]["quote"]["prorated"])
    assert row["change"]["package"] == {"before": "1937", "after": "1938"}
    assert row["change"]["cycle"] == {"before": "monthly", "after": "annually"}
    assert row["order_id"] == str(sim.state(10001)["invoices"][0]["order_id"])
    assert row["invoice_id"] == str(sim.state(10001)["invoices"][0]["id"])
    # counted once: the total due now is the one draft ordered
    assert [(t["basis"], t["due_now"]) for t in data["totals"]] == [("ordered", ordered[0]["quote"]["prorated"])]
    assert printed_totals(run) == [("SEK", "ordered", 1, ordered[0]["quote"]["prorated"])]
    assert "localhost  10001  package 1937 -> 1938" in run.stdout
    assert_nothing_leaked(run, tmp_path, api_key)


def test_refusals_failures_and_no_change_are_listed_and_not_totalled(ansible, sim, tmp_path, api_key):
    sim.leave_invoice_unpaid(10004)
    sim.add_fault("order", "status", vmid=10005, status=502)
    tasks = [
        module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1939", "max_prorated": 100}, "over", True),
        module_task("hostup_vps_upgrade", {"vmid": 10004, "package": "1937"}, "unpaid", True),
        module_task("hostup_vps_upgrade", {"vmid": 10005, "resources": {"2253": 3}}, "broken", True),
        module_task("hostup_vps_upgrade", {"vmid": 10003, "package": "1938"}, "same", True),
        module_task("hostup_vps_upgrade", {"vmid": 10002, "resources": {"2404": 2}}, "grown", True),
    ]
    run = ansible.playbook(tasks, env=spend_env(tmp_path))
    assert run.rc == 0, run
    assert table(run)[3:] == [
        "localhost  10001  package 1937 -> 1939   230.50  139.00/mo -> 600.00/mo  SEK       not ordered: over budget",
        "localhost  10004  package 1936 -> 1937        -  59.00/mo -> ?           -         "
        "not ordered: unpaid invoice %s" % run.results["unpaid"]["pending_invoice"]["invoice_id"],
        "localhost  10005  resources 2253          26.25  635.00/mo -> 670.00/mo  SEK       "
        "failed: HTTP 502 BAD_GATEWAY (outcome unknown)",
        "localhost  10003  package 1938                -  2890.00/yr              -         no change",
        "localhost  10002  resources 2404          15.00  139.00/mo -> 169.00/mo  SEK       order %s, invoice %s"
        % (run.results["grown"]["order"]["order_id"], run.results["grown"]["order"]["invoice_id"]),
        "",
        "Total SEK, ordered (1 change): due now 15.00; recurring per cycle monthly +30.00",
    ]
    assert printed_totals(run) == [("SEK", "ordered", 1, run.results["grown"]["estimate"]["prorated"])]
    data = report(tmp_path)
    assert [r["outcome"] for r in data["rows"]] == ["over_budget", "unpaid_invoice", "failed", "no_change", "ordered"]
    assert_nothing_leaked(run, tmp_path, api_key)


def test_the_callback_only_adds_to_the_normal_output(ansible, sim, tmp_path):
    args = ["-e", "hostup_package=1938", "--forks", "1"]  # one host at a time: the same draft ids both times
    plain = ansible.playbook([], play=PRICE_CHANGE, inventory=INVENTORY, args=args)
    sim.reset()
    reported = ansible.playbook([], play=PRICE_CHANGE, inventory=INVENTORY, args=args, env=spend_env(tmp_path))
    assert plain.rc == reported.rc == 0
    assert "HostUp spend" not in plain.stdout
    normal, added = reported.stdout.split("HostUp spend: what this run priced and ordered\n")
    assert normal.rstrip("\n") == plain.stdout.rstrip("\n")
    assert added.split("\n")[2].startswith("db-1   10003  package 1938")


def test_the_tasks_flags_retries_and_yaml_option_ids_do_not_hide_what_was_ordered(ansible, sim, tmp_path, api_key):
    tasks = [
        dict(module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "quiet"), changed_when=False),
        dict(module_task("hostup_vps_upgrade", {"vmid": 10003, "package": "1939"}, "flagged", True), failed_when=True),
        # resources: {2404: 2} in YAML: the option id is a number
        module_task("hostup_vps_upgrade", {"vmid": 10002, "resources": "{{ {2404: 2} }}"}, "yaml_ids"),
        # until: the first attempt orders, the second finds the package in place
        dict(module_task("hostup_vps_upgrade", {"vmid": 10005, "package": "1938", "wait": False}, "again", True),
             until="again.applied", retries=1, delay=0),
    ]
    run = ansible.playbook(tasks, env=spend_env(tmp_path))
    assert run.rc == 0, run
    assert "Callback dispatch" not in run.stderr
    ordered = drafts(sim, "ordered")
    assert len(sim.ordering_requests()) == len(ordered) == 4
    data = report(tmp_path)
    assert sorted((r["vmid"], r["draft_id"], r["due_now"]) for r in data["rows"] if r["outcome"] == "ordered") == \
        sorted((d["vmid"], d["id"], d["quote"]["prorated"]) for d in ordered)
    assert [(r["vmid"], r["change"]["resources"]) for r in data["rows"] if r["vmid"] == 10002] == [(10002, ["2404"])]
    assert printed_totals(run) == [("SEK", "ordered", 4, round(sum(d["quote"]["prorated"] for d in ordered), 2))]
    assert_nothing_leaked(run, tmp_path, api_key)


def test_a_check_run_with_check_mode_false_tasks_reports_their_orders(ansible, sim, tmp_path):
    tasks = [dict(module_task("hostup_vps_billing_cycle", {"vmid": 10001, "cycle": "annually"}, "switch"),
                  check_mode=False),
             module_task("hostup_vps_upgrade", {"vmid": 10002, "package": "1938"}, "priced")]
    run = ansible.playbook(tasks, check=True, env=spend_env(tmp_path))
    assert run.rc == 0, run
    assert [o["call"] for o in sim.ordering_requests()] == ["change_billing_cycle"]
    assert table(run)[0] == "HostUp spend: --check run, but tasks with check_mode: false ordered 1 change"
    data = report(tmp_path)
    assert [(r["vmid"], r["outcome"]) for r in data["rows"]] == [(10001, "ordered"), (10002, "priced")]
    assert [(t["basis"], t["due_now"]) for t in data["totals"]] == [
        ("ordered", run.results["switch"]["estimate"]["due_now"]), ("priced", run.results["priced"]["estimate"]["due_now"])]


def test_an_async_order_is_reported_from_its_async_status(ansible, sim, tmp_path):
    tasks = [dict(module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "job"), **{"async": 60, "poll": 0}),
             {"name": "Wait for the order", "ansible.builtin.async_status": {"jid": "{{ job.ansible_job_id }}"},
              "register": "done", "until": "done.finished", "retries": 30, "delay": 1}]
    run = ansible.playbook(tasks, env=spend_env(tmp_path))
    assert run.rc == 0, run
    ordered = drafts(sim, "ordered")
    assert len(ordered) == 1
    assert [(r["outcome"], r["draft_id"], r["due_now"]) for r in report(tmp_path)["rows"]] == [
        ("ordered", ordered[0]["id"], ordered[0]["quote"]["prorated"])]
    assert printed_totals(run) == [("SEK", "ordered", 1, ordered[0]["quote"]["prorated"])]

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 10, money safety end to end: each break as a user meets it, over HTTP, with real ansible-playbook."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import time

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import BIN, module_task, write_local_inventory

# Each test runs twice: against the simulator's default answers, and with every optional field left out.
pytestmark = pytest.mark.documented_only_too

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def role(**variables):
    return {"name": "Bring the VPS to its plan", "ansible.builtin.include_role": {"name": "hostup.cloud.vps_plan"},
            "vars": dict(("vps_plan_" + k, v) for k, v in variables.items())}


def upgrade(register="up", **options):
    return module_task("hostup_vps_upgrade", options, register, ignore_errors=True)


def resize(*extra):
    return {"ansible.builtin.import_playbook": "hostup.cloud.resize"}, ["-e", "vmid=10001"] + list(extra)


def orders(sim):
    return [(r["call"], r["body"]) for r in sim.ordering_requests()]


# --- 1. every paid change priced, budgeted, then ordered -----------------------------------

def test_the_role_readme_example_prices_package_and_cycle_together_and_refuses_over_budget(ansible, sim):
    run = ansible.playbook([role(vmid=10001, package="1938", cycle="annually", max_prorated=100)])
    assert run.rc != 0
    assert "Over budget, nothing was ordered: 2520.50 due now is more than max_prorated 100.00" in run.stdout
    assert sim.ordering_requests() == []
    assert [r["body"] for r in sim.requests(call="estimate")] == [{"send": False, "package": "1938", "cycle": "a"}]


def test_the_role_orders_the_whole_target_in_one_ordering_call(ansible, sim):
    run = ansible.playbook([role(vmid=10001, package="1938", cycle="annually", max_prorated=2600)])
    assert run.rc == 0, run
    assert ("VPS 10001 (VPS SM, monthly): due now 2520.50 SEK, recurring 139.00 monthly -> 2590.00 annually SEK "
            "(estimate draft 5257)") in run.stdout
    assert orders(sim) == [("order", {"send": True, "draftId": 5257})]
    invoice = "not named by HostUp" if sim.documented_only else "49526"
    assert "VPS 10001: ordered as order 34889, invoice %s; HostUp shows the change" % invoice in run.stdout
    assert (sim.state(10001)["product_id"], sim.state(10001)["cycle"]) == ("1938", "a")
    rerun = ansible.playbook([role(vmid=10001, package="1938", cycle="annually", max_prorated=2600)])
    assert rerun.rc == 0 and len(sim.ordering_requests()) == 1


def test_resize_to_annual_billing_is_priced_and_refused_over_budget(ansible, sim):
    play, args = resize("-e", "cycle=annually", "-e", "max_prorated=100")
    run = ansible.playbook([], play=play, args=args)
    assert run.rc != 0
    assert "1320.50 due now is more than max_prorated 100.00" in run.stdout
    assert sim.ordering_requests() == [] and sim.state(10001)["cycle"] == "m"


def test_resize_under_check_shows_the_new_plans_price_in_the_target_cycle(ansible, sim):
    play, args = resize("-e", "package=1938", "-e", "cycle=annually")
    run = ansible.playbook([], play=play, args=args, check=True)
    assert run.rc == 0, run
    assert "recurring 139.00 monthly -> 2590.00 annually SEK" in run.stdout  # VPS MD, annual; not 1390 (VPS SM)
    assert sim.ordering_requests() == []


def test_a_real_billing_cycle_switch_is_priced_first_and_returns_the_estimate(ansible, sim):
    run = ansible.playbook([module_task("hostup_vps_billing_cycle", {"vmid": 10001, "cycle": "annually",
                                                                     "max_prorated": 1400}, "switch")])
    assert run.rc == 0, run
    result = run.results["switch"]
    assert result["estimate"]["due_now"] == 1320.5 and result["applied"] is True
    calls = [r["call"] for r in sim.requests()]
    assert calls == ["billing_cycle", "estimate", "change_billing_cycle"]  # HostUp's answer shows the new cycle


# --- 2. draft_id is checked -------------------------------------------------------------------

def test_a_draft_for_another_package_is_refused_and_a_used_draft_is_named_as_a_draft(ansible, sim):
    quote = ansible.playbook([module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1939"}, "quote")],
                             check=True)
    draft_id = quote.results["quote"]["estimate"]["draft_id"]
    run = ansible.playbook([upgrade(vmid=10001, package="1938", draft_id=draft_id)])
    assert run.results["up"]["failed"] is True
    assert "draft %d holds package 1939, not the requested package 1938" % draft_id in run.results["up"]["msg"]
    assert sim.ordering_requests() == [] and sim.state(10001)["product_id"] == "1937"

    ordered = ansible.playbook([upgrade(vmid=10001, package="1939", draft_id=draft_id)])
    assert ordered.results["up"]["changed"] is True
    assert orders(sim) == [("order", {"send": True, "draftId": draft_id})]
    used = ansible.playbook([upgrade(vmid=10001, draft_id=draft_id)])
    assert "No such draft: check draft_id; HostUp has no open draft %d" % draft_id in used.results["up"]["msg"]
    assert "check vmid" not in used.results["up"]["msg"].lower()
    assert len(sim.ordering_requests()) == 1


def test_an_estimate_answered_with_another_draft_is_not_ordered(ansible, sim):
    quote = ansible.playbook([module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "quote")],
                             check=True)
    draft_id = quote.results["quote"]["estimate"]["draft_id"]
    sim.add_fault("estimate", "patch", vmid=10001, data={"draftId": draft_id + 100})
    run = ansible.playbook([upgrade(vmid=10001, package="1938", draft_id=draft_id)])
    assert "HostUp answered the estimate of draft %d with draft %d" % (draft_id, draft_id + 100) in run.results["up"]["msg"]
    assert sim.ordering_requests() == []


# --- 3. one order per VPS at a time on a controller -----------------------------------------

@pytest.mark.seed_only  # mode-invariant: the lock
def test_two_inventory_hosts_on_one_vps_order_once(ansible, sim, tmp_path):
    sim.latency = 0.2
    inventory = write_local_inventory(tmp_path / "hosts.json", {"web": {"a": {"hostup_vmid": 10001},
                                                                        "b": {"hostup_vmid": 10001}}})
    task = {"hostup.cloud.hostup_vps_upgrade": {"vmid": "{{ hostup_vmid }}", "package": "1938"}, "register": "up"}
    run = ansible.playbook([task], play={"hosts": "all", "gather_facts": False}, inventory=inventory,
                           args=["--forks", "2"])
    assert run.rc == 0, run
    assert orders(sim) == [("order", {"send": True, "draftId": 5257})]
    assert len(sim.requests(call="estimate")) == 1  # the second task read 1938 afresh: nothing to price


@pytest.mark.seed_only  # mode-invariant: the lock
def test_two_playbook_processes_started_apart_order_once(ansible, sim):
    sim.latency = 0.4
    path = ansible.workdir / "one.yml"
    path.write_text('[{"hosts": "localhost", "gather_facts": false, "tasks": [{"hostup.cloud.hostup_vps_upgrade":'
                    ' {"vmid": 10002, "package": "1938"}}]}]')
    command = [os.path.join(BIN, "ansible-playbook"), str(path)]
    first = subprocess.Popen(command, cwd=str(ansible.workdir), env=ansible.env(), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    time.sleep(0.3)
    second = subprocess.Popen(command, cwd=str(ansible.workdir), env=ansible.env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    outputs = [process.communicate(timeout=300)[0] for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert [r["vmid"] for r in sim.ordering_requests()] == [10002]


# --- 4. a change HostUp applies later ----------------------------------------------------------

@pytest.mark.seed_only  # mode-invariant: the wait
@pytest.mark.parametrize("task, readback", [
    (("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}), ("product_id", "1938")),
    (("hostup_vps_billing_cycle", {"vmid": 10001, "cycle": "annually"}), ("cycle", "a")),
])
def test_an_order_applied_later_is_waited_for_and_the_rerun_orders_nothing(ansible, sim, task, readback):
    sim.apply_delay = 1.5
    module, options = task
    run = ansible.playbook([module_task(module, options, "first")])
    assert run.rc == 0, run
    assert run.results["first"]["applied"] is True
    assert sim.state(10001)[readback[0]] == readback[1]
    rerun = ansible.playbook([module_task(module, options, "again")])
    assert rerun.rc == 0 and rerun.results["again"]["changed"] is False
    assert len(sim.ordering_requests()) == 1


def test_an_order_not_shown_within_wait_timeout_fails_saying_it_was_placed(ansible, sim):
    sim.apply_delay = 30
    run = ansible.playbook([upgrade(vmid=10001, package="1938", wait_timeout=2)])
    result = run.results["up"]
    assert result["failed"] is True and result["applied"] is False
    assert "was ordered (order 34889%s)" % ("" if sim.documented_only else ", invoice 49526") in result["msg"]
    assert result["reason"] == "order.not_visible" and result["outcome"]["status"] == "ordered"
    assert len(sim.ordering_requests()) == 1


# --- 5. resources without a false "already so" -------------------------------------------------

@pytest.mark.parametrize("resources, named", [
    ({"2259": 1}, "option 2259 (a list option)"),
    ({"2209": "debian-12"}, "option 2209 (a list option)"),
    ({"2268": "replica-3"}, "option 2268 (a list option)"),
])
def test_free_list_and_equal_price_options_are_never_claimed_in_place(ansible, sim, resources, named):
    run = ansible.playbook([upgrade(vmid=10001, resources=resources)])
    result = run.results["up"]
    assert result["failed"] is True and result["changed"] is False
    assert "HostUp cannot read the current value of %s of VPS 10001" % named in result["msg"]
    draft_id = result["estimate"]["draft_id"]
    assert "draft_id: %d" % draft_id in result["msg"]
    assert sim.ordering_requests() == []

    deliberate = ansible.playbook([upgrade(vmid=10001, resources=resources, draft_id=draft_id)])
    assert deliberate.results["up"]["changed"] is True and deliberate.results["up"]["applied"] is None
    assert orders(sim) == [("order", {"send": True, "draftId": draft_id})]


def test_an_equal_price_swap_of_two_sized_options_is_ordered(ansible, sim):
    sim.vps[10001]["resources"]["2210"] = 40
    run = ansible.playbook([upgrade(vmid=10001, resources={"2232": 50, "2210": 20})])  # +10 GB at 1.0, -20 at 0.5
    assert run.results["up"]["changed"] is True, run
    assert len(sim.ordering_requests()) == 1
    assert sim.state(10001)["resources"]["2232"] == 50


# --- 6. replies and numbers ---------------------------------------------------------------------

def test_an_order_reply_with_data_success_false_is_a_failure(ansible, sim):
    sim.add_fault("order", "patch", vmid=10001, skip=True, data={"success": False, "message": "Draft rejected"})
    run = ansible.playbook([upgrade(vmid=10001, package="1938")])
    assert run.results["up"]["failed"] is True
    assert "answered success: false (Draft rejected)" in run.results["up"]["msg"]
    assert "probably nothing was ordered, but this cannot be proven" in run.results["up"]["msg"]


@pytest.mark.parametrize("patch, words", [
    ({"prorated": "NaN"}, "no finite amount due now (prorated NaN)"),
    ({"raw.draft.price.total": "560.00", "raw.draft.price.setup": 500}, "560.00 due now is more than max_prorated"),
])
def test_a_nan_or_a_setup_fee_never_passes_max_prorated(ansible, sim, patch, words):
    sim.add_fault("estimate", "patch", vmid=10001, data=patch)
    run = ansible.playbook([upgrade(vmid=10001, package="1938", max_prorated=100)])
    assert run.results["up"]["failed"] is True and words in run.results["up"]["msg"]
    assert sim.ordering_requests() == []


def test_draft_id_with_resources_is_idempotent(ansible, sim):
    quote = ansible.playbook([module_task("hostup_vps_upgrade", {"vmid": 10001, "resources": {"2232": 80}}, "q")],
                             check=True)
    draft_id = quote.results["q"]["estimate"]["draft_id"]
    task = upgrade(vmid=10001, resources={"2232": 80}, draft_id=draft_id)
    assert ansible.playbook([task]).results["up"]["changed"] is True
    rerun = ansible.playbook([task])
    assert rerun.results["up"]["changed"] is False and not rerun.results["up"].get("failed")
    assert len(sim.ordering_requests()) == 1

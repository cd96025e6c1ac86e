# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 21, nothing is ordered twice: every path that ordered again while HostUp did not show an order yet,
over HTTP with real ansible-playbook. Each test checks what the simulator received (never a second ordering
call) and what the module returned (outcome status, changed, the reason code)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import signal
import subprocess
import time

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import (
    BIN,
    module_task,
    save_result_task,
    write_local_inventory,
)


def upgrade(register="up", **options):
    return module_task("hostup_vps_upgrade", options, register, ignore_errors=True)


def switch(register="up", **options):
    return module_task("hostup_vps_billing_cycle", options, register, ignore_errors=True)


def ordered_once(sim, vmid=10001):
    assert len(sim.ordering_requests(vmid=vmid)) == 1, sim.ordering_requests(vmid=vmid)


def failed_as(result, reason, status):
    assert result.get("failed") is True, result
    assert (result["reason"], result["outcome"]["status"]) == (reason, status), result["msg"]
    assert "\n" not in result["msg"]


def done_already(result, earlier=True):
    """The task found the VPS with the change: nothing ordered, and the earlier order named."""
    assert not result.get("failed") and result["changed"] is False, result
    assert result["outcome"]["status"] == "no_change"
    if earlier:
        assert [entry["state"] for entry in result["earlier_orders"]] == ["shown"]


def per_host_results(ansible, tmp_path, task, hosts, forks=2):
    """Run ``task`` on inventory hosts (name -> hostvars) at once; each host's result."""
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    inventory = write_local_inventory(tmp_path / "hosts.json", {"vps": hosts}, {"results_dir": str(results)})
    run = ansible.playbook([], inventory=inventory, args=["--forks", str(forks)],
                           play={"hosts": "vps", "gather_facts": False, "tasks": [
                               dict(task, register="result", ignore_errors=True),
                               save_result_task("result", "{{ results_dir }}", "{{ inventory_hostname }}")]})
    return run, dict((host, json.loads((results / ("%s.json" % host)).read_text())) for host in hosts)


# --- 1. resources: recorded, waited for, and not ordered again -----------------------------------

def test_resources_are_waited_for_by_a_free_estimate_and_a_rerun_orders_nothing(ansible, sim):
    sim.apply_delay = 12
    run = ansible.playbook([upgrade(vmid=10001, resources={"2232": 60})])
    first = run.results["up"]
    assert first["changed"] is True and first["applied"] is True, first  # was applied: null, and returned at once
    assert sim.state(10001)["resources"]["2232"] == 60
    done_already(ansible.playbook([upgrade(vmid=10001, resources={"2232": 60})]).results["up"], earlier=False)
    ordered_once(sim)


def test_two_inventory_hosts_on_one_vmid_order_resources_once(ansible, sim, tmp_path):
    sim.apply_delay = 8
    task = {"hostup.cloud.hostup_vps_upgrade": {"vmid": "{{ hostup_vmid }}", "resources": {"2404": 8}}}  # one above the 7 included
    run, results = per_host_results(ansible, tmp_path, task, {"a": {"hostup_vmid": 10001}, "b": {"hostup_vmid": 10001}})
    assert run.rc == 0, run
    assert sorted(result["changed"] for result in results.values()) == [False, True]
    ordered_once(sim)


# --- 2. a lost answer ----------------------------------------------------------------------------

@pytest.mark.parametrize("module, options, call, fault", [
    ("hostup_vps_upgrade", {"package": "1938"}, "order", {"kind": "status", "status": 502}),
    ("hostup_vps_upgrade", {"package": "1938"}, "order", {"kind": "drop"}),
    ("hostup_vps_billing_cycle", {"cycle": "annually"}, "change_billing_cycle", {"kind": "status", "status": 502}),
], ids=["upgrade 502", "upgrade dropped", "cycle 502"])
def test_an_order_whose_answer_was_lost_is_not_ordered_again(ansible, sim, module, options, call, fault):
    sim.apply_delay = 600  # HostUp placed the order, and does not show it yet
    fault = dict(fault)
    sim.add_fault(call, fault.pop("kind"), vmid=10001, after_apply=True, **fault)
    task = module_task(module, dict(options, vmid=10001), "up", ignore_errors=True)
    failed_as(ansible.playbook([task]).results["up"], "order.unknown", "unknown")
    failed_as(ansible.playbook([dict(task, **{"hostup.cloud." + module: dict(options, vmid=10001, wait=False)})])
              .results["up"], "ledger.pending", "pending")
    ordered_once(sim)
    sim.apply_now(10001)  # once HostUp shows it, the rerun goes on by itself
    done_already(ansible.playbook([task]).results["up"])
    ordered_once(sim)


# --- 3. a task queued behind another's order -------------------------------------------------------

def test_a_task_queued_behind_an_order_that_is_not_shown_in_time_orders_nothing(ansible, sim, tmp_path):
    sim.apply_delay = 600
    task = {"hostup.cloud.hostup_vps_upgrade": {"vmid": "{{ hostup_vmid }}", "package": "1938", "wait_timeout": 2}}
    _run, results = per_host_results(ansible, tmp_path, task, {"a": {"hostup_vmid": 10001},
                                                               "b": {"hostup_vmid": 10001}})
    assert sorted((r["reason"], r["outcome"]["status"]) for r in results.values()) == [
        ("ledger.pending", "pending"), ("order.not_visible", "ordered")], results
    ordered_once(sim)


# --- 4. a task killed after the ordering call was sent ---------------------------------------------

def start(ansible, tasks, env=None, name="play"):
    """Start ansible-playbook in a session of its own (so that it and its module can be killed together)."""
    path = ansible.workdir / ("%s.yml" % name)
    path.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    return subprocess.Popen([os.path.join(BIN, "ansible-playbook"), str(path)], cwd=str(ansible.workdir),
                            env=ansible.env(extra=env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def descendants(pid):
    """Every process below ``pid`` (Ansible's workers start sessions of their own, so no group holds them all)."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_9(process):
    """kill -9 of ansible-playbook, its workers and the module they run: nothing of the task lives on."""
    for pid in [process.pid] + descendants(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(30)


def test_a_task_killed_after_sending_its_order_leaves_it_in_the_ledger(ansible, sim):
    sim.apply_delay = 600
    sim.add_fault("order", "delay", vmid=10001, delay=120)  # the order is placed, its answer takes long
    process = start(ansible, [upgrade(vmid=10001, package="1938")])
    deadline = time.monotonic() + 120
    while not sim.ordering_requests() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sim.ordering_requests(), process.communicate(timeout=5)[0]
    kill_9(process)
    rerun = ansible.playbook([upgrade(vmid=10001, package="1938", wait=False)]).results["up"]
    failed_as(rerun, "ledger.pending", "pending")
    assert "no answer was recorded" in rerun["msg"] and "hostup.cloud.hostup_vps_order_ledger" in rerun["msg"]
    assert rerun["pending_orders"][0]["state"] == "sending" and rerun["outcome"]["placed_at"]
    ordered_once(sim)
    sim.apply_now(10001)
    done_already(ansible.playbook([upgrade(vmid=10001, package="1938")]).results["up"])
    ordered_once(sim)


# --- 5. one lock and one ledger per VPS, whatever TMPDIR, HOME or spelling of api_url ----------------

def test_two_runs_at_once_with_other_tmpdirs_homes_and_spellings_of_api_url_order_once(ansible, sim, tmp_path):
    sim.latency = 0.4
    port = sim_port(ansible)
    processes = []
    for name, host in (("one", "127.0.0.1"), ("two", "LocalHost")):
        home, tmpdir = tmp_path / ("home-" + name), tmp_path / ("tmp-" + name)
        home.mkdir()
        tmpdir.mkdir()
        env = {"HOME": str(home), "TMPDIR": str(tmpdir), "HOSTUP_API_URL": "http://%s:%d/" % (host, port)}
        processes.append(start(ansible, [upgrade(vmid=10002, package="1938")], env, name))
        time.sleep(0.3)
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    ordered_once(sim, 10002)


def test_a_lock_directory_someone_made_in_the_shared_temp_dir_blocks_nothing(ansible, sim, tmp_path):
    tmpdir = tmp_path / "shared-tmp"
    tmpdir.mkdir()
    (tmpdir / ("hostup-cloud-locks-%d" % os.getuid())).mkdir()
    os.chmod(str(tmpdir / ("hostup-cloud-locks-%d" % os.getuid())), 0o777)  # as another local user would leave it
    run = ansible.playbook([upgrade(vmid=10001, package="1938")], env={"TMPDIR": str(tmpdir)})
    assert run.results["up"]["changed"] is True and not run.results["up"].get("failed"), run.results["up"]
    ordered_once(sim)


def test_two_homes_sharing_one_state_dir_share_the_ledger(ansible, sim, tmp_path):
    sim.apply_delay = 600
    env = {}
    for name in ("alice", "bob"):
        (tmp_path / name / "tmp").mkdir(parents=True)
        env[name] = {"HOME": str(tmp_path / name), "TMPDIR": str(tmp_path / name / "tmp")}
    first = ansible.playbook([upgrade(vmid=10001, package="1938", wait=False)], env=env["alice"]).results["up"]
    assert first["changed"] is True and first["applied"] is False
    second = ansible.playbook([upgrade(vmid=10001, package="1938", wait=False)], env=env["bob"]).results["up"]
    failed_as(second, "ledger.pending", "pending")
    assert second["outcome"]["order_id"] == first["order"]["order_id"]
    ordered_once(sim)


def sim_port(ansible):
    return int(ansible.server.url.rsplit(":", 1)[1])


# --- 6. wait: false and an immediate rerun ------------------------------------------------------------

def test_wait_false_then_an_immediate_rerun_waits_for_the_order_instead_of_ordering_it_again(ansible, sim):
    sim.apply_delay = 20
    first = ansible.playbook([upgrade(vmid=10001, package="1938", wait=False)]).results["up"]
    assert first["changed"] is True and first["applied"] is False
    rerun = ansible.playbook([upgrade(vmid=10001, package="1938")]).results["up"]
    done_already(rerun)
    assert rerun["earlier_orders"][0]["order_id"] == first["order"]["order_id"]
    ordered_once(sim)


def test_a_switch_whose_answer_shows_the_cycle_before_hostup_does_is_not_switched_again(ansible, sim):
    sim.apply_delay = 600  # and the answer does not say so: it names the new cycle, with no "scheduled" note
    sim.add_fault("change_billing_cycle", "patch", vmid=10001, data={"info": ["Account #10001 changes saved"]})
    first = ansible.playbook([switch(vmid=10001, cycle="annually", wait_timeout=3)]).results["up"]
    assert first["changed"] is True and first["applied"] is True, first  # three calls: HostUp's answer showed it
    assert [r["call"] for r in sim.requests()] == ["billing_cycle", "estimate", "change_billing_cycle"]
    rerun = ansible.playbook([switch(vmid=10001, cycle="annually", wait=False)]).results["up"]
    failed_as(rerun, "ledger.pending", "pending")  # the ledger keeps it until a read shows it
    ordered_once(sim)
    sim.apply_now(10001)
    done_already(ansible.playbook([switch(vmid=10001, cycle="annually")]).results["up"])
    ordered_once(sim)


# --- 7. an estimate is ordered only when it holds exactly the change -----------------------------------

def test_a_cycle_estimate_still_holding_the_old_cycle_is_not_followed_by_the_switch(ansible, sim):
    sim.add_fault("estimate", "patch", vmid=10001, data={
        "raw.draft.services.1.cycle": "m", "raw.draft.services.1.recurring": "m", "prorated": 0, "total": "0.00",
        "raw.draft.price.total": "0.00"})
    result = ansible.playbook([switch(vmid=10001, cycle="annually", max_prorated=100)]).results["up"]
    failed_as(result, "cycle.estimate_mismatch", "refused")
    assert sim.ordering_requests() == [] and sim.state(10001)["cycle"] == "m"


@pytest.mark.parametrize("patch", [
    {"raw.call": "orderUpgrade"},
    {"raw.checkout": {"invoice_id": "49526", "order_id": 34889, "total": "60.00"}},
    {"invoiceId": "49526"},
    {"upgraded": True},  # documented in the same reply: HostUp says it upgraded (was: ordered on top)
    {"orderNum": 1693887344},  # the order's number, documented beside orderId (was: ordered on top)
], ids=["raw.call", "raw.checkout", "invoiceId", "upgraded", "orderNum"])
def test_an_estimate_shaped_like_an_order_is_never_priced_nor_ordered_on_top(ansible, sim, patch):
    sim.add_fault("estimate", "patch", vmid=10001, data=patch)
    check = ansible.playbook([upgrade(vmid=10001, package="1938")], check=True).results["up"]
    failed_as(check, "reply.not_estimate", "unknown")  # was: "priced" in check mode
    rerun = ansible.playbook([upgrade(vmid=10001, package="1938", wait=False)]).results["up"]
    failed_as(rerun, "ledger.pending", "pending")  # was: ordered
    assert sim.ordering_requests() == []


def test_a_users_draft_for_the_package_the_vps_has_is_not_ordered_again(ansible, sim):
    draft_id = ansible.playbook([module_task("hostup_vps_upgrade", {"vmid": 10001, "package": "1938"}, "q")],
                                check=True).results["q"]["estimate"]["draft_id"]
    first = ansible.playbook([upgrade(vmid=10001, draft_id=draft_id)]).results["up"]
    assert first["changed"] is True and first["applied"] is True
    sim.reuse_drafts = True  # HostUp still answers for the draft it ordered, at its old price
    again = ansible.playbook([upgrade(vmid=10001, draft_id=draft_id)]).results["up"]
    done_already(again, earlier=False)
    assert any("holds package 1938" in warning for warning in again["warnings"])
    ordered_once(sim)


# --- the mutants that survived the suite ------------------------------------------------------------------

def test_an_order_whose_cycle_shows_after_its_package_is_waited_for_until_both_show(ansible, sim):
    sim.apply_delays = {"cycle": 6}
    run = ansible.playbook([upgrade(vmid=10001, package="1938", cycle="annually")])
    assert run.results["up"]["applied"] is True
    assert (sim.state(10001)["product_id"], sim.state(10001)["cycle"]) == ("1938", "a")  # both, when it returned
    done_already(ansible.playbook([upgrade(vmid=10001, package="1938", cycle="annually")]).results["up"],
                 earlier=False)
    ordered_once(sim)


def test_a_nan_budget_stops_the_task_before_any_request(ansible, sim):
    result = ansible.playbook([upgrade(vmid=10001, package="1939", max_prorated="nan")]).results["up"]
    failed_as(result, "option.budget", "refused")
    assert sim.requests() == []


# --- the ledger itself --------------------------------------------------------------------------------------

def test_a_pending_order_is_released_with_the_command_its_error_names(ansible, sim):
    sim.add_fault("order", "status", vmid=10001, status=502)  # HostUp placed nothing; the task cannot know it
    failed_as(ansible.playbook([upgrade(vmid=10001, package="1938")]).results["up"], "order.unknown", "unknown")
    pending = ansible.playbook([upgrade(vmid=10001, package="1938", wait=False)]).results["up"]
    failed_as(pending, "ledger.pending", "pending")
    command = re.search(r"(ansible localhost -m hostup\.cloud\.hostup_vps_order_ledger -a '[^']*')$", pending["msg"])
    listing = ansible.adhoc("hostup.cloud.hostup_vps_order_ledger", "vmid=10001", api_key=None).results["adhoc"]
    assert [entry["state"] for entry in listing["pending"]] == ["unknown"]
    assert listing["pending"][0]["release_command"] == command.group(1)
    release = subprocess.run(command.group(1), shell=True, cwd=str(ansible.workdir), env=ansible.env(api_key=None),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                             check=False)
    assert release.returncode == 0 and "CHANGED" in release.stdout, release.stdout
    ordered = ansible.playbook([upgrade(vmid=10001, package="1938")]).results["up"]
    assert ordered["changed"] is True and ordered["outcome"]["status"] == "ordered"
    assert len(sim.ordering_requests()) == 2 and sim.state(10001)["product_id"] == "1938"


def test_a_torn_ledger_file_stops_every_order_for_the_vps_before_any_request(ansible, sim):
    sim.apply_delay = 600
    ansible.playbook([upgrade(vmid=10001, package="1938", wait=False)])
    [path] = (ansible.workdir / "state" / "ledger").glob("*.json")
    path.write_text(path.read_text()[:100])
    sim.clear_requests()
    result = ansible.playbook([upgrade(vmid=10001, package="1939")]).results["up"]
    failed_as(result, "ledger.unreadable", "refused")
    assert str(path) in result["msg"] and sim.requests() == []

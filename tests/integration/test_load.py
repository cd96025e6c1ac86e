# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet of 50 simulated VPSes changed at once, with and without HostUp's rate limit."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import save_result_task, write_local_inventory

FLEET = list(range(20001, 20051))
# a package: what a fleet changes at once (options and their proofs by estimate are tested elsewhere)
TARGET = {"package": "1938"}


def fleet_upgrade(ansible, tmp_path, forks, **options):
    results_dir = tmp_path / "results"
    results_dir.mkdir(exist_ok=True)
    inventory = write_local_inventory(tmp_path / "fleet.json", {"fleet": dict(
        ("vps%d" % vmid, {"hostup_vmid": vmid}) for vmid in FLEET)})
    plays = [{"name": "Upgrade the fleet", "hosts": "fleet", "gather_facts": False, "tasks": [
        {"name": "Upgrade", "hostup.cloud.hostup_vps_upgrade": dict(TARGET, vmid="{{ hostup_vmid }}", **options),
         "register": "upgrade"},
        save_result_task("upgrade", results_dir, "{{ hostup_vmid }}"),
    ]}]
    run = ansible.playbook([], plays=plays, inventory=inventory, args=["--forks", str(forks)])
    results = {}
    for vmid in FLEET:
        path = results_dir / ("%d.json" % vmid)
        results[vmid] = json.loads(path.read_text()) if path.exists() else None
        if path.exists():
            path.unlink()
    return run, results


def failure_line(run, vmid):
    lines = [line for line in run.stdout.splitlines() if line.startswith("fatal: [vps%d]: FAILED!" % vmid)]
    return lines[0] if lines else ""


def recap(run, vmid):
    return run.stdout.split("PLAY RECAP")[1].split("vps%d " % vmid)[1].split("\n")[0]


def in_target_state(sim, vmid):
    return sim.state(vmid)["product_id"] == "1938"


def test_fifty_vpses_with_ten_forks_each_ordered_once_and_failures_reported_per_host(ansible, sim, tmp_path):
    sim.add_fault("estimate", "status", vmid=20007, status=403, times=None)
    sim.add_fault("details", "status", vmid=20013, status=404, times=None)
    sim.leave_invoice_unpaid(20021)
    broken = {20007: "HTTP 403 FORBIDDEN", 20013: "HTTP 404 NOT_FOUND", 20021: "unpaid invoice"}

    run, results = fleet_upgrade(ansible, tmp_path, forks=10)
    assert run.rc == 2  # some hosts failed, and the run says so
    for vmid in FLEET:
        orders = sim.ordering_requests(vmid=vmid)
        if vmid in broken:
            assert broken[vmid] in failure_line(run, vmid)
            assert "failed=1" in recap(run, vmid)
            assert orders == [] and not in_target_state(sim, vmid)
        else:
            assert results[vmid]["changed"] is True, results[vmid]
            assert "failed=0" in recap(run, vmid)
            assert len(orders) == 1 and in_target_state(sim, vmid)

    sim.clear_requests()
    rerun, results = fleet_upgrade(ansible, tmp_path, forks=10)
    assert sim.ordering_requests() == []
    assert all(not results[vmid]["changed"] for vmid in FLEET if vmid not in broken)


def test_fifty_vpses_under_a_rate_limit_all_succeed_without_a_duplicate_order(ansible, sim, tmp_path):
    # requests a second, for the whole API key: each task reads details and billing-cycle, estimates,
    # orders, then reads details until HostUp shows the package (five calls, 250 in all): 20 forks ask
    # faster than that, so most tasks are refused at least once
    sim.rate_limit = 12
    run, results = fleet_upgrade(ansible, tmp_path, forks=20)
    assert run.rc == 0, [json.loads(line.split(" => ", 1)[1]).get("msg") for line in run.stdout.splitlines()
                         if line.startswith("fatal: ")][:3]
    limited = [r for r in sim.requests() if r["status"] == 429]
    assert limited, "the simulator never rate-limited: the test proves nothing"
    for vmid in FLEET:
        assert results[vmid]["changed"] is True
        assert len(sim.ordering_requests(vmid=vmid)) == 1
        assert in_target_state(sim, vmid)

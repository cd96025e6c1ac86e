# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vps_plan role and the example playbooks, run as a user runs them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.paths import ROOT
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import SENSITIVE_VALUES

INVENTORY = os.path.join(ROOT, "demo", "inventory.yml")


def role(**variables):
    return {"name": "Bring the VPS to its plan", "ansible.builtin.include_role": {"name": "hostup.cloud.vps_plan"},
            "vars": dict(("vps_plan_" + k, v) for k, v in variables.items())}


PLAN = role(vmid=10001, package="1938", cycle="annually", max_prorated=2600)


def test_role_under_check_shows_the_price_then_orders_plan_and_cycle_in_one_order_and_a_rerun_changes_nothing(
        ansible, sim):
    check = ansible.playbook([PLAN], check=True)
    assert check.rc == 0, check
    summary = "VPS 10001 (VPS SM, monthly): due now 2520.50 SEK, recurring 139.00 monthly -> 2590.00 annually SEK"
    assert summary in check.stdout
    assert sim.ordering_requests() == [] and sim.state(10001)["product_id"] == "1937"
    run = ansible.playbook([PLAN])
    assert run.rc == 0 and summary in run.stdout, run
    orders = sim.ordering_requests()
    assert [o["call"] for o in orders] == ["order"]
    assert orders[0]["body"]["draftId"] == 5258  # the estimate this run's summary showed (the check run's was 5257)
    state = sim.state(10001)
    assert (state["product_id"], state["cycle"]) == ("1938", "a")

    rerun = ansible.playbook([PLAN])
    assert rerun.rc == 0, rerun
    assert "changed=0" in rerun.stdout.split("PLAY RECAP")[1].split("\n")[1]
    assert len(sim.ordering_requests()) == 1


def test_role_stops_over_budget_before_ordering(ansible, sim):
    run = ansible.playbook([role(vmid=10001, package="1939", max_prorated=100)])
    assert run.rc != 0
    assert "Over budget, nothing was ordered: 230.50 due now is more than max_prorated 100.00" in run.stdout
    assert sim.ordering_requests() == []


@pytest.mark.parametrize("vmid", ["ten", 0, -3, "10001; rm -rf"])
def test_role_refuses_a_bad_vmid_in_one_line_before_any_request(ansible, sim, vmid):
    run = ansible.playbook([role(vmid=vmid, package="1938")])
    assert run.rc != 0
    assert "vps_plan_vmid must be the VPS's id at HostUp, a whole number from 1; got %s" % vmid in run.stdout
    assert "argument_spec_data" not in run.stdout
    assert sim.requests() == []


def test_role_refuses_a_misspelled_variable_in_one_line_before_any_request(ansible, sim):
    task = role(vmid=10001, package="1939", max_prorate=100)  # max_prorated misspelled: the budget would be gone
    run = ansible.playbook([task, role(vmid=10001)])
    assert run.rc != 0
    assert ("The vps_plan role has no variable vps_plan_max_prorate (misspelled?): its variables are vps_plan_vmid, "
            "vps_plan_package, vps_plan_resources, vps_plan_cycle, vps_plan_max_prorated, vps_plan_max_recurring") in run.stdout
    assert sim.requests() == [] and sim.ordering_requests() == []


def test_role_runs_twice_in_a_play_with_its_registered_variables_set(ansible, sim):
    run = ansible.playbook([role(vmid=10001, package="1938", max_prorated=100), role(vmid=10001, package="1938")])
    assert run.rc == 0, run
    assert len(sim.ordering_requests()) == 1


@pytest.mark.parametrize("unpaid, shown", [
    (False, "web-1.sim.example (vmid 10001): VPS SM, 2 CPU / 4 GB RAM / 40 GB disk, billed monthly (monthly 139.00, "
            "annually 1390.00)"),
    (True, "web-1.sim.example (vmid 10001): VPS SM, 2 CPU / 4 GB RAM / 40 GB disk, billed monthly; UNPAID INVOICE"),
])
def test_vps_report_shows_plan_and_billing_with_or_without_an_unpaid_invoice(ansible, sim, unpaid, shown):
    if unpaid:
        sim.leave_invoice_unpaid(10001)
    run = ansible.playbook([], play={"ansible.builtin.import_playbook": "hostup.cloud.vps_report"},
                           inventory=INVENTORY, args=["--limit", "web-1"])
    assert run.rc == 0, run
    assert shown in run.stdout, run.stdout
    assert "()" not in run.stdout
    assert sim.ordering_requests() == []


def test_price_change_prints_a_cost_table_and_orders_nothing(ansible, sim):
    run = ansible.playbook([], play={"ansible.builtin.import_playbook": "hostup.cloud.price_change"},
                           inventory=INVENTORY, args=["-e", "hostup_package=1938"])
    assert run.rc == 0, run
    # each line is the estimate's outcome
    assert '"web-1 (vmid 10001): priced, due now 60.00 SEK, recurring 139.00 monthly -> 259.00 monthly"' in run.stdout
    assert '"db-1 (vmid 10003): no change, recurring 2890.00 annually -> 2890.00 annually"' in run.stdout
    assert '"Total due now if ordered: 120.00 SEK"' in run.stdout
    assert sim.ordering_requests() == []


def test_price_change_total_never_subtracts_a_negative_due_now(ansible, sim, tmp_path):
    # build (10005, VPS XL) moving down to 1938 is due -195.75: no refund is assumed, as in the spend report
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(json.dumps({"hostup_vps": {"hosts": {"web-1": {"hostup_vmid": 10001}, "web-2": {"hostup_vmid": 10002},
                                                              "build": {"hostup_vmid": 10005}},
                                                    "vars": {"ansible_connection": "local",
                                                             "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}))
    run = ansible.playbook([], play={"ansible.builtin.import_playbook": "hostup.cloud.price_change"},
                           inventory=str(inventory), args=["-e", "hostup_package=1938"])
    assert run.rc == 0, run
    assert "build (vmid 10005): priced, due now -195.75 SEK" in run.stdout
    assert ('"Total due now if ordered: 120.00 SEK (not subtracted: 1 negative amount due now, no refund is assumed)"'
            in run.stdout), run.stdout
    assert sim.ordering_requests() == []


def test_annual_billing_playbook_switches_the_group_once(ansible, sim):
    play = {"ansible.builtin.import_playbook": "hostup.cloud.annual_billing"}
    run = ansible.playbook([], play=play, inventory=INVENTORY)
    assert run.rc == 0, run
    assert sorted(o["vmid"] for o in sim.ordering_requests()) == [10001, 10002]
    assert "monthly -> annually: due now 1320.50 SEK, recurring 139.00 monthly -> 1390.00 annually SEK" in run.stdout
    assert sorted(r["vmid"] for r in sim.requests(call="estimate")) == [10001, 10002]  # priced before switched
    again = ansible.playbook([], play=play, inventory=INVENTORY)
    assert again.rc == 0
    assert len(sim.ordering_requests()) == 2


@pytest.mark.parametrize("budget", ["max_prorated", "hostup_max_prorated"])  # the name resize takes, and the older one
def test_annual_billing_playbook_refuses_a_switch_above_the_budget(ansible, sim, budget):
    play = {"ansible.builtin.import_playbook": "hostup.cloud.annual_billing"}
    run = ansible.playbook([], play=play, inventory=INVENTORY, args=["-e", "%s=100" % budget, "--limit", "web-1"])
    assert run.rc != 0
    assert "Over budget, nothing was ordered" in run.stdout, run.stdout
    assert sim.ordering_requests() == []


def test_resize_without_a_vmid_fails_in_one_line_naming_it(ansible, sim):
    run = ansible.playbook([], play={"ansible.builtin.import_playbook": "hostup.cloud.resize"}, args=["-e", "package=1938"])
    assert run.rc != 0
    assert "Name the VPS to resize with -e vmid=..., its id at HostUp (vmid), such as -e vmid=10001" in run.stdout
    assert sim.requests() == []


def test_option_names_stand_beside_their_ids_without_any_personal_data(ansible, sim, tmp_path, api_key):
    # 2210's free-text name in HostUp's draft is a person's name (as in HostUp's own example): only its
    # machine name (variable) may be shown
    report = tmp_path / "spend.json"
    tasks = [
        role(vmid=10001, package="1938", resources={"2232": 120, "2210": 10}, max_prorated=3000),
        {"name": "Price more disk", "hostup.cloud.hostup_vps_upgrade": {"vmid": 10002, "resources": {"2232": 80}},
         "register": "priced", "check_mode": True},
    ]
    run = ansible.playbook(tasks, diff=True, verbosity=3, env={
        "ANSIBLE_CALLBACKS_ENABLED": "hostup.cloud.spend", "HOSTUP_SPEND_REPORT": str(report)})
    assert run.rc == 0, run
    assert "(estimate draft 5257); resources 2210 additional_storage=10, 2232 disk_size=120" in run.stdout
    assert run.results["priced"]["outcome"]["options"] == [{"id": "2232", "value": 80, "name": "disk_size"}]
    assert run.results["priced"]["diff"]["after"]["option_names"] == {"2232": "disk_size"}
    assert '"option_names"' in run.stdout or "option_names" in run.stdout  # --diff shows them
    rows = json.loads(report.read_text())["rows"]
    assert [o["name"] for row in rows for o in row["options"]] == ["additional_storage", "disk_size", "disk_size"]
    assert "resources 2210 additional_storage=10, 2232 disk_size=120" in run.stdout.split("HostUp spend")[1]
    assert_no_leak(run.output + report.read_text() + json.dumps(run.results), api_key, *SENSITIVE_VALUES)
    assert "Ingrid" not in run.output

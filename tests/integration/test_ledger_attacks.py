# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 21, attacked after the ledger was built: paths that still ordered twice, over HTTP with real
ansible-playbook against the simulator. Each test checks what the simulator received and the reason code."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import module_task


def upgrade(register="up", **options):
    return module_task("hostup_vps_upgrade", options, register, ignore_errors=True)


def failed_as(result, reason, status):
    assert result.get("failed") is True, result
    assert (result["reason"], result["outcome"]["status"]) == (reason, status), result["msg"]
    assert "\n" not in result["msg"]


# --- a draft the ledger has seen ordered is never ordered again ----------------------------------------

def test_a_draft_ordered_once_is_not_ordered_again_once_its_entry_lapsed(ansible, sim):
    """Backups within the 7 units the plan includes: no estimate can show them, so the entry lapses after
    pending_window; HostUp still answers for the ordered draft (reuse_drafts, which no doc rules out)."""
    check = ansible.playbook([upgrade(vmid=10001, resources={"2404": 5})], check=True).results["up"]
    failed_as(check, "upgrade.option_unreadable", "refused")
    draft_id = check["estimate"]["draft_id"]
    task = upgrade(vmid=10001, resources={"2404": 5}, draft_id=draft_id, pending_window=0)
    first = ansible.playbook([task]).results["up"]
    assert first["changed"] is True and first["applied"] is None, first
    sim.reuse_drafts = True
    again = ansible.playbook([task]).results["up"]
    failed_as(again, "upgrade.draft_ordered", "refused")
    assert first["order"]["order_id"] in again["msg"] and str(draft_id) in again["msg"]
    assert len(sim.ordering_requests(vmid=10001)) == 1, sim.ordering_requests(vmid=10001)


# --- an estimate reply that names an order is never a price ---------------------------------------------

def test_an_estimate_naming_an_order_number_is_never_priced_nor_ordered_on_top(ansible, sim):
    """data.orderNum is documented as the number of the order a reply placed: an estimate naming one may be an order."""
    sim.add_fault("estimate", "patch", vmid=10001, data={"orderNum": 1693887344})
    check = ansible.playbook([upgrade(vmid=10001, package="1938")], check=True).results["up"]
    failed_as(check, "reply.not_estimate", "unknown")
    assert "1693887344" in check["msg"]
    rerun = ansible.playbook([upgrade(vmid=10001, package="1938", wait=False)]).results["up"]
    failed_as(rerun, "ledger.pending", "pending")
    assert sim.ordering_requests() == []

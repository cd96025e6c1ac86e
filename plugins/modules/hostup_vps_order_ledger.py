#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: hostup_vps_order_ledger
short_description: List the order ledger of HostUp VPSes, and release an order once checked at HostUp
version_added: 0.1.0
description:
  - M(hostup.cloud.hostup_vps_upgrade) and M(hostup.cloud.hostup_vps_billing_cycle) write every
    ordering call they send to an order ledger in O(state_dir), before sending it, and HostUp's answer
    after. While an entry of a VPS is unresolved (HostUp does not show its change yet), they order
    nothing more for that VPS, and their error names the entry and the command that releases it.
  - This module lists the entries of one VPS (O(vmid)) or of every VPS in O(state_dir), and releases
    one (O(release)) once you have checked at HostUp (in its panel) that the order was applied, or
    never placed, or cancelled. Releasing tells the modules to stop waiting for it; it changes nothing
    at HostUp.
  - It reads and writes only the ledger on the host that runs it (the controller); it sends no request
    to HostUp, so it needs no O(api_key). O(api_url) names which HostUp API the VPS belongs to (the
    same VPS whatever the spelling of the URL), as in the ordering task.
  - An entry's C(state) is V(sending) (the call was sent and no answer was recorded, for example the
    task was killed), V(placed) (HostUp answered with the order), V(unknown) (the call failed in a way
    that may have ordered), or, resolved, V(shown) (HostUp showed the change), V(lapsed) (an order of
    options nothing can read back, older than the ordering task's C(pending_window))
    or V(released). The newest resolved entries are kept, for the listing.
author:
  - hostup.cloud maintainers (@hostup-cloud)
options:
  vmid:
    description:
      - The VPS's id at HostUp. Without it, the entries of every VPS in O(state_dir) are listed.
      - Required with O(release).
    type: int
  release:
    description:
      - Release the unresolved entry of O(vmid) with this entry id, order id or draft id (as the
        pending error of an ordering module names it).
      - When nothing unresolved matches, nothing is released and a warning says so (a second run of the
        same release changes nothing). When several entries match, the task fails naming them.
    type: str
  api_key:
    description:
      - Accepted, so that O(ignore:module_defaults) of the group C(group/hostup.cloud.all) apply, and not
        used, since this module sends no request to HostUp.
    required: false
extends_documentation_fragment:
  - hostup.cloud.ordering.state_dir
  - hostup.cloud.api
  - hostup.cloud.attributes
  - hostup.cloud.attributes.actiongroup_all
attributes:
  check_mode:
    support: full
    details: Check mode shows which entry O(release) would release, and writes nothing.
  diff_mode:
    support: full
    details: Shows the ids of the VPS's unresolved entries before and after the release.
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: What is recorded for VPS 10001
  hostup.cloud.hostup_vps_order_ledger:
    vmid: 10001
  register: ledger

- name: Show the orders HostUp does not show yet
  ansible.builtin.debug:
    msg: "{{ ledger.pending | map(attribute='id') | list }}"

- name: Release an order after checking in the HostUp panel that it was cancelled
  hostup.cloud.hostup_vps_order_ledger:
    vmid: 10001
    release: "34889"   # the entry id, order id or draft id the pending error named
"""

RETURN = r"""
entries:
  description:
    - The entries of O(vmid), or of every VPS in O(state_dir) without it, oldest first, as they are before
      the release.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The entry's id.
      type: str
      sample: 3f9a2c1b7d0e
    state:
      description: V(sending), V(placed), V(unknown) (unresolved), V(shown), V(lapsed) or V(released).
      type: str
      sample: placed
    module:
      description: The module that sent the ordering call.
      type: str
      sample: hostup_vps_upgrade
    api:
      description: The HostUp API, as C(host:port), or C(loopback:port) for this machine.
      type: str
      sample: cloud.hostup.se:443
    vmid:
      description: The VPS.
      type: int
      sample: 10001
    asked:
      description: What the order asks of the VPS - C(package), C(cycle), C(resources) and the C(unreadable)
        option ids, which HostUp cannot show.
      type: dict
      sample: {package: "1938", cycle: null, resources: {}, unreadable: []}
    draft_id:
      description: The draft ordered, if any.
      type: int
      sample: 5257
    order_id:
      description: HostUp's order id, where HostUp named one.
      type: str
      sample: "34889"
    order_num:
      description: HostUp's order number, where HostUp named one.
      type: str
      sample: "1693922233"
    invoice_id:
      description: HostUp's invoice id, where HostUp named one.
      type: str
      sample: "49526"
    estimate:
      description: The estimate the order was priced with (C(draft_id), C(due_now), C(recurring), C(currency)).
      type: dict
      sample: {draft_id: 5257, due_now: 60.0, recurring: 259.0, currency: SEK}
    sent_at:
      description: When the ordering call was sent (ISO 8601, UTC).
      type: str
      sample: "2026-11-30T20:15:00Z"
    answered_at:
      description: When HostUp's answer was recorded, or null.
      type: str
      sample: "2026-11-30T20:15:01Z"
    resolved_at:
      description: When the entry was resolved, or null.
      type: str
      sample: null
    controller:
      description: The C(host), C(pid) and C(uid) of the task that sent it.
      type: dict
      sample: {host: ctl-1, pid: 4242, uid: 1000}
pending:
  description: The unresolved entries among RV(entries), each with the C(release_command) that releases it.
  returned: always
  type: list
  elements: dict
  sample: [{id: 3f9a2c1b7d0e, state: unknown, order_id: null, release_command: "ansible localhost -m ..."}]
released:
  description: The entry released (in check mode, that would be); empty when none.
  returned: always
  type: list
  elements: dict
  sample: [{id: 3f9a2c1b7d0e, state: released}]
"""

import os

from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.ledger import UNRESOLVED, Ledger, all_entries, release_command
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.module import HostUpModule
from ansible_collections.hostup.cloud.plugins.module_utils.ordering import STATE_DIR_OPTION, check_state_dir
from ansible_collections.hostup.cloud.plugins.module_utils.reconcile import public

MODULE_OPTIONS = dict(
    vmid=dict(type="int"),
    release=dict(type="str"),
    state_dir=STATE_DIR_OPTION,
)


def check_options(params):
    check_state_dir(params)
    if params["release"] is not None:
        if params["vmid"] is None:
            raise BadOption("option.release_needs_vmid")
        if not params["release"].strip():
            raise BadOption("option.release_blank")


def show(entry, state_dir):
    """An entry as returned; an unresolved one with the command that releases it."""
    shown = public(entry)
    if entry["state"] in UNRESOLVED:
        shown["release_command"] = release_command(entry["vmid"], entry["id"], entry.get("api_url") or "",
                                                   state_dir)
    return shown


def ledger_task(hostup):
    params = hostup.params
    state_dir = os.path.abspath(params["state_dir"])
    if params["vmid"] is None:
        entries = [show(entry, state_dir) for entry in all_entries(state_dir)]
        return dict(changed=False, entries=entries, pending=[e for e in entries if "release_command" in e],
                    released=[])
    ledger = Ledger(params["state_dir"], params["api_url"], params["vmid"],
                    read_only=hostup.check_mode or params["release"] is None)
    try:
        before = ledger.entries()
        released = []
        if params["release"] is not None:
            released, found = ledger.release(params["release"].strip(), check_mode=hostup.check_mode)
            if len(found) > 1:
                raise TaskFailed("ledger.release_ambiguous", value=params["release"], count=len(found),
                                 vmid=params["vmid"], ids=", ".join(entry["id"] for entry in found))
            if not found:
                hostup.warn(render("ledger.release_unmatched", value=params["release"], vmid=params["vmid"],
                                   path=ledger.file))
    finally:
        ledger.close()
    entries = [show(entry, state_dir) for entry in before]
    pending_before = [entry["id"] for entry in before if entry["state"] in UNRESOLVED]
    gone = set(entry["id"] for entry in released)
    return dict(changed=bool(released), entries=entries, pending=[e for e in entries if "release_command" in e],
                released=[public(dict(entry, state="released")) for entry in released],
                diff={"before": {"pending": pending_before},
                      "after": {"pending": [entry_id for entry_id in pending_before if entry_id not in gone]}})


def main():
    hostup = HostUpModule(MODULE_OPTIONS, check_options=check_options, name="hostup_vps_order_ledger",
                          calls_hostup=False)
    hostup.run(ledger_task)


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Orders an earlier task left in the order ledger, for module tests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.hostup.cloud.plugins.module_utils.ledger import Ledger
from ansible_collections.hostup.cloud.plugins.module_utils.reconcile import asked_change
from ansible_collections.hostup.cloud.tests.unit.helpers import API


def book(state_dir, vmid=10001):
    return Ledger(str(state_dir), API, vmid)


def earlier_order(state_dir, state="placed", vmid=10001, draft_id=5000, **asked):
    """Put an entry of an earlier ordering call in the ledger: placed (with order 34000), unknown or sending."""
    ledger = book(state_dir, vmid)
    entry = ledger.new_entry("hostup_vps_upgrade", "the order of draft %s" % draft_id, asked_change(**asked),
                             draft_id=draft_id)
    if state != "sending":
        entry.update(state=state, answered_at=entry["sent_at"])
    if state == "placed":
        entry.update(order_id="34000", invoice_id="49000")
    return ledger.add(entry)


def states(state_dir, vmid=10001):
    return [entry["state"] for entry in book(state_dir, vmid).entries()]

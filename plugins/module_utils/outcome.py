# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The outcome of an ordering task: one dict, the same shape from both ordering modules, on every exit path.

PRIVATE to this collection: names here may change in any release. The shape
of the returned dict (RV(outcome)) is public: the spend report and users'
playbooks read it.

``status`` says what happened to the money:

* ``ordered``: an ordering call was answered as placed (HostUp may still be applying it);
* ``priced``: check mode priced the change, nothing was ordered;
* ``no_change``: the VPS already has what was asked, nothing was ordered;
* ``pending``: an earlier order for this VPS is recorded in the ledger and HostUp
  does not show it yet, so nothing more was ordered;
* ``over_budget``: the estimate was above a budget (or not a finite number), nothing was ordered;
* ``blocked``: an unpaid invoice at HostUp blocks every order, nothing was ordered;
* ``refused``: the task stopped before ordering, or HostUp refused the ordering call: nothing was ordered;
* ``unknown``: the ordering call was sent and its result is not known: it may have ordered.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

STATUSES = ("ordered", "priced", "no_change", "pending", "over_budget", "blocked", "refused", "unknown")
# Statuses under which this task may have committed money at HostUp.
MAY_HAVE_ORDERED = ("ordered", "unknown")

# Every key of RV(outcome), with what it holds; None where not known.
FIELDS = (
    "status",            # one of STATUSES
    "currency",          # ISO code of the amounts, from the estimate
    "due_now",           # what the order charges now (the estimate's due_now); a negative amount is no refund
    "order_total",       # the ordering reply's own total, where HostUp gave one (it can differ from due_now)
    "recurring_before",  # recurring price per cycle_before, before the change
    "recurring_after",   # recurring price per cycle_after, after the change
    "cycle_before",      # monthly / annually
    "cycle_after",
    "package_before",    # product id before / after
    "package_after",
    "options",           # the resources of the change: [{"id": "2232", "value": 120, "name": "disk_size"}]
    "draft_id",          # the estimate's draft
    "order_id",          # the order placed (for pending: the earlier order recorded in the ledger)
    "invoice_id",
    "placed_at",         # ISO 8601 UTC time the ordering call was sent (for pending: the earlier order's)
)

# The status of a task that stopped for one of these reasons (messages.py); any
# other stop before the ordering call was sent is "refused".
STATUS_OF_REASON = {
    "order.over_budget": "over_budget",
    "order.pending_invoice": "blocked",
    "order.unknown": "unknown",
    "order.unproven": "unknown",
    "order.maybe_placed": "unknown",
    "order.not_visible": "ordered",
    "order.refused": "refused",
    "order.refused_hint": "refused",
    "reply.not_estimate": "unknown",
    "ledger.pending": "pending",
}


class Outcome(dict):
    """RV(outcome) as the task learns it: what it read, what it priced, what it sent and what HostUp said."""

    def __init__(self):
        super(Outcome, self).__init__((field, None) for field in FIELDS)
        self.update(status="refused", options=[])

    def read(self, package, cycle, recurring):
        self.update(package_before=package, cycle_before=cycle, recurring_before=recurring,
                    package_after=package, cycle_after=cycle, recurring_after=recurring)

    def asked(self, package=None, cycle=None, resources=None):
        if package is not None:
            self["package_after"] = package
        if cycle is not None:
            self["cycle_after"] = cycle
        if resources:
            names = dict((o["id"], o.get("name")) for o in self["options"])
            self["options"] = [{"id": str(option_id), "value": value, "name": names.get(str(option_id))}
                               for option_id, value in sorted(resources.items(), key=lambda item: int(item[0]))]

    def named(self, labels):
        """Give each option its label (quote.option_labels: HostUp's machine name of it), where one is known."""
        for option in self["options"]:
            option["name"] = labels.get(option["id"]) or option["name"]

    def priced(self, figures):
        self.update(currency=figures["currency"], due_now=figures["due_now"],
                    recurring_after=figures["recurring"], draft_id=figures["draft_id"])

    def sending(self):
        """The ordering call is about to be sent: from here on, a failure may have ordered."""
        self.update(status="unknown", placed_at=utc_now())

    def placed(self, order, order_total):
        self.update(status="ordered", order_id=order["order_id"], invoice_id=order["invoice_id"],
                    order_total=order_total)

    def pending(self, entry):
        """An earlier order of the VPS (a ledger entry) is not shown yet: name it; this task orders nothing."""
        self.update(order_id=entry.get("order_id"), invoice_id=entry.get("invoice_id"),
                    placed_at=entry.get("sent_at"), draft_id=entry.get("draft_id"))

    def stopped(self, reason, status=None):
        """The task stops for ``reason``: set the status it means, unless an order is already known placed.

        Once the ordering call was sent (status unknown), only a reason that
        says what became of it (refused, placed, unknown) changes the status.
        """
        said = status or STATUS_OF_REASON.get(reason)
        if self["status"] == "ordered":
            return
        if self["status"] == "unknown":
            self["status"] = said or "unknown"
            return
        self["status"] = said or "refused"

    def ended(self, changed, check_mode):
        """The task ends well: without an order sent, it priced the change (check mode) or found none."""
        if self["status"] not in MAY_HAVE_ORDERED:
            self["status"] = "priced" if changed and check_mode else "no_change"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ledger's orders against what HostUp shows: an earlier order is resolved, waited for, or stops the task.

PRIVATE to this collection: names here may change in any release.

What the collection sent is in the ledger; what HostUp did is read from HostUp.
An entry is resolved when HostUp shows what it asked: the package in details,
the cycle in billing-cycle, options ordered by count or size by an estimate of
them that shows no price difference (the evidence the upgrade module trusts).
Options nothing can read back are resolved only once a placed order of them is
older than pending_window, or by a release; an order of unknown outcome only by
HostUp showing it, or by a release. Nothing else (a draft that still answers, a
quiet HostUp) is taken as proof that an order was, or was not, placed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import time

from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError, TaskFailed, UnexpectedReply
from ansible_collections.hostup.cloud.plugins.module_utils.ledger import parse_time
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.proof import resources_shown
from ansible_collections.hostup.cloud.plugins.module_utils.quote import estimate_change
from ansible_collections.hostup.cloud.plugins.module_utils.text import printable
from ansible_collections.hostup.cloud.plugins.module_utils.vps import cycle_price, read_billing, read_details

# Polls: the first at once (HostUp often shows the change already), then after
# growing pauses up to POLL_MAX_PAUSE, all within wait_timeout.
POLL_FIRST_PAUSE = 0.5
POLL_MAX_PAUSE = 10.0

SHOWN, NOT_YET, LATER, NEVER = "shown", "not yet", "later", "never"


def asked_change(package=None, cycle=None, resources=None, unreadable=()):
    """What an order asks of the VPS, as the ledger keeps it."""
    resources = dict((str(k), v) for k, v in (resources or {}).items())
    return {"package": package, "cycle": cycle, "resources": resources,
            "unreadable": sorted(str(k) for k in unreadable if str(k) in resources)}


class VpsReads(object):
    """details, billing-cycle and estimates of one VPS, each made once until ``fresh()``.

    The module decides on the reads and estimates the ledger's check made: the
    same moment of HostUp, and no call made twice.
    """

    def __init__(self, hostup):
        self.hostup = hostup
        self.client = hostup.client
        self.vmid = hostup.params["vmid"]
        self.fresh()

    def fresh(self):
        self._details = self._billing = None
        self._quotes = {}

    def details(self):
        if self._details is None:
            self._details = read_details(self.client, self.vmid)
        return self._details

    def billing(self):
        if self._billing is None:
            self._billing = read_billing(self.client, self.vmid)
        return self._billing

    def estimate(self, body, cycle, asked):
        """HostUp's estimate of ``body`` for ``cycle`` (priced: ``asked`` is kept if it answers like an order)."""
        key = json.dumps([body, cycle], sort_keys=True)
        if key not in self._quotes:
            self._quotes[key] = priced(self.hostup, body, cycle, asked)
        return self._quotes[key]


# --- estimates: one that answers like an order is recorded as one --------------------

def priced(hostup, body, cycle, asked):
    """HostUp's estimate of ``body`` (quote.estimate_change); a reply that may be an order is kept in the ledger.

    Such a reply (an order or invoice id, a checkout, an ordering raw.call) fails
    the task as of unknown outcome, and its entry (``asked``) keeps every later run
    from ordering for the VPS until HostUp shows the change or the user releases it,
    in check mode too: the ledger remembers what HostUp may have done.
    """
    try:
        return estimate_change(hostup.client, hostup.params["vmid"], body, cycle)
    except UnexpectedReply as error:
        if error.reason != "reply.not_estimate":
            raise
        ledger = hostup.ledger
        entry = ledger.new_entry(hostup.module_name, "an estimate HostUp answered like an order", asked,
                                 draft_id=body.get("draftId"), state="unknown")
        entry.update(order_id=error.details.get("order_id"), order_num=error.details.get("order_num"),
                     invoice_id=error.details.get("invoice_id"),
                     answered_at=entry["sent_at"])
        ledger.add(entry, force=True)
        error.hint = render("hint.not_estimate_recorded", entry_id=entry["id"],
                            release=ledger.release_command(entry["id"]))
        raise


def _estimator(reads):
    """Estimates of option changes from the VPS as it is now (proof.resources_shown)."""
    cycle = reads.billing()["cycle"]

    def estimate(resources):
        return reads.estimate({"resources": resources}, cycle, asked_change(resources=resources))
    return estimate


# --- is it shown? ---------------------------------------------------------------------

def readable_part_shown(hostup, reads, asked):
    """Whether HostUp shows the package, the cycle and the count or size options ``asked``: True, False, or
    None when HostUp's estimates cannot tell (proof.resources_shown: a price left out, a value within
    units the plan includes).

    Each is read only once what comes before it shows: the package (details),
    then the cycle (billing-cycle), then the options (an estimate).
    """
    if asked.get("package") is not None and reads.details()["product_id"] != asked["package"]:
        return False
    readable = dict((k, v) for k, v in asked["resources"].items() if k not in asked["unreadable"])
    if asked.get("cycle") is not None or readable:
        billing = reads.billing()
        if billing["cycle"] is None or (asked.get("cycle") is not None and billing["cycle"] != asked["cycle"]):
            return False
        if readable:
            shown, _unpriced, _unproven = resources_shown(_estimator(reads), readable,
                                                          cycle_price(billing, billing["cycle"]))
            return shown
    return True


def verdict(hostup, reads, entry, now):
    """(SHOWN, NOT_YET, LATER or NEVER, and for LATER when it lapses; for SHOWN the state it resolves to)."""
    asked = entry["asked"]
    shown = readable_part_shown(hostup, reads, asked)
    if shown is False:
        return NOT_YET, None
    blind = shown is None or asked["unreadable"] or not (asked.get("package") or asked.get("cycle")
                                                         or asked["resources"])
    if not blind:
        return SHOWN, "shown"
    if entry["state"] != "placed":
        return NEVER, None
    lapses = (parse_time(entry.get("answered_at")) or parse_time(entry["sent_at"])) + hostup.params["pending_window"]
    return (SHOWN, "lapsed") if now >= lapses else (LATER, lapses)


# --- earlier orders: resolve, wait, or stop ------------------------------------------------

def settle_earlier_orders(hostup, reads):
    """Resolve the VPS's unresolved entries HostUp now shows; wait for the rest (``wait``) or stop.

    Returns the entries resolved (RV earlier_orders). While one stays unresolved,
    nothing more may be ordered for the VPS: TaskFailed ledger.pending names it,
    when it was placed and how to release it. Check mode resolves nothing in the file.
    """
    params, ledger = hostup.params, hostup.ledger
    deadline = time.monotonic() + params["wait_timeout"]
    waited = 0.0
    pause = POLL_FIRST_PAUSE
    settled = []
    while True:
        waiting = []
        for entry in ledger.unresolved():
            if any(done["id"] == entry["id"] for done in settled):
                continue  # check mode: resolved in this task only
            state, detail = verdict(hostup, reads, entry, time.time())
            if state == SHOWN:
                ledger.resolve(entry["id"], detail)
                settled.append(public(dict(entry, state=detail)))
            else:
                waiting.append((entry, state, detail))
        if not waiting:
            return settled
        left = min(deadline - time.monotonic(), params["wait_timeout"] - waited)
        why = _why_not_wait(hostup, reads, waiting, left)
        if why:
            raise _pending(hostup, waiting, settled, why)
        pause = min(pause, left)
        time.sleep(pause)
        waited += pause
        pause = min(pause * 2, POLL_MAX_PAUSE)
        reads.fresh()


def _why_not_wait(hostup, reads, waiting, left):
    """Why the task stops waiting for the earlier orders (the end of the pending message), or None: wait on."""
    params = hostup.params
    if not params["wait"]:
        return "wait is false"
    never = [entry for entry, state, _d in waiting if state == NEVER]
    if never:
        return "only HostUp showing it or a release ends an order of unknown outcome, and %s" % _unreadable(
            never[0]["asked"])
    if any(state == NOT_YET for _e, state, _d in waiting):
        invoice = reads.billing()["pending_invoice"]
        if invoice:
            return "HostUp holds unpaid invoice %s for the VPS, and applies the order once it is paid" % (
                invoice["invoice_id"] or "(id unknown)")
    lapses = [detail for _e, state, detail in waiting if state == LATER]
    if lapses and max(lapses) > time.time() + left:
        entry = [e for e, state, _d in waiting if state == LATER][0]
        return "%s, so the entry ends only at %s, %d s after HostUp answered (pending_window)" % (
            _unreadable(entry["asked"]), _iso(max(lapses)), params["pending_window"])
    if left <= 0:
        return "it did not show within wait_timeout %d s" % params["wait_timeout"]
    return None


def _pending(hostup, waiting, settled, why):
    entry = waiting[0][0]
    hostup.outcome.pending(entry)
    more = " (and %d more, in pending_orders)" % (len(waiting) - 1) if len(waiting) > 1 else ""
    return TaskFailed("ledger.pending", status="pending",
                      result=dict(pending_orders=[public(e) for e, _s, _d in waiting], earlier_orders=settled),
                      vmid=hostup.params["vmid"], what=describe(entry) + more, why=why,
                      release=hostup.ledger.release_command(entry["id"]))


def _unreadable(asked):
    """Why HostUp cannot show what ``asked`` changes."""
    if asked["unreadable"]:
        return "HostUp cannot read back option %s" % ", ".join(asked["unreadable"])
    if asked["resources"]:
        return ("HostUp's estimates cannot show whether the VPS has option %s (a price left out, or a value "
                "within units the plan includes)" % ", ".join(sorted(asked["resources"])))
    return "the ledger does not say what it changes"


# --- the task's own order --------------------------------------------------------------------

def await_shown(hostup, reads, entry):
    """Poll until HostUp shows what ``entry`` asked (its readable part), within wait_timeout.

    Returns ``(shown, pending_invoice)``: shown True when HostUp shows it, None
    when its estimates cannot tell, False when an unpaid invoice holds the order
    (then the invoice) or time ran out.
    The order is placed: a poll that HostUp rate-limited or could not answer
    (429, 5xx, the network, after the client's own retries) is tried again at the
    next pause while time is left; at the end its error is raised (any other
    error at once).
    """
    timeout = hostup.params["wait_timeout"]
    deadline = time.monotonic() + timeout
    waited = 0.0
    pause = POLL_FIRST_PAUSE
    while True:
        reads.fresh()
        left = min(deadline - time.monotonic(), timeout - waited)
        try:
            shown = readable_part_shown(hostup, reads, entry["asked"])
            if shown is not False:
                return shown, None
            invoice = reads.billing()["pending_invoice"]
        except HostUpError as error:
            if not _passing(error) or left <= 0:
                raise
        else:
            if invoice:
                return False, invoice
        if left <= 0:
            return False, None
        pause = min(pause, left)
        time.sleep(pause)
        waited += pause
        pause = min(pause * 2, POLL_MAX_PAUSE)


def _passing(error):
    """A failed read that a later one may get past: rate limited, HostUp failing, the network."""
    return error.status is None or error.status == 429 or error.status >= 500


# --- entries as results and messages show them ---------------------------------------------

def public(entry):
    """An entry as results show it (RV earlier_orders, pending_orders, the ledger module's entries)."""
    keys = ("id", "state", "module", "api", "vmid", "asked", "draft_id", "order_id", "order_num", "invoice_id",
            "estimate", "sent_at", "answered_at", "resolved_at", "controller")
    return dict((key, entry.get(key)) for key in keys)


def describe(entry):
    """One clause naming an entry's order, its change, when and where it was sent, and what became of it."""
    asked = entry["asked"]
    parts = ["package %s" % asked["package"]] if asked.get("package") else []
    parts += ["billing cycle %s" % asked["cycle"]] if asked.get("cycle") else []
    parts += ["option %s = %s" % (k, printable(str(v), limit=40)) for k, v in sorted(asked["resources"].items())]
    change = ", ".join(parts) or "what the draft holds"
    name = "order %s" % entry["order_id"] if entry.get("order_id") else "an order"
    if entry.get("invoice_id"):
        name += " (invoice %s)" % entry["invoice_id"]
    draft = " of draft %s" % entry["draft_id"] if entry.get("draft_id") else ""
    controller = entry.get("controller") if isinstance(entry.get("controller"), dict) else {}
    where = "by %s on %s" % (printable(str(entry.get("module")), limit=60),
                             printable(str(controller.get("host") or "an unknown host"), limit=80))
    said = {"placed": "was placed at %s %s" % (entry["sent_at"], where),
            "unknown": "was sent at %s %s and its outcome is unknown (HostUp's answer was lost or made no sense)" % (
                entry["sent_at"], where),
            "sending": "was sent at %s %s and no answer was recorded (the task was stopped, or its answer lost)" % (
                entry["sent_at"], where)}[entry["state"]]
    return "%s%s (%s) %s (ledger entry %s)" % (name, draft, change, said, entry["id"])


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))

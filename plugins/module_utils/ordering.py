# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What happens around an order: the budget gate, the ledger and lock of the VPS, the one ordering call, the wait.

PRIVATE to this collection: names here may change in any release.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, HostUpError, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.ledger import DEFAULT_STATE_DIR, Ledger
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import MONEY_TOLERANCE, money, show_amount
from ansible_collections.hostup.cloud.plugins.module_utils.outcome import utc_now
from ansible_collections.hostup.cloud.plugins.module_utils.quote import order_named
from ansible_collections.hostup.cloud.plugins.module_utils.reconcile import await_shown
from ansible_collections.hostup.cloud.plugins.module_utils.vps import hint_not_found, pending_invoice

STATE_DIR_OPTION = dict(type="path", default=DEFAULT_STATE_DIR, fallback=(env_fallback, ["HOSTUP_STATE_DIR"]))
ORDERING_OPTIONS = dict(
    max_prorated=dict(type="float"),
    max_recurring=dict(type="float"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=300),
    state_dir=STATE_DIR_OPTION,
    pending_window=dict(type="int", default=300),
)

# How long a task waits for another task's order on the same VPS: that task may
# wait for an earlier order, order, and wait for its own (two wait_timeouts),
# with time for its reads, estimate and order.
LOCK_MARGIN_CALLS = 4


def check_ordering_options(params):
    """Budgets, wait_timeout and pending_window, checked before any request; BadOption names the option."""
    for budget in ("max_prorated", "max_recurring"):
        # "not >= 0" also refuses NaN, which no comparison with a price would ever stop
        if params[budget] is not None and not params[budget] >= 0:
            raise BadOption("option.budget", option=budget, value=params[budget])
    if params["wait_timeout"] < 1:
        raise BadOption("option.seconds_too_small", option="wait_timeout", minimum=1, value=params["wait_timeout"])
    if params["pending_window"] < 0:
        raise BadOption("option.too_small", option="pending_window", minimum=0, value=params["pending_window"])
    check_state_dir(params)


def check_state_dir(params):
    """state_dir is an absolute path ("~/..." is made one on the host that runs the module).

    The default is in this user's home as the user database gives it, whatever HOME
    says: runs of one user with another HOME (cron, sudo, AWX jobs) share one ledger.
    """
    if params["state_dir"] == os.path.expanduser(DEFAULT_STATE_DIR):
        params["state_dir"] = default_state_dir()
    if not params["state_dir"] or not os.path.isabs(params["state_dir"]):
        raise BadOption("option.state_dir_relative", value=params["state_dir"])


def default_state_dir():
    """DEFAULT_STATE_DIR in the home the user database gives this user (HOME when it names none that exists)."""
    try:
        import pwd
        home = pwd.getpwuid(os.geteuid()).pw_dir
    except (ImportError, KeyError):
        home = None
    if not home or not os.path.isabs(home) or not os.path.isdir(home):
        return os.path.expanduser(DEFAULT_STATE_DIR)
    return os.path.join(home, DEFAULT_STATE_DIR[2:])


# --- an unpaid invoice blocks every order ------------------------------------------

def refuse_while_invoice_pending(vmid, billing, result):
    """Raise TaskFailed, ordering nothing, while HostUp holds an unpaid invoice for the VPS."""
    invoice = billing["pending_invoice"]
    if invoice:
        raise TaskFailed("order.pending_invoice", result=dict(result, pending_invoice=invoice),
                         **_pending_invoice_values(vmid, invoice))


def pending_invoice_warning(vmid, invoice):
    return render("order.pending_invoice", **_pending_invoice_values(vmid, invoice))


def _pending_invoice_values(vmid, invoice):
    # the 400's ids are documented (optional fields of an error): one left out is not named, never "None"
    return dict(vmid=vmid, invoice_id=invoice["invoice_id"] or "(id not given)",
                order_id=invoice["order_id"] or "not given", total=show_amount(invoice["total"]))


# --- the budget ------------------------------------------------------------------

def budget_problems(quote, max_prorated, max_recurring):
    """Why this estimate may not be ordered under these budgets (empty: it may).

    An amount HostUp did not give as a finite number passes no budget. The amount
    due now must be readable even without a budget: nobody approved an unknown price.
    """
    figures = quote.figures
    problems = []
    if figures["due_now"] is None:
        problems.append(render("budget.no_due_now", sent=quote.as_sent["due_now"]))
    elif max_prorated is not None and figures["due_now"] > max_prorated + MONEY_TOLERANCE:
        problems.append(render("budget.due_now_over", due_now=figures["due_now"], limit=max_prorated))
    if max_recurring is not None:
        if figures["recurring"] is None:
            problems.append(render("budget.no_recurring", sent=quote.as_sent["recurring"], limit=max_recurring))
        elif figures["recurring"] > max_recurring + MONEY_TOLERANCE:
            problems.append(render("budget.recurring_over", recurring=figures["recurring"], limit=max_recurring))
    return problems


def refuse_unless_within_budget(quote, params, result):
    """Raise TaskFailed, ordering nothing, when the estimate is unreadable or above a budget."""
    problems = budget_problems(quote, params["max_prorated"], params["max_recurring"])
    if problems:
        raise TaskFailed("order.over_budget", result=dict(result, estimate=quote.figures),
                         problems="; ".join(problems), draft_id=quote.figures["draft_id"],
                         currency=quote.figures["currency"] or "currency unknown")


# --- the one ordering call ---------------------------------------------------------

def place_order(hostup, path, body, call, needs_order_id, result, entry):
    """Send the one ordering call; return (reply data, whitelisted order). Never sent twice.

    ``entry`` (Ledger.new_entry) is written to the ledger before the call is
    sent, and what HostUp answered after: placed (with the order's ids), unknown,
    or, when HostUp refused the call or was never reached, the entry is removed.
    ``call`` says what is ordered ("the order of draft 5257"). Any failure raises
    TaskFailed saying whether something may have been ordered. ``needs_order_id``:
    an upgrade order must name the order it placed; a reply without one (or with
    ``data.success: false``) is no proof of an order. The outcome learns that the
    call was sent, and what HostUp answered.
    """
    client, ledger, outcome = hostup.client, hostup.ledger, hostup.outcome
    ledger.add(entry)  # a ledger that cannot be written stops the task here, before anything is sent
    outcome.sending()
    try:
        reply = client.order(path, body)
    except HostUpError as error:
        hint_not_found(error, draft_id=body.get("draftId"))
        reason, values = order_failure(error, call)
        if reason == "order.unknown":
            _answered(hostup, entry, "unknown")
            values["release"] = ledger.release_command(entry["id"])
        else:
            _forget(hostup, entry)
        raise TaskFailed(reason, result=result, error=error, **values)
    order = order_from_reply(reply)
    refused = reply.get("success") is False
    if refused or (needs_order_id and order["order_id"] is None):
        _answered(hostup, entry, "unknown", order)
        message = reply.get("message")
        values = dict(path=path, call=call, said="answered success: false" if refused else
                      "answered without an order id",
                      message=" (%s)" % message if isinstance(message, str) and message else "",
                      release=ledger.release_command(entry["id"]))
        if order["order_id"] is None:
            raise TaskFailed("order.unproven", result=dict(result, order=order), **values)
        raise TaskFailed("order.maybe_placed", result=dict(result, order=order), order_id=order["order_id"], **values)
    _answered(hostup, entry, "placed", order)
    outcome.placed(order, order_total(reply))
    return reply, order


def _answered(hostup, entry, state, order=None):
    """Record HostUp's answer; if the ledger cannot take it, the entry stays "sent, no answer", which is as safe."""
    fields = dict(state=state, answered_at=utc_now())
    for key in ("order_id", "order_num", "invoice_id"):
        fields[key] = (order or {}).get(key)
    entry.update(fields)
    try:
        hostup.ledger.set(entry["id"], **fields)
    except TaskFailed as problem:
        hostup.warn(render("ledger.answer_not_recorded", problem=problem.message))


def _forget(hostup, entry):
    try:
        hostup.ledger.drop(entry["id"])
    except TaskFailed as problem:
        hostup.warn(render("ledger.answer_not_recorded", problem=problem.message))


def order_failure(error, call):
    """(reason, values) of an ordering call that failed, given how it failed.

    HostUp refused it (4xx, 429) or was never reached: nothing happened; but a 400
    ``existing_invoice`` names an unpaid order, maybe this one. Anything
    else (5xx, a dropped connection, a timeout, an unreadable 200) may have
    happened at HostUp after all, and must not be sent again blindly.
    """
    refused = error.status is not None and 400 <= error.status < 500
    if refused and pending_invoice(error) is not None:
        # HostUp documents this 400 on GET billing-cycle only. On the ordering call it names an unpaid
        # order that the read before the call did not show: that may be this very order.
        refused = False
    if refused or error.reached_server is False:
        if error.hint:
            return "order.refused_hint", dict(call=call, hint=error.hint)
        return "order.refused", dict(call=call)
    return "order.unknown", dict(call=call)


def order_total(data):
    """The amount an ordering reply says the order charges, or None.

    HostUp documents two places, both optional: ``total`` and ``raw.checkout.total``.
    Where they differ the larger counts (the spend report never says less than was
    ordered); one that is unreadable does not hide the other.
    """
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    checkout = raw.get("checkout") if isinstance(raw.get("checkout"), dict) else {}
    known = [amount for amount in (money(data.get("total")), money(checkout.get("total"))) if amount is not None]
    return max(known) if known else None


def order_from_reply(data):
    """What an ordering reply (``send: true``) says about the order it placed.

    HostUp documents each id in more than one place, every one optional
    (quote.order_named reads them): the first that holds an id counts; one left
    out, or "no id" (0, ""), is not one.
    """
    return dict(order_named(data), redirect_url=data.get("redirectUrl"), message=data.get("message"))


# --- the ledger and the lock of the VPS -------------------------------------------------

@contextlib.contextmanager
def order_lock(hostup):
    """Run the block with the VPS's ledger open (``hostup.ledger``) as the only task ordering for the VPS.

    The lock lives in state_dir, keyed by the VPS (the same HostUp VPS whatever the
    spelling of api_url): every task of this user on this controller, and on every
    controller that shares state_dir, orders for the VPS one at a time; the task
    that gets it reads the ledger and the VPS afresh. Check mode orders nothing:
    it reads the ledger, writes nothing to it (except an estimate HostUp answered
    like an order) and takes no lock.
    """
    params = hostup.params
    hostup.ledger = Ledger(params["state_dir"], params["api_url"], params["vmid"], read_only=hostup.check_mode)
    try:
        if hostup.check_mode:
            yield
            return
        wait_seconds = 2 * params["wait_timeout"] + LOCK_MARGIN_CALLS * params["api_timeout"]

        def busy(path):
            return TaskFailed("lock.busy", vmid=params["vmid"], seconds=wait_seconds, path=path)
        with hostup.ledger.order_lock(wait_seconds, busy):
            yield
    finally:
        hostup.ledger.close()


# --- waiting until HostUp shows the order ----------------------------------------

def _order_ids(order):
    return ", ".join("%s %s" % (name, order[key]) for name, key in (("order", "order_id"), ("invoice", "invoice_id"))
                     if order.get(key)) or "no order id given"


def await_order(hostup, reads, entry, order, call, result=None):
    """After an order, wait (option ``wait``) until HostUp shows it; returns ``applied``.

    Once HostUp shows it, its ledger entry is resolved. What HostUp cannot read
    back (list and free options) is not waited for: ``applied`` is then None once
    the rest shows (None at once when nothing else was ordered), and the entry stays
    until pending_window has passed. False with ``wait: false`` or while an unpaid
    invoice holds the order; then the entry stays, and a rerun waits for it. A
    timeout, or a failed poll, raises TaskFailed saying that the order was placed.
    """
    asked = entry["asked"]
    readable = asked["package"] or asked["cycle"] or set(asked["resources"]) - set(asked["unreadable"])
    if not readable:
        return None
    if not hostup.params["wait"]:
        return False
    vmid, timeout = hostup.params["vmid"], hostup.params["wait_timeout"]
    result = dict(result or {}, order=order, applied=False)
    try:
        shown, invoice = await_shown(hostup, reads, entry)
    except HostUpError as error:
        raise TaskFailed("order.not_visible", result=result, error=error, vmid=vmid, call=call,
                         ids=_order_ids(order), within="(reading the VPS failed)")
    if shown is None:
        return None  # HostUp's estimates cannot tell: the entry stays until pending_window has passed
    if shown:
        if asked["unreadable"]:
            return None
        hostup.ledger.resolve(entry["id"], "shown")
        return True
    if invoice:
        hostup.warn(render("order.awaiting_payment", vmid=vmid, call=call, invoice_id=invoice["invoice_id"]))
        return False
    raise TaskFailed("order.not_visible", result=result, vmid=vmid, call=call, ids=_order_ids(order),
                     within="within wait_timeout %d s" % timeout)

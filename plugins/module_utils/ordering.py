# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What happens around an order: the budget gate, the one ordering call, the per-VPS lock and the wait.

PRIVATE to this collection: names here may change in any release.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from urllib.parse import urlsplit

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows is no Ansible controller
    fcntl = None

from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, HostUpError, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import MONEY_TOLERANCE, ident, money, show_amount
from ansible_collections.hostup.cloud.plugins.module_utils.vps import hint_not_found, read_billing, read_details

ORDERING_OPTIONS = dict(
    max_prorated=dict(type="float"),
    max_recurring=dict(type="float"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=300),
)

# Polls after an order: the first at once (HostUp often shows the change already),
# then after growing pauses up to POLL_MAX_PAUSE, all within wait_timeout.
POLL_FIRST_PAUSE = 0.5
POLL_MAX_PAUSE = 10.0
# How long a task waits for another task's order on the same VPS, beyond that
# task's own wait_timeout: time for its reads, estimate and order.
LOCK_MARGIN_CALLS = 4
LOCK_POLL = 0.1


def check_ordering_options(params):
    """Budgets and wait_timeout, checked before any request; BadOption names the option."""
    for budget in ("max_prorated", "max_recurring"):
        # "not >= 0" also refuses NaN, which no comparison with a price would ever stop
        if params[budget] is not None and not params[budget] >= 0:
            raise BadOption("option.budget", option=budget, value=params[budget])
    if params["wait_timeout"] < 1:
        raise BadOption("option.seconds_too_small", option="wait_timeout", minimum=1, value=params["wait_timeout"])


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

def place_order(client, path, body, call, needs_order_id, result, outcome):
    """Send the one ordering call; return (reply data, whitelisted order). Never sent twice.

    ``call`` says what is ordered ("the order of draft 5257"). Any failure raises
    TaskFailed saying whether something may have been ordered. ``needs_order_id``:
    an upgrade order must name the order it placed; a reply without one (or with
    ``data.success: false``) is no proof of an order. ``outcome`` learns that the
    call was sent, and what HostUp answered.
    """
    outcome.sending()
    try:
        reply = client.order(path, body)
    except HostUpError as error:
        hint_not_found(error, draft_id=body.get("draftId"))
        reason, values = order_failure(error, call)
        raise TaskFailed(reason, result=result, error=error, **values)
    order = order_from_reply(reply)
    refused = reply.get("success") is False
    if refused or (needs_order_id and order["order_id"] is None):
        message = reply.get("message")
        values = dict(path=path, call=call, said="answered success: false" if refused else
                      "answered without an order id",
                      message=" (%s)" % message if isinstance(message, str) and message else "")
        if order["order_id"] is None:
            raise TaskFailed("order.unproven", result=dict(result, order=order), **values)
        raise TaskFailed("order.maybe_placed", result=dict(result, order=order), order_id=order["order_id"], **values)
    outcome.placed(order, order_total(reply))
    return reply, order


def order_failure(error, call):
    """(reason, values) of an ordering call that failed, given how it failed.

    HostUp refused it (4xx, 429) or was never reached: nothing happened. Anything
    else (5xx, a dropped connection, a timeout, an unreadable 200) may have
    happened at HostUp after all, and must not be sent again blindly.
    """
    refused = error.status is not None and 400 <= error.status < 500
    if refused or error.reached_server is False:
        if error.hint:
            return "order.refused_hint", dict(call=call, hint=error.hint)
        return "order.refused", dict(call=call)
    return "order.unknown", dict(call=call)


def order_total(data):
    """The amount an ordering reply says the order charges, or None."""
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    checkout = raw.get("checkout") if isinstance(raw.get("checkout"), dict) else {}
    return money(data.get("total", checkout.get("total")))


def order_from_reply(data):
    """What an ordering reply (``send: true``) says about the order it placed.

    HostUp documents each id in more than one place, every one optional:
    ``orderId``, ``raw.checkout.order_id`` and ``raw.order_id`` name the order.
    The first that holds an id counts; one left out, or "no id" (0, ""), is not one.
    """
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    checkout = raw.get("checkout") if isinstance(raw.get("checkout"), dict) else {}
    return {
        "order_id": _first_id(data.get("orderId"), checkout.get("order_id"), raw.get("order_id")),
        "order_num": _first_id(data.get("orderNum"), checkout.get("order_num")),
        "invoice_id": _first_id(data.get("invoiceId"), checkout.get("invoice_id")),
        "redirect_url": data.get("redirectUrl"),
        "message": data.get("message"),
    }


def _first_id(*values):
    for value in values:
        if ident(value) is not None:
            return ident(value)
    return None


# --- one order per VPS at a time on this controller ------------------------------

def lock_directory():
    """This user's lock directory, 0700, created on first use; refuses one that is not ours."""
    path = os.path.join(tempfile.gettempdir(), "hostup-cloud-locks-%d" % os.getuid())
    try:
        os.mkdir(path, 0o700)
    except OSError as error:
        if error.errno != errno.EEXIST:
            raise
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OSError("%s is not a directory private to this user" % path)
    return path


def lock_path(api_url, vmid):
    parts = urlsplit(api_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = re.sub(r"[^A-Za-z0-9.-]", "_", parts.hostname or "host")
    return os.path.join(lock_directory(), "%s_%d_vm%d.lock" % (host, port, vmid))


@contextlib.contextmanager
def vps_lock(api_url, vmid, wait_seconds):
    """Hold the controller-wide lock of one VPS; TaskFailed when it cannot be had in ``wait_seconds``.

    flock is released when the file is closed, and by the kernel when the process
    dies, so a crashed task never leaves a VPS locked.
    """
    try:
        path = lock_path(api_url, vmid)
        handle = open(path, "a")
    except (OSError, IOError) as error:
        raise TaskFailed("lock.unavailable", vmid=vmid, problem=error)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (OSError, IOError) as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise TaskFailed("lock.busy", vmid=vmid, seconds=wait_seconds, path=path)
            time.sleep(LOCK_POLL)
        yield
    finally:
        handle.close()


@contextlib.contextmanager
def order_lock(hostup):
    """Run the block as the only task ordering for this VPS on this controller.

    Check mode orders nothing and takes no lock. Separate controllers are not
    covered: HostUp's unpaid-invoice rule is the only guard between them.
    """
    if hostup.check_mode:
        yield
        return
    params = hostup.params
    wait_seconds = params["wait_timeout"] + LOCK_MARGIN_CALLS * params["api_timeout"]
    with vps_lock(params["api_url"], params["vmid"], wait_seconds):
        yield


# --- waiting until HostUp shows the order ----------------------------------------

def wait_until_applied(client, vmid, package=None, cycle=None, timeout=300):
    """Poll details/billing-cycle until they show ``package``/``cycle``, or an unpaid invoice holds the order.

    Returns ``(shown, pending_invoice)``: shown True when HostUp shows both, False
    when ``timeout`` seconds passed first. 429s are waited out by the client.
    """
    deadline = time.monotonic() + timeout
    waited = 0.0
    pause = POLL_FIRST_PAUSE
    while True:
        billing = None
        shown = True
        if package is not None:
            shown = read_details(client, vmid)["product_id"] == package
        if shown and cycle is not None:
            billing = read_billing(client, vmid)
            shown = billing["cycle"] == cycle
        if shown:
            return True, None
        if billing is None:
            billing = read_billing(client, vmid)
        if billing["pending_invoice"]:
            return False, billing["pending_invoice"]
        left = min(deadline - time.monotonic(), timeout - waited)
        if left <= 0:
            return False, None
        pause = min(pause, left)
        time.sleep(pause)
        waited += pause
        pause = min(pause * 2, POLL_MAX_PAUSE)


def _order_ids(order):
    return ", ".join("%s %s" % (name, order[key]) for name, key in (("order", "order_id"), ("invoice", "invoice_id"))
                     if order.get(key)) or "no order id given"


def await_order(hostup, order, call, package=None, cycle=None, readable_whole=True, result=None):
    """After an order, wait (option ``wait``) until HostUp shows it; returns ``applied``.

    The package and cycle of the order are waited for even when the rest of it
    (``readable_whole`` False: resources) cannot be read back, so that a rerun does
    not order them again; ``applied`` is then None once they show. None too when
    there is nothing to read; False with ``wait: false`` or while an unpaid invoice
    holds the order. A timeout, or a failed poll, raises TaskFailed saying that the
    order was placed.
    """
    if package is None and cycle is None:
        return None
    if not hostup.params["wait"]:
        return False
    vmid, timeout = hostup.params["vmid"], hostup.params["wait_timeout"]
    result = dict(result or {}, order=order, applied=False)
    try:
        shown, invoice = wait_until_applied(hostup.client, vmid, package, cycle, timeout)
    except HostUpError as error:
        raise TaskFailed("order.not_visible", result=result, error=error, vmid=vmid, call=call,
                         ids=_order_ids(order), within="(reading the VPS failed)")
    if shown:
        return True if readable_whole else None
    if invoice:
        hostup.warn(render("order.awaiting_payment", vmid=vmid, call=call, invoice_id=invoice["invoice_id"]))
        return False
    raise TaskFailed("order.not_visible", result=result, vmid=vmid, call=call, ids=_order_ids(order),
                     within="within wait_timeout %d s" % timeout)

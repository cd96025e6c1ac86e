# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the ordering modules share: their options, the budget gate, the ordering
call and its failure handling, the per-VPS lock and the wait for HostUp.

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

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows is no Ansible controller
    fcntl = None

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit

from ansible_collections.hostup.cloud.plugins.module_utils.client import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.vps import (
    budget_problems,
    order_failure_hint,
    order_from_reply,
    over_budget_message,
    read_billing,
    read_details,
    unknown_outcome,
)

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


def check_ordering_options(hostup):
    """Budgets and wait_timeout, checked before any request."""
    params = hostup.params
    for budget in ("max_prorated", "max_recurring"):
        if params[budget] is not None and not params[budget] >= 0:
            hostup.fail_option(budget, "must be a number 0 or more, got %s" % params[budget])
    if params["wait_timeout"] < 1:
        hostup.fail_option("wait_timeout", "must be 1 second or more, got %d" % params["wait_timeout"])


def refuse_unless_priced(hostup, quote, **result):
    """Fail, ordering nothing, when the estimate is unreadable or above a budget."""
    problems = budget_problems(quote, hostup.params["max_prorated"], hostup.params["max_recurring"])
    if problems:
        hostup.fail(over_budget_message(problems, quote.figures), estimate=quote.figures, **result)


def place_order(hostup, path, body, what, needs_order_id, **result):
    """Send the one ordering call; return (reply data, whitelisted order). Never sent twice.

    Any failure ends the task saying whether something may have been ordered.
    ``needs_order_id``: an upgrade order must name the order it placed; a reply
    without one (or with ``data.success: false``) is no proof of an order.
    """
    try:
        reply = hostup.client.order(path, body)
    except HostUpError as error:
        return hostup.fail_api(error, hint=order_failure_hint(error, what), **result)
    order = order_from_reply(reply)
    refused = reply.get("success") is False
    if refused or (needs_order_id and order["order_id"] is None):
        said = "answered success: false" if refused else "answered without an order id"
        if order["order_id"] is None:
            outcome = ("HostUp named no order, so probably nothing was ordered, but this cannot be "
                       "proven: " + unknown_outcome(what))
        else:
            outcome = ("order %s may have been placed: %s" % (order["order_id"], unknown_outcome(what)))
        message = reply.get("message")
        hostup.fail("POST %s: HostUp %s%s. %s" % (
            path, said, " (%s)" % message if isinstance(message, str) and message else "",
            outcome[0].upper() + outcome[1:]), order=order, **result)
    return reply, order


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
    """Hold the controller-wide lock of one VPS; yields None, or an error text when it cannot be had.

    flock is released when the file is closed, and by the kernel when the process
    dies, so a crashed task never leaves a VPS locked.
    """
    try:
        path = lock_path(api_url, vmid)
        handle = open(path, "a")
    except (OSError, IOError) as error:
        yield "the lock of VPS %d could not be made: %s" % (vmid, error)
        return
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
                yield ("another task on this controller has been ordering for VPS %d for more than %d s "
                       "(lock %s); nothing was ordered. Run again when it is done" % (vmid, wait_seconds, path))
                return
            time.sleep(LOCK_POLL)
        yield None
    finally:
        handle.close()


@contextlib.contextmanager
def ordering_turn(hostup):
    """Run the block as the only task ordering for this VPS on this controller.

    Check mode orders nothing and takes no lock. Separate controllers are not
    covered: HostUp's unpaid-invoice rule is the only guard between them.
    """
    if hostup.check_mode:
        yield
        return
    params = hostup.params
    wait_seconds = params["wait_timeout"] + LOCK_MARGIN_CALLS * params["api_timeout"]
    with vps_lock(params["api_url"], params["vmid"], wait_seconds) as problem:
        if problem:
            hostup.fail(problem[0].upper() + problem[1:])
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


def not_yet_visible(vmid, what, order, timeout):
    ids = ", ".join("%s %s" % (name, order[key]) for name, key in (("order", "order_id"), ("invoice", "invoice_id"))
                    if order.get(key)) or "no order id given"
    within = "within wait_timeout %d s" % timeout if timeout is not None else "(reading the VPS failed)"
    return ("%s for VPS %d was ordered (%s), but HostUp did not show it %s. The order is placed and not yet "
            "visible: a rerun before HostUp shows the change would order it again. Check the VPS "
            "(hostup.cloud.hostup_vps_info or the HostUp panel) and rerun only once it shows"
            % (what[0].upper() + what[1:], vmid, ids, within))


def await_order(hostup, order, what, package=None, cycle=None, whole=True, **result):
    """After an order, wait (option ``wait``) until HostUp shows it; returns ``applied``.

    The package and cycle of the order are waited for even when the rest of it
    (``whole`` False: resources) cannot be read back, so that a rerun does not order
    them again; ``applied`` is then None once they show. None too when there is
    nothing to read; False with ``wait: false`` or while an unpaid invoice holds the
    order. A timeout, or a failed poll, ends the task saying that the order was placed.
    """
    if package is None and cycle is None:
        return None
    if not hostup.params["wait"]:
        return False
    vmid, timeout = hostup.params["vmid"], hostup.params["wait_timeout"]
    try:
        shown, invoice = wait_until_applied(hostup.client, vmid, package, cycle, timeout)
    except HostUpError as error:
        return hostup.fail_api(error, hint=not_yet_visible(vmid, what, order, None), order=order,
                               applied=False, **result)
    if shown:
        return True if whole else None
    if invoice:
        hostup.ansible.warn("%s for VPS %d is ordered and waits for payment of invoice %s; HostUp applies it "
                            "once that invoice is paid" % (what[0].upper() + what[1:], vmid, invoice["invoice_id"]))
        return False
    return hostup.fail(not_yet_visible(vmid, what, order, timeout), order=order, applied=False, **result)

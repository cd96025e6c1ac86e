# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The options every ordering module shares (module_utils/ordering.py: ORDERING_OPTIONS);
    # they extend STATE_DIR too.
    DOCUMENTATION = r"""
options:
  max_prorated:
    description:
      - Order nothing, and fail, when the amount due now is more than this.
      - The amount compared is C(estimate.due_now), what the order really charges now, the
        larger of HostUp's C(estimate.prorated) and the order total of the estimate's draft
        (which includes a setup fee).
      - Checked in check mode too, so C(--check) shows a budget failure before anything is ordered.
      - An amount that HostUp does not give as a finite number (for example V(NaN)) never passes;
        the task fails naming it, budget or not. A budget that is no number 0 or more (V(NaN)
        included) fails before any request.
    type: float
  max_recurring:
    description:
      - Order nothing, and fail, when the recurring price after the change (C(estimate.recurring))
        is more than this. A recurring price that is not a finite number never passes.
      - Checked in check mode too.
    type: float
  wait:
    description:
      - After ordering, wait until HostUp shows the change (the package in details, the billing cycle,
        options ordered by count or size by an estimate of them that shows no price difference), so that
        the task ends with the change in place. HostUp often schedules an order and applies it seconds later.
      - Before ordering, wait the same way for an earlier order of the VPS that the order ledger records
        and HostUp does not show yet (see O(state_dir)); then go on, reading the VPS afresh.
      - The wait also ends when an unpaid invoice holds the order (HostUp applies it once paid);
        RV(applied) is then V(false) and a warning names the invoice.
      - With V(false), RV(applied) is V(false); the order stays in the ledger, and a rerun orders nothing
        more for the VPS until HostUp shows it (the rerun waits for it, or fails naming it with V(false)).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for HostUp to show the change, and, before ordering, for an earlier
        order of the VPS. When the task's own order does not show in time, the task fails saying the
        order was placed (with its ids) and is not yet visible; when an earlier order does not, the task
        fails, ordering nothing (RV(outcome.status) V(pending)), naming it and the command that releases it.
    type: int
    default: 300
  pending_window:
    description:
      - HostUp cannot show options chosen from a list (an OS, IPv6) or free options, so an order of them
        that HostUp answered as placed stays unresolved in the order ledger for this many seconds after its
        answer, during which nothing more is ordered for the VPS (a task waits for it with O(wait) when it
        ends within O(wait_timeout)). Then it lapses by itself.
      - An order whose outcome is unknown is never ended by this window, only by HostUp showing the change
        or by a release (M(hostup.cloud.hostup_vps_order_ledger)).
      - V(0) lets a placed order of such options lapse at once.
    type: int
    default: 300
notes:
  - B(Never twice.) Before the ordering call is sent, the task writes it to the order ledger in O(state_dir)
    (the VPS, what is asked, the draft, the estimate, the time, this controller), and HostUp's answer after.
    HostUp refusing the call (HTTP 4xx or 429) or never being reached removes the entry. Before ordering,
    a task resolves the VPS's unresolved entries that HostUp shows; while one is left, it orders nothing more
    for the VPS (it waits for it, see O(wait), or fails with RV(outcome.status) V(pending)). An entry whose
    outcome is unknown (HostUp's answer was lost, or the task was killed after sending) is never taken as
    "not ordered"; it ends when HostUp shows the change, or when you release it after checking HostUp.
  - B(One order per VPS at a time.) A real run (not check mode) takes a lock of the VPS in O(state_dir),
    around reading the ledger and the VPS, the estimate, the order and the wait; the task that gets it reads
    both afresh. The VPS is the same whatever the spelling of O(api_url) (host in any letter case, with or
    without a trailing dot or the default port, IDNA or not; C(localhost), C(127.0.0.0/8) and C(::1) are
    one host), so two inventory hosts with one vmid, or two C(ansible-playbook) runs of this user with any
    C(TMPDIR), order one after the other. A task waits for the lock at most twice its O(wait_timeout) plus a
    few O(api_timeout), then fails naming the VPS.
"""

    # Where the order ledger and the locks live: every ordering module and the ledger module.
    STATE_DIR = r"""
options:
  state_dir:
    description:
      - Directory of the order ledger (C(ledger/), one file per VPS) and of the per-VPS order locks
        (C(locks/)), on the host that runs the module (the controller). C(~) is this host's home of the
        user running the module; the default is in that user's home as the user database (passwd) gives it,
        whatever E(HOME) says, so runs of one user with another E(HOME) (cron, C(sudo), AWX jobs) share it
        (E(HOME) only when that home does not exist).
      - If not set, the value of the E(HOSTUP_STATE_DIR) environment variable is used, else
        V(~/.ansible/hostup_cloud).
      - Made with mode 0700 when missing. A directory (or the directory a symlink points to) that is not
        this user's, or that its group or others can write, is refused before any order, as is a ledger
        file that is torn, unparsable, of another format version or another user; the error names the path
        and what to do. Files are written atomically (a new file, fsync, rename, fsync of the directory).
      - B(One state_dir for every task of a VPS.) Set it once (the environment, or O(ignore:module_defaults) of
        C(group/hostup.cloud.all)), since tasks with another O(state_dir) do not see each other's orders.
      - B(Per user.) The ledger is the one of the user the module runs as (after C(become)). Two Unix users on one
        controller have separate ledgers and locks, and do not see each other's orders; run HostUp orders from one
        account (a service user, AWX or AAP).
      - B(Shared storage.) A O(state_dir) on storage several controllers mount (NFS and the like) extends
        the ledger and the locks to them when every controller runs as the same uid (the directory must be
        its own) and the storage gives working POSIX locks to C(flock) (NFSv4, or NFSv3 with lockd; not
        mounted C(nolock) or C(local_lock=flock) or C(local_lock=all)) and atomic rename. It does not cover
        controllers with another O(state_dir), orders made in the HostUp panel or by other tools, or a lock
        server that loses its locks; times in the ledger are each controller's clock (UTC), so keep them in
        sync for C(pending_window) of the ordering modules.
    type: path
    default: ~/.ansible/hostup_cloud
"""

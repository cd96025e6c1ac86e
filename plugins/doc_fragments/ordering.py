# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The options every ordering module shares (module_utils/ordering.py: ORDERING_OPTIONS).
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
        the task fails naming it, budget or not.
    type: float
  max_recurring:
    description:
      - Order nothing, and fail, when the recurring price after the change (C(estimate.recurring))
        is more than this. A recurring price that is not a finite number never passes.
      - Checked in check mode too.
    type: float
  wait:
    description:
      - After ordering, wait until HostUp shows the change (details and billing cycle), so that a
        rerun does not order it again while HostUp is still applying it. HostUp often schedules an
        order and applies it seconds later.
      - The wait also ends when an unpaid invoice holds the order (HostUp applies it once paid);
        RV(applied) is then V(false) and a warning names the invoice.
      - With V(false), RV(applied) is V(false) and a rerun before HostUp shows the change orders again.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for HostUp to show the change. When it does not show in time,
        the task fails saying the order was placed (with its ids) and is not yet visible.
    type: int
    default: 300
notes:
  - B(One order per VPS at a time.) A real run (not check mode) takes a lock per VPS on the
    controller (a file lock in a directory of the user's own under the system temporary directory)
    around read, estimate, order and wait, so that two tasks for the same VPS (two inventory hosts
    with one vmid, or two C(ansible-playbook) runs) order one after the other, the second reading
    the VPS afresh. A task waits for the lock at most its O(wait_timeout) plus a few O(api_timeout),
    then fails naming the VPS. Runs on separate controllers are not covered; there only HostUp's
    rule of one unpaid invoice per VPS stands between two orders.
"""

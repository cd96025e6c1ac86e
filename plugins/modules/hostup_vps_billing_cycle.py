#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: hostup_vps_billing_cycle
short_description: Switch a HostUp VPS between monthly and annual billing
version_added: 0.1.0
description:
  - Sets how often a HostUp VPS is billed, monthly or annually.
  - The module reads the current cycle first and changes nothing when the VPS is already
    billed that way.
  - Switching to a longer period makes HostUp invoice the difference. Every real switch is
    priced first with HostUp's estimate-only upgrade call for that cycle (returned in
    RV(estimate)); the switch is refused, nothing sent, when the estimate is above
    O(max_prorated) or O(max_recurring), or when its amount due now is not a finite number.
  - B(The price is an estimate of another call.) The switch itself is HostUp's billing-cycle
    call (C(POST /api/vm/{vmid}/billing-cycle)), which takes no draft and returns no order;
    HostUp does not document that it costs what the upgrade estimate priced. The module
    compares the switch's reply C(total) with the estimate. When it is neither the estimate's
    amount due now nor its recurring price (HostUp does not say which of the two C(total)
    is), the task warns, naming both, and RV(outcome.order_total) holds the reply's total (the spend
    report then shows both and counts the larger). A total equal to the recurring price is taken as
    that price, not as an amount charged.
  - The current cycle is HostUp's C(current) of C(GET /api/vm/{vmid}/billing-cycle). When HostUp
    answers without a readable one (outside an unpaid invoice, when that read answers HTTP 400),
    the module cannot tell whether the VPS has the cycle, so it fails naming the field and sends
    nothing rather than switching on every run.
  - While an unpaid invoice is pending for the VPS, the module switches nothing and fails naming
    the invoice.
  - The estimate must be of this switch - its draft for this VPS, holding the new cycle and the current
    package (C(productId) of the billing-cycle read) - or nothing is switched; an estimate that HostUp
    answers like an order (an order or invoice id, a checkout, an ordering C(raw.call)) fails the task
    saying HostUp may have ordered, and is kept in the order ledger.
  - When HostUp's answer to the switch names the new cycle (C(newCycle)), HostUp shows it, so a safe switch
    takes three calls (read, estimate, switch). Otherwise the module waits (O(wait)) until the
    billing-cycle read shows it. Either way the switch stays in the order ledger (O(state_dir)) until a
    read shows it, the next task's first read at the latest, and no task switches the VPS again meanwhile
    (should the cycle be changed back in the HostUp panel before that read, release the entry with
    M(hostup.cloud.hostup_vps_order_ledger)).
  - The switch (C(POST /api/vm/{vmid}/billing-cycle)) is sent once, written to the order ledger before.
    It is never sent again after an error (only after HTTP 429, when HostUp refused it); when its outcome
    is unknown, the error says so, and the ledger keeps it until HostUp shows the cycle or you release it
    (M(hostup.cloud.hostup_vps_order_ledger)).
author:
  - hostup.cloud maintainers (@hostup-cloud)
options:
  cycle:
    description:
      - The billing cycle the VPS should have.
    type: str
    required: true
    choices: [monthly, annually]
extends_documentation_fragment:
  - hostup.cloud.ordering
  - hostup.cloud.ordering.state_dir
  - hostup.cloud.api
  - hostup.cloud.api.vmid
  - hostup.cloud.attributes
  - hostup.cloud.attributes.actiongroup_all
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the cycle and, when it would change, asks HostUp's estimate-only upgrade
        call (C(send=false)) what the switch costs now, returned in RV(estimate), and checks the
        budgets like a real run. It never sends the switch.
  diff_mode:
    support: full
    details: Shows the billing cycle and its price before and after.
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Bill every VPS of the group annually, at most 1500 due now each
  hostup.cloud.hostup_vps_billing_cycle:
    vmid: "{{ hostup_vmid }}"
    cycle: annually
    max_prorated: 1500
  delegate_to: localhost
  # a host variable hostup_vmid names each host's VPS; the task runs on the controller

- name: Preview what the switch costs, ordering nothing (or run the play with --check)
  hostup.cloud.hostup_vps_billing_cycle:
    vmid: 10001
    cycle: annually
  check_mode: true
  register: preview

- name: Show the preview
  ansible.builtin.debug:
    msg: >-
      {{ preview.previous_cycle }} -> {{ preview.cycle }}: {{ preview.previous_price }} -> {{ preview.price }},
      {{ preview.estimate.due_now | default('nothing') }} {{ preview.estimate.currency | default('') }} due now
"""

RETURN = r"""
changed:
  description: Whether the cycle was switched (or, in check mode, would be).
  returned: always
  type: bool
previous_cycle:
  description: The billing cycle before the task, V(monthly) or V(annually).
  returned: success
  type: str
  sample: monthly
previous_price:
  description: The price per period of RV(previous_cycle); null when HostUp did not say (an unpaid invoice).
  returned: success
  type: float
  sample: 139.0
cycle:
  description: The billing cycle after the task (in check mode, the one it would have).
  returned: success
  type: str
  sample: annually
price:
  description: The price per period of O(cycle).
  returned: success
  type: float
  sample: 1390.0
estimate:
  description:
    - HostUp's estimate of the switch whenever it was priced (in check mode and in a real run,
      before switching); null when the VPS already had the cycle.
    - Same keys as RV(hostup.cloud.hostup_vps_upgrade#module:estimate).
  returned: success
  type: dict
  sample: {draft_id: 5258, prorated: 1320.5, credits: 0.0, recurring: 1390.0, total: 1320.5, currency: SEK,
           due_now: 1320.5}
applied:
  description:
    - V(true) when HostUp shows the new cycle, in its answer to the switch or in a read (or the VPS already
      had it); V(false) in check mode, or with O(wait=false) or while an unpaid invoice holds the switch when
      the answer did not show it.
  returned: success
  type: bool
  sample: true
message:
  description: HostUp's message about the switch; null when nothing was switched.
  returned: success
  type: str
  sample: Billing cycle changed successfully
info:
  description: HostUp's notes about the switch; empty when nothing was switched.
  returned: success
  type: list
  elements: str
  sample: ["Account #10001 changes saved"]
outcome:
  description:
    - What happened to the money, in one shape from both ordering modules, on every exit path (failures too);
      the spend report (the P(hostup.cloud.spend#callback) callback) is built from it alone.
    - Keys are null where not known.
  returned: always
  type: dict
  contains:
    status:
      description:
        - V(ordered) (an ordering call was answered as placed), V(priced) (check mode, nothing ordered),
          V(no_change), V(pending) (an earlier order for this VPS is recorded and HostUp does not show it
          yet; nothing more was ordered), V(over_budget), V(blocked) (an unpaid invoice), V(refused) (the task
          stopped before ordering, or HostUp refused the ordering call; nothing was ordered) or V(unknown)
          (the ordering call was sent and its result is not known; it may have ordered).
      type: str
      sample: ordered
    currency:
      description: ISO code of the amounts.
      type: str
      sample: SEK
    due_now:
      description: What the order charges now, from the estimate; a negative amount is shown, never taken as a refund.
      type: float
      sample: 60.0
    order_total:
      description: The total the ordering reply itself gave, where it gave one; it can differ from RV(outcome.due_now).
      type: float
      sample: 60.0
    recurring_before:
      description: Recurring price per RV(outcome.cycle_before) before the change.
      type: float
      sample: 139.0
    recurring_after:
      description: Recurring price per RV(outcome.cycle_after) after the change.
      type: float
      sample: 259.0
    cycle_before:
      description: Billing cycle before the change.
      type: str
      sample: monthly
    cycle_after:
      description: Billing cycle after the change.
      type: str
      sample: monthly
    package_before:
      description: Package (product id) before the change; null for a billing-cycle switch.
      type: str
      sample: "1937"
    package_after:
      description: Package (product id) after the change; null for a billing-cycle switch.
      type: str
      sample: "1938"
    options:
      description: The resources of the change, each with its option C(id) and the C(value) asked.
      type: list
      elements: dict
      sample: [{id: "2232", value: 120}]
    draft_id:
      description: The estimate's draft.
      type: int
      sample: 5257
    order_id:
      description: The order placed (for V(pending), the earlier order).
      type: str
      sample: "34889"
    invoice_id:
      description: The invoice of the order, where HostUp named one.
      type: str
      sample: "49526"
    placed_at:
      description: When the ordering call was sent (ISO 8601, UTC); for V(pending), when the earlier order was.
      type: str
      sample: "2026-11-30T20:15:00Z"
earlier_orders:
  description:
    - Earlier orders of this VPS that the order ledger recorded as not yet shown when the task started, and
      that HostUp now shows (the task waited for them with O(wait)), with the ledger entry of each
      (as M(hostup.cloud.hostup_vps_order_ledger) returns them); empty when there were none.
  returned: success
  type: list
  elements: dict
  sample: [{id: 3f9a2c1b7d0e, state: shown, module: hostup_vps_upgrade, order_id: "34889", draft_id: 5257,
            asked: {package: "1938", cycle: null, resources: {}, unreadable: []}, sent_at: "2026-11-30T20:15:00Z"}]
pending_orders:
  description:
    - When the task failed because earlier orders of this VPS are recorded in the order ledger and HostUp does
      not show them yet (RV(outcome.status) V(pending)), their ledger entries; nothing was ordered.
  returned: failure
  type: list
  elements: dict
  sample: [{id: 3f9a2c1b7d0e, state: unknown, module: hostup_vps_upgrade, order_id: null, draft_id: 5257,
            asked: {package: "1938", cycle: null, resources: {}, unreadable: []}, sent_at: "2026-11-30T20:15:00Z"}]
request_ids:
  description: HostUp C(requestId) of each call this task made, for HostUp support.
  returned: always
  type: list
  elements: str
  sample: ["2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba"]
api_error:
  description: The failed call, when the task failed on a HostUp error.
  returned: failure
  type: dict
  sample: {method: POST, path: /api/vm/10001/billing-cycle, status: 500, code: INTERNAL_ERROR,
           message: Kunde inte uppdatera faktureringsperioden., request_id: 2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba,
           details: {}}
"""

from ansible_collections.hostup.cloud.plugins.module_utils.errors import TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.module import VMID_OPTION, HostUpModule
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import money, same_amount, show_amount
from ansible_collections.hostup.cloud.plugins.module_utils.ordering import (
    ORDERING_OPTIONS,
    await_order,
    check_ordering_options,
    order_lock,
    pending_invoice_warning,
    place_order,
    refuse_unless_within_budget,
    refuse_while_invoice_pending,
)
from ansible_collections.hostup.cloud.plugins.module_utils.quote import draft_problems
from ansible_collections.hostup.cloud.plugins.module_utils.reconcile import (
    VpsReads,
    asked_change,
    settle_earlier_orders,
)
from ansible_collections.hostup.cloud.plugins.module_utils.vps import (
    CYCLE_NAMES,
    api_path,
    cycle_code,
    cycle_name,
    cycle_price,
    unknown_fields,
)

MODULE_OPTIONS = dict(
    ORDERING_OPTIONS,
    vmid=VMID_OPTION,
    cycle=dict(type="str", required=True, choices=list(CYCLE_NAMES)),
)


def switch_cycle(hostup):
    with order_lock(hostup):
        return switch_cycle_locked(hostup)


def switch_cycle_locked(hostup):
    vmid, target = hostup.params["vmid"], hostup.params["cycle"]

    # earlier orders of this VPS (the ledger): resolved once HostUp shows them, else waited for, or a stop
    reads = VpsReads(hostup)
    earlier = settle_earlier_orders(hostup, reads)

    # read
    billing = reads.billing()
    unknown = unknown_fields(vmid, billing=billing)
    if unknown:
        raise TaskFailed("reply.field_missing", result=dict(estimate=None, earlier_orders=earlier), vmid=vmid,
                         fields=" and ".join(unknown))
    current = billing["cycle"] or reads.details()["cycle"]
    price = cycle_price(billing, target)
    result = dict(previous_cycle=current, previous_price=cycle_price(billing, current), cycle=target, price=price,
                  estimate=None, message=None, info=[], earlier_orders=earlier)
    diff = {"before": {"cycle": current, "price": cycle_price(billing, current)},
            "after": {"cycle": target, "price": price}}
    hostup.outcome.read(None, current, result["previous_price"])

    # compare
    if current == target:
        if billing["pending_invoice"]:
            hostup.warn(pending_invoice_warning(vmid, billing["pending_invoice"]))
        diff["after"] = diff["before"]
        return dict(changed=False, diff=diff, applied=True, **result)
    refuse_while_invoice_pending(vmid, billing, dict(previous_cycle=current, earlier_orders=earlier))
    hostup.outcome.asked(cycle=target)

    # estimate: the switch has no draft to order, so its price is HostUp's estimate of
    # the same cycle change, checked to be that change and against the budgets before anything is sent
    quote = reads.estimate({"cycle": cycle_code(target)}, target, asked_change(cycle=target))
    result["estimate"] = quote.figures
    hostup.outcome.priced(quote.figures)
    check_estimate(quote, vmid, target, billing, dict(previous_cycle=current, estimate=quote.figures))
    refuse_unless_within_budget(quote, hostup.params, dict(previous_cycle=current))
    if hostup.check_mode:
        return dict(changed=True, diff=diff, applied=False, **result)

    # switch, in the ledger first
    call = "the billing-cycle switch to %s" % target
    entry = hostup.ledger.new_entry("hostup_vps_billing_cycle", call, asked_change(cycle=target),
                                    estimate=quote.figures)
    reply, order = place_order(hostup, api_path(vmid, "billing-cycle"), {"cycle": cycle_code(target)}, call,
                               needs_order_id=False, result=dict(previous_cycle=current, estimate=quote.figures),
                               entry=entry)
    total = money(reply.get("total"))
    if same_amount(total, quote.figures["recurring"]) and not same_amount(total, quote.figures["due_now"]):
        # the new price per period, not an amount charged: the spend report must not count it as one
        hostup.outcome["order_total"] = None
    elif not same_amount(total, quote.figures["due_now"]):
        hostup.warn(render("cycle.total_differs", vmid=vmid, total=show_amount(total),
                           due_now=show_amount(quote.figures["due_now"]),
                           recurring=show_amount(quote.figures["recurring"]),
                           currency=quote.figures["currency"] or "(currency unknown)"))
    result.update(
        # the price per period of the cycle, as GET billing-cycle lists it (cycles[].price); the reply's
        # total is not documented as that price, so it is only compared above
        cycle=cycle_name(reply.get("newCycle")) or target,
        price=price if price is not None else quote.figures["recurring"],
        message=reply.get("message"),
        info=[str(line) for line in reply.get("info") or []],
    )
    diff["after"] = {"cycle": result["cycle"], "price": result["price"]}

    # HostUp's answer shows the new cycle at once, or the task waits until HostUp shows it
    if shown_in_answer(reply, target):
        applied = True  # the entry stays until a read shows the cycle: the next task's first read
    else:
        applied = await_order(hostup, reads, entry, order, call,
                              result=dict(previous_cycle=current, estimate=quote.figures))
    return dict(changed=True, diff=diff, applied=applied, **result)


def check_estimate(quote, vmid, target, billing, result):
    """The estimate must price this VPS's switch to ``target``, on its current package (billing-cycle's productId)."""
    problems = draft_problems(quote.draft, vmid, {"cycle": (target, "requested"),
                                                  "package": (billing["product_id"], "current")})
    if problems:
        raise TaskFailed("cycle.estimate_mismatch", result=result, problems="; ".join(problems))


def shown_in_answer(reply, target):
    """Whether the switch's answer shows the new cycle: ``newCycle`` names it, and HostUp did not say it deferred it.

    HostBill notes a deferred change as "scheduled for execution" in ``info``; such a
    note (undocumented) only makes the task read the VPS before it says applied.
    """
    info = reply.get("info")
    lines = info if isinstance(info, list) else [info]
    deferred = any("scheduled" in str(line).lower() for line in lines if line is not None)
    return cycle_name(reply.get("newCycle")) == target and not deferred


def main():
    hostup = HostUpModule(MODULE_OPTIONS, check_options=check_ordering_options, orders=True,
                          name="hostup_vps_billing_cycle")
    hostup.run(switch_cycle)


if __name__ == "__main__":
    main()

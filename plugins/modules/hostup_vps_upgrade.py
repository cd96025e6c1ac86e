#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: hostup_vps_upgrade
short_description: Change a HostUp VPS's plan, resources or billing cycle, priced before ordering
version_added: 0.1.0
description:
  - Changes the package (plan), the configurable resources (disk, bandwidth, IPv4 addresses,
    backups and others) and/or the billing cycle of a HostUp VPS.
  - HostUp turns every change into an order and an invoice, so the module always asks HostUp
    for an estimate first (C(POST /api/vm/{vmid}/upgrade) with C(send=false)), checks the
    budget options against it, and then orders exactly that estimate (its C(draftId)). The
    price returned in RV(estimate) is the price ordered.
  - B(Idempotence.) The module reads the VPS first. O(package) is compared with the current
    package (C(product_id) of C(GET /api/vm/{vmid}/details)) and O(cycle) with the current billing
    cycle (C(current) of C(GET /api/vm/{vmid}/billing-cycle)); nothing is estimated or ordered when
    they already match and O(resources) is not given. When HostUp answers either read without a
    readable value of that field, the module cannot tell what the VPS has, so it fails naming the
    field and orders nothing (else every run would order again).
  - B(Resources.) HostUp's API has no call that reads the current value of a resource, and its
    draft describes each option without the value it holds, so the module never claims "already
    in place" without evidence. When O(resources) is the only change, it estimates it. A price
    difference (something due now, or another recurring price) is a change, and it is ordered.
    A price HostUp leaves out (the estimate's amount due now or recurring price, or the current
    cycle's price in C(cycles[].price)) is unknown, neither a difference nor proof of none, so the
    task fails, ordering nothing, naming it. Without a difference, the rule depends on the kind of
    each option, which the estimate's draft describes (HostBill's C(hasQty), C(type) and C(ftype)).
  - An option ordered by count or size (C(hasQty), such as V(2232) disk, V(2253) IPv4, V(2404)
    backups) may include units at no cost (HostUp's own example says "7 backups is included"), so
    a zero difference alone proves nothing. The module estimates the option alone at one unit
    less and at one unit more than asked (only one more for V(0)). When one less costs less and one
    more costs more than the VPS pays now, the VPS has exactly the value asked (this assumes only
    that an option's price never falls as its units grow); nothing is ordered and the task
    reports no change. Otherwise (a value within included units, or one HostUp refuses to price),
    the option is treated like a list option below. With several options each is estimated on its
    own too, so an equal-price swap (one grows, another shrinks) is still ordered.
  - A list option (C(type) select or sshkeyselect, such as V(2209) OS, V(2259) IPv6, V(2268) Ceph
    redundancy), a free option, an option the draft does not describe, or a count or size the
    estimates do not pin down can differ at no cost. HostUp cannot tell its current value, so the
    task fails, ordering nothing, naming the option(s) and the estimate's draft id; to order it
    deliberately, run again with that O(draft_id) beside O(resources).
  - B(Drafts.) An estimate is ordered only when its draft's services (C(raw.draft.services), an
    object of services) can be read; a reply without a draft, or with services missing, null, or a
    list (or a service that is no object), orders nothing, naming what is missing. The draft shown
    must be the draft ordered (C(raw.draft.id) is C(draftId)), and it must hold nothing more than the
    change (empty C(addons) and C(domains), and no C(addons) in its service).
  - B(draft_id.) A given draft is ordered only when it is that draft (HostUp's estimate of it
    carries the same id), is for this VPS (its service's account is O(vmid)), and holds the
    requested O(package) and O(cycle); otherwise the task fails naming both values. With
    O(resources), HostUp's draft does not show what options it holds, so the module also estimates
    exactly the request anew and orders the given draft only when both have the same services
    (account, package, cycle), currency, amount due now and recurring price; otherwise it fails
    naming what differs. An older draft whose amount due now has since changed is refused too;
    estimate anew (check mode) and order that draft. The ordering call carries exactly O(draft_id).
    A draft the order ledger (O(state_dir)) has sent an ordering call for is never ordered again,
    even when HostUp still answers for it (the ledger keeps the newest entries of each VPS).
  - A package or cycle not given must stay as the VPS has it, and every service of the draft must
    be this VPS, for a given O(draft_id) (unless it is given alone) and for HostUp's own estimate
    alike, since an order of the draft orders all it holds.
  - B(Never twice.) Every order is written to the order ledger (O(state_dir)) before it is sent; while
    an earlier order of the VPS is recorded there and HostUp does not show it, the module orders nothing
    more for the VPS (it waits for it with O(wait), else fails naming it; see the notes). While an unpaid
    invoice is pending for the VPS, the module orders nothing and fails naming the invoice. An ordering
    call is never sent again after an error (only after HTTP 429, when HostUp refused it); if it fails in
    a way that leaves its outcome unknown, the error says so, and the ledger keeps it until HostUp shows
    the change or you release it (M(hostup.cloud.hostup_vps_order_ledger)).
  - B(draft_id alone) orders the package and billing cycle the draft holds; a draft whose package and
    cycle the VPS already has orders nothing (RV(changed) V(false), with a warning), since HostUp may
    still answer for a draft it has ordered. To order a draft's options, name them in O(resources).
author:
  - hostup.cloud maintainers (@hostup-cloud)
options:
  package:
    description:
      - Id of the package (plan) the VPS should have, a string of digits such as V('1938').
      - M(hostup.cloud.hostup_vps_info) returns the current one as RV(hostup.cloud.hostup_vps_info#module:vps.product_id).
    type: str
  resources:
    description:
      - Configurable options the VPS should have, keyed by HostUp's option id (digits).
      - A value is a whole number 0 or more (a size or a count), or a non-empty string for
        options chosen from a list (the item id).
      - "Option ids seen in HostUp's documentation: V(2208) SSH key, V(2209) OS, V(2210) additional storage,
        V(2211) bandwidth, V(2232) NVMe disk size, V(2238) cPanel, V(2253) IPv4 addresses, V(2259) IPv6,
        V(2268) Ceph redundancy, V(2404) backups (7 included). HostUp publishes no list of them; each estimate
        names the product's options, and RV(outcome.options) shows each asked option's name beside its id."
    type: dict
  cycle:
    description:
      - Billing cycle the VPS should have after the change.
      - To change only the billing cycle, M(hostup.cloud.hostup_vps_billing_cycle) is simpler.
    type: str
    choices: [monthly, annually]
  draft_id:
    description:
      - Order this earlier estimate (the RV(estimate.draft_id) of a check-mode run) instead of
        estimating anew. The module still fetches the draft's price first (by its id), so the
        budget options apply to it, and checks that the draft is for this VPS and holds what
        O(package) and O(cycle) ask, and, with O(resources), that it prices exactly as a fresh
        estimate of the request (see the description).
      - Give O(package), O(resources) or O(cycle) beside it to make a rerun report no change
        once the VPS has them; with O(draft_id) alone every run orders (a used draft fails, since
        HostUp has no open draft of that id).
    type: int
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
      - Check mode reads the VPS and asks HostUp for an estimate (C(send=false)), which orders
        nothing; it returns that real price in RV(estimate), and fails like a real run when the
        budget is exceeded or an invoice is pending. It never sends an ordering call.
  diff_mode:
    support: full
    details: Shows package, cycle, requested resources (with C(option_names), each option's short name where
      HostUp's estimate gives one), recurring price before and after, and the amount due now (C(due_now)).
  idempotent:
    support: full
    details:
      - Resources are judged by the estimates and the kind of each option (see the description);
        a list or free option, or a count within included units, without a price difference fails
        rather than claiming no change.
        With O(draft_id) alone, every run orders.
"""

EXAMPLES = r"""
- name: Price a bigger plan without ordering it (run with --check, or check_mode)
  hostup.cloud.hostup_vps_upgrade:
    vmid: 10001
    package: "1938"
  check_mode: true
  register: quote

- name: Show the price
  ansible.builtin.debug:
    msg: >-
      Due now {{ quote.estimate.prorated }} {{ quote.estimate.currency }},
      then {{ quote.estimate.recurring }} per cycle (draft {{ quote.estimate.draft_id }})

- name: Grow the disk to 120 GB and add backups, within a budget
  hostup.cloud.hostup_vps_upgrade:
    vmid: 10001
    resources:
      "2232": 120
      # 9 backups: 7 are included and cost nothing, so a value up to 7 shows no price difference
      # and a rerun cannot tell whether the VPS has it (it fails naming the draft); 9 costs 2 units
      "2404": 9
    max_prorated: 100
    max_recurring: 300

- name: Order exactly the estimate a person approved (refused if that draft holds another plan)
  hostup.cloud.hostup_vps_upgrade:
    vmid: 10001
    package: "1938"
    draft_id: "{{ approved_draft_id }}"
    wait_timeout: 600

- name: Set the key once for every HostUp module
  module_defaults:
    group/hostup.cloud.all:
      api_key: "{{ vault_hostup_api_key }}"
  block:
    - name: Move to the bigger plan, billed annually
      hostup.cloud.hostup_vps_upgrade:
        vmid: 10002
        package: "1938"
        cycle: annually
"""

RETURN = r"""
changed:
  description: Whether an order was placed (or, in check mode, would be).
  returned: always
  type: bool
estimate:
  description:
    - HostUp's estimate of the change; null when nothing needed estimating.
  returned: success, and on a budget or ordering failure
  type: dict
  contains:
    draft_id:
      description: Id of the order draft holding the estimate; O(draft_id) orders it later.
      type: int
      sample: 5257
    prorated:
      description: Amount due now for the rest of the current period (negative for a credit).
      type: float
      sample: 60.0
    credits:
      description: Account credit applied to the amount due; null when HostUp did not say (the field is optional).
      type: float
      sample: 0.0
    recurring:
      description: Price per billing cycle after the change.
      type: float
      sample: 259.0
    total:
      description: Amount of the order.
      type: float
      sample: 60.0
    due_now:
      description:
        - What the order charges now, the figure O(max_prorated) is compared with - the larger of
          RV(estimate.prorated) and the draft's order total (which includes a setup fee).
        - Null when HostUp gave no finite amount; such an estimate is never ordered.
      type: float
      sample: 60.0
    currency:
      description: ISO code of the currency of the amounts.
      type: str
      sample: SEK
order:
  description: The order placed; null when nothing was ordered (no change, or check mode).
  returned: success
  type: dict
  contains:
    order_id:
      description:
        - HostUp order id, from the first of C(orderId), C(raw.checkout.order_id) and C(raw.order_id) that
          names one (HostUp documents all three, each optional).
      type: str
      sample: "34889"
    order_num:
      description: HostUp order number.
      type: str
      sample: "1693922233"
    invoice_id:
      description: Invoice to pay; null when HostUp named none (nothing is due, or its reply did not say).
      type: str
      sample: "49526"
    redirect_url:
      description: Where the HostUp panel shows the invoice, or null.
      type: str
      sample: /billing?invoice=49526
    message:
      description: HostUp's message.
      type: str
      sample: Upgrade request submitted successfully
applied:
  description:
    - V(true) when HostUp shows the change (or the VPS already had it).
    - V(false) in check mode, with O(wait=false), or when an unpaid invoice holds the order
      (a warning names it).
    - Null when part of the change cannot be read back (options chosen from a list, free options, see
      the description); the package, the cycle and options ordered by count or size of the same order
      are still waited for, and the order stays in the order ledger for O(pending_window).
  returned: success
  type: bool
  sample: true
vps:
  description:
    - The VPS before the change, as M(hostup.cloud.hostup_vps_info) returns it in RV(hostup.cloud.hostup_vps_info#module:vps).
  returned: success
  type: dict
  sample: {vmid: 10001, product_id: "1937", product_name: VPS SM, cycle: monthly, price: 139.0}
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
      description:
        - The resources of the change, each with its option C(id), the C(value) asked and its C(name).
        - C(name) is the option's short machine name as HostUp's estimate describes it (its C(variable), such
          as V(disk_size) or V(backuplimit)), taken from an estimate the task made anyway (no extra call); null
          where no estimate was made or it gives none. HostUp's free-text option names are never used (they
          can hold a person's name), and a C(variable) that is not a lowercase identifier is not shown.
      type: list
      elements: dict
      sample: [{id: "2232", value: 120, name: disk_size}]
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
  sample: {method: POST, path: /api/vm/10001/upgrade, status: 502, code: BAD_GATEWAY, message: Bad Gateway,
           request_id: 2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba, details: {}}
"""

from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.module import VMID_OPTION, HostUpModule
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
from ansible_collections.hostup.cloud.plugins.module_utils.proof import resources_shown
from ansible_collections.hostup.cloud.plugins.module_utils.quote import differences, draft_problems, option_kinds, option_labels
from ansible_collections.hostup.cloud.plugins.module_utils.reconcile import (
    VpsReads,
    asked_change,
    settle_earlier_orders,
)
from ansible_collections.hostup.cloud.plugins.module_utils.vps import (
    CYCLE_NAMES,
    api_path,
    cycle_code,
    cycle_price,
    unknown_fields,
)

MODULE_OPTIONS = dict(
    ORDERING_OPTIONS,
    vmid=VMID_OPTION,
    package=dict(type="str"),
    resources=dict(type="dict"),
    cycle=dict(type="str", choices=list(CYCLE_NAMES)),
    draft_id=dict(type="int"),
)
DESIRED_STATE = ("package", "resources", "cycle")
WHAT_TO_CHANGE = DESIRED_STATE + ("draft_id",)


def check_options(params):
    """Everything argument_spec cannot say; runs before any request."""
    # One rule for "nothing to do": an option set to null (a templated variable left
    # empty) counts as not given, which required_one_of would not see.
    if all(params[name] is None for name in WHAT_TO_CHANGE):
        raise BadOption("option.nothing_to_change")
    if params["package"] is not None and not params["package"].isdigit():
        raise BadOption("option.package_digits", value=params["package"])
    if params["resources"] is not None:
        if not params["resources"]:
            raise BadOption("option.resources_empty")
        for option_id, value in params["resources"].items():
            check_resource(option_id, value)
    if params["draft_id"] is not None and params["draft_id"] < 1:
        raise BadOption("option.too_small", option="draft_id", minimum=1, value=params["draft_id"])
    check_ordering_options(params)


def check_resource(option_id, value):
    if not str(option_id).isdigit():
        raise BadOption("option.resource_id", value=option_id)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadOption("option.resource_value", option_id=option_id, value=value)
    if isinstance(value, int) and value < 0:
        raise BadOption("option.resource_negative", option_id=option_id, value=value)
    if isinstance(value, str) and not value.strip():
        raise BadOption("option.resource_blank", option_id=option_id)


def upgrade(hostup):
    with order_lock(hostup):
        return upgrade_locked(hostup)


def upgrade_locked(hostup):
    params, vmid = hostup.params, hostup.params["vmid"]

    # earlier orders of this VPS (the ledger): resolved once HostUp shows them, else waited for, or a stop
    reads = VpsReads(hostup)
    earlier = settle_earlier_orders(hostup, reads)

    # read
    vps, billing = reads.details(), reads.billing()
    unknown = unknown_fields(vmid, vps, billing)
    if unknown:
        raise TaskFailed("reply.field_missing", result=dict(estimate=None, order=None, vps=vps, earlier_orders=earlier),
                         vmid=vmid, fields=" and ".join(unknown))
    current = {
        "package": vps["product_id"],
        "cycle": billing["cycle"] or vps["cycle"],
        "recurring_price": cycle_price(billing, billing["cycle"]) if billing["cycle"] else vps["price"],
    }
    hostup.outcome.read(current["package"], current["cycle"], current["recurring_price"])

    # compare
    change = wanted_change(params, current)
    hostup.outcome.asked(**change)
    desired_given = any(params[name] is not None for name in DESIRED_STATE)
    if desired_given and not change:
        return unchanged(hostup, vps, billing, current, None, earlier)
    refuse_while_invoice_pending(vmid, billing, dict(vps=vps, earlier_orders=earlier))

    # estimate
    target_cycle = change.get("cycle", current["cycle"])
    fresh = None
    if params["draft_id"] is None:
        quote = reads.estimate(api_change(change), target_cycle, asked_of(change))
        name_options(hostup, quote, change)
        if set(change) == {"resources"} and resources_shown_in_place(reads, quote, change["resources"], current, vps):
            return unchanged(hostup, vps, billing, current, quote.figures, earlier)
    else:
        if "resources" in change:
            # HostUp's draft shows no option's value: the user's draft is checked against a
            # fresh estimate of exactly the request (check_draft)
            fresh = reads.estimate(api_change(change), target_cycle, asked_of(change))
            name_options(hostup, fresh, change)
            if set(change) == {"resources"} and resources_shown_in_place(
                    reads, fresh, change["resources"], current, vps, draft_given=True):
                return unchanged(hostup, vps, billing, current, fresh.figures, earlier)
        # an unknown or used draft fails as "no such draft"
        quote = reads.estimate({"draftId": params["draft_id"]}, target_cycle, asked_of(change))
        name_options(hostup, quote, change)
    hostup.outcome.priced(quote.figures)
    check_draft(hostup, quote, vps, current, fresh)
    if params["draft_id"] is not None and not desired_given:
        change = draft_change(hostup, quote, current)
        if not change:
            return unchanged(hostup, vps, billing, current, quote.figures, earlier)
        hostup.outcome.asked(**change)
    refuse_draft_ordered_before(hostup, params["draft_id"] or quote.figures["draft_id"], quote, vps)
    estimate = quote.figures
    refuse_unless_within_budget(quote, params, dict(order=None, vps=vps))

    diff = {"before": dict(current), "after": after_state(current, change, estimate, hostup.outcome["options"])}
    if hostup.check_mode:
        return dict(changed=True, estimate=estimate, order=None, applied=False, vps=vps, diff=diff,
                    earlier_orders=earlier)

    # order exactly what was estimated (without a draft id there is no "exactly"), in the ledger first
    if estimate["draft_id"] is None:
        raise TaskFailed("order.no_draft_id", result=dict(estimate=estimate, vps=vps), sent=quote.as_sent["draft_id"])
    draft_id = params["draft_id"] if params["draft_id"] is not None else estimate["draft_id"]
    call = "the order of draft %s" % draft_id
    entry = hostup.ledger.new_entry("hostup_vps_upgrade", call, asked_of(change, quote), draft_id=draft_id,
                                    estimate=estimate)
    _reply, order = place_order(hostup, api_path(vmid, "upgrade"), {"send": True, "draftId": draft_id}, call,
                                needs_order_id=True, result=dict(estimate=estimate, vps=vps), entry=entry)

    # wait until HostUp shows it
    applied = await_order(hostup, reads, entry, order, call, result=dict(estimate=estimate, vps=vps))
    return dict(changed=True, estimate=estimate, order=order, applied=applied, vps=vps, diff=diff,
                earlier_orders=earlier)


def wanted_change(params, current):
    """The requested values that differ from the VPS; resources always count (unreadable)."""
    change = {}
    if params["package"] is not None and params["package"] != current["package"]:
        change["package"] = params["package"]
    if params["cycle"] is not None and params["cycle"] != current["cycle"]:
        change["cycle"] = params["cycle"]
    if params["resources"] is not None:
        change["resources"] = dict((str(k), v) for k, v in params["resources"].items())
    return change


def api_change(change):
    body = dict(change)
    if "cycle" in body:
        body["cycle"] = cycle_code(body["cycle"])
    return body


def asked_of(change, quote=None):
    """The change as the ledger keeps it; options whose kind ``quote`` does not show as count or size cannot be read back."""
    resources = change.get("resources") or {}
    kinds = option_kinds(quote, resources) if quote is not None else {}
    return asked_change(change.get("package"), change.get("cycle"), resources,
                        unreadable=[option_id for option_id in resources if not kinds.get(option_id)])


def resources_shown_in_place(reads, quote, resources, current, vps, draft_given=False):
    """Whether HostUp's estimates prove the VPS has ``resources`` already (proof.resources_shown).

    ``quote`` is the estimate of the whole change, already made. When nobody can
    tell (a price HostUp left out, a list or free option, a value within units the
    plan includes), the module never claims the options are in place: without
    ``draft_id`` the task fails naming the draft to order deliberately; with it,
    the user chose to order that draft.
    """
    def estimate(options):
        if options == resources:
            return quote
        return reads.estimate({"resources": options}, current["cycle"], asked_of({"resources": options}))

    shown, unpriced, unproven = resources_shown(estimate, resources, current["recurring_price"])
    if shown is not None:
        return shown
    if draft_given:
        return False
    if unpriced is not None:
        raise TaskFailed("upgrade.price_unknown",
                         result=dict(estimate=quote.figures, order=None, vps=vps, unreadable_options=sorted(resources)),
                         vmid=vps["vmid"], options=", ".join(sorted(resources)), draft_id=quote.figures["draft_id"],
                         unknown=unknown_prices(unpriced, current))
    named = ", ".join("%s (%s)" % (option_id, why) for option_id, why in sorted(unproven.items()))
    raise TaskFailed("upgrade.option_unreadable",
                     result=dict(estimate=quote.figures, order=None, vps=vps, unreadable_options=sorted(unproven)),
                     options=named, vmid=vps["vmid"], draft_id=quote.figures["draft_id"])


def unknown_prices(quote, current):
    names = [name for name, value in (("amount due now in its estimate (prorated)", quote.figures["prorated"]),
                                      ("recurring price in its estimate (raw.draft.price.recurring, or recurring)",
                                       quote.figures["recurring"]),
                                      ("price of the current cycle (cycles[].price of GET billing-cycle)",
                                       current["recurring_price"]))
             if value is None]
    return "HostUp gave no readable %s" % " nor ".join(names or ["amount due now"])


def check_draft(hostup, quote, vps, current, fresh=None):
    """Order a draft only when it is the one asked for, for this VPS, holding what was asked and nothing more.

    The user's ``draft_id``: HostUp's estimate of it must carry that id and name
    this VPS; with ``resources``, it must match ``fresh``, HostUp's estimate of
    exactly the request (HostUp shows no option's value in a draft). Any draft:
    what was not asked to change must stay as the VPS has it.
    """
    params, vmid, given = hostup.params, hostup.params["vmid"], hostup.params["draft_id"]
    mismatch = []
    if given is not None and quote.figures["draft_id"] != given:
        mismatch.append(render("draft.not_given_one", given=given, sent=quote.as_sent["draft_id"]))
    expected = {}
    if given is None or any(params[name] is not None for name in DESIRED_STATE):
        # with draft_id alone the user orders that draft as it is
        expected = dict((name, (params[name], "requested") if params[name] is not None else (current[name], "current"))
                        for name in ("package", "cycle"))
    mismatch += draft_problems(quote.draft, vmid, expected)
    if fresh is not None:
        mismatch += differences(quote, fresh)
    if mismatch:
        raise TaskFailed("upgrade.draft_mismatch" if given is not None else "upgrade.estimate_mismatch",
                         result=dict(estimate=quote.figures, order=None, vps=vps), problems="; ".join(mismatch))


def refuse_draft_ordered_before(hostup, draft_id, quote, vps):
    """A draft this ledger has sent an ordering call for is never ordered again, whatever HostUp answers for it.

    The ledger keeps resolved entries (the newest of each VPS): once an entry of
    options nothing can read back lapsed, a rerun with the same draft_id would
    otherwise order that draft again while HostUp still answers for it.
    """
    entry = hostup.ledger.ordering_of_draft(draft_id)
    if entry is not None:
        raise TaskFailed("upgrade.draft_ordered", result=dict(estimate=quote.figures, order=None, vps=vps),
                         draft_id=draft_id, vmid=vps["vmid"], sent_at=entry["sent_at"],
                         order_id=entry.get("order_id") or "id unknown", entry_id=entry["id"], state=entry["state"])


def draft_change(hostup, quote, current):
    """The package and cycle a user's draft (``draft_id`` alone) changes; {} (and a warning) when the VPS has them.

    A draft HostUp still answers may have been ordered already: ordering it again
    would buy what the VPS has. Options of a draft are ordered only when named in
    ``resources`` (HostUp's draft shows no option's value).
    """
    vmid = hostup.params["vmid"]
    ours = [service for service in quote.draft["services"] if service["account_id"] == str(vmid)]
    service = ours[0] if ours else {"product_id": None, "cycle": None}
    change = dict((name, service[key]) for name, key in (("package", "product_id"), ("cycle", "cycle"))
                  if service[key] is not None and service[key] != current[name])
    if not change:
        hostup.warn(render("upgrade.draft_in_place", draft_id=quote.figures["draft_id"], vmid=vmid,
                           package=service["product_id"] or "(not shown)", cycle=service["cycle"] or "(not shown)"))
    return change


def name_options(hostup, quote, change):
    """The outcome's options get their labels from an estimate's draft (no extra call)."""
    if change.get("resources"):
        hostup.outcome.named(option_labels(quote, change["resources"]))


def after_state(current, change, estimate, options=()):
    after = dict(current, recurring_price=estimate["recurring"], due_now=estimate["due_now"])
    after.update(change)
    if change.get("resources"):
        # beside the ids of resources: what each option is, where HostUp's draft names it
        after["option_names"] = dict((o["id"], o["name"]) for o in options if o["id"] in change["resources"])
    return after


def unchanged(hostup, vps, billing, current, estimate, earlier):
    if billing["pending_invoice"]:
        hostup.warn(pending_invoice_warning(vps["vmid"], billing["pending_invoice"]))
    return dict(changed=False, estimate=estimate, order=None, applied=True, vps=vps, earlier_orders=earlier,
                diff={"before": dict(current), "after": dict(current)})


def main():
    hostup = HostUpModule(MODULE_OPTIONS, check_options=check_options, orders=True, name="hostup_vps_upgrade")
    hostup.run(upgrade)


if __name__ == "__main__":
    main()

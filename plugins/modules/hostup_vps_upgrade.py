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
    package and O(cycle) with the current billing cycle; nothing is estimated or ordered when
    they already match and O(resources) is not given.
  - B(Resources.) HostUp's API has no call that reads the current value of a resource, so the
    module never claims "already in place" without evidence. When O(resources) is the only
    change, it estimates it. A price difference (something due now, or another recurring price)
    is a change, and it is ordered. Without a difference, the rule depends on the kind of each option,
    which the estimate's draft describes (HostBill's C(hasQty) and C(type)).
  - An option ordered by count or size (C(hasQty), such as V(2232) disk, V(2253) IPv4, V(2404)
    backups) is priced per unit, so no difference proves the VPS has that value; nothing is
    ordered and the task reports no change. With several such options each is estimated on its
    own too, so an equal-price swap (one grows, another shrinks) is still ordered.
  - A list option (C(type) select, such as V(2209) OS, V(2259) IPv6, V(2268) Ceph redundancy), a
    free option, or an option the draft does not describe can differ at no cost. HostUp cannot
    tell its current value, so the task fails, ordering nothing, naming the option(s) and the
    estimate's draft id; to order it deliberately, run again with that O(draft_id) beside O(resources).
  - B(draft_id.) A given draft is ordered only when it is that draft (HostUp's estimate of it
    carries the same id), is for this VPS (its service's account is O(vmid)), and holds the
    requested O(package), O(cycle) and (where the draft shows them) O(resources); otherwise the
    task fails naming both values. The ordering call carries exactly O(draft_id).
  - A package or cycle not given must stay as the VPS has it, and every service of the draft must
    be this VPS, for a given O(draft_id) (unless it is given alone) and for HostUp's own estimate
    alike, since an order of the draft orders all it holds.
  - B(Never twice.) While an unpaid invoice is pending for the VPS, the module orders nothing
    and fails naming the invoice. An ordering call is never sent again after an error (only
    after HTTP 429, when HostUp refused it); if it fails in a way that leaves its outcome
    unknown, the error says so and names the estimate's draft id.
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
      - "Option ids seen in HostUp's documentation: V(2210) additional storage, V(2211)
        bandwidth, V(2232) NVMe disk size, V(2253) IPv4 addresses, V(2259) IPv6, V(2268) Ceph
        redundancy, V(2404) backups."
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
        O(package), O(cycle) and O(resources) ask (see the description).
      - Give O(package), O(resources) or O(cycle) beside it to make a rerun report no change
        once the VPS has them; with O(draft_id) alone every run orders (a used draft fails, since
        HostUp has no open draft of that id).
    type: int
extends_documentation_fragment:
  - hostup.cloud.ordering
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
    details: Shows package, cycle, requested resources and recurring price before and after.
  idempotent:
    support: full
    details:
      - Resources are judged by the estimate and the kind of each option (see the description);
        a list or free option without a price difference fails rather than claiming no change.
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
      "2404": 2
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
      description: Account credit applied to the amount due.
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
      description: HostUp order id.
      type: str
      sample: "34889"
    order_num:
      description: HostUp order number.
      type: str
      sample: "1693922233"
    invoice_id:
      description: Invoice to pay, or null when nothing is due.
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
    - Null when the change cannot be read back (HostUp has no read of resources), or when
      O(draft_id) alone was ordered. A package or cycle ordered with resources is still waited for.
  returned: success
  type: bool
  sample: true
vps:
  description:
    - The VPS before the change, as M(hostup.cloud.hostup_vps_info) returns it in RV(hostup.cloud.hostup_vps_info#module:vps).
  returned: success
  type: dict
  sample: {vmid: 10001, product_id: "1937", product_name: VPS SM, cycle: monthly, price: 139.0}
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

from ansible_collections.hostup.cloud.plugins.module_utils.module import VMID_OPTION, HostUpModule
from ansible_collections.hostup.cloud.plugins.module_utils.ordering import (
    ORDERING_OPTIONS,
    await_order,
    check_ordering_options,
    ordering_turn,
    place_order,
    refuse_unless_priced,
)
from ansible_collections.hostup.cloud.plugins.module_utils.vps import (
    CYCLE_NAMES,
    api_path,
    cycle_code,
    cycle_price,
    draft_problems,
    estimate_change,
    pending_invoice_message,
    read_billing,
    read_details,
    same_amount,
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


def check_options(hostup):
    """Everything argument_spec cannot say; runs before any request."""
    params = hostup.params
    # One rule for "nothing to do": an option set to null (a templated variable left
    # empty) counts as not given, which required_one_of would not see.
    if all(params[name] is None for name in WHAT_TO_CHANGE):
        hostup.fail_option("one of package, resources, cycle or draft_id", "is required (none is set, or all are null)")
    if params["package"] is not None and not params["package"].isdigit():
        hostup.fail_option("package", "must be a product id of digits, like '1938', got %r" % params["package"])
    if params["resources"] is not None:
        if not params["resources"]:
            hostup.fail_option("resources", "must name at least one option id")
        for option_id, value in params["resources"].items():
            problem = resource_problem(option_id, value)
            if problem:
                hostup.fail_option("resources", problem)
    if params["draft_id"] is not None and params["draft_id"] < 1:
        hostup.fail_option("draft_id", "must be 1 or more, got %d" % params["draft_id"])
    check_ordering_options(hostup)


def resource_problem(option_id, value):
    if not str(option_id).isdigit():
        return "keys must be HostUp option ids of digits, like '2232', got %r" % (option_id,)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return "[%s] must be a whole number 0 or more, or an item id string, got %r" % (option_id, value)
    if isinstance(value, int) and value < 0:
        return "[%s] must be 0 or more, got %d" % (option_id, value)
    if isinstance(value, str) and not value.strip():
        return "[%s] must not be an empty string" % option_id
    return None


def upgrade(hostup):
    with ordering_turn(hostup):
        upgrade_now(hostup)


def upgrade_now(hostup):
    params, client, vmid = hostup.params, hostup.client, hostup.params["vmid"]

    # read
    vps = read_details(client, vmid)
    billing = read_billing(client, vmid)
    current = {
        "package": vps["product_id"],
        "cycle": billing["cycle"] or vps["cycle"],
        "recurring_price": cycle_price(billing, billing["cycle"]) if billing["cycle"] else vps["price"],
    }

    # compare
    change = wanted_change(params, current)
    desired_given = any(params[name] is not None for name in DESIRED_STATE)
    if desired_given and not change:
        return report_unchanged(hostup, vps, billing, current, estimate=None)
    if billing["pending_invoice"]:
        hostup.fail(pending_invoice_message(vmid, billing["pending_invoice"]),
                    pending_invoice=billing["pending_invoice"], vps=vps)

    # estimate
    target_cycle = change.get("cycle", current["cycle"])
    if params["draft_id"] is None:
        quote = estimate_change(client, vmid, api_change(change), target_cycle)
        if set(change) == {"resources"}:
            if resources_already_so(hostup, quote, change["resources"], current, vps):
                return report_unchanged(hostup, vps, billing, current, quote.figures)
    else:
        if set(change) == {"resources"}:
            fresh = estimate_change(client, vmid, api_change(change), target_cycle)
            if resources_already_so(hostup, fresh, change["resources"], current, vps, draft_given=True):
                return report_unchanged(hostup, vps, billing, current, fresh.figures)
        # an unknown or used draft fails as "no such draft" (the client names it)
        quote = estimate_change(client, vmid, {"draftId": params["draft_id"]}, target_cycle)
    check_draft(hostup, quote, vps, current)
    estimate = quote.figures
    refuse_unless_priced(hostup, quote, order=None, vps=vps)

    diff = {"before": dict(current), "after": after_state(current, change, estimate)}
    if hostup.check_mode:
        return hostup.exit(changed=True, estimate=estimate, order=None, applied=False, vps=vps, diff=diff)

    # order exactly what was estimated; without a draft id there is no "exactly"
    if estimate["draft_id"] is None:
        return hostup.fail("HostUp's estimate carried no draftId (it sent %s, not a whole number above 0), so the "
                           "price shown cannot be ordered exactly; nothing was ordered. Run again, or order a draft with draft_id."
                           % quote.sent["draft_id"],
                           estimate=estimate, vps=vps)
    draft_id = params["draft_id"] if params["draft_id"] is not None else estimate["draft_id"]
    what = "the order of draft %s" % draft_id
    _reply, order = place_order(hostup, api_path(vmid, "upgrade"), {"send": True, "draftId": draft_id}, what,
                                needs_order_id=True, estimate=estimate, vps=vps)

    # wait until HostUp shows it
    applied = await_order(hostup, order, what, package=change.get("package"), cycle=change.get("cycle"),
                          whole="resources" not in change,
                          estimate=estimate, vps=vps)
    hostup.exit(changed=True, estimate=estimate, order=order, applied=applied, vps=vps, diff=diff)


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


def resources_already_so(hostup, quote, resources, current, vps, draft_given=False):
    """Whether the VPS provably has ``resources`` already; fails when nobody can tell.

    A price difference means a change: order it. Without one, only options ordered
    by count or size (``hasQty`` in the draft) prove anything, each on its own (two
    options can change in opposite directions for the same price). A list option
    (an OS, IPv6), a free option or an option the draft does not describe could
    differ at no cost: HostUp has no read of its current value, so the module never
    claims it is in place. Without ``draft_id`` it fails naming them; with it, the
    user chose to order that draft.
    """
    if not no_price_difference(quote, current):
        return False
    kinds = option_kinds(quote, resources)
    unknowable = sorted(option_id for option_id, quantity in kinds.items() if not quantity)
    if not unknowable and len(resources) > 1:
        for option_id, value in sorted(resources.items()):
            alone = estimate_change(hostup.client, vps["vmid"], {"resources": {option_id: value}}, current["cycle"])
            if not no_price_difference(alone, current):
                return False
    if not unknowable:
        return True
    if draft_given:
        return False
    named = ", ".join("%s (%s)" % (option_id, "a list option" if kinds[option_id] is False
                                   else "not described by HostUp") for option_id in unknowable)
    return hostup.fail(
        "resources: HostUp cannot read the current value of option %s of VPS %s, and its estimate shows no price "
        "difference (nothing due now, the same recurring price), so this module cannot tell whether the VPS already "
        "has it. Nothing was ordered. To order it deliberately, run again with draft_id: %s (this estimate's draft) "
        "beside resources, or order it in the HostUp panel."
        % (named, vps["vmid"], quote.figures["draft_id"]),
        estimate=quote.figures, order=None, vps=vps, unreadable_options=unknowable)


def no_price_difference(quote, current):
    figures = quote.figures
    return (same_amount(figures["prorated"], 0.0) and same_amount(figures["due_now"], 0.0)
            and same_amount(figures["recurring"], current["recurring_price"]))


def option_kinds(quote, resources):
    """option id -> True (count or size), False (list option), None (the draft does not say)."""
    kinds = dict((option_id, None) for option_id in resources)
    for service in quote.draft["services"]:
        for option_id in resources:
            known = service["options"].get(option_id)
            if known and known["quantity"] is not None:
                kinds[option_id] = known["quantity"]
    return kinds


def check_draft(hostup, quote, vps, current):
    """Order a draft only when it is the one asked for, for this VPS, holding what was asked and nothing more.

    The user's ``draft_id``: HostUp's estimate of it must carry that id and name
    this VPS. Any draft: what was not asked to change must stay as the VPS has it.
    """
    params, vmid, given = hostup.params, hostup.params["vmid"], hostup.params["draft_id"]
    mismatch = []
    if given is not None and quote.figures["draft_id"] != given:
        mismatch.append("HostUp answered the estimate of draft %d with draft %s" % (given, quote.sent["draft_id"]))
    expected = {}
    if given is None or any(params[name] is not None for name in DESIRED_STATE):
        # with draft_id alone the user orders that draft as it is
        expected = dict((name, (params[name], "requested") if params[name] is not None else (current[name], "current"))
                        for name in ("package", "cycle"))
    mismatch += draft_problems(quote.draft, vmid, expected, params["resources"], account_required=given is not None)
    if mismatch:
        hint = ("Estimate the change anew (check mode) and order that draft" if given is not None
                else "HostUp's estimate is not the change asked for; run again, or report it to HostUp support")
        hostup.fail("%s: %s. Nothing was ordered. %s." % ("draft_id" if given is not None else "estimate",
                                                          "; ".join(mismatch), hint),
                    estimate=quote.figures, order=None, vps=vps)


def after_state(current, change, estimate):
    after = dict(current, recurring_price=estimate["recurring"], due_now=estimate["due_now"])
    after.update(change)
    return after


def report_unchanged(hostup, vps, billing, current, estimate):
    if billing["pending_invoice"]:
        hostup.ansible.warn(pending_invoice_message(vps["vmid"], billing["pending_invoice"]))
    hostup.exit(changed=False, estimate=estimate, order=None, applied=True, vps=vps,
                diff={"before": dict(current), "after": dict(current)})


def main():
    hostup = HostUpModule(MODULE_OPTIONS)
    check_options(hostup)
    hostup.run(upgrade)


if __name__ == "__main__":
    main()

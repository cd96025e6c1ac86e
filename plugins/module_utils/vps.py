# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the modules know about a HostUp VPS: its calls, cycle names and result whitelists.

PRIVATE to this collection: names here may change in any release.

Every result a module returns is built here from named fields. An upgrade
reply's ``raw.draft`` holds other customers' personal data (passwords, card
numbers, addresses), so nothing is ever copied from a reply wholesale: a field
that is not picked out below does not leave this file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import math

from ansible_collections.hostup.cloud.plugins.module_utils.client import HostUpError

# Two amounts closer than this are the same amount (HostUp rounds to whole öre/cents).
MONEY_TOLERANCE = 0.005

# The one table of billing cycles: the option value users write, the code the
# API takes and returns in billing-cycle, and the label details/newCycle use.
CYCLES = (
    ("monthly", "m", "Monthly"),
    ("annually", "a", "Annually"),
)
CYCLE_NAMES = tuple(name for name, _code, _label in CYCLES)


def cycle_code(name):
    """``monthly`` -> ``m``."""
    for cycle_name, code, _label in CYCLES:
        if cycle_name == name:
            return code
    raise ValueError("unknown billing cycle %r" % (name,))


def cycle_name(value):
    """``m``, ``Monthly`` or ``monthly`` -> ``monthly``; None stays None.

    A cycle this collection does not manage (HostBill also knows quarterly and
    others) comes back lower-cased, so users still see what the VPS has.
    """
    if value is None:
        return None
    text = str(value).strip()
    for cycle_name_, code, label in CYCLES:
        if text in (code, label) or text.lower() == cycle_name_:
            return cycle_name_
    return text.lower()


def api_path(vmid, call):
    return "/api/vm/%d/%s" % (vmid, call)


def money(value):
    """HostUp sends prices as strings, ints or floats; results carry floats, or None when unreadable.

    ``"NaN"`` and ``"inf"`` parse as floats but are no price: they are None too,
    so that no comparison with a budget can let them through.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, 2) if math.isfinite(number) else None


def _number(value):
    """A finite number (int when whole), or None: "NaN" and "inf" are no amount of anything."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _id(value):
    """Ids arrive as ints or strings; ``0``/empty means "none" in HostBill replies."""
    if value in (None, "", 0, "0"):
        return None
    return str(value)


# --- reading a VPS -----------------------------------------------------------

def read_details(client, vmid):
    """GET details, whitelisted."""
    data = client.get(api_path(vmid, "details"))
    return {
        "vmid": vmid,
        "hostname": data.get("hostname"),
        "status": data.get("status"),
        "product_id": _id(data.get("product_id")),
        "product_name": data.get("product_name"),
        "cycle": cycle_name(data.get("billingcycle")),
        "price": money(data.get("price")),
        "total": money(data.get("total")),
        "next_due": data.get("next_due"),
        "cpu": _number(data.get("cpu")),
        "ram": _number(data.get("ram")),
        "disk": _number(data.get("disk")),
        "bandwidth_limit": _number(data.get("bandwidth_limit")),
    }


def read_billing(client, vmid):
    """GET billing-cycle, whitelisted; a pending unpaid invoice is a result, not a failure.

    HostUp answers 400 with ``existing_invoice: true`` while an invoice is unpaid.
    Then ``cycle`` and ``cycles`` are unknown (None and []) and ``pending_invoice``
    says which invoice blocks.
    """
    try:
        data = client.get(api_path(vmid, "billing-cycle"))
    except HostUpError as error:
        invoice = pending_invoice(error)
        if invoice is None:
            raise
        return {"cycle": None, "cycles": [], "pending_invoice": invoice}
    cycles = []
    for entry in data.get("cycles") or []:
        cycles.append({
            "cycle": cycle_name(entry.get("id") or entry.get("billingCycle")),
            "price": money(entry.get("price")),
            "current": bool(entry.get("isCurrent")),
        })
    return {
        "cycle": cycle_name(data.get("current")),
        "cycles": cycles,
        "pending_invoice": None,
    }


def pending_invoice(error):
    """The unpaid invoice a 400 ``existing_invoice`` names, or None for any other error."""
    if error.status != 400 or not error.details.get("existing_invoice"):
        return None
    details = error.details
    return {
        "invoice_id": _id(details.get("invoice_id")),
        "order_id": _id(details.get("order_id")),
        "total": money(details.get("total")),
        "status": details.get("invoice_status"),
    }


def cycle_price(billing, name):
    for entry in billing["cycles"]:
        if entry["cycle"] == name:
            return entry["price"]
    return None


def pending_invoice_message(vmid, invoice):
    return (
        "VPS %s has an unpaid invoice %s (order %s, total %s): HostUp will not take another order "
        "for it, and this task orders nothing while it is open. Pay or cancel that invoice in the "
        "HostUp panel, then run again; the rerun orders only what is still missing."
        % (vmid, invoice["invoice_id"], invoice["order_id"], _show(invoice["total"])))


def _show(amount):
    return "unknown" if amount is None else "%.2f" % amount


# --- the account's services (the hostup.cloud.hostup inventory) ---------------

CLIENT_ACCOUNTS_PATH = "/api/client-accounts"


def vps_account_path(vmid):
    return "/api/vps-accounts/%d" % vmid


def read_services(client):
    """GET client-accounts: every service of the account (VPS, web hosting, domain …), whitelisted.

    Returns the services, each id once (the first entry of a repeated id), and
    how many entries that look like a VPS have no usable id. A reply without a
    list of accounts is an error, never an account without services.

    Each entry also names the customer (``firstname``, ``lastname``,
    ``companyname``); those fields are never read.
    """
    data = client.get(CLIENT_ACCOUNTS_PATH)
    accounts = data.get("accounts")
    if not isinstance(accounts, list):
        raise HostUpError("GET", CLIENT_ACCOUNTS_PATH, "the reply has no list of accounts", status=200,
                          request_id=client.request_ids[-1] if client.request_ids else None)
    services, seen, unusable = [], set(), 0
    for entry in accounts:
        if not isinstance(entry, dict):
            continue
        vmid = _positive_int(entry.get("id"))
        if vmid is None:
            unusable += _has_vm_usage(entry)
            continue
        if vmid in seen:
            continue
        seen.add(vmid)
        services.append({
            "vmid": vmid,
            "label": _text(entry.get("label")),
            "hostname": _text(entry.get("domain")),
            "status": _text(entry.get("status")),
            "product_id": _id(entry.get("product_id")),
            "product_name": _text(entry.get("name")),
            "cycle": cycle_name(_text(entry.get("billingcycle"))),
            "price": money(entry.get("total")),
            "next_due": _text(entry.get("next_due")),
            "looks_like_vps": _has_vm_usage(entry),
        })
    return services, unusable


def _has_vm_usage(entry):
    # HostUp does not document which type/name marks a VPS. Its example gives a
    # VM usage block (extra_details.usage.vmdata, keyed by the Proxmox VM id) to
    # a VM service; that block is the built-in VPS rule (an inference).
    extra = entry.get("extra_details")
    usage = extra.get("usage") if isinstance(extra, dict) else None
    vmdata = usage.get("vmdata") if isinstance(usage, dict) else None
    return isinstance(vmdata, dict) and bool(vmdata)


def read_vps_account(client, vmid):
    """GET vps-accounts/{id}, whitelisted: name, IP, OS and resources; None when HostUp has no such VPS."""
    try:
        data = client.get(vps_account_path(vmid))
    except HostUpError as error:
        if error.status == 404:
            return None
        raise
    account = data.get("vps_account") if isinstance(data.get("vps_account"), dict) else {}
    resources = account.get("resources") if isinstance(account.get("resources"), dict) else {}
    return {
        "name": _text(account.get("name")),
        "ip": _ip_address(account.get("ip")),
        "os": _text(account.get("os")),
        "cpu": _number_or_text(resources.get("cpu")),
        "ram": _number_or_text(resources.get("ram")),
        "disk": _number_or_text(resources.get("storage")),
    }


def _positive_int(value):
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


def _text(value):
    """A scalar as text; empty, missing or structured values are None."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def _number_or_text(value):
    number = _number(value)
    if number is not None:
        return number
    text = _text(value)
    return None if text is None or _is_float(text) else text  # "NaN", "inf": no figure, and no text either


def _is_float(text):
    try:
        float(text)
    except (ValueError, OverflowError):
        return False
    return True


def _ip_address(value):
    """An IP address as text, or None: anything else would send ansible_host where HostUp says."""
    text = _text(value)
    try:
        return str(ipaddress.ip_address(text)) if text else None
    except ValueError:
        return None


# --- upgrade replies ---------------------------------------------------------

class Quote(object):
    """One estimate: ``figures`` (the whitelisted RV(estimate)) and ``draft`` (what the draft holds).

    ``draft`` is read from named, non-personal keys of ``raw.draft`` only (see
    ``draft_facts``); ``sent`` keeps how HostUp wrote each amount, so that an
    unreadable one can be named in an error.
    """

    def __init__(self, figures, draft, sent):
        self.figures = figures
        self.draft = draft
        self.sent = sent


def estimate_change(client, vmid, body, cycle):
    """Ask HostUp what a change costs (``send: false`` orders nothing); a Quote.

    A reply that is not an estimate (``estimate: false``, ``success: false``, or one
    naming an order) is an error: HostUp may have ordered, so nothing may follow it.
    """
    path = api_path(vmid, "upgrade")
    data = client.estimate(path, dict(body, send=False))
    not_estimate = _not_an_estimate(data)
    if not_estimate:
        raise HostUpError("POST", path, "HostUp did not answer as an estimate (%s)" % not_estimate, status=200,
                          request_id=client.request_ids[-1] if client.request_ids else None,
                          hint=NOT_AN_ESTIMATE_HINT)
    return quote_from_reply(data, cycle)


NOT_AN_ESTIMATE_HINT = (
    "nothing more was ordered. HostUp was asked for a price only (send: false), but its answer does not "
    "say it priced without ordering. Check the VPS (hostup.cloud.hostup_vps_info, or the HostUp panel for a "
    "new order or invoice) before running again")


def _not_an_estimate(data):
    if data.get("estimate") is False:
        return "estimate: false"
    if data.get("success") is False:
        message = data.get("message")
        return "success: false" + (": %s" % message if isinstance(message, str) and message else "")
    order_id = _id(data.get("orderId"))
    if order_id is not None:
        return "it names order %s" % order_id
    return None


def quote_from_reply(data, cycle):
    """The price figures and draft facts of an upgrade reply (``send: false``)."""
    draft_price = _draft_price(data)
    recurring = data.get("recurring")
    if recurring is None:
        recurring = (draft_price.get("recurring") or {}).get(cycle_code(cycle)) if cycle in CYCLE_NAMES else None
    figures = {
        "draft_id": draft_id(data.get("draftId")),
        "prorated": money(data.get("prorated")),
        "credits": money(data.get("credits")) or 0.0,
        "recurring": money(recurring),
        "total": money(data.get("total", draft_price.get("total"))),
        "currency": _draft_currency(data),
    }
    figures["due_now"], unreadable = _due_now(data, draft_price)
    sent = {"due_now": unreadable, "prorated": _as_sent(data.get("prorated")), "recurring": _as_sent(recurring),
            "draft_id": _as_sent(data.get("draftId"))}
    return Quote(figures, draft_facts(data), sent)


def _due_now(data, draft_price):
    """What the order will really charge now, and which figure was unreadable when that is None.

    The largest of ``prorated``, the reply's ``total`` and the draft's order total:
    HostUp's ``prorated`` leaves out a setup fee, which the draft's ``price.total``
    (or, without it, ``prorated`` plus ``price.setup``) includes. Every one of these
    HostUp gives must be a finite number; one it leaves out is not counted.
    """
    named = (("prorated", data.get("prorated")), ("total", data.get("total")),
             ("draft's order total", draft_price.get("total")), ("setup fee", draft_price.get("setup")))
    for name, value in named:
        if (value is not None or name == "prorated") and money(value) is None:
            return None, "%s %s" % (name, _as_sent(value))
    prorated, total, order_total, setup = (money(value) for _name, value in named)
    if order_total is None:
        order_total = prorated + (setup or 0.0)
    return round(max(prorated, order_total, prorated if total is None else total), 2), None


def draft_id(value):
    """A draft id is a whole number above 0 (as a number or a string of digits); anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def _as_sent(value):
    text = repr(value) if not isinstance(value, str) else value
    return text[:24]


def draft_facts(data):
    """What a draft holds, from its named non-personal keys: the services and their options.

    ``services`` lists, per service of the draft, its ``account_id`` (the vmid),
    ``product_id``, ``cycle`` and ``options`` (option id -> ``quantity`` (True for
    options ordered by count or size, False for list options, None when the draft
    does not say) and ``value`` (what the draft holds, None when not shown)).
    """
    services = []
    section = _draft_section(data, "services")
    for key in sorted(section):
        service = section[key]
        if not isinstance(service, dict):
            continue
        options = {}
        customizations = service.get("customizations")
        for option_id, option in (customizations.items() if isinstance(customizations, dict) else ()):
            if isinstance(option, dict):
                options[str(option_id)] = {"quantity": _option_is_quantity(option),
                                           "value": _scalar(option.get("value"))}
        services.append({
            "account_id": _id(service.get("account_id")),
            "product_id": _id(service.get("product_id")),
            "cycle": cycle_name(_scalar(service.get("cycle") or service.get("recurring"))),
            "options": options,
        })
    return {"draft_id": draft_id(data.get("draftId")), "services": services}


def draft_problems(draft, vmid, expected, resources=None, account_required=True):
    """Why ``draft`` (``Quote.draft``) is not the change meant for VPS ``vmid``; empty when it is.

    ``expected`` maps ``package``/``cycle`` to ``(value, "requested" or "current")``:
    what the VPS should have after the order (a value None is not checked).
    Every service of the draft must be this VPS: an order of the draft orders them
    all. ``account_required``: a draft that names no account at all is refused too
    (a user's ``draft_id``); HostUp's fresh estimate is checked where it shows.
    """
    number, services = draft["draft_id"], draft["services"]
    if not services and not account_required:
        return []
    accounts = sorted(set(s["account_id"] for s in services if s["account_id"]))
    ours = [s for s in services if s["account_id"] == str(vmid)]
    if ours:
        problems = ["draft %s also holds a service for %s" % (number, "VPS %s" % s["account_id"] if s["account_id"]
                                                              else "no existing VPS (a new order)")
                    for s in services if s["account_id"] != str(vmid)]
    else:
        problems = ["draft %s is for VPS %s, not vmid %d" % (
            number, " and ".join(accounts) if accounts else "that the draft does not name", vmid)]
    service = ours[0] if ours else {"product_id": None, "cycle": None, "options": {}}
    for name, label, value in (("package", "package", service["product_id"]),
                               ("cycle", "billing cycle", service["cycle"])):
        wanted, why = expected.get(name) or (None, None)
        if wanted is not None and value != wanted:
            problems.append("draft %s holds %s %s, not the %s %s %s" % (
                number, label, value or "unknown", why, "cycle" if name == "cycle" else name, wanted))
    for option_id, value in sorted((resources or {}).items()):
        held = service["options"].get(str(option_id), {}).get("value")
        if held is not None and str(held) != str(value):
            problems.append("draft %s holds %s for option %s, not the requested %s" % (number, held, option_id, value))
    return problems


def _option_is_quantity(option):
    # HostBill marks options ordered by count or size with hasQty; list options are
    # selects (type/ftype "select"), whatever their price.
    kinds = set(str(option.get(key) or "").lower() for key in ("type", "ftype"))
    if "select" in kinds or option.get("hasQty") is False:
        return False
    if option.get("hasQty") is True:
        return True
    return None


def _scalar(value):
    return value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None


def order_from_reply(data):
    """What an ordering reply (``send: true``) says about the order it placed."""
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    checkout = raw.get("checkout") if isinstance(raw.get("checkout"), dict) else {}
    return {
        "order_id": _id(data.get("orderId", checkout.get("order_id"))),
        "order_num": _id(data.get("orderNum", checkout.get("order_num"))),
        "invoice_id": _id(data.get("invoiceId", checkout.get("invoice_id"))),
        "redirect_url": data.get("redirectUrl"),
        "message": data.get("message"),
    }


def _draft_section(data, key):
    # Only named, non-personal sections of the draft (price, currency, services) are
    # read; the draft's people never are.
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    draft = raw.get("draft") if isinstance(raw.get("draft"), dict) else {}
    section = draft.get(key)
    return section if isinstance(section, dict) else {}


def _draft_price(data):
    return _draft_section(data, "price")


def _draft_currency(data):
    iso = _draft_section(data, "currency").get("iso")
    return iso if isinstance(iso, str) and iso.isalpha() and len(iso) == 3 else None


# --- budgets -------------------------------------------------------------------

# Every budget refusal starts with this, so a person (and the spend report) can tell
# "refused by the budget" from every other failure.
OVER_BUDGET = "Over budget, nothing was ordered"


def budget_problems(quote, max_prorated, max_recurring):
    """Why this estimate may not be ordered under these budgets (empty: it may).

    An amount HostUp did not give as a finite number passes no budget. The amount
    due now must be readable even without a budget: nobody approved an unknown price.
    """
    figures = quote.figures
    problems = []
    if figures["due_now"] is None:
        problems.append("HostUp's estimate gave no finite amount due now (%s), so the price "
                        "cannot be checked" % quote.sent["due_now"])
    elif max_prorated is not None and figures["due_now"] > max_prorated + MONEY_TOLERANCE:
        problems.append("%.2f due now is more than max_prorated %.2f" % (figures["due_now"], max_prorated))
    if max_recurring is not None:
        if figures["recurring"] is None:
            problems.append("HostUp's estimate gave no finite recurring price (recurring %s) to compare with "
                            "max_recurring %.2f" % (quote.sent["recurring"], max_recurring))
        elif figures["recurring"] > max_recurring + MONEY_TOLERANCE:
            problems.append("%.2f recurring per cycle is more than max_recurring %.2f"
                            % (figures["recurring"], max_recurring))
    return problems


def over_budget_message(problems, figures):
    return "%s: %s (estimate draft %s, %s)." % (
        OVER_BUDGET, "; ".join(problems), figures["draft_id"], figures["currency"] or "currency unknown")


def same_amount(first, second):
    return first is not None and second is not None and abs(first - second) < MONEY_TOLERANCE


def order_failure_hint(error, what):
    """What to tell a user whose ordering call failed, given how it failed.

    HostUp refused it (4xx, 429) or was never reached: nothing happened. Anything
    else (5xx, a dropped connection, a timeout, an unreadable 200) may have
    happened at HostUp after all, and must not be sent again blindly.
    """
    refused = error.status is not None and 400 <= error.status < 500
    if refused or error.reached_server is False:
        hint = "nothing was ordered: %s was not carried out" % what
        return hint + "; " + error.hint if error.hint else hint
    return unknown_outcome(what)


def unknown_outcome(what):
    return (
        "the outcome of %s is unknown: HostUp may have carried it out before the failure. "
        "Check the VPS (hostup.cloud.hostup_vps_info, or the HostUp panel for a new order or "
        "invoice) before running again. A rerun is safe: it reads the VPS first, orders only "
        "what is still missing and stops at an unpaid invoice" % what)

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

from ansible_collections.hostup.cloud.plugins.module_utils.client import HostUpError

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
    """HostUp sends prices as strings, ints or floats; results carry floats (or None)."""
    if value is None or value == "":
        return None
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return None


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
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

    Each entry also names the customer (``firstname``, ``lastname``,
    ``companyname``); those fields are never read.
    """
    data = client.get(CLIENT_ACCOUNTS_PATH)
    accounts = data.get("accounts")
    services = []
    for entry in accounts if isinstance(accounts, list) else []:
        vmid = _positive_int(entry.get("id")) if isinstance(entry, dict) else None
        if vmid is None:
            continue
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
    return services


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
        "ip": _text(account.get("ip")),
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
    return number if number is not None else _text(value)


# --- upgrade replies ---------------------------------------------------------

def estimate_change(client, vmid, body, cycle):
    """Ask HostUp what a change costs (``send: false`` orders nothing); whitelisted figures."""
    return estimate_from_reply(client.estimate(api_path(vmid, "upgrade"), dict(body, send=False)), cycle)


def estimate_from_reply(data, cycle):
    """The price figures of an upgrade reply (``send: false``)."""
    draft_price = _draft_price(data)
    recurring = data.get("recurring")
    if recurring is None:
        recurring = (draft_price.get("recurring") or {}).get(cycle_code(cycle)) if cycle in CYCLE_NAMES else None
    return {
        "draft_id": _number(data.get("draftId")),
        "prorated": money(data.get("prorated")),
        "credits": money(data.get("credits")) or 0.0,
        "recurring": money(recurring),
        "total": money(data.get("total", draft_price.get("total"))),
        "currency": _draft_currency(data),
    }


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
    # Only named, non-personal sections of the draft (price, currency) are read;
    # the draft's people never are.
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    draft = raw.get("draft") if isinstance(raw.get("draft"), dict) else {}
    section = draft.get(key)
    return section if isinstance(section, dict) else {}


def _draft_price(data):
    return _draft_section(data, "price")


def _draft_currency(data):
    iso = _draft_section(data, "currency").get("iso")
    return iso if isinstance(iso, str) and iso.isalpha() and len(iso) == 3 else None


# Every budget refusal starts with this, so a person (and the spend report) can tell
# "refused by the budget" from every other failure.
OVER_BUDGET = "Over budget, nothing was ordered"


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
    return (
        "the outcome of %s is unknown: HostUp may have carried it out before the failure. "
        "Check the VPS (hostup.cloud.hostup_vps_info, or the HostUp panel for a new order or "
        "invoice) before running again. A rerun is safe: it reads the VPS first, orders only "
        "what is still missing and stops at an unpaid invoice" % what)

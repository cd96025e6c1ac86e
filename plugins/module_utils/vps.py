# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reads of a HostUp VPS and of the account's services, into whitelisted dicts; the billing cycles.

PRIVATE to this collection: names here may change in any release.

Every value a module or plugin returns from these reads is picked out here by
name: a field that is not picked out below does not leave this file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import (
    ident,
    money,
    positive_int,
    quantity,
)

# The one table of billing cycles: the option value users write, the code the
# API takes and returns in billing-cycle, and the label details/newCycle use.
CYCLES = (
    ("monthly", "m", "Monthly"),
    ("annually", "a", "Annually"),
)
CYCLE_NAMES = tuple(name for name, _code, _label in CYCLES)
# How many of each cycle make a year, to compare recurring prices across cycles.
CYCLES_PER_YEAR = {"monthly": 12, "annually": 1}


def cycle_code(name):
    """``monthly`` -> ``m``."""
    for cycle_name_, code, _label in CYCLES:
        if cycle_name_ == name:
            return code
    raise ValueError("unknown billing cycle %r" % (name,))


def cycle_name(value):
    """``m``, ``Monthly`` or ``monthly`` -> ``monthly``; None stays None.

    A cycle this collection does not manage (HostBill also knows quarterly and
    others) comes back lower-cased, so users still see what the VPS has.
    """
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    for cycle_name_, code, label in CYCLES:
        if text in (code, label) or text.lower() == cycle_name_:
            return cycle_name_
    return text.lower() or None


def api_path(vmid, call):
    return "/api/vm/%d/%s" % (vmid, call)


def hint_not_found(error, draft_id=None):
    """A 404 of a VPS call says what to check: the draft when one was sent, else the vmid."""
    if error.status == 404 and error.hint is None:
        error.hint = render("hint.no_draft", draft_id=draft_id) if draft_id is not None else render("hint.no_vps")
    return error


def _get_vps(client, vmid, call):
    try:
        return client.get(api_path(vmid, call))
    except HostUpError as error:
        raise hint_not_found(error)


# --- reading a VPS -----------------------------------------------------------

def read_details(client, vmid):
    """GET details, whitelisted."""
    data = _get_vps(client, vmid, "details")
    return {
        "vmid": vmid,
        "hostname": data.get("hostname"),
        "status": data.get("status"),
        "product_id": ident(data.get("product_id")),
        "product_name": data.get("product_name"),
        "cycle": cycle_name(data.get("billingcycle")),
        "price": money(data.get("price")),
        "total": money(data.get("total")),
        "next_due": data.get("next_due"),
        "cpu": quantity(data.get("cpu")),
        "ram": quantity(data.get("ram")),
        "disk": quantity(data.get("disk")),
        "bandwidth_limit": quantity(data.get("bandwidth_limit")),
    }


def read_billing(client, vmid):
    """GET billing-cycle, whitelisted; a pending unpaid invoice is a result, not a failure.

    HostUp answers 400 with ``existing_invoice: true`` while an invoice is unpaid.
    Then ``cycle``, ``cycles`` and ``product_id`` are unknown (None, [] and None)
    and ``pending_invoice`` says which invoice blocks.
    """
    try:
        data = _get_vps(client, vmid, "billing-cycle")
    except HostUpError as error:
        invoice = pending_invoice(error)
        if invoice is None:
            raise
        return {"cycle": None, "cycles": [], "pending_invoice": invoice, "product_id": None}
    cycles = []
    for entry in data.get("cycles") or []:
        if not isinstance(entry, dict):
            continue
        cycles.append({
            "cycle": cycle_name(entry.get("id") or entry.get("billingCycle")),
            "price": money(entry.get("price")),
            "current": entry.get("isCurrent") is True,
        })
    return {
        "cycle": cycle_name(data.get("current")),
        "cycles": cycles,
        "pending_invoice": None,
        "product_id": ident(data.get("productId")),  # the current package, documented here too
    }


def pending_invoice(error):
    """The unpaid invoice a 400 ``existing_invoice`` names, or None for any other error."""
    if error.status != 400 or not error.details.get("existing_invoice"):
        return None
    details = error.details
    return {
        "invoice_id": ident(details.get("invoice_id")),
        "order_id": ident(details.get("order_id")),
        "total": money(details.get("total")),
        "status": details.get("invoice_status"),
    }


def unknown_fields(vmid, details=None, billing=None):
    """The fields an ordering module decides on that HostUp's reads left out or made unreadable.

    ``details.product_id`` is the current package; ``billing-cycle.current`` the
    current cycle, which every draft is checked against and every cycle change
    waits for. Without them a module could not tell what the VPS has, and would
    order on every run. While an unpaid invoice is pending, HostUp answers the
    billing-cycle read with 400 and no cycle: that is no unknown field (the module
    orders nothing then anyway).
    """
    unknown = []
    if details is not None and details["product_id"] is None:
        unknown.append("product_id of GET %s (the current package)" % api_path(vmid, "details"))
    if billing is not None and billing["pending_invoice"] is None and billing["cycle"] is None:
        unknown.append("current of GET %s (the current billing cycle)" % api_path(vmid, "billing-cycle"))
    return unknown


def cycle_price(billing, name):
    for entry in billing["cycles"]:
        if entry["cycle"] == name:
            return entry["price"]
    return None


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
        raise client.unexpected_reply("GET", CLIENT_ACCOUNTS_PATH, "reply.no_accounts")
    services, seen, unusable = [], set(), 0
    for entry in accounts:
        if not isinstance(entry, dict):
            continue
        vmid = positive_int(entry.get("id"))
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
            "product_id": ident(entry.get("product_id")),
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
        "cpu": _quantity_or_text(resources.get("cpu")),
        "ram": _quantity_or_text(resources.get("ram")),
        "disk": _quantity_or_text(resources.get("storage")),
    }


def _text(value):
    """A scalar as text; empty, missing or structured values are None."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def _quantity_or_text(value):
    """A size as a number, or as HostUp wrote it ("80 GB"); None for "NaN", "inf" and other numbers no float holds."""
    number = quantity(value)
    text = _text(value) if number is None else None
    if text is None:
        return number
    try:
        float(text)
    except ValueError:
        return text
    except OverflowError:
        pass
    return None


def _ip_address(value):
    """An IP address as text, or None: anything else would send ansible_host where HostUp says."""
    text = _text(value)
    try:
        return str(ipaddress.ip_address(text)) if text else None
    except ValueError:
        return None

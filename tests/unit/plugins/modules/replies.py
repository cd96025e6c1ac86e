# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HostUp replies for module tests, shaped like HostUp's documented examples."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.hostup.cloud.tests.unit.helpers import api_error, ok

VMID = 10001
DETAILS = "/api/vm/10001/details"
BILLING = "/api/vm/10001/billing-cycle"
UPGRADE = "/api/vm/10001/upgrade"

# Personal data as HostUp puts it in raw.draft; no module result may contain any of it.
PERSONAL = {
    "email": "anna.unit@kund.example", "password": "$2y$10$unitHASHunitHASH", "reset_token": "rst-unit-token-91",
    "cardnum": "************6651", "phonenumber": "+46705550101", "ip": "192.0.2.201",
    "address1": "Enhetsgatan 9", "lastname": "Unittestsson",
}
# HostUp's own example shows a person's name as a draft option's name: free text of a draft is personal data too.
PERSON_NAME = "Agnes Unittestsson"


def details(product_id="1937", cycle="Monthly", price=139.0):
    return ok({"id": str(VMID), "product_id": product_id, "product_name": "VPS SM", "hostname": "web-1.example",
               "status": "Active", "billingcycle": cycle, "price": price, "total": price, "next_due": "2026-12-10",
               "cpu": 2, "ram": 4, "disk": 40, "bandwidth_limit": 2000, "usage_log": {"x": {"ip": "10.0.0.1"}}},
              "rid-details")


def billing(current="m", monthly="139.00", annually="1390.00"):
    return ok({"current": current, "currentName": {"m": "Monthly", "a": "Annually"}[current],
               "cycles": [{"id": "m", "name": "Monthly", "price": monthly, "isCurrent": current == "m"},
                          {"id": "a", "name": "Annually", "price": annually, "isCurrent": current == "a"}],
               "productId": "1937", "accountId": str(VMID)}, "rid-billing")


def unpaid_invoice():
    return api_error(400, "BAD_REQUEST", "An unpaid invoice already exists", "rid-billing",
                     existing_invoice=True, invoice_id="49526", order_id="34889", order_number="1693922233",
                     invoice_status="Unpaid", total="69.50", date_created="2026-11-20")


def draft(recurring, cycle="m", total=60.0, product_id="1938", account_id=VMID, options=None, setup=0, draft_id=5257):
    """A draft as HostUp sends it: people (never to leak), price, currency and the service it holds.

    Its options are described (``option``), never with a value: HostUp's draft shows none.
    """
    return {"id": draft_id, "available_recipients": [dict(PERSONAL, id="8918")], "addons": [], "domains": [],
            "currency": {"iso": "SEK", "code": "kr"},
            "price": {"total": "%.2f" % total, "setup": setup, "recurring": {cycle: "%.2f" % recurring}},
            "services": {"1": {"name": "VPS MD", "product_id": product_id, "account_id": str(account_id),
                               "cycle": cycle, "recurring": cycle, "category": {"name": PERSON_NAME}, "addons": [],
                               "customizations": options or {}}}}


def option(option_id, kind="qty"):
    """A draft's customization: kind qty/slider (hasQty, ordered by count or size) or select/sshkeyselect (a list
    option), named as HostUp's example names one, after a person."""
    listed = kind.endswith("select")
    return {"id": str(option_id), "name": PERSON_NAME, "_name": PERSON_NAME, "hasQty": not listed,
            "type": kind, "ftype": kind, "description": "7 backups is included"}


def estimate(prorated=60.0, recurring=259, draft_id=5257, credits=0, cycle="m", draft_total=None, **draft_kwargs):
    """An estimate as HostUp answers one, with data.recurring and the draft's recurring price agreeing."""
    readable = isinstance(prorated, (int, float))  # a test may send "NaN" and the like
    total = draft_total if draft_total is not None else (prorated if readable else 0.0)
    reply_total = "%.2f" % (prorated - credits) if readable else prorated
    return ok({"success": True, "estimate": True, "prorated": prorated, "credits": credits, "draftId": draft_id,
               "recurring": recurring, "total": reply_total,
               "raw": {"call": "getOrderDraft", "draft": draft(recurring, cycle, total, draft_id=draft_id or 0,
                                                               **draft_kwargs)}}, "rid-estimate")


def ordered(draft_id=5257, invoice_id="49527"):
    return ok({"success": True, "upgraded": True, "message": "Upgrade request submitted successfully",
               "orderId": 34890, "orderNum": 1693922234, "invoiceId": invoice_id,
               "redirectUrl": "/billing?invoice=%s" % invoice_id,
               "raw": {"call": "convertOrderDraft", "order_id": 34890, "draft": draft(259)}}, "rid-order")


def cycle_changed(label="Annually", total="1390.00", scheduled=False):
    """The switch's answer; ``scheduled``: HostBill's note that it applies the change later."""
    info = ["Account #10001 changes saved"] + (["Function has been scheduled for execution"] if scheduled else [])
    return ok({"success": True, "message": "Billing cycle changed successfully", "newCycle": label, "total": total,
               "info": info}, "rid-switch")


GONE = object()


def patched(reply, patch):
    """``reply`` with each dotted key under ``data`` set to its value, or left out where the value is GONE."""
    for key, value in patch.items():
        target = reply["data"]
        *parents, last = key.split(".")
        for parent in parents:
            target = target[parent]
        if value is GONE:
            del target[last]
        else:
            target[last] = value
    return reply


def without(reply, *dotted):
    """``reply`` with each dotted key under ``data`` left out (an optional field HostUp did not send)."""
    return patched(reply, dict.fromkeys(dotted, GONE))

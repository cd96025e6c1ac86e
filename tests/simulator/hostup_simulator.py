# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A HostUp API simulator: a real HTTP server on 127.0.0.1, standard library only.

It keeps VPS state and answers the four v1 calls hostup.cloud uses with the
shapes of HostUp's documentation (../shared/seeds/ and the reference
../shared/reference/hostup-api.md, cited below by section), including fake
personal data in every upgrade reply's ``raw.draft`` (its recipients, and a
person's name where the seed shows one in an option's ``name``) so tests can
prove it never leaks, and the two reads of the inventory plugin: the account's
services (its VPSes, a web hosting and a domain, each naming the fake account
holder) and one VPS.

It sends no field HostUp does not document, with the documented types. A draft
lists every option of the product, as the seed does, and no option's value
(HostUp documents none). Where a behaviour is inferred rather than documented,
the code says so with the reference section.

Two modes. By default a reply carries the optional fields a real reply of its
kind plausibly carries (an order of a draft names its order in ``orderId`` and
``raw.order_id``; a direct order in ``orderId`` and ``raw.checkout``). With
``documented_only`` every field the docs mark optional is left out, except
those that make the reply what it is: an estimate keeps ``estimate``,
``draftId``, ``prorated`` and ``raw.draft`` (§5.3-5.4); an order keeps only
``raw.order_id``, the documented place of its id (§5.2).

Tests drive it in-process (``Simulator``) or over HTTP through the admin routes
under ``/_sim/`` (never called by the collection):

    GET    /_sim/requests          every API request received, in order
    DELETE /_sim/requests          forget them
    POST   /_sim/faults            add a fault: {"call", "kind", "vmid", "times", ...}
    DELETE /_sim/faults            remove all faults
    POST   /_sim/settings          {"latency_ms": 30, "rate_limit": 20, "apply_delay": 2,
                                    "documented_only": true,
                                    "apply_delays": {"cycle": 5}, "reuse_drafts": true}
    POST   /_sim/reset             back to the seed state
    GET    /_sim/vps/<vmid>        the state of one VPS
    POST   /_sim/vps/<vmid>/pay    mark the VPS's invoices paid
    POST   /_sim/vps/<vmid>/apply  apply the VPS's scheduled changes now

``apply_delay`` makes details and billing-cycle show an order that many seconds
after it; ``apply_delays`` sets it per part of an order (``product_id``,
``cycle``, ``resources``), so that one part of an order shows before another.
Both can also be set per VPS (its state keys of the same names). With
``reuse_drafts`` an ordered draft still answers estimates and can be ordered
again, as HostUp may do: nothing proves that a draft which answers was not ordered.

Run it:  python3 tests/simulator/hostup_simulator.py --port 0 --api-key demo-key
"""

from __future__ import absolute_import, division, print_function

import argparse
import copy
import datetime
import json
import math
import os
import re
import sys
import threading
import time
import uuid

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed.json")

CYCLE_LABELS = {"m": "Monthly", "a": "Annually"}

# The calls the simulator knows, by the name tests and faults use.
CALLS = ("details", "billing_cycle", "change_billing_cycle", "estimate", "order", "client_accounts", "vps_account")
SCOPES = {
    "client_accounts": ("read:vm",),
    "vps_account": ("read:vm",),
    "details": ("read:vm",),
    "billing_cycle": ("read:vm",),
    "change_billing_cycle": ("write:billing",),
    "estimate": ("write:billing",),
    "order": ("write:billing",),
}
FULL_SCOPES = ["read:vm", "write:vm", "write:billing"]

SWEDISH_CYCLE_ERROR = (
    "Kunde inte uppdatera faktureringsperioden. Priset gick inte att uppdatera och "
    "ändringen har inte sparats. Kontakta supporten.")

# HTTP title and code of each error status. 400, 401, 404 and 500 are documented
# (§2.1); FORBIDDEN and GATEWAY_TIMEOUT are inferred there by pattern; HostUp documents
# no v1 502 or 503, so those two (answered only by faults) follow the same pattern [INFERRED].
ERROR_TITLES = {
    400: ("Bad Request", "BAD_REQUEST"),
    401: ("Unauthorized", "UNAUTHORIZED"),
    403: ("Forbidden", "FORBIDDEN"),
    404: ("Not Found", "NOT_FOUND"),
    500: ("Internal Server Error", "INTERNAL_ERROR"),
    502: ("Bad Gateway", "BAD_GATEWAY"),
    503: ("Service Unavailable", "SERVICE_UNAVAILABLE"),
    504: ("Gateway Timeout", "GATEWAY_TIMEOUT"),
}

# The message of each error, as HostUp's documented examples word it (§2.1; the 404 text,
# doubled "not found" included, is HostUp's). For the others HostUp gives no text: the
# HTTP title stands in [INFERRED].
ERROR_MESSAGES = {
    400: "Invalid input detected",
    401: "Authentication required",
    404: "Service not found not found",
    500: "An unexpected error occurred",
}
# The message of the documented 400 ``existing_invoice`` (§4.2 lists its fields, no text):
# HostUp's v2 title of the same situation (§2.2, existing_invoice_blocking) [INFERRED for v1].
EXISTING_INVOICE_MESSAGE = "Existing invoice blocks plan change."

# Fake customers of HostUp: every upgrade reply carries them in
# raw.draft.available_recipients, as the real API does with real people. Each
# value is distinctive so a leak scan can search output for it.
FAKE_RECIPIENTS = [
    {
        "id": "8918", "group_id": "0", "client_id": "30000",
        "email": "anna.svensson@kund-sim.example",
        "password": "$2y$10$SIMhashAnnaSvensson0000000000000000000000000000000000",
        "reset_token": "rst-9c41f0e2-sim-anna-token",
        "reset_expiry": "2026-12-01 10:00:00",
        "firstname": "Anna", "lastname": "Svenssonsim",
        "companyname": "Svensson Sim AB", "orgno": "556677-8899",
        "address1": "Simulatorgatan 17", "address2": "lgh 1102",
        "city": "Stockholm", "state": "Stockholm", "postcode": "113 57",
        "country": "SE", "countryname": "Sweden",
        "phonenumber": "+46701112233",
        "ip": "198.51.100.77", "host": "c-198-51-100-77.sim.example",
        "lastlogin": "2026-11-20 08:15:00",
        "cardtype": "Visa", "cardnum": "************7311", "expdate": "09/29",
        "cardcreated": "2025-01-02 00:00:00", "cardupdated": "2026-01-02 00:00:00",
        "notes": "VIP sim customer, calls before noon",
        "browser": {"userAgent": "Mozilla/5.0 (X11; Linux x86_64) SimBrowser/1.0",
                    "name": "SimBrowser", "code": "Sim", "platform": "Linux"},
        "status": "Active", "language": "svenska", "credit": "0.00",
    },
    {
        "id": "8919", "group_id": "0", "client_id": "30001",
        "email": "erik.lindqvist@firma-sim.example",
        "password": "$2y$10$SIMhashErikLindqvist00000000000000000000000000000000",
        "reset_token": "rst-51aa7d3b-sim-erik-token",
        "reset_expiry": "",
        "firstname": "Erik", "lastname": "Lindqvistsim",
        "companyname": "", "orgno": "N/A",
        "address1": "Provgatan 4", "address2": "",
        "city": "Göteborg", "state": "Västra Götaland", "postcode": "411 03",
        "country": "SE", "countryname": "Sweden",
        "phonenumber": "+46739998877",
        "ip": "203.0.113.45", "host": "h-203-0-113-45.sim.example",
        "lastlogin": "2026-11-22 21:40:00",
        "cardtype": "Mastercard", "cardnum": "************5584", "expdate": "03/28",
        "cardcreated": "2024-06-10 00:00:00", "cardupdated": "2025-06-10 00:00:00",
        "notes": "",
        "browser": {"userAgent": "Mozilla/5.0 (Macintosh) SimBrowser/2.0",
                    "name": "SimBrowser", "code": "Sim", "platform": "macOS"},
        "status": "Active", "language": "english", "credit": "120.00",
    },
]

# A person's name where HostUp's seed shows one in a draft's option and category names
# (customizations.2210.name and _name, services.<n>.category.name): free text of a draft
# can hold personal data, so the collection may read only named, non-personal keys.
DRAFT_PERSON_NAME = "Ingrid Fakesimsdotter"
OPTIONS_NAMED_AFTER_A_PERSON = ("2210",)

# The account holder, named by every entry of GET /api/client-accounts.
ACCOUNT_HOLDER = {"firstname": "Sigridsim", "lastname": "Kundholmsim", "companyname": "Kundholm Sim Konsult AB"}

# The values a leak scan must never find in any output (all ASCII, so a scan finds
# them in JSON output too, where other characters would be escaped).
DRAFT_SENSITIVE_VALUES = sorted({
    str(value)
    for person in FAKE_RECIPIENTS
    for key, value in person.items()
    if key in ("email", "password", "reset_token", "phonenumber", "ip", "host", "cardnum",
               "address1", "lastname", "orgno", "notes")
    and value not in ("", "N/A")
} | {DRAFT_PERSON_NAME})
SENSITIVE_VALUES = sorted(set(DRAFT_SENSITIVE_VALUES) | set(ACCOUNT_HOLDER.values()))

# "patch": answer with the call's data changed at dotted keys ({"data": {"raw.draft.price.setup": 500}});
# with "skip": true the call is not carried out and the data is only the patch.
# "omit": answer with the call's data without the dotted keys of "keys" (["orderId", "raw.checkout"]).
# "existing_invoice": answer HTTP 400 with existing_invoice and the VPS's unpaid invoice (as GET
# billing-cycle does, §4.2); HostUp does not document this answer on any other call.
FAULT_KINDS = ("status", "rate_limit", "html", "truncated", "success_false", "drop", "delay", "redirect", "trickle",
               "patch", "omit", "existing_invoice")
SCHEDULED = "Function has been scheduled for execution"


def _patched(data, patch):
    """``data`` with each dotted key of ``patch`` set (intermediate objects made as needed)."""
    data = copy.deepcopy(data)
    for dotted, value in patch.items():
        target = data
        keys = dotted.split(".")
        for key in keys[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[keys[-1]] = value
    return data


def _omitted(data, keys):
    """``data`` without each dotted key of ``keys`` (a key that is not there is no error)."""
    data = copy.deepcopy(data)
    for dotted in keys:
        target = data
        path = dotted.split(".")
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target.pop(path[-1], None)
    return data


def _documented_only(call, data):
    """The reply without every field HostUp's docs mark optional but those that make it that reply.

    Optional in the seed (vps-upgrade.txt): every ``data.*`` of the upgrade reply but
    ``data.raw`` and ``data.success``, and every ``data.raw.*`` but ``call``,
    ``server_time`` and ``success``. An estimate is described by ``estimate``,
    ``draftId``, ``prorated`` and its ``raw.draft`` (§5.3-5.4 [INFERRED]); an order is
    named by ``raw.order_id`` alone. The other calls have no optional field the
    collection could miss (§4.1, §4.2, §6).
    """
    if call not in ("estimate", "order") or not isinstance(data, dict):
        return data
    keep = {"estimate": ("success", "raw", "estimate", "draftId", "prorated"), "order": ("success", "raw")}[call]
    keep_raw = ("call", "server_time", "success") + {"estimate": ("draft",), "order": ("order_id",)}[call]
    kept = dict((key, value) for key, value in data.items() if key in keep)
    if isinstance(kept.get("raw"), dict):
        kept["raw"] = dict((key, value) for key, value in kept["raw"].items() if key in keep_raw)
    return kept


def utc_now():
    return datetime.datetime.now(tz=datetime.timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def amount(value):
    return "%.2f" % value


def whole(value):
    """An amount HostUp documents as an integer (data.recurring, data.credits): the int, or None
    when the amount has a fraction, which no integer holds (the optional field is then left out)."""
    return int(round(value)) if abs(value - round(value)) < 0.005 else None


def _without_none(data):
    return dict((key, value) for key, value in data.items() if value is not None)


# What GET /api/client-accounts lists besides the VPSes; GET /api/vps-accounts/{id} answers 404 for them.
USAGE_SUMMARY = {"capped": False, "current": {"data_received": 12.35, "data_sent": 3.27}, "current_unit": "GB",
                 "end": "2026-02-08", "lasttime": 1769766929, "log": {}}


def _service_entry(service_id, domain, cycle, status, total, next_due, product_id, name, kind, label=""):
    entry = {"id": str(service_id), "manual": "0", "domain": domain, "billingcycle": cycle, "qty": "1",
             "status": status, "total": amount(total), "next_due": next_due or "", "product_id": str(product_id),
             "name": name, "type": kind, "client_id": "30000", "currency_id": "0", "group_id": "0",
             "service_group_id": "0", "sort_order": "0", "label": label, "paytype": "Regular",
             "component_form_name": "", "component_value_name": "", "extra_details": []}
    entry.update(ACCOUNT_HOLDER)
    return entry


def _proxmox_id(vmid):
    return 1000 + vmid


def _vps_ip(vmid):
    # A loopback address: inventory hosts get it as ansible_host, so a play that forgets
    # delegate_to: localhost connects to this machine, never to another one.
    return "127.%d.%d.%d" % (vmid // 65536 % 256, vmid // 256 % 256, vmid % 256)


OTHER_SERVICES = [
    dict(_service_entry(12303, "kundholm-sim.example", "Free", "Active", 0, "", 101, "Webbhotell Start",
                        "Hosting"), extra_details={"usage": dict(USAGE_SUMMARY)}),
    _service_entry(12304, "kundholm-sim.example", "Annually", "Active", 149, "2027-01-15", 301, ".example domain",
                   "Domain"),
]


def _has_qty(option):
    """Whether HostUp orders the option by count or size (hasQty); list options are selects."""
    return option.get("type") not in ("select", "sshkeyselect")


def _number(value):
    return int(value) if float(value).is_integer() else value


def _existing_invoice_error(invoice):
    """The documented 400 of a pending unpaid invoice (§4.2: its fields; the text is inferred)."""
    return ApiError(400, EXISTING_INVOICE_MESSAGE, extra={
        "existing_invoice": True, "invoice_id": str(invoice["id"]),
        "order_id": str(invoice["order_id"]), "order_number": str(1693887344 + invoice["order_id"]),
        "invoice_status": "Unpaid", "total": amount(invoice["total"]),
        "date_created": invoice["date_created"]})


class Reply(object):
    """What the handler sends back: a status, headers and a body, or a dropped connection."""

    def __init__(self, status=200, body=b"", headers=None, drop=False, delay=0.0, trickle=0.0):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.drop = drop
        self.delay = delay
        self.trickle = trickle  # seconds between the bytes of the body


class ApiError(Exception):
    def __init__(self, status, message=None, extra=None, code=None):
        super(ApiError, self).__init__(message)
        self.status = status
        self.message = message
        self.extra = extra or {}
        self.code = code


class Simulator(object):
    """The state and behaviour of the fake HostUp; thread safe."""

    def __init__(self, seed=None, api_keys=None, fleet=0, latency=0.0, rate_limit=None, documented_only=False):
        if seed is None or isinstance(seed, str):
            with open(seed or DEFAULT_SEED) as handle:
                seed = json.load(handle)
        self._seed = copy.deepcopy(seed)
        self._extra_keys = dict((key, list(FULL_SCOPES)) for key in (api_keys or []))
        self._fleet = fleet
        self._lock = threading.RLock()
        self.latency = latency
        self.rate_limit = rate_limit
        self.apply_delay = 0.0
        self._documented_only = bool(documented_only)
        self.documented_only = self._documented_only
        self.apply_delays = {}
        self.reuse_drafts = False
        self.reset()

    # --- in-process control (tests) -------------------------------------------

    def reset(self):
        with self._lock:
            seed = copy.deepcopy(self._seed)
            self.products = seed["products"]
            self.options = seed["options"]
            self.annual_months = seed.get("annual_months", 10)
            self.currency = seed.get("currency", "SEK")
            self.api_keys = dict(seed.get("api_keys", {}))
            self.api_keys.update(self._extra_keys)
            self.vps = dict((int(v["vmid"]), v) for v in seed["vps"])
            for index in range(self._fleet):
                vmid = 20001 + index
                self.vps[vmid] = {
                    "vmid": vmid, "hostname": "fleet-%03d.sim.example" % (index + 1),
                    "product_id": "1937", "cycle": "m", "resources": {"2232": 40},
                    "autopay": True, "period_remaining": 0.5, "credits": 0,
                }
            for vps in self.vps.values():
                vps.setdefault("invoices", [])
                vps.setdefault("resources", {})
                vps.setdefault("status", "Active")
                vps.setdefault("next_due", "2026-12-10")
                vps.setdefault("period_remaining", 0.5)
                vps.setdefault("credits", 0)
                vps.setdefault("scheduled", [])
            self.apply_delay = 0.0
            self.documented_only = self._documented_only
            self.apply_delays = {}
            self.reuse_drafts = False
            self.drafts = {}
            self.faults = []
            self.log = []
            self._next_draft = 5257
            self._next_order = 34889
            self._next_invoice = 49526
            self._window = (0, 0)

    def add_fault(self, call, kind, vmid=None, times=1, **params):
        """Make the next ``times`` matching calls fail (``times=None``: every one)."""
        if call not in CALLS and call != "*":
            raise ValueError("unknown call %r; one of %s or *" % (call, ", ".join(CALLS)))
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r; one of %s" % (kind, ", ".join(FAULT_KINDS)))
        if kind == "redirect" and not isinstance(params.get("location"), str):
            # the redirect's Location header: without it the fault could answer nothing at all
            raise ValueError("the redirect fault needs location, the address the redirect points at "
                             "(like \"http://127.0.0.2:8080/\")")
        if kind == "redirect" and not 300 <= int(params.get("status", 302)) < 400:
            raise ValueError("the redirect fault's status must be a 3xx status, got %r" % params["status"])
        fault = dict(params, call=call, kind=kind, vmid=int(vmid) if vmid is not None else None, times=times)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self):
        with self._lock:
            self.faults = []

    def requests(self, call=None, vmid=None):
        with self._lock:
            return [copy.deepcopy(r) for r in self.log
                    if (call is None or r["call"] == call) and (vmid is None or r["vmid"] == vmid)]

    def ordering_requests(self, vmid=None):
        """Requests that can cost money: an upgrade with send=true, or a billing-cycle switch.

        One answered 429 is left out: HostUp refused it before anything happened.
        """
        return [r for r in self.requests(vmid=vmid)
                if r["call"] in ("order", "change_billing_cycle") and r["status"] != 429]

    def clear_requests(self):
        with self._lock:
            self.log = []

    def state(self, vmid):
        with self._lock:
            vps = self.vps.get(int(vmid))
            if vps is None:
                return None
            self._apply_due(vps)
            view = copy.deepcopy(vps)
            view["price"] = {c: self.price(vps, c) for c in CYCLE_LABELS}
            return view

    def pay_invoices(self, vmid):
        with self._lock:
            for invoice in self.vps[int(vmid)]["invoices"]:
                invoice["status"] = "Paid"

    def leave_invoice_unpaid(self, vmid, total=69.5):
        """Put an unpaid invoice on a VPS, as an order by someone else would."""
        with self._lock:
            return self._new_invoice(self.vps[int(vmid)], total, paid=False)

    # --- HTTP entry point -----------------------------------------------------

    def handle(self, method, path, headers, raw_body):
        if path.startswith("/_sim/"):
            return self._admin(method, path, raw_body)
        if self.latency:
            time.sleep(self.latency)
        request_id = str(uuid.uuid4())
        call, vmid, body, body_error = self._classify(method, path, raw_body)
        record = {
            "seq": None, "method": method, "path": path, "call": call, "vmid": vmid,
            "body": body, "status": None, "request_id": request_id,
            "user_agent": headers.get("User-Agent"),
            "auth": "x-api-key" if headers.get("X-API-Key") else (
                "bearer" if (headers.get("Authorization") or "").startswith("Bearer ") else None),
        }
        with self._lock:
            record["seq"] = len(self.log) + 1
            self.log.append(record)
        reply = self._respond(method, path, headers, call, vmid, body, body_error, request_id)
        record["status"] = "dropped" if reply.drop else reply.status
        return reply

    def _classify(self, method, path, raw_body):
        body, body_error = None, None
        if raw_body:
            try:
                body = json.loads(raw_body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                body_error = "Request body is not valid JSON"
        inventory_call = self._classify_inventory_read(method, path.split("?")[0])
        if inventory_call:
            return inventory_call + (body, body_error)
        match = re.match(r"^/api/vm/(\d+)/(details|billing-cycle|upgrade)$", path.split("?")[0])
        if not match:
            return None, None, body, body_error
        vmid, what = int(match.group(1)), match.group(2)
        if what == "details" and method == "GET":
            return "details", vmid, body, body_error
        if what == "billing-cycle":
            return ("billing_cycle" if method == "GET" else "change_billing_cycle"), vmid, body, body_error
        if what == "upgrade" and method == "POST":
            send = body.get("send") if isinstance(body, dict) else None
            return ("order" if send is True else "estimate"), vmid, body, body_error
        return None, vmid, body, body_error

    def _respond(self, method, path, headers, call, vmid, body, body_error, request_id):
        limited = self._rate_limited(request_id)
        if limited:
            return limited
        fault = self._take_fault(call, vmid)
        if fault and fault["kind"] in ("patch", "omit"):
            if fault.get("skip"):
                return self._success(_patched({}, fault.get("data") or {}), request_id)
            reply = self._process(method, path, headers, call, vmid, body, body_error, request_id)
            if reply.status == 200:
                envelope = json.loads(reply.body)
                if fault["kind"] == "patch":
                    envelope["data"] = _patched(envelope["data"], fault.get("data") or {})
                else:
                    envelope["data"] = _omitted(envelope["data"], fault.get("keys") or [])
                reply.body = json.dumps(envelope).encode()
            return reply
        if fault and fault["kind"] not in ("delay", "trickle") and not fault.get("after_apply"):
            return self._fault_reply(fault, call, request_id)
        reply = self._process(method, path, headers, call, vmid, body, body_error, request_id)
        if fault and fault["kind"] == "delay":
            reply.delay = float(fault.get("delay", 2.0))
        elif fault and fault["kind"] == "trickle":
            reply.trickle = float(fault.get("interval", 2.0))
        elif fault:
            # after_apply: the call took effect, then its answer is lost
            return self._fault_reply(fault, call, request_id)
        return reply

    def _process(self, method, path, headers, call, vmid, body, body_error, request_id):
        try:
            self._authorize(headers, call, body)
            if call is None:
                # [INFERRED] HostUp documents no answer for a path it does not serve (§2.1 lists the
                # API's own errors): a bare 404 without the API's envelope, as a router gives; no text
                return Reply(404, b"", {"Content-Type": "text/plain; charset=utf-8"})
            if body_error:
                raise ApiError(400)
            with self._lock:
                data = getattr(self, "_call_" + call)(vmid, body)
                if self.documented_only:
                    data = _documented_only(call, data)
            return self._success(data, request_id)
        except ApiError as error:
            return self._error_reply(error, request_id)

    # --- rate limit and faults ------------------------------------------------

    def _rate_limited(self, request_id):
        if not self.rate_limit:
            return None
        now = time.time()
        second = int(now)
        with self._lock:
            start, count = self._window
            if start != second:
                start, count = second, 0
            count += 1
            self._window = (start, count)
        if count <= self.rate_limit:
            return None
        reset_at = datetime.datetime.fromtimestamp(second + 1, tz=datetime.timezone.utc)
        return self._rate_limit_reply(request_id, retry_after=max(1, int(math.ceil(second + 1 - now))),
                                      reset_at=reset_at)

    def _rate_limit_reply(self, request_id, retry_after, reset_at=None):
        # retry_after may be any text (a date, "nan"): then the reset is a second away
        seconds = retry_after if isinstance(retry_after, (int, float)) and math.isfinite(retry_after) else 1
        reset_at = reset_at or utc_now() + datetime.timedelta(seconds=seconds or 1)
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit or 60),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": iso(reset_at),
        }
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        # The v1 429 body's fields and the headers are documented (§2.3); its strings are not [INFERRED].
        body = {"error": "Too Many Requests", "message": "Rate limit exceeded, slow down",
                "retryAfter": str(retry_after if retry_after is not None else 1), "requestId": request_id}
        return Reply(429, json.dumps(body).encode(), headers)

    def _take_fault(self, call, vmid):
        with self._lock:
            for fault in self.faults:
                if fault["call"] not in ("*", call):
                    continue
                if fault["vmid"] is not None and fault["vmid"] != vmid:
                    continue
                if fault["times"] is not None:
                    if fault["times"] <= 0:
                        continue
                    fault["times"] -= 1
                return dict(fault)
        return None

    def _fault_reply(self, fault, call, request_id):
        kind = fault["kind"]
        if kind == "drop":
            return Reply(drop=True)
        if kind == "redirect":
            return Reply(int(fault.get("status", 302)), b"", {"Location": fault["location"]})
        if kind == "rate_limit":
            return self._rate_limit_reply(request_id, fault.get("retry_after"))
        if kind == "html":
            status = int(fault.get("status", 502))
            page = ("<html><head><title>%d Bad Gateway</title></head><body><center><h1>%d Bad Gateway"
                    "</h1></center><hr><center>nginx</center></body></html>" % (status, status))
            return Reply(status, page.encode(), {"Content-Type": "text/html"})
        if kind == "truncated":
            whole = json.dumps({"success": True, "timestamp": iso(utc_now()), "requestId": request_id,
                                "data": {"message": "cut"}})
            return Reply(200, whole[:len(whole) // 2].encode())
        if kind == "success_false":
            # Hostile on purpose: HostUp documents no HTTP 200 with success false, nor this code.
            body = {"success": False, "code": fault.get("code", "UPSTREAM_ERROR"),
                    "message": fault.get("message", "HostBill rejected the call"),
                    "timestamp": iso(utc_now()), "requestId": request_id}
            return Reply(200, json.dumps(body).encode())
        if kind == "existing_invoice":
            with self._lock:
                vps = self.vps.get(fault["vmid"] if fault["vmid"] is not None else -1)
                unpaid = [i for i in (vps or {}).get("invoices", []) if i["status"] == "Unpaid"]
            invoice = unpaid[0] if unpaid else {"id": 49000, "order_id": 34000, "total": 69.5,
                                                "date_created": utc_now().strftime("%Y-%m-%d")}
            return self._error_reply(_existing_invoice_error(invoice), request_id)
        status = int(fault.get("status", 500))
        message = fault.get("message")
        if message is None and status == 500 and call == "change_billing_cycle":
            message = SWEDISH_CYCLE_ERROR  # the documented 500 of this call (§6)
        return self._error_reply(ApiError(status, message, code=fault.get("code")), request_id)

    # --- envelopes -------------------------------------------------------------

    def _success(self, data, request_id):
        body = {"success": True, "timestamp": iso(utc_now()), "requestId": request_id, "data": data}
        return Reply(200, json.dumps(body).encode())

    def _error_reply(self, error, request_id):
        title, code = ERROR_TITLES.get(error.status, ("Error", "ERROR"))
        message = error.message or ERROR_MESSAGES.get(error.status, title)
        body = {"error": title, "message": message, "code": error.code or code,
                "timestamp": iso(utc_now()), "requestId": request_id}
        body.update(error.extra)
        return Reply(error.status, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def _authorize(self, headers, call, body):
        key = headers.get("X-API-Key")
        bearer = headers.get("Authorization") or ""
        if not key and bearer.startswith("Bearer "):
            key = bearer[len("Bearer "):]
        if not key or key not in self.api_keys:
            raise ApiError(401)
        if call is None:
            return
        needed = list(SCOPES[call])
        if call in ("estimate", "order") and isinstance(body, dict) and body.get("resources"):
            needed.append("write:vm")
        missing = [scope for scope in needed if scope not in self.api_keys[key]]
        if missing:
            raise ApiError(403)  # scopes and their 403: §1 [INFERRED for v1]

    # --- prices -----------------------------------------------------------------

    def _vps(self, vmid):
        vps = self.vps.get(vmid)
        if vps is None:
            raise ApiError(404)
        self._apply_due(vps)
        return vps

    def _apply_due(self, vps):
        """Carry out the scheduled changes whose time has come (HostUp applies orders later)."""
        now = time.time()
        for when, change in list(vps["scheduled"]):
            if when <= now:
                vps.update(change)
                vps["scheduled"].remove((when, change))

    def _schedule(self, vps, change):
        """Apply each part of ``change`` now, or after its delay: apply_delays[part], else apply_delay.

        The VPS's own settings come before the simulator's.
        """
        delays = dict(self.apply_delays, **(vps.get("apply_delays") or {}))
        default = float(vps.get("apply_delay", self.apply_delay) or 0.0)
        for key, value in change.items():
            delay = float(delays.get(key, default) or 0.0)
            if delay <= 0:
                vps[key] = value
            else:
                vps["scheduled"].append((time.time() + delay, {key: value}))

    def apply_now(self, vmid):
        """Carry out the VPS's scheduled changes at once (HostUp got round to them)."""
        with self._lock:
            vps = self.vps[int(vmid)]
            for when, change in sorted(vps["scheduled"], key=lambda item: item[0]):
                vps.update(change)
            vps["scheduled"] = []

    def price(self, vps, cycle, product_id=None, resources=None):
        """Recurring price of a configuration for a cycle; the one pricing rule.

        An option ordered by count or size costs its unit price for each unit above the
        units the product includes (the seed's 2404: "7 backups is included"), so values
        within the included units all cost the same.
        """
        product = self.products[product_id or vps["product_id"]]
        monthly = float(product["monthly"])
        for option_id, value in (vps["resources"] if resources is None else resources).items():
            option = self.options.get(str(option_id), {})
            if not _has_qty(option) or not isinstance(value, int):
                continue
            included = option.get("included", 0)
            if isinstance(included, str):
                included = product[included]
            monthly += option.get("monthly_per_unit", 0.0) * max(0, value - included)
        return round(monthly * (self.annual_months if cycle == "a" else 1), 2)

    def _quote(self, vps, change):
        """What a change costs: due now (prorated) and the new recurring price."""
        old_cycle = vps["cycle"]
        new_cycle = change.get("cycle") or old_cycle
        resources = dict(vps["resources"])
        resources.update(change.get("resources") or {})
        product_id = change.get("package") or vps["product_id"]
        old_price = self.price(vps, old_cycle)
        new_price = self.price(vps, new_cycle, product_id, resources)
        remaining = vps["period_remaining"]
        if new_cycle == old_cycle:
            prorated = remaining * (new_price - old_price)
        else:
            prorated = new_price - remaining * old_price
        prorated = round(prorated, 2)
        credits = round(min(float(vps["credits"]), max(prorated, 0.0)), 2)
        return {"prorated": prorated, "credits": credits, "total": round(prorated - credits, 2),
                "recurring": new_price, "cycle": new_cycle, "package": product_id, "resources": resources}

    def _draft_body(self, draft_id, vps, quote):
        """An order draft with every key the seed lists for ``data.raw.draft`` (and no other).

        Its price blocks are keyed by the cycle code the draft is for (the seed's example is
        a monthly draft, keyed ``m``). Its people are the fake recipients.
        """
        cycle = quote["cycle"]
        product = self.products[quote["package"]]
        recurring = amount(quote["recurring"])
        now = utc_now()
        period_from = now.strftime("%Y-%m-%d")
        period_to = (now + datetime.timedelta(days=364 if cycle == "a" else 30)).strftime("%Y-%m-%d")
        price_block = {"cost": amount(quote["prorated"]), "discount": "0.00", "discount_details": [],
                       "recurring": {cycle: recurring}, "recurring_cost": {cycle: recurring},
                       "recurring_discount": {cycle: "0.00"}, "setup": 0}
        service = {
            "_category_name": "Regular Compute", "_name": product["name"], "account_id": str(vps["vmid"]),
            "addons": [], "billingtype": "PrePay", "category": self._category(), "category_id": "2",
            "category_name": "Regular Compute", "config": [], "contract_id": "0", "customdata": "",
            "customizations": self._customizations(quote["package"]), "cycle": cycle, "domain": "",
            "domainoptions": {"allowownoutside": False, "hostname": False, "owndomain": False,
                              "owndomainwithus": False, "register": "0", "subdomain": ""},
            "full_month": 0, "id": quote["package"], "name": product["name"],
            "order_date": now.strftime("%Y-%m-%d %H:%M:%S"), "p_options": 0, "parent_id": 0,
            "period": {"from": period_from, "to": period_to},
            "price": _number(quote["recurring"]), "price_today": _number(quote["recurring"]), "product": {},
            "product_id": quote["package"], "prorata_amount": False, "prorata_date": False, "qty": 1,
            "recurring": cycle, "service_id": 1, "setup": 0, "tax": "1", "tax_group_id": "1",
            "total": dict(price_block, total=quote["prorated"]),
        }
        return {
            "addons": [], "affiliate_id": 0, "available_recipients": copy.deepcopy(FAKE_RECIPIENTS),
            "client_id": 30000, "commitment_date": "", "contract_id": "",
            "currency": {"code": "kr", "decimal": "2", "format": "1 234,56", "id": 0, "iso": self.currency,
                         "rate": 1, "rounding": "2", "rounding_mode": "HALF_UP", "sign": ""},
            "customizations": [], "date": now.strftime("%Y-%m-%d %H:%M:%S"), "discount": "",
            "dom_customizations": [], "domains": [], "estimate_id": "0", "id": draft_id,
            "metadata": {"draft_currency_id": "0"}, "module": 0,
            "options": {"confirm_email": True, "generate_invoice": True, "override_recipients": False,
                        "send_invoice": True},
            "price": dict(price_block, total=amount(quote["prorated"]), total_cost=quote["prorated"]),
            "scenario_id": 0, "services": {"1": service}, "staff_member_id": 0,
        }

    @staticmethod
    def _category():
        description = "Includes a good amount of RAM relative to CPU"
        return {
            "contains": "products", "ctype": "onestep", "description": description, "id": "2", "module": "0",
            "name": DRAFT_PERSON_NAME,  # the seed shows a person's name here
            "opconfig": {"country_flag": "none", "headertext": "Regular Compute", "hide_client_notes": 0,
                         "hide_product_choosing": "1", "imgpreview": {}, "productfeatures": {}, "ribbon": "-1",
                         "ribbon_color": "26b35e", "ribbon_text": "Best Value", "scroll_to_configuration": "1",
                         "show_cycles_in_summary": 0, "show_features": "1", "show_parent_category_contents": "1",
                         "show_reccuring_price_instead_today": "1", "simple_field_for_registering": 0,
                         "subheadertext": description},
            "parent_id": "40", "ptype": "3", "scenario_id": "1", "slug": "regular-compute", "sort_order": "2",
            "tag_description": description, "tag_name": "Regular Compute", "template": "onestep_cloud_2019",
            "visible": "1",
        }

    def _customizations(self, product_id):
        """Every option of the product, with the keys the seed lists for each; no option's value.

        HostUp's draft describes an option (hasQty, type, ftype, its texts), never the value
        the draft or the VPS holds. An option the seed does not list (2231, which its request
        example orders) is left out here too.
        """
        described = {}
        for option_id, option in sorted(self.options.items()):
            if option.get("listed", True) is False:
                continue
            name = DRAFT_PERSON_NAME if option_id in OPTIONS_NAMED_AFTER_A_PERSON else option.get("name", "")
            entry = {
                "_description": option.get("description", ""), "_name": name, "admin_access": "",
                "admin_description": "", "admin_team_access": "", "category": option.get("category", ""),
                "config": {}, "configtemplates": {}, "copy_of": option_id, "currency_checked": True,
                "description": option.get("description", ""), "ftype": option["type"], "group_id": "0",
                "hasQty": _has_qty(option), "id": option_id, "items": {}, "key": option.get("key", ""),
                "name": name, "options": option.get("count", len(option.get("items") or ())),
                "product_id": product_id, "required": 0, "sort_order": str(option.get("sort_order", 0)),
                "type": option["type"], "typeconf": {}, "variable": option.get("variable", ""),
            }
            if option["type"] == "sshkeyselect":
                entry.update(client_id=30000, ssh_keys=[])
            described[option_id] = entry
        return described

    # --- the four calls ---------------------------------------------------------

    def _call_details(self, vmid, body):
        vps = self._vps(vmid)
        product = self.products[vps["product_id"]]
        price = self.price(vps, vps["cycle"])
        resources = vps["resources"]
        return {
            "id": str(vmid), "product_id": vps["product_id"], "product_name": product["name"],
            "hostname": vps["hostname"], "status": vps["status"], "created": "2025-04-10",
            "order_id": str(vps.get("order_id", 30000 + vmid % 1000)),
            "billingcycle": CYCLE_LABELS[vps["cycle"]],
            "price": price, "total": price, "firstpayment": price, "next_due": vps["next_due"],
            "cpu": product["cpu"], "ram": product["ram"],
            "disk": max(resources.get("2232", 0), product["disk"]) + resources.get("2210", 0),
            "bandwidth_limit": max(resources.get("2211", 0), product["bandwidth"]),
            "bandwidth_usage": {"data_received": 1234567, "data_sent": 7654321},
            "usage_log": {},
        }

    def _call_billing_cycle(self, vmid, body):
        vps = self._vps(vmid)
        unpaid = self._unpaid_invoice(vps)
        if unpaid:
            raise _existing_invoice_error(unpaid)  # the documented 400 of this call (§4.2)
        cycles = []
        for code, label in CYCLE_LABELS.items():
            cycles.append({"id": code, "name": label, "price": amount(self.price(vps, code)),
                           "isCurrent": code == vps["cycle"], "billingCycle": label})
        return {"current": vps["cycle"], "currentName": CYCLE_LABELS[vps["cycle"]], "cycles": cycles,
                "productId": vps["product_id"], "accountId": str(vmid)}

    def _call_change_billing_cycle(self, vmid, body):
        vps = self._vps(vmid)
        cycle = body.get("cycle") if isinstance(body, dict) else None
        if cycle not in CYCLE_LABELS:
            raise ApiError(400)  # HostUp documents only 200 and 500 here; a 400 is §10 [INFERRED]
        # HostUp documents no unpaid-invoice answer on this call (the fault existing_invoice gives one).
        quote = self._quote(vps, {"cycle": cycle})
        if cycle != vps["cycle"]:
            self._use_credit(vps, quote)
        if cycle != vps["cycle"] and quote["total"] > 0:
            self._new_invoice(vps, quote["total"], paid=self._autopay(vps, quote["total"]))
        price = self.price(vps, cycle)
        self._schedule(vps, {"cycle": cycle})
        info = ["Account #%d changes saved" % vmid] + ([SCHEDULED] if vps["scheduled"] else [])
        # total: the new price per period [INFERRED, §6 notes]; HostUp does not say what it is.
        return {"success": True, "message": "Billing cycle changed successfully", "newCycle": CYCLE_LABELS[cycle],
                "total": amount(price), "info": info}

    def _call_estimate(self, vmid, body):
        vps = self._vps(vmid)
        if isinstance(body, dict) and body.get("draftId") is not None:
            draft = self._draft(vmid, body["draftId"])
            quote = draft["quote"]
        else:
            quote = self._quote(vps, self._change(body))
            draft = self._new_draft(vps, quote)
        # The estimate flow and its fields: §5.3-5.4 [INFERRED]; types as the seed's schema.
        return _without_none({
            "success": True, "estimate": True,
            "prorated": quote["prorated"], "credits": whole(quote["credits"]), "total": amount(quote["total"]),
            "recurring": whole(quote["recurring"]), "draftId": draft["id"],
            "raw": {"success": True, "call": "getOrderDraft", "server_time": int(time.time()),
                    "draft": self._draft_body(draft["id"], vps, quote)},
        })

    def _call_order(self, vmid, body):
        vps = self._vps(vmid)
        draft = None
        if body.get("draftId") is not None:
            draft = self._draft(vmid, body["draftId"])
            quote = draft["quote"]
        else:
            change = self._change(body)
            quote = self._quote(vps, change)
        # HostUp documents no unpaid-invoice answer on this call (the fault existing_invoice gives one).
        self._use_credit(vps, quote)
        self._schedule(vps, {"product_id": quote["package"], "cycle": quote["cycle"], "resources": quote["resources"]})
        order_id, order_num = self._next_order, 1693887344 + self._next_order
        self._next_order += 1
        invoice = (self._new_invoice(vps, quote["total"], paid=self._autopay(vps, quote["total"]))
                   if quote["total"] > 0 else None)
        invoice_id = invoice["id"] if invoice else 0
        data = _without_none({
            "success": True, "upgraded": True, "message": "Upgrade request submitted successfully",
            "orderId": order_id, "orderNum": order_num,
            "invoiceId": str(invoice_id) if invoice_id else None,  # a string; none when nothing is to pay
            "total": amount(quote["total"]), "recurring": whole(quote["recurring"]),
        })
        data["redirectUrl"] = "/billing?invoice=%d" % invoice_id if invoice_id else None
        if draft:
            draft["status"] = "ordered"
            # An order of a draft names its order in raw.order_id (documented, optional) [INFERRED
            # which calls carry it, §5.2]; no checkout, which is the shape of a direct order.
            data["raw"] = {"success": True, "call": "convertOrderDraft", "order_id": order_id,
                           "server_time": int(time.time()), "info": [SCHEDULED],
                           "draft": self._draft_body(draft["id"], vps, quote)}
        else:
            only_resources = set(body) - {"send"} == {"resources"}
            data["raw"] = {"success": True, "call": "orderConfigUpgrade" if only_resources else "orderUpgrade",
                           "server_time": int(time.time()), "info": [SCHEDULED],
                           "checkout": {"invoice_id": invoice_id, "total": amount(quote["total"]), "gateway": "16",
                                        "order_id": order_id, "order_num": order_num,
                                        "newtotal": amount(quote["recurring"])}}
            if self.documented_only:
                data["raw"]["order_id"] = order_id  # what is left of the order's name once the checkout goes
        return data

    # --- the inventory's reads: the account's services, one VPS ---------------------

    @staticmethod
    def _classify_inventory_read(method, route):
        if method != "GET":
            return None
        if route == "/api/client-accounts":
            return "client_accounts", None
        match = re.match(r"^/api/vps-accounts/(\d+)$", route)
        return ("vps_account", int(match.group(1))) if match else None

    def _call_client_accounts(self, vmid, body):
        accounts = [self._vps_service(self.vps[key]) for key in sorted(self.vps)]
        return {"accounts": accounts + copy.deepcopy(OTHER_SERVICES)}

    def _vps_service(self, vps):
        """A VPS as GET /api/client-accounts lists it: strings, usage under extra_details.usage.vmdata."""
        details = self._call_details(vps["vmid"], None)
        entry = _service_entry(vps["vmid"], details["hostname"], details["billingcycle"], details["status"],
                               details["price"], details["next_due"], details["product_id"],
                               details["product_name"], "Cloud", vps.get("label", ""))
        entry["extra_details"] = {"usage": dict(USAGE_SUMMARY, vmdata={str(_proxmox_id(vps["vmid"])): {
            "uptime": 864000, "netin": 1234567, "netout": 7654321, "hourly": [], "rate": "0",
            "lasttime": 1769766929, "total": {"data_received": 1.23, "data_sent": 7.65}, "reboot_log": []}})}
        return entry

    def _call_vps_account(self, vmid, body):
        vps = self._vps(vmid)
        details = self._call_details(vmid, None)
        monthly = self.price(vps, "m")
        return {"vps_account": {
            "id": str(vmid), "name": details["hostname"], "ip": vps.get("ip", _vps_ip(vmid)),
            "status": details["status"], "vmStatus": "running",
            "bandwidth": {"used": 8.88, "limit": details["bandwidth_limit"], "inbound": 1.23, "outbound": 7.65},
            "proxmoxVmId": _proxmox_id(vmid), "os": vps.get("os", "Ubuntu 24.04"),
            "resources": {"cpu": details["cpu"], "ram": details["ram"], "storage": details["disk"]},
            "price": details["price"], "billingCycle": details["billingcycle"], "currency": self.currency,
            "created": details["created"],
            "pricing": {"currency": self.currency,
                        "billingCycle": {"id": vps["cycle"], "months": 12 if vps["cycle"] == "a" else 1,
                                         "raw": details["billingcycle"], "isFree": False},
                        "pricePerCycle": details["price"], "baseMonthlyCost": monthly,
                        "baseAnnualCost": self.price(vps, "a"), "addonsMonthlyCost": 0, "addonsAnnualCost": 0,
                        "totalMonthlyCost": monthly, "totalAnnualCost": self.price(vps, "a"), "addons": []},
            "tags": [],
        }}

    # --- helpers of the calls ---------------------------------------------------

    def _change(self, body):
        # Every refusal of a body is a 400 with the documented text (§2.1); HostUp documents
        # no error of this call (§5.4 [INFERRED]).
        if not isinstance(body, dict) or not isinstance(body.get("send"), bool):
            raise ApiError(400)
        change = {}
        if body.get("package") is not None:
            if str(body["package"]) not in self.products:
                raise ApiError(400)
            change["package"] = str(body["package"])
        if body.get("cycle") is not None:
            if body["cycle"] not in CYCLE_LABELS:
                raise ApiError(400)
            change["cycle"] = body["cycle"]
        if body.get("resources") is not None:
            change["resources"] = self._resources(body["resources"])
        if not change:
            raise ApiError(400)
        return change

    def _resources(self, resources):
        if not isinstance(resources, dict):
            raise ApiError(400)
        checked = {}
        for option_id, value in resources.items():
            option = self.options.get(str(option_id))
            if option is None:
                raise ApiError(400)
            if not _has_qty(option):
                items = option.get("items")
                if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "" or (
                        items and str(value) not in items):
                    raise ApiError(400)
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ApiError(400)
            checked[str(option_id)] = value
        return checked

    def _new_draft(self, vps, quote):
        draft = {"id": self._next_draft, "vmid": vps["vmid"], "quote": quote, "status": "draft"}
        self.drafts[draft["id"]] = draft
        self._next_draft += 1
        return draft

    def _draft(self, vmid, draft_id):
        try:
            draft = self.drafts.get(int(draft_id))
        except (TypeError, ValueError):
            draft = None
        if draft is None or draft["vmid"] != vmid or (draft["status"] != "draft" and not self.reuse_drafts):
            raise ApiError(404)  # an unknown or used draft: §10 [INFERRED], HostUp documents none
        return draft

    def _autopay(self, vps, total):
        """Whether an invoice is paid at once (autopay). Account credit was already used by the quote:
        ``_use_credit`` takes it from the account, so an order the credit covers leaves no invoice."""
        return bool(vps["autopay"])

    def _use_credit(self, vps, quote):
        vps["credits"] = round(float(vps["credits"]) - quote["credits"], 2)

    def _new_invoice(self, vps, total, paid):
        invoice = {"id": self._next_invoice, "order_id": self._next_order - 1, "total": round(total, 2),
                   "status": "Paid" if paid else "Unpaid", "date_created": utc_now().strftime("%Y-%m-%d")}
        self._next_invoice += 1
        vps["invoices"].append(invoice)
        return invoice

    @staticmethod
    def _unpaid_invoice(vps):
        unpaid = [invoice for invoice in vps["invoices"] if invoice["status"] == "Unpaid"]
        return unpaid[0] if unpaid else None

    # --- admin routes -----------------------------------------------------------

    def _admin(self, method, path, raw_body):
        try:
            body = json.loads(raw_body.decode("utf-8")) if raw_body else {}
        except ValueError:
            return Reply(400, b'{"error": "admin body must be JSON"}')
        route = path.split("?")[0]
        try:
            result = self._admin_route(method, route, body)
        except (KeyError, ValueError, TypeError) as error:
            return Reply(400, json.dumps({"error": str(error)}).encode())
        if result is None:
            return Reply(404, b'{"error": "no such admin route"}')
        return Reply(200, json.dumps(result).encode())

    def _admin_route(self, method, route, body):
        vps_match = re.match(r"^/_sim/vps/(\d+)(/pay|/apply)?$", route)
        if route == "/_sim/requests" and method == "GET":
            return self.requests()
        if route == "/_sim/requests" and method == "DELETE":
            self.clear_requests()
            return {"ok": True}
        if route == "/_sim/faults" and method == "POST":
            return self.add_fault(**body)
        if route == "/_sim/faults" and method == "DELETE":
            self.clear_faults()
            return {"ok": True}
        if route == "/_sim/settings" and method == "POST":
            if "latency_ms" in body:
                self.latency = float(body["latency_ms"]) / 1000.0
            if "rate_limit" in body:
                self.rate_limit = body["rate_limit"] or None
            if "apply_delay" in body:
                self.apply_delay = float(body["apply_delay"] or 0.0)
            if "documented_only" in body:
                self.documented_only = bool(body["documented_only"])
            if "apply_delays" in body:
                self.apply_delays = dict((str(k), float(v or 0.0)) for k, v in (body["apply_delays"] or {}).items())
            if "reuse_drafts" in body:
                self.reuse_drafts = bool(body["reuse_drafts"])
            return {"latency_ms": self.latency * 1000.0, "rate_limit": self.rate_limit,
                    "apply_delay": self.apply_delay, "apply_delays": self.apply_delays,
                    "reuse_drafts": self.reuse_drafts, "documented_only": self.documented_only}
        if route == "/_sim/reset" and method == "POST":
            self.reset()
            return {"ok": True}
        if vps_match and vps_match.group(2) and method == "POST":
            if vps_match.group(2) == "/pay":
                self.pay_invoices(int(vps_match.group(1)))
            else:
                self.apply_now(int(vps_match.group(1)))
            return self.state(int(vps_match.group(1)))
        if vps_match and method == "GET":
            return self.state(int(vps_match.group(1)))
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HostUpSimulator/1.0"
    # Headers and body leave in two writes; with Nagle on, the body of every answer
    # after the first on a kept-alive connection waits for the client's delayed ACK
    # (40 ms on Linux), which would make clients that reuse connections look slow.
    disable_nagle_algorithm = True

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        reply = self.server.simulator.handle(self.command, self.path, self.headers, raw_body)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.headers.pop("Content-Type", "application/json; charset=utf-8"))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.trickle:
            for index in range(len(reply.body)):
                self.wfile.write(reply.body[index:index + 1])
                time.sleep(reply.trickle)
        else:
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            sys.stderr.write("sim: " + (format % args) + "\n")


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, simulator, port=0, verbose=False):
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", port), _Handler)
        self.simulator = simulator
        self.verbose = verbose

    def handle_error(self, request, client_address):
        # A client that gave up on a delayed or dropped answer is part of the test, not an error.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        ThreadingHTTPServer.handle_error(self, request, client_address)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def start(self):
        """Serve in a background thread (for tests); returns self."""
        thread = threading.Thread(target=self.serve_forever, name="hostup-simulator", daemon=True)
        thread.start()
        return self


def main(argv=None):
    parser = argparse.ArgumentParser(description="HostUp API simulator (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    parser.add_argument("--seed", default=DEFAULT_SEED, help="JSON file with products, options and VPSes")
    parser.add_argument("--api-key", action="append", default=[], help="accept this key with every scope")
    parser.add_argument("--fleet", type=int, default=0, help="add this many VPSes, vmid 20001 and up")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay every API answer this long")
    parser.add_argument("--rate-limit", type=int, default=None, help="allow this many API requests a second")
    parser.add_argument("--documented-only", action="store_true",
                        help="leave out every optional field HostUp's docs do not make part of a reply")
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    simulator = Simulator(args.seed, api_keys=args.api_key, fleet=args.fleet,
                          latency=args.latency_ms / 1000.0, rate_limit=args.rate_limit,
                          documented_only=args.documented_only)
    server = SimulatorServer(simulator, args.port, verbose=args.verbose)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as handle:
            handle.write(str(server.server_address[1]))
        os.rename(args.port_file + ".tmp", args.port_file)
    print("HostUp simulator listening on %s" % server.url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

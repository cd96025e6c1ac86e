# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The estimate: HostUp's price of a change (``send: false``), the draft that holds it, and its checks.

PRIVATE to this collection: names here may change in any release.

An upgrade reply's ``raw.draft`` holds other customers' personal data
(passwords, card numbers, addresses). Only named, non-personal keys of it are
read here (the price, the currency, each service's account, product, cycle and
options); nothing else of a draft leaves this file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import ident, money, positive_int, same_amount
from ansible_collections.hostup.cloud.plugins.module_utils.vps import (
    CYCLE_NAMES,
    api_path,
    cycle_code,
    cycle_name,
    hint_not_found,
)

ESTIMATE_FORBIDDEN_STATUS = 403
# raw.call values that name an order, not a draft (getOrderDraft)
ORDERING_CALLS = ("orderUpgrade", "orderConfigUpgrade", "convertOrderDraft")


class Quote(object):
    """One estimate: ``figures`` (the whitelisted RV(estimate)) and ``draft`` (what the draft holds).

    ``as_sent`` keeps how HostUp wrote each amount, so that an unreadable one can
    be named in an error.
    """

    def __init__(self, figures, draft, as_sent):
        self.figures = figures
        self.draft = draft
        self.as_sent = as_sent


def estimate_change(client, vmid, body, cycle):
    """Ask HostUp what a change costs (``send: false`` orders nothing); a Quote.

    A reply that is not an estimate (``estimate: false``, ``success: false``, or one
    naming an order) is an error: HostUp may have ordered, so nothing may follow it.
    """
    path = api_path(vmid, "upgrade")
    try:
        data = client.estimate(path, dict(body, send=False))
    except HostUpError as error:
        if error.status == ESTIMATE_FORBIDDEN_STATUS:
            error.hint = render("hint.estimate_scope")
        raise hint_not_found(error, draft_id=body.get("draftId"))
    why = _not_an_estimate(data)
    if why:
        error = client.unexpected_reply("POST", path, "reply.not_estimate", hint=render("hint.not_estimate"), why=why)
        error.details = order_named(data)  # returned as api_error.details, and kept in the order ledger
        raise error
    return quote_from_reply(data, cycle)


def _not_an_estimate(data):
    """Why a reply to ``send: false`` is not a plain estimate, but may be an order; None when it is an estimate."""
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    if data.get("estimate") is False:
        return "estimate: false"
    if data.get("success") is False:
        message = data.get("message")
        return "success: false" + (": %s" % message if isinstance(message, str) and message else "")
    named = order_named(data)
    for what in ("order_id", "invoice_id"):
        if named[what] is not None:
            return "it names %s %s" % (what.replace("_id", ""), named[what])
    if raw.get("checkout") is not None:
        return "it carries an order's checkout (raw.checkout)"
    if raw.get("call") in ORDERING_CALLS:
        return "raw.call is %s, an ordering call" % raw["call"]
    return None


def order_named(data):
    """The order and invoice ids a reply names, wherever HostUp puts them (None where it names none)."""
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    checkout = raw.get("checkout") if isinstance(raw.get("checkout"), dict) else {}
    order_id = [ident(value) for value in (data.get("orderId"), raw.get("order_id"), checkout.get("order_id"))]
    invoice_id = [ident(value) for value in (data.get("invoiceId"), checkout.get("invoice_id"))]
    return {"order_id": next((i for i in order_id if i), None), "invoice_id": next((i for i in invoice_id if i), None)}


def quote_from_reply(data, cycle):
    """The price figures and draft facts of an upgrade reply (``send: false``)."""
    draft_price = _draft_section(data, "price")
    recurring = data.get("recurring")
    if recurring is None:
        recurring = (draft_price.get("recurring") or {}).get(cycle_code(cycle)) if cycle in CYCLE_NAMES else None
    figures = {
        "draft_id": positive_int(data.get("draftId")),
        "prorated": money(data.get("prorated")),
        "credits": money(data.get("credits")) or 0.0,
        "recurring": money(recurring),
        "total": money(data.get("total", draft_price.get("total"))),
        "currency": _draft_currency(data),
    }
    figures["due_now"], unreadable = charged_now(data, draft_price)
    as_sent = {"due_now": unreadable, "prorated": _as_sent(data.get("prorated")), "recurring": _as_sent(recurring),
               "draft_id": _as_sent(data.get("draftId"))}
    return Quote(figures, draft_facts(data), as_sent)


def charged_now(data, draft_price):
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
            "account_id": ident(service.get("account_id")),
            "product_id": ident(service.get("product_id")),
            "cycle": cycle_name(_scalar(service.get("cycle") or service.get("recurring"))),
            "options": options,
        })
    return {"draft_id": positive_int(data.get("draftId")), "services": services}


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
        problems = [render("draft.other_service", draft_id=number,
                           whom="VPS %s" % s["account_id"] if s["account_id"] else "no existing VPS (a new order)")
                    for s in services if s["account_id"] != str(vmid)]
    else:
        problems = [render("draft.other_vps", draft_id=number, vmid=vmid,
                           accounts=" and ".join(accounts) if accounts else "that the draft does not name")]
    service = ours[0] if ours else {"product_id": None, "cycle": None, "options": {}}
    for name, label, value in (("package", "package", service["product_id"]),
                               ("cycle", "billing cycle", service["cycle"])):
        wanted, why = expected.get(name) or (None, None)
        if wanted is not None and value != wanted:
            problems.append(render("draft.other_value", draft_id=number, label=label, held=value or "unknown",
                                   why=why, name=name, wanted=wanted))
    for option_id, value in sorted((resources or {}).items()):
        held = service["options"].get(str(option_id), {}).get("value")
        if held is not None and str(held) != str(value):
            problems.append(render("draft.other_option", draft_id=number, held=held, option_id=option_id,
                                   value=value))
    return problems


def no_price_difference(quote, recurring_now):
    """Whether the estimate charges nothing now and leaves the recurring price as it is."""
    figures = quote.figures
    return (same_amount(figures["prorated"], 0.0) and same_amount(figures["due_now"], 0.0)
            and same_amount(figures["recurring"], recurring_now))


def resources_shown(estimate, resources, recurring_now):
    """Whether HostUp's estimates show the VPS has ``resources``: (True, False or None, the estimate).

    ``estimate(resources)`` prices a change of options (a Quote). A price difference
    means the VPS does not have them (False). Without one, only options ordered by
    count or size (``hasQty`` in the draft) prove anything, each on its own (two
    options can change in opposite directions for the same price): True when they
    all show no difference. None when an option could differ at no cost (a list
    option, a free option, one the draft does not describe): nobody can tell.
    """
    quote = estimate(resources)
    if not no_price_difference(quote, recurring_now):
        return False, quote
    kinds = option_kinds(quote, resources)
    if any(not quantity for quantity in kinds.values()):
        return None, quote
    if len(resources) > 1:
        for option_id, value in sorted(resources.items()):
            if not no_price_difference(estimate({option_id: value}), recurring_now):
                return False, quote
    return True, quote


def option_kinds(quote, resources):
    """option id -> True (count or size), False (list option), None (the draft does not say)."""
    kinds = dict((option_id, None) for option_id in resources)
    for service in quote.draft["services"]:
        for option_id in resources:
            known = service["options"].get(option_id)
            if known and known["quantity"] is not None:
                kinds[option_id] = known["quantity"]
    return kinds


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


def _draft_section(data, key):
    # Only named, non-personal sections of the draft (price, currency, services) are
    # read; the draft's people never are.
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    draft = raw.get("draft") if isinstance(raw.get("draft"), dict) else {}
    section = draft.get(key)
    return section if isinstance(section, dict) else {}


def _draft_currency(data):
    iso = _draft_section(data, "currency").get("iso")
    return iso if isinstance(iso, str) and iso.isalpha() and len(iso) == 3 else None

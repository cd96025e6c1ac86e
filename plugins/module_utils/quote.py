# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The estimate: HostUp's price of a change (``send: false``), the draft that holds it, and its checks.

PRIVATE to this collection: names here may change in any release.

An upgrade reply's ``raw.draft`` holds other customers' personal data
(passwords, card numbers, addresses), and its free text can too (HostUp's own
example shows a person's name as an option's ``name``). Only named, non-personal
keys of it are read here (the price, the currency, each service's account,
product and cycle, each option's ``hasQty``/``type``/``ftype`` and its machine
name ``variable``, kept only when it is a lowercase identifier); no free text
of a draft leaves this file.

HostUp's draft describes each option of the product, never the value the draft
holds for it: what a draft orders is known only from its service's account,
product and cycle, and from its prices.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import ident, money, positive_int, same_amount, show_amount
from ansible_collections.hostup.cloud.plugins.module_utils.text import option_label
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
        elif error.status == 400 and error.hint is None and not error.details.get("existing_invoice") and (
                body.get("package") is not None or body.get("resources")):
            # HostUp's 400 does not say which id it refused; where valid ids come from is what helps
            error.hint, error.reason = render("estimate.unknown_ids"), "estimate.unknown_ids"
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
    if data.get("upgraded") is True:  # documented in the same reply: HostUp says it upgraded
        return "upgraded: true"
    if data.get("success") is False:
        message = data.get("message")
        return "success: false" + (": %s" % message if isinstance(message, str) and message else "")
    named = order_named(data)
    for what, name in (("order_id", "order"), ("order_num", "order number"), ("invoice_id", "invoice")):
        if named[what] is not None:
            return "it names %s %s" % (name, named[what])
    if raw.get("checkout") is not None:
        return "it carries an order's checkout (raw.checkout)"
    if raw.get("call") in ORDERING_CALLS:
        return "raw.call is %s, an ordering call" % raw["call"]
    return None


def order_named(data):
    """The order id, order number and invoice id a reply names, wherever HostUp puts them (None where it names none)."""
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    checkout = raw.get("checkout") if isinstance(raw.get("checkout"), dict) else {}
    order_id = [ident(value) for value in (data.get("orderId"), raw.get("order_id"), checkout.get("order_id"))]
    order_num = [ident(value) for value in (data.get("orderNum"), checkout.get("order_num"))]
    invoice_id = [ident(value) for value in (data.get("invoiceId"), checkout.get("invoice_id"))]
    return {"order_id": next((i for i in order_id if i), None), "order_num": next((i for i in order_num if i), None),
            "invoice_id": next((i for i in invoice_id if i), None)}


def quote_from_reply(data, cycle):
    """The price figures and draft facts of an upgrade reply (``send: false``)."""
    draft_price = _draft_section(data, "price")
    recurring, recurring_sent = _recurring(data, draft_price, cycle)
    figures = {
        "draft_id": positive_int(data.get("draftId")),
        "prorated": money(data.get("prorated")),
        "credits": money(data.get("credits")),  # None: HostUp did not say (the field is optional)
        "recurring": recurring,
        "total": money(data.get("total", draft_price.get("total"))),
        "currency": _draft_currency(data),
    }
    figures["due_now"], unreadable = charged_now(data, draft_price)
    as_sent = {"due_now": unreadable, "prorated": _as_sent(data.get("prorated")), "recurring": recurring_sent,
               "draft_id": _as_sent(data.get("draftId"))}
    return Quote(figures, draft_facts(data), as_sent)


def _recurring(data, draft_price, cycle):
    """The recurring price of the estimated cycle, and how HostUp wrote it; (None, …) when unknown.

    Two places give it, both optional: the draft's ``price.recurring`` keyed by the
    cycle's code (a decimal string) and ``data.recurring``, typed an integer (so it
    may be the price rounded). Each one given must be a finite number, and the two
    must agree within that rounding; otherwise the price is unknown.
    """
    by_cycle = draft_price.get("recurring") if isinstance(draft_price.get("recurring"), dict) else {}
    in_draft = by_cycle.get(cycle_code(cycle)) if cycle in CYCLE_NAMES else None
    in_data = data.get("recurring")
    given = [value for value in (in_draft, in_data) if value is not None]
    if not given:
        return None, _as_sent(None)
    amounts = [money(value) for value in given]
    sent = " and the draft's ".join(_as_sent(value) for value in reversed(given)) if len(given) > 1 else _as_sent(
        given[0])
    if None in amounts or max(amounts) - min(amounts) >= 1.0:
        return None, sent
    return amounts[0], sent


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
    ``product_id``, ``cycle`` and ``options`` (option id -> ``quantity``: True for
    options ordered by count or size, False for list options, None when the draft
    does not say). ``unreadable`` says why the draft's services cannot be read
    (``raw.draft`` or its ``services`` missing, or not the documented object, or
    a service that is no object), else None. ``held_id`` is the draft's own id
    (``raw.draft.id``), ``extras`` what else an order of it would order: HostUp
    documents ``addons`` and ``domains`` of the draft and ``addons`` of each
    service, all lists that a change of a VPS leaves empty.
    """
    services, extras = [], []
    section, unreadable = _draft_services(data)
    draft = data["raw"]["draft"] if unreadable is None else {}
    for name in ("addons", "domains"):
        extras += _extra(draft, name, "raw.draft.%s" % name) if unreadable is None else []
    for key in sorted(section, key=str):
        service = section[key]
        label = "raw.draft.services.%s" % (key if str(key).isdigit() and len(str(key)) <= 6 else "<key>")
        if not isinstance(service, dict):
            unreadable = unreadable or "%s is %s, not an object" % (label, _kind(service))
            continue
        extras += _extra(service, "addons", label + ".addons")
        options = {}
        customizations = service.get("customizations")
        for option_id, option in (customizations.items() if isinstance(customizations, dict) else ()):
            if isinstance(option, dict):
                # the label: HostUp's machine name of the option (variable), never its free-text name
                options[str(option_id)] = {"quantity": _option_is_quantity(option),
                                           "label": option_label(option.get("variable"))}
        services.append({
            "account_id": ident(service.get("account_id")),
            "product_id": ident(service.get("product_id")),
            "cycle": _draft_cycle(service.get("cycle") or service.get("recurring")),
            "options": options,
        })
    if unreadable is None and not services:
        unreadable = "raw.draft.services names no service"
    return {"draft_id": positive_int(data.get("draftId")), "services": services, "unreadable": unreadable,
            "held_id": positive_int(draft.get("id")), "extras": extras}


def _draft_cycle(value):
    """A draft's cycle as this collection names it; any other text is "unrecognised", never HostUp's text
    (a draft's free text can be personal data)."""
    name = cycle_name(_scalar(value))
    return name if name in CYCLE_NAMES or name is None else "unrecognised"


def _extra(section, name, label):
    """Why ``section[name]``, a documented list, may hold more than was asked (empty: it holds nothing)."""
    if name not in section:
        return ["does not show %s" % label]
    value = section[name]
    if not isinstance(value, list):
        return ["has %s as %s, not a list" % (label, _kind(value))]
    return ["also holds %d item(s) in %s" % (len(value), label)] if value else []


def _draft_services(data):
    """``raw.draft.services`` (an object of services, keyed "1", "2" …) and, when it is not one, why."""
    raw = data.get("raw")
    if not isinstance(raw, dict) or "draft" not in raw:
        return {}, "the reply has no raw.draft"
    if not isinstance(raw["draft"], dict):
        return {}, "raw.draft is %s, not an object" % _kind(raw["draft"])
    if "services" not in raw["draft"]:
        return {}, "raw.draft has no services"
    services = raw["draft"]["services"]
    if not isinstance(services, dict):
        return {}, "raw.draft.services is %s, not an object" % _kind(services)
    return services, None


def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a %s" % {bool: "boolean", str: "string", int: "number", float: "number"}.get(type(value), "value")


def draft_problems(draft, vmid, expected):
    """Why ``draft`` (``Quote.draft``) is not the change meant for VPS ``vmid``; empty when it is.

    ``expected`` maps ``package``/``cycle`` to ``(value, "requested" or "current")``:
    what the VPS should have after the order (a value None is not checked).
    Every service of the draft must be this VPS: an order of the draft orders them
    all. A draft whose services cannot be read is never this change: nobody could
    check what it orders.
    """
    number, services = draft["draft_id"], draft["services"]
    if draft.get("unreadable"):
        return [render("draft.unreadable", draft_id=number, why=draft["unreadable"])]
    problems = []
    if number is not None and draft.get("held_id") != number:
        # the services below are raw.draft's: they describe the draft ordered only if it is that draft
        problems.append(render("draft.other_id", draft_id=number, held=draft.get("held_id") or "not named"))
    problems += [render("draft.more_than_asked", draft_id=number, what=what) for what in draft.get("extras", [])]
    accounts = sorted(set(s["account_id"] for s in services if s["account_id"]))
    ours = [s for s in services if s["account_id"] == str(vmid)]
    if ours:
        problems += [render("draft.other_service", draft_id=number,
                            whom="VPS %s" % s["account_id"] if s["account_id"] else "no existing VPS (a new order)")
                     for s in services if s["account_id"] != str(vmid)]
    else:
        problems += [render("draft.other_vps", draft_id=number, vmid=vmid,
                            accounts=" and ".join(accounts) if accounts else "that the draft does not name")]
    service = ours[0] if ours else {"product_id": None, "cycle": None, "options": {}}
    for name, label, value, field in (("package", "package", service["product_id"], "product_id"),
                                      ("cycle", "billing cycle", service["cycle"], "cycle")):
        wanted, why = expected.get(name) or (None, None)
        if ours and value is None and wanted is None:
            # nothing to compare with (a user's draft_id alone): unknown, never "what the VPS has"
            problems.append(render("draft.not_shown", draft_id=number, label=label, field=field))
        elif wanted is not None and value != wanted:
            problems.append(render("draft.other_value", draft_id=number, label=label, held=value or "unknown",
                                   why=why, name=name, wanted=wanted))
    return problems


def differences(draft, fresh):
    """What differs between a user's draft and HostUp's fresh estimate of exactly the request; empty when nothing.

    HostUp's draft shows no option's value, so the options a draft holds are
    compared by what HostUp does show: the services (account, product, cycle),
    the currency, the amount due now and the recurring price. An amount unknown
    on either side differs.
    """
    number, fresh_number = draft.figures["draft_id"], fresh.figures["draft_id"]
    problems = []
    if fresh.draft.get("unreadable"):
        problems.append(render("draft.unreadable", draft_id=fresh_number, why=fresh.draft["unreadable"]))
    elif _service_keys(draft.draft) != _service_keys(fresh.draft):
        problems.append(render("draft.other_services", draft_id=number, fresh_id=fresh_number))
    if draft.figures["currency"] != fresh.figures["currency"]:
        problems.append(render("draft.other_amount", draft_id=number, label="currency",
                               held=draft.figures["currency"] or "unknown", fresh_id=fresh_number,
                               fresh=fresh.figures["currency"] or "unknown"))
    for label, key in (("due now", "due_now"), ("recurring price", "recurring")):
        held, wanted = draft.figures[key], fresh.figures[key]
        if not same_amount(held, wanted):
            problems.append(render("draft.other_amount", draft_id=number, label=label, held=show_amount(held),
                                   fresh_id=fresh_number, fresh=show_amount(wanted)))
    return problems


def _service_keys(draft):
    return sorted((s["account_id"] or "", s["product_id"] or "", s["cycle"] or "") for s in draft["services"])


def option_kinds(quote, resources):
    """option id -> True (count or size), False (list option), None (the draft does not say)."""
    kinds = dict((option_id, None) for option_id in resources)
    for service in quote.draft["services"]:
        for option_id in resources:
            known = service["options"].get(option_id)
            if known and known["quantity"] is not None:
                kinds[option_id] = known["quantity"]
    return kinds


def option_labels(quote, resources):
    """option id -> its label (text.option_label of the draft's ``variable``), None where the draft gives none."""
    labels = dict((str(option_id), None) for option_id in resources or ())
    for service in quote.draft["services"] if quote is not None else ():
        for option_id in labels:
            known = service["options"].get(option_id)
            if known and labels[option_id] is None:
                labels[option_id] = known.get("label")
    return labels


def _option_is_quantity(option):
    # HostBill marks options ordered by count or size with hasQty; list options are
    # selects (type/ftype "select", "sshkeyselect"), whatever their price.
    kinds = set(str(option.get(key) or "").lower() for key in ("type", "ftype"))
    if any(kind.endswith("select") for kind in kinds) or option.get("hasQty") is False:
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

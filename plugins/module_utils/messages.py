# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every message a person reads, one complete template each, under a reason code.

PRIVATE to this collection: names here may change in any release.

A failed task returns the code as ``reason`` beside ``msg``, so playbooks and
tests branch on the code, never on the wording; grep a message's words here to
find the code, and the code to find where it is raised. Templates use
str.format fields. Every value is shown through ``printable()`` (text.py) as it is
filled in: HostUp's text reaches a message (``msg``, a warning, an error) only this
way, so no control character, escape sequence or line break from HostUp reaches a
terminal or a log, whichever message quotes it. Values from HostUp arrive masked
for the key (transport.py).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import string

from ansible_collections.hostup.cloud.plugins.module_utils.text import printable

MESSAGES = {
    # --- bad input, found before any request --------------------------------------
    "option.api_key_missing": "api_key is not set: set the HOSTUP_API_KEY environment variable, or api_key (on "
                              "the task, or in module_defaults for group/hostup.cloud.all), to a HostUp API key",
    "inventory.api_key_missing": "hostup.cloud.hostup: api_key is not set: set the HOSTUP_API_KEY environment "
                                 "variable, or api_key in the inventory file (a lookup or a vaulted value), to a "
                                 "HostUp API key",
    "option.api_key_empty": "api_key is empty: set api_key, or the HOSTUP_API_KEY environment variable, "
                            "to a HostUp API key",
    "option.api_key_unsendable": "api_key contains a character that an HTTP header cannot carry (a control "
                                 "character such as a line break inside the key, or a character outside "
                                 "Latin-1): copy the key again from the HostUp panel",
    "option.api_url_unparsable": "api_url is not a valid URL ({problem})",
    "option.api_url_not_http": "api_url must be an http(s) URL with a host, like {default}, got {value!r}",
    "option.api_url_ambiguous": "api_url must be the address of the API alone, like {default}: no user name "
                                "or password, no backslash, space or control character (the key goes in "
                                "api_key)",
    "option.api_url_plain_http": "api_url uses plain http to {host}: the API key would cross the network "
                                 "unencrypted; use https (plain http is accepted only for localhost, "
                                 "127.0.0.0/8 or ::1)",
    "option.too_small": "{option} must be {minimum} or more, got {value}",
    "option.seconds_too_small": "{option} must be {minimum} second or more, got {value}",
    "option.rate_limit_wait": "rate_limit_wait must be 0 (fail at once on HTTP 429) or more seconds, got {value}",
    "option.budget": "{option} must be a number 0 or more, got {value}",
    "option.nothing_to_change": "one of package, resources, cycle or draft_id is required (none is set, or all "
                                "are null)",
    "option.package_digits": "package must be a product id of digits, like '1938', got {value!r}",
    "option.resources_empty": "resources must name at least one option id",
    "option.resource_id": "resources keys must be HostUp option ids of digits, like '2232', got {value!r}",
    "option.resource_value": "resources[{option_id}] must be a whole number 0 or more, or an item id string, "
                             "got {value!r}",
    "option.resource_negative": "resources[{option_id}] must be 0 or more, got {value}",
    "option.resource_blank": "resources[{option_id}] must not be an empty string",
    "option.state_dir_relative": "state_dir must be an absolute path (or start with ~), got {value!r}",
    "option.release_needs_vmid": "release needs vmid: an entry is released for one VPS",
    "option.release_blank": "release must be an entry id, order id or draft id, got an empty string",
    "option.hostvars_prefix": "hostvars_prefix must be letters, digits and underscores, not starting with a "
                              "digit, got {value!r}",

    # --- a call that failed: what went wrong (HostUpError.message) --------------------
    "call.failed": "{method} {path} failed{status}: {message}{request_id}{hint}",
    "call.nonsense": "{method} {path}: HostUp's answer makes no sense: {message}{request_id}{hint}",
    "transport.connect_timeout": "could not connect to {base_url} within {timeout} s",
    "transport.read_timeout": "HostUp did not answer within {timeout} s (api_timeout), {attempts} attempts, each "
                              "given api_timeout in all",
    "transport.read_timeout_once": "HostUp did not answer within {timeout} s (api_timeout), 1 attempt (an "
                                   "ordering call is never sent twice)",
    "transport.tls": "TLS failed for {base_url}: {detail}",
    "transport.tls_plain_http": "{base_url} answered in plain http, not TLS: the server speaks plain http at "
                                "that port ({detail})",
    "transport.refused": "could not connect to {base_url} (connection refused or host not found)",
    "transport.broken": "the connection to {base_url} broke before HostUp answered",
    "transport.not_made": "the request could not be made: {detail}",
    "transport.too_large": "HostUp's reply is larger than {mib} MiB, so it was not read",
    "transport.cut_short": "HostUp's reply broke off after {received} bytes ({detail})",
    "transport.encoding": "HostUp's reply is encoded as {encoding!r}, which is not read (only {accepted} is "
                          "asked for)",
    "transport.undecodable": "HostUp's reply is not valid {encoding} ({detail})",
    "transport.redirect": "HostUp answered with a redirect to {where}, which is not followed: the API key is "
                          "sent to the host of api_url only",
    "transport.rate_limited_no_wait": "{message} (HostUp asked to wait {wait:.0f} s; rate_limit_wait is 0, so "
                                      "this task does not wait)",
    "transport.rate_limited_too_long": "{message} (HostUp asked to wait {wait:.0f} s more after {waited:.0f} s "
                                       "of waiting; this task waits at most {limit} s in all, rate_limit_wait)",
    "transport.rate_limited_too_often": "{message} (HostUp answered 429 {attempts} times in a row; this task "
                                        "stops asking after that many)",
    "transport.html": "HostUp answered with an HTML page instead of JSON (a proxy or gateway error page, or "
                      "api_url does not point at the HostUp API)",
    "transport.empty": "HostUp answered with an empty body instead of JSON",
    "transport.malformed": "HostUp answered with a malformed or truncated JSON body ({size} bytes)",
    "transport.no_message": "HostUp gave no message",
    "reply.data_not_object": "the reply's data is a {kind}, not an object",
    "reply.success_false": "HostUp answered success: false",
    "reply.no_accounts": "the reply has no list of accounts",
    "reply.not_estimate": "HostUp did not answer as an estimate ({why})",
    "reply.field_missing": "VPS {vmid}: HostUp's answer has no readable {fields}. Without it this module cannot "
                           "tell what the VPS has, and would order again on every run; nothing was ordered. "
                           "Check the VPS in the HostUp panel, or report the answer to HostUp support",

    # --- what to do about it (a hint ends the line) ----------------------------------
    "hint.api_key": "Check api_key (or the HOSTUP_API_KEY environment variable): HostUp did not accept it",
    "hint.scope": "The API key lacks a scope this call needs: read:vm to read, write:billing and write:vm to order",
    "hint.estimate_scope": "The API key lacks a scope this call needs: pricing a change (the estimate, also in "
                           "check mode) needs write:billing, and a resource change also write:vm",
    "hint.rate_limited": "HostUp is rate limiting this key: run with fewer forks, raise rate_limit_wait, or try "
                         "again later",
    "hint.no_route": "No such route: check api_url, the API's base address without /api (like {default})",
    "hint.no_draft": "No such draft: check draft_id; HostUp has no open draft {draft_id} for this VPS (it was "
                     "already ordered, HostUp dropped an old estimate, or it belongs to another VPS), so price "
                     "the change again (check mode) for a new one",
    "hint.no_vps": "No such VPS: check vmid, this account has no VPS with that id",
    "hint.server_error": "HostUp could not handle the request; try again later",
    "hint.network": "Check api_url and the network",
    "hint.tls": "The certificate could not be verified: if api_url is right, point REQUESTS_CA_BUNDLE at the CA "
                "bundle that signed it; validate_certs: false only against a test server",
    "hint.plain_http": "No certificate is involved, so REQUESTS_CA_BUNDLE and validate_certs do not help: write "
                       "api_url with http:// (accepted for localhost, 127.0.0.0/8 or ::1 only) or with the port "
                       "where the server speaks https",
    "hint.stalled": "The server took the call and then stalled: try again later, or raise api_timeout (the seconds "
                    "each attempt may take); reads and estimates are tried again, an ordering call never",
    "estimate.unknown_ids": "HostUp refused the request: check package and resources. A package id is the "
                        "product_id that hostup.cloud.hostup_vps_info returns (vps.product_id) or the HostUp "
                        "panel shows; option ids and what each means are in the README (Package and option "
                        "ids); HostUp publishes no list of them",
    "hint.ca_bundle": "Point REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) at an existing CA bundle file, or unset it",
    "hint.redirect": "Set api_url to the address the HostUp API answers on itself",
    "hint.not_estimate": "Nothing more was ordered. HostUp was asked for a price only (send: false), but its answer "
                         "does not say it priced without ordering. Check the VPS (hostup.cloud.hostup_vps_info, or "
                         "the HostUp panel for a new order or invoice) before running again",
    "hint.not_estimate_recorded": "Nothing more was ordered. HostUp was asked for a price only (send: false), but "
                                  "its answer does not say it priced without ordering, so it is kept in the order "
                                  "ledger as an order of unknown outcome (entry {entry_id}): no run orders for this "
                                  "VPS until HostUp shows the change. Check the VPS in the HostUp panel for a new "
                                  "order or invoice; if there is none, release the entry: {release}",

    # --- ordering ------------------------------------------------------------------
    "order.pending_invoice": "VPS {vmid} has an unpaid invoice {invoice_id} (order {order_id}, total {total}): "
                             "HostUp will not take another order for it, and this task orders nothing while it is "
                             "open. Pay or cancel that invoice in the HostUp panel, then run again; the rerun orders "
                             "only what is still missing.",
    "order.over_budget": "Over budget, nothing was ordered: {problems} (estimate draft {draft_id}, {currency}).",
    "budget.no_due_now": "HostUp's estimate gave no finite amount due now ({sent}), so the price cannot be checked",
    "budget.due_now_over": "{due_now:.2f} due now is more than max_prorated {limit:.2f}",
    "budget.no_recurring": "HostUp's estimate gave no finite recurring price (recurring {sent}) to compare with "
                           "max_recurring {limit:.2f}",
    "budget.recurring_over": "{recurring:.2f} recurring per cycle is more than max_recurring {limit:.2f}",
    "order.no_draft_id": "HostUp's estimate carried no draftId (it sent {sent}, not a whole number above 0), so "
                         "the price shown cannot be ordered exactly; nothing was ordered. Run again, or order a "
                         "draft with draft_id.",
    "order.refused": "Nothing was ordered: {call} was not carried out",
    "order.refused_hint": "Nothing was ordered: {call} was not carried out. {hint}",
    "order.unknown": "The outcome of {call} is unknown: HostUp may have carried it out before the failure. It is "
                     "kept in the order ledger, so no run orders anything more for this VPS until HostUp shows the "
                     "change (a rerun then goes on by itself). Check the VPS in the HostUp panel for a new order or "
                     "invoice; if HostUp has none, release the entry: {release}",
    "order.unproven": "POST {path}: HostUp {said}{message}. HostUp named no order, so probably nothing was "
                      "ordered, but this cannot be proven: the outcome of {call} is unknown, and it is kept in the "
                      "order ledger, so no run orders more for this VPS until HostUp shows the change. Check the VPS "
                      "in the HostUp panel for a new order or invoice; if HostUp has none, release the entry: "
                      "{release}",
    "order.maybe_placed": "POST {path}: HostUp {said}{message}. Order {order_id} may have been placed: the "
                          "outcome of {call} is unknown, and it is kept in the order ledger, so no run orders more "
                          "for this VPS until HostUp shows the change. Check the VPS in the HostUp panel; if HostUp "
                          "has no such order, release the entry: {release}",
    "order.not_visible": "VPS {vmid}: {call} was ordered ({ids}), but HostUp did not show it {within}. The order "
                         "is placed and kept in the order ledger: a rerun orders nothing more for this VPS, and "
                         "waits for it (wait), until HostUp shows the change",
    "order.awaiting_payment": "VPS {vmid}: {call} is ordered and waits for payment of invoice {invoice_id}; "
                              "HostUp applies it once that invoice is paid",
    "order.broke_after_sending": "The ordering call was sent, then the task failed on an unexpected error "
                                 "({error}): the order may have been placed. It stays in the order ledger, so no run "
                                 "orders for this VPS until HostUp shows the change. Check the VPS in the HostUp "
                                 "panel for a new order or invoice; if there is none, release the entry "
                                 "(hostup.cloud.hostup_vps_order_ledger lists and releases it)",
    "lock.busy": "Another task (of this user on this controller, or on a controller sharing state_dir) has been "
                 "ordering for VPS {vmid} for more than {seconds} s (lock {path}); nothing was ordered. Run again "
                 "when it is done",

    # --- the order ledger (state_dir) --------------------------------------------------
    "state_dir.unsafe": "state_dir {path} {problem}: the order ledger and the order locks live there, so it must be "
                        "a directory of this user that no other user can write. Nothing was ordered. Make it so "
                        "(its owner this user, chmod 700), or set state_dir (or HOSTUP_STATE_DIR) to another "
                        "directory",
    "ledger.unreadable": "The order ledger file {path} {problem}. Nothing was ordered: the file may record an order "
                         "that HostUp does not show yet. Check the VPS's orders in the HostUp panel, then move the "
                         "file aside (the VPS's ledger then starts anew) or put back a good copy",
    "ledger.write_failed": "The order ledger file {path} could not be written ({problem}); nothing more was "
                           "ordered",
    "ledger.busy": "The order ledger file of this VPS stayed locked by another task for {seconds} s (lock "
                   "{path}); nothing more was ordered",
    "ledger.answer_not_recorded": "HostUp's answer to the ordering call could not be kept in the order ledger "
                                  "({problem}); its entry stays as sent without an answer, so no run orders for "
                                  "this VPS until HostUp shows the change or the entry is released",
    "ledger.pending": "VPS {vmid}: {what}, and HostUp does not show it yet, so this task orders nothing for the VPS "
                      "({why}). Check the VPS in the HostUp panel (or with hostup.cloud.hostup_vps_info): once "
                      "HostUp shows the change, a rerun goes on by itself; if HostUp has no such order, or it was "
                      "cancelled, release the entry, then run again: {release}",
    "ledger.release_ambiguous": "release: {value!r} matches {count} unresolved entries of VPS {vmid} ({ids}); "
                                "nothing was released. Name one by its entry id",
    "ledger.release_unmatched": "release: no unresolved entry of VPS {vmid} in {path} is {value!r} (an entry id, "
                                "order id or draft id); nothing was released",

    # --- checking an estimate's draft ------------------------------------------------
    "draft.not_given_one": "HostUp answered the estimate of draft {given} with draft {sent}",
    "draft.other_service": "draft {draft_id} also holds a service for {whom}",
    "draft.other_vps": "draft {draft_id} is for VPS {accounts}, not vmid {vmid}",
    "draft.other_value": "draft {draft_id} holds {label} {held}, not the {why} {name} {wanted}",
    "draft.not_shown": "draft {draft_id} shows no readable {label} (raw.draft.services.<n>.{field}), so what it "
                       "orders is unknown",
    "draft.unreadable": "draft {draft_id} cannot be checked, so what it orders is unknown: {why}",
    "draft.other_id": "HostUp's estimate names draft {draft_id}, but the draft it shows (raw.draft.id) is "
                      "{held}: what was checked is not what would be ordered",
    "draft.more_than_asked": "draft {draft_id} {what}, so an order of it may order more than was asked",
    "draft.other_services": "draft {draft_id} holds other services (account, package or cycle) than HostUp's "
                            "estimate of exactly the request (draft {fresh_id})",
    "draft.other_amount": "draft {draft_id} has {label} {held}, HostUp's estimate of exactly the request (draft "
                          "{fresh_id}) has {fresh}",
    "upgrade.draft_mismatch": "draft_id: {problems}. Nothing was ordered. Estimate the change anew (check mode) "
                              "and order that draft.",
    "upgrade.draft_ordered": "draft_id: draft {draft_id} was ordered already for VPS {vmid}, at {sent_at} (order "
                             "{order_id}, ledger entry {entry_id}, {state}); a draft is ordered once, and HostUp "
                             "still answering for it does not show that it is open. Nothing was ordered. Estimate the "
                             "change anew (check mode) and order that draft.",
    "upgrade.estimate_mismatch": "estimate: {problems}. Nothing was ordered. HostUp's estimate is not the change "
                                 "asked for; run again, or report it to HostUp support.",
    "upgrade.price_unknown": "resources: whether VPS {vmid} already has option {options} cannot be told: "
                             "{unknown}, and an unknown price is no difference and no proof of none. Nothing "
                             "was ordered. To order it deliberately, run again with draft_id: {draft_id} (this "
                             "estimate's draft) beside resources, or order it in the HostUp panel.",
    "cycle.total_differs": "VPS {vmid}: HostUp answered the billing-cycle switch with total {total}, which is "
                           "neither the estimate's amount due now ({due_now}) nor its recurring price "
                           "({recurring}) {currency}. HostUp does not document that the switch costs what its "
                           "upgrade estimate priced: check the invoice in the HostUp panel (outcome.order_total "
                           "holds the reply's total)",
    "inventory.api_key_untemplatable": "hostup.cloud.hostup: api_key could not be templated ({error}); "
                                       "what went wrong is not shown, as it quotes the value, which may be the "
                                       "key itself. Check the template (a lookup, a vaulted value) with "
                                       "ansible.builtin.debug. A key holding a brace followed by a brace, % or "
                                       "# is taken for a template in the inventory file: set it with "
                                       "HOSTUP_API_KEY, which is never templated",
    "inventory.not_vps": "hostup.cloud.hostup: {count} of the {total} services in HostUp's list were left out "
                         "because they carry no extra_details.usage.vmdata, the built-in sign of a VPS (an "
                         "inference: HostUp does not document which field marks a VPS). If a VPS is among "
                         "them, set filters (for example hostup_product_name is search('VPS')): with filters, "
                         "every service is read and the filters decide",
    "upgrade.draft_in_place": "draft {draft_id} holds package {package} and billing cycle {cycle}, which VPS {vmid} "
                              "already has: nothing was ordered. To order options of a draft, name them in "
                              "resources beside draft_id",
    "cycle.estimate_mismatch": "estimate: {problems}. Nothing was switched. HostUp's estimate is not the switch "
                               "asked for; run again, or report it to HostUp support.",
    "upgrade.option_unreadable": "resources: HostUp cannot read the current value of option {options} of VPS "
                                 "{vmid}, and its estimate shows no price difference (nothing due now, the same "
                                 "recurring price), so this module cannot tell whether the VPS already has it. "
                                 "Nothing was ordered. To order it deliberately, run again with draft_id: "
                                 "{draft_id} (this estimate's draft) beside resources, or order it in the HostUp "
                                 "panel.",
}


class _PrintableFields(string.Formatter):
    """str.format, with each field shown by printable() once it is formatted (after !r and :spec)."""

    def format_field(self, value, format_spec):
        return printable(super(_PrintableFields, self).format_field(value, format_spec))


_FORMATTER = _PrintableFields()


def render(reason, **values):
    """The message of ``reason`` with ``values`` filled in, each shown by printable() on one line."""
    return _FORMATTER.format(MESSAGES[reason], **values)

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: spend
type: aggregate
short_description: Tell what a playbook run priced and ordered at HostUp, per host and in total
version_added: 0.2.0
description:
  - At the end of a playbook run, after the recap, prints one table of what the run's
    M(hostup.cloud.hostup_vps_upgrade) and M(hostup.cloud.hostup_vps_billing_cycle) tasks priced
    and ordered, and totals per currency. The tasks may be plain tasks or tasks of a role
    (R(hostup.cloud.vps_plan,ansible_collections.hostup.cloud.vps_plan_role)) included or imported.
  - "One row per host and change: the host, the VPS's vmid, what changed (package, billing cycle,
    the ids of the resources), the amount due now, the recurring price before and after (per
    month C(/mo) or per year C(/yr)), the currency, and the order and invoice ids or why nothing
    was ordered: C(no change), C(priced only) (check mode), C(over budget), C(unpaid invoice
    <id>) or C(failed) (with HostUp's HTTP status and error code when HostUp refused)."
  - A change first priced in check mode and then ordered as that same estimate (the same host,
    vmid and estimate draft id, as the role does) is one row; the later result wins, and its
    amounts are counted once.
  - "The totals add up, per currency, the amount due now and the change of the recurring price
    per billing cycle (monthly and annual separately) of the changes this run ordered. Changes
    priced in check mode are totalled separately as C(priced only). Changes not ordered (no change,
    over budget, unpaid invoice, failed) are listed but not totalled."
  - "Under C(--check) the report says that everything was priced only and nothing was ordered, unless
    a task with C(check_mode: false) ordered: then its header counts those orders."
  - "What a row says comes from the module's result, not from the task's flags. A task's C(changed_when)
    or C(failed_when) does not hide an order that was placed; each attempt of an C(until) loop counts;
    an C(async) task's result is read from its C(async_status) task (until then the row says it was
    started, not awaited)."
  - The normal output is not changed. The report is printed after it, only when the run had
    a task of these modules. Runs whose standard output must stay machine-readable (a JSON
    stdout callback) can read the report from O(report_file) instead.
  - The report is built only from named fields of the modules' results (RV(hostup.cloud.hostup_vps_upgrade#module:estimate),
    RV(hostup.cloud.hostup_vps_upgrade#module:order), RV(hostup.cloud.hostup_vps_upgrade#module:vps),
    the billing cycles and prices, C(pending_invoice), the status and code of C(api_error)) and the
    task's own C(vmid), C(package), C(cycle) and C(resources) options (resource ids only). Nothing
    is taken from C(invocation), no failure message is copied, and the API key is never read.
  - O(report_file) writes the same report as JSON, replacing the file atomically, readable only
    by its owner (mode C(0600)).
  - "The JSON format (C(format_version) 1) is an object with C(check_mode) (true for a C(--check)
    run), C(rows), C(totals) and C(unpriced) (how many ordered or priced changes came without
    amounts). Amounts are numbers in the row's currency, or null when the module's result did not
    carry them."
  - "Each of C(rows) has C(host), C(vmid), C(module), C(change) (C(package) and C(cycle) each null
    or C({before, after}); C(resources), a list of option ids), C(outcome) (one of V(ordered),
    V(priced), V(no_change), V(over_budget), V(unpaid_invoice), V(failed), or V(unknown) for an async
    task not awaited), C(note) (the table's
    last column), C(currency), C(due_now), C(credits), C(recurring) (C(before), C(after),
    C(cycle_before), C(cycle_after)), C(recurring_change) (billing cycle name to the change of the
    recurring price; null when a price is unknown or nothing was ordered or priced), C(draft_id),
    C(order_id), C(invoice_id), C(pending_invoice_id), C(applied), C(api_status) and C(api_code)."
  - "Each of C(totals) has C(basis) (V(ordered) or V(priced)), C(currency), C(changes), C(due_now),
    C(recurring_change) (billing cycle name to amount) and C(recurring_unknown) (how many of the
    changes lack a recurring price before or after)."
author:
  - hostup.cloud maintainers (@hostup-cloud)
requirements:
  - Enabled in C(ansible.cfg) (C(callbacks_enabled = hostup.cloud.spend) in the C([defaults])
    section) or with the environment variable E(ANSIBLE_CALLBACKS_ENABLED=hostup.cloud.spend).
options:
  report_file:
    description:
      - Also write the report as JSON to this file (see the description for its format).
      - Written at the end of every playbook run, also when no HostUp change was priced (then with no rows).
    type: path
    env:
      - name: HOSTUP_SPEND_REPORT
    ini:
      - section: callback_hostup_spend
        key: report_file
"""

import json
import math
import os
import re
import tempfile

from ansible import context
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.callback import CallbackBase

from ansible_collections.hostup.cloud.plugins.module_utils.vps import CYCLE_NAMES

MODULES = ("hostup.cloud.hostup_vps_upgrade", "hostup.cloud.hostup_vps_billing_cycle")
FORMAT_VERSION = 1
CYCLE_SUFFIX = {"monthly": "/mo", "annually": "/yr"}
# What is printed or written is checked against these shapes, so that nothing but
# ids, names of cycles and codes can come out of a result, whatever it holds.
DIGITS = re.compile(r"^[0-9]{1,20}$")
WORD = re.compile(r"^[a-z]{1,20}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,60}$")
COLUMNS = ("host", "vmid", "change", "due now", "recurring", "currency", "order / why nothing was ordered")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "hostup.cloud.spend"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._rows = {}
        self._seen = 0
        self._priced = {}  # (module, vmid, draft id) -> the slot of the row that priced that draft
        self._jobs = {}  # (host, async job id) -> (module, task options, slot of its "started" row)

    # --- collecting -----------------------------------------------------------

    def v2_runner_on_ok(self, result):
        self._collect(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._collect(result, failed=True)

    def v2_runner_item_on_ok(self, result):
        self._collect(result, failed=False, item=True)

    def v2_runner_item_on_failed(self, result):
        self._collect(result, failed=True, item=True)

    def v2_runner_retry(self, result):
        # every attempt of an ``until`` loop ran the module: an early attempt may have ordered
        data = _part(result, "result")
        self._collect(result, failed=isinstance(data, dict) and bool(data.get("failed")), item=True)

    def _collect(self, result, failed, item=False):
        task = _part(result, "task")
        data = _part(result, "result")
        if not isinstance(data, dict) or data.get("skipped"):
            return
        host = to_text(_part(result, "host").get_name())
        module = module_name(task)
        args = task_args(result, task)
        job = (host, to_text(data.get("ansible_job_id"))) if data.get("ansible_job_id") is not None else None
        slot = None
        if module is None:
            if job not in self._jobs or not data.get("finished"):
                return
            # async_status brought the result of an async task of one of the modules
            module, args, slot = self._jobs.pop(job)
        if not item and isinstance(data.get("results"), list):
            return  # a loop: its items came one by one
        failed = module_failed(data, failed)
        row = build_row(host, module, args, data, failed, check_mode(result, task))
        self._seen += 1
        if job is not None and data.get("started") and not data.get("finished"):
            row.update(outcome="unknown", note="started in the background (async), not awaited")
            self._jobs[job] = (module, args, self._seen)
        slot = self._slot(row, slot)
        self._rows[slot] = dict(row, _order=slot)

    def _slot(self, row, slot):
        """Where the row goes: a new one, or the row of the estimate this result ordered (the later wins)."""
        slot = slot or self._seen
        if row["draft_id"] is None:
            return slot
        draft = (row["module"], row["vmid"], row["draft_id"])
        if row["outcome"] == "priced":
            self._priced[draft] = slot
            return slot
        # a check-mode estimate and the order of that same draft are one change; two orders
        # are two changes, even when a server gives the same draft id twice
        return self._priced.pop(draft, slot)

    # --- reporting ------------------------------------------------------------

    def v2_playbook_on_stats(self, stats):
        report = self.report()
        if report["rows"]:
            self._display.display(render_table(report))
        path = self.get_option("report_file")
        if path:
            try:
                write_private_json(path, report)
            except (IOError, OSError) as error:
                self._display.warning("hostup.cloud.spend could not write %s: %s" % (path, to_text(error)))

    def report(self):
        rows = sorted(self._rows.values(), key=lambda r: (r["host"], r["_order"]))
        rows = [dict((k, v) for k, v in row.items() if k != "_order") for row in rows]
        totals, unpriced = add_up(rows)
        return {"format_version": FORMAT_VERSION, "check_mode": bool(context.CLIARGS.get("check")),
                "rows": rows, "totals": totals, "unpriced": unpriced}


def _part(result, name):
    """ansible-core 2.19 names them result.task/host/result, older ones _task/_host/_result."""
    value = getattr(result, name, None)
    return value if value is not None and not callable(value) else getattr(result, "_" + name, None)


def module_name(task):
    """The FQCN of this collection's ordering module a task ran, or None."""
    if task is None:
        return None
    for name in (getattr(task, "resolved_action", None), getattr(task, "action", None)):
        if not name:
            continue
        name = to_text(name)
        for prefix in ("ansible.legacy.", "ansible.builtin."):
            if name.startswith(prefix):
                name = name[len(prefix):]
        if "." not in name:
            name = "hostup.cloud." + name
        if name in MODULES:
            return name
    return None


def check_mode(result, task):
    """Whether the task ran in check mode: its own check_mode (templated) decides, else --check."""
    fields = _part(result, "task_fields")
    for value in (fields.get("check_mode") if isinstance(fields, dict) else None, getattr(task, "check_mode", None)):
        if isinstance(value, bool):
            return value
    return bool(context.CLIARGS.get("check"))


def module_failed(data, failed):
    """Whether the module failed; failed_when replaces the task's verdict, not what the module did."""
    if "failed_when_result" not in data:
        return failed
    # the modules report ``applied`` on success only (and after a placed order that did not show)
    return "api_error" in data or "pending_invoice" in data or "applied" not in data


def task_args(result, task):
    """The task's options after templating; only vmid/package/cycle/resources/draft_id are read."""
    fields = _part(result, "task_fields") or {}
    args = fields.get("args") if isinstance(fields, dict) else None
    if not isinstance(args, dict):
        args = getattr(task, "args", None)
    return args if isinstance(args, dict) else {}


# --- one row ---------------------------------------------------------------------

def build_row(host, module, args, data, failed, check):
    upgrade = module.endswith("_upgrade")
    estimate = data.get("estimate") if isinstance(data.get("estimate"), dict) else {}
    vps = data.get("vps") if isinstance(data.get("vps"), dict) else {}
    order = data.get("order") if isinstance(data.get("order"), dict) else None
    vmid = _int(vps.get("vmid")) or _int(args.get("vmid"))

    if upgrade:
        cycle_before = _word(vps.get("cycle"))
        cycle_asked = _word(args.get("cycle"))
        cycle_after = cycle_asked or cycle_before
        package_asked = _digits(args.get("package"))
        package = _pair(_digits(vps.get("product_id")), package_asked) if package_asked else None
        # option ids written as YAML numbers (2232: 120) are ints
        resources = sorted((_digits(k) for k in args["resources"] if _digits(k)), key=int) \
            if isinstance(args.get("resources"), dict) else []
        before = _money(vps.get("price"))
    else:
        cycle_before = _word(data.get("previous_cycle"))
        cycle_after = cycle_asked = _word(data.get("cycle")) or _word(args.get("cycle"))
        package, resources = None, []
        before = _money(data.get("previous_price"))
        if before is None:
            before = _diff_price(data)
    after = _money(estimate.get("recurring"))
    if after is None and not upgrade:
        after = _money(data.get("price"))
    happened = what_happened(data, failed, check, upgrade, order)
    if happened == "no_change":  # the price stays as it is: whichever of the two is known
        before = after = before if before is not None else after

    row = {
        "host": host,
        "vmid": vmid,
        "module": module,
        "change": {"package": package, "cycle": _pair(cycle_before, cycle_after) if cycle_asked else None,
                   "resources": resources},
        "outcome": None,
        "note": None,
        "currency": _match(CURRENCY, estimate.get("currency")),
        "due_now": _due_now(estimate),
        "credits": _money(estimate.get("credits")),
        "recurring": {"before": before, "after": after, "cycle_before": cycle_before, "cycle_after": cycle_after},
        "recurring_change": None,
        "draft_id": _int(estimate.get("draft_id")),
        "order_id": _digits(order.get("order_id")) if order else None,
        "invoice_id": _digits(order.get("invoice_id")) if order else None,
        "pending_invoice_id": None,
        "applied": data.get("applied") if isinstance(data.get("applied"), bool) else None,
        "api_status": None,
        "api_code": None,
    }
    row["outcome"], row["note"] = outcome(row, data, happened, upgrade)
    if row["outcome"] in ("ordered", "priced"):
        row["recurring_change"] = recurring_change(row["recurring"])
    return row


def what_happened(data, failed, check, upgrade, order):
    """"ordered", "priced", "no_change" or "failed", from what the module returned.

    A play's changed_when and failed_when change the task's flags, not what HostUp was
    asked to do: an order placed is an order whatever the flags say.
    """
    cycles = (_word(data.get("previous_cycle")), _word(data.get("cycle")))
    switched = cycles[0] != cycles[1] if None not in cycles else None
    if upgrade and isinstance(order, dict) and (not failed or "applied" in data):
        return "ordered"  # a failed task with ``applied`` failed after the order, waiting for HostUp
    if not upgrade and not check and (switched if not failed else "applied" in data):
        return "ordered"
    if failed:
        return "failed"
    if upgrade and isinstance(data.get("applied"), bool):
        return "priced" if data["applied"] is False and isinstance(data.get("estimate"), dict) else "no_change"
    if not upgrade and switched is not None:
        return "priced" if switched else "no_change"
    if not data.get("changed"):
        return "no_change"
    return "priced" if upgrade or check else "ordered"


def outcome(row, data, happened, upgrade):
    """(outcome, note): what happened to the change, in a word and as the table says it."""
    if happened == "failed":
        pending = data.get("pending_invoice")
        api_error = data.get("api_error") if isinstance(data.get("api_error"), dict) else {}
        if data.get("reason") == "order.over_budget":
            return "over_budget", "not ordered: over budget"
        if isinstance(pending, dict):
            row["pending_invoice_id"] = _digits(pending.get("invoice_id"))
            return "unpaid_invoice", "not ordered: unpaid invoice %s" % (row["pending_invoice_id"] or "(id unknown)")
        row["api_status"] = _int(api_error.get("status"))
        row["api_code"] = _match(ERROR_CODE, api_error.get("code"))
        details = " ".join(part for part in ("HTTP %s" % row["api_status"] if row["api_status"] else None,
                                             row["api_code"]) if part)
        note = "failed: " + details if details else "failed"
        if ordering_call_failed(api_error, upgrade, row) and not refused(row["api_status"]):
            note += " (outcome unknown)"
        return "failed", note
    if happened == "no_change":
        return "no_change", "no change"
    if happened == "priced":
        return "priced", "priced only (check mode)"
    if not upgrade:
        note = "switched"
    elif row["order_id"]:
        note = "order %s, %s" % (row["order_id"], "invoice %s" % row["invoice_id"] if row["invoice_id"] else "no invoice")
    else:
        note = "ordered (no order id)"
    if row["applied"] is False:
        note += ", not applied yet"
    if data.get("failed") and "failed_when_result" not in data:
        note += " (the task failed after ordering)"
    return "ordered", note


def ordering_call_failed(api_error, upgrade, row):
    """An upgrade fails on its order only after an estimate; a cycle switch has one POST."""
    if api_error.get("method") != "POST":
        return False
    return row["draft_id"] is not None if upgrade else True


def refused(status):
    """HostUp answered 4xx: the call was refused and did nothing (as the modules' errors say)."""
    return status is not None and 400 <= status < 500


def recurring_change(recurring):
    """The change of the recurring price per billing cycle, or None when a price is unknown."""
    before, after = recurring["before"], recurring["after"]
    if before is None or after is None or not recurring["cycle_before"] or not recurring["cycle_after"]:
        return None
    if recurring["cycle_before"] == recurring["cycle_after"]:
        return {recurring["cycle_after"]: round(after - before, 2)}
    return {recurring["cycle_before"]: round(-before, 2), recurring["cycle_after"]: round(after, 2)}


def _due_now(estimate):
    """What the budget compared: ``due_now`` (a setup fee included), else the prorated amount."""
    due_now = _money(estimate.get("due_now"))
    return due_now if due_now is not None else _money(estimate.get("prorated"))


def _diff_price(data):
    """The price before a billing-cycle switch, from its diff, where the result has no previous_price."""
    diff = data.get("diff") if isinstance(data.get("diff"), dict) else {}
    before = diff.get("before") if isinstance(diff.get("before"), dict) else {}
    return _money(before.get("price"))


def _pair(before, after):
    if before is None and after is None:
        return None
    return {"before": before, "after": after if after is not None else before}


def _money(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value):
        return None
    return round(float(value), 2)


def _int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = to_text(value) if value is not None else ""
    return int(text) if DIGITS.match(text) else None


def _digits(value):
    return _match(DIGITS, value if not isinstance(value, bool) else None)


def _word(value):
    return _match(WORD, value)


def _match(pattern, value):
    if value is None or isinstance(value, (dict, list)):
        return None
    text = to_text(value)
    return text if pattern.match(text) else None


# --- totals ----------------------------------------------------------------------

def add_up(rows):
    """Totals per (basis, currency) of the ordered and the priced changes; and how many had no amounts."""
    totals, unpriced = {}, 0
    for row in rows:
        if row["outcome"] not in ("ordered", "priced"):
            continue
        if row["currency"] is None or row["due_now"] is None:
            unpriced += 1
            continue
        total = totals.setdefault((row["outcome"], row["currency"]), {
            "basis": row["outcome"], "currency": row["currency"], "changes": 0, "due_now": 0.0,
            "recurring_change": {}, "recurring_unknown": 0})
        due_now = round(total["due_now"] + row["due_now"], 2)
        recurring = dict((cycle, round(total["recurring_change"].get(cycle, 0.0) + amount, 2))
                         for cycle, amount in (row["recurring_change"] or {}).items())
        if not all(math.isfinite(amount) for amount in [due_now] + list(recurring.values())):
            unpriced += 1  # amounts too large to add up are no total (and no valid JSON)
            continue
        total["changes"] += 1
        total["due_now"] = due_now
        total["recurring_unknown"] += row["recurring_change"] is None
        total["recurring_change"].update(recurring)
    order = {"ordered": 0, "priced": 1}
    return sorted(totals.values(), key=lambda t: (order[t["basis"]], t["currency"])), unpriced


# --- the table -------------------------------------------------------------------

def render_table(report):
    ordered = [row for row in report["rows"] if row["outcome"] == "ordered"]
    if report["check_mode"] and ordered:
        title = "HostUp spend: --check run, but tasks with check_mode: false ordered %s" % _changes(len(ordered))
    elif report["check_mode"]:
        title = "HostUp spend: priced only, nothing was ordered (--check)"
    else:
        title = "HostUp spend: what this run priced and ordered"
    lines = [title, ""]
    table = [COLUMNS] + [table_row(row) for row in report["rows"]]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(COLUMNS))]
    right = (1, 3)  # vmid and amounts read better aligned right
    for cells in table:
        text = "  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                         for i, cell in enumerate(cells))
        lines.append(text.rstrip())
    lines.append("")
    for total in report["totals"]:
        what = "ordered" if total["basis"] == "ordered" else "priced only, not ordered"
        recurring = ["%s %s" % (cycle, _signed(amount))
                     for cycle, amount in sorted(total["recurring_change"].items(), key=_cycle_order)]
        if total["recurring_unknown"]:
            recurring.append("unknown for %s" % _changes(total["recurring_unknown"]))
        lines.append("Total %s, %s (%s): due now %.2f; recurring per cycle %s"
                     % (total["currency"], what, _changes(total["changes"]), total["due_now"], ", ".join(recurring)))
    if not report["totals"] and not report["unpriced"]:
        lines.append("Nothing was ordered or priced.")
    if report["unpriced"]:
        lines.append("Not in the totals: %s without amounts in the module results." % _changes(report["unpriced"]))
    return "\n".join(lines)


def _cycle_order(item):
    cycle = item[0]
    return (CYCLE_NAMES.index(cycle) if cycle in CYCLE_NAMES else len(CYCLE_NAMES), cycle)


def table_row(row):
    return (row["host"], "%s" % (row["vmid"] if row["vmid"] is not None else "-"), change_text(row["change"]),
            _amount(row["due_now"]), recurring_text(row["recurring"]), row["currency"] or "-", row["note"])


def change_text(change):
    parts = []
    for name in ("package", "cycle"):
        pair = change[name]
        if pair is None:
            continue
        if pair["before"] == pair["after"]:
            parts.append("%s %s" % (name, pair["after"]))
        else:
            parts.append("%s %s -> %s" % (name, pair["before"] or "?", pair["after"]))
    if change["resources"]:
        parts.append("resources %s" % ", ".join(change["resources"]))
    return "; ".join(parts) or "-"


def recurring_text(recurring):
    before = _priced(recurring["before"], recurring["cycle_before"])
    after = _priced(recurring["after"], recurring["cycle_after"])
    if before == after:
        return after
    return "%s -> %s" % (before, after)


def _priced(amount, cycle):
    if amount is None:
        return "?"
    return "%.2f%s" % (amount, CYCLE_SUFFIX.get(cycle, "/" + cycle if cycle else ""))


def _amount(amount):
    return "-" if amount is None else "%.2f" % amount


def _changes(count):
    return "%d change%s" % (count, "" if count == 1 else "s")


def _signed(amount):
    return "%+.2f" % amount


# --- the JSON file ---------------------------------------------------------------

def write_private_json(path, report):
    """Replace ``path`` with the report at once, readable by its owner only."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".hostup-spend-", suffix=".json", dir=directory)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(report, stream, indent=2, sort_keys=True, allow_nan=False)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise

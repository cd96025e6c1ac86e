# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: spend
type: aggregate
short_description: Tell what a playbook run ordered and priced at HostUp, per host and in total
version_added: 0.2.0
description:
  - "After the recap, a table of what the run's M(hostup.cloud.hostup_vps_upgrade) and
    M(hostup.cloud.hostup_vps_billing_cycle) tasks ordered and priced: one row per host and change (each loop item
    and C(until) attempt; a check-mode estimate and the order of its draft, as in
    R(hostup.cloud.vps_plan,ansible_collections.hostup.cloud.vps_plan_role), are one row), and totals per currency."
  - "It never says less than was ordered. Rows come from RV(hostup.cloud.hostup_vps_upgrade#module:outcome) alone
    and the task's own C(vmid), C(package), C(cycle), C(resources), whatever C(changed_when), C(failed_when) or
    C(ignore_errors) say. A result hidden by C(no_log), a task ended without an outcome (C(timeout), an async limit,
    a crash, an unreachable host) and an async task never awaited are rows that say so and, in a real (not check
    mode) run, count as C(MAY HAVE BEEN ORDERED), as the outcome V(unknown) does."
  - "Totals of C(Ordered), C(MAY HAVE BEEN ORDERED) and C(Priced, not ordered) (check mode, over budget): due now,
    and the recurring cost of the changed VPSes a year (monthly times 12) before and after. Unknown amounts stay
    unknown; a negative due now is shown, never subtracted; an order reply with another total than the estimate
    is shown beside it, the larger counted, with a warning. V(pending) orders (placed earlier) are not counted.
    Host names and option names and values are shown without control characters."
author:
  - hostup.cloud maintainers (@hostup-cloud)
requirements:
  - C(callbacks_enabled = hostup.cloud.spend) in C(ansible.cfg), or E(ANSIBLE_CALLBACKS_ENABLED=hostup.cloud.spend).
options:
  report_file:
    description:
      - Also write the report as JSON to this file (mode C(0600), replaced atomically) when the playbook starts,
        as tasks of these modules start and end, and at the end. A killed run leaves C(complete) false and its
        running tasks as rows with C(status) V(running). A file that cannot be written is removed, never left to
        pass for this run's report, and the run ends with a warning naming it.
      - "Format (C(format_version) 2): C(complete), C(check_mode), C(rows), C(totals), C(notes). A row has C(host),
        C(vmid), C(module), C(status) (the outcome's, or V(hidden), V(no_result), V(not_awaited), V(running)),
        C(counted_as) (V(ordered), V(may_have_been_ordered), V(priced) or null), C(note) (the last column) and every
        other key of RV(hostup.cloud.hostup_vps_upgrade#module:outcome) (an option also has its C(name)). A total
        has C(counted_as), C(currency), C(changes), C(due_now), C(due_now_unknown), C(recurring_before_per_year),
        C(recurring_after_per_year), C(recurring_unknown) (changes without that amount). Unknown is null; so is a
        sum too large for a number, and C(notes) says so."
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

from ansible_collections.hostup.cloud.plugins.module_utils.numbers import ident, money, positive_int
from ansible_collections.hostup.cloud.plugins.module_utils.outcome import STATUSES
from ansible_collections.hostup.cloud.plugins.module_utils.text import printable
from ansible_collections.hostup.cloud.plugins.module_utils.vps import CYCLES_PER_YEAR

MODULES = ("hostup.cloud.hostup_vps_upgrade", "hostup.cloud.hostup_vps_billing_cycle")
# every name a task of these modules can run under (the play's collections keyword, ansible.legacy)
NAMES = dict((prefix + name[len(cut):], name) for name in MODULES for cut, prefix in (
    ("", ""), ("hostup.cloud.", ""), ("hostup.cloud.", "ansible.legacy."), ("hostup.cloud.", "ansible.builtin.")))
MAY = "may_have_been_ordered"
# status: (counted as in a real run, in check mode, note)
STATUS = {
    "ordered": ("ordered", "ordered", "ordered"),
    "unknown": (MAY, MAY, "MAY HAVE BEEN ORDERED: the ordering call was sent, its answer is unknown"),
    "priced": ("priced", "priced", "priced only, nothing ordered"),
    "over_budget": ("priced", "priced", "over budget, nothing ordered"),
    "no_change": (None, None, "no change"),
    "pending": (None, None, "pending: an earlier order HostUp does not show yet, not counted"),
    "blocked": (None, None, "not ordered: an unpaid invoice at HostUp"),
    "refused": (None, None, "not ordered: refused, or stopped before ordering"),
    "hidden": (MAY, None, "hidden by no_log"),
    "no_result": (MAY, None, "no outcome: killed, timed out, crashed or unreachable"),
    "not_awaited": (MAY, None, "started in the background (async), never awaited"),
    "running": (MAY, None, "still running when this was written"),
}
BASES = {"ordered": "Ordered", MAY: "MAY HAVE BEEN ORDERED", "priced": "Priced, not ordered"}
AMOUNTS = ("due_now", "order_total", "recurring_before", "recurring_after")
IDS = ("package_before", "package_after", "order_id", "invoice_id")
CYCLES = ("cycle_before", "cycle_after")
SHAPES = {"currency": re.compile(r"^[A-Z]{3}$"), "placed_at": re.compile(r"^[0-9]{4}-[0-9-]{5}T[0-9:]{8}Z$")}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "hostup.cloud.spend"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._rows = {}  # 0, 1, ... -> row, in the order of the run
        self._running = {}  # (host, task uuid) -> {"task"; "items" once loop items came}
        self._jobs = {}  # (host, async job id) -> index of its "not_awaited" row

    def v2_playbook_on_start(self, playbook):
        self._write(complete=False)

    def v2_runner_on_start(self, host, task):
        if module_name(task):
            self._running[(to_text(host.get_name()), task._uuid)] = {"task": task}
            self._write(complete=False)

    def v2_runner_on_ok(self, result, ignore_errors=False):
        self._collect(result, "final")

    def v2_runner_item_on_ok(self, result):
        self._collect(result, "item")

    def v2_runner_retry(self, result):  # each attempt of an until loop ran the module
        self._collect(result, "retry")

    def v2_runner_on_skipped(self, result):  # no row: the event says it, not the result
        self._running.pop(_key(result), None)

    v2_runner_on_failed = v2_runner_on_unreachable = v2_runner_on_ok
    v2_runner_item_on_failed = v2_runner_item_on_ok

    def _collect(self, result, kind):
        (host, uuid), task, data = _key(result), _part(result, "task"), _part(result, "result")
        data = data if isinstance(data, dict) else {}
        running = (self._running.pop if kind == "final" else self._running.get)((host, uuid), None) or {}
        running["items"] = running.get("items") or kind == "item"
        job, module, index = (host, to_text(data.get("ansible_job_id"))), module_name(task), None
        if module:
            if running["items"] and kind == "final":
                return  # a loop's summary: its items were rows
            args, check = task_args(result, task)
        elif job in self._jobs and data.get("finished"):  # async_status brought an async task's result
            index = self._jobs.pop(job)
            module, args, check = (self._rows[index][key] for key in ("module", "_args", "_check"))
        else:
            return
        status = "hidden" if "censored" in data else "no_result" if data.get("unreachable") else None
        if index is None and data.get("started") and not data.get("finished") and "ansible_job_id" in data:
            status, self._jobs[job] = "not_awaited", len(self._rows)
        try:
            row = make_row(host, module, None if status else data.get("outcome"), args, check, status)
        except Exception:  # pylint: disable=broad-except
            row = make_row(host, module, None, {}, check, "no_result")  # never lose a row to a bug here
        for n, old in self._rows.items():  # the order of a draft replaces its check-mode estimate
            if index is None and row["draft_id"] and old["status"] == "priced" and \
                    [old[k] for k in ("host", "vmid", "draft_id")] == [row[k] for k in ("host", "vmid", "draft_id")]:
                index = n
        self._rows[len(self._rows) if index is None else index] = row
        self._write(complete=False)

    def v2_playbook_on_stats(self, stats):
        report = self._write(complete=True, warn=True)
        if report["rows"]:
            self._display.display(render(report))

    def report(self, complete=True):
        rows = [dict((k, v) for k, v in row.items() if not k.startswith("_")) for row in self._rows.values()]
        # a task started and never ended: running as the report is written, or (at the end) ended without a result
        rows += [make_row(host, module_name(r["task"]), None, *task_args(None, r["task"]),
                          status="no_result" if complete else "running") for (host, _uuid), r in self._running.items()]
        rows.sort(key=lambda row: row["host"])  # stable: in the order of the run per host
        notes = []
        return {"format_version": 2, "complete": complete, "check_mode": bool(context.CLIARGS.get("check")),
                "rows": rows, "totals": add_up(rows, notes), "notes": notes}

    def _write(self, complete, warn=False):
        """Write the report as it stands; when that fails, the old file goes (the end of the run warns)."""
        report, path = self.report(complete), self.get_option("report_file")
        try:
            if path:
                write_private_json(path, report, sync=complete)
        except (OSError, TypeError, ValueError) as error:
            try:
                if os.path.lexists(path):
                    os.unlink(path)
                left = "no older report is left there"
            except OSError:
                left = "the file there could not be removed and is NOT this run's report"
            if warn:
                self._display.warning("hostup.cloud.spend could not write its report %s (%s); %s"
                                      % (printable(path), printable(error), left))
        return report


def _part(result, name):
    """ansible-core 2.19 names them result.task/host/result/task_fields, older ones with a leading _."""
    value = getattr(result, name, None) if result is not None else None
    return value if value is not None and not callable(value) else getattr(result, "_" + name, None)


def _key(result):
    """(host name, task uuid) of a result."""
    return to_text(_part(result, "host").get_name()), getattr(_part(result, "task"), "_uuid", None)


def module_name(task):
    """The FQCN of this collection's ordering module a task runs, or None."""
    names = [NAMES.get(to_text(getattr(task, key, None) or "")) for key in ("resolved_action", "action")]
    return ([name for name in names if name] + [None])[0]


def task_args(result, task):
    """The task's options after templating (only vmid, package, cycle, resources are read), and its check mode."""
    fields = _part(result, "task_fields") or {}
    args = fields.get("args") if isinstance(fields.get("args"), dict) else getattr(task, "args", None)
    check = [v for v in (fields.get("check_mode"), getattr(task, "check_mode", None)) if isinstance(v, bool)]
    return args if isinstance(args, dict) else {}, (check + [bool(context.CLIARGS.get("check"))])[0]


def make_row(host, module, outcome, args, check, status=None):
    """A row from the module's outcome; without one, from the task's own options, ``status`` saying why."""
    if not isinstance(outcome, dict):
        status = status or "no_result"
        resources = args.get("resources") if isinstance(args.get("resources"), dict) else {}
        outcome = {"package_after": args.get("package"), "cycle_after": args.get("cycle"),
                   "options": [{"id": key, "value": value} for key, value in resources.items()]}
    status = status or (outcome["status"] if outcome.get("status") in STATUSES else "unknown")
    real, checked, note = STATUS[status]
    row = dict(host=printable(host, limit=80), vmid=positive_int(args.get("vmid")), module=module, status=status,
               counted_as=checked if check else real, _args=args, _check=check,
               draft_id=positive_int(outcome.get("draft_id")),
               options=[dict(id=ident(o.get("id")), name=printable(o.get("name"), limit=60) or None,
                             value=_value(o.get("value"))) for o in outcome.get("options") or [] if isinstance(o, dict)])
    row.update((key, money(outcome.get(key))) for key in AMOUNTS)
    row.update((key, ident(outcome.get(key))) for key in IDS)
    row.update((key, outcome.get(key) if outcome.get(key) in tuple(CYCLES_PER_YEAR) else None) for key in CYCLES)
    row.update((key, outcome[key] if isinstance(outcome.get(key), str) and shape.match(outcome[key]) else None)
               for key, shape in SHAPES.items())
    if check and real == MAY and checked is None:
        note += " (check mode: nothing ordered)"
    elif row["counted_as"] == MAY and status != "unknown":
        note += ": MAY HAVE BEEN ORDERED"
    said = ["%s %s" % (name, row[name + "_id"]) for name in ("order", "invoice") if row[name + "_id"]]
    said += ["placed " + row["placed_at"]] if row["placed_at"] and status in ("pending", "unknown") else []
    row["note"] = note + (" (%s)" % ", ".join(said) if said else "") + (
        "; WARNING: HostUp's order reply says %s" % _amount(row["order_total"]) if differs(row) else "")
    return row


def _value(value):
    """An option's value: a whole number as it is, anything else as text without control characters."""
    return value if isinstance(value, int) and not isinstance(value, bool) else printable(value, limit=60)


def differs(row):
    return None not in (row["order_total"], row["due_now"]) and abs(row["order_total"] - row["due_now"]) >= 0.005


def add_up(rows, notes):
    """Per counted_as and currency: changes, due now, and the recurring cost of the VPSes a year before and after."""
    totals, chains = {}, {}
    for row in (row for row in rows if row["counted_as"]):
        key = (row["counted_as"], row["currency"])
        total = totals.setdefault(key, dict(counted_as=key[0], currency=key[1], changes=0, due_now=0.0, due_now_unknown=0,
                                            recurring_before_per_year=0.0, recurring_after_per_year=0.0,
                                            recurring_unknown=0))
        known = [amount for amount in (row["due_now"], row["order_total"]) if amount is not None]
        total["changes"] += 1
        total["due_now"] += max([0.0] + known)  # the larger of estimate and reply; never a refund
        total["due_now_unknown"] += not known
        # a VPS changed twice cost what it did before the first change, and costs what it does after the last
        chains.setdefault(key, {}).setdefault(row["vmid"] or id(row), []).append(row)
    for key, vpses in chains.items():
        for chain in vpses.values():
            before, after = _per_year(chain[0], "before"), _per_year(chain[-1], "after")
            known = None not in (before, after)
            totals[key]["recurring_before_per_year"] += before if known else 0.0
            totals[key]["recurring_after_per_year"] += after if known else 0.0
            totals[key]["recurring_unknown"] += 0 if known else len(chain)
    result = sorted(totals.values(), key=lambda t: (list(BASES).index(t["counted_as"]), t["currency"] or "~"))
    for total, name in ((t, n) for t in result for n in ("due_now", "recurring_before_per_year", "recurring_after_per_year")):
        total[name] = round(total[name], 2) + 0.0 if math.isfinite(total[name]) else None
        if total[name] is None:
            notes.append("Note: the %s total %s in %s is too large for a number (null in the JSON report)."
                         % (total["counted_as"], name, total["currency"] or "an unknown currency"))
    return result


def _per_year(row, side):
    amount, cycle = row["recurring_" + side], row["cycle_" + side]
    return None if amount is None or cycle is None else amount * CYCLES_PER_YEAR[cycle]


def render(report):
    rows = report["rows"]
    ordered = [row for row in rows if row["counted_as"] in ("ordered", MAY)]
    title = "HostUp spend: what this run ordered and priced" if not report["check_mode"] else \
        "HostUp spend (--check, but tasks with check_mode: false ordered)" if ordered else "HostUp spend (--check): priced only"
    table = [("host", "vmid", "change", "due now", "recurring", "currency", "what happened")] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(7)]
    lines = [title, ""] + ["  ".join(cell.rjust(widths[i]) if i in (1, 3) else cell.ljust(widths[i])
                                     for i, cell in enumerate(line)).rstrip() for line in table] + [""]
    for t in report["totals"]:
        lines.append("%s, %s (%s): due now %s; recurring %s" % (
            BASES[t["counted_as"]], t["currency"] or "currency unknown", _changes(t["changes"]),
            _sum(t, [t["due_now"]], t["due_now_unknown"]),
            _sum(t, [t["recurring_before_per_year"], t["recurring_after_per_year"]], t["recurring_unknown"], "/yr")))
    if not ordered:
        lines.append("This run ordered nothing%s." % (" (check mode)" if report["check_mode"] else ""))
    counted = [row for row in rows if row["counted_as"]]
    for text, count in (
            ("Pending, ordered by an earlier run and not counted here: %s.", [r["status"] == "pending" for r in rows]),
            ("Not subtracted: a negative amount due now on %s (no refund is assumed).",
             [r["due_now"] is not None and r["due_now"] < 0 for r in counted]),
            ("WARNING: HostUp's order reply differs from the estimate on %s; the larger is counted.",
             [differs(r) for r in counted]),
            ("Check HostUp (hostup.cloud.hostup_vps_info or the panel) for the %s that MAY HAVE BEEN ORDERED "
             "before running again.", [r["counted_as"] == MAY for r in rows])):
        lines += [text % _changes(sum(count))] if any(count) else []
    return "\n".join(lines + report["notes"])


def cells(row):
    due = _amount(row["due_now"]) + (" (reply %s)" % _amount(row["order_total"]) if differs(row) else "")
    before, after = ("?" if row["recurring_" + side] is None else _amount(row["recurring_" + side]) + {
        "monthly": "/mo", "annually": "/yr"}.get(row["cycle_" + side], "") for side in ("before", "after"))
    return (row["host"], str(row["vmid"] or "-"), change_text(row), due,
            after if before == after else "%s -> %s" % (before, after), row["currency"] or "-", row["note"])


def change_text(row):
    parts = ["%s %s -> %s" % (name, row[name + "_before"] or "?", row[name + "_after"]) for name in ("package", "cycle")
             if row[name + "_after"] not in (None, row[name + "_before"])]
    parts += ["resources " + ", ".join("%s%s=%s" % (o["id"] or "?", " %s" % o["name"] if o["name"] else "",
                                                    printable(o["value"])) for o in row["options"])] if row["options"] else []
    # nothing changes: say what it is
    parts = parts or ["%s %s" % (name, row[name + "_after"]) for name in ("package", "cycle") if row[name + "_after"]][:1]
    return "; ".join(parts) or "-"


def _amount(amount):
    return "-" if amount is None else "%.2f" % amount if abs(amount) < 1e15 else "%.3e" % amount


def _sum(total, amounts, unknown, suffix=""):
    """A total's amount (or before -> after), and for how many changes it is unknown."""
    if unknown >= total["changes"]:
        return "unknown"
    text = " -> ".join("too large" if amount is None else _amount(amount) + suffix for amount in amounts)
    return text + (" (unknown for %s)" % _changes(unknown) if unknown else "")


def _changes(count):
    return "%d change%s" % (count, "" if count == 1 else "s")


def write_private_json(path, report, sync=True):
    """Replace ``path`` with the report at once, readable by its owner only (on disk before it returns: ``sync``)."""
    text = json.dumps(report, indent=2, sort_keys=True, allow_nan=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=".hostup-spend-", suffix=".json", dir=os.path.dirname(os.path.abspath(path)))
    try:  # mkstemp makes the file 0600
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            if sync:  # a killed run's report survives in the page cache; the final one is synced
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise

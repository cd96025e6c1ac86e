# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module against every failure HostUp can produce, and every bad input.

One playbook run covers the whole table: each case is an inventory host with a
VPS of its own, whose faults are set in the simulator before the run. The run
uses -vvvv, --diff and ANSIBLE_LOG_PATH, so the same run is scanned for leaks.
Each case is then checked on its own: the outcome, the message, no traceback,
and how many ordering calls the simulator received for its VPS.

A summary goes to tests/output/fault-matrix.txt; `make test` prints it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import save_result_task, write_local_inventory
from ansible_collections.hostup.cloud.tests.leaks import leaks
from ansible_collections.hostup.cloud.tests.paths import output_file
from ansible_collections.hostup.cloud.tests.simulator import hostup_simulator
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import SENSITIVE_VALUES

FIRST_VMID = 20001
# The run's API key; the quote and backslash make its repr and JSON forms differ from it, so the
# leak scan proves it looks for those too.
MATRIX_KEY = 'matrix-secret-key-"0b7e99\\'

# module mode -> (module, arguments, check mode, the calls it makes, the ordering call or None)
# A real upgrade that orders reads the VPS once more after the order (``wait``): POLLED names that read. A
# billing-cycle switch is shown by HostUp's answer, so it reads no more (unless HostUp says it applies it later).
MODES = {
    "info": ("hostup_vps_info", {}, False, ("details", "billing_cycle"), None),
    "upgrade": ("hostup_vps_upgrade", {"package": "1938"}, False,
                ("details", "billing_cycle", "estimate", "order"), "order"),
    "upgrade_check": ("hostup_vps_upgrade", {"package": "1938"}, True, ("details", "billing_cycle", "estimate"), None),
    "cycle": ("hostup_vps_billing_cycle", {"cycle": "annually"}, False,
              ("billing_cycle", "estimate", "change_billing_cycle"), "change_billing_cycle"),
    "cycle_check": ("hostup_vps_billing_cycle", {"cycle": "annually"}, True, ("billing_cycle", "estimate"), None),
}
SUCCESS = {"info": "ok", "upgrade": "changed", "upgrade_check": "changed", "cycle": "changed", "cycle_check": "changed"}
RETRIED = ("details", "billing_cycle", "estimate")
POLLED = {"upgrade": "details"}


class Case(object):
    def __init__(self, name, mode, expect, words=(), orders=0, faults=(), args=None, unpaid=False, sent=None,
                 state=None):
        self.name, self.mode, self.expect, self.words, self.orders = name, mode, expect, tuple(words), orders
        self.faults, self.args, self.unpaid, self.vmid = tuple(faults), args, unpaid, None
        self.sent = dict(sent or {})  # call -> how many requests of it the simulator must see
        self.state = state or {}  # settings of the case's VPS in the simulator (apply_delay)
        if expect != "failed" and POLLED.get(mode) in self.sent:
            self.sent[POLLED[mode]] += 1

    def task_args(self):
        module, args, _check, _calls, _order = MODES[self.mode]
        merged = dict(args, vmid=self.vmid)
        merged.update(self.args or {})
        return module, merged


def build_cases():
    cases = []
    for mode, (_module, _args, check, calls, order_call) in sorted(MODES.items()):
        success_orders = 1 if order_call else 0
        for call in calls:
            ordering = call == order_call
            for status in (500, 502, 503, 504):
                if ordering:
                    cases.append(Case("%s %s %d" % (mode, call, status), mode, "failed",
                                      ["HTTP %d" % status, "is unknown", "kept in the order ledger"], orders=1,
                                      faults=[(call, "status", {"status": status, "times": None})], sent={call: 1}))
                elif status == 500 or call not in RETRIED:
                    cases.append(Case("%s %s %d" % (mode, call, status), mode, "failed", ["HTTP %d" % status],
                                      faults=[(call, "status", {"status": status, "times": None})], sent={call: 1}))
                else:
                    cases.append(Case("%s %s %d always" % (mode, call, status), mode, "failed", ["HTTP %d" % status],
                                      faults=[(call, "status", {"status": status, "times": None})], sent={call: 3}))
            if call in RETRIED:
                cases.append(Case("%s %s 503 once" % (mode, call), mode, SUCCESS[mode], orders=success_orders,
                                  faults=[(call, "status", {"status": 503})], sent={call: 2}))
        for call in (calls[0], order_call) if order_call else (calls[0],):
            ordering = call == order_call
            lost = ["is unknown"] if ordering else []
            cases += [
                Case("%s %s 429 retry-after" % (mode, call), mode, SUCCESS[mode], orders=success_orders,
                     faults=[(call, "rate_limit", {"retry_after": 1})], sent={call: 2}),
                Case("%s %s 429 reset only" % (mode, call), mode, SUCCESS[mode], orders=success_orders,
                     faults=[(call, "rate_limit", {"retry_after": None})], sent={call: 2}),
                Case("%s %s 429 past budget" % (mode, call), mode, "failed",
                     ["HTTP 429", "this task waits at most 60 s", "fewer forks"],
                     faults=[(call, "rate_limit", {"retry_after": 120, "times": None})], sent={call: 1}),
                Case("%s %s timeout" % (mode, call), mode, "failed", ["did not answer within 1 s"] + lost,
                     orders=1 if ordering else 0, args={"api_timeout": 1},
                     faults=[(call, "delay", {"delay": 2.5, "times": None})], sent={call: 1 if ordering else 3}),
                Case("%s %s html" % (mode, call), mode, "failed", ["HTML page instead of JSON"] + lost,
                     orders=1 if ordering else 0, faults=[(call, "html", {"times": None, "after_apply": ordering})],
                     sent={call: 1 if ordering else 3}),
                Case("%s %s truncated" % (mode, call), mode, "failed", ["malformed or truncated JSON"] + lost,
                     orders=1 if ordering else 0,
                     faults=[(call, "truncated", {"times": None, "after_apply": ordering})], sent={call: 1}),
                Case("%s %s success false" % (mode, call), mode, "failed", ["HTTP 200 UPSTREAM_ERROR"],
                     orders=1 if ordering else 0,
                     faults=[(call, "success_false", {"times": None, "after_apply": ordering})], sent={call: 1}),
            ]
            if ordering:
                cases.append(Case("%s %s dropped" % (mode, call), mode, "failed",
                                  ["broke before HostUp answered", "is unknown"], orders=1,
                                  faults=[(call, "drop", {"after_apply": True})], sent={call: 1}))
            else:
                cases.append(Case("%s %s dropped once" % (mode, call), mode, SUCCESS[mode], orders=success_orders,
                                  faults=[(call, "drop", {})], sent={call: 2}))
        for status, words in ((401, ["HTTP 401 UNAUTHORIZED", "Check api_key"]),
                              (403, ["HTTP 403 FORBIDDEN", "lacks a scope"]),
                              (404, ["HTTP 404 NOT_FOUND", "No such VPS: check vmid"])):
            cases.append(Case("%s %d" % (mode, status), mode, "failed", words,
                              faults=[(calls[0], "status", {"status": status, "times": None})], sent={calls[0]: 1}))
        if mode == "info":
            cases.append(Case("info pending invoice", mode, "ok", unpaid=True))
        else:
            cases.append(Case("%s pending invoice" % mode, mode, "failed", ["unpaid invoice", "Pay or cancel"],
                              unpaid=True))
    cases += money_cases()
    cases.append(Case("info key ends with a newline", "info", "ok", args={"api_key": MATRIX_KEY + "\n"}))
    cases.append(Case("upgrade key ends with a newline", "upgrade", "changed", orders=1,
                      args={"api_key": MATRIX_KEY + "\n"}))
    cases += bad_input_cases()
    for index, case in enumerate(cases):
        case.vmid = FIRST_VMID + index
    return cases


def money_cases():
    """Issue 10: amounts, replies, drafts, resources and changes HostUp applies later."""
    no_order = {"order": 0, "change_billing_cycle": 0}
    return [
        Case("upgrade order data.success false", "upgrade", "failed",
             ["answered success: false", "cannot be proven"], orders=1,
             faults=[("order", "patch", {"skip": True, "data": {"success": False, "message": "Draft rejected"}})],
             sent={"order": 1}),
        Case("upgrade order without order id", "upgrade", "failed", ["answered without an order id", "Check the VPS"],
             orders=1, faults=[("order", "patch", {"skip": True, "data": {"success": True}})], sent={"order": 1}),
        Case("upgrade estimate prorated NaN", "upgrade", "failed", ["Over budget", "(prorated NaN)"],
             faults=[("estimate", "patch", {"data": {"prorated": "NaN"}})], sent=no_order),
        Case("upgrade estimate setup fee over budget", "upgrade", "failed", ["560.00 due now is more than"],
             args={"max_prorated": 100},
             faults=[("estimate", "patch", {"data": {"raw.draft.price.total": "560.00", "raw.draft.price.setup": 500}})],
             sent=no_order),
        Case("upgrade free option not claimed", "upgrade", "failed", ["cannot read the current value of option 2259"],
             args={"package": None, "resources": {"2259": 1}}, sent=no_order),
        Case("upgrade list option not claimed", "upgrade", "failed", ["cannot read the current value of option 2209"],
             args={"package": None, "resources": {"2209": "debian-12"}}, sent=no_order),
        Case("upgrade unknown draft", "upgrade", "failed", ["No such draft: check draft_id", "no open draft 99999"],
             args={"draft_id": 99999}, sent=no_order),
        Case("upgrade applied later", "upgrade", "changed", orders=1, state={"apply_delay": 1.5}, sent={"order": 1}),
        Case("upgrade not visible in wait_timeout", "upgrade", "failed", ["was ordered (order", "kept in the order ledger"],
             orders=1, args={"wait_timeout": 2}, state={"apply_delay": 600}, sent={"order": 1}),
        Case("cycle estimate prorated NaN", "cycle", "failed", ["(prorated NaN)"],
             faults=[("estimate", "patch", {"data": {"prorated": "NaN"}})], sent=no_order),
        Case("cycle over budget", "cycle", "failed", ["Over budget", "more than max_prorated 100.00"],
             args={"max_prorated": 100}, sent=no_order),
        Case("cycle applied later", "cycle", "changed", orders=1, state={"apply_delay": 1.5},
             sent={"change_billing_cycle": 1}),
    ]


def bad_input_cases():
    table = [
        ("info", {"vmid": 0}, "vmid"), ("info", {"vmid": "abc"}, "vmid"), ("info", {"api_timeout": 0}, "api_timeout"),
        ("info", {"api_timeout": "soon"}, "api_timeout"), ("info", {"validate_certs": "maybe"}, "validate_certs"),
        ("info", {"api_url": "http://hostup.example.net"}, "api_url"), ("info", {"api_url": "cloud"}, "api_url"),
        ("upgrade", {"vmid": -1}, "vmid"), ("upgrade", {"package": "vps-md"}, "package"),
        ("upgrade", {"package": ["1938"]}, "package"), ("upgrade", {"resources": "big"}, "resources"),
        ("upgrade", {"resources": {"disk": 80}}, "resources"), ("upgrade", {"resources": {"2232": -5}}, "resources"),
        ("upgrade", {"resources": {"2232": 2.5}}, "resources"), ("upgrade", {"resources": {"2232": True}}, "resources"),
        ("upgrade", {"resources": {}}, "resources"), ("upgrade", {"cycle": "weekly"}, "cycle"),
        ("upgrade", {"draft_id": 0}, "draft_id"), ("upgrade", {"draft_id": "latest"}, "draft_id"),
        ("upgrade", {"max_prorated": -1}, "max_prorated"), ("upgrade", {"max_prorated": "lots"}, "max_prorated"),
        ("upgrade", {"max_recurring": -0.01}, "max_recurring"), ("upgrade", {"package": None}, "package, resources"),
        ("upgrade", {"colour": "blue"}, "colour"),
        ("cycle", {"cycle": "a"}, "cycle"), ("cycle", {"cycle": None}, "cycle"), ("cycle", {"vmid": 1.5}, "vmid"),
        ("info", {"rate_limit_wait": -1}, "rate_limit_wait"), ("info", {"api_key": " \n"}, "api_key is empty"),
    ]
    return [Case("bad input %s %s" % (mode, json.dumps(args, sort_keys=True)), mode, "failed", [option],
                 args=args, sent={"*": 0}) for mode, args, option in table]


CASES = build_cases()


@pytest.fixture(scope="module")
def matrix(ansible_factory, tmp_path_factory):
    simulator = hostup_simulator.Simulator(api_keys=[MATRIX_KEY], fleet=len(CASES))
    server = hostup_simulator.SimulatorServer(simulator).start()
    try:
        for case in CASES:
            if case.unpaid:
                simulator.leave_invoice_unpaid(case.vmid)
            simulator.vps[case.vmid].update(case.state)
            for call, kind, params in case.faults:
                params = dict(params)
                simulator.add_fault(call, kind, vmid=case.vmid, times=params.pop("times", 1), **params)
        workdir = tmp_path_factory.mktemp("matrix")
        run = ansible_factory(server, workdir).playbook(
            [], play=None, inventory=write_inventory(workdir), api_key=MATRIX_KEY, verbosity=4, diff=True,
            plays=matrix_plays(), args=["--forks", "25"])  # many cases wait (429s, timeouts): overlap them
        results = {}
        for case in CASES:
            path = workdir / "results" / ("case%d.json" % case.vmid)
            results[case.vmid] = json.loads(path.read_text()) if path.exists() else None
        outcome = {case.vmid: check_case(case, results[case.vmid], simulator, run) for case in CASES}
        leaked = find_leaks(run, results)
        write_summary(outcome, simulator, leaked)
        yield {"run": run, "results": results, "outcome": outcome, "sim": simulator, "leaks": leaked}
    finally:
        server.shutdown()


def write_inventory(workdir):
    groups = {}
    for case in CASES:
        module, args = case.task_args()
        groups.setdefault(module, {})["case%d" % case.vmid] = {
            "case_module": module, "case_args": args, "case_check": MODES[case.mode][2]}
    (workdir / "results").mkdir()
    return write_local_inventory(workdir / "inventory.json", groups, {"results_dir": str(workdir / "results")})


def matrix_plays():
    plays = []
    for module in sorted(set(mode[0] for mode in MODES.values())):
        plays.append({"name": "Fault matrix: %s" % module, "hosts": module, "gather_facts": False, "tasks": [
            {"name": "Run the case", "hostup.cloud.%s" % module: "{{ case_args }}",
             "check_mode": "{{ case_check }}", "register": "case_result", "ignore_errors": True},
            save_result_task("case_result", "{{ results_dir }}", "{{ inventory_hostname }}"),
        ]})
    return plays


def check_case(case, result, simulator, run):
    """Everything wrong with one case's outcome, as a list of sentences (empty: it passed)."""
    if result is None:
        return ["no result was saved"]
    problems = []
    status = "failed" if result.get("failed") else ("changed" if result.get("changed") else "ok")
    if status != case.expect:
        problems.append("expected %s, got %s: %s" % (case.expect, status, result.get("msg")))
    for word in case.words:
        if word not in (result.get("msg") or ""):
            problems.append("msg lacks %r: %r" % (word, result.get("msg")))
    # at -vvv Ansible adds "exception": "(traceback unavailable)" to every failure; a real one has a traceback
    if "module_stderr" in result or "Traceback (most recent call last)" in json.dumps(result):
        problems.append("a Python traceback reached the user")
    orders = simulator.ordering_requests(vmid=case.vmid)
    if len(orders) != case.orders:
        problems.append("expected %d ordering calls, the simulator got %d" % (case.orders, len(orders)))
    for call, count in case.sent.items():
        seen = len(simulator.requests(vmid=case.vmid)) if call == "*" else len(
            simulator.requests(call=call, vmid=case.vmid))
        if seen != count:
            problems.append("expected %d %s requests, the simulator got %d" % (count, call, seen))
    if case.expect == "failed" and not problems and "request_ids" not in result and case.sent.get("*") != 0:
        problems.append("a failure without request_ids")
    return problems


def find_leaks(run, results):
    return leaks(run.output + json.dumps(results), [MATRIX_KEY] + list(SENSITIVE_VALUES))


def write_summary(outcome, simulator, leaked):
    passed = sum(1 for problems in outcome.values() if not problems)
    lines = ["fault matrix: %d cases, %d passed, %d failed; ordering calls: %d in all, at most %d per case; "
             "leaks found: %d" % (len(CASES), passed, len(CASES) - passed, len(simulator.ordering_requests()),
                                  max(len(simulator.ordering_requests(vmid=c.vmid)) for c in CASES), len(leaked)),
             "%-44s %-8s %-8s %6s  %s" % ("case", "expected", "result", "orders", "problems")]
    for case in CASES:
        problems = outcome[case.vmid]
        lines.append("%-44s %-8s %-8s %6d  %s" % (case.name[:44], case.expect, "PASS" if not problems else "FAIL",
                                                  len(simulator.ordering_requests(vmid=case.vmid)),
                                                  "; ".join(problems)))
    with open(output_file("fault-matrix.txt"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(matrix, case):
    assert matrix["outcome"][case.vmid] == []


def test_no_secret_or_personal_data_in_output_log_or_results(matrix):
    assert matrix["run"].log, "ANSIBLE_LOG_PATH was not written"
    # the key was in play: the simulator accepted it for the cases that reached HostUp
    assert any(record["status"] == 200 for record in matrix["sim"].requests())
    assert matrix["leaks"] == []


def test_never_more_than_one_ordering_call_per_task(matrix):
    sim = matrix["sim"]
    assert max(len(sim.ordering_requests(vmid=case.vmid)) for case in CASES) <= 1
    assert all(not sim.ordering_requests(vmid=case.vmid) for case in CASES if MODES[case.mode][2])


def test_bad_input_never_reaches_hostup(matrix):
    sim = matrix["sim"]
    vmids = set(case.vmid for case in CASES if not case.name.startswith("bad input"))
    assert [r for r in sim.requests() if r["vmid"] not in vmids] == []

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark hostup.cloud against what users would write by hand with ansible.builtin.uri.

Everything runs against the simulator on 127.0.0.1 with a per-request delay (a
WAN round trip), in one run; each timing is the median of --repeat runs. It
prints a table, writes tests/output/bench.json and ends with one summary line.

    make bench                      # or: python tests/bench/bench.py --repeat 3 --latency-ms 30
    python tests/bench/bench.py --only inventory    # the inventory figure alone (500 VPSes)

Timings are reported, never asserted: the machines are shared and noisy.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import pathlib
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from ansible_collections.hostup.cloud.plugins.inventory.hostup import DETAIL_WORKERS
from ansible_collections.hostup.cloud.tests.integration.ansible_runner import (
    BIN, CONTROLLER_VARS, Ansible, collections_tree, write_local_inventory,
)
from ansible_collections.hostup.cloud.tests.paths import ROOT, output_file
from ansible_collections.hostup.cloud.tests.simulator import hostup_simulator


KEY = "bench-key"
FIRST_VMID = 20001
ORDERING = ("order", "change_billing_cycle")


def fleet_inventory(workdir, count):
    hosts = dict(("vps%d" % vmid, {"hostup_vmid": vmid}) for vmid in range(FIRST_VMID, FIRST_VMID + count))
    return write_local_inventory(os.path.join(workdir, "fleet-%d.json" % count), {"fleet": hosts})


def uri_task(name, path, method, body=None):
    """The task a user would write from HostUp's curl example."""
    args = {"url": "{{ lookup('ansible.builtin.env', 'HOSTUP_API_URL') }}" + path, "method": method,
            "headers": {"X-API-Key": "{{ lookup('ansible.builtin.env', 'HOSTUP_API_KEY') }}"},
            "status_code": 200}
    if body is not None:
        args.update(body_format="json", body=body)
    return {"name": name, "ansible.builtin.uri": args, "no_log": True}


PLAYS = {
    "cycle_module": {"name": "Billing cycle, collection", "tasks": [
        {"name": "Switch", "hostup.cloud.hostup_vps_billing_cycle": {"vmid": "{{ hostup_vmid }}", "cycle": "annually"}}]},
    "cycle_uri": {"name": "Billing cycle, uri", "tasks": [
        uri_task("Switch", "/api/vm/{{ hostup_vmid }}/billing-cycle", "POST", {"cycle": "a"})]},
    "estimate_module": {"name": "Estimate, collection", "tasks": [
        {"name": "Estimate", "hostup.cloud.hostup_vps_upgrade": {"vmid": "{{ hostup_vmid }}", "package": "1938"},
         "check_mode": True}]},
    "estimate_uri": {"name": "Estimate, uri", "tasks": [
        uri_task("Estimate", "/api/vm/{{ hostup_vmid }}/upgrade", "POST", {"send": False, "package": "1938"})]},
    "upgrade_module": {"name": "Upgrade under a rate limit, collection", "tasks": [
        {"name": "Upgrade", "hostup.cloud.hostup_vps_upgrade": {"vmid": "{{ hostup_vmid }}", "package": "1938"}}]},
}
for _play in PLAYS.values():
    _play.update(hosts="fleet", gather_facts=False)


def single_task_plays(tasks):
    module = {"name": "Read", "hostup.cloud.hostup_vps_info": {"vmid": FIRST_VMID}}
    uri = uri_task("Read", "/api/vm/%d/details" % FIRST_VMID, "GET")
    play = {"hosts": "localhost", "gather_facts": False, "vars": dict(CONTROLLER_VARS)}
    return {"module": [dict(play, tasks=[module] * tasks)], "uri": [dict(play, tasks=[uri] * tasks)]}


class Bench(object):
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.sim = hostup_simulator.Simulator(api_keys=[KEY], fleet=args.fleet)
        self.server = hostup_simulator.SimulatorServer(self.sim).start()
        self.tree = collections_tree(ROOT, os.path.join(workdir, "collections"))
        os.makedirs(os.path.join(workdir, "tmp"))
        self.ansible = Ansible(self.server, self.tree, pathlib.Path(workdir), KEY)
        self.inventory = fleet_inventory(workdir, args.fleet)

    def fresh(self, latency=None, rate_limit=None):
        self.sim.reset()
        # the simulator forgot its orders: so must the order ledger, or every task would wait for them
        shutil.rmtree(os.path.join(self.workdir, "state"), ignore_errors=True)
        self.sim.latency = (self.args.latency_ms if latency is None else latency) / 1000.0
        self.sim.rate_limit = rate_limit

    def play(self, plays, forks, inventory=None):
        """Run a playbook; returns (seconds, run)."""
        start = time.monotonic()
        run = self.ansible.playbook([], plays=plays, inventory=inventory or self.inventory, args=["--forks", str(forks)])
        return time.monotonic() - start, run

    def calls(self):
        log = self.sim.requests()
        return {"http": len(log), "ordering": sum(1 for r in log if r["call"] in ORDERING and r["status"] != 429),
                "rate_limited": sum(1 for r in log if r["status"] == 429)}

    def fleet_pair(self, module_play, uri_play, forks):
        """Median wall time and calls of the module play and the uri play, each from a fresh state."""
        figures = {}
        for name, play in (("module", module_play), ("uri", uri_play)):
            times, calls = [], None
            for repetition in range(self.args.repeat):
                self.fresh()
                seconds, run = self.play([play], forks)
                _require(run)
                times.append(seconds)
                calls = self.calls()
            self.sim.clear_requests()
            self.play([play], forks)  # the rerun, on the changed fleet
            rerun_calls = self.calls()
            figures[name] = {"wall_s": statistics.median(times), "runs_s": times, "calls": calls, "rerun": rerun_calls}
        figures["ratio"] = figures["module"]["wall_s"] / figures["uri"]["wall_s"]
        return figures

    def rate_limited_fleet(self):
        self.fresh(rate_limit=self.args.rate_limit)
        seconds, run = self.play([PLAYS["upgrade_module"]], forks=20)
        log = self.sim.requests()
        per_vps = {}
        for record in log:
            if record["call"] == "order" and record["status"] != 429:
                per_vps[record["vmid"]] = per_vps.get(record["vmid"], 0) + 1
        succeeded = sum(1 for vmid in range(FIRST_VMID, FIRST_VMID + self.args.fleet)
                        if self.sim.state(vmid)["product_id"] == "1938")
        accepted = sum(1 for r in log if r["status"] != 429)
        return {"wall_s": seconds, "hosts": self.args.fleet, "succeeded": succeeded,
                "duplicate_orders": sum(n - 1 for n in per_vps.values() if n > 1),
                "http": len(log), "rate_limited": len(log) - accepted,
                "floor_s": accepted / float(self.args.rate_limit), "rc": run.rc}

    def per_task(self, tasks=10):
        figures = {}
        for name, plays in single_task_plays(tasks).items():
            one, many = [], []
            for repetition in range(self.args.repeat):
                self.fresh()
                one.append(self.play([dict(plays[0], tasks=plays[0]["tasks"][:1])], forks=1, inventory="localhost,")[0])
                many.append(self.play(plays, forks=1, inventory="localhost,")[0])
            figures[name] = {"task_s": (statistics.median(many) - statistics.median(one)) / (tasks - 1),
                             "playbook_1_task_s": statistics.median(one)}
        figures["import_ms"] = import_time_ms(self.tree)
        return figures

    def inventory_listing(self):
        """ansible-inventory over a large account: the first run reads HostUp, the second the cache."""
        sim = hostup_simulator.Simulator(api_keys=[KEY], fleet=self.args.inventory_fleet,
                                         latency=self.args.latency_ms / 1000.0)
        server = hostup_simulator.SimulatorServer(sim).start()
        try:
            ansible = Ansible(server, self.tree, pathlib.Path(self.workdir), KEY)
            source = os.path.join(self.workdir, "bench.hostup.yml")
            with open(source, "w") as handle:
                json.dump({"plugin": "hostup.cloud.hostup", "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
                           "cache_connection": os.path.join(self.workdir, "inventory-cache"),
                           "keyed_groups": [{"key": "hostup_product_id", "prefix": "plan"}]}, handle)
            figures = {"vps": len(sim.vps), "workers": DETAIL_WORKERS}
            for run_name, args in (("first", ["--list", "--flush-cache"]), ("cached", ["--list"])):
                sim.clear_requests()
                start, cpu = time.monotonic(), _children_cpu_s()
                run = ansible.inventory(source, args=args)
                seconds, cpu = time.monotonic() - start, _children_cpu_s() - cpu
                _require(run)
                hosts = len(run.results["_meta"]["hostvars"])
                figures[run_name] = {"wall_s": seconds, "cpu_s": cpu, "http": len(sim.requests()), "hosts": hosts}
            start = time.monotonic()
            _require(ansible.inventory("localhost,", args=["--list"]))
            figures["startup_s"] = time.monotonic() - start
            calls = figures["first"]["http"]
            # The list call comes first, alone; the per-VPS reads run DETAIL_WORKERS at a time.
            figures["floor_s"] = calls * self.args.latency_ms / 1000.0 / DETAIL_WORKERS
            figures["ratio"] = figures["first"]["wall_s"] / figures["floor_s"]
            figures["ratio_without_startup"] = (figures["first"]["wall_s"] - figures["startup_s"]) / figures["floor_s"]
            figures["load_average"] = os.getloadavg()[0]
            return figures
        finally:
            server.shutdown()

    def close(self):
        self.server.shutdown()


def _children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _require(run):
    if run.rc != 0:
        raise SystemExit("a benchmark playbook failed:\n%r" % run)


def import_time_ms(tree):
    """Cumulative import time of the client module, from python -X importtime."""
    code = "import ansible_collections.hostup.cloud.plugins.module_utils.transport"
    env = dict(os.environ, PYTHONPATH=tree)
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, check=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    figures = {}
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s+(.*)$", line)
        if match:
            figures[match.group(2).strip()] = int(match.group(1)) / 1000.0
    return {"client": figures.get("ansible_collections.hostup.cloud.plugins.module_utils.transport"),
            "requests": figures.get("requests")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--fleet", type=int, default=100, help="simulated VPSes (default 100)")
    parser.add_argument("--forks", type=int, default=10, help="forks for the fleet change (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per timing, median taken (default 3)")
    parser.add_argument("--latency-ms", type=float, default=30.0, help="simulator delay per request (default 30)")
    parser.add_argument("--rate-limit", type=int, default=20, help="requests a second for the rate-limited fleet")
    parser.add_argument("--inventory-fleet", type=int, default=500, help="simulated VPSes for the inventory (default 500)")
    parser.add_argument("--only", choices=("inventory",), help="run one part only")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="hostup-bench-")
    bench = Bench(args, workdir)
    try:
        print("hostup.cloud bench: %d VPSes, forks %d, %g ms per request, median of %d, ansible in %s"
              % (args.fleet, args.forks, args.latency_ms, args.repeat, BIN), flush=True)
        inventory = bench.inventory_listing()
        if args.only != "inventory":
            cycle = bench.fleet_pair(PLAYS["cycle_module"], PLAYS["cycle_uri"], args.forks)
            estimate = bench.fleet_pair(PLAYS["estimate_module"], PLAYS["estimate_uri"], args.forks)
            limited = bench.rate_limited_fleet()
            startup = bench.per_task()
    finally:
        bench.close()

    print_inventory(inventory, args.latency_ms)
    if args.only == "inventory":
        return 0
    report = {"settings": vars(args), "fleet_cycle": cycle, "fleet_estimate": estimate,
              "rate_limited": limited, "per_task": startup, "inventory": inventory}
    print_table(report)
    with open(output_file("bench.json"), "w") as handle:
        json.dump(report, handle, indent=2)
    print("figures: tests/output/bench.json")
    print("bench: fleet_ratio=%.2f calls_per_switch=%.2f rate_limited_success=%d/%d duplicate_orders=%d "
          "rerun_orders=%d inventory_ratio=%.2f inventory_cached_requests=%d" % (
              cycle["ratio"], cycle["module"]["calls"]["http"] / float(args.fleet), limited["succeeded"],
              limited["hosts"], limited["duplicate_orders"], cycle["module"]["rerun"]["ordering"], inventory["ratio"],
              inventory["cached"]["http"]))
    return 0


def print_inventory(figures, latency_ms):
    first, cached = figures["first"], figures["cached"]
    print()
    print("inventory (hostup.cloud.hostup, %d VPSes, %g ms per request, %d workers): first run %.2f s, "
          "%d requests, %d hosts; floor %.2f s (requests x latency / workers), ratio %.2f "
          "(%.2f without ansible-inventory's own start-up of %.2f s); cached run %.2f s, %d requests; "
          "CPU %.2f s first, %.2f s cached; load average %.1f" % (
              figures["vps"], latency_ms, figures["workers"], first["wall_s"], first["http"], first["hosts"],
              figures["floor_s"], figures["ratio"], figures["ratio_without_startup"], figures["startup_s"],
              cached["wall_s"], cached["http"], first["cpu_s"], cached["cpu_s"], figures["load_average"]), flush=True)


def print_table(report):
    rows = []
    for title, key in (("fleet billing-cycle switch", "fleet_cycle"), ("fleet estimate (check mode)", "fleet_estimate")):
        pair = report[key]
        for name in ("module", "uri"):
            figures = pair[name]
            rows.append((title, name, "%.2f s" % figures["wall_s"], figures["calls"]["http"],
                         figures["calls"]["ordering"], figures["rerun"]["ordering"]))
        rows.append((title, "ratio module/uri", "%.2f" % pair["ratio"], "", "", ""))
    print()
    print("%-28s %-17s %9s %6s %7s %13s" % ("scenario", "how", "wall", "calls", "orders", "rerun orders"))
    for row in rows:
        print("%-28s %-17s %9s %6s %7s %13s" % row)
    limited = report["rate_limited"]
    print()
    print("rate-limited fleet (%d req/s, forks 20): %d/%d hosts succeeded, %d duplicate orders, %d calls "
          "(%d answered 429), wall %.1f s against a floor of %.1f s" % (
              report["settings"]["rate_limit"], limited["succeeded"], limited["hosts"], limited["duplicate_orders"],
              limited["http"], limited["rate_limited"], limited["wall_s"], limited["floor_s"]))
    per_task = report["per_task"]
    print("per task: module %.3f s, uri %.3f s (one-task playbook: module %.2f s, uri %.2f s); "
          "import of the client %.1f ms, of requests %.1f ms" % (
              per_task["module"]["task_s"], per_task["uri"]["task_s"], per_task["module"]["playbook_1_task_s"],
              per_task["uri"]["playbook_1_task_s"], per_task["import_ms"]["client"] or 0,
              per_task["import_ms"]["requests"] or 0))


if __name__ == "__main__":
    sys.exit(main())

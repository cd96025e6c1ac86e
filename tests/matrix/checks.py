# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the version matrix and the demo (noxfile.py) check of a run against the HostUp simulator.

Standard library only: noxfile.py imports this into nox's own Python.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re
import urllib.request

ORDERING_CALLS = ("order", "change_billing_cycle")
READ_CALLS = ("details", "billing_cycle", "client_accounts", "vps_account")
# Every VPS of the simulator with --fleet 4: the seed's five and the fleet's four.
SIMULATOR_VMIDS = [10001, 10002, 10003, 10004, 10005, 20001, 20002, 20003, 20004]
# The VPSes tests/matrix/smoke.yml changes on the controller (upgrade, cycle, role) and on a
# Python 3.9 target (upgrade; its cycle VPS shows up in the report too).
SMOKE_CONTROLLER_HOST = {"upgrade_vmid": 20001, "cycle_vmid": 20002, "role_vmid": 10003}
SMOKE_PYTHON39_HOST = {"upgrade_vmid": 20003, "cycle_vmid": 20004}


class CheckFailed(Exception):
    """A run did not do what the check expects; the message says what differs."""


def requests_received(api_url):
    """The simulator's record of the requests it received (GET /_sim/requests)."""
    with urllib.request.urlopen(api_url + "/_sim/requests") as reply:
        return json.load(reply)


def clear_requests(api_url):
    """Empty the simulator's record of requests."""
    urllib.request.urlopen(urllib.request.Request(api_url + "/_sim/requests", method="DELETE")).close()


def ordering_calls(api_url):
    """The ordering calls the simulator received since its record was last cleared, as "call:vmid"."""
    return ["%s:%s" % (r["call"], r["vmid"]) for r in requests_received(api_url) if r["call"] in ORDERING_CALLS]


def calls_summary(api_url):
    """One line that counts the reads, estimates and orders received, then clears the record (the demo)."""
    log = requests_received(api_url)
    clear_requests(api_url)

    def count(calls, noun):
        number = sum(1 for r in log if r["call"] in calls)
        return "%d %s%s" % (number, noun, "" if number == 1 else "s")

    return "simulator received: %s, %s, %s (ordering calls)" % (
        count(READ_CALLS, "read"), count(("estimate",), "estimate"), count(ORDERING_CALLS, "order"))


def write_smoke_inventory(path, controller_python, python39=None):
    """The JSON inventory of tests/matrix/smoke.yml: the controller, and a Python 3.9 target when there is one."""
    hosts = {"controller": dict(SMOKE_CONTROLLER_HOST, ansible_python_interpreter="{{ ansible_playbook_python }}",
                                expected_python=controller_python)}
    if python39:
        hosts["python3.9"] = dict(SMOKE_PYTHON39_HOST, ansible_python_interpreter=str(python39), expected_python="3.9")
    with open(str(path), "w") as handle:
        json.dump({"targets": {"hosts": hosts}, "all": {"vars": {"ansible_connection": "local"}}}, handle)


def check_spend_report(path, python39=False):
    """The spend callback's JSON report has a row for each VPS the smoke playbook changed, from a real run."""
    with open(str(path)) as handle:
        report = json.load(handle)
    changed = set(SMOKE_CONTROLLER_HOST.values())
    if python39:
        changed.add(SMOKE_PYTHON39_HOST["upgrade_vmid"])
    vmids = set(row.get("vmid") for row in report["rows"])
    if not changed <= vmids or report["check_mode"] is not False:
        raise CheckFailed("spend report rows for %s (check_mode %s), expected %s from a real run"
                          % (sorted(vmids, key=str), report["check_mode"], sorted(changed)))


def expect_output(text, *expected):
    """Every expected text is in the output."""
    missing = [line for line in expected if line not in text]
    if missing:
        raise CheckFailed("expected in the output: " + "; ".join(missing))


def check_adhoc_info(text, vmid=10002, hostname="web-2.sim.example"):
    """`ansible localhost -m hostup.cloud.hostup_vps_info -a vmid=...` succeeded and read that VPS."""
    status, separator, result = text.partition(" => ")
    if not separator or not status.strip().endswith("localhost | SUCCESS"):
        raise CheckFailed("the ad-hoc command did not succeed:\n" + text)
    vps = json.loads(result).get("vps") or {}
    if vps.get("vmid") != vmid or vps.get("hostname") != hostname:
        raise CheckFailed("the ad-hoc command read %r, expected vmid %s (%s)" % (vps, vmid, hostname))


def check_inventory_list(text):
    """`ansible-inventory --list` with the hostup.cloud.hostup plugin has one host per VPS of the simulator."""
    hostvars = json.loads(text)["_meta"]["hostvars"]
    vmids = sorted(v.get("hostup_vmid") for v in hostvars.values())
    if vmids != SIMULATOR_VMIDS:
        raise CheckFailed("inventory vmids %s, expected %s" % (vmids, SIMULATOR_VMIDS))


def python39_recap_ok(smoke_output):
    """The smoke playbook's recap shows the Python 3.9 host ran tasks and none failed."""
    return re.search(r"^python3\.9 +: ok=[1-9][0-9]* .*unreachable=0 +failed=0", smoke_output, re.MULTILINE) is not None

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task results recorded from real runs against the simulator, and a runner that feeds them to the callback.

Each recorded result is what ansible-playbook handed to callbacks (``invocation``
included: the callback must not read it). Only the request ids were shortened.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

import yaml

from ansible import constants as C
from ansible.executor.task_result import TaskResult
from ansible.inventory.host import Host

from ansible_collections.hostup.cloud.plugins.callback import spend

UPGRADE = "hostup.cloud.hostup_vps_upgrade"
BILLING_CYCLE = "hostup.cloud.hostup_vps_billing_cycle"
KEY = "unit-spend-secret-key-4b1e"
# Private things a result may carry where the callback must not look.
SECRETS = (KEY, "anna.unit@kund.example", "Unittestsson", "$2y$10$unitHASHunitHASH", "req-secret-id-1")


def vps(vmid, product_id, product_name, cycle, price):
    return {"vmid": vmid, "hostname": "vps-%d.example" % vmid, "status": "Active", "product_id": product_id,
            "product_name": product_name, "cycle": cycle, "price": price, "total": price,
            "next_due": "2026-12-10", "cpu": 2, "ram": 4, "disk": 40, "bandwidth_limit": 2000}


def estimate(draft_id, prorated, recurring, currency="SEK", credits=0.0):
    return {"draft_id": draft_id, "prorated": prorated, "credits": credits, "recurring": recurring,
            "total": prorated, "currency": currency}


def invocation(**module_args):
    # what ansible puts in every result: the arguments, key included (masked, but not always well)
    return {"module_args": dict(module_args, api_key=KEY, api_url="http://127.0.0.1:1", validate_certs=True)}


# --- hostup_vps_upgrade ------------------------------------------------------------

def priced_upgrade(vmid=10001, draft_id=5257, package="1938", before=("1937", "VPS SM", "monthly", 139.0),
                   prorated=60.0, recurring=259.0, currency="SEK"):
    """A check-mode estimate: changed, the price, no order."""
    return {"changed": True, "request_ids": ["req-1", "req-2", "req-3"],
            "estimate": estimate(draft_id, prorated, recurring, currency), "order": None,
            "vps": vps(vmid, *before), "invocation": invocation(vmid=vmid, package=package)}


def ordered_upgrade(vmid=10001, draft_id=5257, package="1938", order_id="34889", invoice_id="49526",
                    before=("1937", "VPS SM", "monthly", 139.0), prorated=60.0, recurring=259.0, currency="SEK"):
    result = priced_upgrade(vmid, draft_id, package, before, prorated, recurring, currency)
    result["order"] = {"order_id": order_id, "order_num": "1693922233", "invoice_id": invoice_id,
                       "redirect_url": "/billing?invoice=%s" % invoice_id if invoice_id else None,
                       "message": "Upgrade request submitted successfully"}
    result["invocation"] = invocation(vmid=vmid, package=package, draft_id=draft_id)
    return result


def unchanged_upgrade(vmid=10003, package="1938"):
    return {"changed": False, "request_ids": ["req-1", "req-2"], "estimate": None, "order": None,
            "vps": vps(vmid, package, "VPS MD", "annually", 2890.0), "invocation": invocation(vmid=vmid, package=package)}


def over_budget_upgrade(vmid=10001, package="1939"):
    return {"failed": True, "changed": False, "request_ids": ["req-1", "req-2", "req-3"],
            "msg": "Over budget, nothing was ordered: 230.50 due now is more than max_prorated 100.00 (estimate "
                   "draft 5258, SEK).", "reason": "order.over_budget",
            "estimate": estimate(5258, 230.5, 600.0), "order": None, "vps": vps(vmid, "1937", "VPS SM", "monthly", 139.0),
            "invocation": invocation(vmid=vmid, package=package, max_prorated=100.0)}


def unpaid_invoice_upgrade(vmid=10004):
    return {"failed": True, "changed": False, "request_ids": ["req-1", "req-2"],
            "pending_invoice": {"invoice_id": "49526", "order_id": "34889", "total": 40.0, "status": "Unpaid"},
            "vps": vps(vmid, "1937", "VPS SM", "monthly", 139.0),
            "msg": "VPS %d has an unpaid invoice 49526 (order 34889, total 40.00): HostUp will not take another "
                   "order for it, and this task orders nothing while it is open." % vmid,
            "exception": "(traceback unavailable)", "invocation": invocation(vmid=vmid, resources={"2253": 2})}


def failed_read_upgrade(vmid=10009):
    """HostUp answered the very first read with an error: nothing priced, no amounts at all."""
    return {"failed": True, "changed": False, "request_ids": ["req-secret-id-1"],
            "api_error": {"method": "GET", "path": "/api/vm/%d/details" % vmid, "status": 404, "code": "NOT_FOUND",
                          "message": "VPS not found for Anna Unittestsson", "request_id": "req-secret-id-1",
                          "details": {}},
            "msg": "GET /api/vm/%d/details failed: HTTP 404 NOT_FOUND: VPS not found for Anna Unittestsson "
                   "(requestId req-secret-id-1). Check vmid" % vmid,
            "invocation": invocation(vmid=vmid, package="1938")}


def failed_order_upgrade(vmid=10005):
    """The ordering call itself failed with a 502: its outcome is unknown."""
    return {"failed": True, "changed": False, "request_ids": ["req-1", "req-2", "req-3", "req-4"],
            "api_error": {"method": "POST", "path": "/api/vm/%d/upgrade" % vmid, "status": 502, "code": "BAD_GATEWAY",
                          "message": "An unexpected error occurred", "request_id": "req-4", "details": {}},
            "estimate": estimate(5260, 26.25, 670.0, credits=26.25),
            "vps": vps(vmid, "1939", "VPS XL", "monthly", 635.0),
            "msg": "POST /api/vm/%d/upgrade failed: HTTP 502 BAD_GATEWAY: An unexpected error occurred" % vmid,
            "invocation": invocation(vmid=vmid, resources={"2253": 3})}


# --- hostup_vps_billing_cycle ------------------------------------------------------

def priced_switch(vmid=10002):
    return {"changed": True, "request_ids": ["req-1", "req-2"], "previous_cycle": "monthly", "cycle": "annually",
            "price": 1390.0, "estimate": estimate(5258, 1320.5, 1390.0), "message": None, "info": [],
            "invocation": invocation(vmid=vmid, cycle="annually")}


def switched_without_estimate(vmid=10002):
    """A real switch by a module that prices only in check mode: no amounts."""
    return {"changed": True, "request_ids": ["req-1", "req-2"], "previous_cycle": "monthly", "cycle": "annually",
            "price": 1390.0, "estimate": None, "message": "Billing cycle changed successfully",
            "info": ["Account #%d changes saved" % vmid], "invocation": invocation(vmid=vmid, cycle="annually")}


def unchanged_switch(vmid=10003):
    return {"changed": False, "request_ids": ["req-1"], "previous_cycle": "annually", "cycle": "annually",
            "price": 2890.0, "estimate": None, "message": None, "info": [],
            "invocation": invocation(vmid=vmid, cycle="annually")}


# --- feeding the callback ----------------------------------------------------------

class FakeTask(object):
    """What a callback sees of a task after templating: its action names, options and check mode."""

    def __init__(self, action, args, check_mode=False, resolved_action=None):
        self.action = action
        self.resolved_action = resolved_action
        self.args = dict(args, _ansible_check_mode=check_mode, _ansible_module_name=action)
        self.check_mode = check_mode


def task_result(host, action, result, check_mode=False, resolved_action=None):
    """A real TaskResult, as callbacks get it; the task's options are the invocation's (key included)."""
    args = dict(result.get("invocation", {}).get("module_args", {}))
    task = FakeTask(action, args, check_mode, resolved_action or action)
    return TaskResult(Host(host), task, copy.deepcopy(result), {"args": dict(task.args), "check_mode": check_mode})


def make_callback(report_file=None):
    """The callback as ansible loads it, with its options set (report_file None: from the environment)."""
    definitions = yaml.safe_load(spend.DOCUMENTATION)["options"]
    C.config.initialize_plugin_configuration_definitions("callback", "hostup.cloud.spend", definitions)
    callback = spend.CallbackModule(display=FakeDisplay())
    callback._load_name = "hostup.cloud.spend"
    callback.set_options(direct={"report_file": report_file} if report_file else None)
    return callback


class FakeDisplay(object):
    """Collects what the callback prints."""

    verbosity = 0

    def __init__(self):
        self.lines = []
        self.warnings = []

    def display(self, text, **kwargs):
        self.lines.append(text)

    def warning(self, text, **kwargs):
        self.warnings.append(text)

    def banner(self, text, **kwargs):
        self.lines.append(text)

    @property
    def text(self):
        return "\n".join(self.lines)

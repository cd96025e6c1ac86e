# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Feeding the spend callback as ansible-playbook does: real Task objects, real TaskResults
turned into what callbacks get (censored under no_log), and the events in their order."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import yaml

from ansible import constants as C
from ansible.inventory.host import Host
from ansible.playbook.task import Task

from ansible_collections.hostup.cloud.plugins.callback import spend

try:  # ansible-core 2.19+
    from ansible.executor.task_result import _RawTaskResult

    def for_callbacks(host, task, data):
        return _RawTaskResult(host, task, data, task.dump_attrs()).as_callback_task_result()
except ImportError:  # 2.16 - 2.18
    from ansible.executor.task_result import TaskResult

    def for_callbacks(host, task, data):
        return TaskResult(host, task, data, task.dump_attrs()).clean_copy()

UPGRADE = "hostup.cloud.hostup_vps_upgrade"
SWITCH = "hostup.cloud.hostup_vps_billing_cycle"
KEY = "unit-spend-secret-key-4b1e"


def outcome(status="ordered", **fields):
    """An RV(outcome) of an upgrade of VPS SM (139.00/mo) to VPS MD (259.00/mo), 60.00 due now."""
    values = dict(status=status, currency="SEK", due_now=60.0, order_total=None, recurring_before=139.0,
                  recurring_after=259.0, cycle_before="monthly", cycle_after="monthly", package_before="1937",
                  package_after="1938", options=[], draft_id=5257, order_id=None, invoice_id=None, placed_at=None)
    if status == "ordered":
        values.update(order_total=60.0, order_id="34889", invoice_id="49526", placed_at="2026-11-30T10:00:00Z")
    values.update(fields)
    return values


def task(module=UPGRADE, vmid=10001, **keywords):
    """A real Task as a play has it after loading; ``keywords`` are task keywords (check_mode, no_log, ...)."""
    a_task = Task()
    a_task.action, a_task._resolved_action = module, module
    a_task.args = dict(vmid=vmid, api_key=KEY, **keywords.pop("args", {"package": "1938"}))
    for keyword, value in keywords.items():
        setattr(a_task, {"async": "async_val"}.get(keyword, keyword), value)
    return a_task


class Play(object):
    """One playbook run through a fresh callback: ``ok``/``failed``/... send the event, ``end`` ends it."""

    def __init__(self, report_file=None):
        definitions = yaml.safe_load(spend.DOCUMENTATION)["options"]
        C.config.initialize_plugin_configuration_definitions("callback", "hostup.cloud.spend", definitions)
        self.callback = spend.CallbackModule(display=FakeDisplay())
        self.callback._load_name = "hostup.cloud.spend"
        self.callback.set_options(direct={"report_file": report_file} if report_file else None)
        self.callback.v2_playbook_on_start(None)

    def start(self, host, a_task):
        self.callback.v2_runner_on_start(Host(host), a_task)
        return self

    def event(self, event, host, a_task, data=None):
        getattr(self.callback, "v2_runner_" + event)(for_callbacks(Host(host), a_task, dict(data or {})))
        return self

    def ok(self, host, a_task, data):
        return self.start(host, a_task).event("on_ok", host, a_task, data)

    def failed(self, host, a_task, data):
        return self.start(host, a_task).event("on_failed", host, a_task, dict(data, failed=True))

    def end(self):
        self.callback.v2_playbook_on_stats(None)
        return self

    @property
    def lines(self):
        return self.callback._display.text.split("\n")

    def report(self):
        return self.callback.report()


class FakeDisplay(object):
    """Collects what the callback prints."""

    verbosity = 0

    def __init__(self):
        self.shown = []
        self.warnings = []

    def display(self, text, **kwargs):
        self.shown.append(text)

    def warning(self, text, **kwargs):
        self.warnings.append(text)

    @property
    def text(self):
        return "\n".join(self.shown)

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module base every hostup.cloud module starts from: options, checks, the client, the result.

PRIVATE to this collection: names here may change in any release.

It owns the common options (documented once in the ``hostup.cloud.api`` doc
fragment), checks them before any request, builds the client, runs the
module's body and turns what it returns, or the error it raises, into the
task's result, which always carries the task's HostUp requestIds.

A result is data: HostUp's text in it (``api_error``, ``request_ids``, what
HostUp said about an order) stays as sent, made JSON-safe here, once, on the way
out (json_safe in text.py). ``msg`` and warnings are messages, whose HostUp
values render() has already shown escaped.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, HostUpError, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.outcome import MAY_HAVE_ORDERED, Outcome
from ansible_collections.hostup.cloud.plugins.module_utils.secrets import secret_forms
from ansible_collections.hostup.cloud.plugins.module_utils.text import json_safe
from ansible_collections.hostup.cloud.plugins.module_utils.transport import (
    DEFAULT_API_URL,
    DEFAULT_RATE_LIMIT_WAIT,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    HostUpClient,
    check_api_url,
    check_connection_options,
)

VMID_OPTION = dict(type="int", required=True)

COMMON_ARGUMENT_SPEC = dict(
    # required, but checked by check_connection_options, whose message names HOSTUP_API_KEY too
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["HOSTUP_API_KEY"])),
    api_url=dict(type="str", default=DEFAULT_API_URL,
                 fallback=(env_fallback, ["HOSTUP_API_URL"])),
    api_timeout=dict(type="int", default=30),
    validate_certs=dict(type="bool", default=True),
    rate_limit_wait=dict(type="int", default=DEFAULT_RATE_LIMIT_WAIT),
)


def hostup_argument_spec(module_options, calls_hostup=True):
    """The module's own options plus the common ones (``api_key`` optional for a module that calls no API)."""
    spec = dict(COMMON_ARGUMENT_SPEC)
    if not calls_hostup:
        spec["api_key"] = dict(spec["api_key"], required=False)
    spec.update(module_options)
    return spec


class HostUpModule(object):
    """An AnsibleModule with a HostUp client.

    Checks the common options, ``vmid`` (every module has one) and the module's
    own ``check_options(params)`` on creation, so that bad input fails before the
    first request. An ordering module (``orders``) returns RV(outcome) on every
    exit path; its body fills ``self.outcome`` as it goes, and ordering.order_lock
    opens the VPS's order ledger as ``self.ledger``. A module that calls no API
    (``calls_hostup`` False: the ledger module) takes the common options too, so
    that group module_defaults apply, and needs no key.
    """

    def __init__(self, module_options, check_options=None, orders=False, name=None, calls_hostup=True,
                 **module_kwargs):
        self.module = AnsibleModule(
            argument_spec=hostup_argument_spec(module_options, calls_hostup),
            supports_check_mode=True,
            **module_kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.diff_mode = self.module._diff
        self.module_name = name
        self.calls_hostup = calls_hostup
        self.client = None
        self.ledger = None
        self.outcome = Outcome() if orders else None

        self._protect_api_key()
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        try:
            if calls_hostup:
                self.params["api_key"] = check_connection_options(
                    self.params["api_key"], self.params["api_url"], self.params["api_timeout"],
                    self.params["rate_limit_wait"])
            else:
                check_api_url(self.params["api_url"])
            if self.params.get("vmid") is not None and self.params["vmid"] < 1:
                raise BadOption("option.too_small", option="vmid", minimum=1, value=self.params["vmid"])
            if check_options:
                check_options(self.params)
        except BadOption as problem:
            self._fail(dict(msg=problem.message, reason=problem.reason))

    def _protect_api_key(self):
        """Mask the key in every form it can take, not only as given.

        Ansible's no_log masks the exact value given; the key is sent stripped,
        and errors may quote it escaped. A value that is only whitespace is no
        secret, and masking it would mask every space of every message.
        """
        raw = self.params["api_key"]
        if raw is None:
            return
        if not raw.strip():
            self.module.no_log_values.discard(raw)
        self.module.no_log_values.update(secret_forms(raw))

    def run(self, body):
        """Run ``body(self)``, which returns the result; what it raises becomes a failed result."""
        if self.calls_hostup:
            self.client = HostUpClient(
                api_url=self.params["api_url"],
                api_key=self.params["api_key"],
                timeout=self.params["api_timeout"],
                validate_certs=self.params["validate_certs"],
                rate_limit_wait=self.params["rate_limit_wait"],
            )
        try:
            result = body(self)
        except TaskFailed as stop:
            result = dict(stop.result, msg=stop.message, reason=stop.reason)
            if stop.error is not None:
                result["api_error"] = stop.error.to_dict()
            self._fail(result, status=stop.status)
        except HostUpError as error:
            self._fail(dict(msg=error.one_line(), reason=error.reason, api_error=error.to_dict()))
        except Exception as error:  # pylint: disable=broad-except
            if self.outcome is None or self.outcome["status"] not in MAY_HAVE_ORDERED:
                raise  # a bug before anything was ordered: Ansible shows the traceback
            self._fail(dict(msg=render("order.broke_after_sending", error=repr(error)[:200]),
                            reason="order.broke_after_sending"))
        if self.outcome is not None:
            self.outcome.ended(result["changed"], self.check_mode)
            result["outcome"] = dict(self.outcome)
        self.exit(**result)

    def warn(self, message):
        self.module.warn(message)

    def request_ids(self):
        return list(self.client.request_ids) if self.client else []

    def exit(self, changed, diff=None, **result):
        if diff is not None and self.diff_mode:
            result["diff"] = diff
        result.update(changed=changed, request_ids=self.request_ids())
        self.module.exit_json(**json_safe(result))

    def _fail(self, result, status=None):
        if self.outcome is not None:
            self.outcome.stopped(result["reason"], status)
            result["outcome"] = dict(self.outcome)
            # an order that may have been placed is a change, whatever else failed
            result["changed"] = self.outcome["status"] in MAY_HAVE_ORDERED
        result["request_ids"] = self.request_ids()
        self.module.fail_json(**json_safe(result))

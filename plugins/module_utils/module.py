# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module base every hostup.cloud module starts from.

PRIVATE to this collection: names here may change in any release.

It owns the common options (documented once in the ``hostup.cloud.api``
doc fragment), checks them before any request, builds the client, and turns
every outcome into a result that carries the task's HostUp requestIds.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.hostup.cloud.plugins.module_utils.client import (
    DEFAULT_API_URL,
    DEFAULT_RATE_LIMIT_WAIT,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    HostUpClient,
    HostUpError,
    check_api_url,
    normalize_api_key,
    secret_forms,
)

VMID_OPTION = dict(type="int", required=True)

COMMON_ARGUMENT_SPEC = dict(
    api_key=dict(type="str", required=True, no_log=True,
                 fallback=(env_fallback, ["HOSTUP_API_KEY"])),
    api_url=dict(type="str", default=DEFAULT_API_URL,
                 fallback=(env_fallback, ["HOSTUP_API_URL"])),
    api_timeout=dict(type="int", default=30),
    validate_certs=dict(type="bool", default=True),
    rate_limit_wait=dict(type="int", default=DEFAULT_RATE_LIMIT_WAIT),
)


def hostup_argument_spec(module_options):
    """The module's own options plus the common ones."""
    spec = dict(COMMON_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


class HostUpModule(object):
    """An AnsibleModule with a HostUp client; ``fail``/``exit`` add ``request_ids``.

    Checks the common options and ``vmid`` (every module has one) on creation, so
    that bad input fails before the first request.
    """

    def __init__(self, module_options, **module_kwargs):
        self.ansible = AnsibleModule(
            argument_spec=hostup_argument_spec(module_options),
            supports_check_mode=True,
            **module_kwargs)
        self.params = self.ansible.params
        self.check_mode = self.ansible.check_mode
        self.diff_mode = self.ansible._diff
        self.client = None

        self._protect_api_key()
        if not HAS_REQUESTS:
            self.ansible.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        try:
            self.params["api_key"] = normalize_api_key(self.params["api_key"])
        except ValueError as problem:
            self.fail_option("api_key", str(problem))
        problem = check_api_url(self.params["api_url"])
        if problem:
            self.fail_option("api_url", problem)
        if self.params["api_timeout"] < 1:
            self.fail_option("api_timeout", "must be 1 second or more, got %d" % self.params["api_timeout"])
        if self.params["rate_limit_wait"] < 0:
            self.fail_option("rate_limit_wait", "must be 0 (fail at once on HTTP 429) or more seconds, got %d"
                             % self.params["rate_limit_wait"])
        if self.params.get("vmid") is not None and self.params["vmid"] < 1:
            self.fail_option("vmid", "must be 1 or more, got %d" % self.params["vmid"])

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
            self.ansible.no_log_values.discard(raw)
        self.ansible.no_log_values.update(secret_forms(raw))

    def fail_option(self, option, problem):
        """Bad input: name the option; called before any request is sent."""
        self.ansible.fail_json(msg="%s %s" % (option, problem), request_ids=[])

    def connect(self):
        self.client = HostUpClient(
            api_url=self.params["api_url"],
            api_key=self.params["api_key"],
            timeout=self.params["api_timeout"],
            validate_certs=self.params["validate_certs"],
            rate_limit_wait=self.params["rate_limit_wait"],
        )
        return self.client

    def run(self, story):
        """Run ``story(self)``; a HostUp error ends the task as one actionable line."""
        self.connect()
        try:
            story(self)
        except HostUpError as error:
            self.fail_api(error)

    def request_ids(self):
        return list(self.client.request_ids) if self.client else []

    def exit(self, changed, diff=None, **result):
        if diff is not None and self.diff_mode:
            result["diff"] = diff
        self.ansible.exit_json(changed=changed, request_ids=self.request_ids(), **result)

    def fail(self, msg, **result):
        self.ansible.fail_json(msg=msg, request_ids=self.request_ids(), **result)

    def fail_api(self, error, hint=None, **result):
        self.fail(error.one_line(hint), api_error=error.to_dict(), **result)

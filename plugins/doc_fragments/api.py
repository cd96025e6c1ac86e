# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The common options of every hostup.cloud module (module_utils/module.py builds
    # their argument spec).
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - HostUp API key, sent in the C(X-API-Key) header.
      - Create one in the HostUp panel. Reading needs the C(read:vm) scope; ordering needs
        C(write:billing), and a resource change also C(write:vm).
      - If not set, the value of the E(HOSTUP_API_KEY) environment variable is used.
      - Set it once for every module with O(ignore:module_defaults) and the group
        C(group/hostup.cloud.all).
    type: str
    required: true
  api_url:
    description:
      - Base URL of the HostUp API.
      - If not set, the value of the E(HOSTUP_API_URL) environment variable is used, else
        V(https://cloud.hostup.se).
      - Plain C(http://) is accepted only for loopback hosts (C(localhost), C(127.0.0.0/8),
        C(::1)), such as a local simulator, so that the key never crosses a network
        unencrypted.
    type: str
    default: https://cloud.hostup.se
  api_timeout:
    description:
      - Seconds to wait for each HostUp answer.
      - Reads and estimates that time out are tried again (three tries in all); an
        ordering call that times out is never sent again.
    type: int
    default: 30
  validate_certs:
    description:
      - Whether to verify HostUp's TLS certificate. Only turn this off against a test
        server.
    type: bool
    default: true
requirements:
  - requests >= 2.28 (on the host that runs the module)
notes:
  - A task waits out HTTP 429 (rate limited) answers as HostUp asks, by C(Retry-After) or
    C(X-RateLimit-Reset), for at most 60 seconds in all, then fails saying so.
  - Reads and estimates are retried after HTTP 502, 503 and 504 and connection errors;
    ordering calls are not, because HostUp may have placed the order before the
    connection failed.
  - Every result carries RV(ignore:request_ids), the HostUp C(requestId) of each call the
    task made; quote them to HostUp support.
seealso:
  - name: HostUp API documentation
    description: HostUp's reference of the VPS calls these modules use.
    link: https://developer.hostup.se/
"""

    # The VPS every module acts on (module_utils/module.py: VMID_OPTION).
    VMID = r"""
options:
  vmid:
    description:
      - The VPS's id at HostUp (the number in C(/api/vm/{vmid}/) and in the HostUp panel).
    type: int
    required: true
"""

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
      - HostUp API key, sent in the C(X-API-Key) header to the host of O(api_url) and nowhere else.
      - Required; when it is set neither here nor in E(HOSTUP_API_KEY), the task fails before any
        request saying so.
      - Surrounding whitespace is removed (a key from a YAML block scalar or a vault file ends with a
        line break). An empty key, or one with characters no HTTP header can carry, fails before any
        request.
      - Create one in the HostUp panel. Reading needs the C(read:vm) scope; ordering needs
        C(write:billing), and a resource change also C(write:vm).
      - If not set, the value of the E(HOSTUP_API_KEY) environment variable is used.
      - Set it once for every module with O(ignore:module_defaults) and the group
        C(group/hostup.cloud.all).
    type: str
  api_url:
    description:
      - Base URL of the HostUp API.
      - If not set, the value of the E(HOSTUP_API_URL) environment variable is used, else
        V(https://cloud.hostup.se).
      - Plain C(http://) is accepted only for loopback hosts (C(localhost), C(127.0.0.0/8),
        C(::1)), such as a local simulator, so that the key never crosses a network
        unencrypted. Plain C(http://) requests never go through a proxy; C(https://) ones use the
        proxy of the environment (E(HTTPS_PROXY)), which tunnels them encrypted.
      - Redirects are never followed, so that the key cannot be sent to another host; a redirect
        fails the task naming where it pointed.
    type: str
    default: https://cloud.hostup.se
  api_timeout:
    description:
      - The most seconds one HTTP call may take in all, connecting, sending and reading the whole
        answer, however slowly the server sends it.
      - Reads and estimates that time out are tried again (three tries in all); an
        ordering call that times out is never sent again, and its outcome is reported as unknown.
    type: int
    default: 30
  validate_certs:
    description:
      - Whether to verify HostUp's TLS certificate. Only turn this off against a test
        server.
      - To trust a private CA instead, point the E(REQUESTS_CA_BUNDLE) environment variable at its
        certificate bundle.
    type: bool
    default: true
  rate_limit_wait:
    description:
      - The most seconds a task waits in all for HTTP 429 (rate limited) answers. It waits as HostUp
        asks, by C(Retry-After) (seconds or a date), else C(X-RateLimit-Reset), then sends the call
        again; when HostUp asks for more than is left, the task fails saying so.
      - Up to a tenth of each wait is added at random, so that the forks of a run refused together
        do not all ask again at the same moment.
      - A call answered HTTP 429 sixty times in a row fails however little of the wait was used (a
        server that asks to wait almost nothing, again and again).
      - V(0) fails at once on the first HTTP 429.
    type: int
    default: 60
requirements:
  - requests >= 2.28 (on the host that runs the module)
notes:
  - A task waits out HTTP 429 (rate limited) answers for at most O(rate_limit_wait) seconds in all;
    any call, an ordering one too, is sent again after a 429, because HostUp refused it.
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

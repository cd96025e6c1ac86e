#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: hostup_vps_info
short_description: Read the plan, resources and billing of a HostUp VPS
version_added: 0.1.0
description:
  - Reads a HostUp VPS's plan (package), CPU, memory, disk, bandwidth, billing cycle, the
    price of each billing cycle, and whether an unpaid invoice is pending.
  - Never changes anything.
author:
  - hostup.cloud maintainers (@hostup-cloud)
options: {}
extends_documentation_fragment:
  - hostup.cloud.api
  - hostup.cloud.api.vmid
  - hostup.cloud.attributes
  - hostup.cloud.attributes.actiongroup_all
attributes:
  check_mode:
    support: full
    details: The module only reads, so check mode runs it unchanged.
  diff_mode:
    support: N/A
    details: The module changes nothing.
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Read a VPS
  hostup.cloud.hostup_vps_info:
    vmid: 10001
  register: web

- name: Show its plan and what a year costs
  ansible.builtin.debug:
    msg: >-
      {{ web.vps.product_name }} billed {{ web.billing.cycle }};
      annually {{ web.billing.cycles | selectattr('cycle', 'eq', 'annually')
      | map(attribute='price') | first }}

- name: Stop when an invoice is unpaid
  ansible.builtin.fail:
    msg: "Invoice {{ web.billing.pending_invoice.invoice_id }} is unpaid: pay it in the HostUp panel first"
  when: web.billing.pending_invoice is not none
"""

RETURN = r"""
vps:
  description: The VPS as HostUp's details call describes it (only the fields below).
  returned: success
  type: dict
  contains:
    vmid:
      description: The VPS id.
      type: int
      sample: 10001
    hostname:
      description: Host name of the VPS.
      type: str
      sample: web-1.example.net
    status:
      description: Service status.
      type: str
      sample: Active
    product_id:
      description: Id of the current package (plan), as O(hostup.cloud.hostup_vps_upgrade#module:package) takes it.
      type: str
      sample: "1937"
    product_name:
      description: Name of the current package.
      type: str
      sample: VPS SM
    cycle:
      description: Billing cycle, V(monthly) or V(annually).
      type: str
      sample: monthly
    price:
      description: Price per billing cycle.
      type: float
      sample: 139.0
    total:
      description: Total recurring amount of the service per billing cycle.
      type: float
      sample: 139.0
    next_due:
      description: Next due date.
      type: str
      sample: "2026-12-10"
    cpu:
      description: CPU cores.
      type: int
      sample: 2
    ram:
      description: Memory in GB.
      type: int
      sample: 4
    disk:
      description: Disk size in GB.
      type: int
      sample: 80
    bandwidth_limit:
      description: Monthly bandwidth limit in GB.
      type: int
      sample: 2000
billing:
  description: Billing cycle and prices.
  returned: success
  type: dict
  contains:
    cycle:
      description: Current billing cycle, V(monthly) or V(annually).
      type: str
      sample: monthly
    cycles:
      description:
        - Each cycle HostUp offers for this VPS, with its price.
        - Empty while an invoice is pending, because HostUp does not list them then.
      type: list
      elements: dict
      sample:
        - {cycle: monthly, price: 139.0, current: true}
        - {cycle: annually, price: 1390.0, current: false}
    pending_invoice:
      description:
        - The unpaid invoice that blocks orders for this VPS, or null when there is none.
      type: dict
      sample: {invoice_id: "49526", order_id: "34889", total: 69.5, status: Unpaid}
request_ids:
  description: HostUp C(requestId) of each call this task made, for HostUp support.
  returned: always
  type: list
  elements: str
  sample: ["2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba"]
"""

from ansible_collections.hostup.cloud.plugins.module_utils.module import VMID_OPTION, HostUpModule
from ansible_collections.hostup.cloud.plugins.module_utils.vps import read_billing, read_details

MODULE_OPTIONS = dict(
    vmid=VMID_OPTION,
)


def report_vps(hostup):
    vmid = hostup.params["vmid"]
    vps = read_details(hostup.client, vmid)
    billing = read_billing(hostup.client, vmid)
    del billing["product_id"]  # RV(vps.product_id) says it
    if billing["cycle"] is None:
        billing["cycle"] = vps["cycle"]
    return dict(changed=False, vps=vps, billing=billing)


def main():
    hostup = HostUpModule(MODULE_OPTIONS)
    hostup.run(report_vps)


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps.py: the cycle table and the whitelisted reads of a VPS."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.transport import HostUpClient
from ansible_collections.hostup.cloud.plugins.module_utils.vps import (
    CYCLE_NAMES, cycle_code, cycle_name, pending_invoice, read_details,
)
from ansible_collections.hostup.cloud.tests.unit.helpers import API, KEY, api_error
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import DETAILS


@pytest.mark.parametrize("name, code, label", [("monthly", "m", "Monthly"), ("annually", "a", "Annually")])
def test_each_cycle_maps_between_option_code_and_label(name, code, label):
    assert cycle_code(name) == code
    assert cycle_name(code) == cycle_name(label) == cycle_name(name) == name


def test_cycles_the_collection_does_not_manage_stay_visible():
    assert cycle_name("Quarterly") == "quarterly"
    assert "quarterly" not in CYCLE_NAMES
    with pytest.raises(ValueError):
        cycle_code("quarterly")


def test_only_an_existing_invoice_400_is_a_pending_invoice():
    other = HostUpError("GET", "/x", "bad", status=400, details={})
    blocking = HostUpError("GET", "/x", "unpaid", status=400,
                           details={"existing_invoice": True, "invoice_id": 7, "order_id": "8", "total": "1.50"})
    assert pending_invoice(other) is None
    assert pending_invoice(blocking) == {"invoice_id": "7", "order_id": "8", "total": 1.5, "status": None}


def test_a_404_of_a_vps_read_says_check_vmid(conversation):
    conversation.expect("GET", DETAILS, status=404, reply=api_error(404, "NOT_FOUND", "Service not found not found"))
    with pytest.raises(HostUpError) as caught:
        read_details(HostUpClient(API, KEY), 10001)
    assert caught.value.hint.startswith("No such VPS: check vmid")

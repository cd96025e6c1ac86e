# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup_vps_info: two reads, a whitelisted result, a pending invoice as data."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.hostup.cloud.plugins.modules import hostup_vps_info as module
from ansible_collections.hostup.cloud.tests.unit.helpers import api_error, run_module
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import (
    BILLING, DETAILS, billing, details, unpaid_invoice,
)


def test_info_reads_details_and_billing_and_returns_only_whitelisted_fields(conversation):
    conversation.expect("GET", DETAILS, reply=details())
    conversation.expect("GET", BILLING, reply=billing())
    result, failed = run_module(module, {"vmid": 10001})
    assert not failed and result["changed"] is False
    assert result["vps"] == {
        "vmid": 10001, "hostname": "web-1.example", "status": "Active", "product_id": "1937",
        "product_name": "VPS SM", "cycle": "monthly", "price": 139.0, "total": 139.0, "next_due": "2026-12-10",
        "cpu": 2, "ram": 4, "disk": 40, "bandwidth_limit": 2000}
    assert result["billing"] == {
        "cycle": "monthly", "pending_invoice": None,
        "cycles": [{"cycle": "monthly", "price": 139.0, "current": True},
                   {"cycle": "annually", "price": 1390.0, "current": False}]}
    assert result["request_ids"] == ["rid-details", "rid-billing"]


def test_a_pending_invoice_is_reported_not_failed(conversation):
    conversation.expect("GET", DETAILS, reply=details(cycle="Annually"))
    conversation.expect("GET", BILLING, status=400, reply=unpaid_invoice())
    result, failed = run_module(module, {"vmid": 10001})
    assert not failed
    assert result["billing"] == {"cycle": "annually", "cycles": [], "pending_invoice": {
        "invoice_id": "49526", "order_id": "34889", "total": 69.5, "status": "Unpaid"}}


def test_an_unknown_vmid_fails_with_one_actionable_line(conversation):
    conversation.expect("GET", DETAILS, status=404, reply=api_error(404, "NOT_FOUND", "Service not found", "rid-404"))
    result, failed = run_module(module, {"vmid": 10001})
    assert failed
    assert result["msg"] == ("GET /api/vm/10001/details failed: HTTP 404 NOT_FOUND: Service not found "
                             "(requestId rid-404). No such VPS: check vmid, this account has no VPS with that id")
    assert result["request_ids"] == ["rid-404"]


def test_without_requests_the_module_says_what_to_install(conversation, monkeypatch):
    from ansible_collections.hostup.cloud.plugins.module_utils import module as module_base
    monkeypatch.setattr(module_base, "HAS_REQUESTS", False)
    monkeypatch.setattr(module_base, "REQUESTS_IMPORT_ERROR", "ImportError: No module named 'requests'")
    result, failed = run_module(module, {"vmid": 10001})
    assert failed
    assert "Failed to import the required Python library (requests)" in result["msg"]
    assert conversation.sent == []

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator keeps its promises to the tests that rely on it."""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.simulator import hostup_simulator

API_KEY = "demo-key"
KEY = {"X-API-Key": API_KEY}


def call(sim, method, path, body=None, headers=None):
    raw = json.dumps(body).encode() if body is not None else b""
    reply = sim.handle(method, path, dict(KEY, **(headers or {})), raw)
    return reply.status, json.loads(reply.body) if reply.body else None


def upgrade(sim, vmid=10001, **body):
    """POST /api/vm/<vmid>/upgrade with ``body``: (status, reply)."""
    return call(sim, "POST", "/api/vm/%d/upgrade" % vmid, body)


def estimated(sim, vmid=10001, **body):
    return upgrade(sim, vmid, send=False, **body)[1]["data"]


def ordered(sim, vmid=10001, **body):
    return upgrade(sim, vmid, send=True, **body)[1]["data"]


def order_of_estimate(sim, vmid=10001, **body):
    """Estimate ``body``, then order the estimate's draft: the order's data."""
    return ordered(sim, vmid, draftId=estimated(sim, vmid, **body)["draftId"])


@pytest.fixture
def sim():
    return hostup_simulator.Simulator(fleet=3)


@pytest.fixture
def clock(monkeypatch):
    """The simulator's time, which the test moves on: clock[0] += seconds."""
    now = [1000.0]
    monkeypatch.setattr(hostup_simulator.time, "time", lambda: now[0])
    return now


def test_estimating_the_current_configuration_costs_nothing(sim):
    for vmid, vps in sim.vps.items():
        status, body = upgrade(sim, vmid, send=False, package=vps["product_id"], resources=dict(vps["resources"]),
                               cycle=vps["cycle"])
        assert status == 200
        assert body["data"]["prorated"] == 0
        assert body["data"]["recurring"] == sim.price(vps, vps["cycle"])


def test_an_order_of_a_draft_applies_it_once_and_every_upgrade_reply_carries_the_fake_personal_data(sim):
    estimate = upgrade(sim, send=False, package="1938")[1]
    status, order = upgrade(sim, send=True, draftId=estimate["data"]["draftId"])
    assert status == 200 and order["data"]["raw"]["call"] == "convertOrderDraft"
    assert all(value in json.dumps(reply) for reply in (estimate, order)
               for value in hostup_simulator.DRAFT_SENSITIVE_VALUES)
    assert sim.state(10001)["product_id"] == "1938"
    status, again = upgrade(sim, send=True, draftId=estimate["data"]["draftId"])
    assert status == 404 and again["code"] == "NOT_FOUND"


def test_a_direct_order_names_the_hostbill_call(sim):
    assert ordered(sim, 10002, resources={"2232": 60})["raw"]["call"] == "orderConfigUpgrade"
    package = ordered(sim, 10003, package="1939")["raw"]
    assert package["call"] == "orderUpgrade"
    assert set(package["checkout"]) == {"invoice_id", "total", "gateway", "order_id", "order_num", "newtotal"}


def test_an_unpaid_invoice_blocks_the_cycle_read_until_paid_and_the_ordering_posts_only_as_a_fault(sim):
    invoice = sim.leave_invoice_unpaid(10004)
    status, body = call(sim, "GET", "/api/vm/10004/billing-cycle")
    assert status == 400 and body["existing_invoice"] is True and body["invoice_id"] == str(invoice["id"])
    assert (body["code"], body["error"]) == ("BAD_REQUEST", "Bad Request")
    # HostUp documents that 400 on GET billing-cycle only: the ordering POSTs answer it only as a fault
    assert call(sim, "POST", "/api/vm/10003/billing-cycle", {"cycle": "m"})[0] == 200
    sim.add_fault("order", "existing_invoice", vmid=10004)
    status, body = upgrade(sim, 10004, send=True, package="1937")
    assert status == 400 and body["existing_invoice"] is True and body["invoice_id"] == str(invoice["id"])
    assert upgrade(sim, 10004, send=True, package="1937")[0] == 200
    sim.pay_invoices(10004)
    assert call(sim, "GET", "/api/vm/10004/billing-cycle")[0] == 200


@pytest.mark.parametrize("headers, status", [({"X-API-Key": "wrong"}, 401), ({"X-API-Key": "readonly-key"}, 403),
                                             ({"X-API-Key": "", "Authorization": "Bearer demo-key"}, 200)])
def test_keys_and_scopes_are_enforced_and_bearer_auth_is_accepted(sim, headers, status):
    got, body = call(sim, "POST", "/api/vm/10001/upgrade", {"send": False, "package": "1938"}, headers)
    assert got == status and (status == 200 or set(body) >= {"error", "message", "code", "timestamp", "requestId"})


def test_faults_apply_to_the_named_call_and_vps_only_as_often_as_asked(sim):
    sim.add_fault("details", "status", vmid=10001, status=503, times=1)
    assert call(sim, "GET", "/api/vm/10002/details")[0] == 200
    assert call(sim, "GET", "/api/vm/10001/details")[0] == 503
    assert call(sim, "GET", "/api/vm/10001/details")[0] == 200


def test_a_redirect_fault_without_location_is_refused_naming_it_and_one_with_it_redirects(sim):
    status, body = call(sim, "POST", "/_sim/faults", {"call": "details", "kind": "redirect"})
    assert status == 400 and "needs location" in body["error"]
    status, body = call(sim, "POST", "/_sim/faults", {"call": "details", "kind": "redirect", "status": 200,
                                                      "location": "http://127.0.0.2:8080/"})
    assert status == 400 and "3xx" in body["error"]
    assert sim.faults == []
    assert call(sim, "POST", "/_sim/faults", {"call": "details", "kind": "redirect", "vmid": 10001,
                                              "location": "http://127.0.0.2:8080/"})[0] == 200
    reply = sim.handle("GET", "/api/vm/10001/details", KEY, b"")
    assert (reply.status, reply.headers["Location"]) == (302, "http://127.0.0.2:8080/")


def test_a_rate_limited_reply_has_the_documented_headers(sim):
    sim.add_fault("*", "rate_limit", retry_after=2)
    reply = sim.handle("GET", "/api/vm/10001/details", KEY, b"")
    assert reply.status == 429
    assert reply.headers["Retry-After"] == "2" and reply.headers["X-RateLimit-Remaining"] == "0"
    assert reply.headers["X-RateLimit-Reset"].endswith("Z")
    assert json.loads(reply.body)["retryAfter"] == "2"


def test_every_request_is_recorded_without_the_key(sim):
    call(sim, "GET", "/api/vm/10001/details")
    (record,) = sim.requests()
    assert record["call"] == "details" and record["status"] == 200 and record["auth"] == "x-api-key"
    assert_no_leak(json.dumps(record), API_KEY)


def test_an_order_applied_later_shows_in_details_only_after_apply_delay(sim, clock):
    sim.apply_delay = 5
    order = order_of_estimate(sim, package="1938")
    assert hostup_simulator.SCHEDULED in order["raw"]["info"]
    assert call(sim, "GET", "/api/vm/10001/details")[1]["data"]["product_id"] == "1937"
    clock[0] += 5
    assert call(sim, "GET", "/api/vm/10001/details")[1]["data"]["product_id"] == "1938"


def test_a_cycle_switch_can_be_deferred_too(sim, clock):
    sim.vps[10001]["apply_delay"] = 2
    call(sim, "POST", "/api/vm/10001/billing-cycle", {"cycle": "a"})
    assert call(sim, "GET", "/api/vm/10001/billing-cycle")[1]["data"]["current"] == "m"
    clock[0] += 2
    assert call(sim, "GET", "/api/vm/10001/billing-cycle")[1]["data"]["current"] == "a"


def test_each_part_of_an_order_can_show_after_its_own_delay(sim, clock):
    status, _body = call(sim, "POST", "/_sim/settings", {"apply_delays": {"cycle": 4}})
    assert status == 200 and sim.apply_delays == {"cycle": 4.0}
    order_of_estimate(sim, package="1938", cycle="a")
    shown = (call(sim, "GET", "/api/vm/10001/details")[1]["data"]["product_id"],
             call(sim, "GET", "/api/vm/10001/billing-cycle")[1]["data"]["current"])
    assert shown == ("1938", "m")  # the package shows at once, the cycle does not yet
    clock[0] += 4
    assert call(sim, "GET", "/api/vm/10001/billing-cycle")[1]["data"]["current"] == "a"


def test_apply_now_carries_out_what_is_scheduled(sim):
    sim.apply_delay = 600
    call(sim, "POST", "/api/vm/10001/billing-cycle", {"cycle": "a"})
    assert sim.state(10001)["cycle"] == "m"
    status, state = call(sim, "POST", "/_sim/vps/10001/apply")
    assert status == 200 and state["cycle"] == "a" and state["scheduled"] == []


def test_with_reuse_drafts_an_ordered_draft_still_answers_and_orders_again(sim):
    draft = estimated(sim, package="1938")["draftId"]
    ordered(sim, draftId=draft)
    assert upgrade(sim, send=False, draftId=draft)[0] == 404
    call(sim, "POST", "/_sim/settings", {"reuse_drafts": True})
    status, again = upgrade(sim, send=False, draftId=draft)
    assert status == 200 and again["data"]["prorated"] == 60.0  # the draft's old price, as if nothing was ordered
    assert upgrade(sim, send=True, draftId=draft)[0] == 200


def test_account_credit_pays_an_order_so_no_unpaid_invoice_holds_it(sim):
    sim.vps[10004]["credits"] = 500  # 10004 has no autopay
    order = order_of_estimate(sim, 10004, package="1937")
    assert "invoiceId" not in order and order["redirectUrl"] is None  # a string when there is one
    assert sim.state(10004)["invoices"] == [] and sim.state(10004)["credits"] == 460.0
    assert call(sim, "GET", "/api/vm/10004/billing-cycle")[0] == 200


def test_free_and_list_options_cost_nothing_and_drafts_describe_every_option_without_a_value(sim):
    status, body = upgrade(sim, send=False, resources={"2259": 1, "2209": "debian-12", "2232": 40})
    assert status == 200 and body["data"]["prorated"] == 0
    options = body["data"]["raw"]["draft"]["services"]["1"]["customizations"]
    # every option of the product, as the seed lists them, and 2231 (ordered in its example) not among them
    assert sorted(options) == ["2208", "2209", "2210", "2211", "2232", "2238", "2253", "2259", "2268", "2404"]
    assert (options["2259"]["hasQty"], options["2259"]["type"], options["2259"]["ftype"]) == (False, "select", "select")
    assert (options["2232"]["hasQty"], options["2232"]["type"]) == (True, "sliderinput")
    assert (options["2208"]["hasQty"], options["2208"]["type"], options["2208"]["ftype"]) == (
        False, "sshkeyselect", "sshkeyselect")
    assert set(options["2208"]) == OPTION_KEYS | {"client_id", "ssh_keys"}
    assert all(set(options[o]) == OPTION_KEYS for o in options if o != "2208")  # no "value": HostUp sends none
    assert options["2404"]["description"].startswith("7 backups is included")
    assert options["2210"]["name"] == options["2210"]["_name"] == hostup_simulator.DRAFT_PERSON_NAME
    assert upgrade(sim, send=False, resources={"2209": "windows"})[0] == 400


# The keys the seed (vps-upgrade.txt) lists for a draft, its service and each option.
DRAFT_KEYS = {"addons", "affiliate_id", "available_recipients", "client_id", "commitment_date", "contract_id",
              "currency", "customizations", "date", "discount", "dom_customizations", "domains", "estimate_id", "id",
              "metadata", "module", "options", "price", "scenario_id", "services", "staff_member_id"}
SERVICE_KEYS = {"_category_name", "_name", "account_id", "addons", "billingtype", "category", "category_id",
                "category_name", "config", "contract_id", "customdata", "customizations", "cycle", "domain",
                "domainoptions", "full_month", "id", "name", "order_date", "p_options", "parent_id", "period", "price",
                "price_today", "product", "product_id", "prorata_amount", "prorata_date", "qty", "recurring",
                "service_id", "setup", "tax", "tax_group_id", "total"}
OPTION_KEYS = {"_description", "_name", "admin_access", "admin_description", "admin_team_access", "category",
               "config", "configtemplates", "copy_of", "currency_checked", "description", "ftype", "group_id",
               "hasQty", "id", "items", "key", "name", "options", "product_id", "required", "sort_order", "type",
               "typeconf", "variable"}
ESTIMATE_KEYS = {"success", "estimate", "prorated", "credits", "total", "recurring", "draftId", "raw"}
ORDER_KEYS = {"success", "upgraded", "message", "orderId", "orderNum", "invoiceId", "total", "recurring",
              "redirectUrl", "raw"}


def test_an_estimate_has_the_seeds_shape_and_types_and_prices_the_cycle_it_estimates(sim):
    data = estimated(sim, package="1938", cycle="a")
    assert set(data) == ESTIMATE_KEYS and set(data["raw"]) == {"success", "call", "server_time", "draft"}
    assert data["recurring"] == 2590 and isinstance(data["recurring"], int) and data["credits"] == 0
    draft = data["raw"]["draft"]
    assert set(draft) == DRAFT_KEYS and set(draft["services"]["1"]) == SERVICE_KEYS
    assert draft["customizations"] == [] and draft["services"]["1"]["category"]["name"] == \
        hostup_simulator.DRAFT_PERSON_NAME
    assert draft["price"]["recurring"] == {"a": "2590.00"} and draft["services"]["1"]["total"]["recurring"] == {
        "a": "2590.00"}
    fraction = estimated(sim, resources={"2210": 3})
    assert "recurring" not in fraction  # 140.50 is no integer, the type HostUp documents for it
    assert fraction["raw"]["draft"]["price"]["recurring"] == {"m": "140.50"}


def test_orders_have_the_seeds_shape_an_invoice_id_string_and_a_checkout_invoice_id_0_when_nothing_is_due(sim):
    order = order_of_estimate(sim, package="1938")
    assert set(order) == ORDER_KEYS and order["invoiceId"] == "49526"
    assert set(order["raw"]) == {"success", "call", "order_id", "server_time", "info", "draft"}
    assert order["raw"]["order_id"] == order["orderId"] == 34889
    down = ordered(sim, 10003, package="1937")
    assert down["raw"]["checkout"]["invoice_id"] == 0 and "invoiceId" not in down and down["redirectUrl"] is None


def test_included_units_cost_nothing_so_a_zero_difference_does_not_tell_the_value(sim):
    recurring = [estimated(sim, resources={"2404": value})["recurring"] for value in (0, 3, 7, 8, 9)]
    assert recurring == [139, 139, 139, 154, 169]


def test_documented_only_leaves_out_every_optional_field_but_those_that_make_the_reply(sim):
    sim.documented_only = True
    estimate = estimated(sim, package="1938")
    assert set(estimate) == {"success", "estimate", "draftId", "prorated", "raw"}
    assert set(estimate["raw"]) == {"success", "call", "server_time", "draft"}
    order = ordered(sim, draftId=estimate["draftId"])
    assert order == {"success": True, "raw": {"success": True, "call": "convertOrderDraft", "order_id": 34889,
                                              "server_time": order["raw"]["server_time"]}}
    direct = ordered(sim, 10002, resources={"2232": 60})
    assert direct["raw"]["order_id"] == 34890 and set(direct) == {"success", "raw"}
    switch = call(sim, "POST", "/api/vm/10003/billing-cycle", {"cycle": "m"})[1]["data"]
    assert set(switch) == {"success", "message", "newCycle", "total", "info"}  # all required
    sim.reset()
    assert sim.documented_only is False
    assert call(sim, "POST", "/_sim/settings", {"documented_only": True}) == (200, {
        "latency_ms": 0.0, "rate_limit": None, "apply_delay": 0.0, "apply_delays": {}, "reuse_drafts": False,
        "documented_only": True})
    assert sim.documented_only is True
    assert hostup_simulator.Simulator(documented_only=True).documented_only is True


def test_an_omit_fault_leaves_out_dotted_keys(sim):
    sim.add_fault("order", "omit", vmid=10001, keys=["orderId", "raw.order_id", "raw.nothing", "no.such.key"])
    order = order_of_estimate(sim, package="1938")
    assert "orderId" not in order and "order_id" not in order["raw"] and order["orderNum"] == 1693922233
    assert sim.state(10001)["product_id"] == "1938"  # the order was carried out


def test_a_path_hostup_does_not_serve_answers_a_bare_404_without_an_invented_text(sim):
    reply = sim.handle("GET", "/api/api/vm/10001/details", KEY, b"")
    assert (reply.status, reply.body) == (404, b"")


@pytest.mark.parametrize("method, path, body, status, message", [
    ("GET", "/api/vm/99999/details", None, 404, "Service not found not found"),
    ("POST", "/api/vm/10001/upgrade", {"package": "1938"}, 400, "Invalid input detected"),
    ("POST", "/api/vm/10001/upgrade", {"send": False, "resources": {"9999": 1}}, 400, "Invalid input detected"),
    ("POST", "/api/vm/10001/upgrade", {"send": True, "draftId": 1}, 404, "Service not found not found"),
])
def test_errors_carry_hostups_documented_texts_and_codes(sim, method, path, body, status, message):
    got, error = call(sim, method, path, body)
    assert (got, error["message"]) == (status, message)
    assert error["code"] == {400: "BAD_REQUEST", 404: "NOT_FOUND"}[status]
    assert call(sim, "GET", "/api/vm/10001/details", headers={"X-API-Key": "wrong"})[1]["message"] == \
        "Authentication required"


def test_a_patch_fault_changes_the_answer_at_dotted_keys(sim):
    sim.add_fault("estimate", "patch", vmid=10001, data={"prorated": "NaN", "raw.draft.price.setup": 500})
    data = estimated(sim, package="1938")
    assert data["prorated"] == "NaN" and data["raw"]["draft"]["price"]["setup"] == 500
    sim.add_fault("order", "patch", vmid=10001, skip=True, data={"success": False})
    assert ordered(sim, package="1938") == {"success": False}
    assert sim.state(10001)["product_id"] == "1937"


def test_client_accounts_lists_the_vpses_a_web_hosting_and_a_domain_naming_the_account_holder(sim):
    status, body = call(sim, "GET", "/api/client-accounts")
    assert status == 200
    accounts = body["data"]["accounts"]
    assert [a["id"] for a in accounts] == [str(v) for v in sorted(sim.vps)] + ["12303", "12304"]
    assert all(isinstance(value, str) for a in accounts for key, value in a.items() if key != "extra_details")
    vps = accounts[0]
    assert (vps["domain"], vps["billingcycle"], vps["product_id"], vps["name"], vps["total"]) == (
        "web-1.sim.example", "Monthly", "1937", "VPS SM", "139.00")
    assert list(vps["extra_details"]["usage"]["vmdata"]) == ["11001"]
    assert [a["type"] for a in accounts[-2:]] == ["Hosting", "Domain"]
    assert all("vmdata" not in (a["extra_details"] or {}).get("usage", {}) for a in accounts[-2:])
    text = json.dumps(body)
    assert all(value in text for value in hostup_simulator.ACCOUNT_HOLDER.values())
    assert sim.requests()[-1]["call"] == "client_accounts"


def test_vps_accounts_reads_one_vps_and_knows_no_other_service(sim):
    status, body = call(sim, "GET", "/api/vps-accounts/10003")
    assert status == 200
    vps = body["data"]["vps_account"]
    assert (vps["name"], vps["ip"], vps["os"], vps["resources"]) == (
        "db-1.sim.example", "127.0.39.19", "Ubuntu 24.04", {"cpu": 4, "ram": 8, "storage": 80})
    assert (vps["billingCycle"], vps["currency"], vps["proxmoxVmId"]) == ("Annually", "SEK", 11003)
    for service in (12303, 12304, 99999):
        status, error = call(sim, "GET", "/api/vps-accounts/%d" % service)
        assert (status, error["code"]) == (404, "NOT_FOUND")
    assert [(r["call"], r["vmid"]) for r in sim.requests()] == [
        ("vps_account", 10003), ("vps_account", 12303), ("vps_account", 12304), ("vps_account", 99999)]

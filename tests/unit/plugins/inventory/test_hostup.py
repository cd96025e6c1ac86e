# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup.cloud.hostup: the HTTP conversation, the VPS rule, the hostvar whitelist, names and errors."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import stat
import unicodedata

import pytest
import yaml

from ansible import constants as C
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.doc_fragments import constructed, inventory_cache
from ansible.template import Templar
from ansible.utils.display import Display
from ansible.utils.plugin_docs import merge_fragment

from ansible_collections.hostup.cloud.plugins.doc_fragments import api
from ansible_collections.hostup.cloud.plugins.inventory import hostup as plugin_module
from ansible_collections.hostup.cloud.tests.leaks import assert_no_leak
from ansible_collections.hostup.cloud.tests.unit.helpers import KEY, api_error, ok

try:
    from ansible.module_utils import _internal as module_side
except ImportError:  # ansible-core < 2.19 has no controller/target switch
    module_side = None

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 takes any text for a template
    def trust_as_template(value):
        return value

NAME = "hostup.cloud.hostup"
LIST = "/api/client-accounts"
HOLDER = {"firstname": "Ingridunit", "lastname": "Holmunitsson", "companyname": "Holmunit Konsult AB"}
HOSTVARS = ["hostup_vmid", "hostup_name", "hostup_hostname", "hostup_status", "hostup_product_id",
            "hostup_product_name", "hostup_cycle", "hostup_price", "hostup_next_due",
            "hostup_ip", "hostup_os", "hostup_cpu", "hostup_ram", "hostup_disk"]


def account(vmid, domain, vps=True, label="", cycle="Monthly", product_id="1937", name="VPS SM", total="139.00"):
    """A service as GET /api/client-accounts documents it: strings, the holder's name, usage for a VM."""
    entry = {"id": str(vmid), "manual": "0", "domain": domain, "billingcycle": cycle, "qty": "1",
             "status": "Active", "total": total, "next_due": "2026-12-10", "product_id": product_id, "name": name,
             "type": "Cloud" if vps else "Hosting", "client_id": "30000", "currency_id": "0", "group_id": "0",
             "service_group_id": "0", "sort_order": "0", "label": label, "paytype": "Regular",
             "component_form_name": "", "component_value_name": "", "extra_details": []}
    entry.update(HOLDER)
    if vps:
        entry["extra_details"] = {"usage": {"vmdata": {str(vmid + 1000): {"uptime": 1, "netin": 2, "netout": 3}},
                                            "current_unit": "GB"}}
    return entry


def vps_account(vmid, name, ip="192.0.2.10", cpu=2, ram=4, storage=40):
    return ok({"vps_account": {
        "id": str(vmid), "name": name, "ip": ip, "status": "Active", "vmStatus": "running", "proxmoxVmId": vmid + 1000,
        "os": "Debian 12", "resources": {"cpu": cpu, "ram": ram, "storage": storage}, "price": 139,
        "billingCycle": "Monthly", "currency": "SEK", "created": "2025-04-10", "tags": ["prod"],
        "bandwidth": {"used": 1, "limit": 2000, "inbound": 1, "outbound": 1},
        "root_password": "unit-root-password-never-a-hostvar"}}, "rid-%d" % vmid)


@pytest.fixture(autouse=True)
def controller(monkeypatch):
    """The plugin runs on the controller; one per-VPS read at a time, so the conversation has one order."""
    if module_side is not None:
        monkeypatch.setattr(module_side, "is_controller", True, raising=False)
    monkeypatch.setattr(plugin_module, "DETAIL_WORKERS", 1)


def new_plugin():
    """The plugin with its documented options, as ansible's plugin loader would set it up.

    (The loader itself cannot load it here: the tests import the collection from
    PYTHONPATH, without ansible's collection loader.)
    """
    options = yaml.safe_load(plugin_module.DOCUMENTATION)["options"]
    for fragment in (api.ModuleDocFragment, constructed.ModuleDocFragment, inventory_cache.ModuleDocFragment):
        merge_fragment(options, yaml.safe_load(fragment.DOCUMENTATION)["options"])
    C.config.initialize_plugin_configuration_definitions("inventory", NAME, options)
    plugin = plugin_module.InventoryModule()
    plugin._load_name = plugin.ansible_name = NAME  # pylint: disable=protected-access
    plugin._redirected_names = plugin.ansible_aliases = [NAME]  # pylint: disable=protected-access
    return plugin


def parse(tmp_path, file_name="hostup.yml", into=None, **options):
    """Parse an inventory file of ``options``, into ``into`` (the hosts of sources parsed before) or a new inventory."""
    config = dict({"plugin": NAME, "api_key": KEY}, **options)
    config = dict((key, value) for key, value in config.items() if value is not None)  # None: not in the file
    path = tmp_path / file_name
    path.write_text(json.dumps(config))
    plugin = new_plugin()
    inventory = InventoryData() if into is None else into
    plugin.parse(inventory, DataLoader(), str(path), cache=True)
    if options.get("cache"):
        plugin.update_cache_if_changed()  # as ansible's inventory manager does after parse
    return inventory


def parse_error(tmp_path, **options):
    """The message of the AnsibleParserError that parsing ``options`` fails with."""
    with pytest.raises(AnsibleParserError) as raised:
        parse(tmp_path, **options)
    return str(raised.value.message)


def cache_entry(path):
    """What the jsonfile cache plugin stored (ansible-core 2.19 wraps it in a ``__payload__`` string)."""
    data = json.loads(path.read_text())
    return json.loads(data["__payload__"]) if isinstance(data, dict) and "__payload__" in data else data


def hostvars(inventory):
    """Each host's variables, without those ansible sets on every host."""
    return dict((name, dict((k, v) for k, v in host.vars.items() if k not in ("inventory_file", "inventory_dir")))
                for name, host in inventory.hosts.items())


def groups(inventory):
    return dict((name, sorted(h.name for h in group.get_hosts()))
                for name, group in inventory.groups.items() if name not in ("all", "ungrouped"))


def expect_list(conversation, accounts, *reads):
    """HostUp's list of ``accounts``, then a read of each VPS in ``reads``: vmids or vps_account replies, in order."""
    conversation.expect("GET", LIST, reply=ok({"accounts": accounts}))
    for read in reads:
        read = vps_account(read, "") if isinstance(read, int) else read
        conversation.expect("GET", "/api/vps-accounts/" + read["data"]["vps_account"]["id"], reply=read)


def expect_web_1(conversation, **vps):
    expect_list(conversation, [account(10001, "web-1.example")], vps_account(10001, "web-1", **vps))


def names(inventory):
    return dict((v["hostup_vmid"], name) for name, v in hostvars(inventory).items())


def test_lists_the_services_then_reads_each_vps_and_sets_the_documented_hostvars(conversation, tmp_path):
    expect_list(conversation, [
        account(10001, "web-1.example"), account(12303, "example.se", vps=False),
        account(10003, "db-1.example", cycle="Annually", product_id="1938", name="VPS MD", total="2590.00")],
        vps_account(10001, "web-1"), vps_account(10003, "db-1", ip="192.0.2.11", ram=8))
    inventory = parse(tmp_path)
    web = {"hostup_vmid": 10001, "hostup_name": "web-1", "hostup_hostname": "web-1.example",
           "hostup_status": "Active", "hostup_product_id": "1937", "hostup_product_name": "VPS SM",
           "hostup_cycle": "monthly", "hostup_price": 139.0, "hostup_next_due": "2026-12-10",
           "hostup_ip": "192.0.2.10", "ansible_host": "192.0.2.10", "hostup_os": "Debian 12",
           "hostup_cpu": 2, "hostup_ram": 4, "hostup_disk": 40}
    assert hostvars(inventory) == {"web-1.example": web, "db-1.example": dict(
        web, hostup_vmid=10003, hostup_name="db-1", hostup_hostname="db-1.example", hostup_product_id="1938",
        hostup_product_name="VPS MD", hostup_cycle="annually", hostup_price=2590.0, hostup_ip="192.0.2.11",
        ansible_host="192.0.2.11", hostup_ram=8)}
    assert groups(inventory) == {"hostup_vps": ["db-1.example", "web-1.example"]}
    assert all(sent["headers"]["X-API-Key"] == KEY for sent in conversation.sent)


def test_no_personal_data_or_unlisted_field_becomes_a_hostvar_or_reaches_the_cache(conversation, tmp_path):
    entry = account(10001, "web-1.example")
    entry.update(email="ingrid@holmunit.example", password="unit-account-password")
    expect_list(conversation, [entry], vps_account(10001, "web-1"))
    cache_dir = tmp_path / "cache"
    inventory = parse(tmp_path, cache=True, cache_plugin="jsonfile",
                      cache_connection=str(cache_dir), compose={"everything": "vars"})
    (name, variables), = hostvars(inventory).items()
    assert sorted(k for k in variables if k != "everything") == sorted(HOSTVARS + ["ansible_host"])
    cached = [cache_entry(cache_dir / f) for f in os.listdir(str(cache_dir))]
    assert len(cached) == 1 and sorted(cached[0][0]) == sorted(h[len("hostup_"):] for h in HOSTVARS)
    text = json.dumps([variables, cached], default=str)
    assert_no_leak(text, KEY, "ingrid@holmunit.example", "unit-account-password",
                   "unit-root-password-never-a-hostvar", *HOLDER.values())


def test_a_vps_without_ip_os_or_resources_gets_none_of_those_hostvars(conversation, tmp_path):
    expect_list(conversation, [account(10001, "new.example")], ok({"vps_account": {"id": "10001", "name": ""}}))
    variables = hostvars(parse(tmp_path))["new.example"]
    assert sorted(variables) == sorted(HOSTVARS[:9])
    assert variables["hostup_name"] == "new.example"


def test_filters_replace_the_vps_rule_so_every_service_is_read_and_none_counted_unread(
        conversation, tmp_path, warnings):
    # Every service is read (no vmdata needed); one HostUp does not know as a VPS (404) is left out.
    expect_list(conversation, [account(10001, "web-1.example"), account(10002, "fresh.example", vps=False),
                               account(12303, "example.se", vps=False, name="Webbhotell")],
                vps_account(10001, "web-1"), vps_account(10002, "fresh", ip="192.0.2.12"))
    conversation.expect("GET", "/api/vps-accounts/12303", status=404,
                        reply=api_error(404, "NOT_FOUND", "Service not found not found"))
    inventory = parse(tmp_path, filters=["hostup_product_name is search('VPS')", "hostup_ip != '192.0.2.10'"])
    assert list(hostvars(inventory)) == ["fresh.example"]
    assert warnings == []


@pytest.mark.parametrize("accounts, expected", [
    # unique names that do not depend on the order of the list; a label, then hostup-<vmid>, for want of a domain
    ([account(10005, "web.example"), account(10002, "web.example"), account(10003, "", label="Shop"),
      account(10004, "")], {10002: "web.example", 10005: "web.example-10005", 10003: "Shop", 10004: "hostup-10004"}),
    # hostup-<vmid> is always the name of that VPS: 10001 may not take the name 10002 gets for want of its own
    ([account(10001, "hostup-10002"), account(10002, "")], {10001: "hostup-10002-10001", 10002: "hostup-10002"}),
])
def test_host_names_are_unique_whatever_the_order_and_hostup_vmid_names_only_that_vps(conversation, tmp_path,
                                                                                      accounts, expected):
    expect_list(conversation, accounts, *sorted(expected))
    assert names(parse(tmp_path)) == expected


def test_keyed_groups_groups_compose_and_the_prefix(conversation, tmp_path):
    expect_list(conversation, [account(10001, "web-1.example"),
                               account(10003, "db-1.example", cycle="Annually", product_id="1938")],
                vps_account(10001, "web-1"), vps_account(10003, "db-1", ram=8))
    inventory = parse(tmp_path, hostvars_prefix="hu_", keyed_groups=[{"key": "hu_product_id", "prefix": "plan"}],
                      groups={"big": "hu_ram >= 8"}, compose={"ansible_user": "'admin'"})
    assert groups(inventory) == {"hostup_vps": ["db-1.example", "web-1.example"], "plan_1937": ["web-1.example"],
                                 "plan_1938": ["db-1.example"], "big": ["db-1.example"]}
    assert hostvars(inventory)["db-1.example"]["hu_vmid"] == 10003
    assert hostvars(inventory)["db-1.example"]["ansible_user"] == "admin"


def test_a_templated_key_from_an_env_lookup_is_sent(conversation, tmp_path, monkeypatch):
    monkeypatch.setenv("UNIT_HOSTUP_KEY", "key-from-a-lookup")
    conversation.expect("GET", LIST, reply=ok({"accounts": []}))
    parse(tmp_path, api_key="{{ lookup('env', 'UNIT_HOSTUP_KEY') }}")
    assert conversation.sent[0]["headers"]["X-API-Key"] == "key-from-a-lookup"


def test_a_failed_vps_read_fails_the_inventory_in_one_line_and_stops_the_other_reads(conversation, tmp_path):
    conversation.expect("GET", LIST, reply=ok({"accounts": [account(10001, "a.example"), account(10002, "b.example")]}))
    conversation.expect("GET", "/api/vps-accounts/10001", status=403,
                        reply=api_error(403, "FORBIDDEN", "Missing scope", request_id="rid-403"))
    message = parse_error(tmp_path)
    assert message.startswith("hostup.cloud.hostup: GET /api/vps-accounts/10001 failed: HTTP 403 FORBIDDEN: "
                              "Missing scope (requestId rid-403)")
    assert "\n" not in message


@pytest.mark.parametrize("options, problem", [
    ({"api_key": None}, "hostup.cloud.hostup: api_key is not set: set the HOSTUP_API_KEY environment variable, or api_key "
                        "in the inventory file"),  # the inventory's own wording: no task or module_defaults
    ({"api_key": ""}, "api_key is empty"),
    ({"api_url": "http://hostup.example"}, "api_url uses plain http to hostup.example"),
    ({"api_timeout": 0}, "api_timeout must be 1 second or more"),
    ({"hostvars_prefix": "1x"}, "hostvars_prefix must be letters, digits and underscores"),
])
def test_bad_options_fail_naming_the_option_before_any_request(conversation, tmp_path, monkeypatch, options, problem):
    monkeypatch.delenv("HOSTUP_API_KEY", raising=False)
    assert problem in parse_error(tmp_path, **options) and conversation.sent == []


@pytest.mark.parametrize("file_name, accepted", [
    ("hostup.yml", True), ("hostup.yaml", True), ("prod.hostup.yml", True), ("prod.hostup.yaml", True),
    ("inventory.yml", False), ("hostup.json", False), ("myhostup.yml", False),
])
def test_verify_file_accepts_the_documented_names(tmp_path, file_name, accepted):
    path = tmp_path / file_name
    path.write_text("plugin: hostup.cloud.hostup\n")
    assert new_plugin().verify_file(str(path)) is accepted


# --- a hostile or broken HostUp, a stale cache, an untrusted environment -----------


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(Display(), "warning", lambda message, *a, **k: shown.append(message))
    return shown


@pytest.mark.parametrize("data", [{}, {"accounts": None}, {"accounts": "web-1.example"}, {"accounts": {"10001": {}}}])
def test_a_list_reply_without_a_list_of_accounts_fails_in_one_line_rather_than_an_empty_inventory(
        conversation, tmp_path, data):
    conversation.expect("GET", LIST, reply=ok(data, "rid-list"))
    assert parse_error(tmp_path) == (
        "hostup.cloud.hostup: GET /api/client-accounts: HostUp's answer makes no sense: the reply has no list of "
        "accounts (requestId rid-list)")


def test_a_vps_with_an_unusable_id_is_counted_in_a_warning_and_a_repeated_id_is_one_host(
        conversation, tmp_path, warnings):
    expect_list(conversation, [
        "not an account", account(10001, "web-1.example"), dict(account(10001, "web-1.example"), domain="again.example"),
        dict(account(10002, "x.example"), id="1e3"), dict(account(10003, "y.example"), id="-1"),
        dict(account(10004, "z.example", vps=False), id="abc")], vps_account(10001, "web-1"))
    assert list(hostvars(parse(tmp_path))) == ["web-1.example"]
    assert warnings == ["hostup.cloud.hostup: services in HostUp's list that look like a VPS but have no usable id "
                        "(a whole number from 1): 2, left out"]


def test_services_the_built_in_vps_rule_leaves_out_are_counted_in_a_warning_that_names_filters(
        conversation, tmp_path, warnings):
    # A VPS too new for usage data has no extra_details.usage.vmdata, as a web hosting and a domain have none:
    # the rule (an inference) cannot tell them apart, so it says how many it left out and how to include them.
    no_usage_yet = account(10002, "fresh.example", vps=False)
    expect_list(conversation, [
        account(10001, "web-1.example"), no_usage_yet, account(12303, "example.se", vps=False, name="Webbhotell"),
        dict(account(12304, "example.com", vps=False), extra_details={"usage": {"vmdata": {}}})],
        vps_account(10001, "web-1"))
    assert list(hostvars(parse(tmp_path))) == ["web-1.example"]
    assert warnings == [
        "hostup.cloud.hostup: 3 of the 4 services in HostUp's list were left out because they carry no "
        "extra_details.usage.vmdata, the built-in sign of a VPS (an inference: HostUp does not document which field "
        "marks a VPS). If a VPS is among them, set filters (for example hostup_product_name is search('VPS')): with "
        "filters, every service is read and the filters decide"]


@pytest.mark.parametrize("read, shown", [(dict(ip=ip), {"hostup_ip": address, "ansible_host": address}) for ip, address in [
    ("not-an-ip", None), ("evil.example.com", None), ("192.0.2.7/24", None), (["192.0.2.7"], None),
    ("{{ lookup('env', 'HOME') }}", None), (" 192.0.2.7 ", "192.0.2.7"), ("2001:db8::7", "2001:db8::7"),
]] + [(dict(cpu="NaN", ram=float("inf"), storage="1e999"), {"hostup_cpu": None, "hostup_ram": None, "hostup_disk": None})])
def test_only_an_ip_address_and_finite_resources_become_hostvars(conversation, tmp_path, read, shown):
    expect_web_1(conversation, **read)
    variables = hostvars(parse(tmp_path))["web-1.example"]
    assert dict((key, variables.get(key, None)) for key in shown) == shown
    assert [key for key, value in shown.items() if value is None and key in variables] == []  # left out, not null


def cached(tmp_path, **options):
    return dict(options, cache=True, cache_plugin="jsonfile", cache_connection=str(tmp_path / "cache"))


def test_the_cache_of_one_key_is_never_served_for_another(conversation, tmp_path):
    expect_web_1(conversation)
    assert list(hostvars(parse(tmp_path, **cached(tmp_path)))) == ["web-1.example"]
    conversation.expect("GET", LIST, reply=ok({"accounts": []}))
    assert hostvars(parse(tmp_path, **cached(tmp_path, api_key="the-other-accounts-key"))) == {}
    assert list(hostvars(parse(tmp_path, **cached(tmp_path)))) == ["web-1.example"]  # a hit: no request
    stored = "".join(name + (tmp_path / "cache" / name).read_text() for name in os.listdir(str(tmp_path / "cache")))
    assert_no_leak(stored, KEY, "the-other-accounts-key")


@pytest.mark.parametrize("text", ["{not json"] + [json.dumps({"__payload__": json.dumps(payload)}) for payload in [
    [{"vmid": "x"}], ["web-1.example"], {"hostname": "web-1.example"}, [{"hostname": "web-1.example"}],
    [{"vmid": 10001, "hostname": "web-1.example"}]]])
def test_a_corrupt_cache_file_or_an_entry_this_version_did_not_write_is_read_afresh(conversation, tmp_path, text):
    expect_web_1(conversation)
    parse(tmp_path, **cached(tmp_path))
    (name,) = os.listdir(str(tmp_path / "cache"))
    (tmp_path / "cache" / name).write_text(text)
    expect_web_1(conversation)
    assert list(hostvars(parse(tmp_path, **cached(tmp_path)))) == ["web-1.example"]


def test_a_key_or_api_url_from_the_environment_is_taken_as_it_is_never_templated(
        conversation, tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTUP_API_KEY", "{{ 'templated' ~ '-key' }}")
    monkeypatch.setenv("HOSTUP_API_URL", "{{ 'https://127.0.0.2' }}")
    assert parse_error(tmp_path, api_key=None).startswith("hostup.cloud.hostup: api_url must be an http(s) URL with a host")
    assert conversation.sent == []
    monkeypatch.delenv("HOSTUP_API_URL")
    conversation.expect("GET", LIST, reply=ok({"accounts": []}))
    parse(tmp_path, api_key=None)
    assert conversation.sent[0]["headers"]["X-API-Key"] == "{{ 'templated' ~ '-key' }}"


def test_text_from_hostup_is_never_templated_when_a_play_uses_it(conversation, tmp_path):
    # ansible-core 2.19 marks plugin data untrusted; before 2.19 (requires_ansible >= 2.16) the
    # plugin must mark it unsafe, or a play templating hostup_product_name runs HostUp's lookup.
    expect_list(conversation, [account(10001, "web-1.example", name="{{ lookup('env', 'UNIT_NEVER_READ') }}")],
                vps_account(10001, "web-1"))
    inventory = parse(tmp_path, compose={"composed": "hostup_product_name"})
    variables = inventory.get_host("web-1.example").get_vars()
    play_template = trust_as_template("{{ hostup_product_name }} {{ composed }}")  # as a playbook's text is
    rendered = Templar(DataLoader(), variables=variables).template(play_template)
    assert rendered == "{{ lookup('env', 'UNIT_NEVER_READ') }} {{ lookup('env', 'UNIT_NEVER_READ') }}"


# --- HostUp's text is data: host names, other sources' hosts, the cache, printed text ------

SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def controls_in(text):
    """The terminal control and format characters in ``text``."""
    return [char for char in text if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")]


@pytest.mark.parametrize("domain, label, vps_name, host", [
    ("{{ lookup('pipe', 'id > /tmp/x') }}", "", "", "lookup-pipe-id-tmp-x"),
    ("", "{{ lookup('env', 'HOME') }}", "", "lookup-env-HOME"),
    ("", "", "{% for x in range(9) %}{% endfor %}", "for-x-in-range-9-endfor"),
    ("web-1\n[all]\nevil ansible_host=203.0.113.9", "", "", "web-1-all-evil-ansible_host-203.0.113.9"),
    ("\x1b[2J\x1b]0;owned\x07web", "", "", "2J-0-owned-web"),
    ("\u202egnp.exe", "", "", "gnp.exe"),
    ("web\u200b-1.example", "", "", "web-1.example"),
    ("Växjö Webshop", "", "", "Vaxjo-Webshop"),
    ("{{ }}", "Shop", "", "Shop"),  # nothing left of the hostname: the label
    ("", "", "{{ }}", "hostup-10001"),  # nothing left at all: hostup-<vmid>
    ("x" * 10000, "", "", "x" * 128),
    ("all:!localhost", "", "", "all-localhost"),
    # never the controller (which would take every delegate_to: localhost task) nor a group ansible or this makes
    ("localhost", "", "localhost", "localhost-10001"), ("127.0.0.1", "", "", "127.0.0.1-10001"),
    ("::1", "", "", "1"),  # ':' is not in a safe name, so ::1 is no name of the controller any more
    ("all", "", "", "all-10001"), ("ungrouped", "", "", "ungrouped-10001"), ("hostup_vps", "", "", "hostup_vps-10001"),
])
def test_host_names_are_reduced_to_ascii_letters_digits_dot_dash_and_underscore(
        conversation, tmp_path, domain, label, vps_name, host):
    expect_list(conversation, [account(10001, domain, label=label)], vps_account(10001, vps_name))
    variables = hostvars(parse(tmp_path))
    assert list(variables) == [host]
    assert SAFE_NAME.match(host)
    assert variables[host]["hostup_hostname"] == (domain.strip() or None)  # the variable stays as HostUp sent it


def test_two_vpses_whose_names_reduce_to_one_get_the_vmid_suffix_and_a_warning(conversation, tmp_path, warnings):
    expect_list(conversation, [account(10002, "web 1"), account(10001, "web/1"), account(10003, "{{web-1}}")],
                10001, 10002, 10003)
    assert names(parse(tmp_path)) == {10001: "web-1", 10002: "web-1-10002", 10003: "web-1-10003"}
    assert warnings == [
        "hostup.cloud.hostup: VPS 10002 (HostUp name web 1) is host web-1-10002: web-1 is already the name of "
        "VPS 10001, which keeps its variables",
        "hostup.cloud.hostup: VPS 10003 (HostUp name {{web-1}}) is host web-1-10003: web-1 is already the name of "
        "VPS 10001, which keeps its variables"]


def test_a_huge_name_gives_a_bounded_host_name_and_warning(conversation, tmp_path, warnings):
    huge = "\x1b[2J" + "x" * 10000 + "\u202e"
    expect_list(conversation, [account(10001, huge), account(10002, huge)], 10001, 10002)
    assert sorted(hostvars(parse(tmp_path))) == ["2J" + "x" * 126, "2J" + "x" * 126 + "-10002"]
    (warning,) = warnings
    assert len(warning) < 500 and controls_in(warning) == []
    assert "(HostUp name \\x1b[2Jxxx" in warning


def static_source():
    """An inventory as a static source parsed before this plugin's leaves it."""
    inventory = InventoryData()
    inventory.add_group("webservers")
    inventory.add_host("db.example", group="webservers")
    inventory.set_variable("db.example", "ansible_host", "10.0.0.5")
    inventory.set_variable("db.example", "role", "database")
    return inventory


def test_a_vps_named_like_a_host_or_group_of_an_earlier_source_gets_a_suffix_and_one_warning(
        conversation, tmp_path, warnings):
    expect_list(conversation, [account(10001, "db.example"), account(10002, "webservers"),
                               account(10003, "db.example\u202e\u2066\x1b")],
                *[vps_account(vmid, "", ip="192.0.2.66") for vmid in (10001, 10002, 10003)])
    inventory = parse(tmp_path, into=static_source())
    static = inventory.hosts["db.example"]
    assert static.vars["ansible_host"] == "10.0.0.5" and static.vars["role"] == "database"
    assert "hostup_vmid" not in static.vars and "hostup_vps" not in [g.name for g in static.get_groups()]
    assert sorted(h.name for h in inventory.groups["hostup_vps"].get_hosts()) == [
        "db.example-10001", "db.example-10003", "webservers-10002"]
    assert sorted(h.name for h in inventory.groups["webservers"].get_hosts()) == ["db.example"]
    assert warnings == [
        "hostup.cloud.hostup: VPS 10001 (HostUp name db.example) is host db.example-10001: db.example is already "
        "a host of another inventory source, which keeps its variables",
        "hostup.cloud.hostup: VPS 10002 (HostUp name webservers) is host webservers-10002: webservers is already "
        "a group of this inventory, which keeps its variables",
        "hostup.cloud.hostup: VPS 10003 (HostUp name db.example\\u202e\\u2066\\x1b) is host db.example-10003: "
        "db.example is already a host of another inventory source, which keeps its variables"]


def test_a_vps_named_like_a_group_this_inventory_makes_gets_a_suffix(conversation, tmp_path, warnings):
    expect_list(conversation, [account(10001, "web-1.example"), account(10002, "plan_1937"), account(10003, "big")],
                10001, 10002, 10003)
    inventory = parse(tmp_path, keyed_groups=[{"key": "hostup_product_id", "prefix": "plan"}],
                      groups={"big": "hostup_vmid == 10001"})
    assert sorted(inventory.hosts) == ["big-10003", "plan_1937-10002", "web-1.example"]
    assert groups(inventory)["plan_1937"] == ["big-10003", "plan_1937-10002", "web-1.example"]
    assert groups(inventory)["big"] == ["web-1.example"]
    assert [w.split(" is already ")[1] for w in warnings] == ["a group of this inventory, which keeps its variables"] * 2


def rewrite_cache_entry(cache_dir, change):
    """Change the one cached entry as someone editing the file would (in the format this ansible-core writes)."""
    (name,) = os.listdir(str(cache_dir))
    path = cache_dir / name
    data, text = json.loads(path.read_text()), json.dumps(change(cache_entry(path)))
    wrapped = isinstance(data, dict) and "__payload__" in data  # ansible-core 2.19 and later
    path.write_text(json.dumps(dict(data, __payload__=text)) if wrapped else text)
    return path


def forged(**fields):
    def change(entry):
        entry[0].update(fields)
        return entry
    return change


@pytest.mark.parametrize("change, problem", [
    (forged(ip="evil.example"), "VPS 1 of 1: ip is not an IP address or null"),
    (forged(ip="192.0.2.7/24"), "VPS 1 of 1: ip is not an IP address or null"),
    (forged(ip=3221225991), "VPS 1 of 1: ip is not an IP address or null"),
    (forged(ip="2001:DB8::7"), "VPS 1 of 1: ip is not an IP address or null"),  # a read gives 2001:db8::7
    (forged(vmid=0), "VPS 1 of 1: vmid is not a whole number from 1"),
    (forged(vmid=True), "VPS 1 of 1: vmid is not a whole number from 1"),
    (forged(vmid="10001"), "VPS 1 of 1: vmid is not a whole number from 1"),
    (forged(price="NaN"), "VPS 1 of 1: price is not a finite number or null"),
    (forged(price=float("inf")), "VPS 1 of 1: price is not a finite number or null"),
    (forged(price="139.00"), "VPS 1 of 1: price is not a finite number or null"),
    (forged(cpu=True), "VPS 1 of 1: cpu is not a finite number, text or null"),
    (forged(ram="inf"), "VPS 1 of 1: ram is not a finite number, text or null"),
    (forged(disk=10 ** 400), "VPS 1 of 1: disk is not a finite number, text or null"),
    (forged(cycle="Monthly"), "VPS 1 of 1: cycle is not a lower-case billing cycle or null"),
    (forged(hostname=" web-1.example"), "VPS 1 of 1: hostname is not text or null"),
    (forged(name=""), "VPS 1 of 1: name is not text or null"),
    (forged(os={"name": "Debian"}), "VPS 1 of 1: os is not text or null"),
    (forged(product_id=1937), "VPS 1 of 1: product_id is not text or null"),
    (forged(ansible_host="203.0.113.9"), "VPS 1 of 1: not a VPS with exactly the fields"),
    (lambda entry: entry + entry, "VPS 2 of 2: vmid 10001 is listed twice"),
    (lambda entry: {"hosts": entry}, "not a list of VPSes"),
])
def test_a_cache_entry_is_checked_as_a_fresh_read_and_a_bad_one_is_read_afresh_with_a_warning(
        conversation, tmp_path, warnings, change, problem):
    expect_web_1(conversation)
    parse(tmp_path, **cached(tmp_path))
    rewrite_cache_entry(tmp_path / "cache", change)
    expect_web_1(conversation)
    variables = hostvars(parse(tmp_path, **cached(tmp_path)))
    assert variables["web-1.example"]["ansible_host"] == "192.0.2.10"
    (warning,) = warnings
    assert warning.startswith("hostup.cloud.hostup: the inventory cache entry is not what this plugin writes (%s"
                              % problem)
    assert warning.endswith("so it is not used; HostUp is read afresh")


def test_host_names_from_the_cache_are_reduced_as_fresh_ones_are(conversation, tmp_path):
    expect_web_1(conversation)
    parse(tmp_path, **cached(tmp_path))
    rewrite_cache_entry(tmp_path / "cache", forged(hostname="{{ lookup('pipe', 'id') }}", name="localhost"))
    inventory = parse(tmp_path, **cached(tmp_path))  # a valid entry: served from the cache, no request
    assert list(hostvars(inventory)) == ["lookup-pipe-id"]


def test_what_a_fresh_read_caches_is_served_from_the_cache_as_it_was_read(conversation, tmp_path, warnings):
    # Odd but valid values: the one check takes what it passed before, so cache and read cannot drift.
    entry = account(10001, "web-1.example\x1b[31m", label="Webbutik \u202eåäö", cycle="Quarterly", total="")
    expect_list(conversation, [entry], vps_account(10001, "", ip=" 2001:DB8::7 ", cpu="2 vCPU", ram=0.5, storage="40"))
    fresh = hostvars(parse(tmp_path, **cached(tmp_path)))
    assert fresh == hostvars(parse(tmp_path, **cached(tmp_path)))  # no request: the conversation is over
    (variables,) = fresh.values()
    assert (variables["hostup_cycle"], variables["hostup_ip"], variables["hostup_cpu"], variables["hostup_disk"]) == (
        "quarterly", "2001:db8::7", "2 vCPU", 40)
    assert variables["hostup_name"] == "Webbutik \u202eåäö"  # host variables are data and stay as sent
    assert warnings == []


def test_the_cache_file_is_readable_and_writable_by_its_owner_only(conversation, tmp_path):
    expect_web_1(conversation)
    parse(tmp_path, **cached(tmp_path))
    (name,) = os.listdir(str(tmp_path / "cache"))
    path = tmp_path / "cache" / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # as an earlier version left it
    parse(tmp_path, **cached(tmp_path))  # a cache hit
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def a_link_to_another_file(path):
    target = path.parent.parent / "elsewhere.json"
    target.write_text(path.read_text())
    path.unlink()
    path.symlink_to(target)


@pytest.mark.parametrize("tamper, problem", [
    (lambda path: path.chmod(0o666), "may be written by other users (mode 0666)"),
    (a_link_to_another_file, "is not a regular file"),
    pytest.param(lambda path: os.chown(str(path), 4242, 4242), "belongs to another user (uid 4242)",
                 marks=pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")),
])
def test_a_cache_file_another_user_could_have_written_is_not_used(conversation, tmp_path, warnings, tamper, problem):
    expect_web_1(conversation)
    parse(tmp_path, **cached(tmp_path))
    path = rewrite_cache_entry(tmp_path / "cache", forged(ip="203.0.113.9"))  # valid, but not HostUp's
    tamper(path)
    expect_web_1(conversation)
    assert hostvars(parse(tmp_path, **cached(tmp_path)))["web-1.example"]["ansible_host"] == "192.0.2.10"
    assert warnings == ["hostup.cloud.hostup: the inventory cache file %s %s, so it is not used; HostUp is read "
                        "afresh" % (path, problem)]


def test_a_fresh_read_passes_the_same_checks_as_the_cache(conversation, tmp_path, warnings, monkeypatch):
    def forged_read(client, vmid):
        return {"name": "web-1", "ip": "evil.example", "os": None, "cpu": None, "ram": None, "disk": None}
    monkeypatch.setattr(plugin_module, "read_vps_account", forged_read)
    conversation.expect("GET", LIST, reply=ok({"accounts": [account(10001, "web-1.example")]}))
    assert hostvars(parse(tmp_path)) == {}
    assert warnings == ["hostup.cloud.hostup: VPS 10001 left out: ip is not an IP address or null"]


HOSTILE_MESSAGE = "Nekad\r\x1b[32mOK\x1b[0m \u202eKO\u202c\nbetald\x9b2K\x00"


def test_terminal_controls_in_hostups_error_never_reach_the_inventory_error(conversation, tmp_path):
    conversation.expect("GET", LIST, status=403, reply=api_error(
        403, "FORBIDDEN\x1b[8m", HOSTILE_MESSAGE, request_id="rid-\x1b]0;fake title\x07\u2066"))
    message = parse_error(tmp_path)
    assert controls_in(message) == []
    assert "Nekad \\x1b[32mOK\\x1b[0m \\u202eKO\\u202c betald\\x9b2K\\x00" in message
    assert "(requestId rid-\\x1b]0;fake title\\x07\\u2066)" in message

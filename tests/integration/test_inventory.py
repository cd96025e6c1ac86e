# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup.cloud.hostup run as users run it: ansible-inventory and ansible-playbook -i hostup.yml."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import RUNNER_KEY
from ansible_collections.hostup.cloud.tests.leaks import leaks
from ansible_collections.hostup.cloud.tests.simulator.hostup_simulator import ACCOUNT_HOLDER, SENSITIVE_VALUES

SEED_HOSTS = ["build.sim.example", "db-1.sim.example", "shop.sim.example", "web-1.sim.example", "web-2.sim.example"]
NOT_VPS = (12303, 12304)  # the simulator's web hosting and domain
SEED_ONLY = ["hostup_vmid < 20000"]  # leaves out the simulator's fleet


def hosts(listing):
    return sorted(listing["_meta"]["hostvars"])


def hostvars(listing, host):
    """A host's variables from ``--list``, which marks text from HostUp as unsafe (not a template) on 2.19."""
    def plain(value):
        return value["__ansible_unsafe"] if isinstance(value, dict) and "__ansible_unsafe" in value else value
    return dict((key, plain(value)) for key, value in listing["_meta"]["hostvars"][host].items())


def calls(sim):
    return [(r["call"], r["vmid"], r["status"]) for r in sim.requests()]


def secrets_in(text, api_key):
    return leaks(text, list(SENSITIVE_VALUES) + [api_key])


def test_list_has_one_host_per_vps_with_the_documented_hostvars_and_nothing_personal(ansible, sim, api_key):
    run = ansible.inventory(ansible.hostup_yml())
    assert run.rc == 0, run
    listing = run.results
    vps_ids = sorted(sim.vps)
    assert sorted(hostvars(listing, host)["hostup_vmid"] for host in hosts(listing)) == vps_ids
    assert sorted(listing["hostup_vps"]["hosts"]) == hosts(listing)
    assert hostvars(listing, "shop.sim.example") == {
        "hostup_vmid": 10004, "hostup_name": "Webshop", "hostup_hostname": "shop.sim.example",
        "hostup_status": "Active", "hostup_product_id": "1936", "hostup_product_name": "VPS XS",
        "hostup_cycle": "monthly", "hostup_price": 59.0, "hostup_next_due": "2026-12-10",
        "hostup_ip": "127.0.39.20", "ansible_host": "127.0.39.20", "hostup_os": "Ubuntu 24.04",
        "hostup_cpu": 1, "hostup_ram": 1, "hostup_disk": 20}
    assert hostvars(listing, "db-1.sim.example")["hostup_cycle"] == "annually"
    # One list, then one read per VPS (several at a time), none for the web hosting or the domain.
    assert calls(sim)[0] == ("client_accounts", None, 200)
    assert sorted(calls(sim)[1:]) == [("vps_account", vmid, 200) for vmid in vps_ids]
    # The list named the account holder (the simulator's promise); the output does not.
    assert set(ACCOUNT_HOLDER.values()) <= set(SENSITIVE_VALUES)
    assert secrets_in(run.output, api_key) == []


def test_graph_shows_keyed_groups_groups_and_compose_with_the_key_from_an_env_lookup(ansible, sim, api_key):
    source = ansible.hostup_yml(filters=SEED_ONLY, compose={"ansible_user": "'deploy'"},
                                keyed_groups=[{"key": "hostup_product_id", "prefix": "plan"},
                                              {"key": "hostup_cycle", "prefix": "cycle"}],
                                groups={"big": "hostup_ram >= 8"},
                                api_key="{{ lookup('ansible.builtin.env', 'MY_HOSTUP_KEY') }}")
    env = {"MY_HOSTUP_KEY": api_key}
    run = ansible.inventory(source, args=["--graph"], api_key=None, env=env)
    assert run.rc == 0, run
    assert [host for host in SEED_HOSTS if "|--" + host + "\n" not in run.stdout] == []
    assert secrets_in(run.output, api_key) == []
    assert "  |--@plan_1937:\n  |  |--web-1.sim.example\n  |  |--web-2.sim.example\n" in run.stdout
    assert "  |--@cycle_annually:\n  |  |--db-1.sim.example\n" in run.stdout
    assert "  |--@big:\n  |  |--db-1.sim.example\n  |  |--build.sim.example\n" in run.stdout
    host = ansible.inventory(source, args=["--host", "web-1.sim.example"], api_key=None, env=env)
    assert json.loads(host.stdout)["ansible_user"] == "deploy"


def test_filters_replace_the_vps_rule_and_hostup_answers_which_services_are_vpses(ansible, sim):
    run = ansible.inventory(ansible.hostup_yml(filters=["hostup_cycle == 'annually'"]))
    assert run.rc == 0, run
    assert hosts(run.results) == ["db-1.sim.example"]
    # Every service was read; the web hosting and the domain are not VPSes to HostUp (404).
    assert sorted((vmid, status) for call, vmid, status in calls(sim) if vmid in NOT_VPS) == [(12303, 404), (12304, 404)]
    assert "[WARNING]" not in run.stderr


def test_a_cache_hit_sends_no_request_the_cache_of_one_key_or_api_url_serves_no_other_and_flush_reads_again(
        ansible, sim, api_key):
    other = "another-accounts-key-31c0"
    sim.api_keys[other] = list(sim.api_keys[api_key])
    cache_dir = ansible.workdir / "cache"
    source = ansible.hostup_yml(filters=SEED_ONLY, cache=True, cache_plugin="ansible.builtin.jsonfile",
                                cache_connection=str(cache_dir))
    first = ansible.inventory(source)
    assert first.rc == 0 and hosts(first.results) == SEED_HOSTS, first
    assert len(sim.requests()) == 1 + len(sim.vps) + len(NOT_VPS)
    sim.clear_requests()
    cached = ansible.inventory(source)
    assert cached.rc == 0 and cached.results == first.results and sim.requests() == [], cached
    other_key = ansible.inventory(source, api_key=other)
    assert other_key.rc == 0 and calls(sim)[0] == ("client_accounts", None, 200), other_key
    sim.clear_requests()
    down = ansible.inventory(source, env={"HOSTUP_API_URL": "http://127.0.0.1:9"})
    assert "could not connect to http://127.0.0.1:9" in down.stderr, down
    assert hosts(down.results if down.results else {"_meta": {"hostvars": {}}}) == []
    flushed = ansible.inventory(source, args=["--list", "--flush-cache"])
    assert flushed.rc == 0 and calls(sim)[0] == ("client_accounts", None, 200), flushed
    stored = "".join(name + (cache_dir / name).read_text() for name in os.listdir(str(cache_dir)))
    assert "web-1.sim.example" in stored and secrets_in(stored, api_key) == [] and other not in stored
    assert "extra_details" not in stored and "vmdata" not in stored  # the built dicts, not HostUp's replies


@pytest.mark.parametrize("options, env, key, words, sent", [
    ({}, None, "not-the-key", ["hostup.cloud.hostup: GET /api/client-accounts failed: HTTP 401 UNAUTHORIZED: "
                               "Authentication required (requestId ",
                               "Check api_key (or the HOSTUP_API_KEY environment variable)"],
     [("client_accounts", None, 401)]),
    ({}, {"HOSTUP_API_URL": "http://127.0.0.1:9"}, RUNNER_KEY, [
        "hostup.cloud.hostup: GET /api/client-accounts failed: could not connect to http://127.0.0.1:9 "
        "(connection refused or host not found). Check api_url and the network"], []),
    # plain http to another host: refused before any request
    ({"api_url": "http://hostup.example.net"}, None, RUNNER_KEY,
     ["hostup.cloud.hostup: api_url uses plain http to hostup.example.net"], []),
])
def test_a_wrong_key_an_unreachable_or_a_plain_http_api_url_is_one_actionable_line(ansible, sim, options, env, key,
                                                                                   words, sent):
    run = ansible.inventory(ansible.hostup_yml(**options), api_key=key, env=env)
    lines = [line for line in run.stderr.splitlines() if words[0] in line]
    assert lines and [word for word in words if word not in lines[0]] == [], run
    assert "Traceback" not in run.output and "not-the-key" not in run.output
    assert calls(sim) == sent


def test_a_429_is_waited_out_and_past_rate_limit_wait_fails_in_one_line(ansible, sim):
    sim.add_fault("vps_account", "rate_limit", vmid=10002, times=1, retry_after=1)
    run = ansible.inventory(ansible.hostup_yml(filters=SEED_ONLY))
    assert run.rc == 0, run
    assert hosts(run.results) == SEED_HOSTS
    assert [status for call, vmid, status in calls(sim) if vmid == 10002] == [429, 200]

    sim.clear_requests()
    sim.add_fault("vps_account", "rate_limit", vmid=10002, times=1, retry_after=1)
    run = ansible.inventory(ansible.hostup_yml(filters=SEED_ONLY, rate_limit_wait=0))
    assert "hostup.cloud.hostup: GET /api/vps-accounts/10002 failed: HTTP 429" in run.stderr, run
    assert "Traceback" not in run.output
    assert hosts(run.results) == []


def test_price_change_over_a_keyed_group_estimates_only_and_a_vps_named_localhost_takes_no_controller_task(
        ansible, sim):
    # HostUp names a VPS "localhost": as a host of that name it would receive every
    # delegate_to: localhost task over SSH (with the key in the module's arguments).
    sim.vps[10001]["hostname"] = "localhost"
    source = ansible.hostup_yml(filters=SEED_ONLY, keyed_groups=[{"key": "hostup_product_id", "prefix": "plan"}])
    run = ansible.playbook([], play={"ansible.builtin.import_playbook": "hostup.cloud.price_change"}, verbosity=3,
                           inventory=source, args=["-e", "hostup_package=1938", "-e", "hostup_hosts=plan_1937"])
    assert run.rc == 0, run
    assert "localhost-10001 (vmid 10001): priced, due now 60.00 SEK, recurring 139.00 monthly -> 259.00 monthly" \
        in run.stdout
    assert "ESTABLISH SSH CONNECTION" not in run.output and "UNREACHABLE" not in run.output
    assert "Total due now if ordered: 120.00 SEK" in run.stdout
    estimates = sorted((r["vmid"], r["body"]) for r in sim.requests(call="estimate"))
    assert estimates == [(10001, {"send": False, "package": "1938"}), (10002, {"send": False, "package": "1938"})]
    assert sim.ordering_requests() == []


def test_annual_billing_over_the_inventory_prices_the_monthly_vpses_under_check(ansible, sim):
    # The inventory's hostup_cycle (the current cycle) must not be taken for the target cycle.
    run = ansible.playbook([], play={"ansible.builtin.import_playbook": "hostup.cloud.annual_billing"},
                           inventory=ansible.hostup_yml(filters=SEED_ONLY), check=True)
    assert run.rc == 0, run
    assert sorted(r["vmid"] for r in sim.requests(call="estimate")) == [10001, 10002, 10004, 10005]
    assert all(r["body"]["cycle"] == "a" for r in sim.requests(call="estimate"))
    assert sim.ordering_requests() == []

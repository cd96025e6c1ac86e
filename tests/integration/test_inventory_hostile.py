# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup.cloud.hostup against a HostUp whose text is hostile: it stays data on every ansible-core.

Anyone who can edit a VPS's hostname or label in the HostUp panel writes text this plugin
reads. These tests run the real ansible-inventory and ansible-playbook of the Python that runs
pytest, so the version matrix runs them on each ansible-core it claims (ansible-core before 2.19
templates a host name that looks like a template).

Self-contained on purpose: nothing here depends on output formats that differ between
ansible-core versions (warnings are matched on one line; ``--list`` values are unwrapped).
In a version's venv, from the checkout (after ``make setup``)::

    PYTHONPATH=.venv/collections <venv>/bin/python -m pytest -p no:cacheprovider -q \\
        tests/integration/test_inventory_hostile.py
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

import yaml

# A lookup that leaves a file behind when it runs.
TEMPLATE = "{{ lookup('pipe', 'id > %s') }}"
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
SEED_ONLY = ["hostup_vmid < 20000"]  # leaves out the simulator's fleet


def hostup_yml(ansible, **options):
    return ansible.hostup_yml(**dict({"filters": SEED_ONLY}, **options))


def plain(value):
    """A ``--list`` value without the ``__ansible_unsafe`` wrapper some versions add."""
    return value["__ansible_unsafe"] if isinstance(value, dict) and "__ansible_unsafe" in value else value


def names_by_vmid(listing):
    """vmid -> host name, of the hosts this plugin made."""
    return dict((plain(variables["hostup_vmid"]), name) for name, variables in listing["_meta"]["hostvars"].items()
                if "hostup_vmid" in variables)


def one_line(text):
    """Warnings as one line: ansible-core before 2.19 wraps them at the terminal width."""
    return re.sub(r"\s+", " ", text)


def test_template_names_from_hostup_run_nothing_and_every_vps_stays_listed_by_a_safe_name(ansible, sim, tmp_path):
    ran = dict((field, tmp_path / ("ran-by-" + field)) for field in ("domain", "label", "name"))
    sim.vps[10001]["hostname"] = TEMPLATE % ran["domain"]
    sim.vps[10002].update(hostname="", label=TEMPLATE % ran["label"])
    sim.vps[10004].update(hostname="", label="")
    sim.add_fault("vps_account", "patch", vmid=10004, times=None, data={"vps_account.name": TEMPLATE % ran["name"]})
    source = hostup_yml(ansible)

    listed = ansible.inventory(source)
    graph = ansible.inventory(source, args=["--graph"])
    # A plain play over those hosts: every ansible-core before 2.19 templated the name here.
    play = {"hosts": "hostup_vps", "gather_facts": False,
            "tasks": [{"ansible.builtin.debug": {"msg": "{{ inventory_hostname }} {{ hostup_hostname | default('') }}"}},
                      {"ansible.builtin.debug": {"var": "inventory_hostname"}}]}
    run = ansible.playbook([], plays=[play], inventory=source)
    assert [path.name for path in ran.values() if path.exists()] == []  # nothing ran

    assert listed.rc == 0, listed
    names = names_by_vmid(listed.results)
    assert sorted(names) == [10001, 10002, 10003, 10004, 10005]  # no VPS is lost
    assert all(SAFE_NAME.match(name) for name in names.values()), names
    assert names[10001].startswith("lookup-pipe-id-") and names[10001].endswith("ran-by-domain")
    assert graph.rc == 0, graph
    assert "{{" not in graph.stdout and names[10002] in graph.stdout
    assert run.rc == 0, run
    assert "ok=2" in run.stdout and "failed=0" in run.stdout


def static_yml(ansible):
    """A hand-written source with a host named like a VPS of the simulator, and a group named like another."""
    path = ansible.workdir / "static.yml"
    path.write_text(yaml.safe_dump({"all": {"children": {
        "webservers": {"hosts": {"web-1.sim.example": {"ansible_host": "10.9.9.9", "role": "web"}}},
        "shop.sim.example": {"hosts": {"pos.example": {"role": "till"}}}}}}))
    return str(path)


def test_a_vps_never_takes_over_a_host_or_group_of_a_source_parsed_before_it(ansible, sim):
    run = ansible.inventory(static_yml(ansible), args=["-i", hostup_yml(ansible), "--list"])
    assert run.rc == 0, run
    hostvars = run.results["_meta"]["hostvars"]
    # The hand-written host keeps its address, its variables and its groups; it gains nothing.
    assert hostvars["web-1.sim.example"] == {"ansible_host": "10.9.9.9", "role": "web"}
    assert "web-1.sim.example" not in run.results["hostup_vps"]["hosts"]
    assert run.results["webservers"]["hosts"] == ["web-1.sim.example"]
    assert run.results["shop.sim.example"]["hosts"] == ["pos.example"]
    # The VPSes are hosts of their own.
    names = names_by_vmid(run.results)
    assert (names[10001], names[10004]) == ("web-1.sim.example-10001", "shop.sim.example-10004")
    assert plain(hostvars["web-1.sim.example-10001"]["ansible_host"]) == "127.0.39.17"
    warnings = one_line(run.stderr)
    assert ("hostup.cloud.hostup: VPS 10001 (HostUp name web-1.sim.example) is host web-1.sim.example-10001: "
            "web-1.sim.example is already a host of another inventory source, which keeps its variables") in warnings
    assert ("hostup.cloud.hostup: VPS 10004 (HostUp name shop.sim.example) is host shop.sim.example-10004: "
            "shop.sim.example is already a group of this inventory, which keeps its variables") in warnings


def test_a_source_parsed_after_this_plugin_merges_into_the_vps_as_documented(ansible, sim):
    # What does not hold: the plugin cannot see a source parsed after it. Ansible merges that
    # source's host into the VPS host of the same name; its own variables win.
    run = ansible.inventory(hostup_yml(ansible), args=["-i", static_yml(ansible), "--list"])
    assert run.rc == 0, run
    merged = dict((key, plain(value)) for key, value in run.results["_meta"]["hostvars"]["web-1.sim.example"].items())
    assert (merged["ansible_host"], merged["role"], merged["hostup_vmid"]) == ("10.9.9.9", "web", 10001)


def test_terminal_controls_in_a_hostup_error_never_reach_the_terminal(ansible, sim):
    sim.add_fault("client_accounts", "status", status=403, code="FORBIDDEN",
                  message="Nekad\r\x1b[2K\x1b[32m[OK] inventory ready\x1b[0m \u202eKO\u202c")
    run = ansible.inventory(hostup_yml(ansible))
    assert "\x1b" not in run.output and "\r" not in run.output and "\u202e" not in run.output, run
    assert "Nekad \\x1b[2K\\x1b[32m[OK] inventory ready\\x1b[0m \\u202eKO\\u202c" in one_line(run.stderr), run


def cache_options(ansible):
    return {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(ansible.workdir / "cache")}


def test_the_cache_file_is_private_and_a_forged_entry_is_read_afresh(ansible, sim):
    source = hostup_yml(ansible, **cache_options(ansible))
    first = ansible.inventory(source)
    assert first.rc == 0, first
    (path,) = (ansible.workdir / "cache").iterdir()
    assert oct(path.stat().st_mode & 0o777) == "0o600"

    # Someone edits the entry: the shape is right, the address is not an IP and the name is a template.
    data = json.loads(path.read_text())
    wrapped = isinstance(data, dict) and "__payload__" in data  # ansible-core 2.19 and later
    entry = json.loads(data["__payload__"]) if wrapped else data
    forged = [dict(vps, ip="evil.example", hostname="{{ lookup('pipe', 'id') }}") for vps in entry]
    path.write_text(json.dumps(dict(data, __payload__=json.dumps(forged))) if wrapped else json.dumps(forged))
    sim.clear_requests()
    second = ansible.inventory(source)
    assert second.rc == 0, second
    assert second.results == first.results
    assert sim.requests()  # HostUp was read afresh
    assert re.search(r"the inventory cache entry is not what this plugin writes \(VPS 1 of \d+: ip is not an IP "
                     r"address or null\), so it is not used; HostUp is read afresh", one_line(second.stderr)), second
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_group_names_made_from_hostup_text_run_nothing(ansible, sim, tmp_path):
    # keyed_groups and groups make group names of HostUp's text (a status, a product name):
    # ansible-core before 2.19 templates group_names and groups when a task reads them.
    ran = dict((field, tmp_path / ("ran-by-" + field)) for field in ("status", "os"))
    sim.vps[10001]["status"] = TEMPLATE % ran["status"]
    sim.add_fault("vps_account", "patch", vmid=10002, times=None, data={"vps_account.os": TEMPLATE % ran["os"]})
    source = hostup_yml(ansible, keyed_groups=[{"key": "hostup_status", "prefix": "status"},
                                               {"key": "hostup_os", "prefix": "os"}])
    listed = ansible.inventory(source)
    graph = ansible.inventory(source, args=["--graph"])
    play = {"hosts": "hostup_vps", "gather_facts": False,
            "tasks": [{"ansible.builtin.debug": {"msg": "{{ group_names }} {{ groups | list }}"}},
                      {"ansible.builtin.debug": {"var": "group_names"}},
                      {"ansible.builtin.debug": {"var": "groups"}}]}
    run = ansible.playbook([], plays=[play], inventory=source)
    assert [path.name for path in ran.values() if path.exists()] == []  # nothing ran
    assert listed.rc == 0 and graph.rc == 0 and run.rc == 0, (listed, graph, run)
    assert "{{" not in graph.stdout, graph.stdout
    groups = [name for name in listed.results if name.startswith(("status_", "os_"))]
    assert groups and all(SAFE_NAME.match(name) for name in groups), groups
    assert sorted(names_by_vmid(listed.results)) == [10001, 10002, 10003, 10004, 10005]


def test_compose_of_hostup_text_runs_nothing(ansible, sim, tmp_path):
    # compose copies HostUp's text into new variables: ansible-core before 2.19 templates a
    # variable's value when a task reads it, unless it stays marked unsafe.
    ran = dict((field, tmp_path / ("ran-by-" + field)) for field in ("status", "label", "os"))
    sim.vps[10001]["status"] = TEMPLATE % ran["status"]
    sim.vps[10002]["label"] = TEMPLATE % ran["label"]
    sim.add_fault("vps_account", "patch", vmid=10003, times=None, data={"vps_account.os": TEMPLATE % ran["os"]})
    source = hostup_yml(ansible, compose={"copied_status": "hostup_status", "copied_name": "hostup_name",
                                          "joined": "hostup_status ~ '/' ~ hostup_name ~ '/' ~ (hostup_os | default(''))",
                                          "listed": "[hostup_status, hostup_os | default('')]"})
    play = {"hosts": "hostup_vps", "gather_facts": False,
            "tasks": [{"ansible.builtin.debug": {"msg": "{{ copied_status }} {{ copied_name }} {{ joined }} {{ listed }}"}},
                      {"ansible.builtin.debug": {"var": "joined"}},
                      {"ansible.builtin.set_fact": {"again": "{{ listed }}"}},
                      {"ansible.builtin.debug": {"msg": "{{ again }}"}}]}
    run = ansible.playbook([], plays=[play], inventory=source)
    assert [path.name for path in ran.values() if path.exists()] == []  # nothing ran
    assert run.rc == 0, run

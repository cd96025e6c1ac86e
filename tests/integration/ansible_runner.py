# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs ansible-playbook and ansible as a user would, against a simulator server.

Used by the integration tests (through conftest.py fixtures) and the benchmark.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import subprocess
import sys

BIN = os.path.dirname(sys.executable)
RUNNER_KEY = object()  # "the runner's own API key"; None means "no key at all"


# Hosts that stand for a VPS run their HostUp tasks on the controller, with its Python.
CONTROLLER_VARS = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}


def write_local_inventory(path, groups, group_vars=None):
    """Write a JSON inventory of ``{group: {host: hostvars}}`` whose hosts run on the controller."""
    inventory = {"all": {"children": dict((group, {"hosts": hosts}) for group, hosts in groups.items()),
                         "vars": dict(CONTROLLER_VARS, **(group_vars or {}))}}
    with open(str(path), "w") as handle:
        json.dump(inventory, handle)
    return str(path)


def module_task(module, options, register, ignore_errors=False):
    """A task of a hostup.cloud module whose result is registered."""
    task = {"name": "Run %s" % module, "hostup.cloud." + module: dict(options), "register": register}
    return dict(task, ignore_errors=True) if ignore_errors else task


def save_result_task(register, directory, file_name):
    """A task that writes ``register`` to ``directory``/``file_name``.json on each host."""
    return {"name": "Save the result", "ansible.builtin.copy": {
        "content": "{{ %s | to_json }}" % register, "dest": "%s/%s.json" % (directory, file_name),
        "mode": "0600"}, "check_mode": False, "diff": False, "changed_when": False}


def collections_tree(root, parent):
    """Make ``parent``/ansible_collections/hostup/cloud point at the checkout ``root``; return ``parent``."""
    namespace = os.path.join(str(parent), "ansible_collections", "hostup")
    os.makedirs(namespace)
    os.symlink(root, os.path.join(namespace, "cloud"))
    return str(parent)


class Run(object):
    """One ansible-playbook or ansible run: exit code, output and registered results."""

    def __init__(self, rc, stdout, stderr, results, log):
        self.rc, self.stdout, self.stderr, self.results, self.log = rc, stdout, stderr, results, log

    @property
    def output(self):
        return self.stdout + self.stderr + self.log

    def __repr__(self):
        # a failing test shows why: every failure line in full, then the end of the output (the recap)
        failures = [line[:3000] for line in self.output.splitlines()
                    if any(mark in line for mark in ("fatal:", "FAILED!", "[ERROR]", "ERROR!", "Traceback"))]
        return "Run(rc=%s)\n--- failures\n%s\n--- end of stdout\n%s\n--- end of stderr\n%s" % (
            self.rc, "\n".join(failures), self.stdout[-3000:], self.stderr[-2000:])


class Ansible(object):
    def __init__(self, server, collections_path, workdir, api_key):
        self.server, self.collections_path, self.workdir, self.api_key = server, collections_path, workdir, api_key

    def hostup_yml(self, name="hostup.yml", **options):
        """Write an inventory source of the hostup.cloud.hostup plugin with ``options``; return its path."""
        path = self.workdir / name
        path.write_text(json.dumps(dict({"plugin": "hostup.cloud.hostup"}, **options)))
        return str(path)

    def env(self, api_key=RUNNER_KEY, extra=None):
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("HOSTUP_") or name.startswith("ANSIBLE_"):
                del env[name]
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": self.collections_path,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "False",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
            "ANSIBLE_LOCAL_TEMP": str(self.workdir / "tmp"),
            # absolute, so async tasks and async_status agree even when HOME is not the user's home
            "ANSIBLE_ASYNC_DIR": str(self.workdir / "async"),
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_PIPELINING": "True",
            "ANSIBLE_LOG_PATH": str(self.workdir / "ansible.log"),
            "HOSTUP_API_URL": self.server.url,
            # the order ledger of this test's runs: a simulator reset forgets its orders, so must the ledger
            "HOSTUP_STATE_DIR": str(self.workdir / "state"),
            "NO_PROXY": "127.0.0.1,localhost",  # a proxy set on the machine must not see simulator traffic
            "PATH": BIN + os.pathsep + env.get("PATH", ""),
        })
        if api_key is RUNNER_KEY:
            api_key = self.api_key
        if api_key is not None:
            env["HOSTUP_API_KEY"] = api_key
        env.update(extra or {})
        return env

    def playbook(self, tasks, check=False, diff=False, verbosity=0, api_key=RUNNER_KEY, env=None,
                 play=None, inventory=None, args=(), plays=None):
        """Run ``tasks`` on localhost; returns a Run whose ``results`` maps each register name to its result.

        ``play`` replaces the play around the tasks; ``plays`` replaces the whole playbook.
        """
        names = sorted(set(_registered(tasks)))
        save = {"name": "Save registered results for the test", "ansible.builtin.copy": {
            "dest": str(self.workdir / "results.json"),
            "content": "{{ {%s} | to_json }}" % ", ".join("'%s': %s | default(None)" % (n, n) for n in names),
            "mode": "0600"}, "check_mode": False, "diff": False, "changed_when": False}
        play = dict(play or {"hosts": "localhost", "gather_facts": False})
        if "ansible.builtin.import_playbook" not in play:
            play.setdefault("tasks", list(tasks) + [save])
        path = self.workdir / "playbook.yml"
        path.write_text(json.dumps(plays or [play], indent=1))
        command = [os.path.join(BIN, "ansible-playbook"), str(path)]
        if inventory:
            command += ["-i", inventory]
        command += _mode_flags(check, diff, verbosity) + list(args)
        return self._run(command, api_key, env, results_file=self.workdir / "results.json")

    def adhoc(self, module, module_args, check=False, diff=False, api_key=RUNNER_KEY, env=None):
        command = [os.path.join(BIN, "ansible"), "localhost", "-m", module, "-a", module_args]
        command += _mode_flags(check, diff, 0)
        run = self._run(command, api_key, env)
        match = re.search(r"^localhost \| [A-Z!]+ => (\{.*\})\s*$", run.stdout, re.S | re.M)
        run.results = {"adhoc": json.loads(match.group(1))} if match else {}
        return run

    def inventory(self, source, args=("--list",), api_key=RUNNER_KEY, env=None):
        """Run ``ansible-inventory -i source args``; ``results`` holds the parsed ``--list`` output."""
        run = self._run([os.path.join(BIN, "ansible-inventory"), "-i", str(source)] + list(args), api_key, env)
        if "--list" in args and run.rc == 0:
            run.results = json.loads(run.stdout)
        return run

    def _run(self, command, api_key, env, results_file=None):
        log_path = self.workdir / "ansible.log"
        for stale in (log_path, results_file):
            if stale is not None and stale.exists():
                stale.unlink()
        proc = subprocess.run(command, cwd=str(self.workdir), env=self.env(api_key, env), check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=600)
        results = {}
        if results_file is not None and results_file.exists():
            results = json.loads(results_file.read_text())
        log = log_path.read_text() if log_path.exists() else ""
        return Run(proc.returncode, proc.stdout, proc.stderr, results, log)


def _registered(tasks):
    for task in tasks:
        if "register" in task:
            yield task["register"]
        for section in ("block", "rescue", "always"):
            yield from _registered(task.get(section, []))


def _mode_flags(check, diff, verbosity):
    return ["--check"] * bool(check) + ["--diff"] * bool(diff) + ["-" + "v" * verbosity] * bool(verbosity)

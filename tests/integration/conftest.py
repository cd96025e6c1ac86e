# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: the real simulator over HTTP, real ansible-playbook and ansible.

Each test gets the simulator reset to its seed (``sim``: the in-process
Simulator, whose request log and fault switches the test reads and sets) and a
runner (``ansible``) that runs playbooks and ad-hoc commands as a user would,
with this checkout installed as the hostup.cloud collection.

A test module marked ``documented_only_too`` (the money tests) runs each of its
tests twice: against the simulator as it answers by default, and in its
documented-only mode, where every field HostUp's docs mark optional is left out
but those that make a reply what it is (``sim.documented_only`` tells the test).
A test marked ``seed_only`` runs once: what it proves does not depend on an
optional field (a lock, a wait, a refusal before any estimate, a patched field),
so a second run would only cost time.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.hostup.cloud.tests.integration.ansible_runner import Ansible, collections_tree
from ansible_collections.hostup.cloud.tests.paths import ROOT
from ansible_collections.hostup.cloud.tests.simulator import hostup_simulator

API_KEY = "integration-secret-key-5d2c81"


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """A collections tree holding this checkout as hostup.cloud."""
    return collections_tree(ROOT, tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="session")
def server():
    simulator = hostup_simulator.Simulator(api_keys=[API_KEY], fleet=60)
    srv = hostup_simulator.SimulatorServer(simulator).start()
    yield srv
    srv.shutdown()


DOCUMENTED_TOO = "documented_only_too"
SEED_ONLY = "seed_only"


def pytest_configure(config):
    config.addinivalue_line("markers", "%s: run the test also against the simulator in its documented-only mode"
                            % DOCUMENTED_TOO)
    config.addinivalue_line("markers", "%s: run the test only against the simulator's default answers" % SEED_ONLY)


def pytest_generate_tests(metafunc):
    marked = metafunc.definition.get_closest_marker
    if "sim" in metafunc.fixturenames and marked(DOCUMENTED_TOO) and not marked(SEED_ONLY):
        metafunc.parametrize("sim_mode", ["seed", "documented"], indirect=True)


@pytest.fixture
def sim_mode(request):
    """How the simulator answers: "seed" (the optional fields a reply plausibly carries) or "documented"."""
    return getattr(request, "param", "seed")


@pytest.fixture
def sim(server, sim_mode):
    server.simulator.reset()
    server.simulator.latency = 0.0
    server.simulator.rate_limit = None
    server.simulator.documented_only = sim_mode == "documented"
    return server.simulator


@pytest.fixture(scope="session")
def ansible_factory(collections_path):
    """Make a runner for another simulator server (tests that need one of their own)."""
    def make(server, workdir, api_key=API_KEY):
        (workdir / "tmp").mkdir(exist_ok=True)
        return Ansible(server, collections_path, workdir, api_key)
    return make


@pytest.fixture
def ansible(server, ansible_factory, tmp_path):
    return ansible_factory(server, tmp_path)


@pytest.fixture
def api_key():
    return API_KEY

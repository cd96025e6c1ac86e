# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test fixtures; the fakes they use live in helpers.py, which tests import."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import tempfile

import pytest
import requests

from ansible_collections.hostup.cloud.plugins.module_utils import transport
from ansible_collections.hostup.cloud.tests.unit.helpers import Conversation, Sleeps


@pytest.fixture(autouse=True)
def private_state_dir(monkeypatch, tmp_path):
    """The order ledger and the per-VPS order locks of the modules live in state_dir: each test has its
    own (HOSTUP_STATE_DIR), so no test sees another's orders, and test runs side by side (the version
    matrix) never wait for each other's locks. The temp dir is the test's own too."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("HOSTUP_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture
def sleeps(monkeypatch):
    record = Sleeps()
    monkeypatch.setattr(transport.time, "sleep", record)
    monkeypatch.setattr(transport, "RATE_LIMIT_JITTER", 0.0)
    return record


@pytest.fixture
def conversation(monkeypatch, sleeps):
    fake = Conversation()
    monkeypatch.setattr(requests, "Session", lambda: fake)
    yield fake
    fake.assert_done()

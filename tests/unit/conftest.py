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
def private_temp_dir(monkeypatch, tmp_path):
    """The per-VPS order locks of the modules live under the temp dir: each test has its own,
    so test runs side by side (the version matrix) never wait for each other's locks."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


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

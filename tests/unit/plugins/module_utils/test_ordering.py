# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ordering.py: the per-VPS lock of a controller."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils import ordering

API = "http://127.0.0.1:18443"


@pytest.fixture(autouse=True)
def private_tmp(monkeypatch, tmp_path):
    monkeypatch.setattr(ordering.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path


def test_the_lock_lives_in_a_private_directory_keyed_by_host_port_and_vmid(private_tmp):
    path = ordering.lock_path("https://cloud.hostup.se", 10001)
    assert os.path.basename(path) == "cloud.hostup.se_443_vm10001.lock"
    assert ordering.lock_path(API, 10001) != ordering.lock_path(API, 10002)
    assert ordering.lock_path(API, 10001) != ordering.lock_path("http://127.0.0.2:18443", 10001)
    info = os.stat(os.path.dirname(path))
    assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.getuid()


def test_a_directory_others_can_enter_is_refused(private_tmp):
    directory = private_tmp / ("hostup-cloud-locks-%d" % os.getuid())
    directory.mkdir(mode=0o777)
    os.chmod(str(directory), 0o777)
    with ordering.vps_lock(API, 10001, 0) as problem:
        assert "could not be made" in problem and "not a directory private to this user" in problem


def test_a_second_holder_waits_a_bounded_time_then_is_told_which_vps(monkeypatch):
    with ordering.vps_lock(API, 10001, 0) as first:
        assert first is None
        with ordering.vps_lock(API, 10002, 0) as other_vps:
            assert other_vps is None
        with ordering.vps_lock(API, 10001, 0.3) as second:
            assert "another task on this controller has been ordering for VPS 10001" in second
            assert "nothing was ordered" in second


def test_the_lock_is_released_on_every_exit_path():
    with pytest.raises(SystemExit):
        with ordering.vps_lock(API, 10001, 0) as problem:
            assert problem is None
            raise SystemExit(1)  # fail_json ends a module this way
    with ordering.vps_lock(API, 10001, 0) as again:
        assert again is None

# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hostup_vps_order_ledger: lists the ledger, releases one entry, and never calls HostUp."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.hostup.cloud.plugins.modules import hostup_vps_order_ledger as module
from ansible_collections.hostup.cloud.tests.unit.helpers import API, run_module
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.earlier import earlier_order, states


def run(args, **kwargs):
    args = dict(args, api_url=API)
    args.setdefault("api_key", None)
    return run_module(module, args, **kwargs)


def test_the_entries_of_a_vps_are_listed_with_the_command_that_releases_each_unresolved_one(
        conversation, private_state_dir):
    waiting = earlier_order(private_state_dir, "unknown", package="1938")
    result, failed = run({"vmid": 10001})
    assert not failed and result["changed"] is False and result["released"] == []
    assert [(e["id"], e["state"]) for e in result["entries"]] == [(waiting["id"], "unknown")]
    assert result["pending"][0]["release_command"].endswith(
        "'vmid=10001 release=%s api_url=%s state_dir=%s'" % (waiting["id"], API, private_state_dir))
    assert conversation.sent == []


def test_without_vmid_every_vps_is_listed_and_a_missing_state_dir_is_an_empty_ledger(conversation, private_state_dir):
    result, failed = run({})
    assert not failed and result["entries"] == [] and not private_state_dir.exists()
    earlier_order(private_state_dir, package="1938")
    earlier_order(private_state_dir, vmid=10002, cycle="annually")
    result, failed = run({})
    assert sorted(e["vmid"] for e in result["entries"]) == [10001, 10002] and len(result["pending"]) == 2


@pytest.mark.parametrize("by", ["id", "order_id", "draft_id"])
def test_release_by_entry_order_or_draft_id(conversation, private_state_dir, by):
    entry = earlier_order(private_state_dir, package="1938")
    result, failed = run({"vmid": 10001, "release": str(entry[by])}, diff=True)
    assert not failed and result["changed"] is True
    assert [(e["id"], e["state"]) for e in result["released"]] == [(entry["id"], "released")]
    assert result["diff"] == {"before": {"pending": [entry["id"]]}, "after": {"pending": []}}
    assert states(private_state_dir) == ["released"]
    again, failed = run({"vmid": 10001, "release": str(entry[by])})
    assert not failed and again["changed"] is False and again["released"] == []
    assert any("nothing was released" in warning for warning in again["warnings"])


def test_check_mode_shows_the_release_and_changes_nothing(conversation, private_state_dir):
    entry = earlier_order(private_state_dir, "sending", package="1938")
    result, failed = run({"vmid": 10001, "release": entry["id"]}, check_mode=True)
    assert not failed and result["changed"] is True and result["released"][0]["id"] == entry["id"]
    assert states(private_state_dir) == ["sending"]


def test_a_release_matching_several_entries_fails_naming_them(conversation, private_state_dir):
    first = earlier_order(private_state_dir, "unknown", package="1938")
    second = earlier_order(private_state_dir, "unknown", package="1939")
    result, failed = run({"vmid": 10001, "release": "5000"})
    assert failed and result["reason"] == "ledger.release_ambiguous"
    assert first["id"] in result["msg"] and second["id"] in result["msg"]
    assert states(private_state_dir) == ["unknown", "unknown"]


@pytest.mark.parametrize("args, reason", [
    ({"release": "34000"}, "option.release_needs_vmid"),
    ({"vmid": 10001, "release": " "}, "option.release_blank"),
    ({"vmid": 0}, "option.too_small"),
    ({"vmid": 10001, "api_url": "http://hostup.example.net"}, "option.api_url_plain_http"),
    ({"vmid": 10001, "state_dir": "relative/dir"}, "option.state_dir_relative"),
    ({"vmid": 10001, "state_dir": ""}, "option.state_dir_relative"),
])
def test_bad_input_fails_before_the_ledger_is_touched(conversation, private_state_dir, args, reason):
    result, failed = run_module(module, dict(args, api_url=args.get("api_url", API)))
    assert failed and result["reason"] == reason and not private_state_dir.exists()


def test_a_ledger_the_module_cannot_trust_is_an_error(conversation, private_state_dir):
    private_state_dir.mkdir()
    os.chmod(str(private_state_dir), 0o777)
    result, failed = run({"vmid": 10001})
    assert failed and result["reason"] == "state_dir.unsafe"

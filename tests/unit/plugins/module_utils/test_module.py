# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The common options: checked before any request, the key protected in every form."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils.module import VMID_OPTION, HostUpModule
from ansible_collections.hostup.cloud.plugins.modules import hostup_vps_info
from ansible_collections.hostup.cloud.tests.unit.helpers import KEY, module_args, run_module
from ansible_collections.hostup.cloud.tests.unit.plugins.modules.replies import BILLING, DETAILS, billing, details


def run_for_real(args, capsys):
    """Run hostup_vps_info with Ansible's own exit/fail (and so its no_log masking); return its JSON output."""
    with module_args(dict(args, _ansible_check_mode=False, _ansible_diff=False)):
        with pytest.raises(SystemExit):
            hostup_vps_info.main()
    return json.loads(capsys.readouterr().out)


EMPTY = "api_key is empty: set api_key, or the HOSTUP_API_KEY environment variable"


@pytest.mark.parametrize("variable, key, reason, words", [(None, raw, "option.api_key_empty", EMPTY)
                                                          for raw in ["", " ", "\n", " \t\n"]] + [
    (None, None, "option.api_key_missing", "api_key is not set: set the HOSTUP_API_KEY environment variable, or api_key (on "
                                           "the task, or in module_defaults for group/hostup.cloud.all), to a HostUp API key"),
    ("", None, "option.api_key_empty", EMPTY),  # no api_key in the task: the variable is used
])
def test_an_empty_or_missing_key_fails_in_one_line_before_any_request_naming_the_variable(
        conversation, monkeypatch, capsys, variable, key, reason, words):
    monkeypatch.delenv("HOSTUP_API_KEY", raising=False)
    if variable is not None:
        monkeypatch.setenv("HOSTUP_API_KEY", variable)
    result = run_for_real(dict({"vmid": 10001}, **({} if key is None else {"api_key": key})), capsys)
    assert result["failed"] is True and result["reason"] == reason and result["msg"].startswith(words)
    assert "********" not in result["msg"] and "missing required arguments" not in result["msg"]  # blank masks nothing
    assert conversation.sent == []


@pytest.mark.parametrize("bad", ["head-7f3a\ntail-9b1c", "snow-\u2603-man-key", "bell-\x07-key-2c1d"])
def test_a_key_no_header_can_carry_fails_without_showing_it(conversation, capsys, bad):
    result = run_for_real({"vmid": 10001, "api_key": bad}, capsys)
    shown = json.dumps(result, ensure_ascii=False)
    assert "api_key contains a character that an HTTP header cannot carry" in result["msg"]
    assert not [form for form in (bad, repr(bad)[1:-1], json.dumps(bad)[1:-1], "head-7f3a", "tail-9b1c",
                                  "snow-", "bell-") if form in shown]
    assert conversation.sent == []


def test_a_newline_terminated_key_is_sent_stripped(conversation):
    conversation.expect("GET", DETAILS, reply=details())
    conversation.expect("GET", BILLING, reply=billing())
    result, failed = run_module(hostup_vps_info, {"vmid": 10001, "api_key": KEY + "\n"})
    assert not failed
    assert [sent["headers"]["X-API-Key"] for sent in conversation.sent] == [KEY, KEY]


def test_the_stripped_key_and_its_escaped_forms_are_masked_by_ansible_too():
    with module_args({"vmid": 10001, "api_key": " " + KEY + "\n"}):
        hostup = HostUpModule({"vmid": VMID_OPTION})
    masked = hostup.module.no_log_values
    assert set([KEY, " " + KEY + "\n", repr(" " + KEY + "\n")[1:-1], json.dumps(" " + KEY + "\n")[1:-1]]) <= masked
    assert " " not in masked and "" not in masked


@pytest.mark.parametrize("option, value, words", [
    ("rate_limit_wait", -1, "rate_limit_wait must be 0 (fail at once on HTTP 429) or more seconds, got -1"),
    ("api_timeout", 0, "api_timeout must be 1 second or more"),
])
def test_bad_common_options_fail_before_any_request(conversation, option, value, words):
    result, failed = run_module(hostup_vps_info, {"vmid": 10001, option: value})
    assert failed and words in result["msg"]
    assert conversation.sent == []


# --- a result is data: HostUp's text stays as sent, but nothing in it acts on a terminal ------------

BIDI_ESC = "\u202eKO\u202c \x1b[2K\x9b\u2028"


def test_hostup_text_in_a_failed_result_is_escaped_in_msg_and_json_safe_in_api_error(conversation, capsys):
    conversation.expect("GET", DETAILS, status=400, reply={"message": "bad\n" + BIDI_ESC, "code": "C\u202e",
                                                           "requestId": "r\u202e\x1b"})
    result = run_for_real({"vmid": 10001, "api_key": KEY}, capsys)
    assert result["msg"] == ("GET %s failed: HTTP 400 C\\u202e: bad \\u202eKO\\u202c \\x1b[2K\\x9b  "
                             "(requestId r\\u202e\\x1b)" % DETAILS)
    assert result["api_error"]["message"] == "bad\n\\u202eKO\\u202c \x1b[2K\\x9b\\u2028"
    assert result["api_error"]["code"] == "C\\u202e" and result["api_error"]["request_id"] == "r\\u202e\x1b"
    assert result["request_ids"] == ["r\\u202e\x1b"]


def test_hostup_text_in_a_result_is_json_safe_and_a_lone_surrogate_is_no_crash(conversation, capsys):
    reply = details()
    reply["data"]["hostname"] = "web\u202e-1 \ud800"
    reply["requestId"] = "r-\udfff"
    conversation.expect("GET", DETAILS, reply=reply)
    conversation.expect("GET", BILLING, reply=billing())
    result = run_for_real({"vmid": 10001, "api_key": KEY}, capsys)
    assert result["vps"]["hostname"] == "web\\u202e-1 \ufffd"
    assert result["request_ids"][0] == "r-\ufffd"

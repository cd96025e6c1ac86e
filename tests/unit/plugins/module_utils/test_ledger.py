# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ledger.py and statedir.py: one VPS whatever the spelling, a state_dir of our own, files that are whole or refused."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import multiprocessing
import os
import shlex
import stat

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils import statedir
from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.ledger import (
    HISTORY,
    Ledger,
    all_entries,
    file_stem,
    release_command,
    vps_key,
)

API = "https://cloud.hostup.se"
NOBODY = 65534


def ledger(state_dir, vmid=10001, api_url=API, read_only=False):
    return Ledger(str(state_dir), api_url, vmid, read_only=read_only)


def placed(book, **fields):
    asked = {"package": "1938", "cycle": None, "resources": {}, "unreadable": []}
    entry = book.new_entry("hostup_vps_upgrade", "the order of draft 5257", asked,
                           draft_id=5257, estimate={"due_now": 60.0})
    entry.update(dict(dict(state="placed", order_id="34889", invoice_id="49526"), **fields))
    return book.add(entry)


def ledger_file(state_dir, vmid=10001, api_url=API):
    return state_dir / "ledger" / (file_stem(vps_key(api_url), vmid) + ".json")


# --- the VPS key -------------------------------------------------------------------------

@pytest.mark.parametrize("spellings, key", [
    (["https://cloud.hostup.se", "https://CLOUD.HostUp.se", "https://cloud.hostup.se.", "https://cloud.hostup.se:443",
      "https://cloud.hostup.se/", "https://cloud.hostup.se/api/v1?x=1", "HTTPS://Cloud.Hostup.SE.:443/"],
     "cloud.hostup.se:443"),
    (["http://127.0.0.1:8080", "http://localhost:8080", "http://LOCALHOST.:8080/api", "http://127.8.9.10:8080",
      "http://[::1]:8080", "https://localhost:8080"], "loopback:8080"),
    (["http://localhost", "http://127.0.0.1:80", "http://[::1]/"], "loopback:80"),
    (["https://bücher.example", "https://BÜCHER.example.", "https://xn--bcher-kva.example:443"],
     "xn--bcher-kva.example:443"),
    (["https://[2001:DB8:0::1]", "https://[2001:db8::1]:443"], "2001:db8::1:443"),
    # an IP address is one host however the resolver lets it be written
    (["https://127.0.0.1:8443", "https://127.1:8443", "https://0x7f.0.0.1:8443", "https://[::ffff:127.0.0.1]:8443",
      "https://localhost:8443"], "loopback:8443"),
    (["https://192.0.2.10", "https://192.0.2.012.", "https://[::ffff:192.0.2.10]:443", "https://3221225994"],
     "192.0.2.10:443"),
])
def test_one_hostup_api_has_one_key_whatever_the_spelling_of_api_url(spellings, key):
    assert set(vps_key(url) for url in spellings) == {key}


@pytest.mark.parametrize("first, second", [
    ("https://cloud.hostup.se", "https://cloud.hostup.se:8443"),
    ("https://cloud.hostup.se", "https://api.hostup.se"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8081"),
    ("http://127.0.0.1:443", "https://cloud.hostup.se"),
])
def test_other_apis_have_other_keys(first, second):
    assert vps_key(first) != vps_key(second)


def test_a_port_no_url_can_have_is_bad_input():
    with pytest.raises(BadOption) as caught:
        vps_key("https://cloud.hostup.se:99999")
    assert caught.value.reason == "option.api_url_unparsable"


def test_file_names_are_readable_and_unique_where_the_readable_part_is_not():
    assert file_stem("cloud.hostup.se:443", 10001).startswith("cloud.hostup.se-443-vm10001-")
    assert file_stem("a_b:443", 1) != file_stem("a.b:443", 1) != file_stem("a-b:443", 1)
    assert file_stem("loopback:8080", 10001) != file_stem("loopback:8080", 10002)


# --- state_dir -------------------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o077, 0o777])
def test_state_dir_and_its_parents_are_made_and_state_dir_is_0700_whatever_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        book = ledger(tmp_path / "home" / ".ansible" / "hostup_cloud")
        placed(book)
    finally:
        os.umask(old)
    for directory in ("", "ledger", "locks"):
        info = os.stat(str(tmp_path / "home" / ".ansible" / "hostup_cloud" / directory))
        assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.geteuid()
    assert stat.S_IMODE(os.stat(str(ledger_file(tmp_path / "home" / ".ansible" / "hostup_cloud"))).st_mode) == 0o600


@pytest.mark.parametrize("make, words", [
    (lambda path: (path.mkdir(), os.chmod(str(path), 0o770)), "can be written by its group or by others (mode 0770)"),
    (lambda path: (path.mkdir(), os.chmod(str(path), 0o703)), "can be written by its group or by others"),
    (lambda path: (path.mkdir(mode=0o700), os.chown(str(path), NOBODY, NOBODY)), "belongs to"),
    (lambda path: path.write_text("not a directory"), "is not a directory"),
    (lambda path: (path.parent.joinpath("theirs").mkdir(mode=0o700), os.chown(str(path.parent / "theirs"), NOBODY, -1),
                   path.symlink_to(path.parent / "theirs")), "belongs to"),
])
@pytest.mark.parametrize("read_only", [False, True])
def test_a_state_dir_that_is_not_ours_alone_is_refused_naming_it(tmp_path, make, words, read_only):
    state_dir = tmp_path / "state"
    make(state_dir)
    with pytest.raises(TaskFailed) as caught:
        ledger(state_dir, read_only=read_only)
    assert caught.value.reason == "state_dir.unsafe"
    assert str(state_dir) in caught.value.message and words in caught.value.message


def test_a_symlink_to_a_private_directory_of_ours_is_a_state_dir(tmp_path):
    (tmp_path / "real").mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    placed(ledger(tmp_path / "link"))
    assert ledger_file(tmp_path / "real").exists()


def test_check_mode_reads_a_missing_state_dir_as_an_empty_ledger_and_makes_nothing(tmp_path):
    assert ledger(tmp_path / "state", read_only=True).entries() == []
    assert not (tmp_path / "state").exists()


def test_a_state_dir_swapped_for_a_symlink_after_the_check_is_not_followed(tmp_path):
    book = ledger(tmp_path / "state")
    placed(book)
    (tmp_path / "state").rename(tmp_path / "moved")
    (tmp_path / "attacker").mkdir(mode=0o700)
    (tmp_path / "state").symlink_to(tmp_path / "attacker")
    placed(book, order_id="34890")
    assert not (tmp_path / "attacker" / "ledger").exists()
    assert [e["order_id"] for e in ledger(tmp_path / "moved").entries()] == ["34889", "34890"]


@pytest.mark.parametrize("subdir", ["ledger", "locks"])
def test_a_symlink_in_place_of_ledger_or_locks_is_refused(tmp_path, subdir):
    (tmp_path / "state").mkdir(mode=0o700)
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (tmp_path / "state" / subdir).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(TaskFailed) as caught:
        placed(ledger(tmp_path / "state"))
    assert caught.value.reason == "state_dir.unsafe" and "is a symlink" in caught.value.message


# --- the file: whole, ours, this VPS's --------------------------------------------------------

def test_writes_are_atomic_and_leave_no_temporary_file(tmp_path):
    book = ledger(tmp_path)
    for number in range(3):
        placed(book, order_id=str(34889 + number))
    assert sorted(os.listdir(str(tmp_path / "ledger"))) == [ledger_file(tmp_path).name]
    data = json.loads(ledger_file(tmp_path).read_text())
    assert (data["format"], data["version"], data["api"], data["vmid"]) == ("hostup.cloud order ledger", 1,
                                                                            "cloud.hostup.se:443", 10001)
    assert [entry["order_id"] for entry in data["entries"]] == ["34889", "34890", "34891"]


@pytest.mark.parametrize("broken", ["fsync", "rename", "write"])
def test_a_write_that_fails_keeps_the_file_as_it_was_and_removes_its_temporary_file(tmp_path, monkeypatch, broken):
    book = ledger(tmp_path)
    placed(book)
    before = ledger_file(tmp_path).read_bytes()

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(statedir.os, broken, fail)
    with pytest.raises(TaskFailed) as caught:
        placed(book, order_id="34890")
    monkeypatch.undo()
    assert caught.value.reason == "ledger.write_failed" and "No space left on device" in caught.value.message
    assert ledger_file(tmp_path).read_bytes() == before
    assert os.listdir(str(tmp_path / "ledger")) == [ledger_file(tmp_path).name]


def rewritten(spoil):
    """Write the ledger file's text again as ``spoil`` changes it."""
    return lambda path: path.write_bytes(spoil(path.read_text()).encode("latin-1"))


@pytest.mark.parametrize("spoil, words", [(rewritten(spoil), words) for spoil, words in [
    (lambda text: text[:len(text) // 2], "is not a whole JSON document"),
    (lambda text: "", "is not a whole JSON document (0 bytes"),
    (lambda text: "\xff\xfe", "is not a whole JSON document"),
    (lambda text: text.replace('"version": 1', '"version": 2'),
     "has format version 2, and this hostup.cloud reads version 1"),
    (lambda text: text.replace('"format": "hostup.cloud order ledger"', '"format": "x"'), "is not a hostup.cloud"),
    (lambda text: text.replace('"vmid": 10001', '"vmid": 10002'), "another VPS"),
    (lambda text: text.replace('"state": "placed"', '"state": "paid"'), "has a broken entry (number 1: an unknown "
                                                                        "state)"),
    (lambda text: text.replace('"order_id": "34889"', '"order_id": "34889; rm -rf"'), "a bad order_id"),
    (lambda text: text.replace('"package": "1938"', '"package": ["1938"]'), "a bad package"),
    (lambda text: text.replace('"entries": [', '"entries": {"x": ['), "is not a whole JSON document"),
    (lambda text: "[]", "is not a hostup.cloud order ledger"),
]] + [  # a file of another user, writable by others, not a file, or too large
    (lambda path: os.chown(str(path), NOBODY, -1), "belongs to"),
    (lambda path: os.chmod(str(path), 0o620), "can be written by its group or by others"),
    (lambda path: (path.rename(path.with_name("real")), path.symlink_to(path.with_name("real"))), "is a symlink"),
    (lambda path: (path.unlink(), path.mkdir()), "is not a file"),
    (lambda path: path.write_bytes(b" " * (1024 * 1024 + 1)), "is larger than"),
])
def test_a_torn_forged_foreign_or_unsafe_ledger_file_orders_nothing_and_names_the_file(tmp_path, spoil, words):
    placed(ledger(tmp_path))
    spoil(ledger_file(tmp_path))
    with pytest.raises(TaskFailed) as caught:
        ledger(tmp_path).entries()
    assert caught.value.reason == "ledger.unreadable"
    assert str(ledger_file(tmp_path)) in caught.value.message and words in caught.value.message
    assert "move the file aside" in caught.value.message


def test_an_update_of_a_torn_file_fails_and_leaves_it_for_a_person_to_look_at(tmp_path):
    placed(ledger(tmp_path))
    ledger_file(tmp_path).write_text('{"format": "hostup.cloud order ledger", "vers')
    with pytest.raises(TaskFailed):
        placed(ledger(tmp_path))
    assert ledger_file(tmp_path).read_text() == '{"format": "hostup.cloud order ledger", "vers'


def _add_entries(state_dir, count):
    book = ledger(state_dir)
    for _number in range(count):
        placed(book)


def test_concurrent_writers_lose_no_entry(tmp_path):
    workers = [multiprocessing.get_context("fork").Process(target=_add_entries, args=(tmp_path, 10))
               for _number in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert len(ledger(tmp_path).entries()) == 40


def test_resolved_entries_are_kept_for_a_while_and_unresolved_ones_always(tmp_path):
    book = ledger(tmp_path)
    waiting = placed(book)
    for _number in range(HISTORY + 5):
        book.resolve(placed(book)["id"], "shown")
    entries = book.entries()
    assert len(entries) == HISTORY + 1 and entries[0]["id"] == waiting["id"]
    assert [e["id"] for e in book.unresolved()] == [waiting["id"]]


# --- release ------------------------------------------------------------------------------------

@pytest.mark.parametrize("by", ["id", "order_id", "draft_id"])
def test_an_entry_is_released_by_its_id_its_order_id_or_its_draft_id_and_check_mode_only_shows_it(tmp_path, by):
    book = ledger(tmp_path)
    entry = placed(book)
    other = placed(book, order_id="40000", draft_id=6000)
    before = ledger_file(tmp_path).read_bytes()
    shown, _found = ledger(tmp_path, read_only=True).release(str(entry[by]), check_mode=True)
    assert [e["id"] for e in shown] == [entry["id"]] and ledger_file(tmp_path).read_bytes() == before
    released, found = book.release(str(entry[by]))
    assert [e["id"] for e in released] == [entry["id"]] and found == released
    assert [e["id"] for e in book.unresolved()] == [other["id"]]
    [kept] = [e for e in book.entries() if e["id"] == entry["id"]]
    assert kept["state"] == "released" and kept["resolved_at"] and kept["released_by"]["pid"] == os.getpid()


def test_an_ambiguous_or_unknown_release_releases_nothing(tmp_path):
    book = ledger(tmp_path)
    placed(book)
    placed(book)  # the same draft id twice
    assert book.release("5257") == ([], book.unresolved())
    assert book.release("nothing-like-it") == ([], [])
    assert book.release(book.unresolved()[0]["id"])[0]
    assert book.release(book.entries()[0]["id"]) == ([], [])  # released already: a second run does nothing
    assert len(book.unresolved()) == 1


@pytest.mark.parametrize("api_url, state_dir", [("https://cloud.hostup.se/'$(touch x)'", "/state"),
                                                ("http://127.0.0.1:8080", "/home/a b/it's")])
def test_the_release_command_is_one_shell_word_per_argument_and_runs_nothing_but_the_module(api_url, state_dir):
    command = release_command(10001, "3f9a2c1b7d0e", api_url, state_dir)
    assert command.startswith("ansible localhost -m hostup.cloud.hostup_vps_order_ledger -a ")
    assert shlex.split(shlex.split(command)[5]) == ["vmid=10001", "release=3f9a2c1b7d0e", "api_url=" + api_url,
                                                    "state_dir=" + state_dir]


def test_every_vps_of_a_state_dir_is_listed_and_a_file_under_another_name_is_refused(tmp_path):
    placed(ledger(tmp_path, 10001))
    placed(ledger(tmp_path, 10002, "http://localhost:8080"))
    assert sorted((e["api"], e["vmid"]) for e in all_entries(str(tmp_path))) == [
        ("cloud.hostup.se:443", 10001), ("loopback:8080", 10002)]
    ledger_file(tmp_path, 10001).rename(tmp_path / "ledger" / (file_stem("loopback:8080", 10003) + ".json"))
    with pytest.raises(TaskFailed) as caught:
        all_entries(str(tmp_path))
    assert caught.value.reason == "ledger.unreadable" and "under another VPS's name" in caught.value.message


# --- the lock ---------------------------------------------------------------------------------

def busy(path):
    return TaskFailed("lock.busy", vmid=10001, seconds=0, path=path)


def test_the_order_lock_of_a_vps_lives_in_state_dir_and_excludes_a_second_holder(tmp_path):
    first, second, other_vps = ledger(tmp_path), ledger(tmp_path, api_url="https://CLOUD.hostup.se."), \
        ledger(tmp_path, 10002)
    with first.order_lock(0, busy):
        with other_vps.order_lock(0, busy):
            pass
        with pytest.raises(TaskFailed) as caught:
            with second.order_lock(0.3, busy):
                pass
    assert caught.value.reason == "lock.busy" and str(tmp_path / "locks") in caught.value.message
    with pytest.raises(SystemExit):
        with second.order_lock(0, busy):
            raise SystemExit(1)  # fail_json ends a module this way
    with first.order_lock(0, busy):  # released with the block, whatever ended it
        pass


def test_a_state_dir_another_user_could_swap_is_refused(tmp_path):
    (tmp_path / "open").mkdir()
    os.chmod(str(tmp_path / "open"), 0o777)  # every user may write here, and no sticky bit keeps ours ours
    with pytest.raises(TaskFailed) as caught:
        ledger(tmp_path / "open" / "state")
    assert caught.value.reason == "state_dir.unsafe" and "so they could swap it" in caught.value.message
    os.chmod(str(tmp_path / "open"), 0o1777)  # like /tmp: only the owner may rename or remove it
    placed(ledger(tmp_path / "open" / "state"))
    (tmp_path / "mine").mkdir(mode=0o700)
    os.symlink(str(tmp_path / "mine"), str(tmp_path / "open" / "link"))
    os.lchown(str(tmp_path / "open" / "link"), NOBODY, NOBODY)  # another user's symlink to a directory of ours
    with pytest.raises(TaskFailed) as caught:
        ledger(tmp_path / "open" / "link")
    assert "is a symlink made by" in caught.value.message


def test_a_temporary_file_a_killed_writer_left_is_removed_once_old(tmp_path):
    book = ledger(tmp_path)
    placed(book)
    stale = tmp_path / "ledger" / (".%s.4242.deadbeef.tmp" % ledger_file(tmp_path).name)
    fresh = tmp_path / "ledger" / (".%s.4243.cafebabe.tmp" % ledger_file(tmp_path).name)
    stale.write_text("{half")
    fresh.write_text("{half")
    os.utime(str(stale), (1, 1))
    placed(book)
    assert not stale.exists() and fresh.exists()


def test_storage_without_working_locks_stops_the_task_rather_than_ordering_unlocked(tmp_path, monkeypatch):
    def no_locks(_fd, _operation):
        raise OSError(95, "Operation not supported")  # a share mounted without lock support
    monkeypatch.setattr(statedir.fcntl, "flock", no_locks)
    with pytest.raises(TaskFailed) as caught:
        with ledger(tmp_path).order_lock(0, busy):
            pass
    assert caught.value.reason == "state_dir.unsafe" and "cannot be locked (operation not supported)" in \
        caught.value.message

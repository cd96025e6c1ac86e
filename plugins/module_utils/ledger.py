# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The order ledger in state_dir: what this collection sent to HostUp, per VPS, written before it matters.

PRIVATE to this collection: names here may change in any release.

One JSON file per VPS (``state_dir/ledger/``) lists the entries of the ordering
calls sent for it; ``state_dir/locks/`` holds the VPS's order lock and the lock
of its ledger file (statedir.py keeps both safe on disk). The VPS is named by its
key: the HostUp API (``vps_key``, the same whatever the spelling of api_url) and
the vmid. A ledger file that is torn, unparsable, of another format or another
VPS is an error: it may record an order HostUp does not show yet.

An entry's ``state``: ``sending`` (the call is about to be sent, or was, and no
answer was recorded: the task was killed), ``placed`` (HostUp answered with the
order), ``unknown`` (the call failed in a way that may have ordered); then
``shown`` (HostUp shows the change), ``lapsed`` (placed, of options nothing can
read back, older than pending_window) or ``released`` (by the user).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import contextlib
import hashlib
import ipaddress
import json
import os
import re
import shlex
import socket
import time
import uuid
from urllib.parse import urlsplit

from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, TaskFailed
from ansible_collections.hostup.cloud.plugins.module_utils.outcome import utc_now
from ansible_collections.hostup.cloud.plugins.module_utils.statedir import (
    StateDir,
    Unsafe,
    flocked,
    read_private_file,
    remove_stale_temporaries,
    write_atomically,
)
from ansible_collections.hostup.cloud.plugins.module_utils.transport import is_loopback

DEFAULT_STATE_DIR = "~/.ansible/hostup_cloud"
FORMAT = "hostup.cloud order ledger"
VERSION = 1
UNRESOLVED = ("sending", "placed", "unknown")
RESOLVED = ("shown", "lapsed", "released")
# Resolved entries kept per VPS (newest), so that a listing shows what happened lately.
HISTORY = 20
# No ledger of one VPS is anywhere near this; a larger file is no ledger of ours.
MAX_FILE_BYTES = 1024 * 1024
# How long a ledger update waits for another task's update of the same file.
UPDATE_WAIT = 30
LEDGER_MODULE = "hostup.cloud.hostup_vps_order_ledger"
_ENTRY_ID = re.compile(r"^[0-9a-f]{12}$")
_DIGITS = re.compile(r"^[0-9]{1,30}$")
_PLAIN = re.compile(r"^[A-Za-z0-9_./:@%+,=~-]+$")


# --- which VPS: the same HostUp VPS whatever the spelling of api_url -----------------

def vps_key(api_url):
    """The HostUp API that ``api_url`` names: ``host:port``, or ``loopback:port`` for this machine.

    The host is lower-cased, without a trailing dot, in IDNA (ASCII) form, an IP
    address in its canonical form; the port is explicit (https 443, http 80);
    the path does not count. localhost, 127.0.0.0/8 and ::1 are one host.
    """
    try:
        parts = urlsplit(api_url)
        port = parts.port
    except ValueError as problem:
        raise BadOption("option.api_url_unparsable", problem=problem)
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    host = (parts.hostname or "").rstrip(".")
    address = _address(host)
    if is_loopback(host) or (address is not None and address.is_loopback):
        return "loopback:%d" % port
    if address is not None:
        host = address.compressed
    else:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass  # requests would not reach such a host either; its lower-case form names it
    return "%s:%d" % (host, port)


def _address(host):
    """The IP address ``host`` names as the resolver reads it (127.1 and 0x7f.0.0.1 too), or None for a name."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not re.match(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", host):
            return None
        try:
            address = ipaddress.ip_address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def file_stem(key, vmid):
    """The file name of a VPS's ledger and locks: readable, and unique by a digest of the exact key."""
    readable = re.sub(r"[^a-z0-9.-]+", "_", key.replace(":", "-"))[:80]
    digest = hashlib.sha256(("%s/%d" % (key, vmid)).encode("utf-8")).hexdigest()[:10]
    return "%s-vm%d-%s" % (readable, vmid, digest)


# --- the ledger of one VPS -------------------------------------------------------------

class Ledger(object):
    """The entries of one VPS. ``read_only`` (check mode): entries are read, and only a possible order is written."""

    def __init__(self, state_dir, api_url, vmid, read_only=False):
        self.state_dir = os.path.abspath(state_dir)
        self.api_url = api_url
        self.key = vps_key(api_url)
        self.vmid = vmid
        self.read_only = read_only
        self.stem = file_stem(self.key, vmid)
        self.file = os.path.join(self.state_dir, "ledger", self.stem + ".json")
        self._state = StateDir.open(self.state_dir, create=not read_only)

    def close(self):
        if self._state is not None:
            self._state.close()
            self._state = None

    # reading

    def entries(self):
        """Every entry of this VPS, oldest first."""
        if self._state is None:
            return []
        directory = self._state.subdir("ledger", create=False)
        if directory is None:
            return []
        return read_ledger_file(directory, self.stem + ".json", self.file, self.key, self.vmid)["entries"]

    def unresolved(self):
        return [entry for entry in self.entries() if entry["state"] in UNRESOLVED]

    def ordering_of_draft(self, draft_id):
        """The newest entry (in any state) of an ordering call sent with ``draft_id``, or None.

        A draft is ordered once: HostUp still answering for it is no proof that it is open.
        """
        if draft_id is None:
            return None
        sent = [entry for entry in self.entries() if entry.get("draft_id") == draft_id]
        return sent[-1] if sent else None

    # locks

    @contextlib.contextmanager
    def order_lock(self, wait_seconds, busy):
        """The lock a task holds from reading the VPS to the end of its wait: one order per VPS at a time."""
        with flocked(self._locks(), self.stem + ".lock", wait_seconds,
                     os.path.join(self.state_dir, "locks", self.stem + ".lock"), busy):
            yield

    def _locks(self):
        if self._state is None:
            self._state = StateDir.open(self.state_dir, create=True)
        return self._state.subdir("locks")

    # writing: every change is read, change, write under the file's own lock

    def update(self, change, force=False):
        """Apply ``change(entries)`` to the file, atomically; returns what ``change`` returned. No-op when read-only."""
        if self.read_only and not force:
            return None

        def busy(path):
            return TaskFailed("ledger.busy", path=path, seconds=UPDATE_WAIT)

        locks = self._locks()
        directory = self._state.subdir("ledger")
        with flocked(locks, self.stem + ".ledger.lock", UPDATE_WAIT,
                     os.path.join(self.state_dir, "locks", self.stem + ".ledger.lock"), busy):
            data = read_ledger_file(directory, self.stem + ".json", self.file, self.key, self.vmid)
            answer = change(data["entries"])
            data["entries"] = pruned(data["entries"])
            try:
                write_atomically(directory, self.stem + ".json", json.dumps(data, indent=1, sort_keys=True))
            except OSError as error:
                raise TaskFailed("ledger.write_failed", path=self.file, problem=error.strerror or str(error))
            remove_stale_temporaries(directory, self.stem + ".json")
        return answer

    def add(self, entry, force=False):
        self.update(lambda entries: entries.append(entry), force=force)
        return entry

    def set(self, entry_id, **fields):
        def change(entries):
            for entry in entries:
                if entry["id"] == entry_id:
                    entry.update(fields)
        self.update(change)

    def drop(self, entry_id):
        def change(entries):
            entries[:] = [entry for entry in entries if entry["id"] != entry_id]
        self.update(change)

    def resolve(self, entry_id, state):
        self.set(entry_id, state=state, resolved_at=utc_now())

    def new_entry(self, module, call, asked, draft_id=None, estimate=None, state="sending"):
        """An entry of an ordering call about to be sent (``sending``), before anything is known of its answer."""
        estimate = estimate or {}
        return {
            "id": uuid.uuid4().hex[:12], "state": state, "module": module, "call": call,
            "api": self.key, "api_url": self.api_url, "vmid": self.vmid, "asked": asked,
            "draft_id": draft_id, "order_id": None, "order_num": None, "invoice_id": None,
            "estimate": dict((k, estimate.get(k)) for k in ("draft_id", "due_now", "recurring", "currency")),
            "sent_at": utc_now(), "answered_at": None, "resolved_at": None,
            "controller": {"host": socket.gethostname(), "pid": os.getpid(), "uid": os.geteuid()},
        }

    def release_command(self, entry_id):
        """The ad-hoc command a person pastes to release ``entry_id`` of this VPS."""
        return release_command(self.vmid, entry_id, self.api_url, self.state_dir)

    def release(self, value, check_mode=False):
        """Release the unresolved entry whose id, order id or draft id is ``value``: (released entries, matches).

        The user does it after checking HostUp: the order was applied, or never
        placed, or cancelled. Several matches release nothing (the caller says so).
        """
        def matching(entries):
            return [entry for entry in entries if entry["state"] in UNRESOLVED and value in (
                entry["id"], entry.get("order_id"), None if entry.get("draft_id") is None else str(entry["draft_id"]))]

        def change(entries):
            found = matching(entries)
            if len(found) == 1:
                found[0].update(state="released", resolved_at=utc_now(), released_by=_who())
            return found

        if check_mode or self.read_only:
            found = matching(self.entries())
        else:
            found = self.update(change)
        return (found if len(found) == 1 else []), found


def _who():
    return {"host": socket.gethostname(), "pid": os.getpid(), "uid": os.geteuid()}


def all_entries(state_dir):
    """Every entry of every VPS in ``state_dir`` (none when it does not exist), by file, oldest first."""
    state = StateDir.open(os.path.abspath(state_dir), create=False)
    if state is None:
        return []
    try:
        directory = state.subdir("ledger", create=False)
        if directory is None:
            return []
        entries = []
        for name in sorted(os.listdir(directory)):
            if name.startswith(".") or not name.endswith(".json"):
                continue  # a temporary file of a write a crash cut short is no ledger
            data = read_ledger_file(directory, name, os.path.join(state.path, "ledger", name), None, None)
            entries.extend(data["entries"])
        return entries
    finally:
        state.close()


def release_command(vmid, entry_id, api_url, state_dir):
    values = (("vmid", str(vmid)), ("release", entry_id), ("api_url", api_url), ("state_dir", state_dir))
    args = " ".join("%s=%s" % (name, value if _PLAIN.match(value) else shlex.quote(value)) for name, value in values)
    return "ansible localhost -m %s -a %s" % (LEDGER_MODULE, shlex.quote(args))


def pruned(entries):
    """The entries to keep: every unresolved one, and the newest HISTORY resolved ones."""
    resolved = [entry for entry in entries if entry["state"] in RESOLVED]
    dropped = set(id(entry) for entry in resolved[:-HISTORY]) if len(resolved) > HISTORY else set()
    return [entry for entry in entries if id(entry) not in dropped]


# --- the file ----------------------------------------------------------------------------

def read_ledger_file(directory_fd, name, shown, key, vmid):
    """The content of a ledger file (an empty ledger when there is none); TaskFailed ledger.unreadable.

    ``key`` None (a listing of every ledger): the file must be the ledger its name says.
    """
    try:
        raw = read_private_file(directory_fd, name, MAX_FILE_BYTES)
    except FileNotFoundError:
        return {"format": FORMAT, "version": VERSION, "api": key, "vmid": vmid, "entries": []}
    except Unsafe as problem:
        raise TaskFailed("ledger.unreadable", path=shown, problem=str(problem))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise TaskFailed("ledger.unreadable", path=shown,
                         problem="is not a whole JSON document (%d bytes: torn by a crash, or not a ledger)" % len(raw))
    problem = content_problem(data, key, vmid, name)
    if problem:
        raise TaskFailed("ledger.unreadable", path=shown, problem=problem)
    return data


def content_problem(data, key, vmid, name=None):
    """Why ``data`` is not the ledger of this VPS in the format this version writes; None when it is."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return "is not a hostup.cloud order ledger"
    if data.get("version") != VERSION:
        return "has format version %s, and this hostup.cloud reads version %d (a newer release wrote it)" % (
            str(data.get("version"))[:20], VERSION)
    if key is None and isinstance(data.get("api"), str) and isinstance(data.get("vmid"), int):
        key, vmid = data["api"], data["vmid"]  # a listing of every ledger: each file must be its own VPS's
        if name != file_stem(key, vmid) + ".json":
            return "is the ledger of %s vmid %d under another VPS's name" % (key[:80], vmid)
    if data.get("api") != key or data.get("vmid") != vmid:
        return "is the ledger of another VPS (%s vmid %s)" % (str(data.get("api"))[:80], str(data.get("vmid"))[:20])
    entries = data.get("entries")
    if not isinstance(entries, list):
        return "has no list of entries"
    for number, entry in enumerate(entries, 1):
        problem = entry_problem(entry, data)
        if problem:
            return "has a broken entry (number %d: %s)" % (number, problem)
    return None


def entry_problem(entry, data):
    if not isinstance(entry, dict):
        return "not an object"
    if entry.get("api") != data["api"] or entry.get("vmid") != data["vmid"]:
        return "another VPS's entry"
    if not isinstance(entry.get("id"), str) or not _ENTRY_ID.match(entry["id"]):
        return "no id"
    if entry.get("state") not in UNRESOLVED + RESOLVED:
        return "an unknown state"
    for name in ("order_id", "invoice_id", "order_num"):
        if entry.get(name) is not None and not (isinstance(entry[name], str) and _DIGITS.match(entry[name])):
            return "a bad %s" % name
    if entry.get("draft_id") is not None and (isinstance(entry["draft_id"], bool) or not isinstance(entry["draft_id"], int)):
        return "a bad draft_id"
    for name in ("sent_at", "answered_at", "resolved_at"):
        if entry.get(name) is not None and parse_time(entry[name]) is None:
            return "a bad %s" % name
    if parse_time(entry.get("sent_at")) is None:
        return "no sent_at"
    return asked_problem(entry.get("asked"))


def asked_problem(asked):
    if not isinstance(asked, dict):
        return "no asked change"
    if asked.get("package") is not None and not (isinstance(asked["package"], str) and _DIGITS.match(asked["package"])):
        return "a bad package"
    if asked.get("cycle") not in (None, "monthly", "annually"):
        return "a bad cycle"
    resources = asked.get("resources") or {}
    if not isinstance(resources, dict) or any(
            not _DIGITS.match(str(k)) or isinstance(v, bool) or not isinstance(v, (int, str)) for k, v in resources.items()):
        return "bad resources"
    unreadable = asked.get("unreadable") or []
    if not isinstance(unreadable, list) or any(str(k) not in resources for k in unreadable):
        return "bad unreadable options"
    return None


def parse_time(text):
    """Seconds since the epoch of an ISO 8601 UTC time this file wrote, or None."""
    if not isinstance(text, str) or not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", text):
        return None
    try:
        return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))
    except (ValueError, OverflowError):
        return None

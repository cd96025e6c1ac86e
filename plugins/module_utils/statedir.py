# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""state_dir on disk: a directory of this user, reached through one checked descriptor; atomic files; flock.

PRIVATE to this collection: names here may change in any release.

state_dir is opened once and checked (a directory of this user that no other
user can write; state_dir itself may be a symlink to such a directory); every
file and directory below it is reached through that descriptor, without
following symlinks, so a path swapped for a symlink after the check is never
followed. A file is replaced, never rewritten: a new file in the same
directory, fsync, rename, fsync of the directory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import errno
import os
import stat
import time
import uuid

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows is no Ansible controller
    fcntl = None

from ansible_collections.hostup.cloud.plugins.module_utils.errors import TaskFailed

LOCK_POLL = 0.1


class Unsafe(Exception):
    """A file or directory that must not be used: not ours, writable by others, a symlink, unreadable."""


def _owner(uid):
    try:
        import pwd
        return "%s (uid %d)" % (pwd.getpwuid(uid).pw_name, uid)
    except (ImportError, KeyError):
        return "uid %d" % uid


def unsafe(info, kind="directory"):
    """Why a directory (or file) with this stat is not safe to keep the ledger in; None when it is."""
    is_kind = stat.S_ISDIR if kind == "directory" else stat.S_ISREG
    if not is_kind(info.st_mode):
        return "is not a %s" % kind
    if info.st_uid != os.geteuid():
        return "belongs to %s, not to this user, %s" % (_owner(info.st_uid), _owner(os.geteuid()))
    if info.st_mode & 0o022:
        return "can be written by its group or by others (mode %04o)" % stat.S_IMODE(info.st_mode)
    return None


def _open_directory(name, dir_fd=None, create=False, shown=None):
    """An open descriptor of a safe directory (made 0700 when missing and ``create``), or None when missing.

    Below state_dir (``dir_fd``) a symlink is never followed; state_dir itself may
    be a symlink, to a directory that is safe. Raises TaskFailed state_dir.unsafe.
    """
    shown = shown or name
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | (os.O_NOFOLLOW if dir_fd is not None else 0)
    made = False
    try:
        try:
            fd = os.open(name, flags, dir_fd=dir_fd)
        except FileNotFoundError:
            if not create:
                return None
            if dir_fd is None and os.path.dirname(name):
                os.makedirs(os.path.dirname(name), exist_ok=True)
            try:
                os.mkdir(name, 0o700, dir_fd=dir_fd)
                made = True
            except FileExistsError:
                pass  # another task made it meanwhile: it is checked like any other
            fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError as error:
        raise TaskFailed("state_dir.unsafe", path=shown, problem=_why_not_opened(error, name, dir_fd))
    info = os.fstat(fd)
    if made and info.st_uid == os.geteuid():
        os.fchmod(fd, 0o700)  # the umask may have taken bits of 0700 away
        info = os.fstat(fd)
    problem = unsafe(info)
    if problem:
        os.close(fd)
        raise TaskFailed("state_dir.unsafe", path=shown, problem=problem)
    return fd


def _unsafe_place(path):
    """Why the place of state_dir lets another user swap it (a symlink of theirs, a parent others may write)."""
    try:
        link = os.lstat(path)
        parent = os.stat(os.path.dirname(path))
    except OSError as error:
        return "cannot be checked (%s)" % (error.strerror or error).lower()
    if stat.S_ISLNK(link.st_mode) and link.st_uid not in (os.geteuid(), 0):
        return "is a symlink made by %s, not by this user" % _owner(link.st_uid)
    if parent.st_mode & 0o002 and not parent.st_mode & stat.S_ISVTX:
        return "is in %s, which every user may write (mode %04o, no sticky bit), so they could swap it" % (
            os.path.dirname(path), stat.S_IMODE(parent.st_mode))
    return None


def _why_not_opened(error, name, dir_fd):
    """What an OSError of opening ``name`` as a directory says about it, as "is ..." or "cannot ..."."""
    try:
        if stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode) and dir_fd is not None:
            return "is a symlink"
    except OSError:
        pass
    if error.errno in (errno.ENOTDIR, errno.ELOOP):
        return "is not a directory" if error.errno == errno.ENOTDIR else "is a symlink"
    return "cannot be opened or made (%s)" % (error.strerror or error).lower()


class StateDir(object):
    """state_dir, opened and checked once; its ``ledger`` and ``locks`` directories are reached through it."""

    def __init__(self, path, fd):
        self.path = path
        self.fd = fd
        self._subdirs = {}

    @classmethod
    def open(cls, path, create):
        """The StateDir of ``path``, or None when it does not exist and ``create`` is False."""
        path = os.path.abspath(path)
        fd = _open_directory(path, create=create)
        if fd is None:
            return None
        problem = _unsafe_place(path)
        if problem:
            os.close(fd)
            raise TaskFailed("state_dir.unsafe", path=path, problem=problem)
        return cls(path, fd)

    def subdir(self, name, create=True):
        if name not in self._subdirs:
            fd = _open_directory(name, self.fd, create=create, shown=os.path.join(self.path, name))
            if fd is None:
                return None
            self._subdirs[name] = fd
        return self._subdirs[name]

    def close(self):
        for fd in list(self._subdirs.values()) + [self.fd]:
            os.close(fd)
        self._subdirs = {}


@contextlib.contextmanager
def flocked(directory_fd, name, wait_seconds, shown, busy):
    """Hold an exclusive flock on ``name`` in the directory; ``busy(path)`` is raised after ``wait_seconds``.

    The kernel releases a flock when its holder dies, so a killed task never leaves a VPS locked.
    """
    try:
        handle = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600, dir_fd=directory_fd)
    except OSError as error:
        raise TaskFailed("state_dir.unsafe", path=shown, problem="is a symlink" if error.errno == errno.ELOOP else
                         "cannot be opened or made (%s)" % (error.strerror or error).lower())
    try:
        info = os.fstat(handle)
        problem = unsafe(info, "file")
        if problem:
            raise TaskFailed("state_dir.unsafe", path=shown, problem=problem)
        if stat.S_IMODE(info.st_mode) & 0o600 != 0o600:
            os.fchmod(handle, 0o600)  # made under a umask that took bits away: the next task must open it too
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise TaskFailed("state_dir.unsafe", path=shown,
                                     problem="cannot be locked (%s)" % (error.strerror or error).lower())
            if time.monotonic() >= deadline:
                raise busy(shown)
            time.sleep(LOCK_POLL)
        yield
    finally:
        os.close(handle)


def read_private_file(directory_fd, name, limit):
    """The bytes of a file of ours in the directory (at most ``limit``); FileNotFoundError, or Unsafe."""
    try:
        handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=directory_fd)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise Unsafe("is a symlink" if error.errno == errno.ELOOP else
                     "cannot be read (%s)" % (error.strerror or error).lower())
    try:
        info = os.fstat(handle)
        problem = unsafe(info, "file")
        if problem is None and info.st_size > limit:
            problem = "is larger than %d bytes" % limit
        if problem:
            raise Unsafe(problem)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(handle, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


def write_atomically(directory_fd, name, text):
    """Replace ``name`` with ``text``: a new file beside it, fsync, rename over it, fsync the directory (OSError)."""
    temporary = ".%s.%d.%s.tmp" % (name, os.getpid(), uuid.uuid4().hex[:8])
    data = text.encode("utf-8")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=directory_fd)
        try:
            os.fchmod(handle, 0o600)  # the umask may have taken bits of 0600 away
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
            os.fsync(handle)
        finally:
            os.close(handle)
        os.rename(temporary, name, src_dir_fd=directory_fd, dst_dir_fd=directory_fd)
        os.fsync(directory_fd)
    except OSError:
        try:
            os.unlink(temporary, dir_fd=directory_fd)
        except OSError:
            pass
        raise


def remove_stale_temporaries(directory_fd, name, older_than=3600):
    """Remove the temporary files of writes of ``name`` that a killed task left, once they are old."""
    prefix = ".%s." % name
    for entry in os.listdir(directory_fd):
        if entry.startswith(prefix) and entry.endswith(".tmp"):
            try:
                if time.time() - os.stat(entry, dir_fd=directory_fd, follow_symlinks=False).st_mtime > older_than:
                    os.unlink(entry, dir_fd=directory_fd)
            except OSError:
                pass  # another task's, or gone meanwhile

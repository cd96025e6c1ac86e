# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every fenced block of README.md and roles/vps_plan/README.md, run as a reader would run it.

Standard library only: noxfile.py imports this into nox's own Python (the matrix's oldest and
newest ansible-core legs run it against a simulator of their own, with the installed tarball).

Each fenced block is preceded by a marker line, and a block without one fails the check, so no
command or sample output can be added untested without saying why:

    <!-- readme-check: none REASON -->         not run; REASON says why (and what proves it instead)
    <!-- readme-check: file PATH -->           the block is written to PATH, for the blocks after it
    <!-- readme-check: shell [rc=N] -->        the block is a bash script
    <!-- readme-check: tasks [rc=N] [hosts=H] [ARGS] -->  tasks, run in a play on H (localhost)
    <!-- readme-check: play [rc=N] [ARGS] -->  a playbook, run with ansible-playbook ARGS
    <!-- readme-check: output [rc=N] [ARGS] --> what the run before printed; with ARGS, of that run
                                               again with ARGS added
    <!-- readme-check: console -->             "$ command" lines, each followed by what it prints

Each run starts from the simulator's seed (POST /_sim/reset) with an order ledger of its own,
so that draft, order and invoice numbers are those of the README. An expected output matches
when each of its lines (trailing blanks aside) is part of a line of the run's output, in order.
ARGS may use the run's environment ($HOSTUP_API_KEY).
"""

from __future__ import absolute_import, division, print_function

import os
import re
import shlex
import subprocess
import time
import urllib.request

MARK = re.compile(r"^<!-- readme-check: (\w+)\s*(.*?)\s*-->$")
KINDS = ("none", "file", "shell", "tasks", "play", "output", "console")
RUN_TIMEOUT = 600


class ReadmeFailed(Exception):
    """A block of a README does not do what it says; the message names the file and line."""


def fenced_blocks(path):
    """Each fenced block of ``path``: (line number, kind, argument text, block text)."""
    lines = open(path).read().splitlines()
    blocks, index = [], 0
    while index < len(lines):
        if not lines[index].startswith("```"):
            index += 1
            continue
        start = index
        end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == "```"), None)
        if end is None:
            raise ReadmeFailed("%s:%d: a fenced block that never ends" % (path, start + 1))
        mark = MARK.match(lines[start - 1].strip()) if start else None
        if mark is None or mark.group(1) not in KINDS:
            raise ReadmeFailed("%s:%d: a fenced block without a readme-check marker (one of %s) on the line before it"
                               % (path, start + 1, ", ".join(KINDS)))
        if mark.group(1) == "none" and not mark.group(2):
            raise ReadmeFailed("%s:%d: readme-check none needs a reason" % (path, start + 1))
        blocks.append((start + 1, mark.group(1), mark.group(2), "\n".join(lines[start + 1:end]) + "\n"))
        index = end + 1
    return blocks


def _options(text):
    """rc=N and hosts=H out of a marker's arguments; the rest are ansible-playbook arguments."""
    words, rc, hosts = [], 0, "localhost"
    for word in shlex.split(text):
        if word.startswith("rc="):
            rc = int(word[3:])
        elif word.startswith("hosts="):
            hosts = word[6:]
        else:
            words.append(word)
    return rc, hosts, " ".join(words)


def expect_lines(expected, output, where):
    """Each line of ``expected`` is part of a line of ``output``, in order; else ReadmeFailed."""
    lines, at = output.splitlines(), 0
    for line in (line.rstrip() for line in expected.splitlines()):
        if not line.strip():
            continue
        found = next((i for i in range(at, len(lines)) if line in lines[i]), None)
        if found is None:
            raise ReadmeFailed("%s: the README shows %r, which the run did not print (after line %d of its output):\n%s"
                               % (where, line, at, output[-4000:]))
        at = found + 1


class Reader(object):
    """Runs the blocks in ``workdir`` with ``env`` (PATH holding the ansible-core under test) against ``api_url``."""

    def __init__(self, workdir, env, api_url, log=print):
        self.workdir = workdir
        self.env = env
        self.api_url = api_url
        self.log = log
        self.runs = 0
        self.last = None  # (command, output) of the run before

    def run(self, command, rc, where):
        """Run ``command`` (bash) from the seed with a fresh ledger; its output, checked to end with ``rc``."""
        urllib.request.urlopen(urllib.request.Request(self.api_url + "/_sim/reset", method="POST")).close()
        self.runs += 1
        env = dict(self.env, HOSTUP_STATE_DIR=os.path.join(self.workdir, "state-%d" % self.runs))
        start = time.monotonic()
        done = subprocess.run(["bash", "-c", "set -e\n" + command], cwd=self.workdir, env=env, timeout=RUN_TIMEOUT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        self.log("--- %s: $ %s (exit %d in %ds)\n%s" % (where, command.strip().replace("\n", "; "), done.returncode,
                                                        time.monotonic() - start, done.stdout.rstrip()))
        if done.returncode != rc:
            raise ReadmeFailed("%s: exit %d, not %d:\n%s" % (where, done.returncode, rc, done.stdout[-4000:]))
        self.last = (command, done.stdout)
        return done.stdout

    def block(self, where, kind, args, text):
        rc, hosts, extra = _options(args)
        if kind == "none":
            return
        if kind == "file":
            path = os.path.join(self.workdir, args)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write(text)
        elif kind == "shell":
            self.run(text, rc, where)
        elif kind in ("tasks", "play"):
            name = os.path.join(self.workdir, "block-%d.yml" % (self.runs + 1))
            if kind == "tasks":
                text = "- hosts: %s\n  gather_facts: false\n  tasks:\n%s" % (
                    hosts, "".join("    " + line + "\n" for line in text.splitlines()))
            with open(name, "w") as handle:
                handle.write(text)
            self.run("ansible-playbook %s %s" % (shlex.quote(name), extra), rc, where)
        elif kind == "output":
            if self.last is None:
                raise ReadmeFailed("%s: an output block with no run before it" % where)
            output = self.run(self.last[0] + " " + extra, rc, where) if extra else self.last[1]
            expect_lines(text, output, where)
        elif kind == "console":
            command, expected = None, []
            for line in text.splitlines() + ["$ "]:
                if line.startswith("$ "):
                    if command:
                        expect_lines("\n".join(expected), self.run(command, rc, where), where)
                    command, expected = line[2:], []
                else:
                    expected.append(line)


def check_readmes(paths, workdir, env, api_url, log=print):
    """Run every block of ``paths`` (README.md first: its files serve the role README too); the count of runs."""
    reader = Reader(workdir, env, api_url, log)
    for path in paths:
        for line, kind, args, text in fenced_blocks(path):
            reader.block("%s:%d" % (os.path.relpath(path, os.path.dirname(paths[0])), line), kind, args, text)
    return reader.runs


def prepare(workdir, tarball, requirements, env, api_url, api_key, bin_dir=None):
    """A reader's directory: the tarball and requirements.txt in it, the collection installed by the README's
    own install command into ``workdir``/collections; the environment of every run."""
    import shutil
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    shutil.copy(tarball, workdir)
    shutil.copy(requirements, workdir)
    env = dict((key, value) for key, value in dict(os.environ, **env).items() if value is not None)
    env.pop("PYTHONPATH", None)  # the collection is the installed one, never a checkout
    if bin_dir:
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(workdir, "collections"), HOSTUP_API_URL=api_url,
               HOSTUP_API_KEY=api_key, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False")
    return env


def main(argv=None):
    """Run the READMEs' blocks with the ansible-core of --bin against a running simulator (for development)."""
    import argparse
    parser = argparse.ArgumentParser(description=main.__doc__)
    for option in ("--bin", "--tarball", "--workdir", "--api-url", "--api-key"):
        parser.add_argument(option, required=True)
    args = parser.parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = prepare(args.workdir, args.tarball, os.path.join(root, "requirements.txt"), {}, args.api_url, args.api_key,
                  args.bin)
    runs = check_readmes([os.path.join(root, "README.md"), os.path.join(root, "roles", "vps_plan", "README.md")],
                         args.workdir, env, args.api_url)
    print("README blocks: every one ran or says why not (%d runs)" % runs)


if __name__ == "__main__":
    main()

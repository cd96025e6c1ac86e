# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The READMEs' blocks are all marked for the matrix's README step (tests/matrix/readme.py), which runs them.

The step itself runs in `nox -s matrix` on the oldest and newest ansible-core; this proves, in
seconds, that no block escapes it and that its output comparison fails when it should.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.hostup.cloud.tests.paths import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests", "matrix"))
import readme  # noqa: E402  pylint: disable=wrong-import-position

READMES = [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "roles", "vps_plan", "README.md")]


@pytest.mark.parametrize("path", READMES, ids=["README.md", "roles/vps_plan/README.md"])
def test_every_fenced_block_is_run_or_says_why_not(path):
    blocks = readme.fenced_blocks(path)
    assert blocks and all(kind in readme.KINDS for _line, kind, _args, _text in blocks)
    assert all(args for _line, kind, args, _text in blocks if kind in ("none", "file"))
    # every sample output follows a run it is compared with
    kinds = [kind for _line, kind, _args, _text in blocks if kind != "file"]
    assert all(before in ("shell", "tasks", "play", "output") for before, kind in zip(kinds, kinds[1:])
               if kind == "output")


def test_a_block_without_a_marker_fails_naming_its_line(tmp_path):
    page = tmp_path / "README.md"
    page.write_text("# x\n\n<!-- readme-check: shell -->\n```sh\ntrue\n```\n\n```sh\nrm -rf /\n```\n")
    with pytest.raises(readme.ReadmeFailed, match=r"README.md:8: a fenced block without a readme-check marker"):
        readme.fenced_blocks(str(page))


def test_sample_output_must_be_printed_in_order():
    printed = "ok: [web-1]\nVPS 10001: due now 60.00 SEK\nPLAY RECAP ***\nweb-1 : ok=1\n"
    readme.expect_lines("VPS 10001: due now 60.00 SEK\n\nweb-1 : ok=1   \n", printed, "x")
    with pytest.raises(readme.ReadmeFailed, match="did not print"):
        readme.expect_lines("web-1 : ok=1\nVPS 10001: due now 60.00 SEK\n", printed, "x")
    with pytest.raises(readme.ReadmeFailed, match="did not print"):
        readme.expect_lines("VPS 10001: due now 61.00 SEK\n", printed, "x")

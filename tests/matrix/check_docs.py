# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the documentation of every plugin and role of an installed hostup.cloud with ansible-doc.

    python tests/matrix/check_docs.py <dir of the installed collection>

The plugins and roles are listed from the installed copy, so a new plugin is covered
without a change here; a plugin directory of a kind this script does not know fails.
ansible-doc exits 0 when it finds nothing, so the JSON it prints is what is checked.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys

COLLECTION = "hostup.cloud"
# plugins/<directory> -> ansible-doc type
DOC_TYPES = {"modules": "module", "inventory": "inventory", "callback": "callback", "lookup": "lookup",
             "connection": "connection", "become": "become", "cache": "cache", "vars": "vars",
             "strategy": "strategy"}
# Problems known and owned elsewhere: printed on every run, and an entry that no longer
# matches a problem fails, so the list cannot outlive the gap.
KNOWN_GAPS = {
    # The team standard asks EXAMPLES of every plugin; the spend callback has none yet.
    ("callback", "spend"): "no EXAMPLES",
}
# plugins/<directory> that holds code or docs for other plugins, not plugins of its own
NOT_PLUGINS = ("module_utils", "doc_fragments", "plugin_utils", "action", "__pycache__")


def ansible_doc(doc_type, names):
    """ansible-doc --json of ``names``; the parsed JSON."""
    command = ["ansible-doc", "--json", "-t", doc_type] + ["%s.%s" % (COLLECTION, name) for name in names]
    output = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    if output.returncode != 0:
        raise SystemExit("%s failed (rc %s): %s" % (" ".join(command), output.returncode, output.stderr))
    return json.loads(output.stdout or "{}")


def plugins(collection_dir):
    """{ansible-doc type: [plugin names]} of the installed collection."""
    found = {}
    plugins_dir = os.path.join(collection_dir, "plugins")
    for directory in sorted(os.listdir(plugins_dir)):
        if directory in NOT_PLUGINS or not os.path.isdir(os.path.join(plugins_dir, directory)):
            continue
        if directory not in DOC_TYPES:
            raise SystemExit("plugins/%s: no ansible-doc check knows this kind of plugin; add it to "
                             "DOC_TYPES in %s" % (directory, __file__))
        names = sorted(name[:-3] for name in os.listdir(os.path.join(plugins_dir, directory))
                       if name.endswith(".py") and name != "__init__.py")
        found[DOC_TYPES[directory]] = names
    return found


def problems_of_plugin(doc_type, entry):
    doc = entry.get("doc") or {}
    problems = []
    if not doc.get("short_description") or not doc.get("description"):
        problems.append("no short_description or description")
    if not entry.get("examples"):
        problems.append("no EXAMPLES")
    if doc_type == "module":
        if not entry.get("return"):
            problems.append("no RETURN")
        api_key = (doc.get("options") or {}).get("api_key") or {}
        # not required by the argument spec (the module names HOSTUP_API_KEY when it is missing), so the
        # description must say it is required and where else it comes from; a module that sends no request
        # (hostup_vps_order_ledger) must say the key is not used
        text = " ".join(api_key.get("description") or [])
        if "not used" not in text and ("HOSTUP_API_KEY" not in text or "Required" not in text):
            problems.append("api_key is not documented as required, with its environment variable")
    if doc_type == "inventory" and "plugin" not in (doc.get("options") or {}):
        problems.append("no plugin option")
    return problems


def problems_of_role(entry):
    main = (entry.get("entry_points") or {}).get("main") or {}
    if not main.get("short_description") or not main.get("options"):
        return ["no main entry point with a short_description and options"]
    return []


def main(collection_dir):
    failures = []
    for doc_type, names in sorted(plugins(collection_dir).items()):
        docs = ansible_doc(doc_type, names)
        for name in names:
            entry = docs.get("%s.%s" % (COLLECTION, name))
            problems = problems_of_plugin(doc_type, entry) if entry else ["ansible-doc found nothing"]
            gap = KNOWN_GAPS.get((doc_type, name))
            if gap and gap not in problems:
                failures.append("%s %s.%s: KNOWN_GAPS says %r, which is fixed: remove the entry" % (doc_type, COLLECTION, name, gap))
            known = [p for p in problems if p == gap]
            problems = [p for p in problems if p != gap]
            failures += ["%s %s.%s: %s" % (doc_type, COLLECTION, name, p) for p in problems]
            print("ansible-doc -t %s %s.%s: %s%s" % (doc_type, COLLECTION, name, "; ".join(problems) or "ok",
                                                     "".join(" (KNOWN GAP: %s)" % p for p in known)))
    roles = sorted(os.listdir(os.path.join(collection_dir, "roles")))
    docs = ansible_doc("role", roles)
    for role in roles:
        entry = docs.get("%s.%s" % (COLLECTION, role))
        problems = problems_of_role(entry) if entry else ["ansible-doc found nothing"]
        failures += ["role %s.%s: %s" % (COLLECTION, role, p) for p in problems]
        print("ansible-doc -t role %s.%s: %s" % (COLLECTION, role, "; ".join(problems) or "ok"))
    if failures:
        raise SystemExit("documentation problems:\n  " + "\n  ".join(failures))


if __name__ == "__main__":
    main(sys.argv[1])

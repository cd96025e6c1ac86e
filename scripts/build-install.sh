#!/usr/bin/env bash
# Build the collection tarball, check what it holds, install it in a scratch
# path and read every module's documentation from the installed copy.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/dist build/installed
ansible-galaxy collection build --output-path build/dist --force >/dev/null
tarball=$(ls build/dist/hostup-cloud-*.tar.gz)
echo "built $tarball ($(du -k "$tarball" | cut -f1) KiB)"

unwanted=$(tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.ansible|tests/output|__pycache__|build|\.git|\.pytest_cache)(/|$)|\.tar\.gz$|\.pyc$' || true)
if [ -n "$unwanted" ]; then
  echo "the tarball holds generated files:"; echo "$unwanted"; exit 1
fi

ansible-galaxy collection install "$tarball" -p build/installed --force >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$PWD/build/installed"
ansible-galaxy collection verify --offline hostup.cloud >/dev/null 2>&1 || { echo "galaxy verify failed"; exit 1; }
for module in plugins/modules/*.py; do
  name="hostup.cloud.$(basename "$module" .py)"
  # ansible-doc exits 0 even for a missing module: check that the JSON names it.
  ansible-doc --json "$name" 2>/dev/null | python -c "
import json, sys
doc = json.load(sys.stdin)
assert '$name' in doc, 'ansible-doc found no $name in the installed collection'
d = doc['$name']
assert d['doc']['options'] and d['examples'] and d['return'], 'incomplete docs for $name'
assert d['doc']['options']['api_key']['required'], 'api_key is not documented'
"
  echo "ansible-doc $name: ok (installed copy)"
done

#!/usr/bin/env bash
# Build the collection tarball, install it in a scratch path and read the documentation
# of every plugin and role from the installed copy (make matrix does the same on every
# ansible-core version).
set -euo pipefail
cd "$(dirname "$0")/.."
tarball=$(scripts/build.sh)
rm -rf build/installed
export ANSIBLE_COLLECTIONS_PATH="$PWD/build/installed"
ansible-galaxy collection install "$tarball" -p build/installed --force >/dev/null
ansible-galaxy collection verify --offline hostup.cloud >/dev/null 2>&1 || { echo "galaxy verify failed"; exit 1; }
python tests/matrix/check_docs.py build/installed/ansible_collections/hostup/cloud

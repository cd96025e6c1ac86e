#!/usr/bin/env bash
# ansible-test sanity compile and import on every Python this machine has that
# ansible-test supports (tests/config.yml narrows the module code to its python_requires),
# not only on the controller's. Prints which versions ran and which this machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
# ansible-test looks for python3.X on PATH; a pyenv shim of an inactive version is on PATH
# but fails, so a directory of links to the interpreters that work goes first.
pybin=$PWD/.venv/pybin
rm -rf "$pybin"
mkdir -p "$pybin"
read -r -a supported < <(python -c 'from ansible_test._internal.constants import SUPPORTED_PYTHON_VERSIONS as v; print(*v)')
found=()
while read -r version path; do
  ln -s "$path" "$pybin/python$version"
  found+=("$version")
done < <(scripts/find-python.sh "${supported[@]}")
missing=()
for version in "${supported[@]}"; do
  [ -e "$pybin/python$version" ] || missing+=("$version")
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# pyenv's shims leave PATH: ansible-test would take an inactive one for a version we lack and fail.
clean_path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/shims$' | paste -sd:)
PATH="$pybin:$clean_path" scripts/ansible-test.sh sanity --local --color no --test compile --test import | tee "$log"
ran=$(sed -n 's/^Running sanity test "\(compile\|import\)" on Python \([0-9.]*\)$/\2/p' "$log" | sort -uV | paste -sd' ')
echo "sanity compile/import ran on Python ${ran:-nothing}; this machine has ${found[*]:-none} of ansible-test's ${supported[*]}${missing[*]:+; missing: ${missing[*]} (NOT TESTED)}"

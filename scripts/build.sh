#!/usr/bin/env bash
# Build the collection tarball into build/dist, check it holds no generated files, and
# print its path on the last line. Used by build-install.sh, matrix.sh and galaxy.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/dist
ansible-galaxy collection build --output-path build/dist --force >/dev/null
tarball=$(ls "$PWD"/build/dist/hostup-cloud-*.tar.gz)

unwanted=$(tar -tzf "$tarball" | grep -E '(^|/)(\.venv[^/]*|\.ansible|tests/output|__pycache__|build|\.git|\.pytest_cache)(/|$)|\.tar\.gz$|\.pyc$|importer_result\.json' || true)
if [ -n "$unwanted" ]; then
  echo "the tarball holds generated files:" >&2; echo "$unwanted" >&2; exit 1
fi
echo "built build/dist/$(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)" >&2
echo "$tarball"

#!/usr/bin/env bash
# Run ansible-test on a copy of this repo laid out as ansible_collections/hostup/cloud.
#   scripts/ansible-test.sh sanity --python 3.11 --local
# ansible-test needs the collection at a real path of that shape (a symlink is
# resolved and refused), and it bootstraps pip into its sanity venvs from a URL
# this machine cannot reach: a stand-in bootstrap installs the pip wheel from PyPI.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
tree="${ANSIBLE_TEST_TREE:-${TMPDIR:-/tmp}/hostup-cloud-ansible-test}"
dest="$tree/ansible_collections/hostup/cloud"

cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
pip_pin=$(python -c 'from ansible_test._internal.python_requirements import get_venv_packages as g; from types import SimpleNamespace as N; print(g(N(version="3.11"))["pip"])')
shim="$cache/get_pip_${pip_pin//./_}.py"
if [ ! -f "$cache/pip-$pip_pin-py3-none-any.whl" ]; then
  python -m pip download --quiet --no-deps "pip==$pip_pin" -d "$cache"
fi
cat > "$shim" <<PY
# Stand-in for ansible-test's pip bootstrap download (written by hostup.cloud scripts/ansible-test.sh).
import sys
sys.path.insert(0, "$cache/pip-$pip_pin-py3-none-any.whl")
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--force-reinstall"] + args))
PY

rm -rf "$dest"
mkdir -p "$dest"
git ls-files -z -c -o --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$dest"
cd "$dest"
git init -q . && git add -A >/dev/null 2>&1 || true
set +e
ansible-test "$@"
rc=$?
mkdir -p "$src/tests/output"
cp -a "$dest/tests/output/." "$src/tests/output/" 2>/dev/null || true
exit $rc

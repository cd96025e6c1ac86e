#!/usr/bin/env bash
# Print the path of a working interpreter for each Python version given (e.g. 3.9 3.12),
# as "<version> <path>" lines; versions this machine lacks are left out.
#   scripts/find-python.sh 3.9 3.10
# Looks on PATH, then in pyenv's builds: a pyenv shim whose version is not active is on
# PATH but fails, so each candidate is run to see that it is really that version.
set -uo pipefail
# pyenv's builds: where PYENV_ROOT says, else ~/.pyenv, else beside the shims on PATH
# (HOME may not be the user's home, as in a CI job).
roots=("${PYENV_ROOT:-$HOME/.pyenv}")
shim=$(command -v python3 2>/dev/null || true)
case "$shim" in */shims/*) roots+=("$(dirname "$(dirname "$shim")")") ;; esac
for version in "$@"; do
  candidates=("$(command -v "python$version" 2>/dev/null)")
  for root in "${roots[@]}"; do candidates+=("$root"/versions/"$version".*/bin/"python$version"); done
  for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    found=$("$candidate" -c 'import sys; print("%d.%d %s" % (sys.version_info[:2] + (sys.executable,)))' 2>/dev/null)
    if [ "${found%% *}" = "$version" ]; then
      echo "$found"
      break
    fi
  done
done

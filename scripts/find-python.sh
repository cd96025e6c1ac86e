#!/usr/bin/env bash
# Print the path of a working interpreter for each Python version given (e.g. 3.9 3.12),
# as "<version> <path>" lines; versions this machine lacks are left out.
#   scripts/find-python.sh 3.9 3.10
# Looks on PATH, then in pyenv's builds: a pyenv shim whose version is not active is on
# PATH but fails, so each candidate is run to see that it is really that version.
set -uo pipefail
for version in "$@"; do
  for candidate in "$(command -v "python$version" 2>/dev/null)" "$HOME"/.pyenv/versions/"$version".*/bin/"python$version"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    found=$("$candidate" -c 'import sys; print("%d.%d %s" % (sys.version_info[:2] + (sys.executable,)))' 2>/dev/null)
    if [ "${found%% *}" = "$version" ]; then
      echo "$found"
      break
    fi
  done
done

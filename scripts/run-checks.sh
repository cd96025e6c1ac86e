#!/usr/bin/env bash
# Every check of `make test`, in order; prints how long each took and stops at the first failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
checks=(pytest sanity lint docs-lint changelog-lint build-install matrix galaxy)
start=$(date +%s)
summary=()
for check in "${checks[@]}"; do
  echo
  echo "=== make $check"
  t0=$(date +%s)
  if ! make --no-print-directory "$check"; then
    echo "=== FAILED: make $check"
    exit 1
  fi
  summary+=("$(printf '%-15s %4ss' "$check" "$(( $(date +%s) - t0 ))")")
  if [ "$check" = pytest ] && [ -f tests/output/fault-matrix.txt ]; then
    echo; head -n 1 tests/output/fault-matrix.txt; echo "  (every case: tests/output/fault-matrix.txt)"
  fi
done
echo
echo "=== all checks passed in $(( $(date +%s) - start ))s"
printf '  %s\n' "${summary[@]}"
for result in fault-matrix.txt matrix.txt; do
  if [ -f "tests/output/$result" ]; then sed -n 1p "tests/output/$result"; fi
done

#!/usr/bin/env bash
# make matrix: the built tarball on every ansible-core version we claim
# (tests/matrix/ansible-core-versions.txt). Each version gets a venv holding only that
# ansible-core, requests and pytest (.venv-matrix/core-<version>, rebuilt when what it
# should hold changes), the tarball installed into it, and:
#   1. ansible-doc of every plugin and role of the installed copy (tests/matrix/check_docs.py)
#   2. the checkout's unit tests
#   3. tests/matrix/smoke.yml against the simulator: every module (check, real, rerun,
#      diff) on the controller's Python and on Python 3.9 when this machine has one, and
#      the role twice; with the spend callback enabled when it is in the tree
#   4. the example playbooks by FQCN, in check mode: output checked, nothing ordered
#   5. the ad-hoc command
#   6. the inventory plugin, when it is in the tree
# Versions run MATRIX_JOBS (default 2) at a time. Logs: tests/output/matrix/<version>/.
# The last line is the summary, also the first line of tests/output/matrix.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venvs=$root/.venv-matrix
out=$root/tests/output/matrix
base_python=${MATRIX_PYTHON:-python3}
# shellcheck source=scripts/lib/simulator.sh
source scripts/lib/simulator.sh
# shellcheck source=scripts/lib/venv.sh
source scripts/lib/venv.sh

# ordering_calls: the ordering calls the simulator received since its log was last cleared.
ordering_calls() {
  python - "$HOSTUP_API_URL" <<'PY'
import json, sys, urllib.request
log = json.load(urllib.request.urlopen(sys.argv[1] + "/_sim/requests"))
print(" ".join("%s:%s" % (r["call"], r["vmid"]) for r in log if r["call"] in ("order", "change_billing_cycle")))
PY
}

clear_requests() {
  python -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_sim/requests", method="DELETE"))' "$HOSTUP_API_URL"
}

# expect_output <file> <text>...: every text is in the file.
expect_output() {
  local file=$1 text
  shift
  for text in "$@"; do
    grep -qF -- "$text" "$file" || { echo "expected in the output: $text"; return 1; }
  done
}

smoke_inventory_file() {  # the inventory of tests/matrix/smoke.yml
  python - "$1" "${PYTHON39:-}" <<'PY'
import json, sys
controller_python = "%d.%d" % sys.version_info[:2]
hosts = {"controller": {"ansible_python_interpreter": "{{ ansible_playbook_python }}",
                        "expected_python": controller_python,
                        "upgrade_vmid": 20001, "cycle_vmid": 20002, "role_vmid": 10003}}
if sys.argv[2]:
    hosts["python3.9"] = {"ansible_python_interpreter": sys.argv[2], "expected_python": "3.9",
                          "upgrade_vmid": 20003, "cycle_vmid": 20004}
json.dump({"targets": {"hosts": hosts}, "all": {"vars": {"ansible_connection": "local"}}}, open(sys.argv[1], "w"))
PY
}

step_smoke_playbook() {
  smoke_inventory_file "$work/smoke-inventory.json"
  # --- the spend callback (plugins/callback/spend.py), once it is in the tree ---------
  if [ -f "$collection/plugins/callback/spend.py" ]; then
    ANSIBLE_CALLBACKS_ENABLED=hostup.cloud.spend HOSTUP_SPEND_REPORT="$work/spend.json" \
      ansible-playbook -i "$work/smoke-inventory.json" tests/matrix/smoke.yml > "$work/smoke.out" 2>&1 \
      || { cat "$work/smoke.out"; return 1; }
    # The report has a row for each VPS the smoke playbook changed, and it was a real run.
    python - "$work/spend.json" "${PYTHON39:+20003}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
changed = {20001, 20002, 10003} | ({int(sys.argv[2])} if sys.argv[2] else set())
vmids = {row.get("vmid") for row in report["rows"]}
assert changed <= vmids and report["check_mode"] is False, "spend report rows for %s, expected %s" % (sorted(vmids), sorted(changed))
PY
  else
    ansible-playbook -i "$work/smoke-inventory.json" tests/matrix/smoke.yml > "$work/smoke.out" 2>&1 \
      || { cat "$work/smoke.out"; return 1; }
  fi
  cat "$work/smoke.out"
}

step_playbooks_by_fqcn() {
  clear_requests
  ansible-playbook -i demo/inventory.yml --check \
    hostup.cloud.vps_report hostup.cloud.price_change hostup.cloud.resize hostup.cloud.annual_billing \
    -e hostup_package=1938 -e vmid=10004 -e package=1937 -e max_prorated=100 > "$work/playbooks.out" 2>&1 \
    || { cat "$work/playbooks.out"; return 1; }
  cat "$work/playbooks.out"
  expect_output "$work/playbooks.out" \
    "web-1.sim.example (vmid 10001): VPS SM, 2 CPU / 4 GB RAM / 40 GB disk, billed monthly" \
    "Total due now:" \
    "VPS 10004 (VPS XS, monthly): due now" \
    "monthly -> annually: due now"
  local orders
  orders=$(ordering_calls)
  [ -z "$orders" ] || { echo "check-mode playbooks sent ordering calls: $orders"; return 1; }
}

step_adhoc() {
  ansible localhost -m hostup.cloud.hostup_vps_info -a vmid=10002 > "$work/adhoc.out" 2>&1 \
    || { cat "$work/adhoc.out"; return 1; }
  cat "$work/adhoc.out"
  python - "$work/adhoc.out" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
status, _, result = text.partition(" => ")
assert status.strip().endswith("localhost | SUCCESS"), text
result = json.loads(result)
assert result["vps"]["vmid"] == 10002 and result["vps"]["hostname"] == "web-2.sim.example", result
PY
}

# --- the inventory plugin (plugins/inventory/hostup.py), once it is in the tree ------
step_inventory_plugin() {
  printf 'plugin: hostup.cloud.hostup\n' > "$work/hostup.yml"
  export ANSIBLE_INVENTORY_UNPARSED_FAILED=true  # a plugin error fails, not an empty inventory
  ansible-inventory -i "$work/hostup.yml" --graph > "$work/inventory-graph.out" 2>&1 \
    || { cat "$work/inventory-graph.out"; return 1; }
  ansible-inventory -i "$work/hostup.yml" --list > "$work/inventory-list.json" 2>"$work/inventory-list.err" \
    || { cat "$work/inventory-list.err"; return 1; }
  cat "$work/inventory-graph.out"
  # One host per VPS of the simulator: the seed's five and the fleet of four.
  python - "$work/inventory-list.json" <<'PY'
import json, sys
hostvars = json.load(open(sys.argv[1]))["_meta"]["hostvars"]
vmids = sorted(v.get("hostup_vmid") for v in hostvars.values())
expected = [10001, 10002, 10003, 10004, 10005, 20001, 20002, 20003, 20004]
assert vmids == expected, "inventory vmids %s, expected %s" % (vmids, expected)
PY
}

cpu_seconds() {  # the children's user + system time from the output of `times`, whole seconds
  tail -n 1 "$1" | awk '{ split($1, u, "m"); split($2, s, "m"); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
}

# leg <version>: every step on one ansible-core version; writes <workdir>/result.
leg() {
  local version=$1
  work=$out/$version
  rm -rf "$work"
  mkdir -p "$work"
  local venv=$venvs/core-$version
  collection=$venv/collections/ansible_collections/hostup/cloud
  local steps=(venv install ansible-doc units simulator smoke-playbook playbooks-by-fqcn adhoc inventory-plugin)
  local step t0 start
  start=$(date +%s)
  for step in "${steps[@]}"; do
    t0=$(date +%s)
    echo "=== $step" >> "$work/log"
    if ! run_step "$step" >> "$work/log" 2>&1; then
      echo "FAILED at $step" > "$work/result"
      echo "=== FAILED: $step" >> "$work/log"
      return 1
    fi
    echo "=== $step: ok in $(( $(date +%s) - t0 ))s" >> "$work/log"
  done
  echo "ok" > "$work/result"
  # CPU time too: on a shared machine the wall time says little about a CI runner's.
  times > "$work/times"  # here, not in a $(subshell), which has no children of its own
  echo "=== every step ok in $(( $(date +%s) - start ))s, $(cpu_seconds "$work/times")s of CPU" >> "$work/log"
}

run_step() {
  case $1 in
    venv) ensure_venv "$venv" "$base_python" "ansible-core==$version" -r tests/matrix/requirements.txt ;;
    install)
      # Only this venv and the installed copy: not the dev venv, not the checkout.
      export PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$venv/collections"
      unset PYTHONPATH
      export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False ANSIBLE_NOCOLOR=1
      [ "$(python -c 'from ansible.release import __version__; print(__version__)')" = "$version" ]
      rm -rf "$venv/collections"
      ansible-galaxy collection install "$TARBALL" -p "$venv/collections" --force
      ;;
    ansible-doc) python tests/matrix/check_docs.py "$collection" ;;
    # The checkout's unit tests on this ansible-core (they read files of the checkout, such as
    # galaxy.yml, that the installed copy does not have): make setup's symlink tree.
    units) PYTHONPATH="$root/.venv/collections" python -m pytest -p no:cacheprovider -q tests/unit ;;
    simulator) start_simulator "$work" matrix-key --fleet 4 ;;
    smoke-playbook) step_smoke_playbook ;;
    playbooks-by-fqcn) step_playbooks_by_fqcn ;;
    adhoc) step_adhoc ;;
    inventory-plugin)
      if [ -f "$collection/plugins/inventory/hostup.py" ]; then step_inventory_plugin; else echo "not in the tree"; fi ;;
  esac
}

if [ "${1:-}" = --leg ]; then
  leg "$2"
  exit $?
fi

# --- the whole matrix -------------------------------------------------------------------
mapfile -t versions < <(grep -v '^#' tests/matrix/ansible-core-versions.txt | grep .)
[ $# -gt 0 ] && versions=("$@")
rm -rf "$out"
mkdir -p "$out"
TARBALL=$(scripts/build.sh)
export TARBALL

# Python 3.9 targets: a small venv with what the modules need, when this machine has 3.9.
PYTHON39=""
python39=$(scripts/find-python.sh 3.9 | cut -d' ' -f2)
if [ -n "$python39" ]; then
  echo "Python 3.9 targets: $python39"
  ensure_venv "$venvs/py3.9" "$python39" -r requirements.txt
  PYTHON39=$venvs/py3.9/bin/python
else
  echo "Python 3.9 targets: no Python 3.9 on PATH or in ~/.pyenv/versions: NOT TESTED"
fi
export PYTHON39

start=$(date +%s)
printf '%s\n' "${versions[@]}" | xargs -P "${MATRIX_JOBS:-2}" -I{} "$0" --leg {} || true

summary=()
failed=0
for version in "${versions[@]}"; do
  result=$(cat "$out/$version/result" 2>/dev/null || echo "did not finish")
  summary+=("$version $result")
  if [ "$result" != ok ]; then
    failed=1
    echo; echo "=== ansible-core $version: $result (tests/output/matrix/$version/log), the end of its log:"
    tail -n 40 "$out/$version/log" 2>/dev/null || true
  fi
done
for version in "${versions[@]}"; do
  grep -E '^=== ' "$out/$version/log" 2>/dev/null | sed "s/^=== /  $version /" || true
done > "$out/steps.txt"

if [ -z "$PYTHON39" ]; then
  targets="python3.9 target NOT TESTED (no Python 3.9 on this machine)"
else
  # The smoke playbook's recap line for the Python 3.9 host, on every version.
  py39_failed=()
  py39_not_reached=()
  for version in "${versions[@]}"; do
    if [ ! -f "$out/$version/smoke.out" ]; then
      py39_not_reached+=("$version")
    elif ! grep -qE '^python3\.9 +: ok=[1-9][0-9]* .*unreachable=0 +failed=0' "$out/$version/smoke.out"; then
      py39_failed+=("$version")
    fi
  done
  if [ ${#py39_failed[@]} = 0 ] && [ ${#py39_not_reached[@]} = 0 ]; then
    targets="python3.9 target ok"
  else
    targets="python3.9 target${py39_failed[*]:+ FAILED on ${py39_failed[*]}}${py39_not_reached[*]:+ not reached on ${py39_not_reached[*]}}"
  fi
fi
present() { [ -f "$1" ] && echo "smoked" || echo "not in the tree yet"; }
joined=$(printf '%s, ' "${summary[@]}")
line="matrix: ${joined%, }; $targets; inventory plugin $(present plugins/inventory/hostup.py); spend callback $(present plugins/callback/spend.py)"
{ echo "$line"; echo "  (every step and its time: tests/output/matrix/steps.txt; logs: tests/output/matrix/<version>/log)"; cat "$out/steps.txt"; } \
  > "$root/tests/output/matrix.txt"
echo
echo "matrix of ${#versions[@]} ansible-core versions in $(( $(date +%s) - start ))s"
echo "$line"
exit $failed

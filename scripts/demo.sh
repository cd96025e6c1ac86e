#!/usr/bin/env bash
# The hostup.cloud story against the HostUp simulator on 127.0.0.1: nothing here
# talks to the real HostUp.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/simulator.sh
source scripts/lib/simulator.sh
start_simulator build/demo demo-key
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
export ANSIBLE_DISPLAY_SKIPPED_HOSTS=False ANSIBLE_DISPLAY_OK_HOSTS=true
inventory=demo/hostup.yml  # the hostup.cloud.hostup inventory plugin: every VPS of the account

bold=""; plain=""
if [ -t 1 ]; then bold=$'\033[1m'; plain=$'\033[0m'; fi
step() { printf '\n%s### %s%s\n$ %s\n' "$bold" "$1" "$plain" "$2"; }
received() {
  python - "$HOSTUP_API_URL" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
log = json.load(urllib.request.urlopen(base + "/_sim/requests"))
urllib.request.urlopen(urllib.request.Request(base + "/_sim/requests", method="DELETE"))
count = lambda *calls: sum(1 for r in log if r["call"] in calls)
print("simulator received: %d reads, %d estimates, %d orders (ordering calls)"
      % (count("details", "billing_cycle", "client_accounts", "vps_account"), count("estimate"),
         count("order", "change_billing_cycle")))
PY
}
run() { step "$1" "${*:2}"; "${@:2}"; received; }
# the spend report (callback hostup.cloud.spend) after the steps that price or order
spend=ANSIBLE_CALLBACKS_ENABLED=hostup.cloud.spend

echo "HostUp simulator at $HOSTUP_API_URL (state: tests/simulator/seed.json)"
run "0. The account's VPSes as inventory hosts, grouped by plan and billing cycle" \
  ansible-inventory -i "$inventory" --graph
run "1. What the VPSes have now" \
  ansible-playbook hostup.cloud.vps_report -i "$inventory"
run "2. Price a bigger plan (1938, VPS MD) for the whole group: estimates only, nothing ordered" \
  env "$spend" ansible-playbook hostup.cloud.price_change -i "$inventory" -e hostup_package=1938
run "3. Preview resizing web-1 with a budget (--check: the real price, nothing ordered)" \
  env "$spend" ansible-playbook hostup.cloud.resize -e vmid=10001 -e package=1938 -e max_prorated=100 --check --diff
run "4. A budget that is too small stops the order" \
  ansible-playbook hostup.cloud.resize -e vmid=10001 -e package=1939 -e max_prorated=100 || true
run "5. The real change: order exactly the estimate shown" \
  env "$spend" ansible-playbook hostup.cloud.resize -e vmid=10001 -e package=1938 -e max_prorated=100
run "6. The rerun changes nothing and orders nothing" \
  ansible-playbook hostup.cloud.resize -e vmid=10001 -e package=1938 -e max_prorated=100
run "7. Annual billing for the group: preview the cost with --check" \
  env "$spend" ansible-playbook hostup.cloud.annual_billing -i "$inventory" --check
run "8. Annual billing for real: each switch priced (estimate), then sent (db-1 is already annual)" \
  env "$spend" ansible-playbook hostup.cloud.annual_billing -i "$inventory"
run "9. Where the group ended" \
  ansible-playbook hostup.cloud.vps_report -i "$inventory"

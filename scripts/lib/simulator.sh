# shellcheck shell=bash
# Sourced by scripts that run the collection against the HostUp simulator on 127.0.0.1.
#   start_simulator <workdir> <api key> [simulator options]
# starts it on a free port, logs to <workdir>/simulator.log, stops it when the calling
# shell exits, and exports HOSTUP_API_URL, HOSTUP_API_KEY and HOSTUP_STATE_DIR (a fresh order ledger).
start_simulator() {
  local workdir=$1 key=$2
  shift 2
  mkdir -p "$workdir"
  rm -f "$workdir/port"
  python tests/simulator/hostup_simulator.py --port 0 --api-key "$key" --port-file "$workdir/port" "$@" \
    > "$workdir/simulator.log" 2>&1 &
  simulator_pid=$!
  trap 'kill "$simulator_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do [ -s "$workdir/port" ] && break; sleep 0.1; done
  [ -s "$workdir/port" ] || { echo "the simulator did not start:"; cat "$workdir/simulator.log"; return 1; }
  HOSTUP_API_URL="http://127.0.0.1:$(cat "$workdir/port")"
  # a fresh simulator knows no order: nor may the order ledger (a port used before would be the same VPS)
  rm -rf "$workdir/state"
  export HOSTUP_API_URL HOSTUP_API_KEY="$key" HOSTUP_STATE_DIR="$workdir/state"
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
}

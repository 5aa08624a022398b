#!/usr/bin/env bash
# Measures ssehub against the yardstick (../shared/yardstick, a plain net/http
# hub) with the same load tool, scenario by scenario, each server started
# fresh for each scenario, and ends with the comparison table. The figures
# to compare are the ratios within one run: the machine is shared and noisy.
#
#   scripts/compare.sh [OUTDIR] [SCENARIO...]
#
# Scenarios: idle fanout latency2 latency10 targeted targeted-batch connect
# churn (default: all; targeted-batch, ssehub's batch publish, has no yardstick
# counterpart). Results: OUTDIR/<target>-<scenario>.json and .txt (default OUTDIR:
# a new temporary directory). Needs ports 3020 and 3090 free on 127.0.0.1.
#
# The yardstick lives outside the repository. Where it is not (a fresh clone;
# YARDSTICK names its directory, NO_YARDSTICK=1 skips it), only ssehub runs,
# and the yardstick's figures come from the baseline stored in the repository,
# scripts/compare-baseline.json: one earlier run's, with its date and machine,
# which the table's heading names. SAVE_BASELINE=1 (with the yardstick
# available, all scenarios) replaces that baseline with this run's figures.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
shift || true
scenarios=${*:-idle fanout latency2 latency10 targeted targeted-batch connect churn}
yardstick_src=${YARDSTICK:-../shared/yardstick}
baseline=scripts/compare-baseline.json
conns=${CONNS:-10000}
mkdir -p "$out"
bin=$(mktemp -d)
go build -o "$bin/ssehub" ./cmd/ssehub
go build -o "$bin/ssebench" ./cmd/ssebench

# live is 1 when the yardstick is built and runs in this comparison.
live=0
if [ -z "${NO_YARDSTICK:-}" ] && [ -f "$yardstick_src/main.go" ]; then
  if (cd "$yardstick_src" && go build -o "$bin/yardstick" .); then
    live=1
  else
    echo "compare: the yardstick in $yardstick_src does not build" >&2
  fi
fi
if [ "$live" = 0 ]; then
  echo "compare: no yardstick to run ($yardstick_src): its figures will come from the stored baseline $baseline" >&2
  [ -z "${SAVE_BASELINE:-}" ] || { echo "compare: SAVE_BASELINE needs the yardstick" >&2; exit 2; }
fi

args_for() {
  case $1 in
    idle)      echo "-scenario idle -conns ${IDLE_CONNS:-$conns}" ;;
    fanout)    echo "-scenario fanout -conns $conns -events 200" ;;
    latency2)  echo "-scenario latency -conns $conns -rate 2 -duration 20s" ;;
    latency10) echo "-scenario latency -conns $conns -rate 10 -duration 20s" ;;
    targeted)  echo "-scenario targeted -conns $conns -clients $((conns / 2)) -rate 10000 -duration 20s" ;;
    targeted-batch) echo "-scenario targeted -conns $conns -clients $((conns / 2)) -rate 10000 -duration 20s -batch 10" ;;
    connect)   echo "-scenario idle -conns $conns -dial-concurrency 128 -settle 1s" ;;
    churn)     echo "-scenario churn -conns $conns -rate 10 -churn 0.1 -duration 20s" ;;
    *) echo "unknown scenario $1" >&2; exit 2 ;;
  esac
}

# wait_port waits, at most 10 s, until something accepts on 127.0.0.1:$1.
wait_port() {
  local i
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "compare: nothing listens on 127.0.0.1:$1 after 10s" >&2
  return 1
}

run_one() { # target scenario
  local target=$1 scenario=$2 pid port
  if [ "$target" = ssehub ]; then
    port=3020
    "$bin/ssehub" -addr 127.0.0.1:$port -tick 0 2>"$out/ssehub-$scenario.log" &
  else
    port=3090
    "$bin/yardstick" -addr 127.0.0.1:$port 2>"$out/yardstick-$scenario.log" &
  fi
  pid=$!
  if wait_port "$port"; then
    # shellcheck disable=SC2046
    "$bin/ssebench" -q -target "$target" -url "http://127.0.0.1:$port" -pid "$pid" $(args_for "$scenario") \
      -json "$out/$target-$scenario.json" >"$out/$target-$scenario.txt" 2>&1 || true
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "== $target $scenario"; grep -E "connect |server memory|delivery rate|latency  |loss|cpu" "$out/$target-$scenario.txt" || true
}

for s in $scenarios; do
  args_for "$s" >/dev/null # an unknown scenario stops here, before any run
  if [ "$live" = 1 ] && [ "$s" != targeted-batch ]; then run_one yardstick "$s"; fi
  run_one ssehub "$s"
done
echo
save=()
[ -z "${SAVE_BASELINE:-}" ] || save=(-save-baseline "$baseline")
"$bin/ssebench" -compare "$out" -baseline "$baseline" "${save[@]}"
echo "results in $out"

#!/usr/bin/env bash
# Measures ssehub against the yardstick (../shared/yardstick, a plain net/http
# hub) with the same load tool, scenario by scenario, each server started
# fresh for each scenario. The figures to compare are the ratios within one
# run: the machine is shared and noisy.
#
#   scripts/compare.sh [OUTDIR] [SCENARIO...]
#
# Scenarios: idle fanout latency2 latency10 targeted targeted-batch connect
# churn (default: all; targeted-batch, ssehub's batch publish, has no yardstick
# counterpart). Results: OUTDIR/<target>-<scenario>.json and .txt (default OUTDIR:
# a new temporary directory). Needs ports 3020 and 3090 free on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
shift || true
scenarios=${*:-idle fanout latency2 latency10 targeted targeted-batch connect churn}
yardstick_src=${YARDSTICK:-../shared/yardstick}
conns=${CONNS:-10000}
mkdir -p "$out"
bin=$(mktemp -d)
go build -o "$bin/ssehub" ./cmd/ssehub
go build -o "$bin/ssebench" ./cmd/ssebench
(cd "$yardstick_src" && go build -o "$bin/yardstick" .)

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

run_one() { # target scenario
  local target=$1 scenario=$2 pid url
  if [ "$target" = ssehub ]; then
    "$bin/ssehub" -addr 127.0.0.1:3020 -tick 0 2>"$out/ssehub-$scenario.log" &
    url=http://127.0.0.1:3020
  else
    "$bin/yardstick" -addr 127.0.0.1:3090 2>"$out/yardstick-$scenario.log" &
    url=http://127.0.0.1:3090
  fi
  pid=$!
  sleep 0.5
  # shellcheck disable=SC2046
  "$bin/ssebench" -q -target "$target" -url "$url" -pid "$pid" $(args_for "$scenario") \
    -json "$out/$target-$scenario.json" >"$out/$target-$scenario.txt" 2>&1 || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "== $target $scenario"; grep -E "connect |server memory|delivery rate|latency  |loss|cpu" "$out/$target-$scenario.txt" || true
}

for s in $scenarios; do
  [ "$s" = targeted-batch ] || run_one yardstick "$s"
  run_one ssehub "$s"
done
echo "results in $out"

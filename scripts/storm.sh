#!/usr/bin/env bash
# Reconnect storms against ssehub on each store: does every stream get every
# event meant for it, exactly once and in order, when all of them are cut at
# once and resume with Last-Event-ID?
#
#   scripts/storm.sh [OUTDIR]
#
# For each store (-store memory, then -store bolt:<fresh file>) and each run
# below, a fresh hub is started on 127.0.0.1:3021 with -tick 0 and ssebench
# runs against it:
#
#   storm-broadcast  CONNS streams, 200 broadcasts/s for 15 s, every stream
#                    cut at 5 s and 10 s and reconnecting at once
#   storm-targeted   CONNS streams of CONNS/2 clients, 2,000 events/s each to
#                    one client, for 15 s, every stream cut twice
#   churn            CONNS streams, 10 broadcasts/s for 20 s, 10 % of the
#                    streams closed and reopened each second (as compare.sh)
#
# CONNS defaults to 5000. Results: OUTDIR/<store>-<run>.json and .txt, the
# hub's log in OUTDIR/<store>-<run>.hub.log (default OUTDIR: a new temporary
# directory). At the end a table sums up each run's stream-by-stream checks;
# the script exits 1 if any run had silent missing events (not announced by
# a reset event), duplicates or out-of-order events, or gave no result.
# Takes about 3 minutes; needs go on PATH and port 3021 free.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
conns=${CONNS:-5000}
addr=127.0.0.1:3021
mkdir -p "$out"
tmp=$(mktemp -d)
hub_pid=
cleanup() {
  if [ -n "$hub_pid" ]; then
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null; then
  echo "storm.sh: $addr is in use" >&2
  exit 2
fi
go build -o "$tmp/ssehub" ./cmd/ssehub
go build -o "$tmp/ssebench" ./cmd/ssebench

args_for() {
  case $1 in
    storm-broadcast) echo "-scenario storm -to broadcast -conns $conns -rate 200 -duration 15s -storm-every 5s" ;;
    storm-targeted)  echo "-scenario storm -to targeted -conns $conns -clients $((conns / 2)) -rate 2000 -duration 15s -storm-every 5s" ;;
    churn)           echo "-scenario churn -conns $conns -rate 10 -churn 0.1 -duration 20s" ;;
  esac
}

# start_hub STORE LOG: starts a hub on $addr and waits (at most 10 s) until
# it accepts connections.
start_hub() {
  "$tmp/ssehub" -addr "$addr" -tick 0 -store "$1" 2>"$2" &
  hub_pid=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null; then return 0; fi
    kill -0 "$hub_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "storm.sh: the hub did not start, see $2" >&2
  exit 1
}

stop_hub() {
  kill "$hub_pid" 2>/dev/null || true
  wait "$hub_pid" 2>/dev/null || true
  hub_pid=
}

# run_one STORE_NAME STORE RUN
run_one() {
  local name=$1 store=$2 run=$3 base="$out/$1-$3"
  start_hub "$store" "$base.hub.log"
  echo "== $name $run"
  # shellcheck disable=SC2046
  "$tmp/ssebench" -q -target ssehub -url "http://$addr" -pid "$hub_pid" $(args_for "$run") \
    -json "$base.json" >"$base.txt" 2>&1 || true
  stop_hub
  grep -E "^(storm|stream checks|missing|order|churn)" "$base.txt" || tail -3 "$base.txt"
}

runs="storm-broadcast storm-targeted churn"
for run in $runs; do run_one memory memory "$run"; done
for run in $runs; do run_one bolt "bolt:$tmp/$run.db" "$run"; done

# check FILE KEY: the value of KEY in the stream_checks object of a result
# (json.MarshalIndent puts its fields alone on lines indented by 4 spaces).
check() {
  awk -v key="\"$2\":" '
    /^  "stream_checks": \{/ { in_checks = 1; next }
    in_checks && /^  \}/ { exit }
    in_checks && /^    "/ && $1 == key { gsub(/[",]/, "", $2); print $2; exit }
  ' "$1"
}

fail=0
echo
fmt="%-7s %-16s %12s %12s %8s %10s %6s %8s %7s  %s\n"
# shellcheck disable=SC2059
printf "$fmt" store scenario expected received silent announced dups "out-ord" resets verdict
for name in memory bolt; do
  for run in $runs; do
    f="$out/$name-$run.json"
    vals=()
    for k in expected received silent_missing announced_lost duplicates out_of_order reset_events; do
      vals+=("$( [ -f "$f" ] && check "$f" "$k" || true)")
    done
    verdict=ok
    if [ -z "${vals[0]}" ]; then
      verdict="NO RESULT (see $out/$name-$run.txt)"; fail=1
    elif [ "${vals[2]}" != 0 ] || [ "${vals[4]}" != 0 ] || [ "${vals[5]}" != 0 ]; then
      verdict=FAIL; fail=1
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$name" "$run" "${vals[@]:-}" "$verdict"
  done
done
echo "results in $out"
exit "$fail"

#!/usr/bin/env bash
# ssehub as a cluster: several nodes sharing one Redis, driven by ssebench
# over all of them. Does every event, whichever node published it, reach
# every stream meant for it on every node, exactly once and in order, when
# every stream is cut at once and resumes, with Last-Event-ID, on another
# node? And what do a fanout and a steady broadcast cost across nodes?
#
#   scripts/cluster.sh [OUTDIR]
#   SCALE=1 scripts/cluster.sh [OUTDIR]
#
# For each run below, a fresh redis-server (127.0.0.1:REDIS_PORT, default
# 6391, no persistence, in a temporary directory) and NODES nodes (default
# 3) on 127.0.0.1:3031, 3032, ... are started, each as
#
#   ssehub -redis redis://127.0.0.1:REDIS_PORT/0 -tick 0 -addr 127.0.0.1:303x -max-streams-per-client 0
#
# and, once every node answers /healthz and /readyz, ssebench runs with
# -url and -pid listing every node: stream i opens on node i mod NODES,
# publish request k goes to node k mod NODES, and a cut stream resumes on
# the next node.
#
#   storm-broadcast  CONNS streams, 100 broadcasts/s for 15 s, every stream
#                    cut at 5 s and 10 s, resuming on the next node (half
#                    storm.sh's rate: at 200/s three nodes, Redis and the
#                    tool saturate 2 cores, and the second storm finds
#                    streams still catching up on the first)
#   storm-targeted   CONNS streams of CONNS/2 clients, 1,000 events/s each
#                    to one client, for 15 s, every stream cut twice
#   fanout           CONNS streams, 200 broadcasts as fast as the nodes take
#                    them: per broadcast, the time to its last delivery
#   latency          CONNS streams, 10 broadcasts/s for 20 s: latency on the
#                    publishing node and on the others
#
# CONNS defaults to 3000. Results: OUTDIR/<run>.json and .txt, the nodes'
# logs in OUTDIR/<run>.node<i>.log (default OUTDIR: a new temporary
# directory). A table sums the runs up; the script exits 1 if a storm had
# silent missing events (not announced by a reset event), duplicates or
# out-of-order events, a fanout or latency run lost an event, or a run gave
# no result. Takes about 3 minutes.
#
# SCALE=1 runs the scale test instead: NODES (default 5) nodes, STREAMS
# (default 95,000) streams spread over PROCS (default 5) ssebench processes,
# one process being limited to about 19,500 streams by the open-files limit
# of 20,000. Each process has its own client ids (-id-prefix pN-) and
# source address (127.0.0.N); all but the last listen, the last publishes
# EVENTS (default 1) broadcasts once the others are open, and ssebench
# -merge adds the results up (OUTDIR/scale.json and .txt): the nodes'
# memory per stream (their whole VmRSS, and its growth, over the streams),
# the broadcast's completion time and the cross-node latency.
#
# Needs go, redis-server, redis-cli and curl on PATH, and the ports free.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
scale=${SCALE:-0}
if [ "$scale" = 1 ]; then nodes=${NODES:-5}; else nodes=${NODES:-3}; fi
conns=${CONNS:-3000}
redis_port=${REDIS_PORT:-6391}
first_port=${FIRST_PORT:-3031}
mkdir -p "$out"
tmp=$(mktemp -d)
redis_pid=
node_pids=()
bench_pids=()
cleanup() {
  local p
  for p in "${bench_pids[@]}" "${node_pids[@]}" $redis_pid; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${bench_pids[@]}" "${node_pids[@]}" $redis_pid; do
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$redis_port" $(seq "$first_port" $((first_port + nodes - 1))); do
  if in_use "$port"; then
    echo "cluster.sh: 127.0.0.1:$port is in use" >&2
    exit 2
  fi
done
go build -o "$tmp/ssehub" ./cmd/ssehub
go build -o "$tmp/ssebench" ./cmd/ssebench

# start_cluster BASE: a fresh redis-server and $nodes nodes, logs next to
# BASE; returns once every node is healthy and ready (at most 10 s each).
# Sets urls and pids, the comma-separated lists ssebench takes.
start_cluster() {
  local base=$1 i port
  rm -rf "$tmp/redis" && mkdir -p "$tmp/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$tmp/redis" >"$base.redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  urls= pids=
  for i in $(seq "$nodes"); do
    port=$((first_port + i - 1))
    "$tmp/ssehub" -redis "redis://127.0.0.1:$redis_port/0" -tick 0 -addr "127.0.0.1:$port" \
      -max-streams-per-client 0 -node "n$i" 2>"$base.node$i.log" &
    node_pids+=($!)
    urls+="${urls:+,}http://127.0.0.1:$port"
    pids+="${pids:+,}$!"
  done
  for i in $(seq "$nodes"); do
    wait_ready $((first_port + i - 1)) "${node_pids[i - 1]}" "$base.node$i.log"
  done
}

# wait_ready PORT PID LOG: waits until the node answers /healthz and then
# /readyz (its Redis answers) with 200.
wait_ready() {
  local path
  for path in healthz readyz; do
    for _ in $(seq 100); do
      curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$1/$path" 2>/dev/null && continue 2
      kill -0 "$2" 2>/dev/null || break
      sleep 0.1
    done
    echo "cluster.sh: the node on port $1 is not $path, see $3" >&2
    exit 1
  done
}

stop_cluster() {
  local p
  for p in "${node_pids[@]}" $redis_pid; do kill "$p" 2>/dev/null || true; done
  for p in "${node_pids[@]}" $redis_pid; do wait "$p" 2>/dev/null || true; done
  node_pids=() redis_pid=
}

# json_get FILE [OBJECT] KEY: the value of a top-level KEY of a result, or
# of KEY in its top-level OBJECT (json.MarshalIndent indents top-level
# fields by 2 spaces, an object's by 4); empty when absent.
json_get() {
  local file=$1 obj=$2 key=$3
  [ -f "$file" ] || return 0
  awk -v obj="\"$obj\":" -v key="\"$key\":" '
    obj == "\"\":" && /^  "/ && $1 == key { gsub(/[",]/, "", $2); print $2; exit }
    obj != "\"\":" && /^  "/ && $1 == obj { inside = 1; next }
    inside && /^  [}\]]/ { exit }
    inside && /^    "/ && $1 == key { gsub(/[",]/, "", $2); print $2; exit }
  ' "$file"
}

# json_ms FILE OBJECT KEY: json_get to 0.1 (milliseconds), "-" when absent.
json_ms() {
  local v
  v=$(json_get "$@")
  if [ -n "$v" ]; then printf "%.1f" "$v"; else echo -; fi
}

args_for() {
  case $1 in
    storm-broadcast) echo "-scenario storm -to broadcast -conns $conns -rate 100 -duration 15s -storm-every 5s" ;;
    storm-targeted)  echo "-scenario storm -to targeted -conns $conns -clients $((conns / 2)) -rate 1000 -duration 15s -storm-every 5s" ;;
    fanout)          echo "-scenario fanout -conns $conns -events 200" ;;
    latency)         echo "-scenario latency -conns $conns -rate 10 -duration 20s" ;;
  esac
}

# run_one RUN: a fresh cluster, ssebench against it, the cluster stopped.
run_one() {
  local run=$1 base="$out/$1"
  start_cluster "$base"
  echo "== $run ($nodes nodes)"
  # shellcheck disable=SC2046
  "$tmp/ssebench" -q -target ssehub -url "$urls" -pid "$pids" $(args_for "$run") \
    -json "$base.json" >"$base.txt" 2>&1 || true
  stop_cluster
  grep -E "^(storm|stream checks|missing|order|deliveries|completion|same node|other node)" "$base.txt" || tail -3 "$base.txt"
}

# verdict RUN: ok, FAIL or NO RESULT for one run of the table.
verdict() {
  local f="$out/$1.json"
  if [ -z "$(json_get "$f" "" connected)" ]; then
    echo "NO RESULT (see $out/$1.txt)"
  elif [ -n "$(json_get "$f" stream_checks expected)" ]; then
    [ "$(json_get "$f" stream_checks silent_missing)$(json_get "$f" stream_checks duplicates)$(json_get "$f" stream_checks out_of_order)" = 000 ] &&
      echo ok || echo FAIL
  else
    [ "$(json_get "$f" "" loss)" = 0 ] && echo ok || echo FAIL
  fi
}

# summary RUN...: one line per run; exits 1 unless every verdict is ok.
summary() {
  local fail=0 run f v
  echo
  local fmt="%-16s %7s %10s %10s %7s %9s %5s %7s %8s %8s %8s  %s\n"
  # shellcheck disable=SC2059
  printf "$fmt" run streams expected received silent announced dups out-ord compl99 same99 other99 verdict
  for run in "$@"; do
    f="$out/$run.json"
    local exp rec silent ann dups ooo
    if [ -n "$(json_get "$f" stream_checks expected)" ]; then
      exp=$(json_get "$f" stream_checks expected) rec=$(json_get "$f" stream_checks received)
      silent=$(json_get "$f" stream_checks silent_missing) ann=$(json_get "$f" stream_checks announced_lost)
      dups=$(json_get "$f" stream_checks duplicates) ooo=$(json_get "$f" stream_checks out_of_order)
    else
      exp=$(json_get "$f" "" deliveries_expected) rec=$(json_get "$f" "" deliveries_received)
      silent=$(json_get "$f" "" loss) ann=- dups=- ooo=-
    fi
    v=$(verdict "$run")
    [ "$v" = ok ] || fail=1
    # shellcheck disable=SC2059
    printf "$fmt" "$run" "$(json_get "$f" "" connected)" "$exp" "$rec" "$silent" "$ann" "$dups" "$ooo" \
      "$(json_ms "$f" broadcast_completion p99_ms)" "$(json_ms "$f" latency_same_node p99_ms)" \
      "$(json_ms "$f" latency_other_node p99_ms)" "$v"
  done
  echo "(compl99: p99 of the broadcasts' completion, publish to last delivery; same99, other99: p99 latency in ms of deliveries by the publishing node and by the others)"
  echo "results in $out"
  return "$fail"
}

# node_rss_kib: the nodes' VmRSS, summed, in KiB.
node_rss_kib() {
  local p sum=0 v
  for p in "${node_pids[@]}"; do
    v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")
    sum=$((sum + v))
  done
  echo "$sum"
}

# wait_listeners N: waits (at most 20 min) until the N listening processes
# wrote their ready files; fails if one ended first.
wait_listeners() {
  local p
  for p in $(seq "$1"); do
    for _ in $(seq 12000); do
      [ -f "$tmp/ready$p" ] && continue 2
      kill -0 "${bench_pids[p - 1]}" 2>/dev/null || break
      sleep 0.1
    done
    echo "cluster.sh: listening process $p did not open its streams, see $out/scale-p$p.txt" >&2
    exit 1
  done
}

# reap_listeners SECONDS: waits that long at most for the listening
# processes to end (their drain is 2 minutes from the first delivery), then
# ends those left, whose results are then missing.
reap_listeners() {
  local p
  for _ in $(seq $(($1 * 10))); do
    for p in "${bench_pids[@]}"; do
      if kill -0 "$p" 2>/dev/null; then sleep 0.1; continue 2; fi
    done
    break
  done
  for p in "${bench_pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  bench_pids=()
}

# run_scale: the scale test (see the top).
run_scale() {
  local streams=${STREAMS:-95000} procs=${PROCS:-5} events=${EVENTS:-1} p per
  per=$(((streams + procs - 1) / procs))
  if [ "$per" -gt 19500 ]; then
    echo "cluster.sh: $per streams per process: at most 19,500 under the open-files limit, raise PROCS" >&2
    exit 2
  fi
  start_cluster "$out/scale"
  local rss0
  rss0=$(node_rss_kib)
  echo "== scale: $nodes nodes, $streams streams over $procs processes, $events broadcast(s)"
  local common=(-q -target ssehub -scenario fanout -url "$urls" -pid "$pids" -events "$events"
    -sources 1 -drain 2m -mergeable)
  for p in $(seq $((procs - 1))); do
    "$tmp/ssebench" "${common[@]}" -listen -ready-file "$tmp/ready$p" -timeout 30m \
      -id-prefix "p$p-" -source-first "$p" -conns "$per" \
      -json "$out/scale-p$p.json" >"$out/scale-p$p.txt" 2>&1 &
    bench_pids+=($!)
  done
  wait_listeners $((procs - 1))
  echo "listeners open: $(cat "$tmp"/ready* | awk '{ s += $1 } END { print s }') streams; the nodes' VmRSS went from $((rss0 / 1024)) MiB to $(($(node_rss_kib) / 1024)) MiB"
  local last=$((streams - per * (procs - 1)))
  "$tmp/ssebench" "${common[@]}" -timeout 10m -id-prefix "p$procs-" -source-first "$procs" -conns "$last" \
    -json "$out/scale-p$procs.json" >"$out/scale-p$procs.txt" 2>&1 || true
  reap_listeners 200
  stop_cluster
  local files=()
  for p in $(seq "$procs"); do files+=("$out/scale-p$p.json"); done
  "$tmp/ssebench" -merge -json "$out/scale.json" "${files[@]}" >"$out/scale.txt" 2>&1 || true
  cat "$out/scale.txt"
  scale_summary "$rss0"
}

# scale_summary RSS0: the scale test's figures from OUTDIR/scale.json;
# RSS0 is the nodes' VmRSS before any stream.
scale_summary() {
  local f="$out/scale.json" n rss v
  n=$(json_get "$f" "" connected)
  if [ -z "$n" ] || [ "$n" = 0 ]; then
    echo "scale: NO RESULT (see $out/scale-p*.txt)"
    echo "results in $out"
    return 1
  fi
  rss=$(json_get "$f" "" server_rss_after_kib)
  echo
  echo "scale: $n streams on $nodes nodes"
  awk -v n="$n" -v rss="$rss" -v rss0="$1" 'BEGIN {
    printf "  memory per stream   %.1f KiB (the nodes'"'"' whole VmRSS, %.0f MiB, over the streams); %.1f KiB of growth (from %.0f MiB)\n",
      rss / n, rss / 1024, (rss - rss0) / n, rss0 / 1024 }'
  echo "  completion          p50 $(json_ms "$f" broadcast_completion p50_ms) ms, p99 $(json_ms "$f" broadcast_completion p99_ms) ms, max $(json_ms "$f" broadcast_completion max_ms) ms per broadcast, publish to last delivery ($(json_get "$f" broadcast_completion events_complete) of $(json_get "$f" broadcast_completion events) reached every stream)"
  echo "  latency             other node p99 $(json_ms "$f" latency_other_node p99_ms) ms, same node p99 $(json_ms "$f" latency_same_node p99_ms) ms"
  echo "  deliveries          $(json_get "$f" "" deliveries_received) of $(json_get "$f" "" deliveries_expected), loss $(json_get "$f" "" loss)"
  echo "results in $out"
  v=$(json_get "$f" "" loss)
  [ "$v" = 0 ] && [ "$n" = "$(json_get "$f" "" conns)" ]
}

if [ "$scale" = 1 ]; then
  run_scale
  exit $?
fi
runs="storm-broadcast storm-targeted fanout latency"
for run in $runs; do run_one "$run"; done
# shellcheck disable=SC2086
summary $runs

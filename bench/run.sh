#!/usr/bin/env bash
# make bench: hrwatchd against the limit (bench/limit.c) on the same
# workload, side by side, each figure the median of several runs; then
# alert latency, memory, store size, query latency and instructions per
# event. Prints one table. "smoke" runs everything tiny, to check it works.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
mode=${2:-full}
work="$build/bench-work"
bin="$build"
driver="$build/bench/hrwatch-bench-driver"
limit="$build/bench/hrwatch-bench-limit"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

if [ "$mode" = smoke ]; then
  BIG=2000 SMALL=500 YEARS=1 SLICE=3000 SLICE1=500 CMP=500 RUNS=1 CALL=(300 800)
else
  BIG=1000000 SMALL=10000 YEARS=1 SLICE=200000 SLICE1=20000 CMP=20000 RUNS=3 CALL=(2000 7000)
fi
ports=$(( 20000 + RANDOM % 20000 ))
ingest="tcp://127.0.0.1:$ports" control="tcp://127.0.0.1:$((ports + 1))"
alerts="tcp://127.0.0.1:$((ports + 2))" lim="tcp://127.0.0.1:$((ports + 3))"
say() { printf '%s\n' "$*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

config() {   # config DIR: a daemon config with its store in DIR
  cat >"$1.conf" <<CONF
[store]
path = $1
map_size_mb = 1024
[ingest]
endpoint = $ingest
push_endpoint =
[control]
endpoint = $control
[alerts]
endpoint = $alerts
[metrics]
listen =
CONF
}

daemon_pid=
start_daemon() {   # start_daemon DIR [wrapper...]
  local dir=$1; shift
  config "$dir"
  "$@" "$bin/hrwatchd" --foreground --replay --config "$dir.conf" 2>>"$work/hrwatchd.log" &
  daemon_pid=$!
  for _ in $(seq 600); do
    "$bin/hrwatch" status --endpoint "$control" --timeout 0.2 >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  say "hrwatchd did not start"; exit 1
}
stop_daemon() { kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; }

limit_pid=
start_limit() { "$limit" -e "$lim" "$1" >"$work/limit.out" 2>&1 & limit_pid=$!; sleep 0.3; }
stop_limit() { kill "$limit_pid"; wait "$limit_pid" 2>/dev/null || true; }

# --- Workloads: a history to load, then a later slice to measure ---------
say "generating: $BIG employees, $YEARS year(s) (and $SMALL for the size comparison)"
"$bin/hrwatch-gen" --employees "$BIG" --years "$YEARS" --seed 42 --out all.jsonl
total=$(wc -l <all.jsonl)
load=$(( total - SLICE - SLICE ))
sed -n "1,${load}p" all.jsonl >load.jsonl
sed -n "$(( load + 1 )),$(( load + SLICE ))p" all.jsonl >slice.jsonl
# The latency slice, with one critical position defined with no successor
# every 50 events: each opens a succession gap on that event, so every
# slice has alerts to time whatever the history holds at that point.
sed -n "$(( load + SLICE + 1 )),\$p" all.jsonl | awk '
  { print }
  NR % 50 == 0 && match ($0, /"occurredAt":"[^"]*"/) {
    printf "{\"eventId\":\"bench-gap-%d\",%s,\"source\":\"bench\",\"positionDefined\":" \
           "{\"positionId\":\"BENCH-P-%d\",\"unitId\":\"bench\",\"critical\":true}}\n",
           NR, substr ($0, RSTART, RLENGTH), NR
  }' >latency.jsonl
"$bin/hrwatch-gen" --employees "$SMALL" --years "$YEARS" --seed 42 --out small-all.jsonl
stotal=$(wc -l <small-all.jsonl)
sed -n "1,$(( stotal - CMP ))p" small-all.jsonl >small-load.jsonl
tail -n "$CMP" small-all.jsonl >small-slice.jsonl
sed -n "1,${CMP}p" slice.jsonl >big-slice.jsonl
# Encoded once: loading then costs no JSON parsing.
"$driver" -b 1000 -o load.frames load.jsonl
"$driver" -b 1000 -o small-load.frames small-load.jsonl
say "workload: $load events to load, slices of $SLICE"

# --- Loaded stores, copied fresh for every run ---------------------------
say "loading hrwatchd's store (sampling its memory)"
start_daemon "$work/base"
peak=0
( while kill -0 "$daemon_pid" 2>/dev/null; do
    awk '/RssAnon/ { print $2 }' "/proc/$daemon_pid/status" 2>/dev/null; sleep 0.2
  done ) >rss.txt &
sampler=$!
"$driver" -e "$ingest" -w 8 load.frames >/dev/null
"$bin/hrwatch" status --json --endpoint "$control" >base-status.json
stop_daemon
wait "$sampler" 2>/dev/null || true
peak=$(sort -n rss.txt | tail -n 1)
start_daemon "$work/small"
"$driver" -e "$ingest" -w 8 small-load.frames >/dev/null
stop_daemon
say "loading the limit's store"
mkdir -p limit-base
start_limit "$work/limit-base"
"$driver" -e "$lim" -w 8 load.frames >/dev/null
stop_limit

fresh() { rm -rf "$work/$2"; mkdir -p "$work/$2"; cp "$work/$1/data.mdb" "$work/$2/"; }

run_daemon() {   # run_daemon STORE SLICE BATCH -> events/s
  fresh "$1" run
  start_daemon "$work/run"
  "$driver" -e "$ingest" -b "$3" -w 64 "$2" | awk '{ print $3 }'
  stop_daemon
}
run_limit() {
  fresh limit-base run-limit
  start_limit "$work/run-limit"
  "$driver" -e "$lim" -b "$2" -w 64 "$1" | awk '{ print $3 }'
  stop_limit
}

declare -A hr li
for b in 1000 100 1; do
  s=slice.jsonl
  [ "$b" = 1 ] && { sed -n "1,${SLICE1}p" slice.jsonl >slice1.jsonl; s=slice1.jsonl; }
  say "batch $b: $RUNS runs each"
  hr[$b]=$(for _ in $(seq "$RUNS"); do run_daemon base "$s" "$b"; done | median)
  li[$b]=$(for _ in $(seq "$RUNS"); do run_limit "$s" "$b"; done | median)
done
small=$(for _ in $(seq "$RUNS"); do run_daemon small small-slice.jsonl 1000; done | median)
big=$(for _ in $(seq "$RUNS"); do run_daemon base big-slice.jsonl 1000; done | median)

# --- Alert latency at a steady 10% of the peak rate ----------------------
rate=$(awk -v r="${hr[1000]}" 'BEGIN { x = r / 10 / 10; print (x < 1? 1: x) }')
say "alert latency: batches of 10 events at $rate batches/s"
fresh base run
start_daemon "$work/run"
lat=$("$driver" -e "$ingest" -a "$alerts" -b 10 -r "$rate" -n $(( SLICE < 20000? SLICE: 20000 )) \
      latency.jsonl)
# --- Queries on the big store ---------------------------------------------
qtime() {   # median milliseconds of a command, 5 runs
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
  done | median | awk '{ printf "%.1f", $1 / 1000 }'
}
unit_ms=$(qtime "$bin/hrwatch" unit acme --endpoint "$control")
alerts_ms=$(qtime "$bin/hrwatch" alerts --endpoint "$control")
used=$("$bin/hrwatch" status --json --endpoint "$control" \
       | sed -n 's/.*"mapUsedBytes":"\([0-9]*\)".*/\1/p')
emps=$(sed -n 's/.*"employeesActive":"\([0-9]*\)".*"employeesExited":"\([0-9]*\)".*/\1 \2/p' \
       base-status.json | awk '{ print $1 + $2 }')
stop_daemon

# --- Instructions per event (callgrind: same count on a noisy machine) ----
ir() {   # ir N: instructions hrwatchd spends on the first N slice events
  fresh small run
  sed -n "1,${1}p" small-slice.jsonl >ir.jsonl
  start_daemon "$work/run" valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1"
  "$driver" -e "$ingest" -b 100 -w 8 ir.jsonl >/dev/null
  stop_daemon
  callgrind_annotate "$work/cg.$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
if [ -n "${HRW_BENCH_NO_CALLGRIND:-}" ]; then
  ipe="not measured (sanitized build)"
else
  ir1=$(ir "${CALL[0]}")
  ir2=$(ir "${CALL[1]}")
  ipe=$(awk -v a="$ir1" -v b="$ir2" -v n=$(( CALL[1] - CALL[0] )) 'BEGIN { printf "%.0f", (b - a) / n }')
fi

# --- The table -------------------------------------------------------------
{
  echo "| figure | hrwatchd | limit | ratio |"
  echo "|---|---:|---:|---:|"
  for b in 1000 100 1; do
    awk -v b="$b" -v h="${hr[$b]}" -v l="${li[$b]}" \
      'BEGIN { printf "| events/s, batches of %s | %.0f | %.0f | %.0f%% |\n", b, h, l, 100 * h / l }'
  done
  awk -v s="$small" -v h="$big" -v n="$SMALL" -v N="$BIG" -v c="$CMP" \
    'BEGIN { printf "| events/s at %d employees vs %d (%d events, batches of 1000) | %.0f vs %.0f | | %.0f%% |\n", N, n, c, h, s, 100 * h / s }'
  echo "$lat" | awk '{ printf "| alert latency p50 / p99 (%d alerts, 10%% of peak) | %.2f / %.2f ms | | |\n", $1, $2, $3 }'
  awk -v k="$peak" 'BEGIN { printf "| peak memory apart from the LMDB map (RssAnon) | %.1f MiB | | |\n", k / 1024 }'
  awk -v u="$used" -v e="$emps" 'BEGIN { printf "| store size per employee | %.0f bytes (%.0f MiB for %d) | | |\n", u / e, u / 1048576, e }'
  echo "| hrwatch unit acme / hrwatch alerts | $unit_ms / $alerts_ms ms | | |"
  echo "| instructions per event (callgrind) | $ipe | | |"
} | tee results.md

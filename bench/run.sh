#!/usr/bin/env bash
# make bench: hrwatchd against the limit (bench/limit.c) on the same
# workload, then alert latency, memory, store size, query latency,
# instructions per event, the disk's fsync cost and a backfill through
# `hrwatch publish`. Prints one table (also in BUILD/bench-work/results.md).
#
# The disk's fsync time drifts by minutes, and by 2x from one minute to the
# next when others share the machine, so a figure is never one side's runs
# against the other's: the two run in pairs, A B then B A, each run from a
# fresh, flushed copy of the loaded store, and a ratio is the median of the
# per-pair ratios with its min-max. The fsync probe runs before every figure
# so its drift is reported beside them.
# "smoke" runs everything tiny, to check it works (make test runs it).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
mode=${2:-full}
work="$build/bench-work"
bin="$build"
driver="$build/bench/hrwatch-bench-driver"
limit="$build/bench/hrwatch-bench-limit"
probe="$build/bench/hrwatch-bench-fsync"
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"

# BIG: the 1M store (1M vs 10k, callgrind, memory, size, queries).
# MID: the store the throughput pairs copy fresh per run; a 1M store is
#   2.3 GiB, too long to copy 60 times. SLICE events measured per run at
#   batches of 1000 and 100, SLICE1 at batches of 1. CMP: events per
#   1M-vs-10k run. LAT_N: events per latency run. BACKFILL: the prefix
#   timed through hrwatch publish.
if [ "$mode" = smoke ]; then
  BIG=2000 SMALL=500 MID=1000 SLICE=300 SLICE1=100 CMP=200 PAIRS=2 CALL=(100 300)
  LAT_N=300 BACKFILL=5000 PROBE=(-n 20 -t 0.1 -m 8)
else
  BIG=1000000 SMALL=10000 MID=100000 SLICE=20000 SLICE1=2000 CMP=5000 PAIRS=5 CALL=(1000 4000)
  LAT_N=4000 BACKFILL=2000000 PROBE=(-n 100 -t 0.5 -m 64)
fi
YEARS=1
ports=$(( 20000 + RANDOM % 20000 ))
ingest="tcp://127.0.0.1:$ports" control="tcp://127.0.0.1:$((ports + 1))"
alerts="tcp://127.0.0.1:$((ports + 2))" lim="tcp://127.0.0.1:$((ports + 3))"
say() { printf '%s\n' "$*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
stats() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }'; }
t_start=$(date +%s)
t_last=$t_start
phase() {   # phase NAME: the seconds since the last phase go to NAME
  local t; t=$(date +%s)
  echo "$1 $(( t - t_last ))" >>phases.txt
  t_last=$t
}

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
start_limit() {   # start_limit DIR [limit options...]
  local dir=$1; shift
  "$limit" "$@" -e "$lim" "$dir" >"$work/limit.out" 2>&1 & limit_pid=$!
  for _ in $(seq 100); do grep -q ready "$work/limit.out" 2>/dev/null && return 0; sleep 0.05; done
  say "the limit did not start"; exit 1
}
stop_limit() { kill "$limit_pid"; wait "$limit_pid" 2>/dev/null || true; }

fsync_probe() { "$probe" "${PROBE[@]}" "$work" >>fsync.txt; }

# --- Workloads: a history to load, then later slices to measure ----------
# Measured slices hold employee events only (hires, exits, transfers,
# promotions, mentoring, nominations): the end of a generated year is
# mostly survey responses (all of the last 50,000 events of the 100k
# history), a different and cheaper workload; a slice of those said little,
# and the 1M and 10k tails held different mixes. Survey responses after the
# split are dropped, never loaded: nothing refers to them.
# history NAME EMPLOYEES N [gen options]: NAME-load.frames (the history up
# to its last N employee events), NAME-tail.jsonl (those N events) and
# NAME-surveys.jsonl (the survey responses after the split, for the rows
# that measure those apart).
history() {
  local name=$1 emps=$2 n=$3; shift 3
  "$bin/hrwatch-gen" --employees "$emps" --years "$YEARS" --seed 42 "$@" --out "$name-all.jsonl"
  local m at
  m=$(grep -vc '"surveyResponse"' "$name-all.jsonl")
  at=$(awk -v k=$(( m - n + 1 )) '!/"surveyResponse"/ && ++c == k { print NR; exit }' "$name-all.jsonl")
  head -n $(( at - 1 )) "$name-all.jsonl" >"$name-load.jsonl"
  tail -n "+$at" "$name-all.jsonl" | grep -v '"surveyResponse"' >"$name-tail.jsonl" || true
  tail -n "+$at" "$name-all.jsonl" | grep '"surveyResponse"' >"$name-surveys.jsonl" || true
  rm "$name-all.jsonl"
  "$driver" -b 1000 -o "$name-load.frames" "$name-load.jsonl"
}
# The latency slice, with one critical position defined with no successor
# every 50 events: each opens a succession gap on that event, so every
# slice has alerts to time whatever the history holds at that point.
gaps() {
  awk '
  { print }
  NR % 50 == 0 && match ($0, /"occurredAt":"[^"]*"/) {
    printf "{\"eventId\":\"bench-gap-%d\",%s,\"source\":\"bench\",\"positionDefined\":" \
           "{\"positionId\":\"BENCH-P-%d\",\"unitId\":\"bench\",\"critical\":true}}\n",
           NR, substr ($0, RSTART, RLENGTH), NR
  }'
}
# --uuid-ids gives the same history but for its ids: each id an RFC 4122
# version-4 UUID, none twice, and every voided id one the history holds.
check_uuid_ids() {
  local g=(--employees 480 --units 12 --years 1 --seed 3 --quiet --rescinds)
  "$bin/hrwatch-gen" "${g[@]}" --out ids-seq.jsonl
  "$bin/hrwatch-gen" "${g[@]}" --uuid-ids --out ids-uuid.jsonl
  local strip='s/"\(eventId\|voidedEventId\)":"[^"]*"//g'
  cmp -s <(sed "$strip" ids-seq.jsonl) <(sed "$strip" ids-uuid.jsonl) \
    || { say "--uuid-ids changed more than the ids"; exit 1; }
  grep -o '"eventId":"[^"]*"' ids-uuid.jsonl | cut -d'"' -f4 >ids.txt
  if grep -vqE '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' ids.txt \
     || [ -n "$(sort ids.txt | uniq -d)" ] \
     || grep -o '"voidedEventId":"[^"]*"' ids-uuid.jsonl | cut -d'"' -f4 | grep -vqxFf ids.txt; then
    say "--uuid-ids: an id is not a UUIDv4, is repeated, or a void names an unknown id"; exit 1
  fi
  [ "$(grep -c voidedEventId ids-uuid.jsonl)" -gt 0 ] || { say "no voids to check"; exit 1; }
  rm -f ids-seq.jsonl ids-uuid.jsonl ids.txt
}
check_uuid_ids
say "generating: $MID employees (sequential and UUIDv4 ids), $BIG and $SMALL"
history mid "$MID" $(( SLICE + LAT_N ))
history midu "$MID" $(( SLICE + LAT_N )) --uuid-ids
for s in mid midu; do
  head -n "$SLICE" "$s-tail.jsonl" >"$s-slice.jsonl"
  head -n "$SLICE1" "$s-tail.jsonl" >"$s-slice1.jsonl"
  head -n "$SLICE" "$s-surveys.jsonl" >"$s-survey.jsonl"
done
tail -n "$LAT_N" mid-tail.jsonl | gaps >latency.jsonl
# On the 1M store the 1M-vs-10k runs and callgrind apply consecutive
# slices in place (a 2.3 GiB copy per run would take longer than the run);
# the 10k store is small enough to copy fresh, and its history too short
# to give five slices: each of its runs measures the same CMP events.
history big "$BIG" $(( PAIRS * CMP + CALL[0] + CALL[1] ))
history small "$SMALL" $(( CMP > CALL[1]? CMP: CALL[1] ))
head -n "$CMP" small-tail.jsonl >small-slice.jsonl
rm -f ./*-load.jsonl
phase generate
say "workload: $(( $(wc -c <big-load.frames) / 1048576 )) MiB of frames to load at $BIG employees"

# --- Loaded stores ---------------------------------------------------------
load_daemon() {   # load_daemon NAME: NAME-load.frames into the store NAME
  start_daemon "$work/$1"
  "$driver" -e "$ingest" -w 8 "$1-load.frames" >/dev/null
  stop_daemon
}
# load_limit NAME [-p]: NAME-load.frames into the limit's store limit-NAME
# (limit-NAME-p with a record per person). No fsync: the limit is not
# measured while it loads.
load_limit() {
  local to="limit-$1" opts=(-n)
  if [ "${2:-}" = -p ]; then to+="-p"; opts+=(-p); fi
  mkdir -p "$work/$to"
  start_limit "$work/$to" "${opts[@]}"
  "$driver" -e "$lim" -w 8 "$1-load.frames" >/dev/null
  stop_limit
  sync "$work/$to/data.mdb"
}
say "loading the $BIG-employee store through hrwatchd (sampling its memory)"
start_daemon "$work/big"
( while kill -0 "$daemon_pid" 2>/dev/null; do
    awk '/RssAnon/ { print $2 }' "/proc/$daemon_pid/status" 2>/dev/null; sleep 0.2
  done ) >rss.txt &
sampler=$!
t0=$(date +%s%N)
"$driver" -e "$ingest" -w 8 big-load.frames >big-load.out
t1=$(date +%s%N)
"$bin/hrwatch" status --json --endpoint "$control" >big-status.json
stop_daemon
wait "$sampler" 2>/dev/null || true
peak=$(sort -n rss.txt | tail -n 1)
load_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) / 1e9 }')
phase load-big
say "loading the other stores"
for s in small mid midu; do load_daemon "$s"; done
for s in mid midu; do load_limit "$s"; done
load_limit mid -p
rm -f ./*-load.frames
phase load-others

# --- Throughput pairs ------------------------------------------------------
# fresh FROM TO: a copy of a loaded store, flushed before the clock starts
# (else the first fsync of the measured run would write it back).
fresh() {
  rm -rf "$work/$2"; mkdir -p "$work/$2"
  cp "$work/$1/data.mdb" "$work/$2/"
  sync "$work/$2/data.mdb"
}
run_daemon() {   # run_daemon STORE SLICE BATCH -> events/s
  fresh "$1" run
  start_daemon "$work/run"
  "$driver" -e "$ingest" -b "$3" -w 64 "$2" | awk '{ print $3 }'
  stop_daemon
}
run_limit() {    # run_limit STORE SLICE BATCH [limit options...] -> events/s, from limit-STORE
  local store=$1 slice=$2 batch=$3; shift 3
  fresh "limit-$store" run-limit
  start_limit "$work/run-limit" "$@"
  "$driver" -e "$lim" -b "$batch" -w 64 "$slice" | awk '{ print $3 }'
  stop_limit
}
# pairs FIGURE A-COMMAND B-COMMAND: PAIRS pairs into pairs-FIGURE.txt, one
# "a b" line each; the first of each pair alternates, so a drift within a
# pair favours neither side.
pairs() {
  local fig=$1 a=$2 b=$3 x y
  fsync_probe
  for i in $(seq "$PAIRS"); do
    if [ $(( i % 2 )) = 1 ]; then x=$(eval "$a"); y=$(eval "$b")
    else y=$(eval "$b"); x=$(eval "$a"); fi
    echo "$x $y" >>"pairs-$fig.txt"
  done
}
for ids in seq uuid; do
  s=mid; [ "$ids" = uuid ] && s=midu
  for b in 1000 100 1; do
    f=$s-slice.jsonl; [ "$b" = 1 ] && f=$s-slice1.jsonl
    say "$ids ids, batches of $b: $PAIRS pairs"
    pairs "$ids-$b" "run_daemon $s $f $b" "run_limit $s $f $b"
    phase "pairs-$ids-b$b"
  done
  # Survey responses: one day's worth, no day rollover, few keys per event.
  say "$ids ids, survey responses, batches of 1000: $PAIRS pairs"
  pairs "$ids-survey" "run_daemon $s $s-survey.jsonl 1000" "run_limit $s $s-survey.jsonl 1000"
  phase "pairs-$ids-survey"
done
# The floor a store keyed by employee sets: the limit also rewriting a
# record per person event and committing every 1000 events, as hrwatchd
# does to bound its memory (docs/performance.md, "The floor").
say "sequential ids, batches of 1000, against the per-employee floor: $PAIRS pairs"
pairs floor "run_daemon mid mid-slice.jsonl 1000" "run_limit mid-p mid-slice.jsonl 1000 -p -c 1000"
phase pairs-floor

# --- 1M vs 10k, in place: consecutive slices of each history --------------
run_big() {   # run_big FIRST N: events/s on N events of the 1M tail from FIRST
  sed -n "$1,$(( $1 + $2 - 1 ))p" big-tail.jsonl >inplace.jsonl
  start_daemon "$work/big"
  "$driver" -e "$ingest" -b 1000 -w 64 inplace.jsonl | awk '{ print $3 }'
  stop_daemon
}
say "$BIG vs $SMALL employees: $PAIRS pairs"
fsync_probe
for i in $(seq "$PAIRS"); do
  first=$(( (i - 1) * CMP + 1 ))
  if [ $(( i % 2 )) = 1 ]; then x=$(run_big $first $CMP); y=$(run_daemon small small-slice.jsonl 1000)
  else y=$(run_daemon small small-slice.jsonl 1000); x=$(run_big $first $CMP); fi
  echo "$x $y" >>pairs-size.txt
done
phase pairs-1M-vs-10k

# --- Queries, store size (the 1M store) -----------------------------------
qtime() {   # median milliseconds of a command, 5 runs
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
  done | median | awk '{ printf "%.1f", $1 / 1000 }'
}
start_daemon "$work/big"
unit_ms=$(qtime "$bin/hrwatch" unit acme --endpoint "$control")
alerts_ms=$(qtime "$bin/hrwatch" alerts --endpoint "$control")
stop_daemon
used=$(sed -n 's/.*"mapUsedBytes":"\([0-9]*\)".*/\1/p' big-status.json)
emps=$(sed -n 's/.*"employeesActive":"\([0-9]*\)".*"employeesExited":"\([0-9]*\)".*/\1 \2/p' \
       big-status.json | awk '{ print $1 + $2 }')
phase queries

# --- Alert latency at a steady 10% of the peak rate, 5 runs ----------------
# The peak is hrwatchd's rate on the latency workload itself (batches of
# 1000, just before): 10% of a faster workload's peak would be past this
# one's capacity, and the figure would time a queue.
peak_lat=$(run_daemon mid latency.jsonl 1000)
rate=$(awk -v r="$peak_lat" 'BEGIN { x = r / 10 / 10; print (x < 1? 1: x) }')
say "alert latency: batches of 10 events at $rate batches/s, 5 runs"
fsync_probe
for _ in 1 2 3 4 5; do
  fresh mid run
  start_daemon "$work/run"
  "$driver" -e "$ingest" -a "$alerts" -b 10 -r "$rate" -n "$LAT_N" latency.jsonl >>latency.txt
  stop_daemon
done
phase latency

# --- Instructions per event (callgrind: same count on a noisy machine) ----
# ir STORE FIRST N: instructions hrwatchd spends on N events of the store's
# tail from FIRST, in place. Two runs of different lengths: their
# difference is per event, start and stop cancelling out.
ir() {
  local dir=$1
  sed -n "$2,$(( $2 + $3 - 1 ))p" "$1-tail.jsonl" >ir.jsonl
  [ "$1" = small ] && { fresh small run; dir=run; }
  start_daemon "$work/$dir" valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1.$3"
  "$driver" -e "$ingest" -b 100 -w 8 ir.jsonl >/dev/null
  stop_daemon
  callgrind_annotate "$work/cg.$1.$3" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
ipe() {   # ipe STORE: the 10k store from fresh copies, the 1M one in place
  local from=$(( PAIRS * CMP + 1 )) a b
  [ "$1" = small ] && from=1
  a=$(ir "$1" "$from" "${CALL[0]}")
  [ "$1" = small ] || from=$(( from + CALL[0] ))
  b=$(ir "$1" "$from" "${CALL[1]}")
  awk -v a="$a" -v b="$b" -v n=$(( CALL[1] - CALL[0] )) 'BEGIN { printf "%.0f", (b - a) / n }'
}
if [ -n "${HRW_BENCH_NO_CALLGRIND:-}" ]; then
  ipe_small="not measured (sanitized build)" ipe_big=$ipe_small
else
  say "callgrind on the $SMALL and $BIG stores"
  ipe_small=$(ipe small)
  ipe_big=$(ipe big)
fi
phase callgrind

# --- Backfill through the front door (a prefix; make bench-backfill: all) --
say "backfill: the first $BACKFILL events of a 10-year, $BIG-employee history through hrwatch publish"
rm -rf "$work/big" "$work/small" "$work/mid" "$work/midu" "$work"/limit-* "$work"/run*
fsync_probe
read -r bf_n bf_gen bf_pub bf_rate < <("$here/backfill.sh" "$build" "$work" "$BIG" 10 "$BACKFILL")
rm -f "$work/backfill.jsonl"
phase backfill
fsync_probe

# --- The table -------------------------------------------------------------
# row LABEL FILE: median of the per-pair ratios a/b [min-max], and each
# side's median events/s.
row() {
  awk -v label="$1" '
    { a[NR] = $1; b[NR] = $2; r[NR] = 100 * $1 / $2 }
    function med (v, n,   i, j, t, w) {
      for (i = 1; i <= n; i++) w[i] = v[i]
      for (i = 2; i <= n; i++) for (j = i; j > 1 && w[j - 1] > w[j]; j--) {
        t = w[j]; w[j] = w[j - 1]; w[j - 1] = t }
      return w[int ((n + 1) / 2)]
    }
    END {
      lo = hi = r[1]
      for (i = 2; i <= NR; i++) { if (r[i] < lo) lo = r[i]; if (r[i] > hi) hi = r[i] }
      printf "| %s | %.0f | %.0f | **%.0f%%** [%.0f-%.0f] |\n", label, med(a, NR), med(b, NR), med(r, NR), lo, hi
    }' "$2"
}
{
  echo "| figure ($PAIRS pairs each) | hrwatchd events/s | limit events/s | ratio: median of pairs [min-max] |"
  echo "|---|---:|---:|---:|"
  for ids in seq uuid; do
    n=sequential; [ "$ids" = uuid ] && n="UUIDv4"
    for b in 1000 100 1; do
      e=$SLICE; [ "$b" = 1 ] && e=$SLICE1
      row "$n ids, batches of $b ($e employee events, $MID-employee store)" "pairs-$ids-$b.txt"
    done
    row "$n ids, survey responses, batches of 1000 ($(wc -l <mid-survey.jsonl) events)" "pairs-$ids-survey.txt"
  done
  row "sequential ids, batches of 1000, against the per-employee floor (the limit with a record per person event, a commit every 1000 events)" pairs-floor.txt
  row "$BIG vs $SMALL employees, hrwatchd ($CMP employee events, batches of 1000; the columns: $BIG and $SMALL)" pairs-size.txt
  read -r p50 p50lo p50hi < <(awk '{ print $2 }' latency.txt | stats)
  read -r p99 p99lo p99hi < <(awk '{ print $3 }' latency.txt | stats)
  printf '| alert latency p50 / p99 (%d alerts a run, 5 runs, batches of 10 at 10%% of its peak of %.0f events/s; median [min-max]) | %.2f [%.2f-%.2f] / **%.2f** [%.2f-%.2f] ms | | |\n' \
    "$(head -n 1 latency.txt | awk '{ print $1 }')" "$peak_lat" "$p50" "$p50lo" "$p50hi" "$p99" "$p99lo" "$p99hi"
  read -r f50 f50lo f50hi < <(awk '{ print $1 }' fsync.txt | stats)
  read -r f99 f99lo f99hi < <(awk '{ print $2 }' fsync.txt | stats)
  read -r fpg fpglo fpghi < <(awk '{ print $3 }' fsync.txt | stats)
  printf '| disk: 4 KiB write + fdatasync p50 / p99 (%d probes, one before each figure; median [min-max]) | %.2f [%.2f-%.2f] / %.2f [%.2f-%.2f] ms | | |\n' \
    "$(wc -l <fsync.txt)" "$f50" "$f50lo" "$f50hi" "$f99" "$f99lo" "$f99hi"
  printf '| disk: random 4 KiB pages written and synced per second, 256 per fdatasync | %.0f [%.0f-%.0f] | | |\n' \
    "$fpg" "$fpglo" "$fpghi"
  awk -v k="$peak" -v s="$load_secs" -v n="$BIG" \
    'BEGIN { printf "| peak RssAnon while loading the %d-employee store (%s s) | %.1f MiB | | |\n", n, s, k / 1024 }'
  awk -v u="$used" -v e="$emps" 'BEGIN { printf "| store size per employee | %.0f bytes (%.0f MiB for %d) | | |\n", u / e, u / 1048576, e }'
  echo "| hrwatch unit acme / hrwatch alerts on the $BIG store | $unit_ms / $alerts_ms ms | | |"
  echo "| instructions per event (callgrind, batches of 100): $SMALL / $BIG store | $ipe_small / $ipe_big | | |"
  echo "| backfill: first $bf_n events of 10 years x $BIG employees via hrwatch publish | $bf_rate events/s ($bf_pub s; generating it took $bf_gen s) | | |"
  echo
  printf 'make bench took %d s:' $(( $(date +%s) - t_start ))
  awk '{ printf " %s %d s,", $1, $2 }' phases.txt | sed 's/,$/./'
  echo
} | tee results.md

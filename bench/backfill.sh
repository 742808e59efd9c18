#!/usr/bin/env bash
# Backfill through the front door: hrwatch-gen writes a company history as
# JSON lines, then `hrwatch publish` (the CLI, its default batch and window)
# sends it to a fresh hrwatchd, durable commits and the whole path as in
# production (--replay: alerts fire as the history unfolds).
#   bench/backfill.sh BUILD WORK EMPLOYEES YEARS [EVENTS]
# EVENTS bounds the history to its first EVENTS events (make bench times a
# prefix; make bench-backfill the whole history). Prints
# "events gen_seconds publish_seconds publish_events_per_second".
# Generation is timed apart: it is not the daemon's cost, and if it
# dominates the wall time that is worth knowing.
set -euo pipefail
build=$(cd "$1" && pwd)
work=$2 employees=$3 years=$4 events=${5:-}
mkdir -p "$work"
work=$(cd "$work" && pwd)
port=$(( 40000 + RANDOM % 20000 ))
now() { date +%s%N; }

rm -rf "$work/backfill" "$work/backfill.jsonl"
# The history ends about now: hrwatchd refuses an event dated more than
# [ingest] max_future_days (366) ahead, and a 10-year history from a fixed
# start would run years into the future (half of it refused). Its hires
# begin a month before the start; it ends 40 days ago.
start=$(date -u -d "-$years years -40 days" +%F)
t0=$(now)
"$build/hrwatch-gen" --employees "$employees" --years "$years" --seed 7 --start "$start" \
  ${events:+--events "$events"} --out "$work/backfill.jsonl"
t1=$(now)
# A flushed input file: the publish run should not pay for writing it back.
sync "$work/backfill.jsonl"

cat >"$work/backfill.conf" <<CONF
[store]
path = $work/backfill
map_size_mb = 1024
[ingest]
endpoint = tcp://127.0.0.1:$port
push_endpoint =
[control]
endpoint = tcp://127.0.0.1:$((port + 1))
[alerts]
endpoint = tcp://127.0.0.1:$((port + 2))
[metrics]
listen =
CONF
"$build/hrwatchd" --foreground --replay --config "$work/backfill.conf" 2>>"$work/backfill.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  "$build/hrwatch" status --endpoint "tcp://127.0.0.1:$((port + 1))" --timeout 0.2 \
    >/dev/null 2>&1 && break
  sleep 0.1
done
t2=$(now)
"$build/hrwatch" publish "$work/backfill.jsonl" --endpoint "tcp://127.0.0.1:$port" \
  --quiet --json >"$work/backfill-summary.json"
t3=$(now)
n=$(sed -n 's/.*"accepted": *\([0-9]*\).*/\1/p' "$work/backfill-summary.json")
# Every event must be taken: a refusal means the history, not the daemon,
# is what was measured.
rejected=$(sed -n 's/.*"rejected": *\([0-9]*\).*/\1/p' "$work/backfill-summary.json")
[ "${rejected:-1}" = 0 ] || { echo "backfill: $rejected events rejected" >&2; exit 1; }
awk -v n="$n" -v g=$(( t1 - t0 )) -v p=$(( t3 - t2 )) \
  'BEGIN { printf "%d %.1f %.1f %.0f\n", n, g / 1e9, p / 1e9, n / (p / 1e9) }'

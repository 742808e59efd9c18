#!/usr/bin/env bash
# The demo: start hrwatchd, replay a synthetic company history into it and
# watch alerts fire and resolve as the history unfolds, then show the state
# and the alerts still firing, and stop the daemon.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
work="$build/demo"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

echo "== starting hrwatchd --replay (default settings; state in $work/hrwatch-state)"
echo "   --replay: the clock follows event time alone, as for any backfill of history"
"$build/hrwatchd" --foreground --replay 2>"$work/hrwatchd.log" &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  "$build/hrwatch" status --timeout 0.2 >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/hrwatchd.log"; exit 1; }
  sleep 0.1
done

echo "== generating 3 years of history for a company of 3,000 people in 40 units"
echo "   (steady exit rates and team moods, with a turnover spike, a slow rise,"
echo "   engagement drops and succession gaps injected: hrwatch-gen --inject)"
"$build/hrwatch-gen" --inject --employees 3000 --years 3 --seed 7 \
  --out "$work/history.jsonl" --summary "$work/truth.json"
echo "   $(wc -l <"$work/history.jsonl") events; first one:"
head -n 1 "$work/history.jsonl" | sed 's/^/   /'

echo "== subscribing to turnover spikes and succession gaps at division level, then publishing"
"$build/hrwatch" subscribe --text --for 600 turnover_spike/ >"$work/turnover.txt" &
sub1=$!
"$build/hrwatch" subscribe --text --for 600 succession_gap/acme/eng/ >"$work/gaps.txt" &
sub2=$!
sleep 0.3
"$build/hrwatch" publish "$work/history.jsonl"

echo "== publishing the same history again (every event is recognised)"
"$build/hrwatch" publish --quiet "$work/history.jsonl"
sleep 2
kill "$sub1" "$sub2" 2>/dev/null || true
wait "$sub1" "$sub2" 2>/dev/null || true

echo "== turnover spikes as they fired and resolved during the replay (first 10 changes)"
head -n 20 "$work/turnover.txt"
echo "== succession gaps in engineering (first 6 changes of $(( $(wc -l <"$work/gaps.txt") / 2 )))"
head -n 12 "$work/gaps.txt"

echo "== status"
"$build/hrwatch" status

echo "== alerts firing now, by kind"
"$build/hrwatch" alerts --json >"$work/active.jsonl"
sed -n 's/.*"kind":"ALERT_KIND_\([A-Z_]*\)".*/\1/p' "$work/active.jsonl" | sort | uniq -c
echo "== a few of them"
for kind in succession_gap bench_strength turnover_spike turnover_rise engagement_drop; do
  "$build/hrwatch" alerts "$kind/" >"$work/active-$kind.txt"
  grep -q . "$work/active-$kind.txt" && ! grep -q '^no alerts firing' "$work/active-$kind.txt" || continue
  echo "-- $kind"
  head -n 4 "$work/active-$kind.txt"
done

echo "== stopping hrwatchd"
kill -TERM "$daemon"
wait "$daemon"
trap - EXIT
tail -n 2 "$work/hrwatchd.log"

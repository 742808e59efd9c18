#!/usr/bin/env bash
# The demo: start hrwatchd on its default settings, generate a synthetic
# company history, publish it, show the resulting state, stop the daemon.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
work="$build/demo"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

echo "== starting hrwatchd (default settings, state in $work/hrwatch-state)"
"$build/hrwatchd" --foreground 2>"$work/hrwatchd.log" &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  "$build/hrwatch" status --timeout 0.2 >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/hrwatchd.log"; exit 1; }
  sleep 0.1
done

echo "== generating 3 years of history for a company of 3,000 people"
"$build/hrwatch-gen" --employees 3000 --years 3 --seed 7 \
  --out "$work/history.jsonl" --summary "$work/truth.json"
echo "   $(wc -l <"$work/history.jsonl") events; first one:"
head -n 1 "$work/history.jsonl" | sed 's/^/   /'

echo "== publishing"
"$build/hrwatch" publish "$work/history.jsonl"

echo "== publishing the same history again (every event is recognised)"
"$build/hrwatch" publish --quiet "$work/history.jsonl"

echo "== status"
"$build/hrwatch" status

echo "== stopping hrwatchd"
kill -TERM "$daemon"
wait "$daemon"
trap - EXIT
tail -n 3 "$work/hrwatchd.log"

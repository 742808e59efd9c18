#!/usr/bin/env bash
# The demo: start hrwatchd, replay a synthetic company history into it and
# watch alerts fire and resolve as the history unfolds, then show the state
# and a summary of what is still firing, stop the daemon and say how to
# reopen the store it leaves. Nothing is left running, whatever happens.
#
#   tools/demo.sh BUILD          the demo (make demo)
#   tools/demo.sh --run BUILD    hrwatchd in the foreground on the same
#                                settings (make run)
#
# PORT_BASE  every socket moves with it: ingest PORT_BASE, push ingest +1,
#            alerts +2, control +3, metrics +4; empty: the daemon's own
#            defaults (7410 to 7413, metrics 9464)
# STATE      the store's directory; empty: BUILD/demo/hrwatch-state for the
#            demo, BUILD/hrwatch-state for --run. The demo replaces a store
#            it finds there and refuses a directory that holds anything else.
# REPLAY=1   --run starts the daemon with --replay, as the demo does: the
#            clock stays on event time, so the reopened store shows what the
#            demo showed (without it, windows slide to today's date).
# DEMO_EMPLOYEES, DEMO_UNITS, DEMO_YEARS  the company: its people, its org
#            units and the years of history (3000, 40, 3; hrwatch-gen wants
#            at least 40 people a unit)
#
# The daemon reads a config file written into STATE (hrwatchd.conf) with
# the store, the endpoints and the backup directory (STATE-backups); the
# demo's history, the subscribers' output and the log go to STATE-work.
set -euo pipefail
run=0
if [ "${1:-}" = --run ]; then
  run=1
  shift
fi
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
employees=${DEMO_EMPLOYEES:-3000}
units=${DEMO_UNITS:-40}
years=${DEMO_YEARS:-3}
port_base=${PORT_BASE:-}
if [ -n "$port_base" ] && ! [[ "$port_base" =~ ^[0-9]+$ && "$port_base" -ge 1024 \
                              && "$port_base" -le 65531 ]]; then
  echo "demo: PORT_BASE must be a port from 1024 to 65531 (it uses five from there): '$port_base'" >&2
  exit 64
fi
if [ $run = 1 ]; then
  state=${STATE:-$build/hrwatch-state}
else
  state=${STATE:-$build/demo/hrwatch-state}
fi
mkdir -p "$(dirname "$state")"
state=$(cd "$(dirname "$state")" && pwd)/$(basename "$state")

# The endpoints, from PORT_BASE or the daemon's defaults.
if [ -n "$port_base" ]; then
  ingest=tcp://127.0.0.1:$port_base
  push=tcp://127.0.0.1:$((port_base + 1))
  alerts=tcp://127.0.0.1:$((port_base + 2))
  control=tcp://127.0.0.1:$((port_base + 3))
  metrics=127.0.0.1:$((port_base + 4))
else
  ingest=tcp://127.0.0.1:7410 push=tcp://127.0.0.1:7411 alerts=tcp://127.0.0.1:7412
  control=tcp://127.0.0.1:7413 metrics=127.0.0.1:9464
fi
export HRWATCH_INGEST=$ingest HRWATCH_ALERTS=$alerts HRWATCH_CONTROL=$control

# A store already open (hrwatchd holds hrwatchd.lock) is never touched.
s_in_use() {
  [ -e "$state/hrwatchd.lock" ] && ! flock -n "$state/hrwatchd.lock" true
}

s_write_config() {
  mkdir -p "$state"
  cat >"$state/hrwatchd.conf" <<CONF
# Written by tools/demo.sh (make demo, make run) at each start.
[store]
path = $state
[ingest]
endpoint = $ingest
push_endpoint = $push
[control]
endpoint = $control
backup_dir = $state-backups
[alerts]
endpoint = $alerts
[metrics]
listen = $metrics
CONF
}

# The command that starts the daemon on this store again, as the user types it.
s_reopen_command() {
  local cmd="make run STATE=$state"
  [ -n "$port_base" ] && cmd="$cmd PORT_BASE=$port_base"
  echo "$cmd REPLAY=1"
}

if [ $run = 1 ]; then
  if s_in_use; then
    echo "run: $state is open in another hrwatchd" >&2
    exit 1
  fi
  s_write_config
  args=(--foreground --config "$state/hrwatchd.conf")
  [ "${REPLAY:-}" = 1 ] && args+=(--replay)
  echo "hrwatchd ${args[*]}: store $state; ingest $ingest, control $control," \
       "alerts $alerts, metrics http://$metrics/metrics" >&2
  exec "$build/hrwatchd" "${args[@]}"
fi

# --- The demo ---------------------------------------------------------------
# The history, the subscribers' output and the daemon's log, beside the store.
work="$state-work"
if [ -e "$state" ] && [ -n "$(ls -A "$state")" ]; then
  if [ ! -e "$state/hrwatch-store" ]; then
    echo "demo: $state holds something that is not an hrwatch store; choose another STATE" >&2
    exit 1
  fi
  if s_in_use; then
    echo "demo: $state is open in a running hrwatchd; stop it or choose another STATE" >&2
    exit 1
  fi
  rm -rf "$state"
fi
if [ -e "$work" ] && [ ! -e "$work/.hrwatch-demo" ]; then
  echo "demo: $work is not the demo's own; choose another STATE" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work"
touch "$work/.hrwatch-demo"
s_write_config

daemon="" subs=()
s_cleanup() {
  if [ ${#subs[@]} -gt 0 ]; then
    kill "${subs[@]}" 2>/dev/null || true
  fi
  if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
}
trap s_cleanup EXIT
trap 'exit 130' INT TERM HUP

echo "== starting hrwatchd --replay (store in $state)"
echo "   ingest $ingest, control $control, alerts $alerts, metrics http://$metrics/metrics"
echo "   --replay: the clock follows event time alone, as for any backfill of history"
"$build/hrwatchd" --foreground --replay --config "$state/hrwatchd.conf" 2>"$work/hrwatchd.log" &
daemon=$!
for _ in $(seq 100); do
  "$build/hrwatch" status --timeout 0.2 >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/hrwatchd.log"; exit 1; }
  sleep 0.1
done

echo "== generating $years years of history for a company of $employees people in $units units"
echo "   (steady exit rates and team moods, with a turnover spike, a slow rise,"
echo "   engagement drops and succession gaps injected: hrwatch-gen --inject)"
"$build/hrwatch-gen" --inject --employees "$employees" --units "$units" --years "$years" --seed 7 \
  --out "$work/history.jsonl" --summary "$work/truth.json"
echo "   $(wc -l <"$work/history.jsonl") events; first one:"
head -n 1 "$work/history.jsonl" | sed 's/^/   /'

echo "== subscribing to turnover spikes and succession gaps at division level, then publishing"
"$build/hrwatch" subscribe --text --for 600 turnover_spike/ >"$work/turnover.txt" &
subs+=($!)
"$build/hrwatch" subscribe --text --for 600 succession_gap/acme/eng/ >"$work/gaps.txt" &
subs+=($!)
sleep 0.3
"$build/hrwatch" publish "$work/history.jsonl"

echo "== publishing the same history again (every event is recognised)"
"$build/hrwatch" publish --quiet "$work/history.jsonl"
sleep 2
kill "${subs[@]}" 2>/dev/null || true
wait "${subs[@]}" 2>/dev/null || true
subs=()

echo "== turnover spikes as they fired and resolved during the replay (first 10 changes)"
head -n 20 "$work/turnover.txt"
echo "== succession gaps in engineering (first 6 changes of $(( $(wc -l <"$work/gaps.txt") / 2 )))"
head -n 12 "$work/gaps.txt"

echo "== status"
"$build/hrwatch" status

# The endpoint named, so that the commands it suggests name it too.
env -u HRWATCH_CONTROL "$build/hrwatch" summary --top 3 --endpoint "$control" >"$work/summary.txt"

echo "== stopping hrwatchd (the store stays in $state)"
kill -TERM "$daemon"
wait "$daemon"
daemon=""
tail -n 2 "$work/hrwatchd.log"

# Relative to the checkout when the build is in it, as the user types it.
bin=$build
[ "${build#"$root"/}" != "$build" ] && bin=${build#"$root"/}
echo
echo "== summary"
cat "$work/summary.txt"
echo
echo "== to look around yourself: reopen the store (in $root; Ctrl-C stops it)"
echo "   $(s_reopen_command)"
echo "   and in another terminal:"
echo "   $bin/hrwatch summary --endpoint $control"
echo "   (also: alerts, status, unit UNIT, position POS, subscribe --alerts-endpoint $alerts;"
echo "   or export HRWATCH_CONTROL=$control HRWATCH_ALERTS=$alerts HRWATCH_INGEST=$ingest)"

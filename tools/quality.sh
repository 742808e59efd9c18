#!/usr/bin/env bash
# make quality: how well each detector does, measured through the real
# daemon. hrwatch-gen writes realistic companies, quiet ones (nothing
# injected: every alert but the succession facts it derives is a false
# alarm) and ones with scenarios injected, each with its ground truth;
# each history is replayed into its own hrwatchd --replay, the clock is
# advanced to the end, and every alert change is read back from the log
# (hrwatch subscribe --after 0). tools/quality.py matches the changes with
# the truth and prints one table per alert kind (docs/alerts.md, "How we
# measure").
#
#   tools/quality.sh BUILD [full|small]
#
# full: QUALITY_QUIET and QUALITY_INJECT seeds (default 100 each) of a
# QUALITY_EMPLOYEES-person (5000), QUALITY_UNITS-unit (40) company over
# QUALITY_YEARS (3) years; the table goes to stdout and BUILD/quality.md.
# small: a few seeds of a small company, with the checks the detectors
# must pass (tools/quality.py --check); for make test. QUALITY_ALERTS adds
# lines to the daemons' [alerts] section (thresholds to try, one a line).
# QUALITY_GEN: hrwatch-gen's options for every company (default
# "--rescinds --scheduled": some exits voided after, some recorded ahead;
# empty for the histories without either).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
mode=${2:-full}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$mode" = small ]; then
  quiet=${QUALITY_QUIET:-3} inject=${QUALITY_INJECT:-4} employees=${QUALITY_EMPLOYEES:-1500}
  units=${QUALITY_UNITS:-16} years=${QUALITY_YEARS:-3}
  work="$build/quality-small"
else
  quiet=${QUALITY_QUIET:-100} inject=${QUALITY_INJECT:-100} employees=${QUALITY_EMPLOYEES:-5000}
  units=${QUALITY_UNITS:-40} years=${QUALITY_YEARS:-3}
  work="$build/quality-work"
fi
jobs=${QUALITY_JOBS:-$(nproc 2>/dev/null || echo 2)}

# One company: generate, replay, read every alert change back, stop.
if [ "$mode" = one ]; then
  kind=$3 seed=$4 employees=$QUALITY_EMPLOYEES units=$QUALITY_UNITS years=$QUALITY_YEARS
  dir=$QUALITY_WORK/$kind-$seed
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/hrwatchd.conf" <<CONF
[store]
path = $dir/state
map_size_mb = 1024
[ingest]
endpoint = ipc://$dir/ingest.sock
push_endpoint =
[control]
endpoint = ipc://$dir/control.sock
backup_dir =
[alerts]
endpoint = ipc://$dir/alerts.sock
${QUALITY_ALERTS:-}
[metrics]
listen =
CONF
  ctl=(--endpoint "ipc://$dir/control.sock")
  "$build/hrwatch-gen" --employees "$employees" --units "$units" --years "$years" \
    --seed "$seed" "--$kind" ${QUALITY_GEN-} --truth "$dir/truth.jsonl" --out "$dir/events.jsonl"
  "$build/hrwatchd" --foreground --replay --config "$dir/hrwatchd.conf" 2>"$dir/hrwatchd.log" &
  daemon=$!
  trap 'kill "$daemon" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    "$build/hrwatch" status "${ctl[@]}" --timeout 0.2 >/dev/null 2>&1 && break
    kill -0 "$daemon" 2>/dev/null || { cat "$dir/hrwatchd.log" >&2; exit 1; }
    sleep 0.1
  done
  "$build/hrwatch" publish "$dir/events.jsonl" --quiet --endpoint "ipc://$dir/ingest.sock" \
    >"$dir/publish.out"
  "$build/hrwatch" advance "${ctl[@]}" >/dev/null
  "$build/hrwatch" subscribe --after 0 --for 0.3 "${ctl[@]}" \
    --alerts-endpoint "ipc://$dir/alerts.sock" >"$dir/alerts.jsonl"
  "$build/hrwatch" alerts --json "${ctl[@]}" >"$dir/firing.jsonl"
  kill -TERM "$daemon"
  wait "$daemon"
  trap - EXIT
  rm -rf "$dir/state" "$dir/events.jsonl"
  exit 0
fi

rm -rf "$work"
mkdir -p "$work"
export QUALITY_ALERTS=${QUALITY_ALERTS:-}
export QUALITY_GEN=${QUALITY_GEN---rescinds --scheduled}
export QUALITY_EMPLOYEES=$employees QUALITY_UNITS=$units QUALITY_YEARS=$years QUALITY_WORK=$work
start=$(date +%s)
{
  for i in $(seq 1 "$quiet"); do echo "quiet $((1000 + i))"; done
  for i in $(seq 1 "$inject"); do echo "inject $((2000 + i))"; done
} | xargs -P "$jobs" -L 1 "$here/quality.sh" "$build" one
elapsed=$(( $(date +%s) - start ))
machine="$(uname -n), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores"
python3 "$here/quality.py" --work "$work" --seconds "$elapsed" --machine "$machine" \
  --scale "$quiet quiet + $inject injected companies of $employees people, $units units, $years years${QUALITY_GEN:+ (hrwatch-gen $QUALITY_GEN)}" \
  --out "$build/quality$([ "$mode" = small ] && echo -small).md" \
  $([ "$mode" = small ] && echo --check)

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
#            alerts +2, control +3, metrics +4; a decimal number from 1024
#            to 65531 (leading zeros are decimal too); empty: the daemon's
#            own defaults (7410 to 7413, metrics 9464)
# STATE      the store's directory; empty: BUILD/demo/hrwatch-state for the
#            demo, BUILD/hrwatch-state for --run. See "What STATE may be".
# REPLAY=1   --run starts the daemon with --replay, as the demo does: the
#            clock stays on event time, so the reopened store shows what the
#            demo showed (without it, windows slide to today's date).
# DEMO_EMPLOYEES, DEMO_UNITS, DEMO_YEARS  the company: its people, its org
#            units and the years of history (3000, 40, 3). hrwatch-gen
#            --inject wants at least 12 units and 40 people a unit, and a
#            year at least; the demo also keeps them to 1000000 people,
#            25000 units and 100 years (checked before anything is touched).
#
# The daemon reads a config file written into STATE (hrwatchd.conf, its
# first line S_CONF_HEADER) with the store, the endpoints and the backup
# directory (STATE-backups); the demo's history, the subscribers' output
# and the log go to STATE-work.
#
# What STATE may be. The demo deletes only what it made itself: it marks a
# STATE it creates (absent or empty) with .hrwatch-demo, and STATE-work
# likewise; it replaces the store in a marked STATE, file by file, and
# refuses a STATE or STATE-work that holds anything else. make run opens
# a store in STATE (absent, empty, an hrwatch store, or the demo's), and
# writes hrwatchd.conf only when there is none or it is one it wrote. Every
# check comes before anything is written or deleted, and a store open in
# a running hrwatchd, or a port already answered, is refused.
set -euo pipefail
run=0
if [ "${1:-}" = --run ]; then
  run=1
  shift
fi
me=demo
[ $run = 1 ] && me=run
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)

S_CONF_HEADER="# Written by tools/demo.sh (make demo, make run) at each start."
S_MARKER=.hrwatch-demo
# What a store directory holds (workers/store.c, LMDB), what the demo adds
# beside it, and what it writes to STATE-work: the only names it deletes.
S_STORE_FILES=(data.mdb lock.mdb hrwatchd.lock hrwatch-store hrwatch-store.tmp)
S_STATE_FILES=("$S_MARKER" hrwatchd.conf hrwatchd.pid "${S_STORE_FILES[@]}")
S_WORK_FILES=("$S_MARKER" history.jsonl truth.json turnover.txt gaps.txt summary.txt
              hrwatchd.log report.html report.html.tmp)

s_refuse() {
  echo "$me: $*" >&2
  exit 1
}

# s_decimal VALUE MIN MAX: VALUE as a decimal number (leading zeros are
# not octal: 07510 is 7510) when it is one from MIN to MAX; prints it.
# Returns 1 otherwise.
s_decimal() {
  local value=$1 min=$2 max=$3
  [[ "$value" =~ ^[0-9]+$ ]] || return 1
  value=${value#"${value%%[!0]*}"}
  value=${value:-0}
  # More digits than MAX has cannot be in range (and would overflow).
  [ ${#value} -le ${#max} ] && [ "$value" -ge "$min" ] && [ "$value" -le "$max" ] || return 1
  echo "$value"
}

# --- What we were given: checked before anything is touched ----------------
port_base=""
if [ -n "${PORT_BASE:-}" ]; then
  port_base=$(s_decimal "$PORT_BASE" 1024 65531) || {
    echo "$me: PORT_BASE must be a decimal number from 1024 to 65531, so that it and the" \
         "four ports above it are ports (ingest, push +1, alerts +2, control +3, metrics +4):" \
         "'$PORT_BASE'" >&2
    exit 64
  }
fi
if [ $run = 0 ]; then
  # hrwatch-gen --inject (tools/gen.c) wants --units >= 12, --employees >=
  # 40 a unit and --years >= 1, and says only its usage otherwise.
  units=$(s_decimal "${DEMO_UNITS:-40}" 12 25000) || {
    echo "$me: DEMO_UNITS must be a whole number from 12 to 25000 (hrwatch-gen --inject" \
         "builds at least 12 org units): '${DEMO_UNITS:-}'" >&2
    exit 64
  }
  employees=$(s_decimal "${DEMO_EMPLOYEES:-3000}" $((40 * units)) 1000000) || {
    echo "$me: DEMO_EMPLOYEES must be a whole number from $((40 * units)) (40 people a unit," \
         "for $units units: hrwatch-gen --inject needs them) to 1000000: '${DEMO_EMPLOYEES:-}'" >&2
    exit 64
  }
  years=$(s_decimal "${DEMO_YEARS:-3}" 1 100) || {
    echo "$me: DEMO_YEARS must be a whole number of years from 1 to 100: '${DEMO_YEARS:-}'" >&2
    exit 64
  }
fi
if [ $run = 1 ]; then
  state=${STATE:-$build/hrwatch-state}
else
  state=${STATE:-$build/demo/hrwatch-state}
fi
# hrwatchd.conf holds the path on one line, where ';' and '#' may start a
# comment.
# A '$' would be expanded by make in the reopen command printed.
case $state in
  *$'\n'* | *';'* | *'#'* | *'$'*)
    echo "$me: STATE may not hold a newline, ';', '#' (hrwatchd.conf could not hold it)" \
      "or '\$': '$state'" >&2
    exit 64 ;;
esac
# Absolute, with every link resolved, without creating anything yet: the
# checks below look at the directory that would be written, not at a link
# to it.
state=$(realpath -m -- "$state")
[ "$state" != / ] || { echo "$me: STATE may not be /" >&2; exit 64; }
work="$state-work"
if [ -L "$work" ]; then
  echo "$me: $work is a symbolic link; the demo writes only into a directory of its own:" \
    "choose another STATE" >&2
  exit 64
fi

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

# Whether DIR holds anything.
s_nonempty() {
  [ -n "$(find "$1/" -mindepth 1 -maxdepth 1 -print -quit)" ]
}

# s_strangers DIR NAME...: prints the entries of DIR that are not among
# NAME (one a line), and those among them that are not plain files.
s_strangers() {
  local dir=$1 path name k known
  shift
  while IFS= read -r -d '' path; do
    name=${path##*/}
    known=0
    for k in "$@"; do
      [ "$name" = "$k" ] && [ -f "$path" ] && [ ! -L "$path" ] && { known=1; break; }
    done
    [ $known = 1 ] || printf '%s\n' "$name"
  done < <(find "$dir/" -mindepth 1 -maxdepth 1 -print0)
}

# Whether STATE holds an hrwatch store (its marker, or its file).
s_is_store() {
  [ -e "$state/hrwatch-store" ] || [ -e "$state/data.mdb" ]
}

# Whether STATE/hrwatchd.conf is one this script wrote (its first line).
s_our_config() {
  [ -f "$state/hrwatchd.conf" ] && [ "$(head -n 1 "$state/hrwatchd.conf")" = "$S_CONF_HEADER" ]
}

# The first few of a list of names, for a message.
s_names() {
  local names
  names=$(head -n 5 | sed "s/^/'/; s/\$/'/" | paste -sd, - | sed 's/,/, /g')
  echo "$names"
}

# Whether something accepts connections on 127.0.0.1:PORT.
s_listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# What listens on PORT, when ss may tell: "hrwatchd, pid 123".
s_listener() {
  ss -Hltnp "sport = :$1" 2>/dev/null \
    | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1, pid \2/p' | head -n 1
}

# A PORT_BASE whose five ports nothing answers on, to suggest.
s_free_base() {
  local b i busy
  for b in $(seq $(( ${port_base:-7410} + 100 )) 100 $(( ${port_base:-7410} + 2000 ))); do
    [ $((b + 4)) -le 65535 ] || break
    busy=0
    for i in 0 1 2 3 4; do
      s_listening $((b + i)) && { busy=1; break; }
    done
    [ $busy = 0 ] && { echo "$b"; return 0; }
  done
  return 1
}

# The daemon started here could not bind a port something else holds, and
# until it gave up, hrwatch would talk to whatever answers there: refuse
# before starting, naming what answers.
s_check_ports() {
  local what endpoint port who found="" free
  for what in "ingest $ingest" "push $push" "alerts $alerts" "control $control" \
              "metrics $metrics"; do
    endpoint=${what#* }
    port=${endpoint##*:}
    s_listening "$port" || continue
    who=$(s_listener "$port")
    who=${who:-"what, ss does not say"}
    if [ "$endpoint" = "$control" ] \
       && "$build/hrwatch" status --endpoint "$control" --timeout 0.5 >/dev/null 2>&1; then
      who="$who; an hrwatchd: it answers hrwatch status"
    fi
    found="$found"$'\n'"   ${what%% *} $endpoint: $who"
  done
  [ -z "$found" ] && return 0
  echo "$me: another process answers on the ports hrwatchd would bind here (it could" \
       "not start, and hrwatch would talk to that one):$found" >&2
  if free=$(s_free_base); then
    echo "$me: stop it, or give another PORT_BASE (nothing answers on $free to $((free + 4)):" \
         "PORT_BASE=$free)" >&2
  else
    echo "$me: stop it, or give another PORT_BASE" >&2
  fi
  exit 1
}

# s_refuse_strangers DIR NAME...: refuses DIR, one of the demo's, when it
# holds anything but NAME (files the demo makes there).
s_refuse_strangers() {
  local dir=$1 strangers
  shift
  strangers=$(s_strangers "$dir" "$@")
  if [ -n "$strangers" ]; then
    s_refuse "$dir is the demo's, but holds what the demo did not make" \
             "($(s_names <<<"$strangers")); it deletes nothing there: move them away or" \
             "choose another STATE"
  fi
}

# The demo's STATE: absent, empty, or the demo's own (marked) holding
# nothing but what the demo makes; and not open.
s_check_demo_state() {
  if [ -e "$state" ] && [ ! -d "$state" ]; then
    s_refuse "$state is not a directory; choose another STATE"
  fi
  if [ -d "$state" ] && s_nonempty "$state"; then
    if [ ! -f "$state/$S_MARKER" ]; then
      local what="files the demo did not make"
      s_is_store && what="an hrwatch store the demo did not make (make run STATE=... opens it)"
      s_refuse "$state holds $what, and the demo deletes only what it made itself" \
               "(a STATE it creates holds $S_MARKER); choose another STATE, absent or empty"
    fi
    s_refuse_strangers "$state" "${S_STATE_FILES[@]}"
    if s_in_use; then
      s_refuse "$state is open in a running hrwatchd; stop it or choose another STATE"
    fi
  fi
  if [ -e "$work" ] && [ ! -d "$work" ]; then
    s_refuse "$work is not a directory; choose another STATE"
  fi
  if [ -d "$work" ] && s_nonempty "$work"; then
    if [ ! -f "$work/$S_MARKER" ]; then
      s_refuse "$work is not the demo's (it has no $S_MARKER); choose another STATE"
    fi
    s_refuse_strangers "$work" "${S_WORK_FILES[@]}"
  fi
}

# make run's STATE: absent, empty, an hrwatch store or the demo's; its
# hrwatchd.conf, if any, one this script wrote; and not open.
s_check_run_state() {
  if [ -e "$state" ] && [ ! -d "$state" ]; then
    s_refuse "$state is not a directory; choose another STATE"
  fi
  [ -d "$state" ] && s_nonempty "$state" || return 0
  if [ -e "$state/hrwatchd.conf" ] && ! s_our_config; then
    s_refuse "$state/hrwatchd.conf was not written by make run or make demo (its first line" \
             "is not '$S_CONF_HEADER'), and it is left as it is: run hrwatchd --config" \
             "$state/hrwatchd.conf yourself, or choose another STATE"
  fi
  if ! s_is_store && [ ! -f "$state/$S_MARKER" ] && ! s_our_config; then
    s_refuse "$state holds files that are neither an hrwatch store nor the demo's" \
             "($(s_strangers "$state" | s_names)); choose another STATE: absent, empty," \
             "or a store"
  fi
  if s_in_use; then
    s_refuse "$state is open in another hrwatchd"
  fi
}

# hrwatchd.conf, when there is none or it is ours (the checks above).
# pid_file: the daemon writes it once every socket is bound.
s_write_config() {
  local pid_file=$1
  mkdir -p "$state"
  cat >"$state/hrwatchd.conf" <<CONF
$S_CONF_HEADER
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
[daemon]
pid_file = $pid_file
CONF
}

# The command that starts the daemon on this store again, quoted so that
# it can be pasted as it is.
s_reopen_command() {
  local cmd
  cmd="make run STATE=$(printf %q "$state")"
  [ -n "$port_base" ] && cmd="$cmd PORT_BASE=$port_base"
  echo "$cmd REPLAY=1"
}

if [ $run = 1 ]; then
  s_check_run_state
  s_check_ports
  s_write_config ""
  args=(--foreground --config "$state/hrwatchd.conf")
  [ "${REPLAY:-}" = 1 ] && args+=(--replay)
  echo "hrwatchd ${args[*]}: store $state; ingest $ingest, control $control," \
       "alerts $alerts, metrics http://$metrics/metrics" >&2
  exec "$build/hrwatchd" "${args[@]}"
fi

# --- The demo ---------------------------------------------------------------
s_check_demo_state
s_check_ports
# Only now, and only the demo's own files: the store it replaces and what it
# wrote beside it.
for f in "${S_STATE_FILES[@]}"; do
  [ "$f" = "$S_MARKER" ] || rm -f -- "${state:?}/$f"
done
for f in "${S_WORK_FILES[@]}"; do
  [ "$f" = "$S_MARKER" ] || rm -f -- "${work:?}/$f"
done
mkdir -p "$state" "$work"
echo "Made by the hrwatch demo (tools/demo.sh), which may delete what it made here." \
  >"$state/$S_MARKER"
echo "Made by the hrwatch demo (tools/demo.sh), which may delete what it made here." \
  >"$work/$S_MARKER"
s_write_config "$state/hrwatchd.pid"

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
# Ready once the daemon started here has bound every socket (it writes its
# pid file then) and answers. Whether it still runs comes first: one that
# died answers nothing, and whatever else answered would not be it.
ready=0
for _ in $(seq 100); do
  if ! kill -0 "$daemon" 2>/dev/null; then
    rc=0
    wait "$daemon" || rc=$?
    daemon=""
    echo "$me: hrwatchd exited (status $rc) before it was ready; its log ($work/hrwatchd.log):" >&2
    sed 's/^/   /' "$work/hrwatchd.log" >&2
    exit 1
  fi
  if [ "$(cat "$state/hrwatchd.pid" 2>/dev/null)" = "$daemon" ] \
     && "$build/hrwatch" status --timeout 0.2 >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ $ready = 0 ]; then
  echo "$me: hrwatchd did not answer on $control within 10 s; its log ($work/hrwatchd.log):" >&2
  sed 's/^/   /' "$work/hrwatchd.log" >&2
  exit 1
fi

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

# Each change is two lines: the state line, then its summary. Updates (new
# figures for an alert still firing) are counted, not shown.
state_changes() { awk 'NR % 2 == 1 { keep = $0 !~ /\(updated\)/ } keep' "$1"; }
updates() { grep -c '(updated)' "$1" || true; }
# show FILE MAX WHAT: the first MAX state changes of FILE, under a heading.
show() {
  local n=$(( $(state_changes "$1" | wc -l) / 2 ))
  echo "== $3 ($(( n < $2 ? n : $2 )) of $n; $(updates "$1") updates of their figures not shown)"
  state_changes "$1" | head -n $(( $2 * 2 ))
}
show "$work/turnover.txt" 10 "turnover spikes as they fired and resolved during the replay"
show "$work/gaps.txt" 6 "succession gaps in engineering as they fired and resolved"

echo "== status"
"$build/hrwatch" status

# The endpoints named, so that the commands it suggests name them too.
env -u HRWATCH_CONTROL -u HRWATCH_ALERTS "$build/hrwatch" summary --top 3 \
  --endpoint "$control" --alerts-endpoint "$alerts" >"$work/summary.txt"
# The leaders' report of the same store, one HTML page to open in a browser.
"$build/hrwatch" report --endpoint "$control" --html "$work/report.html" >/dev/null

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
# The commands it suggests, as they run from here (hrwatch is not installed).
sed "s|^  hrwatch |  $bin/hrwatch |" "$work/summary.txt"
echo
echo "== the leaders' report (headcount, exits, turnover, engagement, bench, successors, alerts)"
echo "   $work/report.html"
echo
echo "== to look around yourself: reopen the store (in $root; Ctrl-C stops it)"
echo "   $(s_reopen_command)"
echo "   and in another terminal:"
echo "   $(printf %q "$bin/hrwatch") summary --endpoint $control --alerts-endpoint $alerts"
echo "   (also: alerts, status, unit UNIT, position POS, subscribe --alerts-endpoint $alerts;"
echo "   or export HRWATCH_CONTROL=$control HRWATCH_ALERTS=$alerts HRWATCH_INGEST=$ingest)"

#!/usr/bin/env bash
# The demo as a user meets it, on ports of its own and a store in a temp
# dir whose path holds a space: it ends with the summary and the command
# that reopens the store; that command reopens it (same alerts, same
# summary) on those ports; and nothing is left running. Before it, what the
# demo and make run refuse, touching nothing: bad PORT_BASE and DEMO_*
# values, a STATE that is not theirs. Then a demo on ports another daemon
# holds, and one whose daemon dies; make run stopped with make; hrwatch
# summary against hrwatch alerts --json, on an empty store, past the 10000
# alerts one answer lists, and its words (ages, silenced alerts, --top,
# the clock); its usage.
#
#   tests/test_demo.sh BUILD
set -uo pipefail
bin=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
hrwatch="$bin/hrwatch"
tmp=$(mktemp -d /tmp/hrw-demo-test.XXXXXX)
daemon=""
fail=0

s_cleanup() {
  if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon" 2>/dev/null
    wait "$daemon" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap s_cleanup EXIT

s_ok() { echo "ok   $1"; }
s_fail() { echo "FAIL $1"; fail=1; }
s_check() {   # s_check WHAT COMMAND...: passes when COMMAND succeeds
  local what=$1
  shift
  if "$@"; then s_ok "$what"; else s_fail "$what"; fi
}

# Whether something answers on 127.0.0.1:PORT.
s_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A PORT_BASE whose five ports nothing listens on, below the kernel's
# ephemeral range: there no other test's connection or ephemeral listener
# can take one between this check and the daemon's bind.
low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
port_base=""
for _ in $(seq 50); do
  p=$(( 20000 + (RANDOM * 32768 + RANDOM) % (low - 20000 - 5) ))
  busy=0
  for i in 0 1 2 3 4; do
    s_listening $((p + i)) && busy=1
  done
  [ $busy = 0 ] && { port_base=$p; break; }
done
[ -n "$port_base" ] || { echo "FAIL no free PORT_BASE found"; exit 1; }
ingest=tcp://127.0.0.1:$port_base
alerts=tcp://127.0.0.1:$((port_base + 2))
control=tcp://127.0.0.1:$((port_base + 3))
state="$tmp/the state"
echo "PORT_BASE=$port_base STATE=$state"

# Nothing of ours runs: no process holds the store, no port answers.
s_nothing_left() {
  local p
  for p in 0 1 2 3 4; do
    s_listening $((port_base + p)) && { echo "  port $((port_base + p)) still answers"; return 1; }
  done
  if pgrep -f -- "$tmp/" >/dev/null; then
    echo "  still running:"; pgrep -af -- "$tmp/"; return 1
  fi
  return 0
}

# s_refused WHAT STATUS TEXT COMMAND...: COMMAND exits STATUS, saying TEXT
# (and no hrwatch-gen usage) on stderr.
s_refused() {
  local what=$1 want=$2 text=$3 rc
  shift 3
  "$@" >"$tmp/refused.out" 2>"$tmp/refused.err"; rc=$?
  if [ $rc = "$want" ] && grep -qF -- "$text" "$tmp/refused.err" \
     && ! grep -q 'usage: hrwatch-gen' "$tmp/refused.err"; then
    s_ok "$what"
  else
    s_fail "$what (exit $rc, want $want and '$text')"
    sed 's/^/  | /' "$tmp/refused.err"
  fi
}
s_demo() {
  env -u HRWATCH_CONTROL -u HRWATCH_ALERTS -u HRWATCH_INGEST "$@" "$root/tools/demo.sh" "$bin"
}
s_run() { env -u HRWATCH_CONTROL "$@" "$root/tools/demo.sh" --run "$bin"; }
# s_snap DIR NAME, then s_same WHAT DIR NAME: DIR's files and their
# contents are as they were.
s_snap() { (cd "$1" && find . -type f -exec md5sum {} + | sort) >"$tmp/snap.$2"; }
s_same() {
  if (cd "$2" && find . -type f -exec md5sum {} + | sort) | cmp -s - "$tmp/snap.$3"; then
    s_ok "$1"
  else
    s_fail "$1"
  fi
}

# --- What is refused before anything is touched ------------------------------
for pb in 1023 65532 7x 99999999999999999999 -1; do
  s_refused "PORT_BASE=$pb: refused, saying the range" 64 "PORT_BASE must be a decimal number" \
    s_run STATE="$tmp/never" PORT_BASE=$pb
done
s_refused "DEMO_UNITS=11: refused, saying at least 12" 64 \
  "DEMO_UNITS must be a whole number from 12" s_demo STATE="$tmp/never" DEMO_UNITS=11
s_refused "DEMO_UNITS=x: refused" 64 "DEMO_UNITS" s_demo STATE="$tmp/never" DEMO_UNITS=x
s_refused "DEMO_EMPLOYEES=100 for 12 units: refused, saying 480" 64 \
  "DEMO_EMPLOYEES must be a whole number from 480 (40 people a unit" \
  s_demo STATE="$tmp/never" DEMO_UNITS=12 DEMO_EMPLOYEES=100
s_refused "DEMO_YEARS=0: refused" 64 "DEMO_YEARS must be a whole number of years from 1" \
  s_demo STATE="$tmp/never" DEMO_YEARS=0
s_check "none of them made STATE" test ! -e "$tmp/never" -a ! -e "$tmp/never-work"

# A store the demo did not make, with a file of someone's beside it.
mkdir -p "$tmp/theirs"
echo store >"$tmp/theirs/data.mdb"
echo store >"$tmp/theirs/hrwatch-store"
echo mine >"$tmp/theirs/notes.txt"
s_snap "$tmp/theirs" theirs
s_refused "the demo refuses a store it did not make" 1 "the demo deletes only what it made" \
  s_demo STATE="$tmp/theirs" PORT_BASE=$port_base
s_same "and deletes nothing there" "$tmp/theirs" theirs
# The demo's own, but with a file the demo did not make.
mkdir -p "$tmp/ours"
echo x >"$tmp/ours/.hrwatch-demo"
echo store >"$tmp/ours/data.mdb"
echo mine >"$tmp/ours/notes.txt"
s_snap "$tmp/ours" ours
s_refused "the demo refuses its STATE holding a file it did not make" 1 "'notes.txt'" \
  s_demo STATE="$tmp/ours" PORT_BASE=$port_base
s_same "and deletes nothing there" "$tmp/ours" ours
rm "$tmp/ours/notes.txt"
s_snap "$tmp/ours" ours
mkdir -p "$tmp/ours-work"
echo mine >"$tmp/ours-work/notes.txt"
s_refused "the demo refuses a STATE-work not its own" 1 "is not the demo's" \
  s_demo STATE="$tmp/ours" PORT_BASE=$port_base
s_same "and deletes nothing in STATE before saying so" "$tmp/ours" ours
rm -r "$tmp/ours-work"
s_refused "bad DEMO_UNITS with the demo's STATE: refused" 64 "DEMO_UNITS" \
  s_demo STATE="$tmp/ours" PORT_BASE=$port_base DEMO_UNITS=5
s_same "and nothing deleted first" "$tmp/ours" ours
# make run: a directory of unrelated files, a config it did not write.
mkdir -p "$tmp/other"
echo mine >"$tmp/other/notes.txt"
s_refused "make run refuses a directory that is no store" 1 \
  "neither an hrwatch store nor the demo's" s_run STATE="$tmp/other" PORT_BASE=$port_base
s_check "and makes no store or config there" \
  test ! -e "$tmp/other/hrwatchd.conf" -a ! -e "$tmp/other/data.mdb"
printf '[store]\npath = /somewhere\n' >"$tmp/theirs/hrwatchd.conf"
s_snap "$tmp/theirs" theirs
s_refused "make run keeps a config it did not write" 1 "hrwatchd.conf was not written by make run" \
  s_run STATE="$tmp/theirs" PORT_BASE=$port_base
s_same "and leaves it as it is" "$tmp/theirs" theirs
# Through symbolic links: a STATE that links to their store, a STATE-work
# that links to a directory of theirs.
ln -s "$tmp/theirs" "$tmp/link"
s_refused "the demo refuses a link to a store it did not make" 1 \
  "the demo deletes only what it made" s_demo STATE="$tmp/link" PORT_BASE=$port_base
s_refused "make run keeps a config it did not write, through a link" 1 \
  "hrwatchd.conf was not written by make run" s_run STATE="$tmp/link" PORT_BASE=$port_base
s_same "and nothing there changes" "$tmp/theirs" theirs
ln -s "$tmp/theirs" "$tmp/fresh-work"
s_refused "the demo refuses a STATE-work that is a link" 64 "is a symbolic link" \
  s_demo STATE="$tmp/fresh" PORT_BASE=$port_base
s_same "and writes nothing through it" "$tmp/theirs" theirs
s_check "nor makes STATE" test ! -e "$tmp/fresh"
s_refused "a '\$' in STATE is refused" 64 "or '\$'" s_demo STATE="$tmp/a\$b" PORT_BASE=$port_base

# --- The demo ---------------------------------------------------------------
start=$(date +%s)
env -u HRWATCH_CONTROL -u HRWATCH_ALERTS -u HRWATCH_INGEST PORT_BASE=$port_base \
  STATE="$state" "$root/tools/demo.sh" "$bin" >"$tmp/demo.out" 2>&1
rc=$?
echo "demo: exit $rc in $(( $(date +%s) - start )) s"
s_check "the demo succeeds" test $rc = 0
[ $rc = 0 ] || sed 's/^/  | /' "$tmp/demo.out"
s_check "it binds the ports PORT_BASE gives (control on +3)" \
  grep -qF "control $control" "$tmp/demo.out"
s_check "it ends with a summary" grep -qE '^(No alerts|[0-9]+ alerts? firing) ' "$tmp/demo.out"
page=$(sed -n '/^== the leaders. report/{n;s/^ *//;p}' "$tmp/demo.out")
s_check "it writes the leaders' report and says where ($page)" \
  test -s "$page" -a "$page" = "$state-work/report.html"
s_check "the report has its sections" \
  grep -q '<section id="monthly">.*' "$page"
reopen=$(sed -n 's/^ *\(make run STATE=.*\)$/\1/p' "$tmp/demo.out" | tail -n 1)
s_check "it prints the command that reopens the store, STATE quoted" \
  test "$reopen" = "make run STATE=$(printf %q "$state") PORT_BASE=$port_base REPLAY=1"
query=$(sed -n 's/^ *\(.*hrwatch summary --endpoint .*\)$/\1/p' "$tmp/demo.out" | tail -n 1)
s_check "and how to query it" \
  test "${query#* }" = "summary --endpoint $control --alerts-endpoint $alerts"
s_check "the store stays" test -s "$state/data.mdb"
s_check "marked as the demo's" test -f "$state/.hrwatch-demo" -a -f "$state-work/.hrwatch-demo"
s_check "nothing is left running after the demo" s_nothing_left
# The summary as the demo printed it: from its line to the blank line.
# The demo names hrwatch by its path in the build, as it runs from there.
sed -n '/^== summary$/,/^$/p' "$tmp/demo.out" | sed '1d;$d' \
  | sed 's|^  [^ ]*/hrwatch |  hrwatch |' >"$tmp/demo-summary.txt"
s_check "the demo's suggested commands name hrwatch by its path" \
  grep -q '^  [^ ]*/hrwatch alerts ' "$tmp/demo.out"

# --- Reopening --------------------------------------------------------------
# What make run does once the three targets are built (building here would
# reconfigure the build directory under the other ctest entries): the
# command's variables, given to tools/demo.sh --run.
s_reopen() {   # s_reopen STATE PORT_BASE REPLAY
  env -u HRWATCH_CONTROL STATE="$1" PORT_BASE="$2" REPLAY="$3" \
    "$root/tools/demo.sh" --run "$bin" >"$tmp/run.log" 2>&1 &
  daemon=$!
  local _
  for _ in $(seq 100); do
    "$hrwatch" status --endpoint "$control" --timeout 0.2 >/dev/null 2>&1 && return 0
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/  | /' "$tmp/run.log"
  return 1
}
s_stop() {
  kill -TERM "$daemon" 2>/dev/null
  wait "$daemon" 2>/dev/null
  daemon=""
}
vars=${reopen#make run }
eval "declare $vars"   # STATE=... PORT_BASE=... REPLAY=1, as printed
s_check "the printed command reopens the store on PORT_BASE" \
  s_reopen "${STATE:-}" "${PORT_BASE:-}" "${REPLAY:-}"
"$hrwatch" status --endpoint "$control" >"$tmp/status.txt"
s_check "hrwatch status answers there, with the demo's events" \
  grep -qE '^events +[1-9][0-9]* accepted' "$tmp/status.txt"
# The printed query, as printed (its words hold no space to keep).
# shellcheck disable=SC2086
env -u HRWATCH_CONTROL -u HRWATCH_ALERTS "$hrwatch" ${query#* } --top 3 >"$tmp/summary.txt"
s_check "the reopened store gives the demo's summary" cmp -s "$tmp/demo-summary.txt" "$tmp/summary.txt"
[ $fail = 0 ] || diff "$tmp/demo-summary.txt" "$tmp/summary.txt" | sed 's/^/  | /'
s_check "its subscribe suggestion names both endpoints" grep -qxF \
  "  hrwatch subscribe --text --alerts-endpoint $alerts --endpoint $control" "$tmp/summary.txt"

# --- A demo on ports another daemon holds -----------------------------------
s_refused "a demo on ports another hrwatchd holds is refused, naming the control endpoint" 1 \
  "control $control: " s_demo STATE="$tmp/second" PORT_BASE=$port_base
s_check "and suggesting another PORT_BASE" grep -q 'give another PORT_BASE.*PORT_BASE=[0-9]' \
  "$tmp/refused.err"
"$hrwatch" status --endpoint "$control" >"$tmp/status2.txt"
s_check "the other daemon got no event from it" cmp -s "$tmp/status.txt" "$tmp/status2.txt"
s_check "and it made no STATE" test ! -e "$tmp/second"
s_refused "make run too" 1 "control $control: " s_run STATE="$tmp/second" PORT_BASE=$port_base

# --- hrwatch summary against hrwatch alerts ----------------------------------
"$hrwatch" alerts --json --endpoint "$control" >"$tmp/alerts.jsonl"
"$hrwatch" summary --json --top 100 --endpoint "$control" >"$tmp/summary.json"
s_check "summary --json counts what alerts --json lists" \
  python3 - "$tmp/alerts.jsonl" "$tmp/summary.json" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = json.load(open(sys.argv[2]))
kinds = ["succession_gap", "bench_strength", "successor_overlap", "turnover_spike",
         "turnover_rise", "reduction_in_force", "engagement_drop", "early_tenure_exits",
         "manager_hotspot", "successor_unmentored", "development_stalled", "succession_at_risk"]
pressing = ["succession_gap", "succession_at_risk", "turnover_spike", "engagement_drop",
            "bench_strength", "turnover_rise", "manager_hotspot", "early_tenure_exits",
            "successor_overlap", "development_stalled", "successor_unmentored",
            "reduction_in_force"]
sevs = ["critical", "warning", "info"]
def kind(a): return a["kind"].replace("ALERT_KIND_", "").lower()
def sev(a): return a.get("severity", "").replace("SEVERITY_", "").lower()
ok = s["firing"] == len(alerts) == s["listed"] and s["complete"]
for k in kinds:
    for v in sevs:
        ok &= s["byKind"][k][v] == sum(1 for a in alerts if kind(a) == k and sev(a) == v)
    ok &= s["byKind"][k]["total"] == sum(1 for a in alerts if kind(a) == k)
for v in sevs:
    ok &= s["bySeverity"][v] == sum(1 for a in alerts if sev(a) == v)
ok &= sorted(t["fingerprint"] for t in s["top"]) == sorted(a["fingerprint"] for a in alerts)
rank = {"critical": 0, "warning": 1, "info": 2}
order = [(rank[t["severity"]], pressing.index(kind(t)), t["startedAt"]) for t in s["top"]]
ok &= order == sorted(order)
if not ok:
    print(json.dumps(s, indent=1)); print(alerts)
sys.exit(0 if ok else 1)
PY
n_firing=$(grep -c . "$tmp/alerts.jsonl")
s_check "the summary's first line says how many fire ($n_firing)" \
  grep -qE "^(No alerts firing|$n_firing alerts? firing) " "$tmp/summary.txt"
"$hrwatch" summary --top 1 --endpoint "$control" >"$tmp/top1.txt"
s_check "--top 1 shows one" test "$(grep -c '^  [0-9]*\. ' "$tmp/top1.txt")" = $((n_firing < 1? 0: 1))
s_check "--top 1 has the same heading as --top 3" \
  test "$(grep '^Most pressing' "$tmp/top1.txt")" = "$(grep '^Most pressing' "$tmp/summary.txt")"
"$hrwatch" summary --top 0 --endpoint "$control" >"$tmp/top0.txt"
s_check "--top 0: no heading, none listed" \
  test -z "$(grep -E '^Most pressing|^  [0-9]+\. ' "$tmp/top0.txt")"
s_check "after a replay, the time is event time" \
  grep -q '^[0-9]* alerts\? firing as of .* (event time)' "$tmp/summary.txt"
s_stop

# --- A demo whose daemon dies ------------------------------------------------
# A daemon that exits at once: the demo says so with its log, and goes no
# further, whatever else might answer.
mkdir -p "$tmp/fakebin"
ln -s "$bin/hrwatch" "$bin/hrwatch-gen" "$tmp/fakebin/"
printf '#!/bin/sh\necho "hrwatchd: cannot open store (on purpose)" >&2\nexit 3\n' \
  >"$tmp/fakebin/hrwatchd"
chmod +x "$tmp/fakebin/hrwatchd"
env -u HRWATCH_CONTROL -u HRWATCH_ALERTS -u HRWATCH_INGEST STATE="$tmp/dies" \
  PORT_BASE=$port_base "$root/tools/demo.sh" "$tmp/fakebin" >"$tmp/dies.out" 2>&1; rc=$?
s_check "a demo whose daemon dies fails" test $rc = 1
s_check "saying so" grep -q 'exited (status 3) before it was ready' "$tmp/dies.out"
s_check "with its log" grep -q 'cannot open store (on purpose)' "$tmp/dies.out"
s_check "and publishes nothing" test ! -e "$tmp/dies-work/history.jsonl"

# --- make run, stopped with make ---------------------------------------------
# The recipe itself, the targets it needs being built (-o: building here
# would reconfigure the build directory under the other ctest entries), on
# an empty store; PORT_BASE with a leading zero is decimal.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u HRWATCH_CONTROL make --no-print-directory -C "$root" \
  -o build-demo run BUILD="$bin" STATE="$tmp/empty" PORT_BASE="0$port_base" \
  >"$tmp/make-run.log" 2>&1 &
make_pid=$!
for _ in $(seq 100); do
  "$hrwatch" status --endpoint "$control" --timeout 0.2 >/dev/null 2>&1 && break
  sleep 0.1
done
s_check "make run with PORT_BASE=0$port_base binds control on $control" \
  "$hrwatch" status --endpoint "$control" --timeout 1 >/dev/null
[ $fail = 0 ] || sed 's/^/  | /' "$tmp/make-run.log"
"$hrwatch" summary --json --endpoint "$control" >"$tmp/empty.json"
s_check "summary --json on an empty store: every count there, zeros too" python3 - "$tmp/empty.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
kinds = ["succession_gap", "bench_strength", "successor_overlap", "turnover_spike",
         "turnover_rise", "reduction_in_force", "engagement_drop", "early_tenure_exits",
         "manager_hotspot", "successor_unmentored", "development_stalled", "succession_at_risk"]
pressing = ["succession_gap", "succession_at_risk", "turnover_spike", "engagement_drop",
            "bench_strength", "turnover_rise", "manager_hotspot", "early_tenure_exits",
            "successor_overlap", "development_stalled", "successor_unmentored",
            "reduction_in_force"]
ok = s["firing"] == 0 and s["silenced"] == 0 and s["top"] == [] and "asOf" in s
ok &= s["bySeverity"] == {"critical": 0, "warning": 0, "info": 0}
ok &= all(s["byKind"][k] == {"total": 0, "critical": 0, "warning": 0, "info": 0} for k in kinds)
ok &= "hrwatch alerts --endpoint" in " ".join(s["next"])
sys.exit(0 if ok else (print(s) or 1))
PY
"$hrwatch" summary --endpoint "$control" >"$tmp/empty.txt"
s_check "the text on an empty store says so, and that the time is the daemon's clock" \
  grep -qF "No alerts firing as of $(date -u +%F) (the daemon's clock; no events yet)." \
  "$tmp/empty.txt"
s_check "without --alerts-endpoint, subscribe says what is missing" grep -qxF \
  "  hrwatch subscribe --text --alerts-endpoint ALERTS_ENDPOINT --endpoint $control" \
  "$tmp/empty.txt"

# Past the 10000 alerts one answer lists: 10050 critical positions, each a
# succession gap, and a thin bench.
python3 - >"$tmp/many.jsonl" <<'PY'
import json
print(json.dumps({"eventId": "u-1", "occurredAt": "2025-01-01T00:00:00Z", "source": "t",
                  "orgUnitDefined": {"unitId": "acme", "parentId": "", "name": "Acme"}}))
for i in range(10050):
    print(json.dumps({"eventId": "p-%d" % i, "source": "t",
                      "occurredAt": "2025-01-01T00:00:%02d.%03dZ" % (i // 1000, i % 1000),
                      "positionDefined": {"positionId": "P-%d" % i, "unitId": "acme",
                                          "title": "Head", "critical": True}}))
PY
"$hrwatch" publish --quiet --endpoint "$ingest" "$tmp/many.jsonl" >/dev/null
n_many=$("$hrwatch" status --json --endpoint "$control" \
         | python3 -c 'import json, sys; print(json.load(sys.stdin)["alertsFiring"])')
"$hrwatch" summary --json --endpoint "$control" >"$tmp/many.json"
s_check "past 10000 firing, --json: the total from status ($n_many), not complete" \
  python3 - "$tmp/many.json" "$n_many" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ok = s["firing"] == int(sys.argv[2]) > 10000 and s["listed"] == 10000 and s["complete"] is False
ok &= sum(s["bySeverity"].values()) == 10000
sys.exit(0 if ok else (print({k: s[k] for k in ("firing", "listed", "complete")}) or 1))
PY
"$hrwatch" summary --endpoint "$control" >"$tmp/many.txt"
s_check "and the text gives that total" grep -q "^$n_many alerts firing as of" "$tmp/many.txt"
s_check "saying the counts are of the 10000 listed, at least" \
  grep -q 'One answer lists only 10000 of them; of those: at least ' "$tmp/many.txt"
s_check "and the most pressing too" grep -q '^Most pressing of the 10000 listed' "$tmp/many.txt"
s_check "the daemon's clock, past the newest event, said to be that" grep -qF \
  "as of $(date -u +%F) (the daemon's clock, past the newest event, of 2025-01-01)" \
  "$tmp/many.txt"

kill -TERM "$make_pid"
stopped=0
for _ in $(seq 50); do
  s_listening $((port_base + 3)) || { stopped=1; break; }
  sleep 0.1
done
wait "$make_pid" 2>/dev/null
s_check "SIGTERM to make run's make stops hrwatchd too" test $stopped = 1
s_check "as on its own SIGTERM" grep -q 'notice: stopped' "$tmp/make-run.log"

# --- The summary's words -----------------------------------------------------
# A daemon of its own on ipc:// sockets (silences need an ipc:// control
# socket), replaying: two gaps opened 1 ms apart on one day, then the
# clock taken to three days later at a time of day between the two.
words=$tmp/words
mkdir -p "$words"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/daemon.sh"
daemon_config "$words"
daemon_start "$bin" "$words" --replay || fail=1
wctl=(--endpoint "ipc://$words/control.sock")
"$hrwatch" publish --quiet --endpoint "ipc://$words/ingest.sock" >/dev/null <<'EV'
{"eventId":"a","occurredAt":"2025-01-01T10:00:00.000Z","source":"t","positionDefined":{"positionId":"P-A","unitId":"ops","critical":true}}
{"eventId":"b","occurredAt":"2025-01-01T10:00:00.001Z","source":"t","positionDefined":{"positionId":"P-B","unitId":"ops","critical":true}}
{"eventId":"c","occurredAt":"2025-01-04T10:00:00.000500Z","source":"t","positionDefined":{"positionId":"P-C","unitId":"ops","critical":false}}
EV
"$hrwatch" summary "${wctl[@]}" --top 5 --json >"$words/s.json"
s_check "alerts opened 1 ms apart on one day are the same age in whole days" \
  python3 - "$words/s.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ages = {t["subject"]: t["ageDays"] for t in s["top"]}
sys.exit(0 if ages.get("P-A") == ages.get("P-B") == 3 else (print(ages) or 1))
PY
"$hrwatch" silence add --subject P-A --for 1h "${wctl[@]}" >/dev/null
"$hrwatch" summary "${wctl[@]}" --top 5 >"$words/s.txt"
s_check "and read so: (3 days) both" test "$(grep -c 'since 2025-01-01 (3 days)' "$words/s.txt")" = 2
s_check "a silenced alert is marked (silenced) in the most pressing" \
  grep -q '^  [0-9]\. critical succession gap for position P-A in ops (silenced), firing' \
  "$words/s.txt"
s_check "the others are not" test "$(grep -c '(silenced)' "$words/s.txt")" = 1
[ $fail = 0 ] || sed 's/^/  | /' "$words/s.txt"
s_stop

# --- Usage --------------------------------------------------------------------
out=$("$hrwatch" summary --help); rc=$?
s_check "summary --help: usage on stdout, status 0" \
  test $rc = 0 -a "${out:0:22}" = "usage: hrwatch summary"
s_check "summary --help gives the range of --top" grep -q 'N from 0 to 100' <<<"$out"
s_check "hrwatch --help lists summary" bash -c "'$hrwatch' --help | grep -q '^  summary '"
for args in "--top x" "--top 101" "--frobnicate" "extra" "--timeout 0"; do
  # shellcheck disable=SC2086
  "$hrwatch" summary $args >/dev/null 2>"$tmp/err"; rc=$?
  s_check "summary $args: usage error, status 64" \
    test $rc = 64 -a -n "$(grep 'usage: hrwatch summary' "$tmp/err")"
done
"$hrwatch" summary --endpoint "$control" --timeout 0.3 >/dev/null 2>&1; rc=$?
s_check "no daemon: status 2" test $rc = 2
s_check "nothing is left running at the end" s_nothing_left
exit $fail

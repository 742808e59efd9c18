#!/usr/bin/env bash
# The CLI's contract, through the real hrwatch: --help on stdout with status
# 0 for every command; every usage error exits 64 and names what was wrong;
# then against a real hrwatchd: complete --json from every verb that
# prints, an unknown unit, a daemon that is not there (said within
# moments, naming the endpoint, by every verb), publish's progress and its
# reason codes, subscribe --count; the bash completion; and the man page
# against every verb's --help.
set -uo pipefail
bin=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
hrwatch="$bin/hrwatch"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
work=$(mktemp -d "${TMPDIR:-/tmp}/hrwatch-cli-XXXXXX")
daemon=""
curved=""
cleanup() {
  for p in $daemon $curved; do
    kill -CONT "$p" 2>/dev/null    # one stopped by a test still hears the TERM
    kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM PIPE
fail=0
ok()  { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

check() {   # check WHAT WANT_RC WANT_TEXT STREAM -- ARGS...
  local what=$1 want_rc=$2 want=$3 stream=$4
  shift 5
  local out err rc
  out=$("$hrwatch" "$@" 2>"$work/err"); rc=$?
  err=$(cat "$work/err")
  local text=$out
  [ "$stream" = stderr ] && text=$err
  if [ "$rc" != "$want_rc" ] || ! grep -qF -- "$want" <<<"$text"; then
    bad "$what: exit $rc (want $want_rc); $stream: ${text:0:300}"
  else
    ok "$what"
  fi
}

# json_check WHAT FILE PYTHON-EXPR: every line of FILE parses as JSON and
# EXPR holds, with d the list of the parsed lines.
json_check() {
  local what=$1 file=$2 expr=$3
  if "$py" - "$file" "$expr" >"$work/py.err" 2>&1 <<'EOF'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if not eval("(" + sys.argv[2] + ")"):
    sys.exit("does not hold: %s\nin: %s" % (sys.argv[2], open(sys.argv[1]).read()[:600]))
EOF
  then ok "$what"
  else bad "$what: $(head -c 600 "$work/py.err")"
  fi
}

ms() { date +%s%3N; }

# ---------------------------------------------------------------------------
# Usage, without a daemon

verbs="publish status rejected alerts subscribe advance silence unit position backup keygen version"
verbs+=" summary report"
for verb in $verbs; do
  check "$verb --help: stdout, status 0" 0 "usage: hrwatch $verb" stdout -- "$verb" --help
  check "$verb: an unknown option is named, status 64" 64 "unknown option '--frobnicate'" \
    stderr -- "$verb" --frobnicate
done
check "hrwatch --help: stdout, status 0" 0 "commands:" stdout -- --help
check "hrwatch help: stdout, status 0" 0 "commands:" stdout -- help
check "no command is a usage error" 64 "usage: hrwatch" stderr --
check "a missing position is named" 64 "which position?" stderr -- position
check "a missing key name is named" 64 "a NAME for the key files is required" stderr -- keygen
check "an unreadable event file is named" 64 "cannot read $work/none.jsonl" stderr \
  -- publish "$work/none.jsonl"
check "advance wants a time it can read" 64 "is not an RFC 3339 time" stderr -- advance yesterday
check "a number that is not one is named" 64 "--for: '2x' is not a number" stderr \
  -- subscribe --for 2x
check "a number out of range is named" 64 "--timeout" stderr -- status --timeout 0
check "an unknown command is a usage error" 64 "usage: hrwatch" stderr -- frobnicate
check "silence remove wants a number" 64 "abc" stderr -- silence remove abc
check "too many arguments" 64 "usage: hrwatch unit" stderr -- unit a b
check "decimal numbers only (no hexadecimal)" 64 "'0x10' is not a number" stderr \
  -- status --timeout 0x10
check "an empty argument is not a default" 64 "an empty argument" stderr -- backup ''
check "an empty key name writes nothing" 64 "an empty argument" stderr -- keygen ''
check "a directory is not an event file" 64 "Is a directory" stderr -- publish /
check "a missing unit is named" 64 "which unit?" stderr -- unit
check "a missing silence action is named" 64 "add, list or remove?" stderr -- silence
check "silence add without a target says what it needs" 64 "add wants --for and one of" \
  stderr -- silence add --for 1h
check "a silence no longer than the daemon allows" 64 "from 1 to 31622400" stderr \
  -- silence add --unit U --for 400d
check "a verb takes only its own options" 64 "unknown option '--count'" stderr \
  -- alerts --count 2
check "an empty endpoint is a usage error" 64 "--endpoint: an empty value" stderr \
  -- status --endpoint ''
for e in bogus foo://x ipc:// tcp://127.0.0.1:99999 tcp://:7413 tcp://host; do
  check "endpoint '$e' is a usage error" 64 "is not an endpoint (tcp://HOST:PORT or ipc://PATH)" \
    stderr -- status --endpoint "$e"
done
check "--alerts-endpoint is checked too" 64 "--alerts-endpoint: 'x' is not an endpoint" stderr \
  -- subscribe --alerts-endpoint x
check "'tcp://*:PORT' names nothing to connect to" 64 "is not an endpoint" stderr \
  -- status --endpoint 'tcp://*:7413'
out=$(HRWATCH_CONTROL=bogus "$hrwatch" status 2>&1); rc=$?
[ "$rc" = 2 ] && grep -qF "'bogus' is not an endpoint" <<<"$out" \
  && ok "an endpoint from the environment is checked too" \
  || bad "HRWATCH_CONTROL=bogus: exit $rc: $out"
check "help VERB is VERB --help" 0 "usage: hrwatch status" stdout -- help status
check "help of no such command" 64 "unknown command 'nosuch'" stderr -- help nosuch
check "an empty ingest endpoint too" 64 "--endpoint: an empty value" stderr \
  -- publish --endpoint '' /dev/null
check "version refuses an argument" 64 "unexpected argument 'x'" stderr -- version x
check "version --json" 0 '"version":' stdout -- version --json
check "a range is printed in whole numbers" 64 "from 0 to 18446744073709551615" stderr \
  -- rejected --after -1
check "--key without a file is a usage error" 64 "--key: missing a key file" stderr -- --key
check "--key= with no file is a usage error" 64 "--key: an empty file name" stderr -- --key= status
check "--server-key=FILE is taken before the verb" 0 "hrwatch " stdout \
  -- --server-key=/nonexistent --key=/nonexistent version

# ---------------------------------------------------------------------------
# A real daemon on ipc:// sockets, from zero

# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/daemon.sh"
daemon_config "$work" "$work/backups"
daemon_start "$bin" "$work" || exit 1
ctl=(--endpoint "ipc://$work/control.sock")
ing=(--endpoint "ipc://$work/ingest.sock")

# 1. --json, complete: for a store that has seen nothing, the zero fields
#    are there.
"$hrwatch" status --json "${ctl[@]}" >"$work/status.json"
json_check "status --json: zero counts and unset times are there" "$work/status.json" \
  'len(d) == 1 and d[0]["employeesActive"] == "0" and d[0]["eventsRejected"] == "0"
   and d[0]["latestEventAt"] is None and d[0]["stateDigest"] == ""
   and d[0]["alertsFiring"] == "0" and d[0]["eventsPending"] == "0"'
"$hrwatch" rejected --json "${ctl[@]}" >"$work/rejected0.json"
json_check "rejected --json: nothing kept, no line" "$work/rejected0.json" 'd == []'
"$hrwatch" alerts --json "${ctl[@]}" >"$work/alerts0.json"
json_check "alerts --json: nothing firing, no line" "$work/alerts0.json" 'd == []'
"$hrwatch" subscribe --json --for 0.3 "${ctl[@]}" --alerts-endpoint "ipc://$work/alerts.sock" \
  >"$work/sub0.json"
json_check "subscribe --json: nothing logged, no line" "$work/sub0.json" 'd == []'
"$hrwatch" advance --json "${ctl[@]}" >"$work/advance.json"
json_check "advance --json: the status, zero fields there" "$work/advance.json" \
  'len(d) == 1 and d[0]["eventsPending"] == "0" and d[0]["alertsFiring"] == "0"'
"$hrwatch" backup --json b0 "${ctl[@]}" >"$work/backup.json"
json_check "backup --json: directory and size" "$work/backup.json" \
  'len(d) == 1 and d[0]["directory"].endswith("/b0") and int(d[0]["bytes"]) > 0'
(cd "$work" && "$hrwatch" keygen --json k1) >"$work/keygen.json"
json_check "keygen --json: the files and the public key" "$work/keygen.json" \
  'd[0]["secretKeyFile"] == "k1.key" and d[0]["publicKeyFile"] == "k1.pub"
   and len(d[0]["publicKey"]) == 40'
"$hrwatch" version --json >"$work/version.json"
json_check "version --json" "$work/version.json" 'd[0]["version"] != ""'
"$hrwatch" publish --json "${ing[@]}" </dev/null >"$work/pub0.json"
json_check "publish --json of nothing: every count there, every reason at 0" "$work/pub0.json" \
  'd[0]["sent"] == 0 and d[0]["accepted"] == 0 and d[0]["unacknowledged"] == 0
   and d[0]["rejectedByReason"]["REASON_CONFLICT"] == 0
   and d[0]["invalidByReason"]["REASON_MALFORMED"] == 0'

# 3. An unknown unit is an error, as an unknown position is.
check "an unknown unit: exit 2, 'no such unit'" 2 "no such unit" stderr -- unit nosuch "${ctl[@]}"
check "an unknown position: exit 2, 'no such position'" 2 "no such position" stderr \
  -- position nosuch "${ctl[@]}"

# A little state: a unit with one person, a critical position without a
# successor (a succession gap fires), a rejected event.
cat >"$work/some.jsonl" <<'EOF'
{"eventId":"u1","occurredAt":"2025-01-01T00:00:00Z","source":"t","orgUnitDefined":{"unitId":"ops","name":"Operations"}}
{"eventId":"h1","occurredAt":"2025-01-01T00:00:00Z","source":"t","hire":{"employeeId":"E-1","unitId":"ops","positionId":"P-1"}}
{"eventId":"p1","occurredAt":"2025-01-01T00:00:00Z","source":"t","positionDefined":{"positionId":"P-1","unitId":"ops","title":"Head","critical":true,"incumbentId":"E-1"}}
{"eventId":"x1","occurredAt":"2025-01-01T00:00:00Z","source":"t","exit":{"employeeId":"E-9","type":"EXIT_TYPE_UNSPECIFIED"}}
EOF
"$hrwatch" publish --json "$work/some.jsonl" "${ing[@]}" >"$work/pub1.json" 2>/dev/null
json_check "publish --json: the counts, by reason" "$work/pub1.json" \
  'd[0]["accepted"] == 3 and d[0]["rejected"] == 1
   and d[0]["rejectedByReason"]["REASON_MISSING_FIELD"] == 1'
"$hrwatch" advance "${ctl[@]}" >/dev/null
"$hrwatch" unit ops --json "${ctl[@]}" >"$work/unit.json"
json_check "unit --json: zero fields there" "$work/unit.json" \
  'd[0]["unitId"] == "ops" and d[0]["voluntaryExits"] == "0" and d[0]["rifExits"] == "0"
   and d[0]["riseCusum"] == 0.0 and d[0]["engagement"] == [] and d[0]["turnoverJudged"] is False'
"$hrwatch" position P-1 --json "${ctl[@]}" >"$work/position.json"
json_check "position --json: zero fields there" "$work/position.json" \
  'd[0]["positionId"] == "P-1" and d[0]["vacant"] is False and d[0]["readyNow"] == 0
   and d[0]["successors"] == [] and d[0]["vacantBecause"] == ""'
"$hrwatch" rejected --json "${ctl[@]}" >"$work/rejected1.json"
json_check "rejected --json: zero fields there" "$work/rejected1.json" \
  'len(d) == 1 and d[0]["reason"] == "REASON_MISSING_FIELD" and d[0]["payload"] == ""
   and d[0]["payloadTruncated"] is False'
"$hrwatch" alerts --json "${ctl[@]}" >"$work/alerts1.json"
json_check "alerts --json: zero fields there" "$work/alerts1.json" \
  'len(d) >= 1 and all("silenced" in a and a["silenced"] is False for a in d)'
"$hrwatch" subscribe --json --count 1 --for 5 "${ctl[@]}" \
  --alerts-endpoint "ipc://$work/alerts.sock" >"$work/sub1.json"
json_check "subscribe --json: zero fields there" "$work/sub1.json" \
  'len(d) == 1 and "silenced" in d[0]'

# 6. Lines publish cannot send: the daemon's reason codes, the allowed
#    values of an enum; and they are not among the daemon's rejections.
cat >"$work/bad.jsonl" <<'EOF'
{"eventId":"b1","occurredAt":"2025-01-02T00:00:00Z","source":"t","exit":{"employeeId":"E-1","type":"EXIT_TYPE_NOPE"}}
{"eventId":"b2","occurredAt":"2025-01-02T00:00:00Z","source":"t","hire":{"employeeId":"E-2","unitId":"ops","levl":1}}
{"eventId":"b3","occurredAt":"2025-01-02T00:00:00Z","source":"t","hire":{"employeeId":"E-2","unitId":"ops","level":99999999999}}
this is not JSON
EOF
"$hrwatch" publish "$work/bad.jsonl" "${ing[@]}" >"$work/bad.out" 2>"$work/bad.err"; rc=$?
[ $rc = 1 ] && ok "publish with lines it cannot send: exit 1" || bad "publish bad lines: exit $rc"
for want in "line 1: event b1: invalid, REASON_OUT_OF_RANGE: exit.type" \
            "(one of EXIT_TYPE_UNSPECIFIED, EXIT_TYPE_VOLUNTARY, EXIT_TYPE_INVOLUNTARY)" \
            "line 2: event b2: invalid, REASON_MALFORMED: hire.levl: no such field" \
            "line 3: event b3: invalid, REASON_OUT_OF_RANGE: hire.level" \
            "line 4: event (none): invalid, REASON_MALFORMED: not JSON"; do
  grep -qF -- "$want" "$work/bad.err" && ok "publish names: $want" \
    || bad "publish does not say '$want': $(cat "$work/bad.err")"
done
grep -q "REASON_OUT_OF_RANGE *2 not sent" "$work/bad.out" \
  && grep -q "4 invalid lines not sent" "$work/bad.out" \
  && ok "publish's summary counts lines not sent by reason" \
  || bad "publish's summary: $(cat "$work/bad.out")"
"$hrwatch" rejected --json "${ctl[@]}" >"$work/rejected2.json"
json_check "rejected lists only what reached hrwatchd" "$work/rejected2.json" \
  'len(d) == 1 and d[0]["eventId"] == "x1"'

# 7. subscribe --count counts what it prints: with a prefix, in text, from
#    the log and live, and with the live copies of logged changes dropped.
last=$("$py" -c 'import json,sys; print(json.load(sys.stdin)["alertSeq"])' \
       < <("$hrwatch" status --json "${ctl[@]}"))
sub=(--endpoint "ipc://$work/control.sock" --alerts-endpoint "ipc://$work/alerts.sock")
"$hrwatch" subscribe succession_gap/ --after "$last" --count 3 --for 20 "${sub[@]}" \
  >"$work/live.json" &
live_json=$!
"$hrwatch" subscribe succession_gap/ --after "$last" --count 3 --for 20 --text "${sub[@]}" \
  >"$work/live.txt" &
live_text=$!
sleep 0.5
for i in 2 3 4 5; do   # four more gaps, and other changes between them
  printf '%s\n' \
    "{\"eventId\":\"c$i-h\",\"occurredAt\":\"2025-01-0${i}T00:00:00Z\",\"source\":\"t\",\"hire\":{\"employeeId\":\"E-$i\",\"unitId\":\"ops$i\",\"positionId\":\"P-$i\"}}" \
    "{\"eventId\":\"c$i-p\",\"occurredAt\":\"2025-01-0${i}T00:00:00Z\",\"source\":\"t\",\"positionDefined\":{\"positionId\":\"P-$i\",\"unitId\":\"ops$i\",\"critical\":true,\"incumbentId\":\"E-$i\"}}" \
    | "$hrwatch" publish --quiet "${ing[@]}" >/dev/null
  "$hrwatch" advance "${ctl[@]}" >/dev/null
done
wait $live_json $live_text
n=$(grep -c '"seq"' "$work/live.json")
u=$(grep -o '"seq":"[0-9]*"' "$work/live.json" | sort -u | wc -l)
[ "$n" = 3 ] && [ "$u" = 3 ] && ! grep -qv '"topic":"succession_gap/' "$work/live.json" \
  && ok "subscribe PREFIX --count 3: three changes, each once, all of the prefix" \
  || bad "subscribe PREFIX --count 3 printed: $(cat "$work/live.json")"
n=$(grep -c '^#' "$work/live.txt")
[ "$n" = 3 ] && ok "subscribe --text --count 3: three changes" \
  || bad "subscribe --text --count 3 printed $n: $(cat "$work/live.txt")"
total=$("$hrwatch" subscribe --after 0 --for 1 "${sub[@]}" | grep -c '"seq"')
"$hrwatch" subscribe --after 0 --count $((total - 1)) --for 5 "${sub[@]}" >"$work/log.json"
[ "$(grep -c '"seq"' "$work/log.json")" = $((total - 1)) ] \
  && ok "subscribe --count N from the log: N of $total changes" \
  || bad "subscribe --count $((total - 1)): $(grep -c '"seq"' "$work/log.json") printed"

# 5. publish's progress: on a terminal, refreshed on stderr and cleared at
#    the end; nothing through a pipe.
"$bin/hrwatch-gen" --employees 1000 --years 2 --seed 9 >"$work/mid.jsonl"
# The input stalls for a second, so the run is long however fast the
# machine is.
script -qec "(head -n 100 '$work/mid.jsonl'; sleep 1; tail -n +101 '$work/mid.jsonl') \
  | '$hrwatch' publish --batch 20 --window 1 --endpoint ipc://$work/ingest.sock" /dev/null \
  >"$work/tty.out" 2>&1
if grep -q 'events/s: [0-9]* acknowledged' "$work/tty.out" \
   && grep -q $'\r\e\[K'"published" "$work/tty.out"; then
  ok "publish on a terminal shows progress and clears it"
else
  bad "publish on a terminal: $(tr '\r\033' '|~' <"$work/tty.out" | head -c 400)"
fi
sed 's/"eventId":"/"eventId":"again-/' "$work/mid.jsonl" >"$work/again.jsonl"
(head -n 100 "$work/again.jsonl"; sleep 1; tail -n +101 "$work/again.jsonl") \
  | "$hrwatch" publish --batch 20 --window 1 "${ing[@]}" 2>&1 | cat >"$work/pipe.out"
if ! grep -q 'events/s' "$work/pipe.out" && ! grep -q $'\r' "$work/pipe.out" \
   && grep -q '^published' "$work/pipe.out"; then
  ok "publish through a pipe shows no progress"
else
  bad "publish through a pipe: $(tr '\r\033' '|~' <"$work/pipe.out" | head -c 400)"
fi

# 5b. publish given up names the first line without an answer, and
#     --from-line goes on from it. The input is a pipe held open: 500
#     lines, all answered; the daemon stops (SIGSTOP); 300 more, never
#     answered. The line to go on from is then 501 exactly.
for i in $(seq 1 800); do
  printf '{"eventId":"fl-%d","occurredAt":"2025-02-01T00:00:00Z","source":"t","orgUnitDefined":{"unitId":"fl%d"}}\n' "$i" "$i"
done >"$work/from.jsonl"
accepted() { "$hrwatch" status --json "${ctl[@]}" | sed -n 's/.*"eventsAccepted":"\([0-9]*\)".*/\1/p'; }
before=$(accepted)
mkfifo "$work/from.fifo"
"$hrwatch" publish --json --batch 50 --timeout 1 "${ing[@]}" <"$work/from.fifo" \
  >"$work/from.json" 2>"$work/from.err" &
pub=$!
exec 3>"$work/from.fifo"
head -n 500 "$work/from.jsonl" >&3
for _ in $(seq 100); do [ "$(accepted)" = $(( before + 500 )) ] && break; sleep 0.1; done
kill -STOP "$daemon"
tail -n +501 "$work/from.jsonl" >&3
exec 3>&-
wait "$pub"; rc=$?
kill -CONT "$daemon"
[ "$rc" = 2 ] && ok "publish given up: exit 2" || bad "publish given up: exit $rc"
json_check "publish given up: the line to go on from is the first unanswered" "$work/from.json" \
  'd[0]["resumeLine"] == 501 and d[0]["accepted"] == 500
   and d[0]["sent"] - 500 == d[0]["unacknowledged"] > 0'
"$hrwatch" publish --json --from-line 501 "$work/from.jsonl" "${ing[@]}" >"$work/from2.json"
json_check "--from-line 501: the rest, and only the rest, is sent" "$work/from2.json" \
  'd[0]["sent"] == 300 and d[0]["accepted"] + d[0]["duplicate"] == 300
   and d[0]["resumeLine"] == 0'
[ "$(accepted)" = $(( before + 800 )) ] && ok "--from-line: all 800 in the store, once each" \
  || bad "--from-line: $(( $(accepted) - before )) of 800 accepted"
check "--from-line 0 is a usage error" 64 "--from-line" stderr -- publish --from-line 0 /dev/null
"$hrwatch" publish --from-line 501 "$work/from.jsonl" "${ing[@]}" --timeout 5 >"$work/from3.out"
grep -q "300 duplicate" "$work/from3.out" && ! grep -q "to go on" "$work/from3.out" \
  && ok "a whole run says nothing of going on" || bad "a whole run: $(cat "$work/from3.out")"

# 4. A daemon that is not there: every verb that talks to one says so
#    within moments, naming the endpoint, exit 2.
dead="ipc://$work/nobody.sock"
n=0
pids=""
while read -r verb; do   # side by side: each times itself
  n=$((n + 1))
  (
    start=$(ms)
    # shellcheck disable=SC2086
    "$hrwatch" $verb --endpoint "$dead" </dev/null >/dev/null 2>"$work/dead.$n.err"
    echo "$? $(( $(ms) - start )) $verb" >"$work/dead.$n"
  ) &
  pids+=" $!"
done <<EOF
status
rejected
alerts
subscribe --alerts-endpoint $dead
advance
unit ops
position P-1
backup
publish
publish $work/some.jsonl
silence list
EOF
# shellcheck disable=SC2086
wait $pids
for i in $(seq "$n"); do
  read -r rc took verb <"$work/dead.$i"
  if [ "$rc" = 2 ] && [ "$took" -lt 3000 ] && grep -qF "nothing answers at $dead" "$work/dead.$i.err"
  then ok "$verb, nothing at the endpoint: exit 2 in $took ms, named"
  else bad "$verb, nothing at the endpoint: exit $rc in $took ms: $(cat "$work/dead.$i.err")"
  fi
done
check "publish with no daemon says nothing was published" 2 \
  "published nothing: no connection to $dead" stdout -- publish --endpoint "$dead" "$work/some.jsonl"
cp "$work/some.jsonl" "$work/it's some.jsonl"
check "... and the command to go on with, the file name quoted for a shell" 2 \
  "to go on: hrwatch publish '$work/it'\\''s some.jsonl' --from-line 2" stdout \
  -- publish --endpoint "$dead" --from-line 2 "$work/it's some.jsonl"
check "an answer still gets the full --timeout once connected" 0 "employees" stdout \
  -- status --timeout 30 "${ctl[@]}"

# Something that takes the connection and never speaks: even the verbs with
# a long timeout for their answer (backup 10 min, advance 1 min) say so in
# seconds, not after libzmq's 30 s handshake limit.
read -r silent < <("$py" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$py" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(30)' "$silent" &
mute=$!
sleep 0.3
for verb in backup advance status; do
  start=$(ms)
  "$hrwatch" $verb --endpoint "tcp://127.0.0.1:$silent" >/dev/null 2>"$work/mute.err"; rc=$?
  took=$(( $(ms) - start ))
  if [ "$rc" = 2 ] && [ "$took" -lt 8000 ] \
     && grep -qF "took the connection but did not finish the handshake" "$work/mute.err"
  then ok "$verb, a peer that never speaks: exit 2 in $took ms, said as such"
  else bad "$verb, a peer that never speaks: exit $rc in $took ms: $(cat "$work/mute.err")"
  fi
done
kill "$mute" 2>/dev/null; wait "$mute" 2>/dev/null

# The same over tcp:// with CURVE: a refused key or a wrong server key is
# said as such, not as a daemon that is not running.
(cd "$work" && for k in server client rogue other; do "$hrwatch" keygen "$k" >/dev/null; done)
sed -n 's/.*public-key = "\(.*\)"/\1/p' "$work/client.pub" >"$work/allowed"
read -r p1 p2 p3 < <("$py" -c 'import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mkdir -p "$work/curve"
cat >"$work/curve/hrwatchd.conf" <<EOF
[store]
path = $work/curve/state
[ingest]
endpoint = tcp://127.0.0.1:$p1
push_endpoint =
[control]
endpoint = tcp://127.0.0.1:$p2
[alerts]
endpoint = tcp://127.0.0.1:$p3
[metrics]
listen =
[security]
server_key = $work/server.key
publishers = $work/allowed
subscribers = $work/allowed
EOF
"$bin/hrwatchd" --foreground --config "$work/curve/hrwatchd.conf" 2>"$work/curve.log" &
curved=$!
tcp=(--endpoint "tcp://127.0.0.1:$p2")
for _ in $(seq 100); do
  "$hrwatch" --server-key "$work/server.pub" --key "$work/client.key" status --timeout 0.2 \
    "${tcp[@]}" >/dev/null 2>&1 && break
  sleep 0.1
done
check "CURVE: the allowed key reads" 0 "employees" stdout \
  -- --server-key="$work/server.pub" --key="$work/client.key" status "${tcp[@]}"
check "CURVE: a key not on the allowlist is said as such" 2 "refused this client's key" stderr \
  -- --server-key "$work/server.pub" --key "$work/rogue.key" status "${tcp[@]}"
check "CURVE: a server key that is not the daemon's is said as such" 2 \
  "is --server-key the daemon's public key" stderr \
  -- --server-key "$work/other.pub" --key "$work/client.key" status "${tcp[@]}"
check "CURVE: no CURVE here, the daemon wants it" 2 "does it want CURVE" stderr \
  -- status "${tcp[@]}"
check "CURVE: publish with a refused key stops at once" 2 "refused this client's key" stderr \
  -- --server-key "$work/server.pub" --key "$work/rogue.key" publish "$work/some.jsonl" \
  --endpoint "tcp://127.0.0.1:$p1"

# ---------------------------------------------------------------------------
# 9. The bash completion.

complete_check() {   # complete_check WANT WORDS...: compgen's answer for the words
  local want=$1
  shift
  local got
  got=$(cd "$work" && bash -c 'source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _hrwatch; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$src/packaging/completion/hrwatch" "$@" | sort | xargs)
  [ "$got" = "$want" ] && ok "completion of '$*': $want" \
    || bad "completion of '$*': '$got' (want '$want')"
}
touch "$work/events.jsonl"
complete_check "subscribe summary" hrwatch su
complete_check "status" hrwatch --key k1.key st
complete_check "--digest" hrwatch status --d
complete_check "events.jsonl" hrwatch publish ev
complete_check "k1.key k1.pub" hrwatch --key k1
complete_check "k1.key k1.pub" hrwatch --server-key = k1
complete_check "add list remove" hrwatch silence ""
complete_check "--kind" hrwatch silence add --k
complete_check "critical" hrwatch silence add --severity cr
complete_check "--endpoint --help --json" hrwatch silence list --
complete_check "--timeout --top" hrwatch summary --t
complete_check "--after --alerts-endpoint" hrwatch subscribe --a
complete_check "report" hrwatch rep
complete_check "--help --html" hrwatch report --h
complete_check "--months" hrwatch report --m
complete_check "events.jsonl" hrwatch report --html ev

# ---------------------------------------------------------------------------
# 10. The man page has a section for every verb of hrwatch --help, and every
#     long option of each verb's --help in it.

man_text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$src/packaging/man/hrwatch.1")
listed=$("$hrwatch" --help | sed -n '/^commands:/,/^[^ ]/s/^  \([a-z]*\) .*/\1/p')
[ -n "$listed" ] || bad "no verbs read from hrwatch --help"
for verb in $listed; do
  section=$(awk -v v="$verb" '/^\.SS /{on = ($2 == v)} /^\.SH /{on = 0} on' <<<"$man_text")
  if [ -z "$section" ]; then
    bad "man page: no section for $verb"
    continue
  fi
  missing=""
  for opt in $("$hrwatch" "$verb" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -qF -- "$opt" <<<"$section" || missing+=" $opt"
  done
  [ -z "$missing" ] && ok "man page: $verb and its options" \
    || bad "man page: $verb lacks$missing"
done
for opt in --server-key --key; do
  grep -qF -- "$opt" <<<"$man_text" && ok "man page: global $opt" || bad "man page: no $opt"
done
for name in "EXIT STATUS" ENVIRONMENT HRWATCH_KEY HRWATCH_SERVER_KEY HRWATCH_ALERTS \
            HRWATCH_CONTROL HRWATCH_INGEST; do
  grep -qF -- "$name" <<<"$man_text" && ok "man page: $name" || bad "man page: no $name"
done

exit $fail

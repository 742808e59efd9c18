#!/usr/bin/env bash
# Corrections through the real daemon (issue: rescinded and corrected
# events, future-dated changes): a rescinded termination of a sole
# ready-now successor (the gap fires, then resolves as retracted, and they
# are active again with their nomination); a corrected exit type; a void
# that comes before its event; a resignation entered four weeks ahead
# (the gap raised at entry with its day, the ordinary gap on the day); a
# voided future exit taking its warning back; and the state digest after
# a void equal to that of a history that never had the event.
set -uo pipefail
bin=$1
hrwatch="$bin/hrwatch"
top=$(mktemp -d /tmp/hrw-corrections.XXXXXX)
fail=0
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$top"
}
trap cleanup EXIT
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/daemon.sh"


fresh() { daemon_fresh "$bin" "$top" "$1"; }
pub() { "$hrwatch" publish --endpoint "ipc://$dir/ingest.sock" --json "$@"; }
ev() {  # ev ID TIME BODY [EXTRA]: one event line
  printf '{"eventId":"%s","occurredAt":"%s","source":"t"%s,%s}\n' "$1" "$2" "${4:+,$4}" "$3"
}
# The org: unit ops, critical P-1 held by E-1, E-2 its only ready-now successor.
org() {
  ev u-1 2025-01-01T00:00:00Z '"orgUnitDefined":{"unitId":"ops"}'
  ev h-1 2025-01-01T00:00:00Z '"hire":{"employeeId":"E-1","unitId":"ops","positionId":"P-1"}'
  ev h-2 2025-01-01T00:00:00Z '"hire":{"employeeId":"E-2","unitId":"ops"}'
  ev n-1 2025-01-01T00:00:00Z '"successorNominated":{"positionId":"P-1","employeeId":"E-2","readiness":"READINESS_READY_NOW"}'
  ev p-1 2025-01-01T00:00:00Z '"positionDefined":{"positionId":"P-1","unitId":"ops","critical":true,"incumbentId":"E-1"}'
}
changes() {
  "$hrwatch" subscribe --after 0 --for 0.3 --json "${ctl[@]}" \
    --alerts-endpoint "ipc://$dir/alerts.sock" 2>/dev/null
}
field() { python3 -c "import json,sys; s=json.load(sys.stdin); print(s.get('$1',''))"; }

# --- A rescinded termination of a sole ready-now successor -----------------
fresh rescind
{ org; ev x-2 2025-02-01T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}'; } | pub >/dev/null
out=$(changes)
grep -q '"change":"ALERT_CHANGE_FIRED".*"subject":"P-1"\|"subject":"P-1".*"change":"ALERT_CHANGE_FIRED"' <<<"$out"
check "the exit of the only ready-now successor opens the gap" $? "$out"
before=$("$hrwatch" status --json "${ctl[@]}" | field employeesActive)
ev v-2 2025-02-05T00:00:00Z '"eventVoided":{"voidedEventId":"x-2"}' | pub >/dev/null
out=$(changes)
grep '"subject":"P-1"' <<<"$out" | tail -1 | grep -q '"resolution":"retracted: x-2 voided"'
check "the void resolves the gap as retracted" $? "$(grep P-1 <<<"$out" | tail -1)"
grep '"subject":"P-1"' <<<"$out" | tail -1 | grep -q '"state":"ALERT_STATE_RESOLVED"'
check "... and it is resolved" $? "$out"
after=$("$hrwatch" status --json "${ctl[@]}" | field employeesActive)
[ "$after" = $((before + 1)) ]
check "the employee is active again ($before -> $after)" $? ""
pos=$("$hrwatch" position P-1 --json "${ctl[@]}")
jassert "with their nomination counted" "$pos" "not j.get('gap') and any(s['employeeId']=='E-2' and not s.get('whyNot') for s in j['successors'])"
res=$(ev v-2b 2025-02-06T00:00:00Z '"eventVoided":{"voidedEventId":"x-2"}' | pub)
grep -q '"duplicate":1' <<<"$res"
check "voiding it again is a duplicate" $? "$res"
res=$(ev v-s 2025-02-06T00:00:00Z '"eventVoided":{"voidedEventId":"v-2"}' | pub 2>&1)
grep -q 'event v-s: REASON_INVALID_VALUE: event_voided.voided_event_id names an event that cannot be taken back' <<<"$res"
check "a void cannot be voided" $? "$res"

# --- A corrected exit type: voluntary -> involuntary ------------------------
fresh correct
{ org; ev x-2 2025-02-01T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}'; } | pub >/dev/null
u1=$("$hrwatch" unit ops --json "${ctl[@]}")
ev x-2c 2025-02-01T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_INVOLUNTARY"}' '"correctsEventId":"x-2"' | pub >/dev/null
u2=$("$hrwatch" unit ops --json "${ctl[@]}")
python3 - "$u1" "$u2" <<'PY'
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:])
def vol(u):
    t = u.get('turnover', u)
    return int(t.get('voluntaryExits', t.get('exitsInWindow', 0)))
assert vol(a) == 1, a
assert vol(b) == 0, b
assert int(b.get('headcount', 0)) == int(a.get('headcount', 0)), (a, b)
PY
check "a correction moves the exit out of the voluntary count" $? "$u1 / $u2"
out=$(changes)
p1=$(grep '"subject":"P-1"' <<<"$out")
[ "$(grep -c ALERT_CHANGE_FIRED <<<"$p1")" = 1 ] && ! grep -q ALERT_CHANGE_RESOLVED <<<"$p1" \
  && grep -q '"state":"ALERT_STATE_FIRING"' <<<"$(tail -1 <<<"$p1")"
check "the gap both versions raise stays firing through the correction" $? "$p1"

# --- A void that comes before its event -------------------------------------
fresh early
{ org; ev v-9 2025-02-01T00:00:00Z '"eventVoided":{"voidedEventId":"x-9"}'; } | pub >/dev/null
res=$(ev x-9 2025-02-02T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}' | pub)
grep -q '"accepted":1' <<<"$res"
check "the voided event is accepted when it comes" $? "$res"
st=$("$hrwatch" status --json "${ctl[@]}")
[ "$(field employeesActive <<<"$st")" = 2 ]
check "... but not applied" $? "$st"
res=$(ev x-9 2025-02-02T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}' | pub)
grep -q '"duplicate":1' <<<"$res"
check "... and a retry of it is a duplicate" $? "$res"
out=$(changes)
! grep -q '"subject":"P-1"' <<<"$out"
check "no gap was raised by it" $? "$out"

# --- Four weeks' notice: the early warning, then the gap on the day ---------
fresh notice
{ org; ev x-5 2025-03-29T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}' '"recordedAt":"2025-03-01T00:00:00Z"'; } | pub >/dev/null
out=$(changes)
last=$(grep '"subject":"P-1"' <<<"$out" | tail -1)
grep -q '"scheduledFor":"2025-03-29T00:00:00Z"' <<<"$last" && grep -q '"state":"ALERT_STATE_FIRING"' <<<"$last" \
  && grep -q 'loses its only ready-now successor E-2 on 2025-03-29' <<<"$last" \
  && grep -q '"changedAt":"2025-03-01T00:00:00Z"' <<<"$last" && grep -q 'SEVERITY_WARNING' <<<"$last"
check "a resignation entered four weeks ahead raises the gap at entry, with its day" $? "$last"
[ "$("$hrwatch" status --json "${ctl[@]}" | field employeesActive)" = 2 ]
check "... while the employee is still active" $? ""
ev h-9 2025-03-30T00:00:00Z '"hire":{"employeeId":"E-9","unitId":"ops"}' | pub >/dev/null
out=$(changes)
last=$(grep '"subject":"P-1"' <<<"$out" | tail -1)
grep -q '"state":"ALERT_STATE_FIRING"' <<<"$last" && ! grep -q '"scheduledFor":"' <<<"$last" \
  && grep -q '"changedAt":"2025-03-29T00:00:00Z"' <<<"$last"
check "on the day it is the ordinary gap" $? "$last"
n=$(grep -c '"subject":"P-1".*"change":"ALERT_CHANGE_FIRED"\|"change":"ALERT_CHANGE_FIRED".*"subject":"P-1"' <<<"$out")
[ "$n" = 1 ]
check "... one incident, fired once" $? "$out"

# --- A voided future exit cancels the warning -------------------------------
fresh cancel
{ org; ev x-5 2025-03-29T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}' '"recordedAt":"2025-03-01T00:00:00Z"'
  ev v-5 2025-03-10T00:00:00Z '"eventVoided":{"voidedEventId":"x-5"}'
  ev h-9 2025-04-30T00:00:00Z '"hire":{"employeeId":"E-9","unitId":"ops"}'; } | pub >/dev/null
out=$(changes)
last=$(grep '"subject":"P-1"' <<<"$out" | tail -1)
grep -q '"state":"ALERT_STATE_RESOLVED"' <<<"$last" && grep -q '"resolution":"retracted: x-5 voided"' <<<"$last" \
  && grep -q '"changedAt":"2025-03-10T00:00:00Z"' <<<"$last"
check "voiding the scheduled exit takes the warning back" $? "$last"
[ "$("$hrwatch" status --json "${ctl[@]}" | field employeesActive)" = 3 ]
check "... and the exit never happens" $? ""

# --- A resignation moved to a later date: the warning moves when entered -----
fresh moved
{ org; ev x-5 2025-03-29T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}' '"recordedAt":"2025-03-01T00:00:00Z"'
  ev c-5 2025-04-15T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}' '"recordedAt":"2025-03-03T00:00:00Z","correctsEventId":"x-5"'
  ev h-9 2025-04-01T00:00:00Z '"hire":{"employeeId":"E-9","unitId":"ops"}'; } | pub >/dev/null
p1=$(changes | grep '"subject":"P-1"')
moved=$(grep '"changedAt":"2025-03-03T00:00:00Z"' <<<"$p1")
grep -q '"scheduledFor":"2025-04-15T00:00:00Z"' <<<"$moved" && grep -q 'SEVERITY_INFO' <<<"$moved" \
  && ! grep -q ALERT_CHANGE_RESOLVED <<<"$p1" && [ "$(grep -c ALERT_CHANGE_FIRED <<<"$p1")" = 1 ]
check "a correction entered ahead moves the early warning when it is entered" $? "$p1"
[ "$("$hrwatch" status --json "${ctl[@]}" | field employeesActive)" = 3 ]
check "... and the first date passes with the employee still there" $? ""

# --- Eight weeks ahead: info, then a warning a month before the day ---------
fresh month
{ org; ev x-6 2025-04-26T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}' '"recordedAt":"2025-03-01T00:00:00Z"'
  ev h-9 2025-03-31T12:00:00Z '"hire":{"employeeId":"E-9","unitId":"ops"}'; } | pub >/dev/null
out=$(changes)
p1=$(grep '"subject":"P-1"' <<<"$out")
grep -q '"changedAt":"2025-03-01T00:00:00Z".*SEVERITY_INFO\|SEVERITY_INFO.*"changedAt":"2025-03-01T00:00:00Z"' <<<"$(head -1 <<<"$p1")"
check "eight weeks ahead the early warning is info" $? "$p1"
last=$(tail -1 <<<"$p1")
grep -q 'ALERT_CHANGE_SEVERITY_CHANGED' <<<"$last" && grep -q 'SEVERITY_WARNING' <<<"$last" \
  && grep -q '"changedAt":"2025-03-27T00:00:00Z"' <<<"$last"
check "... and a warning from the midnight a month before the day" $? "$last"

# --- Many resignations entered ahead in one unit: scheduled_exits -----------
fresh cluster
{ ev u-1 2023-01-01T00:00:00Z '"orgUnitDefined":{"unitId":"ops"}'
  for i in $(seq 1 40); do
    ev "h-$i" 2023-01-01T00:00:00Z "\"hire\":{\"employeeId\":\"E-$i\",\"unitId\":\"ops\"}"
  done
  for i in 1 2 3; do    # a baseline: a few exits a year
    ev "x-$i" "2023-0$((i * 3))-15T00:00:00Z" "\"exit\":{\"employeeId\":\"E-$i\",\"type\":\"EXIT_TYPE_VOLUNTARY\"}"
  done
  ev h-99 2024-06-01T00:00:00Z '"hire":{"employeeId":"E-99","unitId":"ops"}'
  for i in $(seq 10 17); do
    ev "r-$i" "2024-06-$i""T00:00:00Z" "\"exit\":{\"employeeId\":\"E-$i\",\"type\":\"EXIT_TYPE_VOLUNTARY\"}" '"recordedAt":"2024-06-02T00:00:00Z"'
  done; } | pub >/dev/null
u=$("$hrwatch" unit ops --json "${ctl[@]}")
jassert "the unit shows the eight exits entered ahead" "$u" "int(j['scheduledExits'])==8 and int(j['scheduledInWindow'])==8 and j['nextScheduledExit']=='2024-06-10T00:00:00Z'"
"$hrwatch" unit ops "${ctl[@]}" | grep -q "scheduled exits   8 entered ahead (8 voluntary), the next on 2024-06-10"
check "... in words too" $? "$("$hrwatch" unit ops "${ctl[@]}")"
out=$(changes)
last=$(grep '"fingerprint":"scheduled_exits/ops"' <<<"$out" | tail -1)
grep -q '"state":"ALERT_STATE_FIRING"' <<<"$last" && grep -q '"scheduledFor":"2024-06-17T00:00:00Z"' <<<"$last" \
  && grep -q '"changedAt":"2024-06-02T00:00:00Z"' <<<"$last"
check "they raise a scheduled_exits warning for the unit when entered" $? "$last"
ev v-17 2024-06-03T00:00:00Z '"eventVoided":{"voidedEventId":"r-17"}' | pub >/dev/null
u=$("$hrwatch" unit ops --json "${ctl[@]}")
jassert "a voided resignation leaves the count" "$u" "int(j['scheduledExits'])==7"
ev h-100 2024-07-20T00:00:00Z '"hire":{"employeeId":"E-100","unitId":"ops"}' | pub >/dev/null
out=$(changes)
last=$(grep '"fingerprint":"scheduled_exits/ops"' <<<"$out" | tail -1)
grep -q '"state":"ALERT_STATE_RESOLVED"' <<<"$last"
check "once they have happened it resolves (they are exits now, not ahead)" $? "$last"
u=$("$hrwatch" unit ops --json "${ctl[@]}")
jassert "... and the unit's headcount counts them gone" "$u" "int(j.get('scheduledExits',0))==0 and int(j['headcount'])==32"

# --- Voids in the wrong order and of what a void names -----------------------
fresh order
{ org; ev n-7 2025-01-01T00:00:00Z '"successorNominated":{"positionId":"P-1","employeeId":"E-7","readiness":"READINESS_READY_NOW"}'
  ev x-2 2025-02-01T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}'
  ev h-7 2025-02-10T00:00:00Z '"hire":{"employeeId":"E-7","unitId":"ops"}'
  ev v-7 2025-02-15T00:00:00Z '"eventVoided":{"voidedEventId":"h-7"}'; } | pub >/dev/null
last=$(changes | grep '"subject":"P-1"' | tail -1)
grep -q '"state":"ALERT_STATE_FIRING"' <<<"$last" && grep -q 'hire of E-7 voided' <<<"$last"
check "voiding the hire that closed a gap opens it again, saying so" $? "$last"
{ ev v-a 2025-02-16T00:00:00Z '"eventVoided":{"voidedEventId":"v-b"}'
  ev v-b 2025-02-17T00:00:00Z '"eventVoided":{"voidedEventId":"x-2"}'; } | pub >/dev/null
[ "$("$hrwatch" status --json "${ctl[@]}" | field employeesActive)" = 2 ]
check "a void cannot be voided, not even before it comes: it takes its event back" $? ""
res=$(ev v-c 2025-02-18T00:00:00Z '"eventVoided":{"voidedEventId":"x-2"}' | pub)
grep -q '"duplicate":1' <<<"$res"
check "... and a second void of that event is a duplicate" $? "$res"
{ ev v-e 2025-02-19T00:00:00Z '"eventVoided":{"voidedEventId":"c-9"}'
  ev c-9 2025-02-20T00:00:00Z '"exit":{"employeeId":"E-1","type":"EXIT_TYPE_INVOLUNTARY"}' '"correctsEventId":"x-1"'
  ev x-1 2025-02-21T00:00:00Z '"exit":{"employeeId":"E-1","type":"EXIT_TYPE_VOLUNTARY"}'; } | pub >/dev/null
st=$("$hrwatch" status --json "${ctl[@]}")
[ "$(field employeesActive <<<"$st")" = 1 ]
check "a correction voided before it came neither applies nor voids what it names" $? "$st"

fresh heldfix
{ org; ev x-2 2025-02-01T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}'
  ev c-1 2025-03-01T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_INVOLUNTARY"}' '"recordedAt":"2025-02-02T00:00:00Z","correctsEventId":"x-2"'
  ev v-c 2025-02-05T00:00:00Z '"eventVoided":{"voidedEventId":"c-1"}'
  ev h-9 2025-04-05T00:00:00Z '"hire":{"employeeId":"E-9","unitId":"ops"}'; } | pub >/dev/null
res=$(ev v-d 2025-04-06T00:00:00Z '"eventVoided":{"voidedEventId":"x-2"}' | pub)
grep -q '"accepted":1' <<<"$res" && [ "$("$hrwatch" status --json "${ctl[@]}" | field employeesActive)" = 3 ]
check "a correction voided while held leaves what it corrected to be voided" $? "$res"

fresh survey
{ org; ev v-s 2025-02-01T00:00:00Z '"eventVoided":{"voidedEventId":"s-1"}'
  ev s-1 2025-02-02T00:00:00Z '"surveyResponse":{"surveyCycleId":"Q1","unitId":"ops","engagement":3,"enps":5}'; } | pub >/dev/null
[ "$("$hrwatch" status --json "${ctl[@]}" | field surveyResponses)" = 1 ]
check "a survey answer voided before it came is counted all the same (it cannot be voided)" $? ""

fresh reparent
{ ev u-ops 2025-01-01T00:00:00Z '"orgUnitDefined":{"unitId":"ops"}'
  ev u-eng 2025-01-01T00:00:00Z '"orgUnitDefined":{"unitId":"eng","parentId":"ops"}'
  ev h-1 2025-01-02T00:00:00Z '"hire":{"employeeId":"E-1","unitId":"eng"}'
  ev h-2 2025-01-02T00:00:00Z '"hire":{"employeeId":"E-2","unitId":"eng"}'
  ev x-2 2025-02-01T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}'
  ev v 2025-02-05T00:00:00Z '"eventVoided":{"voidedEventId":"u-eng"}'
  ev zz 2025-02-10T00:00:00Z '"hire":{"employeeId":"Z","unitId":"ops"}'; } | pub >/dev/null
u=$("$hrwatch" unit ops --json "${ctl[@]}")
jassert "voiding a unit's place in the tree takes its people and exits out of the parent" "$u" "int(j['headcount'])==1 and int(j.get('voluntaryExits',0))==0"

# --- The digest after a void equals a history without the event -------------
fresh voided
{ org; ev x-2 2025-02-01T00:00:00Z '"exit":{"employeeId":"E-2","type":"EXIT_TYPE_VOLUNTARY"}'
  ev t-1 2025-02-02T00:00:00Z '"transfer":{"employeeId":"E-1","newUnitId":"ops2"}'
  ev v-2 2025-02-05T00:00:00Z '"eventVoided":{"voidedEventId":"x-2"}'
  ev v-3 2025-02-06T00:00:00Z '"eventVoided":{"voidedEventId":"t-1"}'; } | pub >/dev/null
d1=$("$hrwatch" status --json --digest "${ctl[@]}" | field stateDigest)
fresh clean
org | pub >/dev/null
d2=$("$hrwatch" status --json --digest "${ctl[@]}" | field stateDigest)
[ -n "$d1" ] && [ "$d1" = "$d2" ]
check "the digest after voiding equals that of a history without the events" $? "$d1 vs $d2"

exit $fail

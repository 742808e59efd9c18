#!/usr/bin/env bash
# Silences through the real CLI and a real daemon: add with matchers, list
# (text and JSON lines), an alert firing before the silence shown silenced
# and then not once it is removed, usage errors (64) and the daemon's own
# checks (2, with the reason code).
set -uo pipefail
bin=$1
hrwatch="$bin/hrwatch"
dir=$(mktemp -d /tmp/hrw-silence.XXXXXX)
ctl=(--endpoint "ipc://$dir/control.sock")
fail=0
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/daemon.sh"
daemon_config "$dir"
daemon_start "$bin" "$dir" || exit 1

out=
# run WHAT WANT_RC WANT_TEXT ARGS...: stdout and stderr together in $out.
run() {
  local what=$1 want_rc=$2 want=$3 rc
  shift 3
  out=$("$hrwatch" "$@" 2>&1); rc=$?
  if [ "$rc" != "$want_rc" ] || ! grep -qF -- "$want" <<<"$out"; then
    echo "FAIL $what: exit $rc (want $want_rc, text '$want'): ${out:0:300}"
    fail=1
  else
    echo "ok   $what"
  fi
}
# absent WHAT TEXT: $out (of the last run) does not hold TEXT.
absent() {
  if grep -qF -- "$2" <<<"$out"; then
    echo "FAIL $1: '$2' in: ${out:0:300}"
    fail=1
  else
    echo "ok   $1"
  fi
}

# A critical position with no successor: a succession gap fires, unsilenced.
echo '{"eventId":"pos-1","occurredAt":"2025-01-01T00:00:00Z","source":"t","positionDefined":{"positionId":"P-1","unitId":"ops","critical":true}}' \
  | "$hrwatch" publish --endpoint "ipc://$dir/ingest.sock" >/dev/null
run "the gap fires" 0 "succession_gap/ops/P-1" alerts "${ctl[@]}"
absent "not silenced before the silence" "(silenced)"

run "add with two matchers" 0 "kind succession_gap unit ops  # reorg" \
  silence add --kind succession_gap --unit ops --for 1h --comment reorg "${ctl[@]}"
run "the alert that fired before it shows silenced" 0 "succession_gap/ops/P-1 (silenced)" \
  alerts "${ctl[@]}"
run "add by severity and subject" 0 "severity critical subject P-9" \
  silence add --severity critical --subject P-9 --for 30m "${ctl[@]}"
absent "add prints the new silence alone" "kind succession_gap"

run "list --json" 0 '"unitId":"ops"' silence list --json "${ctl[@]}"
if python3 - "$out" <<'PY'
import json, sys
lines = sys.argv[1].splitlines()
assert len(lines) == 2, lines
a, b = (json.loads(line) for line in lines)
assert a["id"] == "1" and a["kind"] == "ALERT_KIND_SUCCESSION_GAP" and a["unitId"] == "ops", a
assert a["comment"] == "reorg" and a["until"].endswith("Z"), a
assert b["severity"] == "SEVERITY_CRITICAL" and b["subject"] == "P-9" and "until" in b, b
# Complete objects: matchers not given are there, at their zero value.
assert b["kind"] == "ALERT_KIND_UNSPECIFIED" and b["unitId"] == "" and b["fingerprint"] == "", b
PY
then echo "ok   list --json: one whole object per silence, with matchers and until"
else echo "FAIL list --json: $out"; fail=1; fi

run "an unknown kind names the allowed ones" 64 "is not one of succession_gap, bench_strength" \
  silence add --kind turnover --for 1h "${ctl[@]}"
run "an unknown severity names the allowed ones" 64 "'high' is not one of info, warning, critical" \
  silence add --severity high --for 1h "${ctl[@]}"
run "an empty matcher is not none" 64 "--unit: an empty value" silence add --unit '' --for 1h "${ctl[@]}"
run "add wants a matcher" 64 "add wants --for and one of --kind" silence add --for 1h "${ctl[@]}"
run "add wants --for" 64 "add wants --for" silence add --kind turnover_spike "${ctl[@]}"
run "the daemon checks the subject's bytes" 2 "silence.add.subject holds byte 0x20 at offset 1" \
  silence add --subject 'P 1' --for 1h "${ctl[@]}"
grep -qF CONTROL_ERROR_INVALID_ARGUMENT <<<"$out" \
  && echo "ok   with its code" || { echo "FAIL no code: $out"; fail=1; }
run "a topic is not a fingerprint" 2 "is not KIND/SUBJECT" \
  silence add --fingerprint succession_gap/ops/P-1 --for 1h "${ctl[@]}"
run "a kind as list --json spells it" 0 "kind succession_gap" \
  silence add --kind ALERT_KIND_SUCCESSION_GAP --for 1m "${ctl[@]}"
run "... and removed" 0 "silence 3 removed" silence remove 3 "${ctl[@]}"
grep -qF "control: silence 1 added until" "$dir/hrwatchd.log" \
  && grep -qF "kind succession_gap, severity any, unit 'ops', subject '', fingerprint ''" \
       "$dir/hrwatchd.log" && grep -qF "control: silence 3 removed (by the ipc control socket)" \
       "$dir/hrwatchd.log" && ! grep -qF reorg "$dir/hrwatchd.log" \
  && echo "ok   the log says who added and removed silences, without their comments" \
  || { echo "FAIL audit lines: $(grep control: "$dir/hrwatchd.log")"; fail=1; }
run "--help on stdout" 0 "hrwatch silence add [--kind K]" silence --help

run "remove" 0 "silence 1 removed" silence remove 1 "${ctl[@]}"
run "list after the removal" 0 "severity critical subject P-9" silence list "${ctl[@]}"
absent "the removed one is not listed" "unit ops"
run "alerts after the removal" 0 "succession_gap/ops/P-1" alerts "${ctl[@]}"
absent "no longer silenced once removed" "(silenced)"
run "a second removal finds nothing" 2 "CONTROL_ERROR_NOT_FOUND" silence remove 1 "${ctl[@]}"
run "remove the other" 0 '{"removed":"2"}' silence remove 2 --json "${ctl[@]}"
run "none left" 0 "no silences in force" silence list "${ctl[@]}"
run "list --json with none prints nothing" 0 "" silence list --json "${ctl[@]}"
[ -z "$out" ] && echo "ok   empty" || { echo "FAIL not empty: $out"; fail=1; }
exit $fail

#!/usr/bin/env bash
# The CLI's usage contract, without a daemon: --help on stdout with status
# 0 for every command; every usage error exits 64 and names what was wrong.
set -uo pipefail
bin=$1
hrwatch="$bin/hrwatch"
fail=0
check() {   # check WHAT WANT_RC WANT_TEXT STREAM -- ARGS...
  local what=$1 want_rc=$2 want=$3 stream=$4
  shift 5
  local out err rc
  out=$("$hrwatch" "$@" 2>/tmp/hrw-cli-err.$$); rc=$?
  err=$(cat /tmp/hrw-cli-err.$$)
  local text=$out
  [ "$stream" = stderr ] && text=$err
  if [ "$rc" != "$want_rc" ] || ! grep -qF -- "$want" <<<"$text"; then
    echo "FAIL $what: exit $rc (want $want_rc); $stream: ${text:0:200}"
    fail=1
  else
    echo "ok   $what"
  fi
}
for verb in publish status rejected alerts subscribe advance silence unit position backup \
            keygen; do
  check "$verb --help: stdout, status 0" 0 "usage: hrwatch $verb" stdout -- "$verb" --help
done
check "hrwatch --help: stdout, status 0" 0 "commands:" stdout -- --help
check "a number that is not one is named" 64 "--for: '2x' is not a number" stderr \
  -- subscribe --for 2x
check "a number out of range is named" 64 "--timeout" stderr -- status --timeout 0
check "an unknown option is named" 64 "unknown option '--frobnicate'" stderr \
  -- status --frobnicate
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
rm -f /tmp/hrw-cli-err.$$
exit $fail

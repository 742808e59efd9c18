#!/usr/bin/env bash
# libhrwatch as an integrator meets it: installed into a prefix of its own,
# a small C program (libhrwatch_example.c) built with nothing but
# `pkg-config --cflags --libs hrwatch`, then run against a real hrwatchd:
# acknowledgements (accepted, duplicate, a rejection and its reason), the
# succession gap from the alert log from sequence 0, and a unit query; the
# promises about arguments (NULL objects, waits, the batch bound), and a
# peer that closes connections said as nothing answering. Then the
# subscriber against a fake daemon with short pages (libhrwatch_pages.c),
# and the publisher against one that goes away and comes back
# (libhrwatch_order.c).
# With HRW_VALGRIND set (make test-valgrind), both programs run under
# memcheck, and any error or leak of any kind fails.
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/daemon.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/hrwatch-lib-XXXXXX")
daemon=
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$work/prefix" >/dev/null || fail "cmake --install"
pc=$(find "$work/prefix" -name hrwatch.pc)
[ -n "$pc" ] || fail "no hrwatch.pc installed"
[ -e "$work/prefix/include/hrwatch.h" ] || fail "no hrwatch.h installed"
lib=$(find "$work/prefix" -name 'libhrwatch.so.1')
[ -n "$lib" ] || fail "no libhrwatch.so.1 installed"
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs hrwatch) || fail "pkg-config does not know hrwatch"
echo "pkg-config --cflags --libs hrwatch: $flags"
# A sanitized library needs its runtime first in the program: built the
# same way.
sanitize=
grep -q '^HRW_SANITIZE:BOOL=ON$' "$build/CMakeCache.txt" && sanitize=-fsanitize=address,undefined
# Only what is installed: the example sees no source or build tree.
cc -std=c11 -Wall -Wextra -Werror $sanitize "$here/libhrwatch_example.c" $flags -o "$work/example" \
  || fail "the example does not build against the installed library"
cc -std=c11 -Wall -Wextra -Werror $sanitize "$here/libhrwatch_pages.c" $flags \
  $(pkg-config --cflags --libs libzmq) -pthread -o "$work/pages" \
  || fail "libhrwatch_pages does not build against the installed library"
cc -std=c11 -Wall -Wextra -Werror $sanitize "$here/libhrwatch_order.c" $flags \
  $(pkg-config --cflags --libs libzmq) -pthread -o "$work/order" \
  || fail "libhrwatch_order does not build against the installed library"
# The header is C89 too (and C++): a program of any of them includes it.
printf '#include <hrwatch.h>\nint main (void) { return HRWATCH_OK; }\n' >"$work/c89.c"
cc -std=c89 -pedantic -Wall -Wextra -Werror $(pkg-config --cflags hrwatch) -c "$work/c89.c" \
  -o "$work/c89.o" || fail "hrwatch.h is not C89 (-std=c89 -pedantic)"
c++ -x c++ -pedantic -Wall -Werror $(pkg-config --cflags hrwatch) -c "$work/c89.c" \
  -o "$work/cxx.o" || fail "hrwatch.h is not C++"
readelf -d "$work/example" | grep -q 'NEEDED.*libhrwatch\.so\.1' \
  || fail "the example does not link libhrwatch.so.1"
# Only the public API is exported.
nm -D --defined-only "$lib" | awk '$2 == "T" && $3 !~ /^hrwatch_/ { bad = 1; print } END { exit bad }' \
  || fail "libhrwatch exports more than hrwatch_*"

vg=()
if [ -n "${HRW_VALGRIND:-}" ]; then
  vg=(valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
      --error-exitcode=99)
  echo "under valgrind: ${vg[*]}"
fi
# A peer that takes each connection and closes it at once (what a firewall
# or proxy in front of an unused address does): nothing answers there.
read -r closer < <(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); s.settimeout(1); end = time.time() + 120
while time.time() < end:
    try: s.accept()[0].close()
    except socket.timeout: pass' "$closer" &
closer_pid=$!
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; kill "$closer_pid" 2>/dev/null; wait; rm -rf "$work"' EXIT
sleep 0.3

daemon_config "$work"
daemon_start "$build" "$work" || fail "hrwatchd did not start"
LD_LIBRARY_PATH=$(dirname "$lib") timeout 120 "${vg[@]}" "$work/example" "ipc://$work/ingest.sock" \
  "ipc://$work/control.sock" "ipc://$work/alerts.sock" "tcp://127.0.0.1:$closer" \
  >"$work/out" 2>"$work/err"
rc=$?
cat "$work/out"
[ $rc = 0 ] || { cat "$work/err" >&2; fail "the example exited $rc"; }
grep -q '^arguments: every promise kept$' "$work/out" || fail "an argument promise not kept"
grep -q '^closer: nothing answers at the endpoint' "$work/out" \
  || fail "a peer closing the connection is not HRWATCH_E_UNREACHABLE"
grep -q '^event ex-bad: rejected, REASON_OUT_OF_RANGE$' "$work/out" \
  || fail "no rejection with its reason"
grep -q '^alert #[0-9]*: .*succession_gap/ops/P-1' "$work/out" || fail "no succession gap"

# against_fake PROGRAM WHAT: one of the programs with a fake daemon, its
# ipc:// endpoints in a directory of its own; WHAT says its failure.
against_fake() {
  mkdir -p "$work/fake-$1"
  LD_LIBRARY_PATH=$(dirname "$lib") timeout 120 "${vg[@]}" "$work/$1" "$work/fake-$1" \
    >"$work/out" 2>"$work/err"
  local rc=$?
  cat "$work/out"
  [ $rc = 0 ] || { cat "$work/err" >&2; fail "libhrwatch_$1 exited $rc: $2"; }
}
# Short pages of the log, and live changes of other topics: nothing
# skipped, and no round trip for each change.
against_fake pages "a change skipped or a round trip per change"
# A daemon that goes away with batches unacknowledged and comes back: what
# it gets after is in the order the batches were made, the lost ones first.
against_fake order "batches out of order"

# The library's publisher, through `hrwatch publish` (built on it), where
# the daemon pushes back. A daemon that takes one batch at a time from a
# client answers the rest of a window of 32 BUSY: every event still gets
# in, long before the timeout.
kill "$daemon"; wait "$daemon" 2>/dev/null; daemon=
busy=$work/busy
mkdir -p "$busy"
daemon_config "$busy"
printf '[ingest]\nclient_batches_max = 1\n' >>"$busy/hrwatchd.conf"
daemon_start "$build" "$busy" --replay || fail "hrwatchd did not start"
python3 -c '
for i in range(5000):
    print("{\"eventId\":\"b-%d\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\",'\
'\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"ops\"}}" % (i, i))' >"$work/many.jsonl"
out=$(timeout 60 "$build/hrwatch" publish "$work/many.jsonl" --endpoint "ipc://$busy/ingest.sock" \
  --batch 50 --window 32 --timeout 8 --json 2>"$work/err")
echo "$out" | grep -q '"accepted":5000,' || fail "BUSY: not every event got in: $out $(tail -3 "$work/err")"
# Events each under the daemon's per-event limit but together over its
# frame limit: the batches are cut by bytes, so each event gets its own
# answer (too large a title) instead of a frame refused whole.
python3 -c '
for i in range(500):
    print("{\"eventId\":\"t-%d\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\",'\
'\"positionDefined\":{\"positionId\":\"P-%d\",\"unitId\":\"ops\",\"title\":\"%s\"}}" % (i, i, "x" * 9000))' >"$work/big.jsonl"
out=$(timeout 60 "$build/hrwatch" publish "$work/big.jsonl" --endpoint "ipc://$busy/ingest.sock" \
  --batch 500 --timeout 8 --json 2>"$work/err")
echo "$out" | grep -q '"rejected":500,' && echo "$out" | grep -q '"unacknowledged":0' \
  || fail "large events: not each answered: $out $(tail -3 "$work/err")"
echo "4 passed, 0 failed"

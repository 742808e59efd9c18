# Sourced by the shell tests: one hrwatchd of a test's own, every socket an
# ipc:// file in its directory (so administration is allowed and no port can
# clash), metrics off.

# daemon_config DIR [BACKUP_DIR]: writes DIR/hrwatchd.conf, the store in
# DIR/state; backups off unless BACKUP_DIR is given.
daemon_config() {
  local dir=$1 backups=${2:-}
  cat >"$dir/hrwatchd.conf" <<CONF
[store]
path = $dir/state
[ingest]
endpoint = ipc://$dir/ingest.sock
push_endpoint =
[control]
endpoint = ipc://$dir/control.sock
backup_dir = $backups
[alerts]
endpoint = ipc://$dir/alerts.sock
[metrics]
listen =
CONF
}

# daemon_start BIN DIR [FLAG...]: hrwatchd --foreground (and FLAGs) on
# DIR/hrwatchd.conf, its log in DIR/hrwatchd.log; sets daemon to its pid
# once it answers on its control socket. Returns 1, with the log on stderr,
# if it exits first or does not answer within 10 s.
daemon_start() {
  local bin=$1 dir=$2
  shift 2
  "$bin/hrwatchd" --foreground "$@" --config "$dir/hrwatchd.conf" 2>"$dir/hrwatchd.log" &
  daemon=$!
  for _ in $(seq 100); do
    "$bin/hrwatch" status --endpoint "ipc://$dir/control.sock" --timeout 0.2 >/dev/null 2>&1 \
      && return 0
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/hrwatchd.log" >&2
  return 1
}

# check WHAT STATUS DETAIL: "ok" when STATUS is 0, else "FAIL" with the
# detail, and the test fails (fail=1). A test with a check of its own
# (test_cli.sh's takes other arguments) keeps it.
if ! declare -F check >/dev/null; then
check() {
  if [ "$2" = 0 ]; then echo "ok   $1"; else echo "FAIL $1: ${3:0:400}"; fail=1; fi
}
fi

# jassert WHAT JSON EXPR: the Python EXPR holds of the object j the JSON is.
jassert() {
  python3 -c "import json,sys; j=json.loads(sys.argv[1]); assert $3" "$2" 2>/dev/null
  check "$1" $? "$2"
}

# daemon_fresh BIN TOP NAME: stops the daemon running (if any) and starts
# one with event time alone (--replay) on a new store in TOP/NAME; sets
# dir and ctl (the control endpoint's options).
daemon_fresh() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  daemon=
  dir=$2/$3
  mkdir -p "$dir"
  daemon_config "$dir"
  daemon_start "$1" "$dir" --replay || exit 1
  ctl=(--endpoint "ipc://$dir/control.sock")
}

#!/usr/bin/env bash
# hrwatch import-csv through the real daemon: the public HRDataset_v14.csv
# export against the facts in its README (skipped when it is absent); the
# same export again (nothing new); a later export of a small company (a
# termination taken back, a transfer, a new hire, a termination ahead);
# and exports with rows that cannot be read (their lines named, exit 65,
# nothing published).
set -uo pipefail
bin=$1
hrwatch="$bin/hrwatch"
top=$(mktemp -d /tmp/hrw-import-csv.XXXXXX)
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
import() { "$hrwatch" import-csv "$@" --endpoint "ipc://$dir/ingest.sock" --json; }
status() { "$hrwatch" status --json "${ctl[@]}"; }

# --- The public export -------------------------------------------------------
data="$(dirname "$0")/../../shared/data/HRDataset_v14.csv"
if [ ! -f "$data" ]; then
  echo "skip HRDataset_v14.csv: $data is absent (see ../shared/data/README.md)"
else
  fresh hrdataset
  cat >"$dir/hr.map" <<'MAP'
# HRDataset_v14.csv (docs/integrations.md)
source = hrdataset
employee_id = EmpID
unit = Department
position = Position
manager = ManagerID
hire_date = DateofHire
termination_date = DateofTermination
termination_kind = EmploymentStatus
voluntary = Voluntarily Terminated
involuntary = Terminated for Cause
date_format = m/d/Y
MAP
  out=$(import "$data" --mapping "$dir/hr.map" --state "$dir")
  check "the export is imported" $? "$out"
  jassert "311 rows: 6 units, 311 hires, 104 exits (88 voluntary, 16 involuntary)" "$out" \
    "j['rows']==311 and j['units']==6 and j['hires']==311 and j['exits']==104 and j['voluntary']==88 and j['involuntary']==16 and j['published']['accepted']==421"
  st=$(status)
  jassert "the daemon: 207 active, 104 exited, 6 units" "$st" \
    "j['employeesActive']=='207' and j['employeesExited']=='104' and j['units']=='6'"
  for u in production:126 it-is:40 sales:26 software-engineering:7 admin-offices:7 executive-office:1; do
    rep=$("$hrwatch" unit "${u%%:*}" --json "${ctl[@]}")
    jassert "unit ${u%%:*} (a name with trailing spaces) has ${u#*:} active" "$rep" "j['headcount']=='${u#*:}'"
  done
  rep=$("$hrwatch" report --json --months 120 "${ctl[@]}")
  jassert "the report's months: 88 voluntary, 16 involuntary exits" "$rep" \
    "sum(int(m['voluntaryExits']) for m in j['months'])==88 and sum(int(m['involuntaryExits']) for m in j['months'])==16"
  jassert "exits per year as the README says" "$rep" \
    "{y:sum(int(m['voluntaryExits'])+int(m['involuntaryExits']) for m in j['months'] if m['monthStart'][:4]==y) for y in map(str,range(2010,2019))}=={'2010':1,'2011':3,'2012':8,'2013':13,'2014':13,'2015':23,'2016':22,'2017':8,'2018':13}"
  ! grep -rqi "adinolfi\|employee_name" "$dir"
  check "no name is in the snapshot, the store or the log" $? "$(grep -rli adinolfi "$dir")"

  # --- The same export again -------------------------------------------------
  out=$(import "$data" --mapping "$dir/hr.map" --state "$dir")
  jassert "the same export again: no event" "$out" "j['events']==0 and j['published'] is None"
  jassert "... and the daemon unchanged" "$(status)" "j['eventsAccepted']=='421' and j['eventsDuplicate']=='0'"
fi

# --- A later export of a small company ----------------------------------------
fresh later
cat >"$dir/co.map" <<'MAP'
[columns]
source = acme-hris
employee_id = Id
unit = Dept
position = Title
manager = Manager
hire_date = Hired
termination_date = Left
termination_kind = Why
voluntary = Resigned
involuntary = Dismissed
survey_score = Score
survey_cycle = 2024-Q4
MAP
ahead=$(date -u -d '+40 days' +%Y-%m-%d)
# A byte-order mark, CRLF, a quoted name with a comma, doubled quotes and a line break.
{
  printf '\xef\xbb\xbfName,Id,Dept,Title,Manager,Hired,Left,Why,Score\r\n'
  printf '"Doe, ""Jay""",E1,Ops   ,Tech,M1,2020-01-06,2024-03-01,Resigned,\r\n'
  printf '"Roe,\r\nR",E2,Ops,Tech,M1,2020-01-06,,,4.6\r\n'
  printf 'Poe,E3,Ops,Lead,M1,2021-05-03,,,2\r\n'
} >"$dir/one.csv"
out=$(import "$dir/one.csv" --mapping "$dir/co.map" --state "$dir/co.state")
jassert "the first export: 3 hires, 1 exit, 2 survey responses" "$out" \
  "j['hires']==3 and j['exits']==1 and j['surveyResponses']==2 and j['published']['accepted']==7"
jassert "... 2 active, 1 exited, 2 responses" "$(status)" \
  "j['employeesActive']=='2' and j['employeesExited']=='1' and j['surveyResponses']=='2'"
! "$hrwatch" import-csv "$dir/one.csv" --mapping "$dir/co.map" --dry-run --state "$dir/none" \
  2>/dev/null | grep '"surveyResponse"' | grep -q 'E[0-9]'
check "... no employee id in a survey response" $? ""
cat >"$dir/two.csv" <<CSV
Name,Id,Dept,Title,Manager,Hired,Left,Why,Score
"Doe, Jay",E1,Ops,Tech,M1,2020-01-06,,,3
Roe,E2,Sales,Tech,M1,2020-01-06,,,5
Poe,E3,Ops,Lead,M1,2021-05-03,$ahead,Resigned,2
Moe,E4,Ops,Tech,M1,2024-06-03,,,4
CSV
out=$(import "$dir/two.csv" --mapping "$dir/co.map" --state "$dir/co.state")
jassert "the later export: a void, a transfer, a hire, a scheduled exit" "$out" \
  "j['voids']==1 and j['transfers']==1 and j['hires']==1 and j['exits']==1 and j['scheduled']==1 and j['units']==1 and j['events']==5 and j['published']['accepted']==5"
st=$(status)
jassert "E1 active again, E4 hired, E3's exit held: 4 active, 0 exited, 1 held" "$st" \
  "j['employeesActive']=='4' and j['employeesExited']=='0' and j['eventsPending']=='1'"
jassert "E2 counted in sales" "$("$hrwatch" unit sales --json "${ctl[@]}")" "j['headcount']=='1'"
jassert "ops shows E3's exit ahead" "$("$hrwatch" unit ops --json "${ctl[@]}")" \
  "j['headcount']=='3' and j['scheduledExits']=='1'"
out=$(import "$dir/two.csv" --mapping "$dir/co.map" --state "$dir/co.state")
jassert "the later export again: no event" "$out" "j['events']==0"

# --- Rows that cannot be read -------------------------------------------------
before=$(status)
cat >"$dir/bad.csv" <<'CSV'
Name,Id,Dept,Title,Manager,Hired,Left,Why,Score
Zoe,E5,Ops,Tech,M1,2024-13-40,,,
Noe,E6,Ops,Tech,M1,2024-06-03,,,
"Unclosed,E7,Ops,Tech,M1,2024-06-03,,,
CSV
out=$("$hrwatch" import-csv "$dir/bad.csv" --mapping "$dir/co.map" --state "$dir/bad.state" \
      --endpoint "ipc://$dir/ingest.sock" 2>&1)
rc=$?
[ $rc = 65 ]
check "a bad date and an unterminated quote: exit 65" $? "$rc $out"
grep -q 'bad.csv:2: Hired: not a date' <<<"$out"
check "... the bad date's line named" $? "$out"
grep -q 'bad.csv:4: a quote opened on line 4 is never closed' <<<"$out"
check "... the unterminated quote's line named" $? "$out"
[ "$(status | python3 -c 'import json,sys; print(json.load(sys.stdin)["eventsAccepted"])')" \
  = "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["eventsAccepted"])' "$before")" ]
check "... and nothing published" $? "$(status)"
[ ! -e "$dir/bad.state" ]
check "... and no snapshot written" $? ""

# --- Dates the daemon would refuse ---------------------------------------------
far=$(date -u -d '+400 days' +%Y-%m-%d)
before=$(status)
cat >"$dir/far.csv" <<CSV
Name,Id,Dept,Title,Manager,Hired,Left,Why,Score
Noe,E6,Ops,Tech,M1,2024-06-03,,,
Foe,E7,Ops,Tech,M1,2024-06-03,$far,Resigned,
CSV
out=$("$hrwatch" import-csv "$dir/far.csv" --mapping "$dir/co.map" --state "$dir/far.state" \
      --endpoint "ipc://$dir/ingest.sock" 2>&1)
rc=$?
[ $rc = 65 ] && grep -q 'far.csv:3: Left: after .*366 days ahead' <<<"$out"
check "a termination 400 days ahead: its line named, exit 65" $? "$rc $out"
[ "$(status | python3 -c 'import json,sys; print(json.load(sys.stdin)["eventsAccepted"])')" \
  = "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["eventsAccepted"])' "$before")" ] \
  && [ ! -e "$dir/far.state" ]
check "... nothing published, no snapshot" $? "$(status)"
sed 's/^survey_cycle.*/&\nmax_future_days = 30/' "$dir/co.map" >"$dir/near.map"
printf 'Name,Id,Dept,Title,Manager,Hired,Left,Why,Score\nPoe,E3,Ops,Lead,M1,2021-05-03,%s,Resigned,2\n' \
  "$ahead" >"$dir/near.csv"
out=$("$hrwatch" import-csv "$dir/near.csv" --mapping "$dir/near.map" --state "$dir/near.state" \
      --dry-run 2>&1)
rc=$?
[ $rc = 65 ] && grep -q 'near.csv:2: Left: after .*30 days ahead' <<<"$out"
check "max_future_days = 30: a termination 40 days ahead is a row error" $? "$rc $out"

# --- The default snapshot follows the mapping, not the export's name -----------
mkdir -p "$dir/hris"
sed 's/^source = .*/source = acme-two/' "$dir/co.map" >"$dir/hris/co.map"
cp "$dir/one.csv" "$dir/hris/export-2026-11-01.csv"
cp "$dir/two.csv" "$dir/hris/export-2026-12-01.csv"
import "$dir/hris/export-2026-11-01.csv" --mapping "$dir/hris/co.map" >/dev/null
out=$(import "$dir/hris/export-2026-12-01.csv" --mapping "$dir/hris/co.map")
jassert "a newly named export is compared with the one before (no --state)" "$out" \
  "j['firstImport'] is False and j['voids']==1 and j['transfers']==1 and j['state'].endswith('hris/acme-two.hrwatch-state') and j['published']['rejected']==0"

# --- The same fact, the same event --------------------------------------------
ev=$("$hrwatch" import-csv "$dir/two.csv" --mapping "$dir/co.map" --state "$dir/one-only.state" \
     --dry-run 2>/dev/null)
"$hrwatch" import-csv "$dir/one.csv" --mapping "$dir/co.map" --state "$dir/one-only.state" \
  --endpoint "ipc://$dir/ingest.sock" >/dev/null 2>&1
later=$("$hrwatch" import-csv "$dir/two.csv" --mapping "$dir/co.map" --state "$dir/one-only.state" \
        --dry-run 2>/dev/null)
python3 - "$ev" "$later" <<'PY'
import json, sys
first = {e['eventId']: e for e in map(json.loads, sys.argv[1].splitlines())}
later = {e['eventId']: e for e in map(json.loads, sys.argv[2].splitlines())}
hire = later['csv-acme-hris-E4-hire-20240603']
assert 'recordedAt' not in hire and hire == first[hire['eventId']]
assert all('recordedAt' in e for e in later.values() if e.get('transfer') or e.get('eventVoided'))
PY
check "a new hire in a later export is the event a first import sends; changes have recordedAt" $? "$later"
printf 'Name,Id,Dept,Title,Manager,Hired,Left,Why,Score\n' >"$dir/empty.csv"
cp "$dir/co.state" "$dir/co.state.kept"
out=$(import "$dir/empty.csv" --mapping "$dir/co.map" --state "$dir/co.state" 2>&1)
rc=$?
[ $rc = 65 ] && cmp -s "$dir/co.state" "$dir/co.state.kept" && grep -q 'no rows' <<<"$out"
check "an export with a header and no rows: exit 65, the snapshot left as it was" $? "$rc $out"

# --- Mapping and input errors -------------------------------------------------
dry() { "$hrwatch" import-csv "$@" --dry-run 2>&1 >/dev/null; }
{ cat "$dir/co.map"; echo "source = other"; } >"$dir/twice.map"
out=$(dry "$dir/one.csv" --mapping "$dir/twice.map" --state "$dir/none"); rc=$?
[ $rc = 64 ] && grep -q 'twice.map:14: source is set twice' <<<"$out"
check "a key set twice is refused with its line" $? "$rc $out"
{ printf '\xef\xbb\xbf'; cat "$dir/co.map"; } >"$dir/bom.map"
out=$(dry "$dir/one.csv" --mapping "$dir/bom.map" --state "$dir/none"); rc=$?
check "a byte-order mark at the start of the mapping is skipped" $rc "$out"
{ cat "$dir/co.map"; printf 'position = Ti\0tle\n'; } >"$dir/nul.map"
out=$(dry "$dir/one.csv" --mapping "$dir/nul.map" --state "$dir/none"); rc=$?
[ $rc = 64 ] && grep -q 'nul.map:14: a NUL byte' <<<"$out"
check "a NUL in a mapping line is said as such" $? "$rc $out"
printf 'Id,Dept,Title,Manager,Hired,Left,Why,Score,Dept\nE1,Ops,T,,2020-01-06,,,,Ops\n' >"$dir/dup.csv"
out=$(dry "$dir/dup.csv" --mapping "$dir/co.map" --state "$dir/none"); rc=$?
[ $rc = 65 ] && grep -q "dup.csv:1: the header names column 'Dept' 2 times" <<<"$out"
check "a mapped header name twice: an error on line 1" $? "$rc $out"
printf 'Name,Dept,Title,Manager,Hired,Left,Why,Score\n' >"$dir/noid.csv"
out=$(dry "$dir/noid.csv" --mapping "$dir/co.map" --state "$dir/none"); rc=$?
[ $rc = 65 ] && grep -q "noid.csv:1: no column 'Id'" <<<"$out"
check "a mapped column missing: line 1 named" $? "$rc $out"
long=$(printf 'x%.0s' $(seq 63))
printf 'Id,Dept,Title,Manager,Hired,Left,Why,Score\nE1,- Ops -,%s y,,2020-01-06,,,\nE2,\xef\xbb\xbfOps,T,,2020-01-06,,,\n' \
  "$long" >"$dir/slug.csv"
out=$("$hrwatch" import-csv "$dir/slug.csv" --mapping "$dir/co.map" --state "$dir/none" --dry-run 2>&1)
python3 - "$out" <<'PY'
import json, sys
evs = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith('{')]
units = [e['orgUnitDefined'] for e in evs if 'orgUnitDefined' in e]
hires = [e['hire'] for e in evs if 'hire' in e]
assert [u['unitId'] for u in units] == ['ops'] and units[0]['name'] == '- Ops -', units
assert hires[0]['positionId'] == 'x' * 63, hires
assert all(not h[k].startswith('-') and not h[k].endswith('-') for h in hires for k in ('unitId', 'positionId'))
PY
check "ids never start or end with '-' (nor a slug cut at 64); a byte-order mark in a value is dropped" $? "$out"
mkdir -p "$dir/adir"
out=$(dry "$dir/adir" --mapping "$dir/co.map" --state "$dir/none"); rc=$?
[ $rc = 66 ] && grep -qi 'is a directory' <<<"$out"
check "a directory as FILE: 'is a directory', exit 66" $? "$rc $out"
out=$(dry "$dir/nothere.csv" --mapping "$dir/co.map" --state "$dir/none"); rc=$?
[ $rc = 66 ]
check "a missing FILE: exit 66" $? "$rc $out"
ln -s "$dir/victim" "$dir/link.state"
out=$(import "$dir/one.csv" --mapping "$dir/co.map" --state "$dir/link.state" 2>&1); rc=$?
[ $rc = 74 ] && [ -L "$dir/link.state" ] && [ ! -e "$dir/victim" ] && grep -q 'symbolic link' <<<"$out"
check "a symbolic link at the state path is refused, not replaced" $? "$rc $out"

exit $fail

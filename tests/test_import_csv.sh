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

exit $fail

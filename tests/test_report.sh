#!/usr/bin/env bash
# hrwatch report against a real hrwatchd holding a generated company: the
# HTML page rendered by headless Chromium, and what its DOM says checked
# against the report's JSON and against hrwatch unit, position and status
# for the same store (every section there, one point a month per series,
# one bar a unit, the figures equal); a unit name full of markup shown as
# text; a mentor assigned shown beside the successor; --text and --json
# agree; --unit keeps to that subtree; an unknown unit exits 2; usage.
# The screenshot stays in the build directory (report-screenshot.png).
#
#   tests/test_report.sh BUILD
set -uo pipefail
bin=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
hrwatch="$bin/hrwatch"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
work=$(mktemp -d "${TMPDIR:-/tmp}/hrwatch-report-XXXXXX")
daemon=""
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM PIPE
fail=0
ok()  { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# Chromium renders the page; CI installs it (packaging/test-deps.txt). A
# machine without it fails here, saying so: a skipped test would pass.
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "FAIL chromium is not installed: apt-get install chromium chromium-driver" \
       "(packaging/test-deps.txt); this test renders the report in it"
  exit 1
fi
render() {   # render HTML DOMFILE: the DOM after Chromium has laid the page out
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --dump-dom "file://$1" \
    >"$2" 2>"$work/chromium.err"
}

. "$src/tests/daemon.sh"
daemon_config "$work"
ctl=(--endpoint "ipc://$work/control.sock")
# The scenarios history: a deep tree (acme/ops/ops-d1/ops-d1-t4) and a
# turnover spike injected in ops-d1-t4, which the monthly chart must mark.
"$bin/hrwatch-gen" --scenarios "$work/truth.jsonl" --employees 1000 --years 3 --seed 7 \
  >"$work/history.jsonl" || { echo "FAIL hrwatch-gen"; exit 1; }
daemon_start "$bin" "$work" --replay || { echo "FAIL hrwatchd did not start"; exit 1; }
"$hrwatch" publish --quiet --endpoint "ipc://$work/ingest.sock" "$work/history.jsonl" >/dev/null \
  || { echo "FAIL publishing the history"; exit 1; }

# A unit name of markup (names are free text from the HR system), and a
# mentor for a successor, both dated before the newest event.
"$hrwatch" report --json "${ctl[@]}" >"$work/before.json" || bad "report --json before"
read -r mentee day < <("$py" -c '
import datetime, json, sys
d = json.load(open(sys.argv[1]))
clock = datetime.datetime.fromisoformat(d["clock"].replace("Z", "+00:00"))
print(next(s["employeeId"] for p in d["positions"] for s in p["successors"] if s["counted"]),
      (clock - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
' "$work/before.json")
cat >"$work/extra.jsonl" <<EOF
{"eventId":"rep-1","occurredAt":"$day","source":"test","orgUnitDefined":{"unitId":"eng","parentId":"acme","name":"<script>alert(1)</script> R&D \"lab\""}}
{"eventId":"rep-2","occurredAt":"$day","source":"test","mentorAssigned":{"mentorId":"E-MENTOR-1","menteeId":"$mentee"}}
{"eventId":"rep-3","occurredAt":"$day","source":"test","orgUnitDefined":{"unitId":"anon","parentId":"acme","name":"Anonymity"}}
{"eventId":"rep-4","occurredAt":"$day","source":"test","orgUnitDefined":{"unitId":"anon-big","parentId":"anon","name":"Six answer"}}
{"eventId":"rep-5","occurredAt":"$day","source":"test","orgUnitDefined":{"unitId":"anon-small","parentId":"anon","name":"Two answer"}}
EOF
# Cycle anon-c1: six answers from anon-big (all 5 and 10), two from
# anon-small (1 and 0); anon-c2: the two of anon-small alone. Both closed.
for i in 1 2 3 4 5 6; do
  echo "{\"eventId\":\"rep-b$i\",\"occurredAt\":\"$day\",\"source\":\"test\",\"surveyResponse\":{\"surveyCycleId\":\"anon-c1\",\"unitId\":\"anon-big\",\"engagement\":5,\"enps\":10}}"
done >>"$work/extra.jsonl"
for c in 1 2; do
  for i in 1 2; do
    echo "{\"eventId\":\"rep-s$c$i\",\"occurredAt\":\"$day\",\"source\":\"test\",\"surveyResponse\":{\"surveyCycleId\":\"anon-c$c\",\"unitId\":\"anon-small\",\"engagement\":1,\"enps\":0}}"
  done
  echo "{\"eventId\":\"rep-c$c\",\"occurredAt\":\"$day\",\"source\":\"test\",\"surveyCycleClosed\":{\"surveyCycleId\":\"anon-c$c\"}}"
done >>"$work/extra.jsonl"
"$hrwatch" publish --quiet --endpoint "ipc://$work/ingest.sock" "$work/extra.jsonl" >/dev/null \
  || bad "publishing the name and the mentor"

# ---------------------------------------------------------------------------
# The whole company.

"$hrwatch" report --json "${ctl[@]}" >"$work/all.json"; rc=$?
[ $rc = 0 ] && ok "report --json exits 0" || bad "report --json exit $rc"
"$hrwatch" report --text "${ctl[@]}" >"$work/all.txt"; rc=$?
[ $rc = 0 ] && ok "report --text exits 0" || bad "report --text exit $rc"
"$hrwatch" report --html "$work/all.html" "${ctl[@]}" >"$work/html.out"; rc=$?
[ $rc = 0 ] && [ -s "$work/all.html" ] && ok "report --html writes the page" \
  || bad "report --html exit $rc"
render "$work/all.html" "$work/all.dom" && [ -s "$work/all.dom" ] \
  && ok "chromium renders the page" || bad "chromium: $(head -c 400 "$work/chromium.err")"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
  --screenshot="$bin/report-screenshot.png" --window-size=1280,4000 "file://$work/all.html" \
  >/dev/null 2>>"$work/chromium.err"
[ -s "$bin/report-screenshot.png" ] && ok "screenshot in $bin/report-screenshot.png" \
  || bad "no screenshot: $(head -c 400 "$work/chromium.err")"

# What hrwatch unit, position and status say, for every unit and position
# of the report.
"$hrwatch" status --json "${ctl[@]}" >"$work/status.json"
"$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for u in d["units"]: print("unit", u["unitId"])
for p in d["positions"]: print("position", p["positionId"])
' "$work/all.json" >"$work/ids"
: >"$work/units.jsonl"
: >"$work/positions.jsonl"
while read -r what id; do
  "$hrwatch" "$what" "$id" --json "${ctl[@]}" >>"$work/${what}s.jsonl" || bad "$what $id --json"
done <"$work/ids"

cat >"$work/check.py" <<'EOF'
import json, sys
from html.parser import HTMLParser

dom, report, units, positions, status, text, want_months = sys.argv[1:8]
fails = []
def check(what, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else ": " + str(detail)[:300]))
    if not cond:
        fails.append(what)

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.els = []           # (tag, attrs, section id)
        self.stack = []         # open sections
        self.h2 = {}            # section id -> its heading text
        self.in_h2 = None
        self.texts = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.stack.append(a.get("id", ""))
        sec = self.stack[-1] if self.stack else ""
        self.els.append((tag, a, sec))
        if tag == "h2" and sec:
            self.in_h2 = sec
            self.h2[sec] = ""
    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            self.stack.pop()
        if tag == "h2":
            self.in_h2 = None
    def handle_data(self, data):
        self.texts.append(data)
        if self.in_h2:
            self.h2[self.in_h2] += data

page = Page()
page.feed(open(dom, encoding="utf-8").read())
d = json.load(open(report))
units_q = {u["unitId"]: u for u in map(json.loads, open(units)) }
pos_q = {p["positionId"]: p for p in map(json.loads, open(positions))}
st = json.load(open(status))

def having(cls, tag=None):
    return [(t, a) for t, a, s in page.els
            if set(cls.split()) <= set((a.get("class") or "").split()) and (tag is None or t == tag)]

for sec in ["overview", "monthly", "turnover", "engagement", "bench", "positions", "alerts",
            "signals"]:
    check("section %s with a heading" % sec, page.h2.get(sec, "").strip() != "", page.h2)
check("no script in the page", not [1 for t, a, s in page.els if t == "script"])
check("nothing fetched from outside",
      not [a for t, a, s in page.els for k in ("src", "href") if k in a], "")
check("the date of the data", d["clock"][:10] in "".join(page.texts))

months = int(want_months)
check("the JSON has %d months" % months, len(d["months"]) == months, len(d["months"]))
# A month before the scope's first data has no point: known months only.
known = [m for m in d["months"] if m["known"]]
check("the known months are the latest ones, at least one",
      known and d["months"][-len(known):] == known, len(known))
for series in ["headcount", "voluntary", "expected", "involuntary"]:
    pts = having("point " + series)
    check("%d %s points in the monthly charts (one a known month)" % (len(known), series),
          len(pts) == len(known), len(pts))
check("no point in a month without data", not [a for t, a in having("point")
      if a.get("data-month") in {m["monthStart"][:7] for m in d["months"] if not m["known"]}])
# The headcount axis starts at 0: its lowest grid label in the chart is 0.
hc_svg = open(dom, encoding="utf-8").read()
hc_svg = hc_svg[hc_svg.find('class="chart headcount"'):]
hc_svg = hc_svg[:hc_svg.find("</svg>")]
import re
ylabels = [float(x) for x in re.findall(r'text-anchor="end"[^>]*>(-?[0-9.e+]+)</text>', hc_svg)]
check("the headcount axis starts at 0", ylabels and min(ylabels) == 0, ylabels[:3])
hc = [int(a["data-value"]) for t, a in having("point headcount")]
check("headcount points are the JSON's", hc == [int(m["headcount"]) for m in known],
      (hc, [m["headcount"] for m in known]))
vol = [int(a["data-value"]) for t, a in having("point voluntary")]
check("voluntary exit points are the JSON's",
      vol == [int(m["voluntaryExits"]) for m in known], vol)
band = [(int(a["data-low"]), int(a["data-high"])) for t, a in having("point expected")]
check("the band is the JSON's", band == [(m["expectedLow"], m["expectedHigh"])
                                         for m in known], band)
check("the band holds what is expected", all(
    m["expectedLow"] <= m["expectedVoluntary"] + 1 and m["expectedVoluntary"] <= m["expectedHigh"] + 1
    for m in d["months"]), "")
spikes = sorted(a["data-month"] for t, a in having("spike"))
check("months with a turnover alert are marked",
      spikes == sorted(m["monthStart"][:7] for m in d["months"] if m["turnoverAlert"]), spikes)
check("the last month's headcount is the scope's", int(d["months"][-1]["headcount"]) ==
      int(d["headcount"]), "")
check("the company's headcount is the status's", int(d["headcount"]) ==
      int(st["employeesActive"]), (d["headcount"], st["employeesActive"]))
check("the headcount shown is the JSON's", [a.get("data-value") for t, a, s in page.els
      if a.get("id") == "headcount-now"] == [str(d["headcount"])], "")

def shown(id_):
    return [a.get("data-value") for t, a, s in page.els if a.get("id") == id_]
check("the overview shows the uncut totals",
      shown("units-total") == [str(d["unitsTotal"])]
      and shown("critical-total") == [str(d["criticalPositionsTotal"])]
      and shown("gaps-total") == [str(d["gapsTotal"])]
      and shown("alerts-total") == [str(d["alertsFiringTotal"])]
      and d["unitsTotal"] >= len(d["units"]) and d["criticalPositionsTotal"] >= len(d["positions"])
      and d["alertsFiringTotal"] >= len(d["alerts"])
      and d["gapsTotal"] >= len([p for p in d["positions"] if p["gap"]]),
      (shown("units-total"), d.get("unitsTotal")))
for cut, n, total in [("units", len(d["units"]), d["unitsTotal"]),
                      ("positions", len(d["positions"]), d["criticalPositionsTotal"]),
                      ("alerts", len(d["alerts"]), d["alertsFiringTotal"])]:
    check("%s cut only past the cap, and the note says of how many" % cut,
          (cut in d.get("truncated", [])) == (total > n)
          and (total == n or ("the first %d of %d" % (n, total)) in "".join(page.texts)), (n, total))

# Children in natural order: digits compare as numbers (eng-t2 before eng-t10).
import re as _re
def natural(x):
    return _re.sub(r"[0-9]+", lambda m: m.group().lstrip("0").rjust(20, "0"), x).encode()
sibs = {}
for u in d["units"]:
    sibs.setdefault((u["parentId"], u["depth"]), []).append(u["unitId"])
check("sibling units in natural order (digits as numbers)",
      all(v == sorted(v, key=natural) for v in sibs.values()),
      [v for v in sibs.values() if v != sorted(v, key=natural)][:1])

bars = having("bar turnover")
check("one turnover bar a unit (%d)" % len(d["units"]), len(bars) == len(d["units"]), len(bars))
check("one baseline tick a unit", len(having("tick baseline")) == len(d["units"]), "")
# A unit below the detector's min_headcount is not judged: no bar drawn.
check("minHeadcount is the detector's in force", int(d.get("minHeadcount", 0)) >= 1, d.get("minHeadcount"))
small = [a for t, a in bars
         if int(next(u["headcount"] for u in d["units"] if u["unitId"] == a["data-unit"]))
         < int(d["minHeadcount"])]
check("a unit of fewer than minHeadcount people shows no bar (%d)" % len(small),
      all(a["data-small"] == "1" and float(a["width"]) == 0 for a in small)
      and all(a["data-small"] == "0" for t, a in bars if a not in small), "")
bench = having("bar bench")
check("one bench bar a unit", len(bench) == len(d["units"]), len(bench))
by_unit = {a["data-unit"]: a for t, a in bars}
bench_by_unit = {a["data-unit"]: a for t, a in bench}
n = 0
for u in d["units"]:
    q = units_q[u["unitId"]]
    same = int(u["headcount"]) == int(q["headcount"]) \
        and abs(float(by_unit[u["unitId"]]["data-value"])
                - (q["turnoverAnnualised"] if q["turnoverRateKnown"] else 0)) < 1e-5 \
        and abs(float(by_unit[u["unitId"]]["data-baseline"]) - q["baselineAnnualised"]) < 1e-5 \
        and abs(float(bench_by_unit[u["unitId"]]["data-value"]) - q["benchStrength"]) < 1e-5 \
        and int(bench_by_unit[u["unitId"]]["data-critical"]) == q["criticalPositions"] \
        and int(bench_by_unit[u["unitId"]]["data-covered"]) == q["coveredPositions"]
    n += same
    if not same:
        check("unit %s as hrwatch unit says" % u["unitId"], False, (u, q))
check("every unit's headcount, turnover, baseline and bench as hrwatch unit says (%d)" % n,
      n == len(d["units"]))

rows = having("position", "tr")
check("one row a critical position (%d)" % len(d["positions"]), len(rows) == len(d["positions"]),
      len(rows))
check("positions are hrwatch position's", all(pos_q[p["positionId"]]["critical"]
      for p in d["positions"]), "")
# Each row's successors, in order, from the DOM, against hrwatch position.
succ, cur = {}, None
for t, a, s in page.els:
    if t == "tr" and "position" in (a.get("class") or "").split():
        cur = a["data-position"]
        succ[cur] = []
    elif t == "li" and "successor" in (a.get("class") or "").split():
        succ[cur].append((a["data-employee"], int(a["data-readiness"]), a["data-counted"] == "1",
                          a["data-mentor"]))
n = 0
for pid, q in pos_q.items():
    want = [(s["employeeId"], {"READINESS_READY_NOW": 1, "READINESS_READY_1_2_YEARS": 2,
             "READINESS_READY_3_PLUS_YEARS": 3}.get(s["readiness"], 0), s["counted"])
            for s in q["successors"]]
    got = [x[:3] for x in succ.get(pid, [])]
    n += got == want
    if got != want:
        check("position %s's successors as hrwatch position says" % pid, False, (got, want))
check("every position's successors, readiness and counted as hrwatch position says (%d)" % n,
      n == len(pos_q) and n > 0)
mentee = [x for v in succ.values() for x in v if x[3] == "E-MENTOR-1"]
check("the mentor assigned is shown beside the successor", len(mentee) >= 1, succ)
check("no other mentor invented", all(x[3] in ("", "E-MENTOR-1") for v in succ.values()
                                      for x in v), "")

cycles = having("bar engagement") + [(t, a) for t, a, s in page.els if s == "engagement"
                                     and t == "text" and "not-reported" in (a.get("class") or "")]
check("one entry a closed cycle (%d)" % len(d["engagement"]), len(cycles) == len(d["engagement"]),
      len(cycles))
check("a cycle not reported has no number", all(
    not c.get("respondents") and not c.get("meanEngagement") for c in d["engagement"]
    if not c["reported"]), "")
alerts = having("alert", "tr")
check("one row a firing alert (%d)" % len(d["alerts"]), len(alerts) == len(d["alerts"]), "")
explained = {"SUCCESSION_GAP", "BENCH_STRENGTH", "SUCCESSOR_OVERLAP", "TURNOVER_SPIKE",
             "REDUCTION_IN_FORCE", "ENGAGEMENT_DROP", "TURNOVER_RISE"}
sig = [a for t, a, s in page.els if s == "signals" and t == "tr"
       and "alert" in (a.get("class") or "").split()]
check("signals: the alerts of further kinds",
      len(sig) == len([a for a in d["alerts"] if a["kind"][len("ALERT_KIND_"):] not in explained]),
      "")

rank = {"SEVERITY_CRITICAL": 0, "SEVERITY_WARNING": 1, "SEVERITY_INFO": 2}
sev_num = {"SEVERITY_CRITICAL": 3, "SEVERITY_WARNING": 2, "SEVERITY_INFO": 1}
want = sorted([a for a in d["alerts"] if a["kind"][len("ALERT_KIND_"):] not in explained],
              key=lambda a: (rank.get(a["severity"], 3), a.get("startedAt", ""), a["fingerprint"]))
got = [(int(a["data-severity"]), a["data-since"]) for a in sig]
check("signals: critical, then warning, then info, oldest first",
      got == [(sev_num.get(a["severity"], 0), a["startedAt"][:10]) for a in want], got[:5])
html_text = open(dom, encoding="utf-8").read()
sig_html = html_text[html_text.find('<section id="signals"'):]
sig_html = sig_html[:sig_html.find("</section>")]
known_kinds = {"early_tenure_exits", "manager_hotspot", "successor_unmentored",
               "development_stalled", "succession_at_risk"}
check("signals: each row says what it means and since when it fires",
      sig_html.count('class="meaning"') == len(sig) and sig_html.count('class="since"') == len(sig)
      and sig_html.count("(no description for this kind)")
          == len([a for a in sig if a["data-kind"] not in known_kinds]), "")

# The name of markup is text, never markup.
names = [s for s in page.texts if "<script>alert(1)</script>" in s]
check("a unit name of markup is shown as text", len(names) >= 1, "")
check("and makes no element", not [1 for t, a, s in page.els if t == "script"])

txt = open(text).read()
check("--text says the headcount --json does", ("Headcount now: %s" % d["headcount"]) in txt, "")
check("--text lists every unit", all(u["unitId"] in txt for u in d["units"]), "")
check("--text lists every position", all(p["positionId"] in txt for p in d["positions"]), "")
check("--text says no data for each month without it",
      all(("%s  no data" % m["monthStart"][:7]) in txt for m in d["months"] if not m["known"])
      and all(("%s  headcount" % m["monthStart"][:7]) in txt for m in known), "")
sys.exit(1 if fails else 0)
EOF
"$py" "$work/check.py" "$work/all.dom" "$work/all.json" "$work/units.jsonl" \
  "$work/positions.jsonl" "$work/status.json" "$work/all.txt" 24 || fail=1

# ---------------------------------------------------------------------------
# One division's subtree, 6 months.

# eng: a division with positions, and the unit whose name is markup.
unit=eng
"$hrwatch" report --json --unit "$unit" --months 6 "${ctl[@]}" >"$work/unit.json"; rc=$?
[ $rc = 0 ] && ok "report --unit $unit exits 0" || bad "report --unit exit $rc"
"$hrwatch" report --text --unit "$unit" --months 6 "${ctl[@]}" >"$work/unit.txt" \
  || bad "report --text --unit"
"$hrwatch" report --html "$work/unit.html" --unit "$unit" --months 6 "${ctl[@]}" \
  || bad "report --html --unit"
render "$work/unit.html" "$work/unit.dom" || bad "chromium on the unit's page"
grep "^unit $unit\$" "$work/ids" >/dev/null || bad "$unit is not among the company's units"
: >"$work/u-units.jsonl"
: >"$work/u-positions.jsonl"
"$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for u in d["units"]: print("unit", u["unitId"])
for p in d["positions"]: print("position", p["positionId"])
' "$work/unit.json" >"$work/u-ids"
while read -r what id; do
  "$hrwatch" "$what" "$id" --json "${ctl[@]}" >>"$work/u-${what}s.jsonl" || bad "$what $id --json"
done <"$work/u-ids"
"$hrwatch" unit "$unit" --json "${ctl[@]}" >"$work/u-unit.json"
"$py" - "$work/unit.json" "$work/all.json" "$work/u-unit.json" "$unit" <<'EOF' || fail=1
import json, sys
d, a, u, unit = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), \
    json.load(open(sys.argv[3])), sys.argv[4]
sub = {unit}
for x in a["units"]:
    if x["parentId"] in sub:
        sub.add(x["unitId"])
want = [x["unitId"] for x in a["units"] if x["unitId"] in sub]
ok = [x["unitId"] for x in d["units"]] == want and d["units"][0]["depth"] == 0 \
    and d["unitId"] == unit and int(d["headcount"]) == int(u["headcount"]) \
    and all(p["unitId"] in sub for p in d["positions"]) \
    and all(unit in al["unitPath"] for al in d["alerts"]) \
    and len(d["positions"]) < len(a["positions"])
print(("ok   " if ok else "FAIL ") + "--unit %s keeps to its subtree (%d units, %d positions)"
      % (unit, len(d["units"]), len(d["positions"])))
sys.exit(0 if ok else 1)
EOF
# The same page checks, scaled to the subtree (status stands in for the
# scope's headcount through the unit's own report).
"$py" - "$work/u-unit.json" <<'EOF' >"$work/status2.json"
import json, sys
u = json.load(open(sys.argv[1]))
print(json.dumps({"employeesActive": u["headcount"]}))
EOF
"$py" "$work/check.py" "$work/unit.dom" "$work/unit.json" "$work/u-units.jsonl" \
  "$work/u-positions.jsonl" "$work/status2.json" "$work/unit.txt" 6 >"$work/unit.check"
# The mentee may work elsewhere: the mentor need not be in this subtree.
if grep -v "mentor assigned" "$work/unit.check" | grep -q "^FAIL"; then
  grep "^FAIL" "$work/unit.check"
  bad "the unit's page: the same checks"
else
  ok "the unit's page: the same checks ($(grep -c '^ok' "$work/unit.check") passed)"
fi

# ---------------------------------------------------------------------------
# Anonymity: a unit below the threshold is left out of the pooled figure
# whole, and a cycle with nothing to pool says nothing but that.

"$hrwatch" report --json --unit anon "${ctl[@]}" >"$work/anon.json" || bad "report --unit anon"
"$hrwatch" report --html "$work/anon.html" --unit anon "${ctl[@]}" || bad "report --html --unit anon"
"$py" - "$work/anon.json" "$work/anon.html" <<'EOF' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
page = open(sys.argv[2]).read()
c = {x["surveyCycleId"]: x for x in d["engagement"]}
one, two = c.get("anon-c1", {}), c.get("anon-c2", {})
checks = [
    ("the small unit's answers are not pooled in", one.get("reported") and
     one.get("respondents") == 6 and one.get("meanEngagement") == 5 and one.get("enps") == 100),
    ("a cycle below the threshold gives no number, not even a count",
     two.get("reported") is False and not two.get("respondents") and
     not two.get("meanEngagement") and not two.get("enps") and not two.get("enpsReported")),
    ("the page says not enough responses and no count",
     'data-cycle="anon-c2"' in page and "not enough" in page and
     'data-cycle="anon-c2" data-value' not in page),
]
bad = 0
for what, ok in checks:
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": %s" % d["engagement"]))
    bad += not ok
sys.exit(1 if bad else 0)
EOF

# ---------------------------------------------------------------------------
# The months marked with a turnover alert are those the alert log says a
# spike or rise was firing in, for ops-d1 or a unit just below it.

"$hrwatch" report --json --unit ops-d1 --months 36 "${ctl[@]}" >"$work/d1.json" \
  || bad "report --unit ops-d1"
"$hrwatch" subscribe --after 0 --for 3 --json --alerts-endpoint "ipc://$work/alerts.sock" \
  "${ctl[@]}" >"$work/log.jsonl" 2>/dev/null
"$py" - "$work/d1.json" "$work/log.jsonl" <<'EOF' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
log = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
top = {u["unitId"] for u in d["units"] if u["depth"] <= 1}
spans, last = [], {}
for a in log:
    if a["kind"] not in ("ALERT_KIND_TURNOVER_SPIKE", "ALERT_KIND_TURNOVER_RISE") \
            or a["subject"] not in top:
        continue
    last[a["fingerprint"]] = a
    if a["state"] == "ALERT_STATE_RESOLVED":
        spans.append((a["startedAt"][:7], a["resolvedAt"][:7]))
for a in last.values():
    if a["state"] == "ALERT_STATE_FIRING":
        spans.append((a["startedAt"][:7], d["clock"][:7]))
want = sorted(m["monthStart"][:7] for m in d["months"]
              if any(lo <= m["monthStart"][:7] <= hi for lo, hi in spans))
got = sorted(m["monthStart"][:7] for m in d["months"] if m["turnoverAlert"])
ok = want == got and len(got) > 0
print(("ok   " if ok else "FAIL ") + "months marked with a turnover alert are the log's (%s)"
      % (",".join(got) if ok else "got %s, want %s from %s" % (got, want, spans)))
sys.exit(0 if ok else 1)
EOF

# ---------------------------------------------------------------------------
# More months than the history: those before the first event are not
# zeros but "no data", with no point drawn; JSON still has every month.

"$hrwatch" report --json --months 60 "${ctl[@]}" >"$work/long.json" || bad "report --months 60"
"$hrwatch" report --text --months 60 "${ctl[@]}" >"$work/long.txt" || bad "report --text --months 60"
"$hrwatch" report --html "$work/long.html" --months 60 "${ctl[@]}" || bad "report --html --months 60"
"$py" - "$work/long.json" "$work/long.txt" "$work/long.html" <<'EOF' || fail=1
import json, re, sys
d, txt, page = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), open(sys.argv[3]).read()
unknown = [m["monthStart"][:7] for m in d["months"] if not m["known"]]
known = [m for m in d["months"] if m["known"]]
pts = re.findall(r'class="point headcount" data-month="([0-9-]+)"', page)
ok = len(d["months"]) == 60 and unknown and known \
    and all(("%s  no data" % u) in txt for u in unknown) \
    and pts == [m["monthStart"][:7] for m in known] \
    and 'class="not-reported no-data" data-months="%d"' % len(unknown) in page
print(("ok   " if ok else "FAIL ") + "months before the first event say no data (%d of 60), "
      "points in the %d known" % (len(unknown), len(known)))
unjudged = [m["monthStart"][:7] for m in known if not m["baselineJudged"]]
grey = re.findall(r'class="no-range" data-month="([0-9-]+)"', page)
lines = {l[2:9]: l for l in txt.splitlines() if re.match(r"  [0-9]{4}-[0-9]{2}  ", l)}
ok2 = grey == unjudged and ("no usual range yet: less than a full baseline of history" in page) \
    == bool(unjudged) and all("usual range: not enough history" in lines[u] for u in unjudged) \
    and all("usual range: not enough history" not in lines[m["monthStart"][:7]]
            for m in known if m["baselineJudged"])
print(("ok   " if ok2 else "FAIL ") + "months without a judged baseline have no usual range "
      "(%d), said in the legend and in --text" % len(unjudged))
sys.exit(0 if ok and ok2 else 1)
EOF

# ---------------------------------------------------------------------------
# Errors and usage.

out=$("$hrwatch" report --unit no-such-unit "${ctl[@]}" 2>&1); rc=$?
[ $rc = 2 ] && grep -q "no such unit" <<<"$out" && ok "an unknown unit exits 2, said" \
  || bad "unknown unit: exit $rc: $out"
out=$("$hrwatch" report --html "$work/x.html" --unit no-such-unit "${ctl[@]}" 2>&1); rc=$?
[ $rc = 2 ] && [ ! -e "$work/x.html" ] && ok "an unknown unit writes no page" \
  || bad "unknown unit with --html: exit $rc"
for args in "--months 0" "--months 121" "--text --json" "--frobnicate" "extra"; do
  # shellcheck disable=SC2086
  "$hrwatch" report $args "${ctl[@]}" >/dev/null 2>&1; rc=$?
  [ $rc = 64 ] && ok "report $args is a usage error" || bad "report $args: exit $rc"
done
"$hrwatch" report --html "$work/no/such/dir/r.html" "${ctl[@]}" >/dev/null 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "cannot write" "$work/err" && ok "a page that cannot be written exits 1" \
  || bad "unwritable --html: exit $rc"
# The page is written into a new file of its own and renamed: never through
# a link or into a device or pipe at FILE, nor through whatever sits beside.
echo victim >"$work/victim"
ln -s "$work/victim" "$work/link.html"
"$hrwatch" report --html "$work/link.html" "${ctl[@]}" >/dev/null 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "symbolic link" "$work/err" && [ -L "$work/link.html" ] \
  && [ "$(cat "$work/victim")" = victim ] && ok "a link at FILE is refused, not followed" \
  || bad "a link at FILE: exit $rc: $(cat "$work/err")"
mkfifo "$work/fifo.html"
"$hrwatch" report --html "$work/fifo.html" "${ctl[@]}" >/dev/null 2>"$work/err"; rc=$?
[ $rc = 1 ] && grep -q "not a regular file" "$work/err" && [ -p "$work/fifo.html" ] \
  && ok "a pipe at FILE is refused" || bad "a pipe at FILE: exit $rc: $(cat "$work/err")"
ln -s "$work/victim" "$work/page.html.tmp"
"$hrwatch" report --html "$work/page.html" "${ctl[@]}" >/dev/null 2>"$work/err"; rc=$?
[ $rc = 0 ] && [ "$(cat "$work/victim")" = victim ] && [ -f "$work/page.html" ] \
  && [ ! -L "$work/page.html" ] && [ "$(stat -c %a "$work/page.html")" = 600 ] \
  && ok "the page is its own file (0600), nothing beside it written through" \
  || bad "a link beside FILE: exit $rc: $(cat "$work/err")"
leftover=$(find "$work" -maxdepth 1 -name '.*.html.*' | wc -l)
[ "$leftover" = 0 ] && ok "no temporary file left behind" || bad "$leftover temporary files left"
"$hrwatch" report --help | grep -q "usage: hrwatch report" && ok "report --help" \
  || bad "report --help"

exit $fail

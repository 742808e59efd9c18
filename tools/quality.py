#!/usr/bin/env python3
"""Scores the alerts hrwatchd raised on hrwatch-gen's companies against
their ground truth (tools/quality.sh runs them) and prints one table per
alert kind: recall, delay, false alerts, flaps. docs/alerts.md, "How we
measure", gives the rules; they are the tables below.

Each run directory holds truth.jsonl (hrwatch-gen --truth) and
alerts.jsonl (hrwatch subscribe --after 0: every alert change)."""
import argparse
import datetime
import json
import os
import statistics
import sys

# Alert kinds by family, table-driven: the first row whose prefix a kind
# starts with says which scenarios can explain its alerts and how a
# subject is matched. A kind in no row (a detector added later under a new
# name) is still reported, and every alert it raises counts as false.
#   match "trigger": the truth is exact, one fact per change, matched by
#     kind, subject, the event that caused it, and the change (fire,
#     severity, resolve); every change not in the truth is false.
#   match "unit_or_ancestor": a firing on the scenario's unit or any unit
#     above it within the scenario's window is the same detection.
#   match "unit": a firing on the scenario's own unit within its window.
#   match "trigger_or_day": as "trigger" for a change an event causes; a
#     change the day-boundary sweep makes (no trigger) matches a fact
#     without one by kind, subject, change and day.
#   match "derived": the truth is derived here, at each instant, from the
#     generator's record of each critical role's only ready-now successor
#     and the turnover spikes and engagement drops the daemon raised
#     (succession_at_risk); matched by kind, subject, change and instant.
# exposure: what false alerts are counted per. flap_days: a fingerprint
# firing again within this many days of resolving is a flap.
FAMILIES = [
    # prefix,              family,       match,              exposure,     flap_days
    ("succession_gap",     "succession", "trigger",          "unit_years",  30),
    ("bench_strength",     "succession", "trigger",          "unit_years",  30),
    ("successor_overlap",  "succession", "trigger",          "unit_years",  30),
    ("turnover_",          "turnover",   "unit_or_ancestor", "unit_years",  30),
    ("reduction_in_force", "turnover",   "unit_or_ancestor", "unit_years",  30),
    ("engagement_",        "engagement", "unit",             "unit_cycles", 91),
    # Successor development and succession at risk (exact, rule-based)
    ("successor_unmentored", "succession", "trigger_or_day",   "unit_years",  30),
    ("development_stalled", "succession", "trigger_or_day",    "unit_years",  30),
    ("succession_at_risk", "succession", "derived",            "unit_years",  30),
    # Early-tenure exits and manager hotspots: turnover's family, so one
    # detector's alert on another's scenario is related, not false.
    ("early_tenure_exits", "turnover",   "unit_or_ancestor", "unit_years",  30),
    ("manager_hotspot",    "turnover",   "unit_or_ancestor", "unit_years",  30),
    # Voluntary exits entered ahead, clustered in a unit: no scenario
    # injects them, so every firing in a quiet company is a false alarm.
    ("scheduled_exits",    "turnover",   "unit_or_ancestor", "unit_years",  30),
]
# Match rules whose truth is exact: every change is scored against it.
EXACT = ("trigger", "trigger_or_day", "derived")
KNOWN_KINDS = ["succession_gap", "bench_strength", "successor_overlap", "turnover_spike",
               "reduction_in_force", "engagement_drop", "turnover_rise",
               "successor_unmentored", "development_stalled", "succession_at_risk",
               "early_tenure_exits", "manager_hotspot", "scheduled_exits"]
# Kinds whose targets are a delay: the share caught within it is shown too.
WITHIN_DAYS = {"turnover_spike": 20, "turnover_rise": 60}
# What false alerts are counted per, and how that is written.
EXPOSURE = {"unit_years": (50, "per 50 unit-years"), "unit_cycles": (100, "per 100 unit-cycles")}

# make test's checks at its small scale: what today's detectors achieve,
# each with the target it will tighten to.
CHECKS = [
    # (what, function of the scores -> (ok, detail))
    ("succession_gap: every gap, escalation and close seen on the event that causes it "
     "(recall 100%)", lambda s: s.recall_all("succession_gap") == 1.0),
    ("succession_gap: critical only for vacant roles (no severity the truth does not give)",
     lambda s: s.kinds["succession_gap"]["wrong_severity"] == 0),
    ("succession kinds: no alert change the truth does not derive",
     lambda s: all(s.kinds[k]["false"] == 0 for k in ("succession_gap", "bench_strength",
                                                       "successor_overlap"))),
    # Target: every seed within 20 days. With the spike's CUSUM (spike_h 7.5)
    # the full run catches 80% of them within 20 days, 96% at all, the worst
    # in 35; at this scale 3 of 4 within 28 days (14, 19 and 27).
    ("turnover_spike: a 6x spike in the largest team caught within 28 days in 3 of 4 seeds",
     lambda s: s.caught_within("turnover_spike", "spike-6x-30d-largest-team", 28.0, 0.75)),
    ("turnover_spike: a 6x spike in a random team of 80+ caught within 20 days in 3 of 4 seeds",
     lambda s: s.caught_within("turnover_spike", "spike-6x-30d", 20.0, 0.75)),
    # Target: 80% within 60 days, out of reach at this false-alarm budget
    # for teams of a few hundred (docs/alerts.md, the bound); the full run
    # catches 28% of those in the largest free team within 60 days.
    ("turnover_rise: a 2x rise in the largest free team caught within 60 days in 1 of 4 seeds",
     lambda s: s.caught_within("turnover_rise", "rise-2x-120d-largest-team", 60.0, 0.25)),
    ("no flaps in any kind (engagement decided once per closed cycle)",
     lambda s: all(k["flaps"] == 0 for k in s.kinds.values())),
    # Target: at most 1 per 100 unit-cycles (the full run: 0.40). A family
    # at FDR q finds a chance drop in about q of a quiet company's cycles,
    # so per unit-cycle the rate is about q over the units compared: 0.1 / 8
    # here (1.25 per 100) against 0.1 / 30 in the full run. The count here
    # is small (16 today: 2.45 per 100).
    ("engagement_drop: at most 3 false alerts per 100 unit-cycles",
     lambda s: s.false_per("engagement_drop", "unit_cycles", 100) <= 3.0),
    # The full run catches about 40% of 0.5-point drops in a 40-person team
    # in the cycle they come (docs/alerts.md: at this false-alarm budget no
    # test can reach the 90% once asked for); here 3 of 4.
    ("engagement_drop: a 0.5-point drop in a 40-person team caught in 2 of 4 seeds",
     lambda s: s.caught_within("engagement_drop", "drop-0.5", 30.0, 0.5)),
    ("turnover kinds: at most 1 false alert per 50 unit-years",
     lambda s: sum(s.false_per(k, "unit_years", 50) for k in s.kinds
                   if k.startswith("turnover_")) <= 1.0),
    ("no decoy fires (small team, few respondents)",
     lambda s: all(k["decoys_fired"] == 0 for k in s.kinds.values())),
    # Successor development and succession at risk are exact: every change
    # the truth derives, on its event or its day, and nothing else.
    ("successor development and succession at risk: every change the truth derives seen "
     "(recall 100%)", lambda s: all(s.recall_all(k) == 1.0 for k in (
         "successor_unmentored", "development_stalled", "succession_at_risk"))),
    ("successor development and succession at risk: no alert change the truth does not derive",
     lambda s: all(s.kinds[k]["false"] == 0 for k in (
         "successor_unmentored", "development_stalled", "succession_at_risk"))),
    ("successor development: no severity the truth does not give",
     lambda s: all(s.kinds[k]["wrong_severity"] == 0 for k in (
         "successor_unmentored", "development_stalled"))),
    # Early-tenure exits and manager hotspots. Target: at most 1 false alert
    # per 50 unit-years each (the full run: see docs/alerts.md); this scale
    # has about 220 unit-years, so a check at 2 leaves room for the one or
    # two a run this small may have by chance.
    ("early_tenure_exits, manager_hotspot: at most 2 false alerts per 50 unit-years each",
     lambda s: all(s.false_per(k, "unit_years", 50) <= 2.0
                   for k in ("early_tenure_exits", "manager_hotspot"))),
    # Target: 80%. The full run catches 60% (the rest are teams of 20-40
    # where a tripling brings one or two early leavers); here 2 of 4.
    ("early_tenure_exits: early-tenure-3x caught in 1 of 4 seeds",
     lambda s: s.caught_within("early_tenure_exits", "early-tenure-3x", 270.0, 0.25)),
    # Rescinded exits (hrwatch-gen --rescinds) and exits recorded ahead
    # (--scheduled): vacuous without them.
    ("rescinded exits: every succession alert a rescinded exit raised is retracted at its void "
     "or resolved before it (none still firing after)",
     lambda s: all(s.retract[k]["firing_after"] + s.retract[k]["firing_updated"] == 0
                   for k in ("succession_gap", "bench_strength", "succession_at_risk")
                   if k in s.retract)),
    ("rescinded exits: retractions are seen (resolution 'retracted: ...' at a void)",
     lambda s: not s.rescinds["exits"] or sum(r["retracted"] for r in s.retract.values()) > 0),
    ("exits recorded ahead: every succession gap one opens is raised at least 1 day before the "
     "exit's date, none missed",
     lambda s: not s.warning["exits_ahead"] or (
         s.warning["ahead"] and min(s.warning["ahead"]) >= 1.0
         and s.warning["ahead_missed"] == 0)),
    # manager-hotspot-4x has no recall check at this scale: its teams here
    # are of 20-40 people, where 4x for four months is 3-5 exits, and none
    # of the 4 seeds is caught (the full run: 3 in 4, in teams of 20-500).
    # The 90% recall once asked of a 0.5 engagement drop and the 80% within
    # 60 days of a 2x rise are out of reach at these false-alarm budgets for
    # teams of this size (docs/alerts.md gives the bounds).
]


def parse_time(s):
    s = s.rstrip("Z")
    if "." in s:
        base, frac = s.split(".")
        s = base + "." + (frac + "000000")[:6]
        fmt = "%Y-%m-%dT%H:%M:%S.%f"
    else:
        fmt = "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(s, fmt).replace(tzinfo=datetime.timezone.utc).timestamp()


def family_of(kind):
    for row in FAMILIES:
        if kind.startswith(row[0]):
            return row
    return None


def kind_of(alert):
    #  The fingerprint starts with the kind's name: a kind this script
    #  does not know (nor the proto it was built with) still has one.
    return alert["fingerprint"].split("/", 1)[0]


class Scores:
    def __init__(self):
        self.kinds = {}
        self.exposure = {"unit_years": 0, "unit_cycles": 0}
        self.quiet_exposure = {"unit_years": 0, "unit_cycles": 0}
        self.runs = {"quiet": 0, "inject": 0}
        #  Rescinded exits: per kind, alerts a rescinded exit raised and
        #  what became of them at its void.
        self.rescinds = {"exits": 0, "ahead": 0, "successors": 0}
        self.retract = {}
        #  Days of warning of the succession gaps an exit opened: exits
        #  recorded ahead, and the others.
        self.warning = {"ahead": [], "plain": [], "ahead_missed": 0, "plain_missed": 0,
                        "ahead_voided": 0, "exits_ahead": 0,
                        #  Early warnings raised as info (date 30+ days out)
                        "info": 0, "info_in_time": 0, "info_late": [], "info_ended": 0}

    def retract_row(self, k):
        if k not in self.retract:
            self.retract[k] = {"alerts": 0, "retracted": 0, "firing_after": 0, "firing_updated": 0,
                               "resolved_before": 0, "resolved_other": 0, "examples": []}
        return self.retract[k]

    def kind(self, k):
        if k not in self.kinds:
            row = family_of(k)
            self.kinds[k] = {"family": row[1] if row else None, "scenarios": {}, "false": 0,
                             "false_quiet": 0, "flaps": 0, "wrong_severity": 0,
                             "decoys_fired": 0, "related": 0, "changes": 0, "refires_in_truth": 0,
                             "scheduled_changes": 0, "rescind_related": 0,
                             "rescind_related_quiet": 0, "examples": []}
        return self.kinds[k]

    def scenario(self, k, name, expect):
        sc = self.kind(k)["scenarios"]
        key = (name, expect)
        if key not in sc:
            sc[key] = {"injected": 0, "caught": 0, "delays": [], "seeds": []}
        return sc[key]

    def recall_all(self, k):
        n = c = 0
        for (name, expect), r in self.kind(k)["scenarios"].items():
            if expect in ("fire", "severity", "resolve"):
                n += r["injected"]
                c += r["caught"]
        return c / n if n else 1.0

    def caught_within(self, k, name, days, share=1.0):
        r = self.kind(k)["scenarios"].get((name, "fire"))
        if not r or not r["injected"]:
            return False
        in_time = sum(1 for d in r["delays"] if d <= days)
        return in_time >= share * r["injected"]

    def false_per(self, k, family_exposure, per):
        expo = self.exposure[family_exposure]
        return per * self.kind(k)["false"] / expo if expo else 0.0


def load_jsonl(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def succession_row(name):
    #  Injected causes have their own rows; the facts the background
    #  produces (successors leaving at the steady rate, roles filled by
    #  their successor, ...) share one.
    return name if name.startswith("gap-") else "background (derived)"


def at_risk_facts(truth, alerts):
    """succession_at_risk's truth: at each instant a role's only ready-now
    successor (the generator's "sole" records) or the turnover spikes and
    engagement drops firing (the daemon's own alerts) change, whether that
    successor's unit has a spike on it or above it, or a drop on it."""
    changes = {}    # time -> [("sole", record) | ("cause", kind, unit, firing, fingerprint)]
    for t in truth:
        if "sole" in t:
            changes.setdefault(parse_time(t["sole"]["at"]), []).append(("sole", t["sole"]))
    for a in sorted(alerts, key=lambda x: int(x["seq"])):
        k = kind_of(a)
        if k not in ("turnover_spike", "engagement_drop") or \
           a.get("change") == "ALERT_CHANGE_UPDATED":
            continue
        changes.setdefault(parse_time(a["changedAt"]), []).append(
            ("cause", k, a.get("unitId", ""), a["state"] == "ALERT_STATE_FIRING",
             a["fingerprint"]))
    sole, spikes, drops, expected, out = {}, {}, {}, {}, []
    for t in sorted(changes):
        for c in changes[t]:
            if c[0] == "sole":
                sole[c[1]["position"]] = c[1]
            elif c[1] == "turnover_spike":
                spikes[c[4]] = c[2] if c[3] else None
            else:
                drops[c[4]] = c[2] if c[3] else None
        spiking = set(u for u in spikes.values() if u)
        dropping = set(u for u in drops.values() if u)
        for pos, s in sole.items():
            path = s["unit_path"]
            now = bool(s["employee"]) and bool(path) and \
                (any(u in spiking for u in path) or path[0] in dropping)
            if now != expected.get(pos, False):
                expected[pos] = now
                out.append({"scenario": "background", "family": "succession",
                            "kind": "succession_at_risk", "subject": pos,
                            "unit": s["position_unit"], "unit_path": [],
                            "onset": datetime.datetime.fromtimestamp(
                                t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                            "expect": "fire" if now else "resolve",
                            "severity": "warning" if now else None, "window_days": 0,
                            "at": t})
    return out


def is_scheduled(a):
    return bool(a.get("scheduledFor"))


def rescind_alerts(scores, rescinds, alerts):
    """Alerts whose firing a rescinded exit triggered: at the void, were
    they retracted (resolved with resolution "retracted: ...")?"""
    by_fp = {}
    for a in sorted(alerts, key=lambda x: int(x["seq"])):
        by_fp.setdefault(a["fingerprint"], []).append(a)
    for fp, changes in by_fp.items():
        k = kind_of(changes[0])
        firing = False
        for i, a in enumerate(changes):
            now = a["state"] == "ALERT_STATE_FIRING"
            started = now and not firing
            firing = now
            r = rescinds.get(a.get("triggerEventId", ""))
            #  Fired by the exit, before its void (what the void itself
            #  raises names the exit too).
            if not started or r is None or \
               parse_time(a["changedAt"]) >= parse_time(r["void_at"]) - 1e-3:
                continue
            row = scores.retract_row(k)
            row["alerts"] += 1
            void_at = parse_time(r["void_at"])
            outcome = "firing_after"
            updated = False
            for b in changes[i + 1:]:
                if b["state"] == "ALERT_STATE_FIRING":
                    updated |= abs(parse_time(b["changedAt"]) - void_at) < 1e-3
                    continue
                when = parse_time(b["changedAt"])
                if (b.get("resolution") or "").startswith("retracted:"):
                    outcome = "retracted"
                elif when < void_at - 1e-3:
                    outcome = "resolved_before"
                elif when <= void_at + 1e-3:
                    outcome = "resolved_other"
                else:
                    outcome = "firing_after"
                break
            if outcome == "firing_after" and updated:
                outcome = "firing_updated"
            row[outcome] += 1
            if outcome not in ("retracted", "firing_updated") and len(row["examples"]) < 3:
                row["examples"].append("%s fired %s on %s, voided %s: %s" % (
                    fp, a["changedAt"][:19], r["exit"], r["void_at"][:19], outcome))


def info_warnings(scores, alerts):
    """Early warnings raised as info (their date more than 30 days out):
    did each become a warning when 30 days remained? Severity is judged
    when the position is evaluated (docs/alerts.md), so one no event
    touches stays info: this says how often, and for how long."""
    by_fp = {}
    for a in sorted(alerts, key=lambda x: int(x["seq"])):
        if kind_of(a) == "succession_gap":
            by_fp.setdefault(a["fingerprint"], []).append(a)
    w = scores.warning
    for changes in by_fp.values():
        for i, a in enumerate(changes):
            if a.get("change") != "ALERT_CHANGE_FIRED" or not is_scheduled(a) \
               or a.get("severity") != "SEVERITY_INFO":
                continue
            w["info"] += 1
            due = parse_time(a["scheduledFor"]) - 30 * 86400
            nxt = None
            for b in changes[i + 1:]:
                if b.get("severity") != "SEVERITY_INFO" or not is_scheduled(b) \
                   or b["state"] != "ALERT_STATE_FIRING":
                    nxt = b
                    break
            end = parse_time(nxt["changedAt"]) if nxt else None
            if end is not None and end <= due + 86400 and nxt["state"] == "ALERT_STATE_FIRING" \
               and is_scheduled(nxt):
                w["info_in_time"] += 1
            elif end is not None and end <= due + 86400:
                w["info_ended"] += 1
            else:
                #  Days it stayed info with under 30 to go.
                last = end if end is not None else parse_time(a["scheduledFor"])
                w["info_late"].append((last - due) / 86400.0)


def score_run(scores, kind_of_run, truth, alerts):
    facts = [t for t in truth if "scenario" in t] + at_risk_facts(truth, alerts)
    #  hrwatch-gen --rescinds and --scheduled: exits voided later, exits
    #  recorded ahead.
    rescinds = {t["rescind"]["exit"]: t["rescind"] for t in truth if "rescind" in t}
    voids = {r["void"]: r for r in rescinds.values()}
    rescinded_people = {r["employee"]: parse_time(r["exit_at"]) for r in rescinds.values()}
    ahead = {t["exit_ahead"]["exit"]: t["exit_ahead"] for t in truth if "exit_ahead" in t}
    scores.rescinds["exits"] += len(rescinds)
    scores.rescinds["ahead"] += sum(1 for r in rescinds.values() if r["ahead"])
    scores.rescinds["successors"] += sum(1 for r in rescinds.values() if r["successor_of"])
    scores.warning["exits_ahead"] += len(ahead)
    for f in facts:
        #  An early warning is info while its date is more than 30 days out.
        x = ahead.get(f.get("trigger"))
        if x and f.get("kind") == "succession_gap" and f["expect"] == "fire" \
           and f.get("cause") == "exit recorded ahead":
            f["severity"] = "info" if parse_time(x["occurred"]) - parse_time(x["recorded"]) \
                > 30 * 86400 else "warning"
    rescind_alerts(scores, rescinds, alerts)
    info_warnings(scores, alerts)
    #  Firings that a void took back (resolution "retracted: ..."): they
    #  stood on an exit that was rescinded.
    retracted_fires, open_fire = set(), {}
    for a in sorted(alerts, key=lambda x: int(x["seq"])):
        fp = a["fingerprint"]
        if a["state"] == "ALERT_STATE_FIRING":
            open_fire.setdefault(fp, a["seq"])
        elif fp in open_fire:
            if (a.get("resolution") or "").startswith("retracted:"):
                retracted_fires.add(open_fire[fp])
            del open_fire[fp]
    for t in truth:
        if "exposure" in t:
            for e in ("unit_years", "unit_cycles"):
                scores.exposure[e] += t["exposure"][e]
                if kind_of_run == "quiet":
                    scores.quiet_exposure[e] += t["exposure"][e]
    for f in facts:
        f["t"] = parse_time(f["onset"])
        f["matched"] = None
    for k in KNOWN_KINDS:
        scores.kind(k)
    state = {}          #  fingerprint -> (firing, severity)
    last_resolve = {}   #  fingerprint -> time
    foreseen = {}       #  fingerprint -> its last change had scheduledFor
    for a in sorted(alerts, key=lambda x: int(x["seq"])):
        was_foreseen = foreseen.get(a["fingerprint"], False)
        foreseen[a["fingerprint"]] = is_scheduled(a)
        #  An update restates a firing alert with its current figures; how
        #  many there are depends on how events were grouped into commits,
        #  so they are not scored: only fire, severity and resolve are.
        if a.get("change") == "ALERT_CHANGE_UPDATED":
            continue
        k = kind_of(a)
        ks = scores.kind(k)
        ks["changes"] += 1
        row = family_of(k)
        fp = a["fingerprint"]
        subject = fp.split("/", 1)[1] if "/" in fp else ""
        firing = a["state"] == "ALERT_STATE_FIRING"
        sev = a.get("severity", "").replace("SEVERITY_", "").lower()
        t = parse_time(a["changedAt"])
        was = state.get(fp, (False, None))
        change = "fire" if firing and not was[0] else "severity" if firing else "resolve"
        state[fp] = (firing, sev)
        refire = change == "fire" and fp in last_resolve and row is not None \
            and t - last_resolve[fp] <= row[4] * 86400
        if refire and row[2] not in EXACT:
            ks["flaps"] += 1
        if change == "resolve":
            last_resolve[fp] = t
        unit = a.get("unitId", "")

        trig = a.get("triggerEventId", "")

        def rescind_related():
            #  Raised by an exit later voided, or changed by its void, or
            #  taken back by a void (retracted), or
            #  about someone whose exit was voided (their successor
            #  development restarts from the void in the truth, from the
            #  nomination in the daemon): not a false alarm of the
            #  detector; counted apart.
            if trig in rescinds or trig in voids or a["seq"] in retracted_fires:
                return True
            return k in ("successor_unmentored", "development_stalled") and \
                subject in rescinded_people and t >= rescinded_people[subject]

        def false_alert(why):
            if rescind_related():
                ks["rescind_related"] += 1
                if kind_of_run == "quiet":
                    ks["rescind_related_quiet"] += 1
                return False
            ks["false"] += 1
            if kind_of_run == "quiet":
                ks["false_quiet"] += 1
            if len(ks["examples"]) < 3:
                ks["examples"].append("%s %s %s (%s)" % (fp, change, a["changedAt"][:10], why))
            return True

        if row is None:
            if change == "fire":
                false_alert("no scenario family for this kind")
            continue
        if row[2] in EXACT and is_scheduled(a) and change != "fire":
            #  An early warning's severity as its date nears, or as more
            #  is foreseen: the truth says only when it opens and closes.
            ks["scheduled_changes"] += 1
            continue
        if row[2] in EXACT:
            match = None
            for f in facts:
                if f["kind"] != k or f["subject"] != subject or f["expect"] != change \
                   or f["matched"] is not None:
                    continue
                if row[2] == "derived":
                    same = abs(f["at"] - t) < 1e-3
                elif "trigger" in f or row[2] == "trigger":
                    same = f.get("trigger") == a.get("triggerEventId")
                    #  What a void changes names, as its trigger, the event
                    #  it took back (a retraction's resolution says so).
                    v = voids.get(f.get("trigger"))
                    if not same and v:
                        same = a.get("triggerEventId") == v["exit"] and \
                            abs(parse_time(v["void_at"]) - t) < 1e-3
                else:
                    same = not a.get("triggerEventId") and \
                        f["onset"][:10] == a["changedAt"][:10]
                if same:
                    match = f
                    break
            if match is None:
                #  An early warning's own changes (info to warning as its
                #  date nears, the day it comes into force) are not in the
                #  truth, which says when the gap opens and closes.
                if (is_scheduled(a) or was_foreseen) and firing:
                    ks["scheduled_changes"] += 1
                    continue
                if false_alert("not in the derived truth"):
                    ks["flaps"] += refire
                continue
            match["matched"] = t
            if refire:
                ks["refires_in_truth"] += 1
            if match.get("severity") and match["severity"] != sev:
                ks["wrong_severity"] += 1
            continue
        if change != "fire":
            continue
        cands = []
        for f in facts:
            if f["family"] != row[1] or not (f["t"] <= t <= f["t"] + f["window_days"] * 86400):
                continue
            on_unit = unit == f["unit"]
            if row[2] == "unit_or_ancestor" and not (on_unit or unit in f["unit_path"]):
                continue
            if row[2] == "unit" and not on_unit:
                continue
            cands.append((f, on_unit))
        hit = [f for f, on in cands if f["kind"] == k and f["expect"] == "fire"
               and (row[2] != "unit" or f["subject"] == subject)]
        decoy = [f for f, on in cands if f["kind"] == k and f["expect"] == "silent" and on
                 and (row[2] != "unit" or f["subject"] == subject)]
        if hit:
            for f in hit:
                if f["matched"] is None:
                    f["matched"] = t
        elif decoy:
            ks["decoys_fired"] += 1
            if decoy[0]["matched"] is None:
                decoy[0]["matched"] = t
            false_alert("decoy " + decoy[0]["scenario"])
        elif cands:
            ks["related"] += 1
            for f, on in cands:
                if f["kind"] == k and f["expect"] == "allow" and f["matched"] is None:
                    f["matched"] = t
        else:
            false_alert("no scenario")
    for f in facts:
        if f["kind"] != "succession_gap" or f["expect"] != "fire" \
           or f.get("cause") not in ("exit", "exit recorded ahead"):
            continue
        x = ahead.get(f.get("trigger"))
        if x and x["voided"]:
            scores.warning["ahead_voided"] += 1
            continue
        which = "ahead" if x else "plain"
        if f["matched"] is None:
            scores.warning[which + "_missed"] += 1
            continue
        occurred = parse_time(x["occurred"]) if x else f["t"]
        scores.warning[which].append((occurred - f["matched"]) / 86400.0)
    for f in facts:
        k = f["kind"]
        if f["family"] == "succession":
            name = succession_row(f["scenario"])
        else:
            name = f["scenario"]
        r = scores.scenario(k, name, f["expect"])
        r["injected"] += 1
        if f["expect"] in ("silent", "allow"):
            r["caught"] += f["matched"] is not None
            continue
        if f["matched"] is not None:
            r["caught"] += 1
            r["delays"].append((f["matched"] - f["t"]) / 86400.0)


def fmt_days(x):
    return "%.1f" % x if x is not None else "—"


def report(scores, args):
    out = []
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.append("Measured %s on %s; %s; %d s." % (when, args.machine, args.scale, args.seconds))
    out.append("")
    for k in sorted(scores.kinds, key=lambda x: (x not in KNOWN_KINDS, x)):
        ks = scores.kinds[k]
        row = family_of(k)
        out.append("#### %s" % k)
        out.append("")
        within = WITHIN_DAYS.get(k)
        extra = " within %d days |" % within if within else ""
        out.append("| scenario | expected | injected | caught | recall | median delay (days) "
                   "| worst delay (days) |" + extra)
        out.append("|---|---|---:|---:|---:|---:|---:|" + ("---:|" if within else ""))
        for (name, expect), r in sorted(ks["scenarios"].items()):
            if expect == "silent":
                out.append("| %s | silent | %d | %d fired | — | — | — |%s"
                           % (name, r["injected"], r["caught"], " — |" if within else ""))
                continue
            if expect == "allow":
                out.append("| %s | may fire | %d | %d fired | — | — | — |%s"
                           % (name, r["injected"], r["caught"], " — |" if within else ""))
                continue
            rec = "%.0f%%" % (100.0 * r["caught"] / r["injected"]) if r["injected"] else "—"
            med = statistics.median(r["delays"]) if r["delays"] else None
            worst = max(r["delays"]) if r["delays"] else None
            cell = ""
            if within:
                n = sum(1 for d in r["delays"] if d <= within)
                cell = " %.0f%% |" % (100.0 * n / r["injected"]) if r["injected"] else " — |"
            out.append("| %s | %s | %d | %d | %s | %s | %s |%s"
                       % (name, expect, r["injected"], r["caught"], rec, fmt_days(med),
                          fmt_days(worst), cell))
        if not ks["scenarios"]:
            out.append("| (nothing injected) | | | | | | |")
        if row:
            per, words = EXPOSURE[row[3]]
            expo, qexpo = scores.exposure[row[3]], scores.quiet_exposure[row[3]]
            rate = per * ks["false"] / expo if expo else 0.0
            qrate = per * ks["false_quiet"] / qexpo if qexpo else 0.0
            false_text = "%d false (%.2f %s; quiet companies alone: %d, %.2f)" % (
                ks["false"], rate, words, ks["false_quiet"], qrate)
        else:
            false_text = "%d false (no scenario family: every firing counts)" % ks["false"]
        out.append("")
        extra = ""
        if row and row[2] in EXACT:
            extra = "; wrong severity: %d; fired again within %d days of resolving, as the " \
                "truth says it should: %d" % (ks["wrong_severity"], row[4], ks["refires_in_truth"])
        if ks["scheduled_changes"]:
            extra += "; changes of early warnings not scored (severity as the date nears, " \
                "the day it comes into force): %d" % ks["scheduled_changes"]
        if ks["rescind_related"]:
            extra += "; raised or changed by a rescinded exit or its void, not counted false: " \
                "%d (quiet companies: %d)" % (ks["rescind_related"], ks["rescind_related_quiet"])
        out.append("%d alert changes; %s; flaps: %d; decoys fired: %d; on a scenario's unit but "
                   "another kind of its family: %d%s." % (ks["changes"], false_text, ks["flaps"],
                                                         ks["decoys_fired"], ks["related"], extra))
        for e in ks["examples"]:
            out.append("  e.g. %s" % e)
        out.append("")
    out.extend(report_rescinds(scores))
    out.extend(report_warning(scores))
    out.append("Exposure: %d unit-years judged (every unit, leaves and parents, over the years "
               "after the first), %d unit-cycles judged (5+ answers in the cycle and the one "
               "before); %d quiet and %d injected companies."
               % (scores.exposure["unit_years"], scores.exposure["unit_cycles"],
                  scores.runs["quiet"], scores.runs["inject"]))
    return "\n".join(out) + "\n"


def report_rescinds(scores):
    r = scores.rescinds
    out = ["#### rescinded exits", ""]
    if not r["exits"]:
        return out + ["(none: hrwatch-gen without --rescinds)", ""]
    out.append("%d exits voided 1-14 days after (%d of them recorded ahead and voided before "
               "their date; %d of a ready-now successor). Alerts a rescinded exit fired, and "
               "what became of them at its void:" % (r["exits"], r["ahead"], r["successors"]))
    out.append("")
    out.append("| kind | fired by a rescinded exit | retracted | still firing after the void "
               "| of which updated at the void | resolved before the void "
               "| resolved at the void, not as retracted |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for k in sorted(scores.retract):
        x = scores.retract[k]
        out.append("| %s | %d | %d | %d | %d | %d | %d |" % (
            k, x["alerts"], x["retracted"], x["firing_after"] + x["firing_updated"],
            x["firing_updated"], x["resolved_before"], x["resolved_other"]))
    if not scores.retract:
        out.append("| (none fired) | | | | | | |")
    out.append("")
    out.append("Still firing after the void is right only where the alert holds without the "
               "exit: a turnover window that still tests high with the exit taken out is "
               "updated with the corrected figures at the void (docs/alerts.md, Retractions); "
               "succession alerts an exit alone raised should all be retracted.")
    set_apart = sum(k["rescind_related"] for k in scores.kinds.values())
    set_apart_quiet = sum(k["rescind_related_quiet"] for k in scores.kinds.values())
    out.append("")
    out.append("Alert changes raised or changed by a rescinded exit or its void (or a firing a "
               "void took back) that the truth does not have, counted apart, not as false "
               "alarms: %d (quiet companies: %d)." % (set_apart, set_apart_quiet))
    out.append("")
    for k in sorted(scores.retract):
        for e in scores.retract[k]["examples"]:
            out.append("  e.g. %s" % e)
    out.append("")
    return out


def days_text(xs):
    if not xs:
        return "—"
    return "median %.1f, %.1f–%.1f, %d gaps" % (statistics.median(xs), min(xs), max(xs), len(xs))


def report_warning(scores):
    w = scores.warning
    out = ["#### days of warning (succession_gap opened by an exit)", ""]
    out.append("Days from the gap's alert to the exit's date: exits recorded ahead "
               "(hrwatch-gen --scheduled, %d of them) and the others." % w["exits_ahead"])
    out.append("")
    out.append("| exit | days of warning | gaps the truth has, not seen |")
    out.append("|---|---|---:|")
    out.append("| recorded ahead | %s | %d |" % (days_text(w["ahead"]), w["ahead_missed"]))
    out.append("| not recorded ahead | %s | %d |" % (days_text(w["plain"]), w["plain_missed"]))
    out.append("")
    if w["ahead_voided"]:
        out.append("Early warnings of exits voided before their date (not in the figures above): "
                   "%d." % w["ahead_voided"])
        out.append("")
    if w["info"]:
        late = w["info_late"]
        out.append("Early warnings raised as info (date more than 30 days out): %d; became a "
                   "warning when 30 days remained: %d; ended before then: %d; still info with "
                   "under 30 days to go: %d%s." % (
                       w["info"], w["info_in_time"], w["info_ended"], len(late),
                       " (for a median %.1f days, %.1f–%.1f, of the 30)" % (
                           statistics.median(late), min(late), max(late)) if late else ""))
        out.append("")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out")
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--machine", default="")
    ap.add_argument("--scale", default="")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    scores = Scores()
    for d in sorted(os.listdir(args.work)):
        path = os.path.join(args.work, d)
        if not os.path.isdir(path):
            continue
        kind = d.split("-", 1)[0]
        if not os.path.exists(os.path.join(path, "alerts.jsonl")):
            print("quality: %s has no alerts.jsonl (the run failed)" % d, file=sys.stderr)
            return 1
        scores.runs[kind] = scores.runs.get(kind, 0) + 1
        score_run(scores, kind, load_jsonl(os.path.join(path, "truth.jsonl")),
                  load_jsonl(os.path.join(path, "alerts.jsonl")))
    text = report(scores, args)
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    if not args.check:
        return 0
    failed = 0
    for what, fn in CHECKS:
        ok = fn(scores)
        print("%s %s" % ("ok  " if ok else "FAIL", what))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

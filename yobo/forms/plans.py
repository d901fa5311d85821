"""Plan forms (domain.md §4): 介護予防サービス・支援計画書 (A–C表), 週間計画表 (D表) and
介護予防支援・サービス評価表 (F表).

The plan is printed as it stands, with every 軽微な変更 shown 見え消し (the old text
struck through beside the new, seed 002 III-2(2)): each field a change can touch is
printed through the ``revised(path, value)`` template global, ``path`` being the
field's place in plan.yaml (``goals[0].services[0].provider``, ``period.end``).
"""

from __future__ import annotations

import re
from datetime import date

from .. import checklist as kcl
from .. import wareki
from ..model import Case, Plan, Review
from ..values import clock_minutes
from ..vocab import (ASSESSMENT_DOMAINS, CERT_STATUSES, DECISIONS, DOCUMENTS, LEVELS, NEXT_ROUTES,
                     PLAN_AMENDMENT_KINDS, PLAN_KINDS, WEEKDAYS, WEEKLY_KINDS)
from . import Form, Source

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

def _s(value) -> str:
    """A text field that may be absent or null in the document: an empty box."""
    return "" if value is None else str(value)


def _person(case: Case) -> dict:
    person = case.person
    return {"name": person.name, "kana": person.kana, "birth": person.birth}


def _shown_date(value) -> str:
    """An amendment's old value as the form prints it: an ISO date in 和暦."""
    text = _s(value)
    if _ISO_DATE.match(text):
        try:
            return wareki.format_date(date.fromisoformat(text))
        except ValueError:
            return text
    return text


def _amendments(plan: Plan) -> list[dict]:
    """The plan's 軽微な変更, dates of old values in 和暦 (the form prints dates so)."""
    out = []
    for change in plan.data.get("amendments") or []:
        out.append({**change, "old": _shown_date(change.get("old")), "new": _shown_date(change.get("new")),
                    "kind_label": PLAN_AMENDMENT_KINDS.get(change.get("kind"), _s(change.get("kind"))),
                    "reason": _s(change.get("reason")), "consent_date": change.get("consent_date"),
                    "consent_method": _s(change.get("consent_method"))})
    return out


def _review(source: Source, review: Review | None) -> dict | None:
    """A 包括's confirmation as the forms print it (センター名 from its file)."""
    if review is None:
        return None
    return {"date": review.date, "reviewer": review.reviewer, "opinion": review.opinion,
            "center": _s(source.read(review.path).get("center"))}


def _plan_review(source: Source, plan: Plan) -> dict | None:
    """The 包括's confirmation of exactly this plan text (its digest), the newest one."""
    confirming = [r for r in plan.reviews if r.plan_digest == plan.digest]
    return _review(source, confirming[-1] if confirming else None)


# -- 介護予防サービス・支援計画書 ------------------------------------------------------------------


def build_plan(source: Source) -> dict:
    """介護予防サービス・支援計画書 — seed 002 §3 (記載要領 ①–㉝) and 資料3 (the sheet's
    layout); Toshima A–C表 (seed 003).  Every box of domain.md §4, with 見え消し."""
    plan = source.plan()
    data = plan.data
    life = data.get("life_goals") or {}
    domain_data = data.get("domains") or {}
    domains = []
    for code, label in ASSESSMENT_DOMAINS.items():
        d = domain_data.get(code) or {}
        domains.append({"code": code, "label": label, "path": f"domains.{code}", "current": _s(d.get("current")),
                        "intention": _s(d.get("intention")), "issue": d.get("issue"),
                        "background": _s(d.get("background"))})
    issues = [_s(x) for x in data.get("issues") or []]
    proposals = [_s(x) for x in data.get("proposals") or []]
    intentions = [_s(x) for x in data.get("intentions") or []]
    goals = []
    for i, goal in enumerate(data.get("goals") or []):
        services = []
        for j, service in enumerate(goal.get("services") or []):
            services.append({"path": f"goals[{i}].services[{j}]", "self_care": _s(service.get("self_care")),
                             "insured_service": _s(service.get("insured_service")), "kind": _s(service.get("kind")),
                             "provider": _s(service.get("provider")), "from": service.get("from"),
                             "to": service.get("to")})
        goals.append({"no": i + 1, "path": f"goals[{i}]", "goal": _s(goal.get("goal")),
                      "support_points": _s(goal.get("support_points")), "services": services})
    checklist = data.get("checklist") or {}
    scores = checklist.get("scores") or {}
    # 「3/5」 as written in the plan; a blank numerator over the item count where none is
    unknown = checklist.get("unknown") or {}
    # 「?/2（身長・体重なし）」: an unknown score says why (issue 13)
    programs = [{"code": code, "label": label, "score": scores.get(code),
                 "shown": (f"{scores[code]}（{unknown[code]}）" if scores.get(code) and code in unknown
                           else scores.get(code) or f"　/{len(kcl.DOMAINS[code][1])}")}
                for code, label in kcl.PROGRAMS.items()]
    consent = plan.consent
    return {
        "case_id": source.case.id,
        "person": _person(source.case),
        "plan": {
            "id": plan.id, "kind": data.get("kind"), "cert_status": data.get("cert_status"), "level": data.get("level"),
            "certified_on": data.get("certified_on"), "cert_from": data.get("cert_from"), "cert_to": data.get("cert_to"),
            "planner": _s(data.get("planner")), "planner_office": _s(data.get("planner_office")),
            "planner_office_no": _s(data.get("planner_office_no")), "hokatsu": _s(data.get("hokatsu")),
            "created_on": data.get("created_on"), "first_created_on": data.get("first_created_on"),
            "start": plan.start, "end": plan.end,
            "life_day": _s(life.get("day")), "life_year": _s(life.get("year")),
            "health_notes": _s(data.get("health_notes")), "unable_policy": _s(data.get("unable_policy")),
            "overall_policy": _s(data.get("overall_policy")),
        },
        "domains": domains,
        "numbered": [{"no": n + 1,
                      "issue": issues[n] if n < len(issues) else None,
                      "proposal": proposals[n] if n < len(proposals) else None,
                      "intention": intentions[n] if n < len(intentions) else None}
                     for n in range(max(len(issues), len(proposals), len(intentions)))],
        "goals": goals,
        "checklist": {"date": checklist.get("date"), "programs": programs},
        "review": _plan_review(source, plan),
        "consent": {"date": consent.date, "signer": consent.signer} if consent else None,
        "amendments": _amendments(plan),
        "plan_kinds": PLAN_KINDS, "cert_statuses": CERT_STATUSES, "levels": LEVELS,
    }


# -- 週間計画表 -----------------------------------------------------------------------------------

#: The rows of the week grid (start, end in minutes) and the band each belongs to: the
#: national 週間サービス計画表's 深夜・早朝・午前・午後・夜間・深夜, in 2-hour rows from
#: 4:00 (the hours before 4:00 are one row: the user is asleep).
WEEK_ROWS = [(0, 240, "深夜"), (240, 360, "深夜"), (360, 480, "早朝"), (480, 600, "午前"), (600, 720, "午前"),
             (720, 840, "午後"), (840, 960, "午後"), (960, 1080, "午後"), (1080, 1200, "夜間"),
             (1200, 1320, "夜間"), (1320, 1440, "深夜")]


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def week_items(entries: list[dict]) -> list[dict]:
    """The 週間計画表's entries with minutes and printable times, earliest first."""
    items = []
    for n, entry in enumerate(entries):
        start, end = clock_minutes(entry["start"]), clock_minutes(entry["end"])
        items.append({"n": n, "days": list(dict.fromkeys(entry["days"])), "start": start, "end": end,
                      "time": f"{_clock(start)}〜{_clock(end)}", "kind": entry["kind"],
                      "kind_label": WEEKLY_KINDS[entry["kind"]], "text": entry["text"]})
    return sorted(items, key=lambda x: (x["start"], x["end"], x["n"]))


def week_grid(items: list[dict]) -> list[dict]:
    """The grid of the 週間計画表: one dict a row with its band (``band_span`` > 0 on the
    band's first row) and, per weekday, the cell that starts on this row — ``None`` where
    a cell of an earlier row spans down.  A cell covers the consecutive rows that the same
    entries overlap, so a day service from 9:30 to 15:30 is one tall box as on paper.

    Markdown has no rowspan: ``md`` lists, per weekday, the entries starting in the row
    and whether one runs on from an earlier row (printed ↓)."""
    rows = [{"start": lo, "end": hi, "label": f"{_clock(lo)}〜{_clock(hi)}", "band": band, "band_span": 0,
             "cells": {}, "md": {}} for lo, hi, band in WEEK_ROWS]
    for r, row in enumerate(rows):
        if r == 0 or rows[r - 1]["band"] != row["band"]:
            row["band_span"] = next((k for k in range(r, len(rows)) if rows[k]["band"] != row["band"]), len(rows)) - r
    for day in WEEKDAYS:
        on_day = [x for x in items if day in x["days"]]
        per_row = [[x for x in on_day if x["start"] < row["end"] and x["end"] > row["start"]] for row in rows]
        for row, found in zip(rows, per_row):
            row["md"][day] = {"starting": [x for x in found if x["start"] >= row["start"]],
                              "continuing": any(x["start"] < row["start"] for x in found)}
        r = 0
        while r < len(rows):
            found = per_row[r]
            span = 1
            while found and r + span < len(rows) and per_row[r + span] == found:
                span += 1
            rows[r]["cells"][day] = {"span": span, "items": [
                {**x, "starts_here": x["start"] >= rows[r]["start"]} for x in found]}
            for k in range(r + 1, r + span):
                rows[k]["cells"][day] = None
            r += span
    return rows


def build_weekly(source: Source) -> dict:
    """週間計画表 — Toshima D表 (seed 003: 「週間計画表(D表)」 with the A–C表 at プラン確定・
    交付), laid out as the national 週間サービス計画表: 月〜日 by 深夜・早朝・午前・午後・夜間,
    主な日常生活上の活動, 週単位以外のサービス."""
    plan = source.plan(need="weekly")
    data = plan.weekly.data
    rows = week_grid(week_items(list(data.get("entries") or [])))
    activities = sorted(({"time": _clock(clock_minutes(a["time"])), "minutes": clock_minutes(a["time"]), "text": a["text"]}
                         for a in data.get("daily_activities") or []), key=lambda a: a["minutes"])
    for row in rows:
        row["activities"] = [a for a in activities if row["start"] <= a["minutes"] < row["end"]]
    return {
        "case_id": source.case.id,
        "person": _person(source.case),
        "plan": {"id": plan.id, "start": plan.start, "end": plan.end, "planner": _s(plan.data.get("planner"))},
        "weekly": {"date": data.get("date"), "recorded_by": _s(data.get("recorded_by")),
                   "other_services": _s(data.get("other_services"))},
        "rows": rows,
        "weekdays": WEEKDAYS,
        "weekly_kinds": WEEKLY_KINDS,
    }


# -- 評価表 ---------------------------------------------------------------------------------------

#: 目標達成/未達成 as the form marks it (seed 002 §4 ⑦: 達成は○印、未達成は×印).
ACHIEVED_MARKS = {True: "○", False: "×", None: ""}


def build_evaluation(source: Source) -> dict:
    """介護予防支援・サービス評価表 — seed 002 §4 (記載要領 ①–⑭) and 資料4; Toshima F表
    (seed 003).  The 包括's opinion comes from its confirmation of the evaluation."""
    plan = source.plan(need="evaluation")
    data = plan.evaluation.data
    goals = []
    for goal in data.get("goals") or []:
        period = goal.get("period") or {}
        achieved = goal.get("achieved")
        goals.append({"goal": _s(goal.get("goal")), "from": period.get("from"), "to": period.get("to"),
                      "status": _s(goal.get("status")), "achieved": achieved, "mark": ACHIEVED_MARKS[achieved],
                      "cause_user": _s(goal.get("cause_user")), "cause_planner": _s(goal.get("cause_planner")),
                      "policy": _s(goal.get("policy"))})
    review = plan.evaluation_review
    return {
        "case_id": source.case.id,
        "person": _person(source.case),
        "plan": {"id": plan.id, "start": plan.start, "end": plan.end, "planner": _s(plan.data.get("planner"))},
        "evaluation": {"date": plan.evaluation.date, "recorded_by": _s(data.get("recorded_by")),
                       "overall_policy": _s(data.get("overall_policy")), "decision": data.get("decision"),
                       "next_route": data.get("next_route")},
        "goals": goals,
        "review": _review(source, review),
        "decisions": DECISIONS,
        "next_routes": NEXT_ROUTES,
    }


FORMS = [
    Form("plan", DOCUMENTS["plan"], build_plan, page="A4 landscape",
         instances=lambda case: [{"plan": p.id} for p in sorted(case.plans, key=lambda p: p.number)],
         options=("plan", "paper")),
    Form("weekly", DOCUMENTS["weekly"], build_weekly, page="A4 landscape",
         instances=lambda case: [{"plan": p.id} for p in sorted(case.plans, key=lambda p: p.number)
                                 if p.weekly is not None],
         options=("plan", "paper")),
    Form("evaluation", DOCUMENTS["evaluation"], build_evaluation, page="A4 landscape",
         instances=lambda case: [{"plan": p.id} for p in sorted(case.plans, key=lambda p: p.number)
                                 if p.evaluation is not None],
         options=("plan",)),
]

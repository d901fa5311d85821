"""Consistency of a case's lifecycle records, as they stand on disk.

yobo's steps refuse to go out of order, but a casebook is also edited by hand
and merged from two offices; these rules find what the steps would have refused.
"""

from __future__ import annotations

from ..domain import MAX_PLAN_MONTHS, plan_certification, plan_past_certification, plan_too_long
from ..errors import Problem, Source
from ..model import Case
from ..preconditions import disorders
from ..values import clock_minutes
from .runner import RuleContext, rule


@rule("plan-period")
def check_plan_period(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``plan-period``: a plan runs at most 12 months and inside the certification
    (認定有効期間) in force at its start — the predicates of :mod:`yobo.domain`, asked by
    ``plan draft`` and the due list too.

    Source: seed 000 (000_74768b37736573e7.txt) step 9 (最長は1年); seed 002 §3
    (期間は認定の有効期間内); background/national-rules.md §3 (a 区分変更 ends the old
    period early: a plan inside its ``original_to`` stays valid).
    """
    problems = []
    for plan in case.plans:
        if plan.end < plan.start:
            problems.append(Problem(Source(plan.path, 0), "plan-period",
                                    f"計画期間の終了日 {plan.end} が開始日 {plan.start} より前です",
                                    field=("period", "end")))
            continue
        if plan_too_long(plan.start, plan.end):
            problems.append(Problem(Source(plan.path, 0), "plan-period",
                                    f"計画期間 {plan.start}〜{plan.end} が{MAX_PLAN_MONTHS}か月を超えています",
                                    field=("period", "end")))
        cert = plan_certification(case, plan.start)
        if cert is None:
            problems.append(Problem(Source(plan.path, 0), "plan-period",
                                    f"計画の開始日 {plan.start} に有効な認定がありません", field=("period", "start")))
        elif plan_past_certification(case, plan.start, plan.end) is not None:
            problems.append(Problem(Source(plan.path, 0), "plan-period",
                                    f"計画の終了日 {plan.end} が認定の有効期間の末日 {cert.end} を過ぎています",
                                    field=("period", "end")))
    return problems


@rule("plan-order")
def check_plan_order(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``plan-order``: each record of a plan follows the ones it depends on, as the
    table of :mod:`yobo.preconditions` says (the same rows the steps are refused by) —
    同意 after a 担当者会議 and, where the profile makes the 包括 confirm, after its
    confirmation of the very text agreed to; サービス開始 after 同意; 評価 after サービス
    開始; the 包括's confirmations after what they confirm was handed over — and a plan
    is not rewritten after its 同意.

    Source: seed 002 (002_ac00e42d951987eb.txt) 資料1 steps 3–8 (担当者会議後の変更は
    包括の確認が必要); seed 000 steps 5–9, 16.
    """
    problems = []
    for plan in case.plans:
        consent = plan.consent
        if consent is not None and consent.plan_digest != plan.digest:
            problems.append(Problem(Source(plan.path, 0), "plan-order",
                                    f"計画が同意（{consent.date}）のあとに書き換えられています"
                                    "（変更は新しい計画か軽微な変更で）", field=("id",)))
    for found in disorders(case, ctx.profile):
        if found.before is None:
            message = f"{found.need.what}の記録がないまま{found.fact.what}が記録されています"
        else:
            message = f"{found.fact.what}（{found.day}）が{found.need.what}（{found.before}）より前です"
        problems.append(Problem(Source(found.path, 0), "plan-order", message, field=("date",)))
    return problems


@rule("monitoring-month")
def check_monitoring_files(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``monitoring-month``: a monitoring file holds the records of its own month
    only (one file a month keeps the monthly check simple and the diffs small).

    Source: shared/architecture.md §1 (monitoring/<yyyy-mm>.yaml); seed 002 資料1-7
    (1か月に1回はモニタリングの結果を記録).
    """
    problems = []
    for record in case.monitoring:
        month = record.path.rsplit("/", 1)[-1].removesuffix(".yaml")[:7]  # <yyyy-mm>[-<author token>]
        if record.date.strftime("%Y-%m") != month:
            problems.append(Problem(Source(record.path, 0), "monitoring-month",
                                    f"{record.date} の記録が {month} のファイルにあります", field=("records",)))
    return problems


@rule("note-party")
def check_note_party(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``note-party``: a 支援経過記録 file is named by the party that wrote it, so the
    居宅 and the 包括 never write the same file.

    Source: shared/architecture.md §1 (each party writes only its own files).
    """
    return [
        Problem(Source(n.path, 0), "note-party", f"所属 {n.party} がファイル名と合いません", field=("party",))
        for n in case.notes
        if f"-{n.party}-" not in n.path.rsplit("/", 1)[-1]
    ]


def weekly_problems(path: str, data: dict) -> list[Problem]:
    """Code ``weekly-time`` (and ``weekly-days``): in a 週間計画表 each entry ends after it
    starts (an entry runs within one day; ``24:00`` is midnight) and names a weekday once.

    Source: Toshima D表 (seed 003, 003_f73aac61ef8be17b.txt: 週間計画表) — the national
    週間サービス計画表 grid runs 0:00–24:00 within each day.
    """
    problems = []
    entries = data.get("entries") if isinstance(data, dict) else None
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        start, end = clock_minutes(entry.get("start")), clock_minutes(entry.get("end"))
        if start is not None and end is not None and end <= start:
            problems.append(Problem(Source(path, 0), "weekly-time",
                                    f"終了時刻（entries.{i}.end）: {entry['end']} が開始時刻 {entry['start']} より後に"
                                    "なっていません（日をまたぐ予定は 24:00 までと翌日の 00:00 からに分けてください）",
                                    field=("entries", i, "end")))
        days = entry.get("days")
        if isinstance(days, list):
            twice = sorted({d for d in days if isinstance(d, str) and days.count(d) > 1})
            if twice:
                problems.append(Problem(Source(path, 0), "weekly-days",
                                        f"曜日（entries.{i}.days）: {'、'.join(twice)} が2回書かれています",
                                        field=("entries", i, "days")))
    return problems


@rule("weekly-time")
def check_weekly_times(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``weekly-time`` (and ``weekly-days``): every 週間計画表 of the casebook passes :func:`weekly_problems`
    (a hand-edited file is checked as ``yobo plan weekly`` checks its input).

    Source: Toshima D表 (seed 003); see :func:`weekly_problems`.
    """
    return [problem for plan in case.plans if plan.weekly is not None
            for problem in weekly_problems(plan.weekly.path, plan.weekly.data)]

"""Evaluation step: the 評価表 of a plan (seed 002 §4; seed 000 step 16)."""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from .apply import Change
from .context import Context, _clean, _new_doc, current_plan, step, step_date


@step("evaluate")
def evaluate_plan(ctx: Context, *, day: date | None, outcomes: dict, decision: str | None,
                  next_route: str | None) -> Change:
    """評価表: the plan's goals and periods copied, outcomes from the care manager
    (seed 002 §4; seed 000 step 16 表1 for continue/change/end)."""
    plan = current_plan(ctx)
    day = step_date(ctx, day)
    if day < plan.service_start:
        raise InputError(f"評価日 {day} がサービス開始日 {plan.service_start} より前です", field="--date")
    unknown = sorted(set(outcomes) - {"goals", "overall_policy"})
    if unknown:
        raise InputError(f"評価に知らない項目 {'、'.join(unknown)} があります（goals・overall_policy）", field="--file")
    given = outcomes.get("goals") or []
    plan_goals = plan.data.get("goals") or []
    if len(given) > len(plan_goals):
        raise InputError(f"計画の目標は {len(plan_goals)} 件ですが、評価が {len(given)} 件あります", field="--file")
    goals = []
    for i, goal in enumerate(plan_goals):
        services = goal.get("services") or []
        froms = [s["from"] for s in services if s.get("from")]
        tos = [s["to"] for s in services if s.get("to")]
        entry = {"goal": goal.get("goal", ""),
                 "period": {"from": min(froms) if froms else plan.start.isoformat(),
                            "to": max(tos) if tos else plan.end.isoformat()}}
        outcome = given[i] if i < len(given) else {}
        if not isinstance(outcome, dict):
            raise InputError(f"goals の {i + 1} 件目は「項目: 値」で書いてください", field="--file")
        extra = sorted(set(outcome) - {"status", "achieved", "cause_user", "cause_planner", "policy"})
        if extra:
            raise InputError(f"goals の {i + 1} 件目に知らない項目 {'、'.join(extra)} があります", field="--file")
        entry.update({k: v for k, v in outcome.items() if v is not None})
        goals.append(entry)
    if decision == "end" and next_route not in (None, "end", "kaigo", "ippan"):
        raise InputError("プラン終了のときの今後の支援は end・kaigo・ippan のいずれかです", field="--next-route")
    data = _clean({"date": day.isoformat(), "plan": plan.id, "goals": goals,
                   "overall_policy": outcomes.get("overall_policy") or "", "decision": decision,
                   "next_route": next_route, "recorded_by": ctx.actor.name})
    data.setdefault("goals", [])
    return Change("evaluate", ctx.case.id, _new_doc(f"{plan.dir}/evaluation.yaml", "evaluation", data), day=day)

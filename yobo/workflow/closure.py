"""Closure step: the 終了 (完結) of a case (seed 002 資料1-10)."""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from ..yamlio import dump_round_trip, load_round_trip, to_round_trip
from .apply import Change
from .context import Context, OrderError, step, step_date
from .events import closure_blockers


@step("case-close")
def close_case(ctx: Context, *, day: date | None, reason: str, case_text: str) -> Change:
    """終了 (完結): after the last plan's evaluation (none after a 死亡・施設入所…:
    preconditions ``evaluation_owed``) and the hand-back the profile asks for
    (:func:`yobo.workflow.events.closure_blockers`); retention counts from this date
    (seed 002 資料1-10: 5 years)."""
    if not reason.strip():
        raise InputError("終了の理由を入力してください", field="--reason")
    # the hand-back the profile asks for first (it depends on the submission sets' custody
    # rule, which the workflow knows: so checked here, not in the preconditions table)
    blocker = closure_blockers(ctx)
    if blocker:
        raise OrderError(blocker)
    day = step_date(ctx, day)
    if day < ctx.case.opened:
        raise InputError(f"終了日 {day} が登録日 {ctx.case.opened} より前です", field="--date")
    rel = f"{ctx.folder}/case.yaml"
    doc = load_round_trip(case_text, rel)
    doc["status"] = "closed"
    doc["closed"] = to_round_trip({"date": day.isoformat(), "reason": reason.strip()})
    return Change("case-close", ctx.case.id, {rel: dump_round_trip(doc)}, day=day)

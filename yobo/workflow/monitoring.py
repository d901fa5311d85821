"""Monitoring steps: モニタリング records (seed 002 資料1-7) and 支援経過記録 entries."""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from ..yamlio import dump_round_trip, load_round_trip, to_round_trip
from .apply import Change
from .context import Context, _clean, _new_doc, _party_path, current_plan, monitoring_path, step, step_date


@step("monitor")
def record_monitoring(ctx: Context, *, day: date | None, method: str, state_change: bool, reason: str,
                      summary: str, existing_text: str | None) -> Change:
    """モニタリング: one file a month, a record per contact (seed 002 資料1-7)."""
    plan = current_plan(ctx)
    day = step_date(ctx, day)
    if day < plan.service_start:
        raise InputError(f"{day} はサービス開始日 {plan.service_start} より前です", field="--date")
    if method == "visit" and reason.strip():
        raise InputError("居宅を訪問したときは特段の事情（--reason）は書きません", field="--reason")
    record = _clean({"date": day.isoformat(), "method": method, "plan": plan.id, "state_change": state_change or None,
                     "reason": reason.strip(), "summary": summary.strip(), "staff": ctx.actor.name})
    month = day.strftime("%Y-%m")
    rel = monitoring_path(ctx.folder, month, ctx.actor)
    if existing_text is None:
        return Change("monitor", ctx.case.id, _new_doc(rel, "monitoring", {"month": month, "records": [record]}), day=day)
    doc = load_round_trip(existing_text, rel)
    doc["records"].append(to_round_trip(record))
    return Change("monitor", ctx.case.id, {rel: dump_round_trip(doc)}, day=day)


@step("note")
def add_note(ctx: Context, *, day: date | None, text: str, kind: str) -> Change:
    """支援経過記録: one file an entry, append-only, named by date and party.  Also after the
    case closed (preconditions: ``after_close``): the 経過 of the hand-back (seed 002 資料1-10
    「支援経過記録にその旨を記入」)."""
    day = step_date(ctx, day)
    if not text.strip():
        raise InputError("内容を入力してください", field="--text")
    rel = _party_path(ctx, "notes", day)
    data = {"seq": ctx.case.next_seq(), "date": day.isoformat(), "kind": kind, "text": text.strip(),
            "staff": ctx.actor.name, "party": ctx.actor.party}
    return Change("note", ctx.case.id, _new_doc(rel, "note", data), day=day)

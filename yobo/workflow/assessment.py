"""Assessment steps: the 基本チェックリスト and the 利用者基本情報 (seed 002 資料1)."""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from ..yamlio import dump_round_trip, load_fast, load_round_trip
from .apply import Change
from .context import Context, _clean, _new_doc, _unique, existing_paths, step, step_date
from .documents import render_new


@step("checklist-record")
def record_checklist(ctx: Context, *, day: date | None, answers: str, height_cm: float | None,
                     weight_kg: float | None) -> Change:
    """基本チェックリスト, written at every plan creation (seed 002 資料1 備考)."""
    day = step_date(ctx, day)
    rel = _unique(existing_paths(ctx.case), f"{ctx.folder}/checklists", day.isoformat())
    data = _clean({"seq": ctx.case.next_seq(), "date": day.isoformat(), "answers": answers, "height_cm": height_cm,
                   "weight_kg": weight_kg, "recorded_by": ctx.actor.name})
    return Change("checklist-record", ctx.case.id, _new_doc(rel, "checklist", data), day=day)


@step("basic-info")
def set_basic_info(ctx: Context, *, day: date | None, text: str, source: str) -> Change:
    """利用者基本情報: a new dated version on each change (seed 002 資料1: 記載内容の変更の都度)."""
    day = step_date(ctx, day)
    data = load_fast(text, source)
    if not isinstance(data, dict):
        raise InputError(f"{source} は「項目: 値」の形で書いてください", field="--file")
    doc = load_round_trip(text, source)
    doc["date"] = day.isoformat()
    doc["seq"] = ctx.case.next_seq()  # a same-day correction is the latest (model.record_order)
    doc.setdefault("author", ctx.actor.name)
    rel = _unique(existing_paths(ctx.case), f"{ctx.folder}/basic-info", day.isoformat())
    body = dump_round_trip(doc)
    if not body.startswith("# yaml-language-server"):
        body = render_new(rel, "basic-info", load_fast(body, source))
    return Change("basic-info", ctx.case.id, {rel: body}, day=day)

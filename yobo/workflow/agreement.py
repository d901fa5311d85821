"""Agreement steps: the サービス担当者会議 (meeting), the user's 同意 (consent, with
交付 of the plan) and サービス開始 (start)."""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from ..values import clock_minutes
from .apply import Change
from .context import Context, _clean, _new_doc, _unique, current_plan, existing_paths, step, step_date
from .review import step_handovers

#: What the 要点 file of ``meeting record`` may hold (Toshima E表; the times are optional).
MEETING_POINTS = ("start_time", "end_time", "topics", "discussion", "conclusion", "remaining")


@step("meeting")
def record_meeting(ctx: Context, *, day: date | None, attendees: list[dict], place: str,
                   hokatsu_attended: bool, points: dict) -> Change:
    """サービス担当者会議の要点 (seed 000 step 7; Toshima E表)."""
    plan = current_plan(ctx)
    if not attendees:
        raise InputError("出席者を1人以上指定してください（--attendee 氏名:所属）", field="--attendee")
    day = step_date(ctx, day)
    if day < plan.created_on:
        raise InputError(f"会議の日 {day} が計画作成日 {plan.created_on} より前です", field="--date")
    unknown = sorted(set(points) - set(MEETING_POINTS))
    if unknown:
        raise InputError(f"要点に知らない項目 {'、'.join(unknown)} があります（{'・'.join(MEETING_POINTS)}）",
                         field="--file")
    for key in ("start_time", "end_time"):
        minutes = clock_minutes(points[key]) if key in points else 0
        if minutes is None or minutes >= 24 * 60:
            raise InputError(f"{key} '{points[key]}' は時刻ではありません（例: 14:00）", field="--file")
    if points.get("start_time") and points.get("end_time") and points["end_time"] < points["start_time"]:
        raise InputError(f"終了時刻 {points['end_time']} が開始時刻 {points['start_time']} より前です", field="--file")
    data = _clean({"seq": ctx.case.next_seq(), "date": day.isoformat(), "start_time": points.get("start_time"),
                   "end_time": points.get("end_time"),
                   "place": place, "attendees": attendees, "hokatsu_attended": hokatsu_attended or None,
                   **{k: points[k] for k in MEETING_POINTS[2:] if k in points}, "recorded_by": ctx.actor.name,
                   "plan_digest": plan.digest})
    rel = _unique(existing_paths(ctx.case), f"{plan.dir}/meetings", day.isoformat())
    return Change("meeting", ctx.case.id, _new_doc(rel, "meeting", data), day=day)


@step("plan-agree")
def agree_plan(ctx: Context, *, day: date | None, signer: str) -> Change:
    """計画に関する同意. A 委託 plan needs the 包括's confirmation of exactly this text:
    a change after the meeting means the 包括 confirms again first (seed 002 資料1-4)."""
    plan = current_plan(ctx)
    day = step_date(ctx, day)
    last = max([m.date for m in plan.meetings] + [r.date for r in plan.reviews])
    if day < last:
        raise InputError(f"同意日 {day} が会議・確認の日 {last} より前です", field="--date")
    from ..safeguards import plan_medical_services
    from .safeguards import require_doctor_instructions

    # a 医療系サービス needs the 主治医's instruction confirmed first (seed 002 I-1(3))
    require_doctor_instructions(ctx, plan, day)
    data = {"seq": ctx.case.next_seq(), "date": day.isoformat(), "signer": signer.strip(),
            "recorded_by": ctx.actor.name, "plan_digest": plan.digest,
            # 交付: copies to the user and the providers, as the profile's table says (seed 001 line 13,
            # seed 002 資料1-5, seed 000 手順9)
            "handovers": step_handovers(ctx, "consent", {"plan": plan.path})}
    if plan_medical_services(plan.data) and (ctx.profile.get("doctor") or {}).get("plan_copy"):
        # and, where the profile's seed asks, to the doctor whose opinion the plan follows
        # (seed 002 資料1-3 「意見を求めた主治医に交付する」)
        for handover in data["handovers"]:
            if handover["doc"] == "plan" and "doctor" not in handover.setdefault("copies_to", []):
                handover["copies_to"].append("doctor")
    if not data["signer"]:
        raise InputError("署名者を入力してください", field="--signer")
    return Change("plan-agree", ctx.case.id, _new_doc(f"{plan.dir}/consent.yaml", "consent", data), day=day)


@step("plan-start")
def start_plan(ctx: Context, *, day: date | None) -> Change:
    """サービス開始: the month the monitoring and visit schedule counts from."""
    plan = current_plan(ctx)
    day = step_date(ctx, day)
    if day < plan.consent.date:
        raise InputError(f"開始日 {day} が同意日 {plan.consent.date} より前です", field="--date")
    if not plan.start <= day <= plan.end:
        raise InputError(f"開始日 {day} が計画期間 {plan.start}〜{plan.end} の外です", field="--date")
    from .safeguards import equipment_warnings, require_equipment

    # a 福祉用具 rented by exception: survey confirmation or 協議 and 確認書 first (seed 002 IV 2(1))
    require_equipment(ctx, plan, day)
    data = {"date": day.isoformat(), "recorded_by": ctx.actor.name}
    return Change("plan-start", ctx.case.id, _new_doc(f"{plan.dir}/start.yaml", "service-start", data),
                  warnings=tuple(equipment_warnings(ctx.case, plan, day)), day=day)

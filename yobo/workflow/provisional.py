"""暫定ケアプラン: a plan written while the certification is 申請中 (seed 002 II, seed 003 暫定プラン).

``yobo plan draft --provisional SITUATION --expected shien`` records which of the
four situations of seed 002 II-1 the plan is for, refuses where this office may not
write it or the seeds do not allow it, and offers the 自己作成扱い (セルフケアプラン)
fallback where the seeds allow that.  The record is a ``provisional`` mapping in the
plan, so the due list and ``yobo cert decide`` can tell a 暫定 plan and its
expectation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ..errors import InputError
from ..rules.certification import provisional_situation
from ..vocab import EXPECTATIONS, PROVISIONAL_SITUATIONS, ROUTES
from ..yamlio import dump_round_trip, load_round_trip, to_round_trip
from .apply import Change
from .context import Context, OrderError


def receives_public_assistance(ctx: Context) -> bool:
    """生活保護 as the latest 利用者基本情報 records it (経済状況)."""
    info = ctx.case.latest_basic_info
    return bool(info is not None and (info.data.get("finances") or {}).get("public_assistance"))


def self_plan_fallback(ctx: Context) -> str:
    """What the refusal offers instead: the 暫定ケアプラン made a 自己作成扱い (セルフケアプラン
    扱い) through the 保険者 — except where seed 002 II-4 rules it out: 総合事業 (「介護予防・
    日常生活支援総合事業においては、ケアプランの自己作成に基づくサービスの利用は想定されていません」)
    and 生活保護 (「生活保護受給者については、ケアプランを自己作成することは認められていません」)."""
    if ctx.case.route == "cm-a":
        return (f"{ROUTES['cm-a']}（総合事業）では自己作成（セルフケアプラン）によるサービス利用も想定されていません"
                "（seed 002 II-4）")
    if receives_public_assistance(ctx):
        return "生活保護を受給している利用者はケアプランを自己作成できません（seed 002 II-4）。見込みを十分に見極めてください"
    contact = (ctx.profile.get("provisional") or {}).get("self_plan_contact") or "保険者"
    return (f"利用者が自ら作成する自己作成扱い（セルフケアプラン扱い）とすることはできます。{contact}に相談してください"
            "（seed 002 II-4、平成18年Q&A問52）")


def provisional_record(ctx: Context, *, situation: str, expected: str, start: date,
                       welfare_contacted_on: date | None) -> dict:
    """Check that this office may write this 暫定ケアプラン and return the plan's record.

    - only while a certification is 申請中, and for the situation it is (seed 002 II-1
      (1) 新規, (2) 区分変更, (3) 更新, (4) 事業対象者の新規申請), from its start;
    - 要介護 expected: the 居宅介護支援事業所 writes a 介護給付 plan (II-3 (1)①(2)①(3)①), not
      a preventive one here — refused, with the self-plan fallback where it is allowed;
    - 生活保護 where the profile asks (seed 003 暫定プラン ※2): the 福祉事務所 told beforehand.
    """
    case = ctx.case
    if situation not in PROVISIONAL_SITUATIONS:
        raise InputError(f"'{situation}' は暫定ケアプランの場合ではありません（"
                         f"{'、'.join(f'{k}（{v}）' for k, v in PROVISIONAL_SITUATIONS.items())}）", field="--provisional")
    if expected not in EXPECTATIONS:
        raise InputError(f"'{expected}' は見込みではありません（shien＝{EXPECTATIONS['shien']}、kaigo＝{EXPECTATIONS['kaigo']}）",
                         field="--expected")
    pending = case.pending_certification
    if pending is None:
        raise OrderError("暫定ケアプランは認定の申請中に作る計画です。このケースには申請中の認定がありません"
                         f"（申請は yobo cert add {case.id} --pending で記録します。seed 002 II）")
    actual = provisional_situation(case, pending)
    if situation != actual:
        raise InputError(f"このケースの申請は「{PROVISIONAL_SITUATIONS[actual]}」です（--provisional {actual}）",
                         field="--provisional")
    if expected == "kaigo":
        raise InputError("要介護と見込まれる場合は、居宅介護支援事業所が「介護給付」の暫定ケアプランを作成します"
                         f"（seed 002 II-3）。予防給付の計画としては作れません。{self_plan_fallback(ctx)}", field="--expected")
    if start < pending.start:
        raise InputError(f"暫定ケアプランの期間は申請中の認定の開始日 {pending.start} からです（--start {start}）",
                         field="--start")
    settings = ctx.profile.get("provisional") or {}
    if settings.get("welfare_office_notice") and receives_public_assistance(ctx):
        if welfare_contacted_on is None:
            raise InputError("生活保護を受給している利用者の暫定プランでサービスを使うには、福祉事務所への事前連絡が必要です"
                             "（seed 003 暫定プラン ※2）。連絡した日を --welfare-notice で指定してください",
                             field="--welfare-notice")
        if welfare_contacted_on > ctx.today:
            raise InputError(f"{welfare_contacted_on} は今日（{ctx.today}）より後の日付です", field="--welfare-notice")
    record = {"situation": situation, "expected": expected}
    if pending.applied_on is not None:
        record["applied_on"] = pending.applied_on.isoformat()
    if welfare_contacted_on is not None:
        record["welfare_office_contacted_on"] = welfare_contacted_on.isoformat()
    return record


def writer_note(ctx: Context) -> str:
    """Who writes the 予防給付 暫定ケアプラン (seed 002 II-3 (1)②(2)②): the 包括, or the 居宅
    it entrusted; a 居宅 designated for 介護予防支援 writes its own (seed 003 居宅指定)."""
    if ctx.case.mode == "itaku":
        return f"地域包括支援センター（{ctx.case.hokatsu or ''}）から委託を受けた居宅介護支援事業所として作成（seed 002 II-3）"
    return "指定介護予防支援事業所として作成（seed 002 II-3、seed 003 居宅指定）"


def mark_provisional(change: Change, record: dict, ctx: Context) -> Change:
    """The drafted plan with its ``provisional`` record, and who wrote it among the warnings."""
    rel = next(p for p in change.files if p.endswith("/plan.yaml"))
    document = load_round_trip(change.files[rel], rel)
    document["provisional"] = to_round_trip(record)
    files = dict(change.files)
    files[rel] = dump_round_trip(document)
    # the generic 申請中 warning of the draft is replaced by what the seed says of this plan
    warnings = tuple(w for w in change.warnings if "暫定ケアプラン" not in w)
    notice = f"暫定ケアプラン（{PROVISIONAL_SITUATIONS[record['situation']]}）: {writer_note(ctx)}"
    return replace(change, files=files, warnings=warnings + (notice,))

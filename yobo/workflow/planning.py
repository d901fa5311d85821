"""Planning steps: the 介護予防サービス・支援計画書 原案 (draft), its corrections before
consent (edit), a 軽微な変更 after consent (amend, seed 002 III) and the 週間計画表."""

from __future__ import annotations

from datetime import date

from ..ledger import returned
from ..domain import (MAX_PLAN_MONTHS, beyond_certification, plan_certification, plan_outside_certification,
                      plan_too_long)
from ..errors import DocumentError, InputError
from ..model import Case, Plan, get_path, plan_digest, set_path, split_field_path
from ..rules.lifecycle import weekly_problems
from ..schemas import check_document, field_label
from ..vocab import MINOR_CHANGE_KINDS
from ..yamlio import dump_round_trip, load_fast, load_round_trip, locate_line, new_document, to_round_trip
from .apply import Change
from .context import Context, OrderError, _clean, _new_doc, current_plan, step, step_date
from .documents import TITLES, schema_ref
from .monitoring import add_note


def _plan_kind(case: Case, route: str, level: str) -> str:
    """初回・紹介・継続 (seed 002 §3 ⑤): first plan → 初回; a switch between 予防給付 and
    総合事業 (or 事業対象者 ↔ 要支援), or a return from 要介護 → 紹介; otherwise 継続."""
    previous = case.current_plan
    if previous is None:
        return "first"
    back = returned(case)
    if back is not None and previous.created_on <= back.date:
        return "referral"  # back from 要介護 (yobo.ledger): 紹介, not 初回 or 継続
    before = previous.data
    if before.get("route") != route or (before.get("level") == "jigyo") != (level == "jigyo"):
        return "referral"
    return "continuing"


#: 経過 of the 現病歴・既往歴 (basic-info schema ``course``), as the plan prints it.
_COURSES = {"treating": "治療中", "observing": "経過観察中", "other": "その他"}


def _health_notes(case: Case) -> str:
    """健康状態について, prefilled from the latest 利用者基本情報's 現病歴・既往歴
    (seed 002 §3: 主治医意見書・既往歴を踏まえて記載)."""
    info = case.latest_basic_info
    if info is None:
        return ""
    lines = []
    for item in info.data.get("medical_history") or []:
        name = item.get("disease") or ""
        if not name:
            continue
        extra = "・".join(x for x in (_COURSES.get(item.get("course"), ""), item.get("institution") or "") if x)
        lines.append(f"{name}（{extra}）" if extra else name)
    return "、".join(lines)


@step("plan-draft")
def draft_plan(ctx: Context, *, start: date, end: date, day: date | None, content: dict,
               program_scores: dict | None, unknown_scores: dict | None = None) -> Change:
    """介護予防サービス・支援計画書 原案, prefilled from what the casebook knows.

    Refused: a period over 12 months (seed 000 step 9), or outside the
    certification period (seed 002 §3: 期間は認定の有効期間内) — the profile may
    make the latter a warning while the certification is 申請中 (暫定ケアプラン,
    seed 002 II).
    """
    case = ctx.case
    day = step_date(ctx, day)
    previous = case.current_plan
    if end < start:
        raise InputError(f"終了日 {end} が開始日 {start} より前です", field="--end")
    if plan_too_long(start, end):
        raise InputError(f"計画期間 {start}〜{end} が{MAX_PLAN_MONTHS}か月を超えています（最長{MAX_PLAN_MONTHS}か月。"
                         "seed 000 手順9）", field="--end")
    cert = plan_certification(case, start)
    pending = cert is not None and cert.status == "pending"
    warnings = []
    if plan_outside_certification(case, start, end):
        limit = ctx.profile.get("pending_plan_outside_certification", "warning")
        latest = case.latest_certification
        period = f"{cert.start}〜{cert.end or ''}" if cert else "なし"
        if not (latest and latest.status == "pending" and limit == "warning"):
            raise InputError(f"計画期間 {start}〜{end} が認定の有効期間（{period}）の外です", field="--end")
        warnings.append(f"認定が申請中のため、有効期間（{period}）の外の計画期間 {start}〜{end} で作成しました"
                        "（暫定ケアプラン。結果が出たら確認してください。seed 002 II）")
        cert = latest
        pending = True
    level = cert.level if cert else "shien1"
    first = case.plans[0].data.get("first_created_on") if case.plans else day.isoformat()
    plan_id = f"P{(previous.number if previous else 0) + 1}"
    data: dict = {
        "id": plan_id,
        "created_on": day.isoformat(),
        "first_created_on": first,
        "kind": _plan_kind(case, case.route, level),
        "cert_status": "pending" if pending else "certified",
        "level": level,
        "route": case.route,
        "certified_on": cert.certified_on.isoformat() if cert and cert.certified_on else None,
        "cert_from": cert.start.isoformat() if cert else None,
        "cert_to": cert.end.isoformat() if cert and cert.end else None,
        "planner": case.manager,
        "planner_office": ctx.config.office_name if ctx.config.office_kind == "kyotaku" and case.mode == "itaku" else None,
        "planner_office_no": ctx.config.office_number if ctx.config.office_kind == "kyotaku" and case.mode == "itaku" else None,
        "hokatsu": case.hokatsu,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "life_goals": {"day": "", "year": ""},
        "domains": {k: {"current": "", "intention": "", "issue": None, "background": ""}
                    for k in ("motor", "daily_life", "social", "health")},
        "issues": [],
        "proposals": [],
        "intentions": [],
        "goals": [],
        "health_notes": _health_notes(case),
        "unable_policy": "",
        "overall_policy": "",
    }
    checklist = case.latest_checklist
    if checklist is not None and program_scores:
        data["checklist"] = {"date": checklist.date.isoformat(), "scores": program_scores}
        # why a score is 「?」 (no height/weight, an unanswered item), printed beside it
        if unknown_scores:
            data["checklist"]["unknown"] = dict(unknown_scores)
    if previous is not None and previous.evaluation is not None:
        ev = previous.evaluation.data
        data["previous"] = _clean({
            "plan": previous.id,
            "policy": ev.get("overall_policy") or "",
            "unmet_goals": [g["goal"] for g in ev.get("goals") or [] if g.get("achieved") is False and g.get("goal")],
        })
    unknown = sorted(set(content) - set(data) - {"checklist", "previous"})
    if unknown:
        raise InputError(f"計画書に知らない項目 {'、'.join(unknown)} があります", field="--file")
    fixed = {"id", "first_created_on", "route", "period"} & set(content)
    if fixed:
        raise InputError(f"{'、'.join(sorted(fixed))} は yobo が決めます（--start・--end で指定）", field="--file")
    data.update(content)
    data = {k: v for k, v in data.items() if v is not None}
    rel = f"{ctx.folder}/plans/{plan_id}/plan.yaml"
    return Change("plan-draft", case.id, _new_doc(rel, "plan", data), warnings=tuple(warnings), day=day)


@step("plan-edit")
def edit_plan(ctx: Context, plan: Plan, *, text: str, source: str) -> Change:
    """A new text for a plan not yet agreed (原案の修正). After the 同意 a plan changes only
    by a new plan or a recorded 軽微な変更 (seed 002 III)."""
    data = load_fast(text, source)
    if not isinstance(data, dict):
        raise InputError(f"{source} は計画書の YAML ではありません", field="--file")
    for key in ("id", "first_created_on"):
        if data.get(key) != plan.data.get(key):
            raise InputError(f"{key} は変えられません（{plan.data.get(key)}）", field="--file")
    if plan_digest(data) == plan.digest:
        raise InputError("計画の内容が変わっていません", field="--file")
    return Change("plan-edit", ctx.case.id, {plan.path: text})


@step("plan-amend")
def amend_plan(ctx: Context, plan: Plan, *, plan_text: str, day: date | None, kind: str, field: str, new: str,
               reason: str, consent_date: date | None, consent_method: str) -> Change:
    """A 軽微な変更 of an agreed plan (seed 002 III): no new plan, no new 原案確認,
    meeting or consent.  The plan's text at ``field`` becomes ``new`` and the old text
    is kept in ``amendments`` so the form prints it struck through (見え消し, III-2(2));
    the reason, date, content, consent date and how consent was taken go into the
    経過記録 (III-2(1)).  The plan's digest ignores recorded amendments
    (:func:`yobo.model.plan_digest`), so the consent still matches.

    Guards (seed 002 III-1, III-2(2)①): the consent date and method are required; only
    the service text of the kind (``safeguards.MINOR_CHANGE_FIELDS``), never the period,
    the 評価月 or the user; no state change recorded since the plan's consent; 回数変更 in
    one service kind a day; 担当者変更 and 住所変更 are refused with what to do instead.
    """
    if kind not in MINOR_CHANGE_KINDS:
        raise InputError(f"'{kind}' は軽微な変更の種類ではありません（{'、'.join(MINOR_CHANGE_KINDS)}）", field="--kind")
    if kind in MINOR_CHANGE_ELSEWHERE:
        raise InputError(MINOR_CHANGE_ELSEWHERE[kind], field="--kind")
    day = step_date(ctx, day)
    if day < plan.consent.date:
        raise InputError(f"変更日 {day} が同意日 {plan.consent.date} より前です", field="--date")
    # III-2(2)①: the 経過記録 holds the date the user consented and how
    if consent_date is None:
        raise InputError("利用者から同意を受けた日（--consent-date）を入力してください（seed 002 III-2(2)①）",
                         field="--consent-date")
    if consent_date > ctx.today:
        raise InputError(f"同意日 {consent_date} が今日より後です", field="--consent-date")
    if consent_date < plan.consent.date:
        raise InputError(f"変更への同意日 {consent_date} が計画の同意日 {plan.consent.date} より前です",
                         field="--consent-date")
    if not consent_method.strip():
        raise InputError("同意の確認方法（--consent-method、例: 訪問・電話）を入力してください（seed 002 III-2(2)①）",
                         field="--consent-method")
    if not reason.strip():
        raise InputError("変更の理由を入力してください", field="--reason")
    _require_unchanged_state(ctx, plan, day)
    try:
        steps = split_field_path(field)
    except ValueError:
        raise InputError(f"'{field}' は項目の指定として読めません（例: goals[0].services[0].provider）",
                         field="--field") from None
    if steps[0] in ("id", "amendments", "first_created_on", "created_on", "route"):
        raise InputError(f"{field} は軽微な変更の対象ではありません", field="--field")
    _require_minor_field(kind, field, steps)
    try:
        old = get_path(plan.data, field)
    except (KeyError, IndexError, TypeError):
        raise InputError(f"計画 {plan.id} に項目 {field} はありません", field="--field") from None
    if not isinstance(old, str):
        raise InputError(f"{field} は文字の項目ではありません（一つの記載だけを変更できます）", field="--field")
    new = new.strip()
    if not new:
        raise InputError("変更後の記載を入力してください", field="--new")
    if new == old:
        raise InputError(f"{field} はすでに「{old}」です", field="--new")
    if kind == "period-extension":
        _check_extension(ctx, plan, field, old, new)
    if kind == "frequency":
        _require_one_service_kind(plan, steps, day)
    if kind == "equivalent-equipment":
        from ..safeguards import EQUIPMENT, equipment_in

        # 同一種目における機能の変化を伴わない用具の変更 only (seed 002 III-1 (6))
        before, after = equipment_in(old), equipment_in(new)
        if before != after:
            names = "・".join(EQUIPMENT[c].label if c else "例外給付の対象外の用具" for c in (before, after))
            raise InputError(f"福祉用具の同等品への変更は同じ種目の中だけです（{names}）。種目が変わるときは計画の変更で"
                             "行ってください（seed 002 III-1 (6)）", field="--new")

    document = load_round_trip(plan_text, plan.path)
    set_path(document, field, new)
    amendment = {"date": day.isoformat(), "kind": kind, "field": field, "old": old, "new": new,
                 "reason": reason.strip()}
    amendment["consent_date"] = consent_date.isoformat()
    amendment["consent_method"] = consent_method.strip()
    if "amendments" not in document:
        document["amendments"] = to_round_trip([])
    document["amendments"].append(to_round_trip(amendment))
    files = {plan.path: dump_round_trip(document)}

    consent_text = f"同意: {consent_date.isoformat()}（{consent_method.strip()}）"
    note_text = (f"計画 {plan.id} の軽微な変更（{MINOR_CHANGE_KINDS[kind]}）\n"
                 f"変更箇所: {field_label('plan', steps)}（{field}）\n変更前: {old}\n変更後: {new}\n理由: {reason.strip()}\n{consent_text}")
    note = add_note(ctx, day=day, text=note_text, kind="minor-change")
    files.update(note.files)
    return Change("plan-amend", ctx.case.id, files, day=day)


#: Kinds of seed 002 III-1 that are no edit of the plan's text, and what to do instead.
MINOR_CHANGE_ELSEWHERE: dict[str, str] = {
    "staff-change": ("担当者の変更（seed 002 III-1 (9)）はケースの担当の変更です。yobo plan amend --kind staff-change"
                     " --field planner --new 氏名（計画作成者とケースの担当を一度に）か yobo case reassign で行ってください"),
    "address": ("住所変更（seed 002 III-1 (3)）は計画書の記載ではなく利用者の情報の変更です。"
                "yobo info edit で利用者基本情報を直し、yobo note add で経過記録を残してください"),
}


def _require_minor_field(kind: str, field: str, steps: list) -> None:
    """Only the service fields of ``kind`` (``safeguards.MINOR_CHANGE_FIELDS``)."""
    from ..safeguards import MINOR_CHANGE_FIELDS, minor_field_allowed

    allowed = MINOR_CHANGE_FIELDS[kind]
    if minor_field_allowed(kind, steps):
        return
    wanted = "・".join(f"goals[…].services[…].{name}" for name in allowed)
    if steps[0] == "period":
        raise InputError(f"{field} は計画期間（評価月）です。軽微な変更では変えられません。期間を変えるときは計画の変更"
                         "（yobo plan draft で新しい計画）にしてください（seed 002 III-1）", field="--field")
    raise InputError(f"{MINOR_CHANGE_KINDS[kind]}で変えられるのは {wanted} だけです（{field} は対象外: seed 002 III-1）",
                     field="--field")


def _require_unchanged_state(ctx: Context, plan: Plan, day: date) -> None:
    """A 軽微な変更 presumes the user's state unchanged (seed 002 III-1 「利用者の状態に変化が
    ないことが前提」): a state change recorded since the plan was agreed sends it to a plan change."""
    changes = [m.date for m in ctx.case.monitoring if m.state_change and plan.consent.date <= m.date <= day]
    if changes:
        raise OrderError(f"{max(changes)} に利用者の状態の変化が記録されています。軽微な変更は状態に変化がないことが前提です"
                         "（seed 002 III-1）。計画の変更（yobo plan draft で新しい計画）で行ってください")


def _require_one_service_kind(plan: Plan, steps: list, day: date) -> None:
    """回数変更 in one service kind only: frequency changes of two service kinds on one day are
    no 軽微な変更 (seed 002 III-1 (2) 「複数のサービス種別において回数の増減があった場合は、
    軽微な変更と判断しない」)."""
    def service_kind(path_steps: list) -> str:
        try:
            return str(plan.data["goals"][path_steps[1]]["services"][path_steps[3]].get("kind") or "")
        except (KeyError, IndexError, TypeError):
            return ""

    this = service_kind(steps)
    for earlier in plan.data.get("amendments") or ():
        if earlier.get("kind") != "frequency" or earlier.get("date") != day.isoformat():
            continue
        try:
            other = service_kind(split_field_path(earlier["field"]))
        except (KeyError, ValueError):
            continue
        if other != this:
            raise OrderError(f"{day} にはすでに {other or '別のサービス種別'} の回数を変更しています。複数のサービス種別の"
                             "回数の増減は軽微な変更ではありません（seed 002 III-1 (2)）。計画の変更（yobo plan draft で"
                             "新しい計画）で行ってください")


def _check_extension(ctx: Context, plan: Plan, field: str, old: str, new: str) -> None:
    """目標期間の延長 lengthens a service's (short-term goal's) period: a later date, inside
    the plan's period (its 評価月 stays) and the certification (seed 002 III-1 (5))."""
    from ..values import parse_date

    try:
        before = date.fromisoformat(old)
    except ValueError:
        raise InputError(f"{field} の「{old}」は日付ではありません", field="--field") from None
    after = parse_date("--new", new)
    if after <= before:
        raise InputError(f"延長後の日付 {after} が元の {before} より後ではありません", field="--new")
    cert = plan_certification(ctx.case, plan.start)
    if cert is not None and beyond_certification(cert, after):
        raise InputError(f"延長後の日付 {after} が認定有効期間の終了日 {cert.end} を越えます", field="--new")
    if after > plan.end:
        raise InputError(f"延長後の日付 {after} が計画期間の終わり {plan.end}（評価月）を越えます。"
                         "計画の変更で行ってください", field="--new")


#: What a 週間計画表 file given to ``yobo plan weekly`` may hold (the rest yobo fills in).
WEEKLY_CONTENT = ("entries", "daily_activities", "other_services")


@step("plan-weekly")
def set_weekly(ctx: Context, *, plan_id: str | None, day: date | None, text: str, source: str) -> Change:
    """週間計画表 (Toshima D表, seed 003) of a plan: ``plans/<id>/weekly.yaml``, written
    whole from ``source`` (a new version replaces the old; git keeps the history).

    The input is checked before anything is written, at its own file and line: the
    schema (times ``HH:MM``, weekdays, kinds) and that each entry ends after it starts
    (rules ``weekly-time``/``weekly-days``).  The file lives beside the plan, outside
    plan.yaml, so writing it never changes the plan's digest.
    """
    plan = current_plan(ctx, plan_id)
    data = load_fast(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{source} は「項目: 値」の形で書いてください", field="--file")
    if data.get("plan") not in (None, plan.id):
        raise InputError(f"{source} の plan（{data['plan']}）が計画 {plan.id} と違います", field="--file")
    merged = dict(data)
    merged["plan"] = plan.id
    merged.setdefault("recorded_by", ctx.actor.name)
    if day is not None:
        merged["date"] = day.isoformat()
    merged.setdefault("date", ctx.today.isoformat())
    problems = check_document("weekly", merged, path=source, text=text)
    if not problems:
        problems = [p.located(locate_line(text, p.field)) for p in weekly_problems(source, merged)]
    if problems:
        raise DocumentError(sorted(problems))
    written = step_date(ctx, date.fromisoformat(merged["date"]), "--date" if day is not None else f"{source} の date")
    doc = load_round_trip(text, source)
    out = to_round_trip({"plan": plan.id, "date": written.isoformat(), "recorded_by": merged["recorded_by"]})
    for key in WEEKLY_CONTENT:
        if key in doc:
            out[key] = doc[key]
    rel = f"{plan.dir}/weekly.yaml"
    body = new_document({}, schema_ref=schema_ref(rel, "weekly"), title=TITLES["weekly"])
    body.update(out)
    return Change("plan-weekly", ctx.case.id, {rel: dump_round_trip(body)}, day=written)

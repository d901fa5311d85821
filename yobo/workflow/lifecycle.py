"""The case lifecycle (shared/domain.md §3): each step a pure function to a Change.

Every step checks its order first and refuses with a message that says what
must happen before it (seed 002 資料1: 原案 → 包括確認 → 担当者会議 → 同意 →
交付 → サービス開始 → モニタリング → 評価 → 包括確認).  The 包括 writes only
``*.hokatsu.yaml`` files and the 居宅 only its own, so a shared repository
never conflicts (shared/architecture.md §1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..casebook import author_token, case_dir
from ..domain import hokatsu_confirms
from ..custody import replay
from ..errors import DocumentError, InputError
from ..model import Case, Config, Plan, Staff, get_path, plan_digest, set_path, split_field_path
from ..calendar import add_months
from ..rules.lifecycle import weekly_problems
from ..schemas import check_document, field_label
from ..vocab import (CONTRACT_DOCUMENTS, CONTRACT_PARTIES, DOCUMENTS, HOLDERS, MINOR_CHANGE_KINDS, OFFICE_KINDS,
                     SUBMISSION_OCCASIONS)
from ..values import check_date_window, clock_minutes
from ..yamlio import dump_round_trip, load_fast, load_round_trip, locate_line, new_document, to_round_trip
from .apply import Change
from .documents import TITLES, render_new, schema_ref

#: The longest plan period: 12 months, reviewed yearly even when the certification
#: runs longer (seed 000 step 9 「ケアプランの最長は１年」, seed 001).
MAX_PLAN_MONTHS = 12


class OrderError(InputError):
    """A step asked for before the step it depends on."""


@dataclass(frozen=True)
class Context:
    """What every step knows: the casebook's settings, the case, today and who acts."""

    config: Config
    profile: dict
    case: Case
    today: date
    actor: Staff

    @property
    def folder(self) -> str:
        return case_dir(self.case.id)


# -- shared checks -------------------------------------------------------------------------------


def step_date(ctx: Context, value: date | None, field: str = "--date") -> date:
    """The step's date: given, or today; never in the future (records are of what happened)."""
    day = value or ctx.today
    if day > ctx.today:
        raise InputError(f"{day} は今日（{ctx.today}）より後の日付です", field=field)
    return check_date_window(field, day, ctx.today)


def require_active(ctx: Context) -> None:
    if ctx.case.status != "active":
        when = f"（{ctx.case.closed_on}）" if ctx.case.closed_on else ""
        raise OrderError(f"ケース {ctx.case.id} は終了しています{when}")


def require_party(ctx: Context, party: str, what: str) -> None:
    """Each side writes only its own files: 包括 confirmations are the 包括's, the rest the 居宅's."""
    if ctx.actor.party != party:
        raise InputError(f"{what}は{OFFICE_KINDS[party]}の職員が行います（'{ctx.actor.name}' は"
                         f"{OFFICE_KINDS[ctx.actor.party]}の職員です。--as で指定してください）", field="--as")


def needs_hokatsu_review(ctx: Context) -> bool:
    """Whether the 包括 confirms plans and evaluations for this case (profile: by mode)."""
    return hokatsu_confirms(ctx.case.mode, ctx.profile)


def current_plan(ctx: Context, plan_id: str | None = None) -> Plan:
    case = ctx.case
    if plan_id:
        plan = case.plan(plan_id.upper())
        if plan is None:
            known = "、".join(p.id for p in case.plans) or "なし"
            raise InputError(f"計画 {plan_id} はありません（このケースの計画: {known}）", field="--plan")
        return plan
    plan = case.current_plan
    if plan is None:
        raise OrderError("計画がまだありません。先に yobo plan draft で原案を作ってください")
    return plan


def _unique(existing: set[str], folder: str, stem: str) -> str:
    """``folder/stem.yaml``, or ``stem-2.yaml``… when that name is taken (never overwrite)."""
    candidate = f"{folder}/{stem}.yaml"
    n = 2
    while candidate in existing:
        candidate = f"{folder}/{stem}-{n}.yaml"
        n += 1
    return candidate


def monitoring_path(folder: str, month: str, actor: Staff) -> str:
    """``monitoring/<yyyy-mm>-<author token>.yaml``: one file a month and staff member, so
    two staff members visiting in the same month never write the same file."""
    return f"{folder}/monitoring/{month}-{author_token(actor.id, actor.party, actor.name)}.yaml"


def event_path(folder: str, day: date, actor: Staff, taken: set[str]) -> str:
    """``<date>-<party>-<n>-<author token>.yaml`` for an event record (note, custody): the
    number keeps one author's same-day entries apart, the token two authors' (or two
    offices') — so syncing never meets an add/add conflict."""
    stem = f"{folder}/{day.isoformat()}-{actor.party}-"
    token = author_token(actor.id, actor.party, actor.name)
    n = 1 + sum(1 for p in taken if p.startswith(stem))
    while f"{stem}{n}-{token}.yaml" in taken:
        n += 1
    return f"{stem}{n}-{token}.yaml"


def existing_paths(case: Case) -> set[str]:
    paths = {c.path for c in case.certifications} | {d.path for d in case.basic_infos}
    paths |= {c.path for c in case.checklists} | {n.path for n in case.notes} | {s.path for s in case.submissions}
    paths |= {c.path for c in case.custody} | {m.path for m in case.monitoring} | set(case.unreadable)
    for plan in case.plans:
        paths |= {plan.path} | {r.path for r in plan.reviews} | {m.path for m in plan.meetings}
        if plan.weekly is not None:
            paths.add(plan.weekly.path)
    return paths


def _party_path(ctx: Context, folder: str, day: date) -> str:
    """``<folder>/<date>-<party>-<n>-<author token>.yaml`` (notes, custody records): named by
    the writing party and person, so neither the 居宅 and the 包括 nor two staff members of
    one office ever write the same file in a shared repository (:func:`event_path`)."""
    return event_path(f"{ctx.folder}/{folder}", day, ctx.actor, existing_paths(ctx.case))


def _new_doc(rel: str, kind: str, data: dict) -> dict[str, str]:
    return {rel: render_new(rel, kind, data)}


def _clean(data: dict) -> dict:
    """Drop empty optional values so documents stay short and schema-valid."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


# -- 基本チェックリスト and 利用者基本情報 -----------------------------------------------------------


def add_certification(ctx: Context, *, level: str, status: str, start: date, end: date | None,
                      certified_on: date | None, applied_on: date | None) -> Change:
    """A new 認定 (renewal, 区分変更, or an application still 申請中).

    A decided 要支援 certification has an end; a 事業対象者 judgement has none
    (background/national-rules.md §1.3, §3); a pending one records its 申請日.
    """
    require_active(ctx)
    require_party(ctx, "kyotaku", "認定の記録")
    if status == "pending" and applied_on is None:
        raise InputError("申請中の認定には申請日が必要です", field="--applied-on")
    if status == "certified" and level != "jigyo" and end is None:
        raise InputError("要支援の認定には有効期間の終了日が必要です", field="--to")
    if level == "jigyo" and end is not None:
        raise InputError("事業対象者には有効期間の終了日を指定しません", field="--to")
    if end is not None and end < start:
        raise InputError(f"終了日 {end} が開始日 {start} より前です", field="--to")
    if level == "jigyo" and ctx.case.route != "cm-a":
        raise InputError("事業対象者の区分は介護予防ケアマネジメントA です。先に区分を変えてください", field="--level")
    for other in ctx.case.certifications:
        if other.start == start:
            raise InputError(f"{start} から始まる認定はすでにあります（{other.path}）", field="--from")
        if status == "certified" and other.status == "certified" and other.end and end and \
                start <= other.end and other.start <= end:
            raise InputError(f"有効期間が {other.start}〜{other.end} の認定と重なります", field="--from")
    data = _clean({"level": level, "status": status, "from": start.isoformat(), "to": end and end.isoformat(),
                   "certified_on": certified_on and certified_on.isoformat(),
                   "applied_on": applied_on and applied_on.isoformat()})
    rel = f"{ctx.folder}/certifications/{start.isoformat()}.yaml"
    return Change("cert-add", ctx.case.id, _new_doc(rel, "certification", data))


def record_checklist(ctx: Context, *, day: date | None, answers: str, height_cm: float | None,
                     weight_kg: float | None) -> Change:
    """基本チェックリスト, written at every plan creation (seed 002 資料1 備考)."""
    require_active(ctx)
    day = step_date(ctx, day)
    rel = _unique(existing_paths(ctx.case), f"{ctx.folder}/checklists", day.isoformat())
    data = _clean({"seq": ctx.case.next_seq(), "date": day.isoformat(), "answers": answers, "height_cm": height_cm,
                   "weight_kg": weight_kg, "recorded_by": ctx.actor.name})
    return Change("checklist-record", ctx.case.id, _new_doc(rel, "checklist", data), day=day)


def set_basic_info(ctx: Context, *, day: date | None, text: str, source: str) -> Change:
    """利用者基本情報: a new dated version on each change (seed 002 資料1: 記載内容の変更の都度)."""
    require_active(ctx)
    require_party(ctx, "kyotaku", "利用者基本情報の作成")
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


# -- the plan ------------------------------------------------------------------------------------


def _plan_kind(case: Case, route: str, level: str) -> str:
    """初回・紹介・継続 (seed 002 §3 ⑤): first plan → 初回; a switch between 予防給付 and
    総合事業 (or 事業対象者 ↔ 要支援) → 紹介; otherwise 継続."""
    previous = case.current_plan
    if previous is None:
        return "first"
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


def draft_plan(ctx: Context, *, start: date, end: date, day: date | None, content: dict,
               program_scores: dict | None, unknown_scores: dict | None = None) -> Change:
    """介護予防サービス・支援計画書 原案, prefilled from what the casebook knows.

    Refused: a period over 12 months (seed 000 step 9), or outside the
    certification period (seed 002 §3: 期間は認定の有効期間内) — the profile may
    make the latter a warning while the certification is 申請中 (暫定ケアプラン,
    seed 002 II).
    """
    require_active(ctx)
    require_party(ctx, "kyotaku", "計画の作成")
    case = ctx.case
    day = step_date(ctx, day)
    previous = case.current_plan
    if previous is not None and previous.evaluation is None:
        if previous.consent is None:
            raise OrderError(f"計画 {previous.id} がまだ原案です。yobo plan edit で直してください"
                             "（新しい計画は評価のあとに作ります）")
        raise OrderError(f"計画 {previous.id} の評価がまだです。先に yobo evaluate {case.id} で評価表を作ってください")
    if end < start:
        raise InputError(f"終了日 {end} が開始日 {start} より前です", field="--end")
    if end >= add_months(start, MAX_PLAN_MONTHS):
        raise InputError(f"計画期間 {start}〜{end} が12か月を超えています（最長12か月。seed 000 手順9）", field="--end")
    cert = case.certification_on(start)
    pending = cert is not None and cert.status == "pending"
    warnings = []
    if cert is None or (cert.end is not None and end > cert.end):
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


def edit_plan(ctx: Context, plan: Plan, *, text: str, source: str) -> Change:
    """A new text for a plan not yet agreed (原案の修正). After the 同意 a plan changes only
    by a new plan or a recorded 軽微な変更 (seed 002 III)."""
    require_active(ctx)
    require_party(ctx, "kyotaku", "計画の修正")
    if plan.consent is not None:
        raise OrderError(f"計画 {plan.id} は {plan.consent.date} に同意済みです。変更は新しい計画"
                         "（評価のあと yobo plan draft）で行ってください")
    data = load_fast(text, source)
    if not isinstance(data, dict):
        raise InputError(f"{source} は計画書の YAML ではありません", field="--file")
    for key in ("id", "first_created_on"):
        if data.get(key) != plan.data.get(key):
            raise InputError(f"{key} は変えられません（{plan.data.get(key)}）", field="--file")
    if plan_digest(data) == plan.digest:
        raise InputError("計画の内容が変わっていません", field="--file")
    return Change("plan-edit", ctx.case.id, {plan.path: text})


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
    require_active(ctx)
    require_party(ctx, "kyotaku", "軽微な変更")
    if kind not in MINOR_CHANGE_KINDS:
        raise InputError(f"'{kind}' は軽微な変更の種類ではありません（{'、'.join(MINOR_CHANGE_KINDS)}）", field="--kind")
    if kind in MINOR_CHANGE_ELSEWHERE:
        raise InputError(MINOR_CHANGE_ELSEWHERE[kind], field="--kind")
    if plan.consent is None:
        raise OrderError(f"計画 {plan.id} はまだ同意を得ていません。同意前の変更は yobo plan edit で行ってください")
    if plan.evaluation is not None:
        raise OrderError(f"計画 {plan.id} は {plan.evaluation.date} に評価済みです。変更は新しい計画で行ってください")
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
    "staff-change": ("担当者の変更（seed 002 III-1 (9)）は計画の記載の変更ではなく、ケースの担当の変更です。"
                     "計画書は書き換えず、case.yaml の manager を新しい担当者に直して git でコミットし、"
                     "yobo note add で経過記録（新しい担当者が利用者と面識があること）を残してください"),
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
    cert = ctx.case.certification_on(plan.start)
    if cert is not None and cert.end is not None and after > cert.end:
        raise InputError(f"延長後の日付 {after} が認定有効期間の終了日 {cert.end} を越えます", field="--new")
    if after > plan.end:
        raise InputError(f"延長後の日付 {after} が計画期間の終わり {plan.end}（評価月）を越えます。"
                         "計画の変更で行ってください", field="--new")


#: What a 週間計画表 file given to ``yobo plan weekly`` may hold (the rest yobo fills in).
WEEKLY_CONTENT = ("entries", "daily_activities", "other_services")


def set_weekly(ctx: Context, *, plan_id: str | None, day: date | None, text: str, source: str) -> Change:
    """週間計画表 (Toshima D表, seed 003) of a plan: ``plans/<id>/weekly.yaml``, written
    whole from ``source`` (a new version replaces the old; git keeps the history).

    The input is checked before anything is written, at its own file and line: the
    schema (times ``HH:MM``, weekdays, kinds) and that each entry ends after it starts
    (rules ``weekly-time``/``weekly-days``).  The file lives beside the plan, outside
    plan.yaml, so writing it never changes the plan's digest.
    """
    require_active(ctx)
    require_party(ctx, "kyotaku", "週間計画表の作成")
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


# -- submissions, 包括の確認 ---------------------------------------------------------------------

#: Occasions of ``submit hokatsu`` (labels in vocab, shared with the 送付状 form).
OCCASIONS = SUBMISSION_OCCASIONS

#: Papers that are yobo documents: a submission hands them over only when they exist.
#: Every other code (利用票, 認定調査票・意見書, 契約書類 …) is paper only: the user says
#: whether it went (``--paper`` / ``--without``).
YOBO_DOCUMENTS = ("basic-info", "checklist", "plan", "evaluation", "meeting-record", "progress-notes")


def _document_refs(ctx: Context, plan: Plan | None) -> dict[str, str]:
    """The current yobo document behind each document code of a submission set: the
    last recorded version (model.record_order), the plan's own evaluation and meeting."""
    case = ctx.case
    refs: dict[str, str] = {}
    if case.latest_basic_info:
        refs["basic-info"] = case.latest_basic_info.path
    if case.latest_checklist:
        refs["checklist"] = case.latest_checklist.path
    if plan is not None:
        refs["plan"] = plan.path
        if plan.evaluation:
            refs["evaluation"] = plan.evaluation.path
        if plan.meetings:
            refs["meeting-record"] = plan.meetings[-1].path
    if case.notes:
        refs["progress-notes"] = f"{ctx.folder}/notes"
    return refs


def submission_set(ctx: Context, occasion: str) -> dict:
    """The profile's documents for an occasion (seed 002 資料5 for suzuka-kameyama)."""
    found = (ctx.profile.get("submissions") or {}).get(occasion)
    if not found or found.get("documents") is None:
        raise InputError(f"プロファイル {ctx.config.profile} に「{OCCASIONS[occasion]}」の提出書類がありません",
                         field="--occasion")
    return found


def _sends_originals(ctx: Context, chosen: dict) -> bool:
    """Whether this case hands 原本 to the 包括 at all: a 指定 居宅 keeps its own originals
    (seed 003 居宅指定「居宅管理」) unless the occasion makes the 包括 the 実施主体
    (``as_itaku``: seed 004 実施事項④, the switch to ケアマネジメント)."""
    custody = ctx.profile.get("custody") or {}
    return not (ctx.case.mode == "shitei" and custody.get("shitei_keeps_originals", True)
                and not chosen.get("as_itaku"))


def submission_items(ctx: Context, occasion: str, plan: Plan | None, *, papers: tuple[str, ...] = (),
                     without: tuple[str, ...] = ()) -> tuple[list[dict], list[str]]:
    """(documents handed over, notes on what was left out) for an occasion.

    Only what exists goes: a yobo document not written yet is left out (an
    absent 評価表 is not handed over), and so is an original the 居宅 no longer
    holds (it is at the 包括 already, or back with its writer).  Paper-only
    documents are handed over only when the user says so (``papers``); a
    required one neither in ``papers`` nor in ``without`` is refused with the
    list, so no 「紙」 row is ever recorded by default.
    """
    chosen = submission_set(ctx, occasion)
    refs = _document_refs(ctx, plan)
    holdings = replay(ctx.case)
    originals = _sends_originals(ctx, chosen)
    certs = ctx.case.certifications
    level_changed = len({c.level for c in certs[-2:]}) > 1
    listed = {item["doc"] for item in chosen["documents"]}
    kept = sorted(set(papers) & set(YOBO_DOCUMENTS))
    if kept:
        names = "、".join(DOCUMENTS[d] for d in kept)
        raise InputError(f"{names} は yobo の文書です（あれば自動で渡します。--paper は紙の書類だけ）", field="--paper")
    unknown = sorted(set(papers) - listed)
    if unknown:
        names = "、".join(DOCUMENTS.get(d, d) for d in unknown)
        raise InputError(f"{names} は「{OCCASIONS[occasion]}」の提出書類ではありません", field="--paper")
    items, left_out, unanswered = [], [], []
    for item in chosen["documents"]:
        code = item["doc"]
        name = DOCUMENTS.get(code, code)
        if item.get("condition") == "level-changed" and not level_changed:
            continue
        original = bool(item.get("original")) and originals
        if code in YOBO_DOCUMENTS:
            ref = refs.get(code)
            if ref is None:
                left_out.append(f"{name}はまだないため渡しません")
                continue
            held = holdings.get((code, ref))
            # a corrected 原案 is a new paper: it goes again though the 包括 has the one it replaces
            resent = occasion == "draft" and code == "plan"
            if original and held is not None and held.original != "kyotaku" and not resent:
                where = HOLDERS.get(held.original or "", "—")
                left_out.append(f"{name}の原本は{where}にあるため渡しません")
                continue
            items.append({"doc": code, "ref": ref, "original": original, "paper": False})
        elif code in papers:
            items.append({"doc": code, "ref": "", "original": original, "paper": True})
        elif code not in without and not item.get("optional"):
            unanswered.append(code)
    if unanswered:
        names = "、".join(f"{DOCUMENTS.get(c, c)}（{c}）" for c in unanswered)
        raise InputError(f"紙の書類 {names} を渡したかどうかを、--paper CODE（渡した）か --without CODE"
                         "（渡していない）で指定してください", field="--paper")
    return items, left_out


def submit_to_hokatsu(ctx: Context, *, occasion: str, day: date | None, papers: tuple[str, ...] = (),
                      without: tuple[str, ...] = ()) -> Change:
    """A packet to the 包括 (送付状), recording each 原本/写し hand-over that happened.

    The documents are the profile's for the occasion (:func:`submission_items`).
    An original goes to the 包括 and the 居宅 keeps a copy (profile
    ``sender_keeps_copy``); at the end of an entrusted case every original the 居宅
    still holds goes back (``all_originals``: seed 002 資料1-10, seed 003 台帳管理)
    and its copies are destroyed where the profile says so (seed 002 資料5 注2).
    """
    require_active(ctx)
    require_party(ctx, "kyotaku", "包括への提出")
    case = ctx.case
    if not case.hokatsu:
        raise InputError("担当地域包括支援センターが決まっていません（case.yaml の hokatsu）")
    day = step_date(ctx, day)
    plan = case.current_plan
    if occasion in ("draft", "new-contract", "evaluation", "plan-change", "meeting", "route-change") and plan is None:
        raise OrderError("計画がまだありません。先に yobo plan draft で原案を作ってください")
    if occasion == "draft" and plan.consent is not None:
        raise OrderError(f"計画 {plan.id} は同意済みです。原案確認の提出はできません")
    if occasion in ("new-contract", "plan-change") and plan.consent is None:
        raise OrderError(f"計画 {plan.id} の同意がまだです（yobo plan agree）")
    if occasion == "plan-change" and plan.number < 2:
        raise OrderError("計画変更時の提出は2つ目以降の計画で行います")
    if occasion == "evaluation" and plan.evaluation is None:
        raise OrderError(f"計画 {plan.id} の評価表がまだです（yobo evaluate）")
    if occasion == "level-change" and len(case.certifications) < 2:
        raise OrderError("区分変更後の認定が記録されていません")
    if occasion == "termination" and plan is not None and plan.service_start and plan.evaluation is None:
        raise OrderError(f"終了時の提出の前に計画 {plan.id} の評価が必要です（yobo evaluate）")
    chosen = submission_set(ctx, occasion)
    if occasion == "meeting":
        if not plan.meetings:
            raise OrderError(f"計画 {plan.id} の担当者会議がまだです（yobo meeting record）")
        if chosen.get("unless") == "hokatsu-attended" and plan.meetings[-1].hokatsu_attended:
            raise OrderError(f"{plan.meetings[-1].date} の担当者会議には包括が出席したため、要点は提出しません"
                             f"（プロファイル {ctx.config.profile}: {chosen.get('source', '')}）")
    items, left_out = submission_items(ctx, occasion, plan, papers=papers, without=without)
    custody = ctx.profile.get("custody") or {}
    destroy = bool(chosen.get("destroy_copies"))
    keep_copy = custody.get("sender_keeps_copy", True) and not destroy
    handovers = []
    for item in items:
        h: dict = {"doc": item["doc"]}
        if item["ref"]:
            h["ref"] = item["ref"]
        if item["paper"]:
            h["paper"] = True
        if item["original"]:
            h["original_to"] = "hokatsu"
            if keep_copy:
                h["copies_to"] = ["kyotaku"]
        else:
            h["copies_to"] = ["hokatsu"]
        handovers.append(h)
    if chosen.get("all_originals") and _sends_originals(ctx, chosen):
        # every original the 居宅 still holds goes back, even one the occasion's list names as a copy
        sent = {(h["doc"], h.get("ref") or ""): h for h in handovers}
        for key, holding in sorted(replay(case).items()):
            if key in sent and (sent[key].get("original_to") or holding.original != "kyotaku"):
                continue
            if key in sent:
                handovers.remove(sent[key])
            if holding.original == "kyotaku":
                handovers.append(_clean({"doc": holding.doc, "ref": holding.ref, "original_to": "hokatsu",
                                         "copies_to": ["kyotaku"] if keep_copy else None}))
            elif destroy and "kyotaku" in holding.copies:
                handovers.append(_clean({"doc": holding.doc, "ref": holding.ref,
                                         "copies_destroyed_by": ["kyotaku"]}))
    if not handovers:
        raise InputError(f"「{OCCASIONS[occasion]}」で渡す書類がありません（{'、'.join(left_out) or 'なし'}）",
                         field="--occasion")
    data = _clean({
        "seq": case.next_seq(),
        "date": day.isoformat(),
        "occasion": occasion,
        "plan": plan.id if plan is not None and occasion != "renewal" else None,
        "plan_digest": plan.digest if plan is not None and occasion == "draft" else None,
        "to": case.hokatsu,
        "staff": ctx.actor.name,
    })
    data["handovers"] = handovers
    rel = _unique(existing_paths(case), f"{ctx.folder}/submissions", f"{day.isoformat()}-{occasion}")
    return Change(f"submit-{occasion}", case.id, _new_doc(rel, "submission", data), warnings=tuple(left_out), day=day)


def step_handovers(ctx: Context, step: str, refs: dict[str, str]) -> list[dict]:
    """The hand-overs the profile's table gives for ``step`` (``custody.steps``), about the
    documents in ``refs`` (code → path); a row about a document not written yet is skipped."""
    out = []
    for item in (ctx.profile.get("custody") or {}).get("steps", {}).get(step) or ():
        ref = refs.get(item["doc"])
        if ref is None:
            continue
        out.append(_clean({"doc": item["doc"], "ref": ref, "original_to": item.get("original"),
                           "copies_to": list(item.get("copies") or ())}))
    return out


def review_plan(ctx: Context, *, opinion: str, day: date | None, plan_id: str | None) -> Change:
    """包括の原案確認: opinion and 確認者 (seed 002 資料1-3); the 原案 goes where the
    profile says (back to the 居宅: seed 000 手順6, seed 002 資料1-3)."""
    require_active(ctx)
    require_party(ctx, "hokatsu", "原案の確認")
    plan = current_plan(ctx, plan_id)
    if not needs_hokatsu_review(ctx):
        raise OrderError(f"{ctx.case.mode == 'shitei' and '指定' or '委託'}のケースの原案確認はプロファイル "
                         f"{ctx.config.profile} では行いません")
    if plan.consent is not None:
        raise OrderError(f"計画 {plan.id} は同意済みです")
    sent = [s for s in ctx.case.submissions if s.occasion == "draft" and s.plan == plan.id]
    if not sent:
        raise OrderError(f"計画 {plan.id} の原案がまだ包括に提出されていません"
                         f"（居宅が yobo submit hokatsu {ctx.case.id} --occasion draft）")
    if sent[-1].plan_digest != plan.digest:
        raise OrderError(f"計画 {plan.id} は提出後に変更されています。居宅がもう一度原案を提出してください"
                         f"（yobo submit hokatsu {ctx.case.id} --occasion draft）")
    day = step_date(ctx, day)
    if day < sent[-1].date:
        raise InputError(f"確認日 {day} が提出日 {sent[-1].date} より前です", field="--date")
    data = _clean({"seq": ctx.case.next_seq(), "target": "plan", "date": day.isoformat(), "reviewer": ctx.actor.name,
                   "center": ctx.case.hokatsu, "opinion": opinion.strip(), "plan_digest": plan.digest})
    data["handovers"] = step_handovers(ctx, "review-plan", {"plan": plan.path})
    rel = _unique(existing_paths(ctx.case), f"{plan.dir}/reviews", f"{day.isoformat()}.hokatsu")
    return Change("review-plan", ctx.case.id, _new_doc(rel, "review", data), day=day)


def review_evaluation(ctx: Context, *, opinion: str, day: date | None, plan_id: str | None) -> Change:
    """包括's confirmation of the 評価表 (確認日・確認者・意見), and where the 原本 goes:
    back to the 居宅 (seed 000 step 16, seed 003 F表) or kept by the 包括 (seed 001/002) — profile."""
    require_active(ctx)
    require_party(ctx, "hokatsu", "評価表の確認")
    plan = current_plan(ctx, plan_id)
    if plan.evaluation is None:
        raise OrderError(f"計画 {plan.id} の評価表がまだです（居宅が yobo evaluate）")
    if plan.evaluation_review is not None:
        raise OrderError(f"計画 {plan.id} の評価表は {plan.evaluation_review.date} に確認済みです")
    if not needs_hokatsu_review(ctx):
        raise OrderError(f"このケースの評価表の確認はプロファイル {ctx.config.profile} では行いません")
    sent = [s for s in ctx.case.submissions if s.occasion == "evaluation" and s.plan == plan.id]
    if not sent:
        raise OrderError(f"評価表がまだ包括に提出されていません（居宅が yobo submit hokatsu {ctx.case.id} --occasion evaluation）")
    day = step_date(ctx, day)
    if day < sent[-1].date:
        raise InputError(f"確認日 {day} が提出日 {sent[-1].date} より前です", field="--date")
    data = _clean({"seq": ctx.case.next_seq(), "target": "evaluation", "date": day.isoformat(),
                   "reviewer": ctx.actor.name, "center": ctx.case.hokatsu, "opinion": opinion.strip()})
    data["handovers"] = step_handovers(ctx, "review-evaluation", {"evaluation": plan.evaluation.path})
    rel = f"{plan.dir}/evaluation-review.hokatsu.yaml"
    return Change("review-evaluation", ctx.case.id, _new_doc(rel, "review", data), day=day)


# -- meeting, consent, start ----------------------------------------------------------------------


#: What the 要点 file of ``meeting record`` may hold (Toshima E表; the times are optional).
MEETING_POINTS = ("start_time", "end_time", "topics", "discussion", "conclusion", "remaining")


def record_meeting(ctx: Context, *, day: date | None, attendees: list[dict], place: str,
                   hokatsu_attended: bool, points: dict) -> Change:
    """サービス担当者会議の要点 (seed 000 step 7; Toshima E表)."""
    require_active(ctx)
    require_party(ctx, "kyotaku", "担当者会議の記録")
    plan = current_plan(ctx)
    if plan.consent is not None:
        raise OrderError(f"計画 {plan.id} は同意済みです。次の会議は新しい計画で記録してください")
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


def agree_plan(ctx: Context, *, day: date | None, signer: str) -> Change:
    """計画に関する同意. A 委託 plan needs the 包括's confirmation of exactly this text:
    a change after the meeting means the 包括 confirms again first (seed 002 資料1-4)."""
    require_active(ctx)
    require_party(ctx, "kyotaku", "同意の記録")
    plan = current_plan(ctx)
    if plan.consent is not None:
        raise OrderError(f"計画 {plan.id} は {plan.consent.date} に同意済みです")
    if not plan.meetings:
        raise OrderError(f"計画 {plan.id} の担当者会議がまだです（yobo meeting record）")
    if needs_hokatsu_review(ctx):
        confirmed = [r for r in plan.reviews if r.plan_digest == plan.digest]
        if not plan.reviews:
            raise OrderError(f"計画 {plan.id} は包括の原案確認がまだです（yobo submit hokatsu --occasion draft のあと包括が yobo review plan）")
        if not confirmed:
            raise OrderError(f"計画 {plan.id} は包括の確認のあとに変更されています。利用者に説明する前に、包括の確認をもう一度受けてください"
                             "（yobo submit hokatsu --occasion draft → yobo review plan）")
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


def start_plan(ctx: Context, *, day: date | None) -> Change:
    """サービス開始: the month the monitoring and visit schedule counts from."""
    require_active(ctx)
    require_party(ctx, "kyotaku", "サービス開始の記録")
    plan = current_plan(ctx)
    if plan.consent is None:
        raise OrderError(f"計画 {plan.id} の同意がまだです（yobo plan agree）")
    if plan.service_start is not None:
        raise OrderError(f"計画 {plan.id} のサービスは {plan.service_start} に開始済みです")
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


# -- monitoring, notes -----------------------------------------------------------------------------


def record_monitoring(ctx: Context, *, day: date | None, method: str, state_change: bool, reason: str,
                      summary: str, existing_text: str | None) -> Change:
    """モニタリング: one file a month, a record per contact (seed 002 資料1-7)."""
    require_active(ctx)
    require_party(ctx, "kyotaku", "モニタリングの記録")
    plan = current_plan(ctx)
    if plan.service_start is None:
        raise OrderError(f"計画 {plan.id} のサービスがまだ始まっていません（yobo plan start）")
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


def add_note(ctx: Context, *, day: date | None, text: str, kind: str) -> Change:
    """支援経過記録: one file an entry, append-only, named by date and party."""
    require_active(ctx)
    day = step_date(ctx, day)
    if not text.strip():
        raise InputError("内容を入力してください", field="--text")
    rel = _party_path(ctx, "notes", day)
    data = {"seq": ctx.case.next_seq(), "date": day.isoformat(), "kind": kind, "text": text.strip(),
            "staff": ctx.actor.name, "party": ctx.actor.party}
    return Change("note", ctx.case.id, _new_doc(rel, "note", data), day=day)


# -- evaluation, close -----------------------------------------------------------------------------


def evaluate_plan(ctx: Context, *, day: date | None, outcomes: dict, decision: str | None,
                  next_route: str | None) -> Change:
    """評価表: the plan's goals and periods copied, outcomes from the care manager
    (seed 002 §4; seed 000 step 16 表1 for continue/change/end)."""
    require_active(ctx)
    require_party(ctx, "kyotaku", "評価")
    plan = current_plan(ctx)
    if plan.service_start is None:
        raise OrderError(f"計画 {plan.id} のサービスがまだ始まっていません（yobo plan start）")
    if plan.evaluation is not None:
        raise OrderError(f"計画 {plan.id} は {plan.evaluation.date} に評価済みです")
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


def close_case(ctx: Context, *, day: date | None, reason: str, case_text: str) -> Change:
    """終了 (完結): after the last plan's evaluation; retention counts from this date
    (seed 002 資料1-10: 5 years)."""
    require_active(ctx)
    require_party(ctx, "kyotaku", "ケースの終了")
    plan = ctx.case.current_plan
    if plan is not None and plan.service_start is not None and plan.evaluation is None:
        raise OrderError(f"終了の前に計画 {plan.id} の評価が必要です（yobo evaluate {ctx.case.id}）")
    if not reason.strip():
        raise InputError("終了の理由を入力してください", field="--reason")
    day = step_date(ctx, day)
    if day < ctx.case.opened:
        raise InputError(f"終了日 {day} が登録日 {ctx.case.opened} より前です", field="--date")
    rel = f"{ctx.folder}/case.yaml"
    doc = load_round_trip(case_text, rel)
    doc["status"] = "closed"
    doc["closed"] = to_round_trip({"date": day.isoformat(), "reason": reason.strip()})
    return Change("case-close", ctx.case.id, {rel: dump_round_trip(doc)}, day=day)



def attach_scan(ctx: Context, *, doc: str, kind: str, filename: str, content: bytes, day: date | None,
                holder: str | None = None) -> Change:
    """A scan of a paper's 原本 or 写し, kept under the case's ``files/`` with a custody record
    saying who holds that paper: ``holder`` (default: the acting office) holds the original
    (``kind`` original) or a copy (``kind`` copy) — e.g. contracts the 包括 keeps (seed 000
    手順3), the 居宅's copies of the 調査票・意見書 from the town (seed 000 手順4), a
    個別サービス計画 whose 原本 is the provider's (seed 000 手順11).

    The stored name is made from the document code, date and kind, never from
    the uploaded file name (it may carry the person's name).
    """
    require_active(ctx)
    day = step_date(ctx, day)
    if not content:
        raise InputError(f"{filename} は空のファイルです", field="FILE")
    holder = holder or ctx.actor.party
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not suffix[1:].isalnum() or len(suffix) > 6:
        suffix = ""
    taken = existing_paths(ctx.case)
    plan = ctx.case.current_plan
    ref = _document_refs(ctx, plan).get(doc, "")
    folder = f"{ctx.folder}/files/{doc}"
    n = 1
    while any(p.startswith(f"{folder}/{day.isoformat()}-{kind}-{n}.") or p == f"{folder}/{day.isoformat()}-{kind}-{n}"
              for p in taken | set(ctx.case.unreadable) | _scan_paths(ctx.case)):
        n += 1
    scan_rel = f"{folder}/{day.isoformat()}-{kind}-{n}{suffix}"
    record_rel = _party_path(ctx, "custody", day)
    scan = {"doc": doc, "kind": kind, "holder": holder, "file": scan_rel}
    handover: dict = {"doc": doc}
    if ref:
        scan["ref"] = handover["ref"] = ref
    if kind == "original":
        handover["original_to"] = holder
    else:
        handover["copies_to"] = [holder]
    data = {"seq": ctx.case.next_seq(), "date": day.isoformat(), "staff": ctx.actor.name, "party": ctx.actor.party,
            "event": "scan", "handovers": [handover], "scan": scan}
    files: dict[str, str | bytes] = {scan_rel: content}
    files.update(_new_doc(record_rel, "custody", data))
    return Change("attach", ctx.case.id, files, day=day)


def record_contract(ctx: Context, *, day: date | None, signed_with: str | None) -> Change:
    """契約: the 重要事項説明書, 利用契約書, 個人情報使用同意書 and 計画作成依頼（変更）届出書
    signed, and who keeps which original and copy — the profile's ``custody.contract``
    table for the party the user signed with (seed 000 手順3: the 包括 keeps the
    originals, the 居宅 copies; seed 003 同時契約: each of 居宅 and 包括 its own).

    ``signed_with`` defaults to the case's mode: the 包括 for 委託, the 居宅 for 指定,
    both where the profile makes 同時契約 the rule.  Either office may record it.
    """
    require_active(ctx)
    day = step_date(ctx, day)
    if signed_with is None:
        simultaneous = ctx.case.mode == "shitei" and ctx.profile.get("simultaneous_contract")
        signed_with = "both" if simultaneous else ("hokatsu" if ctx.case.mode == "itaku" else "kyotaku")
    if signed_with not in CONTRACT_PARTIES:
        raise InputError(f"'{signed_with}' は契約の相手ではありません（{'、'.join(CONTRACT_PARTIES)}）",
                         field="--signed-with")
    tables = (ctx.profile.get("custody") or {}).get("contract") or {}
    if signed_with == "both":
        rows = tables.get("simultaneous") or [
            {**row, "of": party} for party in ("kyotaku", "hokatsu") for row in tables.get(party) or ()]
    else:
        rows = [{**row, "of": signed_with} for row in tables.get(signed_with) or ()]
    if not rows:
        raise InputError(f"プロファイル {ctx.config.profile} に{CONTRACT_PARTIES[signed_with]}との契約書類の扱いが"
                         "ありません", field="--signed-with")
    if ctx.case.mode == "itaku" and signed_with == "kyotaku":
        raise InputError("委託のケースでは利用者は包括と契約します（--signed-with hokatsu）", field="--signed-with")
    rel = _party_path(ctx, "custody", day)
    handovers = []
    for row in rows:
        if row["doc"] not in CONTRACT_DOCUMENTS:
            continue
        handovers.append(_clean({"doc": row["doc"], "ref": f"{rel}#{row.get('of') or signed_with}",
                                 "original_to": row.get("original"), "copies_to": list(row.get("copies") or ())}))
    signers = ["kyotaku", "hokatsu"] if signed_with == "both" else [signed_with]
    data = {"seq": ctx.case.next_seq(), "date": day.isoformat(), "staff": ctx.actor.name, "party": ctx.actor.party,
            "event": "contract", "signed_with": signers, "handovers": handovers}
    return Change("contract", ctx.case.id, _new_doc(rel, "custody", data), day=day)


def _scan_paths(case: Case) -> set[str]:
    return {c.scan["file"] for c in case.custody if c.scan}

"""When a case changes course: its 区分 (route) month by month, its 実施形態 (委託→指定),
its 担当ケアマネ and 担当包括 — each change kept as history in ``case.yaml``
``course`` (who, from when), the current value in the top-level field, and the
reason in the 支援経過記録 (介護予防支援経過記録) of the same commit.

Sources: seed 004 (004_039b0045c9f97517.txt) 実施事項①〜④ (line 47–107) and the
参考 table of April/May/June (line 108–147); seed 003 (003_f73aac61ef8be17b.txt)
作成届 row (line 13), 留意点 1–2 (line 44–47), 台帳管理 (line 28: 区内転居 → 担当包括);
seed 002 III-1 (9) 担当者変更 (a 軽微な変更).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..errors import InputError
from ..model import Case, Config, Plan, get_path
from ..vocab import LEVELS, MODES, ROUTES
from ..yamlio import dump_round_trip, load_round_trip, to_round_trip
from .apply import Change
from .context import Context, OrderError, require_active, require_party, step_date
from .monitoring import add_note

#: The note kind of every course change (vocab.NOTE_KINDS ``switch``: 区分の変更).
NOTE_KIND = "switch"


def month_first(value: str, field: str = "--from") -> date:
    """``YYYY-MM`` → the 1st of that month; InputError otherwise."""
    try:
        year, month = value.strip().split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(value)
        return date(int(year), int(month), 1)
    except ValueError:
        raise InputError(f"'{value}' は月として読めません（YYYY-MM、例: 2027-05）", field=field) from None


def _entry(field: str, start: str, new: str, old: str | None, ctx: Context, reason: str) -> dict:
    entry = {"field": field, "from": start, "to": new}
    if old:
        entry["was"] = old
    entry.update({"recorded": ctx.today.isoformat(), "staff": ctx.actor.name})
    if reason:
        entry["reason"] = reason
    return entry


def _write_case(ctx: Context, case_text: str, entries: list[dict], top: dict) -> dict[str, str]:
    """case.yaml with ``entries`` appended to ``course`` and the top-level fields in ``top``."""
    rel = ctx.case.file
    doc = load_round_trip(case_text, rel)
    for key, value in top.items():
        doc[key] = value
    if "course" not in doc:
        doc["course"] = to_round_trip([])
    for entry in entries:
        doc["course"].append(to_round_trip(entry))
    return {rel: dump_round_trip(doc)}


def _last_start(case: Case, field: str) -> date | None:
    starts = [c.start for c in case.course if c.field == field]
    return max(starts) if starts else None


def _require_after_last(case: Case, field: str, start: date, what: str, flag: str) -> None:
    last = _last_start(case, field)
    if last is not None and start <= last:
        raise InputError(f"{what}の変更は {last} からのものがすでに記録されています。それより後から指定してください"
                         "（過去の変更を直すときは case.yaml の course を編集してください）", field=flag)


def case_start(case: Case) -> date:
    """The earliest day the case's history may start: its registration in yobo, or its first
    certification when the case was registered later with its earlier records."""
    return min([case.opened, *(c.start for c in case.certifications)])


def _note(ctx: Context, day: date, text: str) -> dict[str, str]:
    return add_note(ctx, day=day, text=text, kind=NOTE_KIND).files


# -- 区分: 介護予防支援 ↔ 介護予防ケアマネジメントA, month by month ---------------------------------


def switch_route(ctx: Context, case_text: str, *, route: str, start: date, reason: str) -> Change:
    """``case switch --route``: the case's 区分 from the month of ``start`` on.

    The plan goes on (seed 004 参考 line 109–121: the same plan, 介護予防ホームヘルプ and
    訪問看護, runs through April 介護予防支援, May ケアマネジメント, June 介護予防支援; seed
    003 留意点 2 line 47: 指定→再委託 is handled like a 軽微な変更).  A 指定 case switched
    to ケアマネジメントA is entrusted (委託) by the 包括 for those months, since the 包括 is
    its 実施主体 (seed 004 実施事項④ line 104); back to 介護予防支援 it is 指定 again.
    The reason goes into the 支援経過 (seed 004 line 92: 区分の変更理由が分かる旨記載).
    What becomes due (the 包括への連絡, the 作成依頼（変更）届 and 被保険者証, the
    提出物) is :func:`yobo.rules.course.course_changes`; each month's billing follows
    the month's 区分 (:func:`yobo.rules.due.monthly_cycle`).
    """
    require_active(ctx)
    require_party(ctx, "kyotaku", "区分の切替")
    case = ctx.case
    if route not in ROUTES:
        raise InputError(f"'{route}' は区分ではありません", field="--route")
    if not reason.strip():
        raise InputError("切替の理由を --reason で入力してください（支援経過に残します。seed 004 実施事項④）",
                         field="--reason")
    if start < case_start(case).replace(day=1):
        raise InputError(f"{start:%Y-%m} はケースの始まり（{case_start(case)}）より前の月です", field="--from")
    if start > ctx.today.replace(day=1):
        raise InputError(f"{start:%Y-%m} は今月より後の月です（切替はその月になってから記録します）", field="--from")
    _require_after_last(case, "route", start, "区分", "--from")
    before = case.route_on(start)
    if before == route:
        raise InputError(f"{start:%Y-%m} の区分はすでに{ROUTES[route]}です", field="--route")
    cert = case.certification_on(start) or case.latest_certification
    if route == "yobo-shien" and cert is not None and cert.level == "jigyo":
        raise InputError(f"{LEVELS['jigyo']}は{ROUTES['yobo-shien']}を使えません（seed 004 対象者、line 8–16）",
                         field="--route")
    mode_before = case.mode_on(start)
    mode_after = mode_before
    if route == "cm-a" and mode_before == "shitei":
        # seed 004 line 104: ケアマネジメントは包括が実施主体で、居宅へ委託
        if not case.hokatsu_on(start):
            raise InputError("介護予防ケアマネジメントAは担当包括からの委託で行います。先に yobo case reassign "
                             f"{case.id} --hokatsu 名称 --on 日付 で担当包括を記録してください", field="--route")
        mode_after = "itaku"
    elif route == "yobo-shien" and mode_before == "itaku" and _was_shitei_before_cm_a(case, start):
        mode_after = "shitei"
    start_text = f"{start:%Y-%m}"
    entries = [_entry("route", start_text, route, before, ctx, reason.strip())]
    top = {"route": route}
    text = [f"区分の切替: {start:%Y年%m月}から{ROUTES[route]}（それまで{ROUTES[before]}）", f"理由: {reason.strip()}"]
    if mode_after != mode_before:
        why = ("介護予防ケアマネジメントAは包括からの委託" if mode_after == "itaku"
               else "介護予防支援は指定を受けた居宅が直接実施")
        entries.append(_entry("mode", start.isoformat(), mode_after, mode_before, ctx, why))
        top["mode"] = mode_after
        text.append(f"実施形態: {MODES[mode_before]} → {MODES[mode_after]}（{why}。seed 004 実施事項④）")
    files = _write_case(ctx, case_text, entries, top)
    files.update(_note(ctx, step_date(ctx, None), "\n".join(text)))
    return Change("case-switch", case.id, files, day=ctx.today)


def _was_shitei_before_cm_a(case: Case, start: date) -> bool:
    """Whether the ケアマネジメントA months now ending began by entrusting a 指定 case (so
    back to 介護予防支援 it is 指定 again)."""
    switches = [c for c in case.course if c.field == "route" and c.value == "cm-a" and c.start < start]
    if not switches:
        return False
    began = switches[-1].start
    return case.mode_on(began - timedelta(days=1)) == "shitei"


# -- 実施形態: 委託 → 指定 (direct contract) -------------------------------------------------------------


def switch_mode(ctx: Context, case_text: str, *, mode: str, day: date, reason: str) -> Change:
    """``case switch --mode``: 委託→指定 (the designated 居宅 contracts with the user
    directly, seed 004 実施事項① line 49, within 30 days of its designation line 44–46)
    or back to 委託.  A 指定 case is 介護予防支援 only (seed 003 種別 row; seed 004
    line 41–42).  The old plan stays valid: validate asks for the 包括's confirmation by
    the mode in force when it was agreed.  Due next: the direct contract and the
    作成依頼（変更）届「変更」 with the 被保険者証 to the 包括 (seed 004 実施事項③ line
    69–74) — :func:`yobo.rules.course.course_changes`.
    """
    require_active(ctx)
    require_party(ctx, "kyotaku", "実施形態の切替")
    case, config = ctx.case, ctx.config
    if mode not in MODES:
        raise InputError(f"'{mode}' は実施形態ではありません", field="--mode")
    day = step_date(ctx, day, "--on")
    if day < case_start(case):
        raise InputError(f"{day} はケースの始まり（{case_start(case)}）より前です", field="--on")
    _require_after_last(case, "mode", day, "実施形態", "--on")
    before = case.mode_on(day)
    if before == mode:
        raise InputError(f"{day} の実施形態はすでに{MODES[mode]}です", field="--mode")
    if mode == "shitei":
        require_designated(config, day)
        if case.route_on(day) != "yobo-shien":
            raise InputError(f"指定で行うのは{ROUTES['yobo-shien']}だけです（{day:%Y-%m} の区分は"
                             f"{ROUTES[case.route_on(day)]}。seed 003 種別「介護予防支援のみ」）", field="--mode")
    elif not case.hokatsu_on(day):
        raise InputError(f"委託には担当包括が必要です。先に yobo case reassign {case.id} --hokatsu 名称 --on 日付",
                         field="--mode")
    reason = reason.strip() or ("指定を受けた居宅が利用者と直接契約（seed 004 実施事項①）" if mode == "shitei"
                                else "包括からの委託へ")
    files = _write_case(ctx, case_text, [_entry("mode", day.isoformat(), mode, before, ctx, reason)], {"mode": mode})
    files.update(_note(ctx, day, f"実施形態の切替: {day} から{MODES[mode]}（それまで{MODES[before]}）\n理由: {reason}"))
    return Change("case-switch", case.id, files, day=day)


def require_designated(config: Config, day: date) -> None:
    """A 指定 case needs a 居宅 designated for 介護予防支援 on ``day`` (yobo.yaml
    ``office.designated_on``, set by ``yobo office set --designated-on``)."""
    if config.office_kind != "kyotaku":
        raise InputError("指定（直接契約）で行うのは指定を受けた居宅介護支援事業所です", field="--mode")
    if config.designated_on is None:
        raise InputError("この居宅の介護予防支援の指定日が記録されていません（yobo office set --designated-on 日付 で"
                         "記録してください）", field="--mode")
    if day < config.designated_on:
        raise InputError(f"{day} は指定日 {config.designated_on} より前です", field="--on")


# -- 担当ケアマネ・担当包括 ----------------------------------------------------------------------------------


#: The plan field that names its 計画作成者 (plan schema ``planner``).
PLANNER_FIELD = "planner"


@dataclass(frozen=True)
class Reassignment:
    """Validated input of ``yobo case reassign`` (and ``plan amend --kind staff-change``)."""

    manager: str | None
    hokatsu: str | None
    day: date
    reason: str


def reassign(ctx: Context, case_text: str, req: Reassignment, *, plan: Plan | None = None,
             plan_text: str | None = None, field: str = PLANNER_FIELD, consent_date: date | None = None,
             consent_method: str = "") -> Change:
    """``case reassign``: a new 担当ケアマネ and/or 担当包括 from ``req.day``, kept as
    history; every open deadline of the case is the new people's from then on (the due
    list and ``--staff`` read the current 担当), and forms written from that day print
    them.  With ``plan`` (``plan amend --kind staff-change``), the agreed plan's 計画作成者
    changes in the same commit as a 軽微な変更 (seed 002 III-1 (9) 担当者変更:
    「利用者との面識がある等」 is to be noted in the 経過記録), the old name kept (見え消し).

    The 担当包括 changes on a 区内転居 (seed 003 台帳管理 line 28: 居宅から担当包括に一報).
    """
    require_active(ctx)
    require_party(ctx, "kyotaku", "担当の変更")
    case, config = ctx.case, ctx.config
    if not req.manager and not req.hokatsu:
        raise InputError("新しい担当を --manager（担当ケアマネ）か --hokatsu（担当包括）で指定してください",
                         field="--manager")
    day = step_date(ctx, req.day, "--on")
    if day < case_start(case):
        raise InputError(f"{day} はケースの始まり（{case_start(case)}）より前です", field="--on")
    if not req.reason.strip():
        raise InputError("変更の理由を --reason で入力してください（支援経過に残します）", field="--reason")
    entries, top, lines = [], {}, []
    if req.manager:
        name = req.manager.strip()
        if config.office_kind == "kyotaku" and config.staff_named(name) is None:
            raise InputError(f"'{name}' は職員に登録されていません（yobo staff add で登録）", field="--manager")
        if name == case.manager:
            raise InputError(f"担当ケアマネはすでに {name} です", field="--manager")
        _require_after_last(case, "manager", day, "担当ケアマネ", "--on")
        entries.append(_entry("manager", day.isoformat(), name, case.manager, ctx, req.reason.strip()))
        top["manager"] = name
        lines.append(f"担当ケアマネの変更: {day} から {name}（それまで {case.manager}）")
    if req.hokatsu:
        name = req.hokatsu.strip()
        if name == case.hokatsu:
            raise InputError(f"担当包括はすでに {name} です", field="--hokatsu")
        _require_after_last(case, "hokatsu", day, "担当包括", "--on")
        entries.append(_entry("hokatsu", day.isoformat(), name, case.hokatsu, ctx, req.reason.strip()))
        top["hokatsu"] = name
        lines.append(f"担当包括の変更: {day} から {name}（それまで {case.hokatsu or 'なし'}）")
    lines.append(f"理由: {req.reason.strip()}")
    files = _write_case(ctx, case_text, entries, top)
    if plan is not None:
        if field != PLANNER_FIELD:
            raise InputError(f"担当者変更で変わるのは計画作成者（--field {PLANNER_FIELD}）だけです", field="--field")
        consent = _minor_consent(ctx, plan, consent_date, consent_method)
        files.update(_amend_planner(ctx, plan, plan_text or "", req, day, consent))
        lines.append(f"計画 {plan.id} の計画作成者を {req.manager} に変更（軽微な変更: 担当者変更、seed 002 III-1 (9)）")
        lines.append(f"同意: {consent[0]}（{consent[1]}）")
    files.update(_note(ctx, day, "\n".join(lines)))
    return Change("case-reassign", case.id, files, day=day)


def _minor_consent(ctx: Context, plan: Plan, consent_date: date | None, method: str) -> tuple[str, str]:
    """The user's consent to a 軽微な変更, its date and how (seed 002 III-2(2)①)."""
    if consent_date is None:
        raise InputError("利用者から同意を受けた日（--consent-date）を入力してください（seed 002 III-2(2)①）",
                         field="--consent-date")
    if consent_date > ctx.today:
        raise InputError(f"同意日 {consent_date} が今日より後です", field="--consent-date")
    if plan.consent is not None and consent_date < plan.consent.date:
        raise InputError(f"変更への同意日 {consent_date} が計画の同意日 {plan.consent.date} より前です",
                         field="--consent-date")
    if not method.strip():
        raise InputError("同意の確認方法（--consent-method、例: 訪問・電話）を入力してください（seed 002 III-2(2)①）",
                         field="--consent-method")
    return consent_date.isoformat(), method.strip()


def _amend_planner(ctx: Context, plan: Plan, plan_text: str, req: Reassignment, day: date,
                   consent: tuple[str, str]) -> dict[str, str]:
    """The plan's 計画作成者 as a recorded 軽微な変更 (its digest ignores amendments, so the
    consent still matches: :func:`yobo.model.plan_digest`)."""
    if not req.manager:
        raise InputError("担当者変更には新しい担当ケアマネ（--new または --manager）が必要です", field="--new")
    if plan.consent is None:
        raise OrderError(f"計画 {plan.id} はまだ同意を得ていません。同意前は yobo case reassign で担当を変え、"
                         "計画は yobo plan edit で直してください")
    if plan.evaluation is not None:
        raise OrderError(f"計画 {plan.id} は {plan.evaluation.date} に評価済みです")
    if day < plan.consent.date:
        raise InputError(f"変更日 {day} が計画の同意日 {plan.consent.date} より前です", field="--date")
    try:
        old = get_path(plan.data, PLANNER_FIELD)
    except (KeyError, IndexError, TypeError):
        old = None
    if not isinstance(old, str):
        raise InputError(f"計画 {plan.id} に計画作成者（{PLANNER_FIELD}）がありません", field="--field")
    document = load_round_trip(plan_text, plan.path)
    document[PLANNER_FIELD] = req.manager
    amendment = {"date": day.isoformat(), "kind": "staff-change", "field": PLANNER_FIELD, "old": old,
                 "new": req.manager, "reason": req.reason.strip(), "consent_date": consent[0],
                 "consent_method": consent[1]}
    if "amendments" not in document:
        document["amendments"] = to_round_trip([])
    document["amendments"].append(to_round_trip(amendment))
    return {plan.path: dump_round_trip(document)}


# -- the office: its designation -----------------------------------------------------------------------


def set_designation(config: Config, config_text: str, *, day: date, today: date) -> Change:
    """``office set --designated-on``: the day this 居宅 was designated as a 指定介護予防支援
    事業所 (seed 004 title; line 44–46: every 委託 case moves to a direct contract within
    30 days of it).  Written to yobo.yaml ``office.designated_on``."""
    from ..casebook import CONFIG_FILE

    if config.office_kind != "kyotaku":
        raise InputError("介護予防支援の指定日は居宅介護支援事業所のケースブックに記録します", field="--designated-on")
    if day > today:
        raise InputError(f"{day} は今日（{today}）より後の日付です", field="--designated-on")
    if config.designated_on == day:
        raise InputError(f"指定日はすでに {day} です", field="--designated-on")
    doc = load_round_trip(config_text, CONFIG_FILE)
    doc["office"]["designated_on"] = day.isoformat()
    return Change("office-set", None, {CONFIG_FILE: dump_round_trip(doc)}, day=today)


def new_itaku_warning(config: Config, route: str, mode: str, day: date) -> str | None:
    """The warning before a designated 居宅 opens a 委託 介護予防支援 case: 指定事業所に
    ついては、原則として介護予防支援のケースは委託しません (seed 004 line 41–42).  「原則
    として」: a warning, not a refusal; the case then gets its own 30-day migration item."""
    if (config.office_kind == "kyotaku" and config.designated_on is not None and day >= config.designated_on
            and route == "yobo-shien" and mode == "itaku"):
        return (f"この居宅は {config.designated_on} に介護予防支援の指定を受けています。原則として介護予防支援の"
                "ケースは委託しません（seed 004）。直接契約なら --mode shitei、登録後の移行は yobo case switch --mode shitei")
    return None

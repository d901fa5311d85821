"""Certification steps: a decided 認定 (renewal, 区分変更), an application 申請中 and its result.

``yobo cert add --pending`` records an application still awaiting its result,
its 申請日 dated by the profile when this office filed it (申請代行, seed 000
手順19) and its start put where the law puts it (新規・区分変更: the application
date; 更新: the day after the current period; background/national-rules.md §3).

``yobo cert decide`` records the result in the same file, so the pending period
is replaced, never duplicated: a 区分変更 ends the previous period the day before
the new one; a 暫定ケアプラン of the same level becomes the plan as a 軽微な変更
(seed 002 II-6(1)); another 要支援 level leaves a 確定ケアプラン due (II-6(2)); 要介護
or 非該当 takes the case out of yobo's care, and its closure becomes due
(:func:`yobo.rules.due.certification`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from ..calendar import add_months
from ..errors import InputError
from ..model import Certification, Plan
from ..rules.certification import application_kind, dated_application
from ..schemas import field_label
from ..vocab import APPLICATION_KINDS, DECIDED_LEVELS, LEVELS, OUT_OF_CARE_LEVELS
from ..yamlio import dump_round_trip, load_round_trip, to_round_trip
from .apply import Change
from .context import Context, OrderError, _clean, _new_doc, step, step_date
from .monitoring import add_note


@step("cert-add")
def add_certification(ctx: Context, *, level: str, status: str, start: date, end: date | None,
                      certified_on: date | None, applied_on: date | None) -> Change:
    """A new 認定 (renewal, 区分変更, or an application still 申請中).

    A decided 要支援 certification has an end; a 事業対象者 judgement has none
    (background/national-rules.md §1.3, §3); a pending one records its 申請日.
    """
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


#: How long a first (新規・区分変更) validity period may run: 3–12 months; a renewal up to
#: 48 (background/national-rules.md §3 table).
_MAX_MONTHS = {"new": 12, "change": 12, "renewal": 48}
#: A renewal at another level (要支援1→2): up to 36 months (national-rules.md §3 table).
_RENEWAL_OTHER_LEVEL_MONTHS = 36


def last_allowed_day(start: date, months: int) -> date:
    """The last day a period of at most ``months`` may reach: the rest of the start's month plus
    ``months`` whole months, or just the months from a 1st (施行規則§52; national-rules.md §3,
    e.g. 2026-04-15 + 6 → 2026-10-31, 2026-04-01 + 6 → 2026-09-30)."""
    first = start.replace(day=1)
    extra = 0 if start.day == 1 else 1
    return add_months(first, months + extra) - timedelta(days=1)


def current_decided(ctx: Context, day: date) -> Certification | None:
    """The decided 要支援 certification in force on ``day`` (what a renewal or 区分変更 follows)."""
    found = [c for c in ctx.case.certifications if c.status == "certified" and c.covers(day)
             and c.level not in OUT_OF_CARE_LEVELS]
    return max(found, key=lambda c: c.start) if found else None


@step("cert-add")
def add_pending(ctx: Context, *, level: str | None, applied_on: date | None, submitted_on: date | None,
                kind: str | None, start: date | None) -> Change:
    """A certification 申請中: the expected level (見込み), the 申請日, and where it starts.

    With ``submitted_on`` (申請代行: this office took the application to the 保険者) the
    申請日 is dated by the profile (seed 000 手順19); otherwise ``applied_on`` is the
    申請日 as written.  The start is the 申請日 for a 新規 or 区分変更 and the day after
    the current period for a 更新 (national-rules.md §3); ``kind`` says which when a
    current certification exists (a 区分変更 and a renewal can both be filed in the last
    60 days), and an explicit ``start`` must agree with it.
    """
    case = ctx.case
    if case.pending_certification is not None:
        other = case.pending_certification
        raise OrderError(f"申請中の認定がすでにあります（{other.start} から、{other.path}）。"
                         f"結果は yobo cert decide {case.id} で記録してください")
    if submitted_on is not None and applied_on is not None:
        raise InputError("申請代行の提出日（--submitted-on）と申請日（--applied-on）はどちらか一方を指定してください"
                         "（申請日は提出日からプロファイルの決まりで付けます。seed 000 手順19）", field="--applied-on")
    if submitted_on is not None:
        submitted_on = step_date(ctx, submitted_on, "--submitted-on")
        applied_on = dated_application(submitted_on, ctx.profile)
    elif applied_on is None:
        raise InputError("申請中の認定には申請日（--applied-on）か、申請代行の提出日（--submitted-on）が必要です",
                         field="--applied-on")
    else:
        applied_on = step_date(ctx, applied_on, "--applied-on")
    current = current_decided(ctx, applied_on)
    inferred = "new" if current is None or current.end is None else None
    if kind is None:
        kind = inferred
    if kind is None and start is not None:
        kind = "renewal" if start == current.end + timedelta(days=1) else "change" if start <= current.end else "new"
    if kind is None:
        raise InputError(f"有効期間 {current.start}〜{current.end} の認定があります。更新申請か区分変更申請かを --kind renewal"
                         " または --kind change で指定してください", field="--kind")
    if kind == "new" and current is not None and current.end is not None:
        raise InputError(f"有効期間 {current.start}〜{current.end} の認定があるため新規申請ではありません（--kind renewal "
                         "または --kind change）", field="--kind")
    if kind in ("renewal", "change") and (current is None or current.end is None):
        raise InputError(f"{APPLICATION_KINDS[kind]}の前提となる認定（{applied_on} に有効な要支援の認定）がありません。"
                         "新規申請は --kind new です", field="--kind")
    if kind == "renewal":
        window = current.end - timedelta(days=(ctx.profile.get("certification") or {}).get("renewal_window_days", 60))
        if applied_on < window:
            raise InputError(f"更新申請は有効期間の満了日（{current.end}）の60日前（{window}）からです"
                             "（national-rules.md §3）", field="--applied-on")
        expected_start = current.end + timedelta(days=1)
    else:
        expected_start = applied_on
    if start is not None and start != expected_start:
        rule = "前の有効期間の満了日の翌日" if kind == "renewal" else "申請日"
        raise InputError(f"{APPLICATION_KINDS[kind]}の有効期間は{rule}（{expected_start}）から始まります"
                         f"（--from {start} とは違います。national-rules.md §3）", field="--from")
    start = expected_start
    if level is None:
        if current is None:
            raise InputError("新規申請では認定結果の見込み（--level 要支援1 / 要支援2）を指定してください", field="--level")
        level = current.level
    if level not in ("shien1", "shien2"):
        raise InputError(f"申請中の見込みは要支援1か要支援2です（{LEVELS.get(level, level)} は申請の見込みにできません）",
                         field="--level")
    for other in case.certifications:
        if other.start == start:
            raise InputError(f"{start} から始まる認定はすでにあります（{other.path}）", field="--from")
    data = _clean({"level": level, "status": "pending", "from": start.isoformat(), "applied_on": applied_on.isoformat(),
                   "submitted_on": submitted_on and submitted_on.isoformat()})
    rel = f"{ctx.folder}/certifications/{start.isoformat()}.yaml"
    return Change("cert-add", ctx.case.id, _new_doc(rel, "certification", data), creates=frozenset({rel}),
                  day=submitted_on or applied_on)


@step("cert-decide")
def decide(ctx: Context, *, level: str, start: date | None, end: date | None, certified_on: date | None,
           day: date | None, read: Callable[[str], str], consent_date: date | None = None,
           consent_method: str = "") -> Change:
    """The result of the pending application (認定結果), written over its pending record.

    - the start must be the pending record's (新規・区分変更: the 申請日; 更新: the day after
      the previous period), the end within the legal length (national-rules.md §3);
    - 区分変更: the previous period ends the day before the new one (national-rules.md §3
      「the old certification ends the day before」), its first end kept as ``original_to``;
    - a 暫定ケアプラン (plan drafted while 申請中) of the decided level becomes the plan as a
      軽微な変更 (seed 002 II-6(1)): its 認定済・認定年月日・有効期間 amended, a 経過記録 written
      with the user's consent date and how it was taken (III-2(2)①: required);
    - another 要支援 level, 要介護 or 非該当: nothing more is written here; the due list then
      asks for the 確定ケアプラン (II-6(2)) or the case's closure (rules.due).

    ``read`` gives the current text of a casebook file (round-trip edits keep comments).
    """
    case = ctx.case
    pending = case.pending_certification
    if pending is None:
        raise OrderError(f"ケース {case.id} には申請中の認定がありません（申請は yobo cert add {case.id} --pending で記録します）")
    if level not in DECIDED_LEVELS:
        raise InputError(f"'{level}' は認定結果ではありません（{'、'.join(DECIDED_LEVELS.values())}）", field="--level")
    day = step_date(ctx, day)
    kind = application_kind(case, pending)
    start = start or pending.start
    if start != pending.start:
        rule = "前の有効期間の満了日の翌日" if kind == "renewal" else "申請日"
        raise InputError(f"認定結果の開始日 {start} が申請中の記録の開始日 {pending.start} と違います（{APPLICATION_KINDS[kind]}"
                         f"は{rule}から。national-rules.md §3）。申請中の記録 {pending.path} を直してから記録してください",
                         field="--from")
    if certified_on is not None:
        certified_on = step_date(ctx, certified_on, "--certified-on")
        if pending.applied_on is not None and certified_on < pending.applied_on:
            raise InputError(f"認定年月日 {certified_on} が申請日 {pending.applied_on} より前です", field="--certified-on")
    out = level in OUT_OF_CARE_LEVELS
    if level == "higaito" and end is not None:
        raise InputError("非該当には有効期間がありません（--to は指定しません）", field="--to")
    if not out and end is None:
        raise InputError(f"{DECIDED_LEVELS[level]}の認定には有効期間の終了日（--to）が必要です", field="--to")
    if end is not None:
        if end < start:
            raise InputError(f"終了日 {end} が開始日 {start} より前です", field="--to")
        months = _MAX_MONTHS[kind]
        before = case.decided_before(pending)
        if kind == "renewal" and before is not None and before.level != level:
            months = _RENEWAL_OTHER_LEVEL_MONTHS
        last = last_allowed_day(start, months)
        if end > last:
            raise InputError(f"{APPLICATION_KINDS[kind]}の有効期間は最長{months}か月です（{start} からは {last} まで。"
                             "national-rules.md §3）", field="--to")
    files: dict[str, str] = {}
    doc = load_round_trip(read(pending.path), pending.path)
    doc["level"] = level
    doc["status"] = "certified"
    if end is not None:
        doc["to"] = end.isoformat()
    elif "to" in doc:
        del doc["to"]
    if certified_on is not None:
        doc["certified_on"] = certified_on.isoformat()
    doc["decided_on"] = day.isoformat()
    files[pending.path] = dump_round_trip(doc)

    before = case.decided_before(pending)
    if kind == "change" and level != "higaito" and before is not None and before.end is not None \
            and before.end >= start:
        # 区分変更: the old certification ends the day before the new period (national-rules.md §3)
        old = load_round_trip(read(before.path), before.path)
        old.setdefault("original_to", before.end.isoformat())
        old["to"] = (start - timedelta(days=1)).isoformat()
        files[before.path] = dump_round_trip(old)

    warnings: list[str] = []
    plan = _provisional_plan(case.current_plan)
    if plan is not None and not out and plan.data.get("level") == level:
        # before the user's consent the draft is still open: its 認定 lines are simply filled in
        consent = _require_consent(plan, consent_date, consent_method, day) if plan.consent is not None else None
        files.update(_confirm_plan(ctx, plan, pending, level=level, start=start, end=end, certified_on=certified_on,
                                   day=day, read=read, consent=consent))
    elif plan is not None and not out:
        warnings.append(f"暫定ケアプラン {plan.id}（{LEVELS.get(plan.data.get('level'), '')}）と認定結果（{DECIDED_LEVELS[level]}）"
                        "の区分が違います。一連の業務を行い、確定ケアプランを作成してください（seed 002 II-6(2)）")
    if out:
        warnings.append(f"認定結果が{DECIDED_LEVELS[level]}のため、このケースは介護予防支援・介護予防ケアマネジメントの"
                        "対象外になります。包括へ一報し、終了の手続きをしてください（seed 000 手順2、seed 003 台帳管理）")
        if plan is not None and level != "higaito":
            # seed 002 II-4/II-5: a 予防給付 暫定 plan under a 要介護 result is a self-made plan, unless the
            # 特例取扱い申出書 was filed and the records are handed over at once
            warnings.append(f"暫定ケアプラン {plan.id} は見込みと異なるため、自己作成扱い（セルフケアプラン扱い）となります。"
                            "特例取扱い申出書を出していれば、記録を速やかに居宅介護支援事業所へ引き継いでください"
                            "（seed 002 II-4・II-5）")
    return Change("cert-decide", case.id, files, warnings=tuple(warnings), day=day)


def _provisional_plan(plan: Plan | None) -> Plan | None:
    """The case's current plan if it is a 暫定ケアプラン not yet evaluated."""
    if plan is None or plan.evaluation is not None or plan.data.get("cert_status") != "pending":
        return None
    return plan


def _require_consent(plan: Plan, consent_date: date | None, method: str, day: date) -> tuple[str, str]:
    """The user's consent to the 確定 as a 軽微な変更: its date and how (seed 002 III-2(2)①)."""
    if consent_date is None or not method.strip():
        flag = "--consent-date" if consent_date is None else "--consent-method"
        raise InputError(f"暫定ケアプラン {plan.id} は認定結果が見込みどおりのため軽微な変更として確定します。利用者から同意を"
                         "受けた日（--consent-date）と確認方法（--consent-method、例: 訪問・電話）を指定してください"
                         "（seed 002 II-6(1)・III-2(2)①）", field=flag)
    if consent_date > day:
        raise InputError(f"同意日 {consent_date} が記録の日 {day} より後です", field="--consent-date")
    if plan.consent is not None and consent_date < plan.consent.date:
        raise InputError(f"同意日 {consent_date} が暫定ケアプランの同意日 {plan.consent.date} より前です", field="--consent-date")
    return consent_date.isoformat(), method.strip()


def _confirm_plan(ctx: Context, plan: Plan, pending: Certification, *, level: str, start: date, end: date | None,
                  certified_on: date | None, day: date, read: Callable[[str], str],
                  consent: tuple[str, str] | None) -> dict[str, str]:
    """暫定ケアプラン → 確定ケアプラン as a 軽微な変更 (seed 002 II-6(1)): the plan's 認定済 and its
    認定 dates amended (kept struck through on the form, the consent still matching, see
    :func:`yobo.model.plan_digest`), and a 経過記録 of the judgement."""
    document = load_round_trip(read(plan.path), plan.path)
    changes = {"cert_status": "certified", "cert_from": start.isoformat(),
               "cert_to": end.isoformat() if end else None,
               "certified_on": certified_on.isoformat() if certified_on else None}
    if consent is not None and "amendments" not in document:
        document["amendments"] = to_round_trip([])
    reason = "認定結果が暫定ケアプランの見込みどおり（seed 002 II-6(1)）"
    done = []
    for field, new in changes.items():
        old = plan.data.get(field)
        if new is None or old == new:
            continue
        entry = {"date": day.isoformat(), "kind": "provisional-confirmed", "field": field, "old": old or "",
                 "new": new, "reason": reason, "consent_date": consent[0], "consent_method": consent[1]}
        if old is None:
            entry["added"] = True
        document[field] = new
        if consent is not None:
            document["amendments"].append(to_round_trip(entry))
        done.append(f"{field_label('plan', [field])}: {old or '（なし）'} → {new}")
    files = {plan.path: dump_round_trip(document)}
    applied = f"{pending.applied_on} 申請の" if pending.applied_on else ""
    result = f"{applied}認定結果 {DECIDED_LEVELS[level]}（{start}〜{end or ''}）が暫定ケアプランの見込みどおり"
    if consent is None:
        text = (f"計画 {plan.id}（同意前の暫定ケアプラン原案）の認定の記載を更新\n{result}（seed 002 II-6(1)）。\n"
                + "\n".join(done))
    else:
        text = (f"計画 {plan.id} の軽微な変更（暫定ケアプランの確定）\n{result}のため、暫定ケアプラン作成時の一連の業務を"
                f"もって確定ケアプランとする（seed 002 II-6(1)）。\n" + "\n".join(done)
                + f"\n同意: {consent[0]}（{consent[1]}）")
    note = add_note(ctx, day=day, text=text, kind="minor-change" if consent is not None else "general")
    files.update(note.files)
    return files

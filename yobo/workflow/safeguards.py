"""Steps and guards of the safeguards (issue 13): the 主治医's instruction for a
医療系サービス, the 福祉用具 exception, and obligations marked done.

Each step returns one :class:`~yobo.workflow.apply.Change` (one commit); each
guard raises :class:`~yobo.workflow.context.OrderError` naming what is missing
and the command that records it.
"""

from __future__ import annotations

from datetime import date

from ..calendar import month_index
from ..casebook import author_token
from ..errors import InputError
from ..model import Case, Config, Plan, Staff
from ..rules.due import MONTHLY, case_obligations
from ..safeguards import (DOCTOR_METHODS, EQUIPMENT, LIGHT_LEVELS, MEDICAL_SERVICES, MEDICAL_SERVICES_SOURCE,
                          decide_equipment, equipment_certification, medical_service, missing_doctor_instructions,
                          missing_equipment, plan_equipment)
from ..vocab import parse_choice
from .apply import Change
from .context import Context, OrderError, _new_doc, event_path, existing_paths, require_active, step_date
from .monitoring import add_note

# -- 主治医の指示 (seed 002 I-1(3)) ---------------------------------------------------------------------


def _case_paths(case: Case) -> set[str]:
    paths = existing_paths(case)
    paths |= {d.path for d in case.doctor_instructions} | {e.path for e in case.equipment}
    paths |= {m.path for m in case.done_marks}
    return paths


def _numbered(taken: set[str], folder: str, stem: str, token: str) -> str:
    """``<folder>/<stem>-<n>-<author token>.yaml``: the token keeps two authors' (or two
    offices') records apart in a shared repository, as :func:`event_path` does."""
    n = 1
    while f"{folder}/{stem}-{n}-{token}.yaml" in taken:
        n += 1
    return f"{folder}/{stem}-{n}-{token}.yaml"


def confirm_doctor(ctx: Context, *, service: str, day: date | None, method: str, doctor: str, text: str) -> Change:
    """主治医の指示の確認: the 医療系サービス, the 確認日 and 確認方法 and the doctor, as a record
    of its own and an entry of the 支援経過記録 (「確認日」「確認方法」と併せて支援経過記録等
    に記載, seed 002 I-1(3)).  One commit."""
    require_active(ctx)
    found = medical_service(service)
    if found is None:
        raise InputError(f"'{service}' は医療系サービスではありません（{'、'.join(MEDICAL_SERVICES)}）", field="--service")
    code = parse_choice("--method", method, DOCTOR_METHODS)
    if not doctor.strip():
        raise InputError("主治医の氏名を入力してください", field="--doctor")
    day = step_date(ctx, day)
    party = ctx.actor.party
    rel = event_path(f"{ctx.folder}/doctor", day, ctx.actor, _case_paths(ctx.case))
    data = {"date": day.isoformat(), "service": found, "method": code, "doctor": doctor.strip()}
    if text.strip():
        data["text"] = text.strip()
    data.update({"recorded_by": ctx.actor.name, "party": party})
    files = _new_doc(rel, "doctor-instruction", data)
    note = (f"主治医の指示の確認（{found}）\n確認日: {day.isoformat()}\n確認方法: {DOCTOR_METHODS[code]}\n"
            f"主治医: {doctor.strip()}" + (f"\n内容: {text.strip()}" if text.strip() else ""))
    # the note is numbered after the record's own path is taken (both are new files)
    files.update(add_note(ctx, day=day, text=note, kind="doctor").files)
    return Change("doctor-confirm", ctx.case.id, files)


def require_doctor_instructions(ctx: Context, plan: Plan, day: date) -> None:
    """Guard of ``plan agree``: every 医療系サービス of the plan has its instruction."""
    missing = missing_doctor_instructions(ctx.case, plan, day)
    if missing:
        service = missing[0]
        raise OrderError(
            f"計画 {plan.id} の {service} には主治医の指示の確認がありません（{MEDICAL_SERVICES_SOURCE}）。"
            f"yobo doctor confirm {ctx.case.id} --service {service} --date 確認日 --method 電話|文書|受診同行|意見書 "
            "--doctor 主治医の氏名 で記録してください")


# -- 福祉用具貸与の例外給付 (seed 002 IV) ---------------------------------------------------------------


def parse_item(value: str) -> str:
    """An exception item given as its code (wheelchair) or its name (車いす)."""
    from ..safeguards import equipment_in

    wanted = value.strip()
    if wanted in EQUIPMENT:
        return wanted
    found = equipment_in(wanted)
    if found:
        return found
    options = "、".join(f"{code}（{item.label}）" for code, item in EQUIPMENT.items())
    raise InputError(f"'{value}' は例外給付の対象種目ではありません。{options} のいずれかを指定してください", field="--item")


def parse_survey(data, source: str) -> dict[str, int]:
    """基本調査 answers from a survey file: ``{"1-7": 3, …}`` at the top or under ``items``."""
    from ..safeguards import SURVEY_ITEMS

    if isinstance(data, dict) and isinstance(data.get("items"), dict):
        data = data["items"]
    if not isinstance(data, dict) or not data:
        raise InputError(f"{source}: 基本調査の結果を「項目番号: 選択肢の番号」（例 1-7: 3）で書いてください",
                         field="--survey-file")
    out = {}
    for key, value in data.items():
        item = str(key).strip()
        if item not in SURVEY_ITEMS:
            raise InputError(f"{source}: '{item}' は例外給付の判定に使う基本調査の項目ではありません"
                             f"（{'、'.join(SURVEY_ITEMS)}）", field="--survey-file")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 9:
            raise InputError(f"{source}: 基本調査{item} の値 '{value}' は選択肢の番号（1〜9）ではありません",
                             field="--survey-file")
        out[item] = value
    return out


def equipment_level(case: Case, day: date):
    """The certification the decision is made for (see ``safeguards.equipment_certification``)."""
    return equipment_certification(case, day)


def record_equipment(ctx: Context, *, item: str, consulted_on: date | None, confirmed_on: date | None,
                     survey: dict[str, int] | None, day: date | None) -> Change:
    """福祉用具の例外給付の記録 for the certification period in force: either the 直近の
    認定調査 shows the state (survey, no 協議: IV 1(1)), or the 協議 with the 保険者 and the
    date of its 確認書 (IV 1(2)(3), 2(2)).  Valid for that period only (IV 2(4)(5))."""
    require_active(ctx)
    code = parse_item(item)
    day = step_date(ctx, day)
    cert = equipment_level(ctx.case, day)
    if cert is None or cert.status != "certified":
        raise OrderError("認定（有効期間）が記録されていません。例外給付は認定有効期間ごとに確認します（yobo cert add）")
    if cert.level not in LIGHT_LEVELS:
        raise InputError(f"要支援度 {cert.level} では例外給付の確認はいりません", field="--item")
    decision = decide_equipment(code, cert.level, survey)
    data: dict = {"date": day.isoformat(), "item": code}
    if decision.outcome == "allowed" and consulted_on is None and confirmed_on is None:
        data["basis"] = "survey"
    else:
        if consulted_on is None or confirmed_on is None:
            why = "基本調査で状態像が確認できない" if survey else "基本調査の結果（--survey-file）がない"
            raise InputError(f"{why}ため、保険者との協議日（--consulted-on）と確認書の日付（--confirmed-on）が必要です"
                             "（seed 002 IV 1(2)(3)・2(2)）", field="--consulted-on")
        for value, name in ((consulted_on, "--consulted-on"), (confirmed_on, "--confirmed-on")):
            step_date(ctx, value, name)
        if confirmed_on < consulted_on:
            raise InputError(f"確認書の日付 {confirmed_on} が協議日 {consulted_on} より前です", field="--confirmed-on")
        data.update({"basis": "consultation", "consulted_on": consulted_on.isoformat(),
                     "confirmed_on": confirmed_on.isoformat()})
    data["cert_from"] = cert.start.isoformat()
    if survey:
        data["survey"] = dict(sorted(survey.items()))
    data.update({"recorded_by": ctx.actor.name, "party": ctx.actor.party})
    rel = _numbered(_case_paths(ctx.case), f"{ctx.folder}/equipment", f"{code}-{day.isoformat()}-{ctx.actor.party}",
                    author_token(ctx.actor.id, ctx.actor.party, ctx.actor.name))
    return Change("equipment-record", ctx.case.id, _new_doc(rel, "equipment-exception", data))


def require_equipment(ctx: Context, plan: Plan, day: date) -> None:
    """Guard of ``plan start``: the exception items of the plan are confirmed for this period."""
    missing = missing_equipment(ctx.case, plan, day)
    if missing:
        code = missing[0]
        raise OrderError(
            f"計画 {plan.id} の{EQUIPMENT[code].label}は軽度者の例外給付です。サービス開始の前に、認定調査での確認"
            f"（yobo equipment check {ctx.case.id} --item {code} --survey-file 基本調査.yaml）か、保険者との協議と確認書の記録"
            f"（yobo equipment record {ctx.case.id} --item {code} --consulted-on 協議日 --confirmed-on 確認書の日付）が"
            "必要です（seed 002 IV 2(1)）")


def equipment_warnings(case: Case, plan: Plan, day: date) -> list[str]:
    """A 車いす for 要支援1 without the survey's basis (基本調査1-7「できない」) is unusual
    enough to say so even with a 協議 recorded (seed 002 IV 別紙1 ア)."""
    cert = equipment_level(case, day)
    if cert is None or cert.level != "shien1" or "wheelchair" not in plan_equipment(plan.data):
        return []
    if any(e.item == "wheelchair" and e.cert_start == cert.start and e.basis == "survey" for e in case.equipment):
        return []
    return ["要支援1 の車いす貸与に、基本調査1-7「3. できない」による確認がありません。保険者との協議・確認書と、"
            "主治医の所見（i〜iii）を確かめてください（seed 002 IV 別紙1 ア）"]


# -- obligations marked done ----------------------------------------------------------------------------


def markable_codes(profile: dict) -> dict[str, str]:
    """Obligations without a record of their own that ``yobo monitor done`` can mark:
    code → Japanese title.  The monthly cycle from the profile, the providers' evaluation,
    the 届出書."""
    codes = {entry["code"]: entry["title"] for entry in profile.get("monthly") or ()}
    codes["provider-evaluation"] = "サービス事業所の個別評価"
    codes["notification-filing"] = "計画作成依頼届出書の届出"
    from ..rules.course import MARKABLE

    codes.update(MARKABLE)  # the hand-overs a 区分・実施形態 switch makes due (yobo case switch)
    return codes


def parse_months(value: str) -> list[str]:
    """``YYYY-MM`` or a range ``YYYY-MM..YYYY-MM`` (to mark a backlog at once, e.g. the
    months before a casebook started recording them), as a list of months."""
    import re

    text = value.strip()
    one = r"[0-9]{4}-(0[1-9]|1[0-2])"
    if re.fullmatch(one, text):
        return [text]
    found = re.fullmatch(rf"({one})\.\.({one})", text)
    if not found:
        raise InputError(f"'{value}' は年月（YYYY-MM）か範囲（YYYY-MM..YYYY-MM）ではありません", field="--month")
    first, last = (month_index(date.fromisoformat(m + "-01")) for m in (found.group(1), found.group(3)))
    if last < first:
        raise InputError(f"範囲 '{value}' の終わりが始まりより前です", field="--month")
    if last - first >= 60:
        raise InputError(f"範囲 '{value}' が長すぎます（5年まで）", field="--month")
    from ..calendar import month_start

    return [f"{month_start(i):%Y-%m}" for i in range(first, last + 1)]


def _mark_name(code: str, config: Config, party: str) -> str:
    office = f"-{config.office_number}" if config.office_number else ""
    return f"{code}--{party}{office}"


def _mark_data(code: str, month: str, day: date, actor: Staff, config: Config) -> dict:
    data = {"code": code, "month": month, "date": day.isoformat(), "staff": actor.name, "party": actor.party}
    if config.office_number:
        data["office"] = config.office_number
    return data


def _mark_day(day: date | None, today: date) -> date:
    day = day or today
    if day > today:
        raise InputError(f"{day} は今日（{today}）より後の日付です", field="--date")
    return day


def mark_case_done(ctx: Context, *, code: str, month: str, day: date | None) -> Change:
    """Obligations of the case marked done, one file a month under the case's ``done/``
    folder (read with the case, so the due index sees it as a change of the case).
    Only an open item of the acting party (or a provider's, which the receiving office
    records) can be marked; a range marks every open month in it."""
    from ..rules.due import covers

    codes = markable_codes(ctx.profile)
    if code not in codes:
        raise InputError(f"'{code}' は済みにできる期限ではありません（{'、'.join(codes)}）", field="--code")
    months = parse_months(month)
    day = _mark_day(day, ctx.today)
    party = ctx.actor.party
    open_items = [d for d in case_obligations(ctx.case, ctx.profile, ctx.config) if d.code == code]

    # a monthly item is for the month its window ends in; the providers' evaluation for
    # its evaluation month (where its window opens); the 届出書 is one a contract, any month
    def month_of(item) -> str:
        return item.month if item.kind == MONTHLY else f"{item.opens:%Y-%m}"

    matching = [d for d in open_items if code == "notification-filing" or month_of(d) in months]
    if not matching:
        shown = "、".join(sorted({month_of(d) for d in open_items})) or "なし"
        raise InputError(f"ケース {ctx.case.id} に {month} の「{codes[code]}」の未済の期限はありません（未済: {shown}）",
                         field="--month")
    mine = [d for d in matching if covers(party, d.party)]
    if not mine:
        other = "包括" if matching[0].party == "hokatsu" else "居宅"
        raise InputError(f"ケース {ctx.case.id} の {month} の「{codes[code]}」は{other}が行う期限です"
                         f"（{other}の職員が済みにします）", field="--code")
    wanted = sorted({months[0] if code == "notification-filing" else month_of(d) for d in mine})
    taken = _case_paths(ctx.case)
    files: dict[str, str] = {}
    for one in wanted:
        if month_index(day) < month_index(date.fromisoformat(one + "-01")) and code != "notification-filing":
            raise InputError(f"{one} 分の期限を {day} に済ませることはできません（対象月より前）", field="--date")
        rel = f"{ctx.folder}/done/{one}--{_mark_name(code, ctx.config, party)}.yaml"
        if rel in taken:
            raise InputError(f"{one} の「{codes[code]}」はすでに済みにしてあります（{rel}）", field="--code")
        files.update(_new_doc(rel, "done-mark", _mark_data(code, one, day, ctx.actor, ctx.config)))
    return Change("done-mark", ctx.case.id, files)


def mark_office_done(*, config: Config, profile: dict, actor: Staff, today: date, code: str, month: str,
                     day: date | None, exists) -> Change:
    """A monthly obligation marked done for the whole casebook — every case's item of that
    month that the acting party does (or a provider's, received): one file a month,
    ``done/<YYYY-MM>/<code>--<party>[-<office number>].yaml``, so two offices never add
    the same path.  ``exists(rel)`` says whether a path is taken (the caller looks)."""
    monthly = {entry["code"]: entry["title"] for entry in profile.get("monthly") or ()}
    if code not in monthly:
        others = "、".join(monthly) or "なし"
        raise InputError(f"'{code}' はケースブック全体で済みにできる月次の期限ではありません（{others}。"
                         "ケースごとの期限は --case を付けてください）", field="--code")
    months = parse_months(month)
    day = _mark_day(day, today)
    files: dict[str, str] = {}
    for one in months:
        if month_index(day) < month_index(date.fromisoformat(one + "-01")):
            raise InputError(f"{one} 分の期限を {day} に済ませることはできません（対象月より前）", field="--date")
        rel = f"done/{one}/{_mark_name(code, config, actor.party)}.yaml"
        if exists(rel):
            if len(months) == 1:
                raise InputError(f"{one} の「{monthly[code]}」はすでに済みにしてあります（{rel}）", field="--code")
            continue
        files.update(_new_doc(rel, "done-mark", _mark_data(code, one, day, actor, config)))
    if not files:
        raise InputError(f"{month} の「{monthly[code]}」はすべて済みにしてあります", field="--month")
    return Change("done-mark", None, files)

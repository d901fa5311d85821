"""Papers filed with the 保険者 or the doctor (domain.md §4 contract set, §6 special procedures):
the 計画作成依頼（変更）届出書, the 暫定ケアプランの特例取扱い申出書 and the 軽度者の
福祉用具貸与 聴き取り.

These forms are mostly the casebook's facts about the user and the office; what
only the caller knows (新規 or 変更, the expected result, the disease and the item)
comes from options, and a box nobody knows yet stays blank for the pen.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..errors import InputError
from ..model import Case, Certification, latest
from ..rules.certification import application_kind, special_filing_met
from ..vocab import APPLICATION_KINDS, EXPECTATIONS, SEXES
from . import Form, Source
from .assessment import doc_day

#: 区分 of the 届出書 (seed 002 §1(1)④; seed 004 実施事項③: a switch of 区分 is a 変更).
REQUEST_KINDS = {"new": "新規", "change": "変更"}
#: What the user asks the office to do, by the case's route (domain.md §2).
REQUEST_SERVICES = {"yobo-shien": "介護予防支援（介護予防サービス計画の作成）",
                    "cm-a": "介護予防ケアマネジメント（第1号介護予防支援事業）"}
#: 認定結果の見込み of the 暫定ケアプラン申出書 (seed 002 II 様式).
EXPECTED = EXPECTATIONS
#: The 要介護度 row of 別紙2: the levels for which 福祉用具貸与 of these items is an exception (seed 002 IV).
EQUIPMENT_LEVELS = {"shien1": "要支援1", "shien2": "要支援2", "kaigo1": "要介護1"}
#: The three states of 別紙2 (seed 002 IV 1(3) i)〜iii)), printed in full.
EQUIPMENT_STATES = [
    {"no": "i)", "text": "疾病その他の原因により、状態が変動しやすく、日によって又は時間帯によって、頻繁に福祉用具貸与が"
                         "必要な状態像（厚生労働大臣が定める者）に該当する。",
     "example": "パーキンソン病の治療薬によるON・OFF現象"},
    {"no": "ii)", "text": "疾病その他の原因により、状態が急速に悪化し、短期間のうちに福祉用具貸与が必要な状態像"
                          "（厚生労働大臣が定める者）に該当する。",
     "example": "がん末期の急速な状態悪化"},
    {"no": "iii)", "text": "疾病その他の原因により、身体への重大な危険性又は症状の重篤化の回避等、医学的判断から、"
                           "福祉用具貸与が必要な状態像（厚生労働大臣が定める者）に該当する。",
     "example": "ぜんそく発作等による呼吸不全、心疾患による心不全、嚥下障害による誤嚥性肺炎の回避"},
]


# -- shared parts --------------------------------------------------------------------------------


def _office(source: Source) -> dict:
    """The casebook's office with every box the papers print; a value yobo.yaml
    does not give is None, and the template leaves a line for the pen."""
    office = source.office
    return {"name": office["name"], "kind": office["kind"], "number": office.get("number"),
            "postal_code": office.get("postal_code"), "address": office.get("address"), "phone": office.get("phone")}


def _blank_office() -> dict:
    return {"name": None, "kind": None, "number": None, "postal_code": None, "address": None, "phone": None}


def _hokatsu(case: Case) -> dict:
    """The 包括 of an entrusted case: yobo records its name only, so its number,
    address and phone are left for the pen."""
    return {**_blank_office(), "name": case.hokatsu, "kind": "hokatsu"}


def _person(source: Source, on: date | None) -> dict:
    """The user as the papers print them: case.yaml, with the 住所 and 電話 of the
    newest 利用者基本情報 (written on or before ``on`` when a date is given);
    without one, those boxes are blank lines."""
    case = source.case
    infos = [d for d in case.basic_infos if on is None or doc_day(d) <= on]
    info = latest(infos, day_of=doc_day)  # the last recorded: a same-day correction wins
    data = source.read(info.path) if info is not None else {}
    p = case.person
    return {"insured_no": p.insured_no, "name": p.name, "kana": p.kana, "birth": p.birth, "sex": p.sex,
            "address": data.get("address"), "phone": data.get("phone")}


def _level_on(case: Case, day: date | None) -> Certification | None:
    """The decided certification in force on ``day``, else the newest decided one."""
    decided = [c for c in case.certifications if c.status == "certified"]
    if day is not None:
        current = [c for c in decided if c.covers(day)]
        if current:
            return max(current, key=lambda c: c.start)
    return max(decided, key=lambda c: c.start) if decided else None


# -- 計画作成依頼（変更）届出書 ----------------------------------------------------------------------


def build_request(source: Source) -> dict:
    """居宅（介護予防）サービス計画作成・介護予防ケアマネジメント依頼（変更）届出書: the
    user asks the office to make the plan and files this with the 保険者 before the
    service starts (seed 002 §1(1)④ and 資料1 step 2; seed 000 step 3; seed 001
    利用申込・契約締結; seed 004 実施事項③ — a switch of 区分 is filed as 変更).

    Who is named: in an entrusted (委託) case the 介護予防支援事業者 on the 被保険者証
    is the 包括 and this office is the 委託先 (seed 002 ④: the 包括 files the form);
    in a designated (指定) case, or when the casebook is the 包括's own, the office
    itself.  Seed 003 (作成届): under a profile with 同時契約 the form of a 指定
    case carries 「同時契約」 in red at the top right.
    """
    case = source.case
    office = _office(source)
    if case.mode == "shitei":
        provider, contractor = office, None
    elif office["kind"] == "hokatsu":
        # the 包括's own casebook does not record which 居宅 it entrusts: lines for the pen
        provider, contractor = office, _blank_office()
    else:
        provider, contractor = _hokatsu(case), office
    profile = source.profile
    day = source.day()
    return {
        "kind": "change" if source.option("change") else "new",
        "kinds": REQUEST_KINDS,
        "route": case.route,
        "services": REQUEST_SERVICES,
        "service": REQUEST_SERVICES[case.route],
        "plan_word": "介護予防サービス計画の作成" if case.route == "yobo-shien" else "介護予防ケアマネジメント",
        "person": _person(source, day),
        "sexes": SEXES,
        "provider_label": ("介護予防支援事業者（地域包括支援センター又は指定を受けた居宅介護支援事業者）"
                           if case.route == "yobo-shien" else "介護予防ケアマネジメントを行う地域包括支援センター"),
        "provider": provider,
        "contractor": contractor,
        "entrusted": case.mode == "itaku",
        "simultaneous": bool(profile.get("simultaneous_contract")) and case.mode == "shitei",
        "insurer": profile.get("insurer"),
        "day": day,
    }


# -- 暫定ケアプランの特例取扱い申出書 ----------------------------------------------------------------


def build_provisional(source: Source) -> dict:
    """暫定ケアプランの特例取扱い申出書: a renewal filed in time whose result will not
    come before the old period ends; filed with the 暫定ケアプラン so that a result
    other than the expected one is not treated as a self-made plan (seed 002 II 5
    and its 様式; domain.md §6).

    Refused when the case has no certification 申請中: the form exists only for that.
    更新申請日 is the pending certification's ``applied_on``; 認定有効期間終了日 is
    the ``to`` of the decided certification before it.

    届出をした事業所 (the office named on the 計画作成依頼届出書): the 包括 in an
    entrusted (委託) case — the 包括 is the 介護予防支援事業者 that filed the
    届出書 (seed 002 §1(1)④) — otherwise this office.  yobo records only the 包括's
    name, so its address is left for the pen.
    """
    case = source.case
    pending = case.pending_certification
    if pending is None:
        raise InputError(f"ケース {case.id} には申請中の認定がありません（暫定ケアプランの特例取扱い申出書は"
                         "更新申請の結果を待つ間だけ使います。yobo cert add --pending で申請を記録してください）",
                         field="FORM")
    refusal = provisional_refusal(case, pending, source.profile)
    if refusal:
        raise InputError(refusal, field="FORM")
    expected = source.option("expected")
    if expected is not None and expected not in EXPECTED:
        raise InputError(f"'{expected}' は見込みではありません（shien または kaigo）", field="--expected")
    before = case.decided_before(pending)
    office = _office(source)
    filer = _hokatsu(case) if case.mode == "itaku" and office["kind"] == "kyotaku" else office
    day = source.day()
    return {
        # the addressee (保険者の長) from the municipal profile, or yobo.yaml overrides
        "insurer": source.profile.get("insurer"),
        "expected": expected,
        "expectations": EXPECTED,
        "day": day,
        "person": _person(source, day),
        "applicant": office,
        "filer": filer,
        "applied_on": pending.applied_on,
        "previous_end": before.end if before is not None else None,
    }


def provisional_refusal(case: Case, pending: Certification, profile: dict) -> str | None:
    """Why the 特例取扱い申出書 does not apply, or None: it is for a 更新申請 only (not a 新規 or
    区分変更 application), filed at least the profile's days before the period ends where
    the profile sets that cut-off (a profile without one sets no time limit) (seed 002 II-5 line 856「更新申請を認定有効期間終了日の31日以前
    に申請し」; 様式 line 897「更新申請の認定結果が更新前の認定有効期間内に確定しないため」)."""
    cutoff = (profile.get("certification") or {}).get("early_filing_days")
    kind = application_kind(case, pending)
    if kind != "renewal":
        return (f"申請中の認定は{APPLICATION_KINDS[kind]}です。特例取扱い申出書は更新申請の結果が更新前の有効期間内に"
                "確定しないときだけ使います（seed 002 II-5。区分変更・新規申請は暫定ケアプランで対応: II-3）")
    if pending.applied_on is None:
        return f"更新申請の申請日がありません（{pending.path} に applied_on を記録してください）"
    if cutoff and not special_filing_met(case, pending, profile):
        before = case.decided_before(pending)
        last = before.end - timedelta(days=cutoff)
        return (f"更新申請日 {pending.applied_on} が有効期間終了日 {before.end} の{cutoff}日前（{last}）より後のため、"
                f"特例取扱いの対象外です（seed 002 II-5「認定有効期間終了日の{cutoff}日以前に申請」）。"
                "見込みと異なる結果のときは自己作成扱いになります（II-4）")
    return None


def _provisional_instances(case: Case) -> list[dict]:
    # the batch print cannot see the profile: a pending renewal is offered, the build refuses the rest
    pending = case.pending_certification
    return [{}] if pending is not None and application_kind(case, pending) == "renewal" else []


# -- 軽度者に対する福祉用具貸与について（聴き取り） ------------------------------------------------------


def build_equipment(source: Source) -> dict:
    """軽度者に対する福祉用具貸与について（聴き取り）: the care manager writes down the
    doctor's finding that the user is in state i), ii) or iii), and the doctor signs
    (seed 002 IV 1(3) and 参考様式 別紙2; domain.md §6 福祉用具貸与の例外給付).

    The ○ column and the 詳細 box are the doctor's finding, always blank here;
    疾病名 and 福祉用具種目 come from ``--disease`` and ``--item`` or stay blank;
    記載日 is ``--date`` or blank; 記載者 is the case's manager.
    """
    case = source.case
    day = source.day()
    cert = _level_on(case, day)
    return {
        "person": _person(source, day),
        "level": cert.level if cert is not None else None,
        "levels": EQUIPMENT_LEVELS,
        "disease": source.option("disease"),
        "item": source.option("item"),
        "states": EQUIPMENT_STATES,
        "day": day,
        "writer": case.manager,
    }


FORMS = [
    Form("request", "居宅（介護予防）サービス計画作成・介護予防ケアマネジメント依頼（変更）届出書", build_request,
         options=("date", "change")),
    Form("provisional", "暫定ケアプランの特例取扱い申出書", build_provisional, instances=_provisional_instances,
         options=("date", "expected")),
    Form("equipment", "軽度者に対する福祉用具貸与について（聴き取り）", build_equipment, instances=lambda case: [],
         options=("date", "item", "disease")),
]

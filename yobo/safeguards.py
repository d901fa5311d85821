"""Safeguards a care manager relies on: the 医療系サービス that need the 主治医's
instruction, and the 福祉用具貸与 items a 軽度者 may rent only by exception.

Tables typed from the seed text (cited per table); pure functions, no I/O.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

#: 医療系サービス: a plan placing one of these needs the instruction of the 主治の医師
#:又は歯科医師 (seed 002 I-1(3) 「医療系サービスを位置付ける際の留意点」: 介護予防訪問看護、
#: 介護予防訪問リハビリテーション、介護予防通所リハビリテーション、介護予防居宅療養管理指導
#: 及び介護予防短期入所療養介護; the national rule is 指定介護予防支援等基準 第30条第二十一号).
MEDICAL_SERVICES: tuple[str, ...] = (
    "介護予防訪問看護",
    "介護予防訪問リハビリテーション",
    "介護予防通所リハビリテーション",
    "介護予防居宅療養管理指導",
    "介護予防短期入所療養介護",
)
MEDICAL_SERVICES_SOURCE = "seed 002 I-1(3) 医療系サービスを位置付ける際の留意点（指定介護予防支援等基準 第30条）"

#: How the instruction was confirmed (seed 002 I-1(3) 「確認方法」: 主治医意見書 with a
#: stated reason / 診断書・連絡票 / 聴取).  code → label; the labels are what users type.
DOCTOR_METHODS: dict[str, str] = {
    "phone": "電話",
    "document": "文書",
    "accompanied": "受診同行",
    "opinion": "意見書",
}


def normalize_service(name: str) -> str:
    """A service kind compared loosely: width-folded, spaces dropped, and the 介護予防
    prefix optional (plans and doctors' notes write 通所リハビリテーション as often)."""
    text = unicodedata.normalize("NFKC", name or "").replace(" ", "").replace("　", "")
    return text.removeprefix("介護予防")


#: Short names care managers write for them (in plans and on the command line).
MEDICAL_ALIASES: dict[str, str] = {
    "通所リハ": "介護予防通所リハビリテーション",
    "デイケア": "介護予防通所リハビリテーション",
    "訪問リハ": "介護予防訪問リハビリテーション",
    "訪看": "介護予防訪問看護",
    "居宅療養": "介護予防居宅療養管理指導",
    "医療型ショート": "介護予防短期入所療養介護",
}


def medical_service(kind: str) -> str | None:
    """The 医療系サービス a plan's service kind names (its name or a short name), or None."""
    wanted = normalize_service(kind)
    if not wanted:
        return None
    if wanted in MEDICAL_ALIASES:
        return MEDICAL_ALIASES[wanted]
    for service in MEDICAL_SERVICES:
        if normalize_service(service) == wanted or normalize_service(service) in wanted:
            return service
    return None


# -- 福祉用具貸与の例外給付 (seed 002 IV, 別紙1) ------------------------------------------------------

EQUIPMENT_SOURCE = ("厚生労働大臣が定める者のイ（平成27年厚生労働省告示第94号第31号、老企第36号 第二の9(2)）"
                    "— seed 002 IV 別紙1 の表")


@dataclass(frozen=True)
class Criterion:
    """One 状態像 of 別紙1: ``test`` over the 基本調査 answers (item → choice number), or
    None where the table has no survey item (「—」: decided by care management and 協議)."""

    label: str
    survey: str  # the 基本調査 condition as the table prints it
    test: object = None  # callable(dict[str, int]) -> bool, or None


@dataclass(frozen=True)
class EquipmentItem:
    code: str
    label: str
    keywords: tuple[str, ...]  # words that name it in a plan's service text
    #: "any" = one criterion suffices, "all" = every criterion is needed (別紙1 「いずれか」/「いずれにも」)
    combine: str
    criteria: tuple[Criterion, ...] = field(default=())


def _is(item: str, *choices: int):
    return lambda s: s.get(item) in choices


def _not(item: str, choice: int):
    return lambda s: item in s and s[item] != choice


def _wandering_cognition(s: dict) -> bool:
    """別紙1 エ(一): 3-1 not 「1. 伝達できる」, or any of 3-2…3-7 「2. できない」, or any of
    3-8…4-15 other than 「1. ない」."""
    if "3-1" in s and s["3-1"] != 1:
        return True
    if any(s.get(f"3-{n}") == 2 for n in range(2, 8)):
        return True
    later = [f"3-{n}" for n in (8, 9)] + [f"4-{n}" for n in range(1, 16)]
    return any(k in s and s[k] != 1 for k in later)


#: 別紙1, row by row (seed 002 lines「ア 車いす…」to「カ 自動排泄処理装置」).
EQUIPMENT: dict[str, EquipmentItem] = {
    "wheelchair": EquipmentItem("wheelchair", "車いす及び車いす付属品", ("車いす", "車椅子", "車イス"), "any", (
        Criterion("(一) 日常的に歩行が困難な者", "基本調査1-7「3. できない」", _is("1-7", 3)),
        Criterion("(二) 日常生活範囲における移動の支援が特に必要と認められる者", "—（協議が必要: seed 002 IV 1(2)）"),
    )),
    "special-bed": EquipmentItem("special-bed", "特殊寝台及び特殊寝台付属品", ("特殊寝台", "介護ベッド", "介護用ベッド"), "any", (
        Criterion("(一) 日常的に起き上がりが困難な者", "基本調査1-4「3. できない」", _is("1-4", 3)),
        Criterion("(二) 日常的に寝返りが困難な者", "基本調査1-3「3. できない」", _is("1-3", 3)),
    )),
    "pressure-relief": EquipmentItem("pressure-relief", "床ずれ防止用具", ("床ずれ防止",), "any", (
        Criterion("日常的に寝返りが困難な者", "基本調査1-3「3. できない」", _is("1-3", 3)),
    )),
    "repositioning": EquipmentItem("repositioning", "体位変換器", ("体位変換器",), "any", (
        Criterion("日常的に寝返りが困難な者", "基本調査1-3「3. できない」", _is("1-3", 3)),
    )),
    "wandering-sensor": EquipmentItem("wandering-sensor", "認知症老人徘徊感知機器", ("徘徊感知",), "all", (
        Criterion("(一) 意思の伝達、介護者への反応、記憶・理解のいずれかに支障がある者",
                  "基本調査3-1「1. 調査対象者が意思を他者に伝達できる」以外 又は 3-2～3-7のいずれか「2. できない」"
                  " 又は 3-8～4-15のいずれか「1. ない」以外", _wandering_cognition),
        Criterion("(二) 移動において全介助を必要としない者", "基本調査2-2「4. 全介助」以外", _not("2-2", 4)),
    )),
    "lift": EquipmentItem("lift", "移動用リフト（つり具の部分を除く）", ("移動用リフト", "リフト"), "any", (
        Criterion("(一) 日常的に立ち上がりが困難な者", "基本調査1-8「3. できない」", _is("1-8", 3)),
        Criterion("(二) 移乗が一部介助又は全介助を必要とする者", "基本調査2-1「3. 一部介助」又は「4. 全介助」",
                  _is("2-1", 3, 4)),
        Criterion("(三) 生活環境において段差の解消が必要と認められる者", "—（協議が必要: seed 002 IV 1(2)）"),
    )),
    "auto-excretion": EquipmentItem("auto-excretion", "自動排泄処理装置", ("自動排泄処理装置",), "all", (
        Criterion("(一) 排便が全介助を必要とする者", "基本調査2-6「4. 全介助」", _is("2-6", 4)),
        Criterion("(二) 移乗が全介助を必要とする者", "基本調査2-1「4. 全介助」", _is("2-1", 4)),
    )),
}

#: The levels for which these items are excluded in principle (seed 002 IV 前文: 要支援1・2
#: and 要介護1; yobo keeps 要支援 cases only).  事業対象者 has no 予防給付 at all.
LIGHT_LEVELS = ("shien1", "shien2")

#: The 基本調査 items the table reads, as a survey file names them.
SURVEY_ITEMS = ("1-3", "1-4", "1-7", "1-8", "2-1", "2-2", "2-6", "3-1", "3-2", "3-3", "3-4", "3-5", "3-6", "3-7",
                "3-8", "3-9", *(f"4-{n}" for n in range(1, 16)))


def equipment_in(text: str) -> str | None:
    """The exception item a plan's service text names (車いす, 特殊寝台 …), or None."""
    folded = unicodedata.normalize("NFKC", text or "")
    for item in EQUIPMENT.values():
        if any(unicodedata.normalize("NFKC", word) in folded for word in item.keywords):
            return item.code
    return None


def plan_equipment(plan_data: dict) -> list[str]:
    """The exception items a plan's 福祉用具貸与 services name (in plan order, once each)."""
    found: list[str] = []
    for goal in plan_data.get("goals") or ():
        for service in goal.get("services") or ():
            text = " ".join(str(service.get(k) or "") for k in ("kind", "insured_service"))
            if "福祉用具" not in unicodedata.normalize("NFKC", text) and not equipment_in(str(service.get("kind") or "")):
                continue
            code = equipment_in(text)
            if code and code not in found:
                found.append(code)
    return found


def plan_medical_services(plan_data: dict) -> list[str]:
    """The 医療系サービス a plan places (in plan order, once each)."""
    found: list[str] = []
    for goal in plan_data.get("goals") or ():
        for service in goal.get("services") or ():
            medical = medical_service(str(service.get("kind") or ""))
            if medical and medical not in found:
                found.append(medical)
    return found


@dataclass(frozen=True)
class EquipmentDecision:
    """Whether an item may be rented for the level, and why (seed 002 IV 1)."""

    item: str
    level: str
    #: allowed — the survey shows the state (no 協議, IV 1(1)); consultation — only after
    #: 協議 with the 保険者 (IV 1(2)(3)); not-applicable — the level is not 軽度 (no exception
    #: needed); unknown — no survey answers for the items the table reads; excluded — 事業対象者
    outcome: str
    reasons: tuple[str, ...]
    met: tuple[str, ...]  # the criteria the survey shows

    def to_json(self) -> dict:
        return {"item": self.item, "label": EQUIPMENT[self.item].label, "level": self.level, "outcome": self.outcome,
                "reasons": list(self.reasons), "met": list(self.met), "source": EQUIPMENT_SOURCE}


def decide_equipment(item_code: str, level: str, survey: dict[str, int] | None) -> EquipmentDecision:
    """Decide from the 基本調査 answers whether ``item_code`` is allowed for ``level``.

    Source: seed 002 IV 1(1)–(3) and 別紙1 (厚生労働大臣が定める者のイ).  A survey that shows
    the state → allowed without 協議; otherwise the 主治医's finding (i–iii) and the 協議
    with the 保険者 before the service starts; where the table has no survey item
    (車いす(二), 移動用リフト(三)) also 協議.
    """
    item = EQUIPMENT[item_code]
    if level == "jigyo":
        return EquipmentDecision(item_code, level, "excluded",
                                 ("事業対象者は予防給付（介護予防福祉用具貸与）を使えません",), ())
    if level not in LIGHT_LEVELS:
        return EquipmentDecision(item_code, level, "not-applicable", ("軽度者ではないため例外給付の確認は不要です",), ())
    if not survey:
        return EquipmentDecision(item_code, level, "unknown", (
            f"基本調査の結果がないため判定できません（{'、'.join(c.survey for c in item.criteria if c.test)} を"
            "認定調査票で確認し --survey-file で渡してください）",), ())
    met, reasons = [], []
    for criterion in item.criteria:
        if criterion.test is None:
            continue
        ok = bool(criterion.test(survey))
        if ok:
            met.append(criterion.label)
        reasons.append(f"{criterion.label}: {criterion.survey} → {'該当' if ok else '該当しない'}")
    testable = [c for c in item.criteria if c.test is not None]
    shown = len(met) == len(testable) if item.combine == "all" else bool(met)
    if shown:
        reasons.append("直近の認定調査で別紙1の状態像が確認できます（協議は不要。必要性は担当者会議等で判断: seed 002 IV 1(1)）")
        return EquipmentDecision(item_code, level, "allowed", tuple(reasons), tuple(met))
    reasons.append("基本調査では状態像が確認できません。主治医の医学的所見（i 状態の変動・ii 急速な悪化・iii 医学的判断）"
                   "と担当者会議を経て、サービス開始前に保険者と協議し確認書を受けてください（seed 002 IV 1(2)(3)・2(1)(2)）")
    return EquipmentDecision(item_code, level, "consultation", tuple(reasons), tuple(met))


# -- predicates the workflow guards and the validate rules share ------------------------------------------


def _previous_consent(case, plan) -> date | None:
    earlier = [p for p in case.plans if p.number < plan.number and p.consent is not None]
    return max(p.consent.date for p in earlier) if earlier else None


def _note_names(text: str, service: str) -> bool:
    """A 支援経過記録 entry of kind ``doctor`` names the service (full or short name)."""
    folded = normalize_service(text)
    names = [normalize_service(service)] + [a for a, s in MEDICAL_ALIASES.items() if s == service]
    return any(name and name in folded for name in names)


def missing_doctor_instructions(case, plan, day: date) -> list[str]:
    """The 医療系サービス of ``plan`` without the 主治医's instruction confirmed for this plan:
    on or before ``day`` and after the previous plan's consent (確認時期: サービス導入、
    プラン変更、プラン更新、区分変更時 — every new plan, seed 002 I-1(3)).  A ``yobo doctor
    confirm`` record counts, and so does a 支援経過記録 entry of kind ``doctor`` naming the
    service (the seed's own place for it: 「支援経過記録等に記載」)."""
    since = _previous_consent(case, plan)

    def in_time(d: date) -> bool:
        return d <= day and (since is None or d > since)

    missing = []
    for service in plan_medical_services(plan.data):
        wanted = normalize_service(service)
        recorded = any(normalize_service(d.service) == wanted and in_time(d.date) for d in case.doctor_instructions)
        noted = any(n.kind == "doctor" and in_time(n.date) and _note_names(n.text, service) for n in case.notes)
        if not (recorded or noted):
            missing.append(service)
    return missing


def equipment_certification(case, day: date):
    """The certification an exception is decided for: the one in force on ``day``, else the latest."""
    return case.certification_on(day) or case.latest_certification


def missing_equipment(case, plan, day: date) -> list[str]:
    """The exception items of ``plan`` without a survey confirmation or a 協議 and 確認書
    for the certification period in force on ``day`` (seed 002 IV 2(1): 協議はサービス利用
    開始前)."""
    cert = equipment_certification(case, day)
    if cert is None or cert.level not in LIGHT_LEVELS:
        return []
    missing = []
    for code in plan_equipment(plan.data):
        ok = [e for e in case.equipment if e.item == code and e.cert_start == cert.start
              and (e.basis == "survey" or (e.consulted_on and e.confirmed_on and e.confirmed_on <= day))]
        if not ok:
            missing.append(code)
    return missing


#: The plan fields each kind of 軽微な変更 may change: a service's own text, never the
#: plan's period, its 評価月 or who the user is (seed 002 III-1 (1)–(8): 曜日・回数・事業所名・
#: 短期目標の期間・同等の用具・事業所・サービス内容).  ``goals[i].services[j].<field>``.
MINOR_CHANGE_FIELDS: dict[str, tuple[str, ...]] = {
    "weekday": ("insured_service",),
    "frequency": ("insured_service",),
    "provider-name": ("provider",),
    "period-extension": ("to",),
    "equivalent-equipment": ("insured_service",),
    "provider-change": ("provider",),
    "content-only": ("insured_service", "self_care"),
}


def minor_field_allowed(kind: str, steps: list) -> bool:
    """Whether a 軽微な変更 of ``kind`` may change the plan field at ``steps``."""
    allowed = MINOR_CHANGE_FIELDS.get(kind, ())
    return (len(steps) == 5 and steps[0] == "goals" and isinstance(steps[1], int) and steps[2] == "services"
            and isinstance(steps[3], int) and steps[4] in allowed)

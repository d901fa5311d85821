"""Assessment forms: 利用者基本情報 and 基本チェックリスト (domain.md §4)."""

from __future__ import annotations

from datetime import date

from .. import checklist as kcl
from .. import wareki
from ..errors import InputError
from ..model import Case, Doc, latest
from ..vocab import CERT_STATUSES, DOCUMENTS, LEVELS, SEXES
from . import Form, Source


def _dated(source: Source, docs, what: str, *, day_of=lambda d: d.date, dated: str = "記入日"):
    """The document of ``--date``, else the latest one: the last recorded (model.record_order)."""
    if not docs:
        raise InputError(f"ケース {source.case.id} の{what}はまだありません", field="FORM")
    wanted = source.day()
    found = [d for d in docs if wanted is None or day_of(d) == wanted]
    if not found:
        listed = "、".join(sorted({day_of(d).isoformat() for d in docs}))
        raise InputError(f"{wanted} の{what}はありません（{dated}: {listed}）", field="--date")
    # the last recorded of that day (or of all): a same-day correction wins (model.record_order)
    return latest(found, day_of=day_of)


def build_checklist(source: Source) -> dict:
    """基本チェックリスト with the scoring column (1 where the answer scores), the
    domain subtotals and the 事業対象者 judgement (national-rules.md §1.1–§1.3)."""
    doc = _dated(source, source.case.checklists, "基本チェックリスト")
    answers = kcl.parse_answers(doc.answers)
    result = kcl.score(answers, height_cm=doc.height_cm, weight_kg=doc.weight_kg)
    rows = []
    for item, answer, points in zip(kcl.ITEMS, answers, result.items):
        rows.append({"no": item.no, "text": item.text, "domain": item.domain,
                     "answer": answer, "bmi_item": item.scoring_answer is None,
                     "scoring_answer": item.scoring_answer, "points": points,
                     # the printed form numbers each answer with the points it scores
                     "yes_label": f"{int(item.scoring_answer == 'y')}.はい",
                     "no_label": f"{int(item.scoring_answer == 'n')}.いいえ"})
    domains = [{"code": code, "label": label, "count": len(numbers), "score": result.domains[code],
                "first": numbers[0]} for code, (label, numbers) in kcl.DOMAINS.items()]
    criteria = [{"no": no, "label": label, "met": no in result.criteria} for no, (label, _, _) in kcl.CRITERIA.items()]
    person = source.case.person
    return {
        "person": {"name": person.name, "kana": person.kana, "birth": person.birth, "sex": SEXES[person.sex],
                   "insured_no": person.insured_no},
        "doc": {"date": doc.date, "height_cm": doc.height_cm, "weight_kg": doc.weight_kg,
                "recorded_by": source.read(doc.path).get("recorded_by", "")},
        "rows": rows,
        "domains": domains,
        "bmi": result.bmi,
        "total_1_20": result.total_1_20,
        "criteria": criteria,
        "jigyo_taishosha": result.jigyo_taishosha,
        "levels": LEVELS,
    }


# -- 利用者基本情報 ---------------------------------------------------------------------------------

#: The printed choices of the 利用者基本情報 form (seed 002 資料2), in the form's order.
PHYSICAL_INDEPENDENCE = {"independent": "自立", "J1": "J1", "J2": "J2", "A1": "A1", "A2": "A2", "B1": "B1",
                         "B2": "B2", "C1": "C1", "C2": "C2"}
COGNITIVE_INDEPENDENCE = {"independent": "自立", "I": "Ⅰ", "IIa": "Ⅱa", "IIb": "Ⅱb", "IIIa": "Ⅲa", "IIIb": "Ⅲb",
                          "IV": "Ⅳ", "M": "M"}
CONSULTATION_METHODS = {"visit": "来所", "phone": "電話", "other": "その他"}
CONSULTATION_KINDS = {"first": "初回", "repeat": "再来"}
PLACES = {"home": "在宅", "away": "入院又は入所中"}
#: 認定情報: the form's abbreviated levels (事業対象者 is shown by the checklist result below them).
CERT_LEVELS = {"higaito": "非該当", "shien1": "要支1", "shien2": "要支2", "kaigo1": "要介1", "kaigo2": "要介2",
               "kaigo3": "要介3", "kaigo4": "要介4", "kaigo5": "要介5"}
PREVIOUS_LEVELS = {"none": "なし", "higaito": "非該当", "jigyo": "事業対象者", "shien1": "要支援1", "shien2": "要支援2",
                   "kaigo1": "要介護1", "kaigo2": "要介護2", "kaigo3": "要介護3", "kaigo4": "要介護4", "kaigo5": "要介護5"}
CHECKLIST_RESULTS = {"applicable": "事業対象者の該当あり", "not_applicable": "事業対象者の該当なし"}
DISABILITIES = {"physical": "身障", "intellectual": "療育", "mental": "精神", "intractable": "難病"}
TENURES = {"own": "自宅", "rented": "借家"}
BUILDINGS = {"house": "一戸建て", "apartment": "集合住宅"}
PENSIONS = {"national": "国民年金", "employees": "厚生年金", "disability": "障害年金", "survivors": "遺族年金",
            "mutual_aid": "共済年金", "other": "その他"}
PHONE_KINDS = {"mobile": "携帯", "home": "自宅", "work": "職場", "other": "その他"}
COURSES = {"treating": "治療中", "observing": "経観中", "other": "その他"}
CAREGIVERS = {"main": "主", "sub": "副"}
#: The genogram's legend by (sex, deceased): ○ woman, □ man, ●■ deceased (seed 002 資料2 ⑭).
GENOGRAM = {("female", False): "○", ("male", False): "□", ("female", True): "●", ("male", True): "■"}
WEEKDAYS = "月火水木金土日"


def doc_day(doc: Doc) -> date:
    """The day of a dated document, from its file name (``2026-11-10.yaml``, ``2026-11-10-2.yaml``)."""
    return date.fromisoformat(doc.path.rsplit("/", 1)[-1][:10])


def _basic_info_instances(case: Case) -> list[dict]:
    return [{"date": day} for day in sorted({doc_day(d) for d in case.basic_infos})]


def partial_wareki(value) -> str:
    """A 年月日 that may be only 年月 or 年 (basic-info ``partialDate``) in 和暦:
    令和7年9月3日, 令和7年9月, 令和3年.  A year alone takes the era of its 1 July
    (the era most of that year belongs to)."""
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return wareki.format_date(value)
    text = str(value)
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return wareki.format_date(date(*parts))
    era = wareki.to_era(date(parts[0], parts[1], 1) if len(parts) == 2 else date(parts[0], 7, 1))
    return f"{era.era}{era.year_text}年" + (f"{parts[1]}月" if len(parts) == 2 else "")


def _as_day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def build_basic_info(source: Source) -> dict:
    """利用者基本情報: every box of the form, the user's details from case.yaml and the
    certification in force on the document's date from certifications/ (seed 002 §2
    記載要領 ①〜㉑ and 資料2 「利用者基本情報 記載の留意点」; domain.md §4)."""
    case = source.case
    doc = _dated(source, list(case.basic_infos), "利用者基本情報", day_of=doc_day, dated="作成日")
    data = source.read(doc.path)
    day = _as_day(data.get("date")) or doc_day(doc)
    person = case.person

    consultation = data["consultation"]
    consulted = _as_day(consultation["date"])
    status = data["current_status"]
    independence = data.get("independence") or {}
    cert_info = data.get("certification") or {}
    cert = case.certification_on(day) or next(
        (c for c in sorted(case.certifications, key=lambda c: c.start, reverse=True) if c.start <= day), None)
    housing = data.get("housing") or {}
    finances = data.get("finances") or {}
    visitor = data.get("visitor")
    daily = data.get("daily_life") or {}
    services = data.get("services") or {}
    consent = data.get("consent")
    disabilities = data.get("disabilities") or []

    contacts = []
    for c in data["emergency_contacts"]:
        phones = []
        for ph in c["phones"]:
            label = PHONE_KINDS.get(ph.get("kind"), "")
            text = f"{label} {ph['number']}" if label else str(ph["number"])
            if ph.get("note"):
                text += f"（{ph['note']}）"
            phones.append(text)
        contacts.append({"name": c["name"], "relation": c["relation"], "address": c.get("address") or "",
                         "phones": phones})
    family = []
    for f in data.get("family") or []:
        marks = []
        if f.get("key_person"):
            marks.append("☆キーパーソン")
        if f.get("caregiver"):
            marks.append(f"{CAREGIVERS[f['caregiver']]}介護者")
        living = {"together": "同居", "apart": "別居"}.get(f.get("living"), "")
        family.append({
            "relation": f["relation"], "name": f.get("name") or "",
            "symbol": GENOGRAM.get((f.get("sex"), bool(f.get("deceased"))), "●■" if f.get("deceased") else ""),
            "age": f"{f['age']}歳" if f.get("age") is not None else (
                f"{partial_wareki(f['birth'])}生" if f.get("birth") else ""),
            "living": living, "together": f.get("living") == "together",
            "residence": f.get("residence") or "",
            "marks": "・".join(marks), "note": f.get("note") or "",
        })
    history = []
    for m in data.get("medical_history") or []:
        history.append({"date": partial_wareki(m.get("date")), "disease": m["disease"],
                        "institution": m.get("institution") or "", "doctor": m.get("doctor") or "",
                        "phone": m.get("phone") or "", "star": bool(m.get("opinion_writer")),
                        "course": m["course"], "treatment": m.get("treatment") or ""})

    def service_rows(items):
        return [{"name": s["name"], "frequency": s.get("frequency") or "", "provider": s.get("provider") or ""}
                for s in items or []]

    return {
        "person": {"name": person.name, "kana": person.kana, "birth": person.birth, "sex": person.sex,
                   "insured_no": person.insured_no},
        "sexes": SEXES,
        "doc": {"date": day, "author": data["author"], "address": data.get("address") or "",
                "phone": data.get("phone") or "", "fax": data.get("fax") or ""},
        "consultation": {"date": consulted, "weekday": WEEKDAYS[consulted.weekday()], "method": consultation["method"],
                         "method_note": consultation.get("method_note") or "", "kind": consultation.get("kind"),
                         "previous": partial_wareki(consultation.get("previous"))},
        "methods": CONSULTATION_METHODS,
        "kinds": CONSULTATION_KINDS,
        "status": {"place": "home" if status["place"] == "home" else "away", "facility": status.get("facility") or ""},
        "places": PLACES,
        "independence": {"physical": independence.get("physical"), "cognitive": independence.get("cognitive"),
                         "source": independence.get("source") or "",
                         "source_date": _as_day(independence.get("source_date"))},
        "physical_levels": PHYSICAL_INDEPENDENCE,
        "cognitive_levels": COGNITIVE_INDEPENDENCE,
        "cert": None if cert is None else {
            "level": cert.level, "status": cert.status, "status_label": CERT_STATUSES[cert.status],
            "from": cert.start, "to": cert.end, "jigyo": cert.level == "jigyo"},
        "cert_levels": CERT_LEVELS,
        "cert_info": {"previous": PREVIOUS_LEVELS.get(cert_info.get("previous_level"), ""),
                      "checklist_result": cert_info.get("checklist_result"),
                      "checklist_date": _as_day(cert_info.get("checklist_date")),
                      "note": cert_info.get("note") or ""},
        "checklist_results": CHECKLIST_RESULTS,
        "disabilities": [{"kind": k, "label": label, "held": any(d["kind"] == k for d in disabilities),
                          "grades": [d["grade"] for d in disabilities if d["kind"] == k and d.get("grade")]}
                         for k, label in DISABILITIES.items()],
        "housing": {"tenure": housing.get("tenure"), "building": housing.get("building"),
                    "own_room": housing.get("own_room"), "room_floor": housing.get("room_floor"),
                    "home_modification": housing.get("home_modification"), "note": housing.get("note") or ""},
        "tenures": TENURES,
        "buildings": BUILDINGS,
        "finances": {"pensions": list(finances.get("pensions") or []),
                     "public_assistance": finances.get("public_assistance"), "note": finances.get("note") or ""},
        "pensions": PENSIONS,
        "visitor": None if not visitor else {
            "name": visitor["name"], "relation": visitor.get("relation") or "",
            "address": visitor.get("address") or "", "phone": visitor.get("phone") or ""},
        "contacts": contacts,
        "family": family,
        "family_notes": data.get("family_notes") or "",
        "life_history": data.get("life_history") or "",
        "daily": {"summary": daily.get("summary") or "",
                  "schedule": [{"time": r["time"], "person": r.get("person") or "", "family": r.get("family") or ""}
                               for r in daily.get("schedule") or []]},
        "hobbies": data.get("hobbies") or "",
        "community": data.get("community") or "",
        "history": history,
        "courses": COURSES,
        "services": {"public": service_rows(services.get("public")),
                     "informal": service_rows(services.get("informal"))},
        "consent": None if not consent else {"date": _as_day(consent["date"]), "name": consent["name"],
                                             "relation": consent.get("relation") or ""},
    }


FORMS = [
    Form("basic-info", DOCUMENTS["basic-info"], build_basic_info, instances=_basic_info_instances, options=("date",)),
    Form("checklist", DOCUMENTS["checklist"], build_checklist,
         instances=lambda case: [{"date": c.date} for c in sorted(case.checklists, key=lambda c: c.date)],
         options=("date",)),
]

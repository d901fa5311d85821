"""Assessment forms: 利用者基本情報 and 基本チェックリスト (domain.md §4)."""

from __future__ import annotations

from .. import checklist as kcl
from ..errors import InputError
from ..vocab import LEVELS, SEXES
from . import Form, Source


def _dated(source: Source, docs, what: str):
    """The document of ``--date``, else the newest one."""
    if not docs:
        raise InputError(f"ケース {source.case.id} の{what}はまだありません", field="FORM")
    wanted = source.day()
    if wanted is None:
        return max(docs, key=lambda d: (d.date, d.path))
    found = [d for d in docs if d.date == wanted]
    if not found:
        listed = "、".join(sorted(d.date.isoformat() for d in docs))
        raise InputError(f"{wanted} の{what}はありません（記入日: {listed}）", field="--date")
    return found[-1]


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
        "case": source.case_data,
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


FORMS = [
    Form("checklist", "基本チェックリスト", build_checklist,
         instances=lambda case: [{"date": c.date} for c in sorted(case.checklists, key=lambda c: c.date)],
         options=("date",)),
]

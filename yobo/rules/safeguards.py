"""Consistency of the safeguards as they stand on disk (hand edits, merges, records
made before yobo refused them): what ``plan agree``, ``plan start`` and ``plan amend``
would have refused."""

from __future__ import annotations

from ..errors import Problem, Source
from ..model import Case, split_field_path
from ..safeguards import (EQUIPMENT, MEDICAL_SERVICES_SOURCE, MINOR_CHANGE_FIELDS, minor_field_allowed,
                          missing_doctor_instructions, missing_equipment)
from .runner import RuleContext, rule


@rule("doctor-instruction-missing")
def check_doctor_instruction(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``doctor-instruction-missing``: an agreed plan placing a 医療系サービス has the
    主治医's instruction confirmed (確認日・確認方法) for that plan before the consent.

    Source: seed 002 (002_ac00e42d951987eb.txt) I-1(3) 医療系サービスを位置付ける際の留意点;
    seed 000 (手順19の注: 主治医の指示書等はケアプランの一部).
    """
    problems = []
    for plan in case.plans:
        if plan.consent is None:
            continue
        for service in missing_doctor_instructions(case, plan, plan.consent.date):
            problems.append(Problem(Source(plan.path, 0), "doctor-instruction-missing",
                                    f"計画 {plan.id} の {service} に、同意（{plan.consent.date}）までの主治医の指示の確認が"
                                    f"ありません（yobo doctor confirm。{MEDICAL_SERVICES_SOURCE}）", field=("goals",)))
    return problems


@rule("equipment-exception-missing")
def check_equipment_exception(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``equipment-exception-missing``: a started plan renting a 福祉用具 by exception
    (要支援) has the survey's confirmation or the 協議 and 確認書 for the certification
    period in force at the service start.

    Source: seed 002 (002_ac00e42d951987eb.txt) IV 2(1)(2)(4), 別紙1.
    """
    problems = []
    for plan in case.plans:
        if plan.service_start is None:
            continue
        for code in missing_equipment(case, plan, plan.service_start):
            problems.append(Problem(Source(plan.path, 0), "equipment-exception-missing",
                                    f"計画 {plan.id} の{EQUIPMENT[code].label}（例外給付）に、サービス開始（{plan.service_start}）"
                                    "までの認定調査による確認か保険者との協議・確認書の記録がありません（yobo equipment record。"
                                    "seed 002 IV 2(1)）", field=("goals",)))
    return problems


def _reassigned(case, change: dict) -> bool:
    """A 担当者変更 of the plan's 計画作成者 that the case's history records as its new 担当."""
    return change.get("field") == "planner" and any(
        c.field == "manager" and c.value == change.get("new") for c in case.course)


@rule("minor-change-invalid")
def check_minor_changes(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``minor-change-invalid``: each recorded 軽微な変更 names its consent date and
    method and changes only the service text its kind allows (never the period, the
    評価月 or the user).

    A 担当者変更 (III-1 (9)) is valid as the plan's 計画作成者 (``planner``) changed together
    with the case's 担当 (``yobo case reassign`` / ``plan amend --kind staff-change``).

    Source: seed 002 (002_ac00e42d951987eb.txt) III-1 and III-2(2)①.
    """
    problems = []
    for plan in case.plans:
        for n, change in enumerate(plan.data.get("amendments") or ()):
            if not isinstance(change, dict):
                continue
            where = f"計画 {plan.id} の軽微な変更（{change.get('date')}、{change.get('field')}）"
            if not change.get("consent_date") or not change.get("consent_method"):
                problems.append(Problem(Source(plan.path, 0), "minor-change-invalid",
                                        f"{where}に利用者の同意日・同意の方法がありません（seed 002 III-2(2)①）",
                                        field=("amendments", n)))
            kind = change.get("kind")
            if kind == "staff-change" and _reassigned(case, change):
                continue
            if kind not in MINOR_CHANGE_FIELDS:
                if kind in ("staff-change", "address"):
                    problems.append(Problem(Source(plan.path, 0), "minor-change-invalid",
                                            f"{where}は計画書の記載の変更ではありません（担当者・住所の変更）",
                                            field=("amendments", n)))
                continue
            try:
                steps = split_field_path(str(change.get("field")))
            except ValueError:
                continue
            if not minor_field_allowed(kind, steps):
                problems.append(Problem(Source(plan.path, 0), "minor-change-invalid",
                                        f"{where}は軽微な変更で変えられない項目です（計画期間・評価月・利用者の情報は"
                                        "計画の変更で。seed 002 III-1）", field=("amendments", n)))
    return problems

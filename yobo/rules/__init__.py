"""Rules: pure functions ``(casebook, *, today) -> list``.

Each rule has a stable kebab-case code (carried by what it returns) and a
docstring naming its source in shared/seeds or shared/background.  This module
holds the one list of consistency rules that ``yobo validate`` runs after the
schemas (beancount's validation list works the same way).
"""

from __future__ import annotations

from datetime import date

from ..errors import Problem
from ..model import Casebook
from . import case as case_rules
from . import certification as certification_rules
from . import lifecycle as lifecycle_rules
from . import safeguards as safeguard_rules

#: Cross-document consistency rules, run by ``yobo validate``.
CONSISTENCY_RULES = [
    certification_rules.check_certification_periods,
    certification_rules.check_certification_overlap,
    certification_rules.check_certification_file_names,
    case_rules.check_case_folder,
    case_rules.check_case_has_certification,
    case_rules.check_level_route,
    case_rules.check_route_mode,
    case_rules.check_hokatsu_named,
    case_rules.check_manager_registered,
    case_rules.check_duplicate_insured,
    case_rules.check_course,
    lifecycle_rules.check_plan_period,
    lifecycle_rules.check_plan_order,
    lifecycle_rules.check_monitoring_files,
    lifecycle_rules.check_note_party,
    lifecycle_rules.check_weekly_times,
    safeguard_rules.check_doctor_instruction,
    safeguard_rules.check_equipment_exception,
    safeguard_rules.check_minor_changes,
]


def run_consistency_rules(casebook: Casebook, *, today: date) -> list[Problem]:
    problems: list[Problem] = []
    for rule in CONSISTENCY_RULES:
        problems.extend(rule(casebook, today=today))
    return problems

"""Rules: pure functions ``(case, ctx) -> list[Problem | Due]`` (:mod:`yobo.rules.runner`).

Each rule has a stable kebab-case code (given with ``@rule(code)`` and carried by what it
returns) and a docstring naming its source in shared/seeds or shared/background.  This
module holds the one list of consistency rules that ``yobo validate`` runs after the
schemas (beancount's validation list works the same way); the due rules are listed in
:mod:`yobo.rules.due`.  Both lists run through :func:`~yobo.rules.runner.run_rules`, so a
rule that crashes on one case is reported for that case and the run goes on.
"""

from __future__ import annotations

from datetime import date

from ..errors import Problem
from ..model import Casebook
from . import case as case_rules
from . import certification as certification_rules
from . import lifecycle as lifecycle_rules
from . import safeguards as safeguard_rules
from .runner import RuleContext, run_rules

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


def run_consistency_rules(casebook: Casebook, *, today: date, profile: dict | None = None,
                          rules: list | None = None) -> list[Problem]:
    """Every problem :data:`CONSISTENCY_RULES` (or ``rules``) find in every case of the casebook.

    ``profile`` is the casebook's municipal profile with its overrides (read from its
    settings when not given)."""
    if profile is None:
        from ..profiles import load_profile

        profile = load_profile(casebook.config.profile, casebook.config.overrides)
    ctx = RuleContext(profile, casebook.config, today, casebook.cases)
    problems: list[Problem] = []
    for case in casebook.cases:
        problems.extend(run_rules(CONSISTENCY_RULES if rules is None else rules, case, ctx))
    return problems

"""Consistency of certifications (認定): real, non-overlapping validity periods."""

from __future__ import annotations

from ..calendar import add_months
from ..errors import Problem, Source
from ..model import Case
from ..vocab import LEVELS
from .runner import RuleContext, rule

#: The longest 要支援 validity period: 48 months, for a renewal at the same level
#: (background/national-rules.md §3, since applications of 2021-04-01).
MAX_VALIDITY_MONTHS = 48


@rule("certification-period")
def check_certification_periods(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``certification-period``: a 要支援 certification has an end, after its start,
    at most 48 months on; a 事業対象者 judgement needs no end.

    Source: background/national-rules.md §3 (有効期間: 新規 3–12, 更新 3–48 months)
    and §1.3 (事業対象者 has no national validity period).
    """
    problems = []
    for cert in case.certifications:
        where = Source(cert.path, 0)
        if cert.end is None:
            if cert.level != "jigyo" and cert.status == "certified":
                problems.append(Problem(where, "certification-period",
                                        f"{LEVELS[cert.level]}の認定に有効期間の終了日（to）がありません", field=("level",)))
            continue
        if cert.end < cert.start:
            problems.append(Problem(where, "certification-period",
                                    f"有効期間の終了日 {cert.end} が開始日 {cert.start} より前です", field=("to",)))
        elif cert.end >= add_months(cert.start, MAX_VALIDITY_MONTHS):
            problems.append(Problem(where, "certification-period",
                                    f"有効期間 {cert.start}〜{cert.end} が最長の{MAX_VALIDITY_MONTHS}か月を超えています",
                                    field=("to",)))
    return problems


@rule("certification-overlap")
def check_certification_overlap(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``certification-overlap``: two decided certifications of one case never overlap;
    a renewal starts the day after the previous period ends.

    Source: background/national-rules.md §3; shared/domain.md §3 step 19 (更新・変更申請).
    """
    decided = sorted((c for c in case.certifications if c.status == "certified" and c.end), key=lambda c: c.start)
    return [Problem(Source(later.path, 0), "certification-overlap",
                    f"有効期間が {earlier.path.rsplit('/', 1)[-1]} の期間（〜{earlier.end}）と重なっています",
                    field=("from",))
            for earlier, later in zip(decided, decided[1:]) if later.start <= earlier.end]


@rule("certification-file-name")
def check_certification_file_names(case: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``certification-file-name``: a certification file is named by its start date,
    so the folder lists a case's history in order and a renewal never overwrites.

    Source: shared/architecture.md §1 (certifications/… dated documents).
    """
    return [Problem(Source(cert.path, 0), "certification-file-name",
                    f"ファイル名は開始日に合わせて {cert.start.isoformat()}.yaml にしてください", field=("from",))
            for cert in case.certifications if not cert.path.endswith(f"/{cert.start.isoformat()}.yaml")]

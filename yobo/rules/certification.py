"""Consistency of certifications (認定): real, non-overlapping validity periods."""

from __future__ import annotations

from datetime import date, timedelta

from ..calendar import add_months
from ..errors import Problem, Source
from ..model import Case, Certification
from ..vocab import LEVELS, OUT_OF_CARE_LEVELS
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
            # 事業対象者 has no period; a result that ends yobo's care (要介護・非該当) needs none here
            if cert.level in LEVELS and cert.level != "jigyo" and cert.status == "certified":
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


# -- what kind of application, and its date (seed 002 II-1; seed 000 手順19) ----------------------


def application_kind(case: Case, cert: Certification) -> str:
    """新規 (``new``), 更新 (``renewal``) or 区分変更 (``change``) of a certification, told
    from its dates against the decided one before it: a renewal starts the day after
    the previous period ends, a 区分変更 within it (it takes effect from the application
    date), anything else — no earlier certification, one that ended yobo's care, a
    事業対象者 judgement without a period, a lapse — is a new application.

    Source: background/national-rules.md §3 (新規・区分変更は申請日から、更新は満了日の翌日から);
    seed 002 II-1 (1)–(4).
    """
    before = case.decided_before(cert)
    if before is None or before.end is None or before.level in OUT_OF_CARE_LEVELS:
        return "new"
    if cert.start == before.end + timedelta(days=1):
        return "renewal"
    if cert.start <= before.end:
        return "change"
    return "new"


def provisional_situation(case: Case, cert: Certification) -> str:
    """Which of seed 002 II-1's four situations a pending certification is: (1) ``new``,
    (2) ``change``, (3) ``renewal``, or (4) ``jigyo-new`` — a 事業対象者 applying for a
    certification (a new application after a judgement by 基本チェックリスト)."""
    kind = application_kind(case, cert)
    before = case.decided_before(cert)
    if kind == "new" and before is not None and before.level == "jigyo":
        return "jigyo-new"
    return kind


def dated_application(submitted: date, profile: dict) -> date:
    """The 申請日 written on an application this office filed for the user (申請代行).

    ``month-start-by-day`` (seed 000 手順19, line 326–328: 「提出日は概ね上旬：当月の１日付、
    提出日が概ね下旬：翌月の１日付」): on or before the profile's ``early_last_day`` the 1st of
    that month, after it the 1st of the next.  ``submitted-day`` (the default where a seed
    says nothing): the day it was submitted.
    """
    rule = (profile.get("certification") or {}).get("application_dating") or {}
    if rule.get("rule") != "month-start-by-day":
        return submitted
    if submitted.day <= rule["early_last_day"]:
        return submitted.replace(day=1)
    return add_months(submitted.replace(day=1), 1)


def special_filing_met(case: Case, pending: Certification, profile: dict) -> bool | None:
    """Whether a pending renewal may go with the 暫定ケアプランの特例取扱い申出書: a renewal
    (II-5 is for 更新申請 only) applied for at least the profile's days before the
    period ends (seed 002 II-5 line 856「更新申請を認定有効期間終了日の31日以前に申請し」).
    None where the profile has no such special treatment or the application is no renewal."""
    cutoff = (profile.get("certification") or {}).get("early_filing_days")
    if not cutoff or application_kind(case, pending) != "renewal" or pending.applied_on is None:
        return None
    before = case.decided_before(pending)
    return pending.applied_on <= before.end - timedelta(days=cutoff)

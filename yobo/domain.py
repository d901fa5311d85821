"""Domain predicates: the questions the steps, ``yobo validate`` and the due rules all
ask, answered once with the profile (shared/architecture.md §2).

Only what more than one layer asks lives here: whether the 包括 confirms, the plan
period limit, which certification a plan is made under and whether a plan runs past
it.  What must be recorded before a step (a meeting and a consent before the start, a
包括 review before the consent when it confirms …) is the table of
:mod:`yobo.preconditions`, which asks these predicates.
"""

from __future__ import annotations

from datetime import date

from .calendar import add_months
from .model import Case, Certification


def hokatsu_confirms(mode: str, profile: dict) -> bool:
    """Whether the 地域包括支援センター (包括) confirms the plans and evaluations of a case run
    in ``mode`` (``itaku`` 委託 / ``shitei`` 指定): the profile's ``hokatsu_review`` table.

    Source: seed 000 手順6・16, seed 001, seed 002 資料1-3・8 (委託: the 包括 confirms the
    原案 and the 評価表); seed 003 居宅指定 (a designated 居宅 contracts itself: no
    confirmation).  A profile without the table falls back to "委託 only".
    """
    return bool(profile.get("hokatsu_review", {}).get(mode, mode == "itaku"))


#: The longest plan period: 12 months, reviewed yearly even when the certification runs
#: longer (seed 000 手順9 「ケアプランの最長は１年」; seed 001 the same).
MAX_PLAN_MONTHS = 12


def plan_too_long(start: date, end: date) -> bool:
    """Whether a plan period ``start``–``end`` runs past :data:`MAX_PLAN_MONTHS` (the day
    12 months after the start is already outside: seed 000 手順9, seed 001)."""
    return end >= add_months(start, MAX_PLAN_MONTHS)


def plan_certification(case: Case, start: date) -> Certification | None:
    """The certification (認定) a plan starting on ``start`` is made under: the one in force
    that day (seed 002 §3 「期間は認定の有効期間内」)."""
    return case.certification_on(start)


def beyond_certification(cert: Certification, end: date) -> bool:
    """Whether a plan ending on ``end`` runs past ``cert``'s validity period (a 事業対象者
    judgement has no end: background/national-rules.md §1.3; seed 002 §3)."""
    return cert.end is not None and end > cert.end


def plan_outside_certification(case: Case, start: date, end: date) -> bool:
    """Whether a plan period is outside the certification in force at its start: none in
    force, or one that ends before the plan does (seed 002 §3)."""
    cert = plan_certification(case, start)
    return cert is None or beyond_certification(cert, end)


def plan_past_certification(case: Case, start: date, end: date) -> Certification | None:
    """The decided certification a plan ``start``–``end`` runs past, or None: the one in
    force at its start, certified (a pending one has no end yet), ending before the plan —
    unless a 区分変更 shortened it after the plan was made within the period as it then
    stood (``original_to``: the old period ends the day before the application,
    background/national-rules.md §3).  Asked by ``validate`` (plan-period) and the due list."""
    cert = plan_certification(case, start)
    if cert is None or cert.status != "certified" or not beyond_certification(cert, end):
        return None
    if cert.original_to is not None and end <= cert.original_to:
        return None
    return cert

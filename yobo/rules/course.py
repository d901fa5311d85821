"""What becomes due when a case changes course (``yobo case switch``): the 包括 is told,
the 作成依頼（変更）届 and the 被保険者証 (and, into ケアマネジメント, the 提出物) go to
the 包括, and a 委託 case moved to 指定 gets its direct contract.

Each item stays (overdue after its day) until its record exists — a ``route-change``
submission, a contract with the 居宅 — or it is marked done with ``yobo monitor done
--code CODE --month YYYY-MM --case ID`` (the month of the switch).
"""

from __future__ import annotations

from ..calendar import month_end, month_index
from ..model import Case, CourseChange
from ..vocab import MODES, ROUTES
from .runner import RuleContext, rule

#: Codes a user may mark done for a case (``yobo monitor done``), with their titles.
MARKABLE = {
    "route-change-contact": "区分の切替の包括への連絡",
    "route-change-submission": "区分の切替の届出（作成依頼（変更）届・被保険者証）",
    "mode-change-filing": "実施形態の切替の届出（作成依頼（変更）届「変更」・被保険者証）",
}


def _month(change: CourseChange) -> str:
    return f"{change.start:%Y-%m}"


def _submitted(case: Case, change: CourseChange) -> bool:
    """A ``route-change`` submission to the 包括 made on or after the switch was known."""
    return any(s.occasion == "route-change" and s.date >= change.start for s in case.submissions)


def _direct_contract(case: Case, change: CourseChange) -> bool:
    """A contract record signed with the 居宅 (alone or 同時契約) on or after the switch."""
    for event in case.custody:
        if event.date < change.start:
            continue
        if any(h.get("doc") == "contract" and str(h.get("ref", "")).endswith("#kyotaku") for h in event.handovers):
            return True
    return False


@rule("route-change-contact")
def course_changes(case: Case, ctx: RuleContext) -> list:
    """Codes ``route-change-contact``, ``route-change-submission``, ``mode-change-contract``,
    ``mode-change-filing``.

    - 区分の切替 (either way): the 包括 is told the same day (seed 003 留意点1 line 45
      「地域担当包括へ即日連絡」; seed 004 line 85 「変更が分かり次第、包括へご連絡下さい」,
      line 129–133 「包括へ連絡（実績報告締切りに間に合うよう速やかに）」), and the
      「居宅サービス計画・介護予防サービス計画作成依頼（変更）届」 and the 被保険者証 go to
      the 包括 (seed 004 line 69–74, 135–142) — into ケアマネジメント with the 基本情報,
      ケアプラン（原本）, 支援経過 and 利用票の写し (line 87–100, 144–147) — by the end of the
      first month of the new 区分 (seed 003 作成届 row line 13: the 包括 files the 作成
      (変更)届 「サービス開始月の末日まで」; seed 004 line 107: without them no 給付).
      Met by ``yobo submit hokatsu --occasion route-change``.
    - 委託→指定: the designated 居宅 contracts with the user itself (seed 004 実施事項①
      line 49), met by ``yobo contract record --signed-with kyotaku|both``; and files the
      作成依頼（変更）届「変更」 with the 被保険者証 to the 包括 (line 69–74; seed 003 line
      13 「契約時・居宅は…提出」), due on the day of the switch.

    Source: seed 003 (003_f73aac61ef8be17b.txt) 留意点1 and 作成届; seed 004
    (004_039b0045c9f97517.txt) 実施事項①③④ and 参考.
    """
    from .due import _make, _marked

    if case.status != "active":
        return []
    out = []
    for change in case.course:
        month = _month(change)
        if change.field == "route":
            label = f"{change.start:%Y年%m月}から{ROUTES.get(change.value or '', change.value)}"
            if not _marked(case, "route-change-contact", month):
                out.append(_make(case, "route-change-contact", f"区分の切替（{label}）を包括へ連絡", change.recorded,
                                 change.start, "seed 003 留意点1（即日連絡）; seed 004 実施事項③・参考（連絡）",
                                 staff=case.manager))
            if not _submitted(case, change) and not _marked(case, "route-change-submission", month):
                extra = "・基本情報・ケアプラン原本・支援経過・利用票の写し" if change.value == "cm-a" else ""
                due = max(month_end(month_index(change.start)), change.recorded)
                out.append(_make(case, "route-change-submission",
                                 f"区分の切替（{label}）: 作成依頼（変更）届・被保険者証{extra}を包括へ", due,
                                 change.start,
                                 "seed 004 実施事項③④・参考（届出・提出物）; seed 003 作成届（サービス開始月の末日まで）"))
        elif change.field == "mode" and change.value == "shitei" and change.previous == "itaku":
            label = f"{change.start} から{MODES['shitei']}"
            if not _direct_contract(case, change):
                out.append(_make(case, "mode-change-contract", f"実施形態の切替（{label}）: 利用者と居宅の直接契約の記録（yobo contract record --signed-with kyotaku）",
                                 change.start, change.start, "seed 004 実施事項①（直接契約）"))
            if not _marked(case, "mode-change-filing", month):
                out.append(_make(case, "mode-change-filing",
                                 f"実施形態の切替（{label}）: 作成依頼（変更）届「変更」・被保険者証を包括へ",
                                 change.start, change.start,
                                 "seed 004 実施事項③（委託から直接実施への移行）; seed 003 作成届（契約時）"))
    return out

"""Due items of the 台帳 (rules over :mod:`yobo.ledger`): the 一報 to the 包括 and the
closure of a case that left 介護予防支援."""

from __future__ import annotations

from datetime import timedelta

from ..ledger import event_label, leaving_event, unreported
from ..model import Case
from .runner import RuleContext, rule


# -- due items --------------------------------------------------------------------------------------


@rule("event-report")
def event_reports(case: Case, ctx: RuleContext):
    """Code ``event-report``: each change of the user's situation is reported to the
    担当包括 within the profile's days (0: the same day), until the 一報 is recorded
    (``yobo case report``).  Shown for a closed case too: a 死亡 is reported even when the
    case was closed the same day.

    Source: seed 003 (003_f73aac61ef8be17b.txt) line 28 台帳管理「利用者の状況変化(介護度の
    変更/転出/区内転居/施設入所/死亡)があった場合は、居宅から担当包括に一報する。」; line 45
    「地域担当包括へ即日連絡」.
    """
    from .due import _make

    profile = ctx.profile
    settings = profile.get("events") or {}
    days = settings.get("report_days", 0)
    return [_make(case, "event-report", f"包括への一報：{event_label(e)}", e.date + timedelta(days=days), e.date,
                  settings.get("source") or "seed 003 line 28（台帳管理の一報）")
            for e in unreported(case, profile)]


@rule("case-closure")
def closure_pending(case: Case, ctx: RuleContext):
    """Code ``case-closure``: a case that left 介護予防支援 (死亡, 施設入所, 転出, 要介護) is
    brought to its end — 終了時の提出, the 包括's receipt where the profile asks for it,
    then ``yobo case close``.  A notice from the event's day (no seed gives a number of days).

    Source: seed 002 (002_ac00e42d951987eb.txt) 資料1-10 サービス終了時; seed 003 line 28
    (委託終了時には帳票を包括に返却).
    """
    from .due import NOTICE, _make

    left = leaving_event(case)
    if case.status != "active" or left is None:
        return []
    return [_make(case, "case-closure", f"終了の手続き：{event_label(left)}", left.date, left.date,
                  "seed 002 資料1-10（サービス終了時）; seed 003 line 28", kind=NOTICE)]

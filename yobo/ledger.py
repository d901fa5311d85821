"""台帳の出来事 (events of the user's situation): what they mean for a case.

The predicates every layer asks about the ledger (the preconditions table, the due
rules, the steps), answered once here.

The 居宅 records each change of the user's situation in its ledger
(``events/``; seed 003 line 28 台帳管理: 介護度の変更/転出/区内転居/施設入所/死亡,
plus 入院 and 退院).  The questions every layer asks about them are answered
here once: is the user away from home (in hospital or a facility) on a day, has
the case left 介護予防支援 (要介護, 転出, 施設入所, 死亡), may it close without
an evaluation, which events still wait for their 一報 to the 包括.  The due rules
that turn them into items are in :mod:`yobo.rules.events`.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from .model import Case, CaseEvent
from .vocab import EVENT_KINDS, EVENT_LEVELS

#: Events after which the user is away from home until a 退院 (hospital) or for good (facility).
AWAY_KINDS = ("hospital", "facility")
#: Events that take the case out of 介護予防支援 (a 介護度の変更 only when it leads to 要介護).
LEAVING_KINDS = ("death", "facility", "move", "level-change")


class Away(NamedTuple):
    """A stay away from home: from ``start`` to ``end`` (the 退院, or None while it lasts)."""

    kind: str
    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    @property
    def label(self) -> str:
        until = f"{self.end}" if self.end else ""
        return f"{'入院中' if self.kind == 'hospital' else '施設入所中'}（{self.start}〜{until}）"


def situation_events(case: Case) -> list[CaseEvent]:
    """The events of the case (not their reports), in the order they were recorded."""
    return [e for e in case.events if e.kind != "report"]


def event_label(event: CaseEvent) -> str:
    """「死亡（2026-11-20）」, 「介護度の変更：要介護（…）」."""
    level = f"：{EVENT_LEVELS.get(event.level, event.level)}" if event.kind == "level-change" and event.level else ""
    return f"{EVENT_KINDS.get(event.kind, event.kind)}{level}（{event.date}）"


def away_periods(case: Case) -> list[Away]:
    """Every stay in hospital (to its 退院) or a facility (to the end of the case), in order."""
    out: list[Away] = []
    for event in situation_events(case):
        if event.kind in AWAY_KINDS:
            if out and out[-1].end is None and out[-1].kind == event.kind:
                continue  # recorded twice: the first day counts
            if out and out[-1].end is None:  # hospital → facility straight away: one ends, the other starts
                out[-1] = out[-1]._replace(end=event.date)
            out.append(Away(event.kind, event.date, None))
        elif event.kind == "discharge" and out and out[-1].end is None and out[-1].kind == "hospital":
            out[-1] = out[-1]._replace(end=event.date)
    return out


def away_on(case: Case, day: date) -> Away | None:
    """The stay the user is in on ``day``, if any."""
    return next((a for a in away_periods(case) if a.covers(day)), None)


def leaving_event(case: Case) -> CaseEvent | None:
    """The event by which the case left 介護予防支援 — 死亡, 施設入所, 転出, or a 介護度の
    変更 to 要介護 — unless a later 介護度の変更 back to 要支援 (or 事業対象者) brought it back.
    Seed 003 line 28; seed 002 資料1-1 (要介護 → 居宅介護支援)."""
    left = None
    for event in situation_events(case):
        if event.kind == "level-change":
            left = event if event.level == "kaigo" else None
        elif event.kind in LEAVING_KINDS:
            left = event
    return left


def returned(case: Case) -> CaseEvent | None:
    """The 介護度の変更 that brought the case back from 要介護 to 要支援, if that is the
    latest change of level (its next plan is then 紹介, not 初回: seed 002 §3 ⑤)."""
    back, down = None, False
    for event in situation_events(case):
        if event.kind != "level-change":
            continue
        if event.level == "kaigo":
            back, down = None, True
        elif down:
            back, down = event, False
    return back


def waives_evaluation(case: Case, profile: dict) -> CaseEvent | None:
    """The leaving event after which the case may close without an 評価表 (profile
    ``closure.without_evaluation``: a 死亡 or 施設入所 leaves nobody to evaluate with)."""
    left = leaving_event(case)
    kinds = (profile.get("closure") or {}).get("without_evaluation") or ()
    return left if left is not None and left.kind in kinds else None


def reported(case: Case) -> set[str]:
    """Paths of the events whose 一報 to the 包括 is recorded."""
    return {e.event for e in case.events if e.kind == "report" and e.event}


def unreported(case: Case, profile: dict) -> list[CaseEvent]:
    """Events of a kind the profile wants reported (``events.report_kinds``) whose 一報
    is not recorded yet."""
    kinds = (profile.get("events") or {}).get("report_kinds") or ()
    done = reported(case)
    return [e for e in situation_events(case) if e.kind in kinds and _inner(case, e.path) not in done]


def _inner(case: Case, rel: str) -> str:
    return rel[len(case.dir) + 1:] if rel.startswith(case.dir + "/") else rel

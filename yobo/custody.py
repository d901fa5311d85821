"""原本 and 写し: who holds each paper of a case, folded from its hand-over records.

Every paper has one original held by one party and copies held by others
(shared/domain.md §4).  A document starts with its original at the party that
wrote it; each step that hands papers over (a submission to the 包括, the
包括's confirmation, the consent and 交付, a custody record) moves it, in date
order.  The profiles differ on where the 評価表 original ends up (seed 000
step 16: back to the 居宅; seed 001/002: kept by the 包括), so the steps write
what happened and this module only replays it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Case

PARTIES = {"kyotaku": "居宅", "hokatsu": "包括", "user": "利用者", "providers": "サービス事業所", "doctor": "主治医"}


@dataclass
class Holding:
    doc: str
    ref: str
    original: str | None
    copies: set[str] = field(default_factory=set)
    scans: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"doc": self.doc, "ref": self.ref, "original": self.original, "copies": sorted(self.copies),
                "scans": list(self.scans)}


def _created(case: Case) -> list[tuple[str, str, str]]:
    """(doc code, path, party holding the original) of each yobo document at creation."""
    out = [("basic-info", d.path, "kyotaku") for d in case.basic_infos]
    out += [("checklist", c.path, "kyotaku") for c in case.checklists]
    for plan in case.plans:
        out.append(("plan", plan.path, "kyotaku"))
        out += [("meeting-record", m.path, "kyotaku") for m in plan.meetings]
        if plan.evaluation:
            out.append(("evaluation", plan.evaluation.path, "kyotaku"))
    return out


def _events(case: Case):
    """(date, order, handovers, scan) of every record that moved papers."""
    events = []
    for s in case.submissions:
        events.append((s.date, s.path, s.handovers, None))
    for plan in case.plans:
        for r in plan.reviews + ((plan.evaluation_review,) if plan.evaluation_review else ()):
            events.append((r.date, r.path, r.handovers, None))
        if plan.consent:
            events.append((plan.consent.date, plan.consent.path, plan.consent.handovers, None))
    for c in case.custody:
        events.append((c.date, c.path, c.handovers, c.scan))
    return sorted(events, key=lambda e: (e[0], e[1]))


def custody_state(case: Case) -> list[Holding]:
    """Who holds the original and the copies of every paper of ``case`` now."""
    holdings: dict[str, Holding] = {}
    for doc, path, party in _created(case):
        holdings[path] = Holding(doc, path, party)
    for _, path, handovers, scan in _events(case):
        for h in handovers:
            key = h.get("ref") or h["doc"]
            holding = holdings.setdefault(key, Holding(h["doc"], h.get("ref", ""), "kyotaku"))
            if h.get("original_to"):
                holding.copies.discard(h["original_to"])
                holding.original = h["original_to"]
            holding.copies.update(c for c in h.get("copies_to", ()) if c != holding.original)
            holding.copies.difference_update(h.get("copies_destroyed_by", ()))
        if scan:
            key = scan.get("ref") or scan["doc"]
            holding = holdings.setdefault(key, Holding(scan["doc"], scan.get("ref", ""), "kyotaku"))
            holding.scans.append(scan["file"])
    return sorted(holdings.values(), key=lambda h: (h.ref or h.doc))

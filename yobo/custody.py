"""原本 and 写し: who holds each paper of a case, replayed from its ledger of hand-overs.

Every paper has one original held by one party and copies held by others
(shared/domain.md §4).  The ledger is every record of the case that moved
papers — a submission to the 包括, the 包括's confirmation of a 原案 or an
評価表, the consent and 交付, a contract, an attached scan — each listing its
hand-overs (``original_to``, ``copies_to``, ``copies_destroyed_by``).  The steps
write what happened, from the municipal profile's tables (``custody`` and
``submissions`` in ``yobo/profiles/*.yaml``, typed from each seed's 原本/写し
text); who holds a new document's original, and which papers others write, is
declared with each kind (:mod:`yobo.kinds`).  This module only replays the
ledger, in the order the records were made (:func:`yobo.model.record_order`, so
a 原案 submitted and confirmed on the same day ends back at the 居宅).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .kinds import PAPER_WRITERS, created_papers
from .model import Case, in_order
from .vocab import HOLDERS

#: Labels of the parties (kept under this name for the case display).
PARTIES = HOLDERS


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


def ledger(case: Case) -> list:
    """Every record of ``case`` that moved papers, in the order it was recorded."""
    records: list = list(case.submissions) + list(case.custody)
    for plan in case.plans:
        records += list(plan.reviews)
        records += [r for r in (plan.evaluation_review, plan.consent) if r is not None]
    return list(in_order(records))


def holding_key(handover: dict) -> tuple[str, str]:
    """The paper a hand-over is about: (code, yobo document or contract record it belongs to;
    "" for a paper known only by its code)."""
    return handover["doc"], handover.get("ref") or ""


def replay(case: Case) -> dict[tuple[str, str], Holding]:
    """Holdings by :func:`holding_key` after every record of the ledger, replayed in order."""
    holdings: dict[tuple[str, str], Holding] = {}
    for doc, path, party in created_papers(case):
        holdings[doc, path] = Holding(doc, path, party)
    for record in ledger(case):
        for h in record.handovers:
            key = holding_key(h)
            holding = holdings.get(key)
            if holding is None:
                holding = holdings[key] = Holding(h["doc"], h.get("ref", ""), PAPER_WRITERS.get(h["doc"], "kyotaku"))
            if h.get("original_to"):
                holding.copies.discard(h["original_to"])
                # the party giving the original away keeps nothing unless told it keeps a copy
                holding.original = h["original_to"]
            holding.copies.update(c for c in h.get("copies_to", ()) if c != holding.original)
            holding.copies.difference_update(h.get("copies_destroyed_by", ()))
        scan = getattr(record, "scan", None)
        if scan:
            key = holding_key(scan)
            holding = holdings.get(key)
            if holding is None:
                holding = holdings[key] = Holding(scan["doc"], scan.get("ref", ""), PAPER_WRITERS.get(scan["doc"], "kyotaku"))
            holding.scans.append(scan["file"])
    return holdings


def custody_state(case: Case) -> list[Holding]:
    """Who holds the original and the copies of every paper of ``case`` now."""
    return sorted(replay(case).values(), key=lambda h: (h.ref or h.doc, h.doc))


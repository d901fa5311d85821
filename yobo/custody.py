"""原本 and 写し: who holds each paper of a case, replayed from its ledger of hand-overs.

Every paper has one original held by one party and copies held by others
(shared/domain.md §4).  The ledger is every record of the case that moved
papers — a submission to the 包括, the 包括's confirmation of a 原案 or an
評価表, the consent and 交付, a contract, an attached scan — each listing its
hand-overs (``original_to``, ``copies_to``, ``copies_destroyed_by``).  The steps
write what happened, from the municipal profile's tables (``custody`` and
``submissions`` in ``yobo/profiles/*.yaml``, typed from each seed's 原本/写し
text); this module only replays the ledger, in the order the records were made
(:func:`yobo.model.record_order`, so a 原案 submitted and confirmed on the same
day ends back at the 居宅).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Case, in_order
from .vocab import HOLDERS

#: Labels of the parties (kept under this name for the case display).
PARTIES = HOLDERS

#: Who writes a paper that is not a yobo document, so holds its original until a
#: hand-over says otherwise.  A paper not listed here is the 居宅's.
WRITERS = {
    # seed 000 line 37「認定調査票（写し）および主治医意見書（写し）を町から取り寄せる」
    "survey-and-opinion": "town",
    # seed 000 line 173–178 / line 209: the provider writes the 個別サービス支援計画書 and keeps its 原本
    "service-plan": "providers",
    # seed 000 line 262–264「評価表（原本）を保管し、（写し）を担当ケアマネジャーに渡す」（サービス提供事業者）
    "provider-evaluation": "providers",
    # the user's own card (seed 004 line 70–71 hands it to the 包括 with the 届)
    "insurance-card": "user",
}


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
    """(doc code, path, party holding the original) of each yobo document at creation:
    the 居宅 writes them all (the 包括 writes only its confirmations)."""
    out = [("basic-info", d.path, "kyotaku") for d in case.basic_infos]
    out += [("checklist", c.path, "kyotaku") for c in case.checklists]
    for plan in case.plans:
        out.append(("plan", plan.path, "kyotaku"))
        out += [("meeting-record", m.path, "kyotaku") for m in plan.meetings]
        if plan.evaluation:
            out.append(("evaluation", plan.evaluation.path, "kyotaku"))
    return out


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
    for doc, path, party in _created(case):
        holdings[doc, path] = Holding(doc, path, party)
    for record in ledger(case):
        for h in record.handovers:
            key = holding_key(h)
            holding = holdings.get(key)
            if holding is None:
                holding = holdings[key] = Holding(h["doc"], h.get("ref", ""), WRITERS.get(h["doc"], "kyotaku"))
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
                holding = holdings[key] = Holding(scan["doc"], scan.get("ref", ""), WRITERS.get(scan["doc"], "kyotaku"))
            holding.scans.append(scan["file"])
    return holdings


def custody_state(case: Case) -> list[Holding]:
    """Who holds the original and the copies of every paper of ``case`` now."""
    return sorted(replay(case).values(), key=lambda h: (h.ref or h.doc, h.doc))


"""Intake steps: the 契約 (contract papers and who keeps which) and scans of papers
attached to a case, each with a custody record of who holds the 原本 or 写し."""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from ..model import Case
from ..vocab import CONTRACT_DOCUMENTS, CONTRACT_PARTIES
from .apply import Change
from .context import Context, _clean, _document_refs, _new_doc, _party_path, existing_paths, step, step_date


@step("contract")
def record_contract(ctx: Context, *, day: date | None, signed_with: str | None) -> Change:
    """契約: the 重要事項説明書, 利用契約書, 個人情報使用同意書 and 計画作成依頼（変更）届出書
    signed, and who keeps which original and copy — the profile's ``custody.contract``
    table for the party the user signed with (seed 000 手順3: the 包括 keeps the
    originals, the 居宅 copies; seed 003 同時契約: each of 居宅 and 包括 its own).

    ``signed_with`` defaults to the case's mode: the 包括 for 委託, the 居宅 for 指定,
    both where the profile makes 同時契約 the rule.  Either office may record it.
    """
    day = step_date(ctx, day)
    if signed_with is None:
        simultaneous = ctx.case.mode == "shitei" and ctx.profile.get("simultaneous_contract")
        signed_with = "both" if simultaneous else ("hokatsu" if ctx.case.mode == "itaku" else "kyotaku")
    if signed_with not in CONTRACT_PARTIES:
        raise InputError(f"'{signed_with}' は契約の相手ではありません（{'、'.join(CONTRACT_PARTIES)}）",
                         field="--signed-with")
    tables = (ctx.profile.get("custody") or {}).get("contract") or {}
    if signed_with == "both":
        rows = tables.get("simultaneous") or [
            {**row, "of": party} for party in ("kyotaku", "hokatsu") for row in tables.get(party) or ()]
    else:
        rows = [{**row, "of": signed_with} for row in tables.get(signed_with) or ()]
    if not rows:
        raise InputError(f"プロファイル {ctx.config.profile} に{CONTRACT_PARTIES[signed_with]}との契約書類の扱いが"
                         "ありません", field="--signed-with")
    if ctx.case.mode == "itaku" and signed_with == "kyotaku":
        raise InputError("委託のケースでは利用者は包括と契約します（--signed-with hokatsu）", field="--signed-with")
    rel = _party_path(ctx, "custody", day)
    handovers = []
    for row in rows:
        if row["doc"] not in CONTRACT_DOCUMENTS:
            continue
        handovers.append(_clean({"doc": row["doc"], "ref": f"{rel}#{row.get('of') or signed_with}",
                                 "original_to": row.get("original"), "copies_to": list(row.get("copies") or ())}))
    signers = ["kyotaku", "hokatsu"] if signed_with == "both" else [signed_with]
    data = {"seq": ctx.case.next_seq(), "date": day.isoformat(), "staff": ctx.actor.name, "party": ctx.actor.party,
            "event": "contract", "signed_with": signers, "handovers": handovers}
    return Change("contract", ctx.case.id, _new_doc(rel, "custody", data), day=day)


@step("attach")
def attach_scan(ctx: Context, *, doc: str, kind: str, filename: str, content: bytes, day: date | None,
                holder: str | None = None) -> Change:
    """A scan of a paper's 原本 or 写し, kept under the case's ``files/`` with a custody record
    saying who holds that paper: ``holder`` (default: the acting office) holds the original
    (``kind`` original) or a copy (``kind`` copy) — e.g. contracts the 包括 keeps (seed 000
    手順3), the 居宅's copies of the 調査票・意見書 from the town (seed 000 手順4), a
    個別サービス計画 whose 原本 is the provider's (seed 000 手順11).

    The stored name is made from the document code, date and kind, never from
    the uploaded file name (it may carry the person's name).
    """
    day = step_date(ctx, day)
    if not content:
        raise InputError(f"{filename} は空のファイルです", field="FILE")
    holder = holder or ctx.actor.party
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not suffix[1:].isalnum() or len(suffix) > 6:
        suffix = ""
    taken = existing_paths(ctx.case)
    plan = ctx.case.current_plan
    ref = _document_refs(ctx, plan).get(doc, "")
    folder = f"{ctx.folder}/files/{doc}"
    n = 1
    while any(p.startswith(f"{folder}/{day.isoformat()}-{kind}-{n}.") or p == f"{folder}/{day.isoformat()}-{kind}-{n}"
              for p in taken | set(ctx.case.unreadable) | _scan_paths(ctx.case)):
        n += 1
    scan_rel = f"{folder}/{day.isoformat()}-{kind}-{n}{suffix}"
    record_rel = _party_path(ctx, "custody", day)
    scan = {"doc": doc, "kind": kind, "holder": holder, "file": scan_rel}
    handover: dict = {"doc": doc}
    if ref:
        scan["ref"] = handover["ref"] = ref
    if kind == "original":
        handover["original_to"] = holder
    else:
        handover["copies_to"] = [holder]
    data = {"seq": ctx.case.next_seq(), "date": day.isoformat(), "staff": ctx.actor.name, "party": ctx.actor.party,
            "event": "scan", "handovers": [handover], "scan": scan}
    files: dict[str, str | bytes] = {scan_rel: content}
    files.update(_new_doc(record_rel, "custody", data))
    return Change("attach", ctx.case.id, files, day=day)


def _scan_paths(case: Case) -> set[str]:
    return {c.scan["file"] for c in case.custody if c.scan}

"""Review steps: submissions to the 地域包括支援センター (包括) with their 原本/写し
hand-overs, and the 包括's confirmation of the 原案 and the 評価表."""

from __future__ import annotations

from datetime import date

from ..custody import replay
from ..errors import InputError
from ..kinds import YOBO_PAPERS
from ..model import Plan
from ..vocab import DOCUMENTS, HOLDERS, SUBMISSION_OCCASIONS
from .apply import Change
from .context import (Context, OrderError, _clean, _document_refs, _new_doc, _unique, current_plan, existing_paths,
                      step, step_date)

#: Occasions of ``submit hokatsu`` (labels in vocab, shared with the 送付状 form).
OCCASIONS = SUBMISSION_OCCASIONS


def submission_set(ctx: Context, occasion: str) -> dict:
    """The profile's documents for an occasion (seed 002 資料5 for suzuka-kameyama)."""
    found = (ctx.profile.get("submissions") or {}).get(occasion)
    if not found or found.get("documents") is None:
        raise InputError(f"プロファイル {ctx.config.profile} に「{OCCASIONS[occasion]}」の提出書類がありません",
                         field="--occasion")
    return found


def _sends_originals(ctx: Context, chosen: dict) -> bool:
    """Whether this case hands 原本 to the 包括 at all: a 指定 居宅 keeps its own originals
    (seed 003 居宅指定「居宅管理」) unless the occasion makes the 包括 the 実施主体
    (``as_itaku``: seed 004 実施事項④, the switch to ケアマネジメント)."""
    custody = ctx.profile.get("custody") or {}
    return not (ctx.case.mode == "shitei" and custody.get("shitei_keeps_originals", True)
                and not chosen.get("as_itaku"))


def submission_items(ctx: Context, occasion: str, plan: Plan | None, *, papers: tuple[str, ...] = (),
                     without: tuple[str, ...] = ()) -> tuple[list[dict], list[str]]:
    """(documents handed over, notes on what was left out) for an occasion.

    Only what exists goes: a yobo document not written yet is left out (an
    absent 評価表 is not handed over), and so is an original the 居宅 no longer
    holds (it is at the 包括 already, or back with its writer).  Paper-only
    documents are handed over only when the user says so (``papers``); a
    required one neither in ``papers`` nor in ``without`` is refused with the
    list, so no 「紙」 row is ever recorded by default.
    """
    chosen = submission_set(ctx, occasion)
    refs = _document_refs(ctx, plan)
    holdings = replay(ctx.case)
    originals = _sends_originals(ctx, chosen)
    certs = ctx.case.certifications
    level_changed = len({c.level for c in certs[-2:]}) > 1
    listed = {item["doc"] for item in chosen["documents"]}
    kept = sorted(set(papers) & set(YOBO_PAPERS))
    if kept:
        names = "、".join(DOCUMENTS[d] for d in kept)
        raise InputError(f"{names} は yobo の文書です（あれば自動で渡します。--paper は紙の書類だけ）", field="--paper")
    unknown = sorted(set(papers) - listed)
    if unknown:
        names = "、".join(DOCUMENTS.get(d, d) for d in unknown)
        raise InputError(f"{names} は「{OCCASIONS[occasion]}」の提出書類ではありません", field="--paper")
    items, left_out, unanswered = [], [], []
    for item in chosen["documents"]:
        code = item["doc"]
        name = DOCUMENTS.get(code, code)
        if item.get("condition") == "level-changed" and not level_changed:
            continue
        # seed 004 実施事項④ (line 87–100): the 提出物 go only when the case moves into ケアマネジメント
        if item.get("condition") == "to-cm-a" and ctx.case.route != "cm-a":
            continue
        original = bool(item.get("original")) and originals
        if code in YOBO_PAPERS:
            ref = refs.get(code)
            if ref is None:
                left_out.append(f"{name}はまだないため渡しません")
                continue
            held = holdings.get((code, ref))
            # a corrected 原案 is a new paper: it goes again though the 包括 has the one it replaces
            resent = occasion == "draft" and code == "plan"
            if original and held is not None and held.original != "kyotaku" and not resent:
                where = HOLDERS.get(held.original or "", "—")
                left_out.append(f"{name}の原本は{where}にあるため渡しません")
                continue
            items.append({"doc": code, "ref": ref, "original": original, "paper": False})
        elif code in papers:
            items.append({"doc": code, "ref": "", "original": original, "paper": True})
        elif code not in without and not item.get("optional"):
            unanswered.append(code)
    if unanswered:
        names = "、".join(f"{DOCUMENTS.get(c, c)}（{c}）" for c in unanswered)
        raise InputError(f"紙の書類 {names} を渡したかどうかを、--paper CODE（渡した）か --without CODE"
                         "（渡していない）で指定してください", field="--paper")
    return items, left_out


@step("submit-{occasion}")
def submit_to_hokatsu(ctx: Context, *, occasion: str, day: date | None, papers: tuple[str, ...] = (),
                      without: tuple[str, ...] = ()) -> Change:
    """A packet to the 包括 (送付状), recording each 原本/写し hand-over that happened.

    The documents are the profile's for the occasion (:func:`submission_items`).
    An original goes to the 包括 and the 居宅 keeps a copy (profile
    ``sender_keeps_copy``); at the end of an entrusted case every original the 居宅
    still holds goes back (``all_originals``: seed 002 資料1-10, seed 003 台帳管理)
    and its copies are destroyed where the profile says so (seed 002 資料5 注2).
    """
    case = ctx.case
    if not case.hokatsu:
        raise InputError("担当地域包括支援センターが決まっていません（case.yaml の hokatsu）")
    day = step_date(ctx, day)
    plan = case.current_plan
    if occasion == "plan-change" and plan.number < 2:
        raise OrderError("計画変更時の提出は2つ目以降の計画で行います")
    if occasion == "level-change" and len(case.certifications) < 2:
        raise OrderError("区分変更後の認定が記録されていません")
    chosen = submission_set(ctx, occasion)
    if occasion == "meeting":
        if chosen.get("unless") == "hokatsu-attended" and plan.meetings[-1].hokatsu_attended:
            raise OrderError(f"{plan.meetings[-1].date} の担当者会議には包括が出席したため、要点は提出しません"
                             f"（プロファイル {ctx.config.profile}: {chosen.get('source', '')}）")
    items, left_out = submission_items(ctx, occasion, plan, papers=papers, without=without)
    custody = ctx.profile.get("custody") or {}
    destroy = bool(chosen.get("destroy_copies"))
    keep_copy = custody.get("sender_keeps_copy", True) and not destroy
    handovers = []
    for item in items:
        h: dict = {"doc": item["doc"]}
        if item["ref"]:
            h["ref"] = item["ref"]
        if item["paper"]:
            h["paper"] = True
        if item["original"]:
            h["original_to"] = "hokatsu"
            if keep_copy:
                h["copies_to"] = ["kyotaku"]
        else:
            h["copies_to"] = ["hokatsu"]
        handovers.append(h)
    if chosen.get("all_originals") and _sends_originals(ctx, chosen):
        # every original the 居宅 still holds goes back, even one the occasion's list names as a copy
        sent = {(h["doc"], h.get("ref") or ""): h for h in handovers}
        for key, holding in sorted(replay(case).items()):
            if key in sent and (sent[key].get("original_to") or holding.original != "kyotaku"):
                continue
            if key in sent:
                handovers.remove(sent[key])
            if holding.original == "kyotaku":
                handovers.append(_clean({"doc": holding.doc, "ref": holding.ref, "original_to": "hokatsu",
                                         "copies_to": ["kyotaku"] if keep_copy else None}))
            elif destroy and "kyotaku" in holding.copies:
                handovers.append(_clean({"doc": holding.doc, "ref": holding.ref,
                                         "copies_destroyed_by": ["kyotaku"]}))
    if not handovers:
        raise InputError(f"「{OCCASIONS[occasion]}」で渡す書類がありません（{'、'.join(left_out) or 'なし'}）",
                         field="--occasion")
    data = _clean({
        "seq": case.next_seq(),
        "date": day.isoformat(),
        "occasion": occasion,
        "plan": plan.id if plan is not None and occasion != "renewal" else None,
        "plan_digest": plan.digest if plan is not None and occasion == "draft" else None,
        "to": case.hokatsu,
        "staff": ctx.actor.name,
    })
    data["handovers"] = handovers
    rel = _unique(existing_paths(case), f"{ctx.folder}/submissions", f"{day.isoformat()}-{occasion}")
    return Change(f"submit-{occasion}", case.id, _new_doc(rel, "submission", data), warnings=tuple(left_out), day=day)


def step_handovers(ctx: Context, step: str, refs: dict[str, str]) -> list[dict]:
    """The hand-overs the profile's table gives for ``step`` (``custody.steps``), about the
    documents in ``refs`` (code → path); a row about a document not written yet is skipped."""
    out = []
    for item in (ctx.profile.get("custody") or {}).get("steps", {}).get(step) or ():
        ref = refs.get(item["doc"])
        if ref is None:
            continue
        out.append(_clean({"doc": item["doc"], "ref": ref, "original_to": item.get("original"),
                           "copies_to": list(item.get("copies") or ())}))
    return out


@step("review-plan")
def review_plan(ctx: Context, *, opinion: str, day: date | None, plan_id: str | None) -> Change:
    """包括の原案確認: opinion and 確認者 (seed 002 資料1-3); the 原案 goes where the
    profile says (back to the 居宅: seed 000 手順6, seed 002 資料1-3)."""
    plan = current_plan(ctx, plan_id)
    sent = [s for s in ctx.case.submissions if s.occasion == "draft" and s.plan == plan.id]
    day = step_date(ctx, day)
    if day < sent[-1].date:
        raise InputError(f"確認日 {day} が提出日 {sent[-1].date} より前です", field="--date")
    data = _clean({"seq": ctx.case.next_seq(), "target": "plan", "date": day.isoformat(), "reviewer": ctx.actor.name,
                   "center": ctx.case.hokatsu, "opinion": opinion.strip(), "plan_digest": plan.digest})
    data["handovers"] = step_handovers(ctx, "review-plan", {"plan": plan.path})
    rel = _unique(existing_paths(ctx.case), f"{plan.dir}/reviews", f"{day.isoformat()}.hokatsu")
    return Change("review-plan", ctx.case.id, _new_doc(rel, "review", data), day=day)


@step("review-evaluation")
def review_evaluation(ctx: Context, *, opinion: str, day: date | None, plan_id: str | None) -> Change:
    """包括's confirmation of the 評価表 (確認日・確認者・意見), and where the 原本 goes:
    back to the 居宅 (seed 000 step 16, seed 003 F表) or kept by the 包括 (seed 001/002) — profile."""
    plan = current_plan(ctx, plan_id)
    sent = [s for s in ctx.case.submissions if s.occasion == "evaluation" and s.plan == plan.id]
    day = step_date(ctx, day)
    if day < sent[-1].date:
        raise InputError(f"確認日 {day} が提出日 {sent[-1].date} より前です", field="--date")
    data = _clean({"seq": ctx.case.next_seq(), "target": "evaluation", "date": day.isoformat(),
                   "reviewer": ctx.actor.name, "center": ctx.case.hokatsu, "opinion": opinion.strip()})
    data["handovers"] = step_handovers(ctx, "review-evaluation", {"evaluation": plan.evaluation.path})
    rel = f"{plan.dir}/evaluation-review.hokatsu.yaml"
    return Change("review-evaluation", ctx.case.id, _new_doc(rel, "review", data), day=day)

"""台帳の出来事 and the hand-back at the end of a case, as workflow steps.

- :func:`record_event` — a change of the user's situation (seed 003 line 28 台帳管理:
  介護度の変更/転出/区内転居/施設入所/死亡; 入院・退院) in the 居宅's ledger, one file an
  event (``events/<date>-kyotaku-<n>-<token>.yaml``, named like the notes so two staff
  members never write the same path).  A 介護度の変更 back to 要支援 of a case closed when
  it left for 要介護 reopens it (its next plan is then 紹介: seed 002 §3 ⑤).
- :func:`record_report` — the 一報 of an event to the 担当包括 (seed 003 line 28, 45 即日).
- :func:`receive_submission` — the 包括's receipt of a submission (the 終了時 hand-back
  of every 原本: seed 002 資料1-10, seed 003 line 28), in a custody file of the 包括's own.
- :func:`closure_blockers` — what the profile wants done before ``case close``.
"""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from ..model import Case, CaseEvent, Submission
from ..ledger import away_periods, event_label, leaving_event, unreported
from ..vocab import EVENT_KINDS, HOLDERS
from ..yamlio import dump_round_trip, load_round_trip
from .apply import Change
from .context import Context, OrderError, _clean, _new_doc, event_path, existing_paths, step, step_date
from .review import _sends_originals


def _taken(case: Case) -> set[str]:
    return existing_paths(case) | {e.path for e in case.events}


def _event_rel(ctx: Context, day: date) -> str:
    return event_path(f"{ctx.folder}/events", day, ctx.actor, _taken(ctx.case))


def _inner(ctx: Context, rel: str) -> str:
    return rel[len(ctx.folder) + 1:]


@step("case-event")
def record_event(ctx: Context, *, kind: str, day: date, text: str, level: str | None, case_text: str) -> Change:
    """An event in the 台帳 (see the module docstring).  Refused on a closed case, except a
    介護度の変更 back to 要支援 of a case that left for 要介護: that reopens it."""
    if kind not in EVENT_KINDS:
        raise InputError(f"'{kind}' は台帳の出来事ではありません", field="--kind")
    if kind == "level-change" and level is None:
        raise InputError("介護度の変更には変更後の介護度（--level）が必要です", field="--level")
    if kind != "level-change" and level is not None:
        raise InputError(f"--level は介護度の変更（level-change）のときだけ指定します（{EVENT_KINDS[kind]}）",
                         field="--level")
    day = step_date(ctx, day, "--on")
    case = ctx.case
    if day < case.opened:
        raise InputError(f"{day} はケースの登録日 {case.opened} より前です", field="--on")
    files: dict[str, str] = {}
    returned_from = None
    if case.status != "active":
        left = leaving_event(case)
        if not (kind == "level-change" and level != "kaigo" and left is not None and left.kind == "level-change"):
            when = f"（{case.closed_on}）" if case.closed_on else ""
            raise OrderError(f"ケース {case.id} は終了しています{when}。終了後に台帳へ記録できるのは、要介護から"
                             "要支援に戻ったときの介護度の変更だけです（経過は yobo note add で書けます）")
        if case.closed_on is not None and day < case.closed_on:
            raise InputError(f"{day} はケースの終了日 {case.closed_on} より前です", field="--on")
        # back from 要介護: the same case folder goes on (its next plan is 紹介, not 初回)
        returned_from = {"date": case.closed_on.isoformat(), "reason": case.close_reason or ""}
        rel_case = case.file
        doc = load_round_trip(case_text, rel_case)
        doc["status"] = "active"
        if "closed" in doc:
            del doc["closed"]
        files[rel_case] = dump_round_trip(doc)
    else:
        last = [e for e in case.events if e.kind != "report"]
        if last and last[-1].date > day:
            raise InputError(f"{day} は前の出来事（{event_label(last[-1])}）より前です", field="--on")
        if kind == "discharge" and not _in_hospital(case):
            raise OrderError("入院の記録がありません（先に yobo case event --kind hospital）")
        left = leaving_event(case)
        if left is not None and not (kind == "level-change" and level != "kaigo" and left.kind == "level-change"):
            raise OrderError(f"このケースは{event_label(left)}で介護予防支援を離れています。終了の手続きを進めてください"
                             f"（yobo submit hokatsu {case.id} --occasion termination、yobo case close）")
    rel = _event_rel(ctx, day)
    data = _clean({"seq": case.next_seq(), "date": day.isoformat(), "kind": kind, "level": level,
                   "text": text.strip(), "returned_from": returned_from, "staff": ctx.actor.name,
                   "party": ctx.actor.party})
    files.update(_new_doc(rel, "event", data))
    return Change("case-event", case.id, files, creates=frozenset({rel}), day=day)


def _in_hospital(case: Case) -> bool:
    periods = away_periods(case)
    return bool(periods) and periods[-1].kind == "hospital" and periods[-1].end is None


@step("event-report")
def record_report(ctx: Context, *, day: date | None, event: str | None, text: str) -> Change:
    """The 一報 of an event to the 担当包括: the given event (its file, or its date), else the
    latest one still waiting.  Allowed after close (a 死亡 is reported however soon the
    case closed)."""
    case = ctx.case
    waiting = unreported(case, ctx.profile)
    if not waiting:
        raise OrderError(f"ケース {case.id} に包括へ一報していない出来事はありません")
    target = _find_event(ctx, waiting, event)
    day = step_date(ctx, day)
    if day < target.date:
        raise InputError(f"一報の日 {day} が出来事の日 {target.date} より前です", field="--date")
    rel = _event_rel(ctx, day)
    data = _clean({"seq": case.next_seq(), "date": day.isoformat(), "kind": "report",
                   "event": _inner(ctx, target.path), "text": text.strip(), "staff": ctx.actor.name,
                   "party": ctx.actor.party})
    return Change("event-report", case.id, _new_doc(rel, "event", data), creates=frozenset({rel}), day=day)


def _find_event(ctx: Context, waiting: list[CaseEvent], ref: str | None) -> CaseEvent:
    if ref is None:
        return waiting[-1]
    wanted = ref.strip()
    found = [e for e in waiting if e.path.endswith("/" + wanted) or _inner(ctx, e.path) == wanted
             or e.date.isoformat() == wanted]
    if len(found) != 1:
        shown = "、".join(f"{_inner(ctx, e.path)}（{event_label(e)}）" for e in waiting)
        what = "複数あります" if found else "ありません"
        raise InputError(f"一報していない出来事で '{ref}' に当たるものが{what}（一報待ち: {shown}）", field="--event")
    return found[0]


# -- the hand-back ---------------------------------------------------------------------------------


def termination_submissions(case: Case) -> list[Submission]:
    return [s for s in case.submissions if s.occasion == "termination"]


def receipts(case: Case) -> set[str]:
    """Submissions (paths inside the case folder) whose receipt the 包括 recorded."""
    return {c.submission for c in case.custody if c.event == "receipt" and c.submission}


def hands_back(ctx: Context) -> bool:
    """Whether this case returns its originals to the 包括 at the end (委託; a 指定 居宅
    keeps its own: seed 003 居宅指定「居宅管理」)."""
    chosen = (ctx.profile.get("submissions") or {}).get("termination") or {}
    return bool(chosen.get("all_originals")) and _sends_originals(ctx, chosen)


def closure_blockers(ctx: Context) -> str | None:
    """What the profile wants done before ``case close``, as the refusal to print (naming
    the command), or None: the 終了時 submission, then the 包括's receipt of it.

    Source: seed 002 (002_ac00e42d951987eb.txt) 資料1-10 line 627 (包括へ終了の連絡をし、全ての
    帳票類を返還する; 包括「居宅へ帳票類の提出を依頼する」); seed 003 line 28 (委託終了時には帳票を
    包括に返却); profile ``closure``.
    """
    settings = ctx.profile.get("closure") or {}
    if not hands_back(ctx):
        return None
    case = ctx.case
    sent = termination_submissions(case)
    if settings.get("requires_submission") and not sent:
        return (f"終了の前に、終了時の提出（原本の返却）が必要です（yobo submit hokatsu {case.id} --occasion termination。"
                f"プロファイル {ctx.config.profile}: {settings.get('source', '')}）")
    if settings.get("requires_receipt") and sent:
        got = receipts(case)
        if not any(_inner(ctx, s.path) in got for s in sent):
            return (f"終了の前に、包括が終了時の提出を受け取った記録が必要です（包括の職員が yobo submit receive "
                    f"{case.id} --as 包括の職員。プロファイル {ctx.config.profile}: {settings.get('source', '')}）")
    return None


@step("submission-receipt")
def receive_submission(ctx: Context, *, day: date | None, submission: str | None) -> Change:
    """The 包括's receipt of a submission — by default the latest 終了時 one not received
    yet — in a custody file of the 包括's own (``custody/<date>-hokatsu-…``): the
    hand-overs the submission lists are confirmed as having arrived.  Allowed after close
    (the papers may arrive after the 完結日)."""
    case = ctx.case
    got = receipts(case)
    waiting = [s for s in case.submissions if _inner(ctx, s.path) not in got]
    if submission is None:
        chosen = [s for s in waiting if s.occasion == "termination"][-1:]
        if not chosen:
            raise OrderError(f"ケース {case.id} に受け取っていない終了時の提出はありません"
                             f"（居宅が yobo submit hokatsu {case.id} --occasion termination で提出します）")
    else:
        wanted = submission.strip()
        chosen = [s for s in case.submissions if _inner(ctx, s.path) == wanted or s.path.endswith("/" + wanted)]
        if not chosen:
            shown = "、".join(_inner(ctx, s.path) for s in waiting) or "なし"
            raise InputError(f"提出 '{submission}' はありません（受け取っていない提出: {shown}）", field="--submission")
        if _inner(ctx, chosen[0].path) in got:
            raise OrderError(f"{_inner(ctx, chosen[0].path)} の受領はすでに記録してあります")
    target = chosen[0]
    day = step_date(ctx, day)
    if day < target.date:
        raise InputError(f"受領日 {day} が提出日 {target.date} より前です", field="--date")
    rel = event_path(f"{ctx.folder}/custody", day, ctx.actor, _taken(case))
    data = {"seq": case.next_seq(), "date": day.isoformat(), "staff": ctx.actor.name, "party": ctx.actor.party,
            "event": "receipt", "submission": _inner(ctx, target.path), "handovers": []}
    return Change("submission-receipt", case.id, _new_doc(rel, "custody", data), creates=frozenset({rel}), day=day)


def handover_lines(handovers) -> list[str]:
    """One Japanese line a hand-over: 「評価表【原本 → 包括】」."""
    from ..vocab import DOCUMENTS

    out = []
    for h in handovers:
        name = DOCUMENTS.get(h["doc"], h["doc"])
        if h.get("original_to"):
            out.append(f"{name}【原本 → {HOLDERS.get(h['original_to'], h['original_to'])}】")
        elif h.get("copies_to"):
            out.append(f"{name}【写し → {'・'.join(HOLDERS.get(c, c) for c in h['copies_to'])}】")
        elif h.get("copies_destroyed_by"):
            out.append(f"{name}【写しを破棄：{'・'.join(HOLDERS.get(c, c) for c in h['copies_destroyed_by'])}】")
    return out


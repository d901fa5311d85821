"""台帳の出来事 and the end of a case: ``case event``, ``case report``, ``submit receive``,
``case purge``.  Each parses its options, calls one step (``yobo.workflow.events``,
``yobo.workflow.purge``) and prints; every change is one commit."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import InputError
from ..values import parse_date
from ..vocab import EVENT_KINDS, EVENT_LEVELS, parse_choice
from ..workflow import events as steps
from .common import (AsOpt, CaseArg, CasebookOpt, DateOpt, JsonOpt, TodayOpt, change_json, open_session,
                     optional_date, print_json)


def case_event(
    case: CaseArg,
    kind: Annotated[str, typer.Option("--kind", help="出来事: level-change（介護度の変更）| move（転出）| move-within（区内転居）| hospital（入院）| discharge（退院）| facility（施設入所）| death（死亡）")],
    on: Annotated[str, typer.Option("--on", help="出来事の日（YYYY-MM-DD）")],
    level: Annotated[str | None, typer.Option("--level", help="介護度の変更のとき、変更後の介護度: kaigo（要介護）| shien1 | shien2 | jigyo")] = None,
    text: Annotated[str, typer.Option("--text", help="内容（入院先・入所先・転出先の自治体など）")] = "",
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record a change of the user's situation in the 台帳 (seed 003 台帳管理)."""
    what = parse_choice("--kind", kind, EVENT_KINDS)
    new_level = parse_choice("--level", level, EVENT_LEVELS) if level else None
    day = parse_date("--on", on)
    session = open_session(casebook, case, today, as_)
    from ..loader import read_text

    change = session.run(steps.record_event, kind=what, day=day, text=text, level=new_level,
                         case_text=read_text(session.root, session.case.file))
    commit = session.commit(change)
    follow = _follow_ups(session, change)
    if json_:
        print_json(change_json(commit, session.dated(change), session.root, kind=what, level=new_level,
                               path=next(p for p in change.files if "/events/" in p), next_steps=follow,
                               reopened=session.case.file in change.files))
        return
    shown = EVENT_KINDS[what] + (f"：{EVENT_LEVELS[new_level]}" if new_level else "")
    typer.echo(f"台帳に記録しました: {shown}（{day}、コミット {commit[:7]}）")
    if session.case.file in change.files:
        typer.echo(f"ケース {session.case_id} を再開しました（要介護から戻ったため、次の計画は「紹介」です）")
    for line in follow:
        typer.echo(f"  次に: {line}")


def _follow_ups(session, change) -> list[str]:
    """What the care manager does next, read from the case as it now stands."""
    from ..loader import load_case
    from ..profiles import load_profile
    from ..ledger import leaving_event, unreported, waives_evaluation

    case, _, _ = load_case(session.root, session.case_id, session.case.dir)
    if case is None:
        return []
    profile = load_profile(session.config.profile, session.config.overrides)
    out = []
    settings = profile.get("events") or {}
    if unreported(case, profile):
        when = "即日" if not settings.get("report_days") else f"{settings['report_days']}日以内"
        out.append(f"担当包括へ一報（{when}）し、yobo case report {case.id} で記録")
    left = leaving_event(case)
    if left is not None and case.status == "active":
        evaluate = "" if waives_evaluation(case, profile) else f"yobo evaluate {case.id} → "
        out.append(f"終了の手続き: {evaluate}yobo submit hokatsu {case.id} --occasion termination → "
                   f"包括の受領（yobo submit receive）→ yobo case close {case.id}")
    return out


def case_report(
    case: CaseArg,
    event: Annotated[str | None, typer.Option("--event", help="一報した出来事（events/ のファイル名か出来事の日付）。省略時は一報していない最新の出来事")] = None,
    text: Annotated[str, typer.Option("--text", help="連絡の内容（相手・方法など）")] = "",
    day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record the 一報 of an event to the 担当包括 (seed 003 line 28: 即日)."""
    session = open_session(casebook, case, today, as_)
    change = session.run(steps.record_report, day=optional_date(day), event=event, text=text)
    commit = session.commit(change)
    if json_:
        print_json(change_json(commit, session.dated(change), session.root, path=next(iter(change.files))))
        return
    typer.echo(f"包括への一報を記録しました（コミット {commit[:7]}）")


def submit_receive(
    case: CaseArg,
    submission: Annotated[str | None, typer.Option("--submission", help="受け取った提出（submissions/ のファイル）。省略時は受け取っていない最新の終了時の提出")] = None,
    day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """The 包括 records that it received a submission (the 終了時 hand-back of the originals)."""
    session = open_session(casebook, case, today, as_)
    change = session.run(steps.receive_submission, day=optional_date(day), submission=submission)
    commit = session.commit(change)
    from ..yamlio import load_fast

    record = load_fast(next(iter(change.files.values())), "custody")
    if json_:
        print_json(change_json(commit, session.dated(change), session.root, path=next(iter(change.files)),
                               submission=record["submission"]))
        return
    typer.echo(f"包括が提出を受け取った記録を作りました（{record['submission']}、コミット {commit[:7]}）")


def case_purge(
    before: Annotated[str, typer.Option("--before", help="この日までに保存期間が終わったケースを削除します（今日より後は不可）")],
    case: Annotated[list[str] | None, typer.Option("--case", help="削除するケースをこのIDに限ります（くり返し指定）")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="実際に削除します。付けなければ、削除するケースを表示するだけです")] = False,
    history: Annotated[bool, typer.Option("--history", help="git の履歴からも消します（git filter-repo で履歴を書き換えます。ほかのクローンは取り直しが必要）")] = False,
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Remove closed cases whose retention period has ended (dry run unless --yes)."""
    from .. import gitstore
    from ..casebook import resolve_case_id
    from ..index import forget_derived
    from ..loader import case_ids, load_casebook, load_config
    from ..profiles import load_profile
    from ..workflow import purge
    from ..workflow.apply import apply_change
    from .common import find_casebook, hold_casebook, resolve_actor, resolve_today

    cutoff = parse_date("--before", before)
    root = find_casebook(casebook)
    day = resolve_today(today)
    if yes:
        hold_casebook(root, as_)
    config = load_config(root)
    only = [resolve_case_id(c, case_ids(root)) for c in case or ()] or None
    loaded = load_casebook(root, config=config)
    profile = load_profile(config.profile, config.overrides)
    targets = purge.plan_purge(list(loaded.cases), profile, before=cutoff, today=day, only=only,
                               tracked=lambda folder: gitstore.tracked_files(root, folder + "/"))
    for target in targets:
        stray = purge.untracked_in(root, target)
        if stray:
            raise InputError(f"{stray[0]} は git に記録されていないファイルです。移すか削除してから実行してください",
                             field="--before")
    commit = None
    # cases purged earlier without --history are still in the history: --history takes them too
    earlier = gitstore.purged_in_history(root) if history else []
    rewrite = yes and history and bool(targets or earlier)
    if yes and targets:
        author = resolve_actor(root, config, as_)
        commit = apply_change(root, purge.purge_change(targets, day), author)
    if yes and (targets or rewrite):
        # derived caches hold the purged users' names, ids and insured numbers: gone with them
        from ..validation import forget_results

        forget_derived(root)
        forget_results(root)
    if rewrite:
        gitstore.purge_history(root, sorted({t.folder for t in targets} | set(earlier)))
        commit = gitstore.head(root)
    if json_:
        print_json({"done": bool(yes and targets), "commit": commit, "before": cutoff.isoformat(),
                    "history": rewrite, "cases": [t.to_json() for t in targets],
                    "earlier": [f.rsplit("/", 1)[-1] for f in earlier],
                    "clone_steps": list(purge.CLONE_STEPS) if rewrite else []})
        return
    if earlier:
        ids = "、".join(f.rsplit("/", 1)[-1] for f in earlier)
        typer.echo(f"前に削除したケース（{ids}）を git の履歴から{'削除しました' if yes else '削除できます（--yes で実行）'}")
    if not targets:
        typer.echo(f"{cutoff} までに保存期間が終わったケースはありません")
        if rewrite:
            _clone_steps(purge)
        return
    verb = "削除しました" if yes else "削除できます（まだ削除していません。実行するには --yes）"
    typer.echo(f"保存期間が終わったケース {len(targets)} 件を{verb}:")
    for t in targets:
        typer.echo(f"  {t.case_id}　完結日 {t.closed_on}　保存期間 {t.retention_end} まで　ファイル {len(t.files)} 件")
    if commit:
        typer.echo(f"コミット {commit[:7]}")
    if rewrite:
        _clone_steps(purge)
    elif yes:
        typer.echo("git の履歴には残っています。履歴からも消すには、同じコマンドに --history を付けて実行してください"
                   "（削除済みのケースも履歴から消します）")


def _clone_steps(purge) -> None:
    typer.echo("git の履歴からも削除しました。ほかのクローンでは次のことをしてください:")
    for n, line in enumerate(purge.CLONE_STEPS, 1):
        typer.echo(f"  {n}. {line}")


def register(app: typer.Typer, case_app: typer.Typer, submit_app: typer.Typer) -> None:
    case_app.command("event", help="利用者の状況変化（介護度の変更・転出・区内転居・入院・退院・施設入所・死亡）を台帳に記録します。包括への一報の期限と、終了への次の手順を表示します。")(case_event)
    case_app.command("report", help="台帳の出来事を担当包括へ一報したことを記録します（一報の期限を済みにします）。")(case_report)
    case_app.command("purge", help="保存期間（完結日から）が終わった終了ケースを作業ツリーから削除します（--yes で実行。--history で git の履歴からも）。")(case_purge)
    submit_app.command("receive", help="包括が提出（終了時の原本の返却など）を受け取ったことを記録します（包括の職員が行います）。")(submit_receive)

"""Lifecycle commands: checklist, info, plan, submit, review, meeting, monitor, note,
evaluate, case close, attach.  Each parses its options, runs one step of
the workflow's stage modules through the run() layer (``yobo.workflow.run``) and prints;
every change is one commit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..casebook import case_dir
from ..errors import DocumentError, InputError
from ..loader import decode_text, read_text
from ..profiles import load_profile
from ..values import check_date_window, check_number, parse_date, printable
from ..vocab import (CONTRACT_PARTIES, DECISIONS, DOCUMENTS, HOLDERS, MINOR_CHANGE_KINDS, MONITORING_METHODS,
                     NEXT_ROUTES, NOTE_KINDS, PLAN_AMENDMENT_KINDS, parse_choice)
from ..workflow import (agreement, assessment, certification, closure, evaluation, intake, monitoring, planning,
                        review)
from ..workflow.context import Context, current_plan, monitoring_path
from ..workflow.run import Session, run
from ..yamlio import load_fast
from .common import (AsOpt, CaseArg, CasebookOpt, DateOpt, JsonOpt, TodayOpt, change_json, editor_command,
                     finish_step, open_session, optional_date, plan_status, print_json, private_tmp, read_user_file,
                     run_child, size_limit, yaml_file_option)

PlanOpt = Annotated[str | None, typer.Option("--plan", help="計画番号（P1 など）。省略時は最新の計画")]
FileOpt = Annotated[Path | None, typer.Option("--file", help="内容を書いた YAML ファイル")]

checklist_app = typer.Typer(help="基本チェックリストの記録と表示。", no_args_is_help=True)
info_app = typer.Typer(help="利用者基本情報の作成・修正・表示。", no_args_is_help=True)
plan_app = typer.Typer(help="介護予防サービス・支援計画書（原案・修正・同意・開始・週間計画表・表示）。", no_args_is_help=True)
submit_app = typer.Typer(help="地域包括支援センターへの書類の提出。", no_args_is_help=True)
review_app = typer.Typer(help="包括による原案・評価表の確認（包括の職員が行います）。", no_args_is_help=True)
meeting_app = typer.Typer(help="サービス担当者会議の記録。", no_args_is_help=True)
monitor_app = typer.Typer(help="モニタリングの記録。", no_args_is_help=True)
note_app = typer.Typer(help="介護予防支援経過記録。", no_args_is_help=True)
contract_app = typer.Typer(help="契約（重要事項説明書・契約書・個人情報使用同意書・作成依頼届出書）の記録。", no_args_is_help=True)


def _edit_in_editor(initial: str, root: Path, suffix: str = ".yaml") -> str:
    """Open $VISUAL/$EDITOR on a temporary copy and return what was saved.

    The copy holds the person's data (address, family), so it lives in the casebook's
    private ``.yobo/tmp/`` and is removed however the edit ends (see ``private_tmp``).
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise InputError("編集するには環境変数 EDITOR を設定するか、--file で内容を渡してください", field="--file")
    with private_tmp(root) as folder:
        path = folder / f"edit{suffix}"
        path.write_text(initial, encoding="utf-8")
        if run_child([*editor_command(editor), str(path)]).returncode != 0:
            raise InputError("エディタが失敗したため、何も保存しませんでした", field="EDITOR")
        try:
            return decode_text(path.read_bytes(), "EDITOR")
        except DocumentError as exc:
            raise InputError(exc.problems[0].message, field="EDITOR") from None


def _still_as_opened(session: Session, opened: str | None, now: str | None, text: str, what: str) -> None:
    """Refuse to save an edit when someone changed the document while the editor was open."""
    if opened != now or (now is not None and read_text(session.root, now) != text):
        raise InputError(f"エディタで編集している間にほかの人が{what} を変更したため、保存しませんでした。"
                         "もう一度開いて編集してください", field="EDITOR")


# -- checklist -------------------------------------------------------------------------------------


def checklist_record(
    case: CaseArg,
    day: DateOpt = None,
    answers: Annotated[str | None, typer.Option("--answers", help="25文字の回答（y＝はい、n＝いいえ、12文字目は -）")] = None,
    height_cm: Annotated[float | None, typer.Option("--height-cm", help="身長（cm）")] = None,
    weight_kg: Annotated[float | None, typer.Option("--weight-kg", help="体重（kg）")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="answers・height_cm・weight_kg・date を書いた YAML")] = None,
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record a 基本チェックリスト and print its scores."""
    from .. import checklist as kcl

    data, _ = yaml_file_option(file, casebook)
    unknown = sorted(set(map(str, data)) - {"answers", "height_cm", "weight_kg", "date"})
    if unknown:
        raise InputError(f"知らない項目 {'、'.join(unknown)} があります（answers・height_cm・weight_kg・date）", field="--file")
    answers = answers or (str(data["answers"]) if data.get("answers") is not None else None)
    if not answers:
        raise InputError("指定されていません", field="--answers")
    height = height_cm if height_cm is not None else data.get("height_cm")
    weight = weight_kg if weight_kg is not None else data.get("weight_kg")
    from ..schemas import number_range

    for option, key, value, unit in (("--height-cm", "height_cm", height, "cm"), ("--weight-kg", "weight_kg", weight, "kg")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise InputError(f"'{printable(value)}' は数値ではありません", field=option)
        check_number(option, value, *number_range("checklist", [key]), unit=unit)
    day = day or (str(data["date"]) if data.get("date") else None)
    parsed = kcl.parse_answers(answers)
    result = kcl.score(parsed, height_cm=height, weight_kg=weight)
    session = open_session(casebook, case, today, as_)
    ctx = session.context()
    change = run(ctx, assessment.record_checklist, day=optional_date(day), answers=kcl.format_answers(parsed),
                 height_cm=height, weight_kg=weight)
    commit = session.commit(change)
    if json_:
        print_json({**change_json(commit, change, session.root), **result.to_json()})
        return
    typer.echo(kcl.describe(result))
    typer.echo(f"基本チェックリストを記録しました（コミット {commit[:7]}）")


def checklist_show(case: CaseArg, casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Show the latest 基本チェックリスト with its scores."""
    from .. import checklist as kcl

    session = open_session(casebook, case, today, None, write=False)
    latest = session.case.latest_checklist
    if latest is None:
        raise InputError(f"ケース {session.case_id} の基本チェックリストはまだありません（yobo checklist record）")
    result = kcl.score(kcl.parse_answers(latest.answers), height_cm=latest.height_cm, weight_kg=latest.weight_kg)
    if json_:
        print_json({"case": session.case_id, "date": latest.date.isoformat(), **result.to_json()})
        return
    typer.echo(f"記入日 {latest.date}")
    typer.echo(kcl.describe(result))


# -- basic info ------------------------------------------------------------------------------------


def info_set(case: CaseArg, file: Annotated[Path, typer.Option("--file", help="利用者基本情報の YAML（全項目）")],
             day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Write a new version of the 利用者基本情報 from a file."""
    _, text = yaml_file_option(file, casebook)
    session = open_session(casebook, case, today, as_)
    change = session.run(assessment.set_basic_info, day=optional_date(day), text=text, source=str(file))
    finish_step(session, change, f"利用者基本情報を保存しました: {next(iter(change.files))}", json_)


def info_edit(case: CaseArg, day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None,
              as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Edit the latest 利用者基本情報 in $EDITOR; saved as a new version.  The editor is
    open without the casebook's lock (colleagues' steps need not wait for it); the
    version edited must still be the latest when it is saved."""
    opened = open_session(casebook, case, today, as_, write=False)
    ctx = opened.context()
    latest = opened.case.latest_basic_info
    initial = read_text(opened.root, latest.path) if latest else (
        "# yaml-language-server: $schema=../../../../schemas/basic-info.schema.json\n# 利用者基本情報\n"
        f"author: {ctx.actor.name}\n")
    text = _edit_in_editor(initial, opened.root)
    if latest and text == initial:
        raise InputError("変更がないため保存しませんでした", field="EDITOR")
    session = open_session(casebook, case, today, as_)  # the lock, and the case read again
    ctx = session.context()
    now = session.case.latest_basic_info
    _still_as_opened(session, latest.path if latest else None, now.path if now else None, initial, "利用者基本情報")
    change = run(ctx, assessment.set_basic_info, day=optional_date(day), text=text, source="EDITOR")
    finish_step(session, change, f"利用者基本情報を保存しました: {next(iter(change.files))}", json_)


def info_show(case: CaseArg, casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Show the latest 利用者基本情報."""
    session = open_session(casebook, case, today, None, write=False)
    latest = session.case.latest_basic_info
    if latest is None:
        raise InputError(f"ケース {session.case_id} の利用者基本情報はまだありません（yobo info set）")
    if json_:
        print_json({"case": session.case_id, "path": latest.path, **latest.data})
        return
    typer.echo(read_text(session.root, latest.path), nl=False)


# -- plan ------------------------------------------------------------------------------------------


def plan_draft(
    case: CaseArg,
    start: Annotated[str, typer.Option("--start", help="計画期間の開始日")],
    end: Annotated[str, typer.Option("--end", help="計画期間の終了日（最長12か月）")],
    file: Annotated[Path | None, typer.Option("--file", help="計画の内容（目標・支援計画など）を書いた YAML")] = None,
    provisional: Annotated[str | None, typer.Option("--provisional", help="暫定ケアプランとして作成（認定の申請中）: new（新規申請）| change（区分変更）| renewal（更新の結果が有効期間内に出ない）| jigyo-new（事業対象者の新規申請）。seed 002 II-1")] = None,
    expected: Annotated[str, typer.Option("--expected", help="暫定ケアプランの認定結果の見込み: shien（要支援1・2）| kaigo（要介護。居宅介護支援事業所が作成）")] = "shien",
    welfare_notice: Annotated[str | None, typer.Option("--welfare-notice", help="生活保護を受給している利用者の暫定プランで、福祉事務所へ事前連絡した日（seed 003）")] = None,
    day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Create a plan draft prefilled from the casebook; prints the plan id last."""
    from .. import checklist as kcl

    content, _ = yaml_file_option(file, casebook)
    start_day, end_day = parse_date("--start", start), parse_date("--end", end)
    session = open_session(casebook, case, today, as_)
    check_date_window("--start", start_day, session.today), check_date_window("--end", end_day, session.today)
    latest = session.case.latest_checklist
    scores = unknown = None
    if latest is not None:
        result = kcl.score(kcl.parse_answers(latest.answers), height_cm=latest.height_cm, weight_kg=latest.weight_kg)
        scores, unknown = kcl.program_scores(result), kcl.unknown_reasons(result)
    change = session.run(planning.draft_plan, start=start_day, end=end_day, day=optional_date(day), content=content,
                         program_scores=scores, unknown_scores=unknown)
    if provisional is not None:
        from ..workflow import provisional as temp

        welfare = optional_date(welfare_notice, "--welfare-notice")
        record = temp.provisional_record(session.context(), situation=provisional, expected=expected, start=start_day,
                                         welfare_contacted_on=welfare and check_date_window("--welfare-notice", welfare,
                                                                                            session.today))
        change = temp.mark_provisional(change, record, session.context())
    plan_id = next(iter(change.files)).split("/")[-2]
    commit = session.commit(change)
    for warning in change.warnings:
        typer.echo(f"注意: {warning}", err=True)
    if json_:
        print_json(change_json(commit, session.dated(change), session.root, plan=plan_id))
        return
    typer.echo(f"計画の原案を作成しました: {next(iter(change.files))}（コミット {commit[:7]}）")
    typer.echo(plan_id)


def plan_edit(case: CaseArg, plan: PlanOpt = None,
              file: Annotated[Path | None, typer.Option("--file", help="計画書の全文（YAML）。省略時は $EDITOR で編集")] = None,
              casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Change a plan not yet agreed (the whole text from --file, or in $EDITOR: open
    without the casebook's lock, and saved only if the plan is still as it was opened)."""
    if file is not None:
        _, text = yaml_file_option(file, casebook)
    else:
        opened = open_session(casebook, case, today, as_, write=False)
        edited = current_plan(opened.context(), plan)
        initial = read_text(opened.root, edited.path)
        text = _edit_in_editor(initial, opened.root)
    session = open_session(casebook, case, today, as_)
    ctx = session.context()
    target = current_plan(ctx, plan)
    if file is None:
        _still_as_opened(session, edited.path, target.path, initial, f"計画 {edited.id}")
    change = run(ctx, planning.edit_plan, target, text=text, source=str(file or "EDITOR"))
    note = "（包括の確認を受けていた場合は、もう一度の確認が必要です）" if target.reviews else ""
    finish_step(session, change, f"計画 {target.id} を修正しました{note}", json_)


def plan_amend(case: CaseArg,
               kind: Annotated[str, typer.Option("--kind", help="変更の種類: " + "、".join(
                   f"{code}（{name}）" for code, name in MINOR_CHANGE_KINDS.items()))],
               field: Annotated[str, typer.Option("--field", help="変更する項目（例: goals[0].services[0].provider、period.end）")],
               new: Annotated[str, typer.Option("--new", help="変更後の記載")],
               reason: Annotated[str, typer.Option("--reason", help="変更の理由（経過記録に残ります）")],
               consent_date: Annotated[str | None, typer.Option("--consent-date", help="利用者の同意を得た日（YYYY-MM-DD）")] = None,
               consent_method: Annotated[str, typer.Option("--consent-method", help="同意を得た方法（訪問・電話など）")] = "",
               plan: PlanOpt = None, day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None,
               as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Record a 軽微な変更 of an agreed plan: the old text kept struck through, a 経過記録 entry."""
    session = open_session(casebook, case, today, as_)
    ctx = session.context()
    target = current_plan(ctx, plan)
    consented = check_date_window("--consent-date", optional_date(consent_date, "--consent-date"), session.today)
    if kind == "staff-change":
        # 担当者変更 (seed 002 III-1 (9)) is the case's reassignment: one step changes the
        # plan's 計画作成者 and the case's 担当 (yobo case reassign), one commit
        from ..workflow import course

        change = course.reassign(ctx, read_text(session.root, session.case.file),
                                 course.Reassignment(manager=new, hokatsu=None, day=optional_date(day) or session.today,
                                                     reason=reason),
                                 plan=target, plan_text=read_text(session.root, target.path), field=field,
                                 consent_date=consented, consent_method=consent_method)
        finish_step(session, change, f"計画 {target.id} の計画作成者とケースの担当を {new} に変更しました", json_)
        return
    change = run(ctx, planning.amend_plan, target, plan_text=read_text(session.root, target.path),
                 day=optional_date(day), kind=kind, field=field, new=new, reason=reason, consent_date=consented,
                 consent_method=consent_method)
    finish_step(session, change, f"計画 {target.id} の軽微な変更を記録しました（{field}）", json_)


def plan_agree(case: CaseArg, signer: Annotated[str, typer.Option("--signer", help="署名した人の氏名")],
               day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Record the user's consent to the plan (同意)."""
    session = open_session(casebook, case, today, as_)
    change = session.run(agreement.agree_plan, day=optional_date(day), signer=signer)
    finish_step(session, change, "計画への同意を記録しました", json_)


def plan_start(case: CaseArg, day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None,
               as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Record the service start date."""
    session = open_session(casebook, case, today, as_)
    change = session.run(agreement.start_plan, day=optional_date(day))
    finish_step(session, change, "サービス開始を記録しました", json_)


def plan_weekly(case: CaseArg,
                file: Annotated[Path, typer.Option("--file", help="週間計画表の YAML（entries・daily_activities・other_services）")],
                plan: PlanOpt = None,
                day: Annotated[str | None, typer.Option("--date", help="週間計画表の作成日（YYYY-MM-DD）。省略時はファイルの date、なければ今日")] = None,
                casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Write a plan's 週間計画表 (plans/<id>/weekly.yaml) from a file."""
    _, text = yaml_file_option(file, casebook)
    session = open_session(casebook, case, today, as_)
    ctx = session.context()
    target = current_plan(ctx, plan)
    existed = target.weekly is not None
    change = run(ctx, planning.set_weekly, plan_id=target.id, day=optional_date(day), text=text, source=str(file))
    verb = "更新しました" if existed else "保存しました"
    finish_step(session, change, f"計画 {target.id} の週間計画表を{verb}: {next(iter(change.files))}", json_)


def plan_show(case: CaseArg, plan: PlanOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Show a plan and where it stands in the cycle."""
    session = open_session(casebook, case, today, None, write=False)
    ctx = Context(session.config, load_profile(session.config.profile), session.case, session.today,
                  session.config.staff[0] if session.config.staff else None)
    target = current_plan(ctx, plan)
    status = plan_status(target)
    if json_:
        print_json({"case": session.case_id, "plan": target.id, "status": status, "digest": target.digest,
                    "period": {"start": target.start.isoformat(), "end": target.end.isoformat()}, "data": target.data})
        return
    typer.echo(f"計画 {target.id}  {target.start}〜{target.end}  {target.path}")
    for label, value in status.items():
        typer.echo(f"  {label}: {value or '—'}")
    from .. import checklist as kcl
    from ..model import split_field_path
    from ..schemas import field_label

    checklist = target.data.get("checklist") or {}
    if checklist.get("scores"):
        unknown = checklist.get("unknown") or {}
        shown = "、".join(f"{kcl.DOMAINS[code][0]} {value}" + (f"（{unknown[code]}）" if code in unknown else "")
                         for code, value in checklist["scores"].items() if code in kcl.DOMAINS)
        typer.echo(f"  基本チェックリスト（{checklist.get('date')}）: {shown}")
    for change in target.data.get("amendments") or ():
        where = field_label("plan", split_field_path(change["field"]))
        typer.echo(f"  軽微な変更: {change['date']} {PLAN_AMENDMENT_KINDS.get(change['kind'], change['kind'])}"
                   f"（{where}: {change['old']} → {change['new']}）")


# -- submit, review --------------------------------------------------------------------------------


def submit_hokatsu(case: CaseArg,
                   occasion: Annotated[str, typer.Option("--occasion", help="提出の機会: draft（原案確認）| new-contract | evaluation | renewal | plan-change | level-change | termination | meeting（担当者会議の要点）| route-change（区分の切替）")],
                   paper: Annotated[list[str] | None, typer.Option("--paper", help="紙で渡した書類のコード（usage-ticket・survey-and-opinion など。くり返し指定）")] = None,
                   without: Annotated[list[str] | None, typer.Option("--without", help="今回は渡さなかった紙の書類のコード（くり返し指定）")] = None,
                   day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None,
                   json_: JsonOpt = False) -> None:
    """Hand a packet to the 包括; the documents come from the profile's submission set."""
    occ = parse_choice("--occasion", occasion, review.OCCASIONS)
    papers = tuple(parse_choice("--paper", p, DOCUMENTS) for p in paper or ())
    skipped = tuple(parse_choice("--without", p, DOCUMENTS) for p in without or ())
    session = open_session(casebook, case, today, as_)
    change = session.run(review.submit_to_hokatsu, occasion=occ, day=optional_date(day), papers=papers, without=skipped)
    commit = session.commit(change)
    record = load_fast(next(iter(change.files.values())), "submission")
    for warning in change.warnings:
        typer.echo(f"注意: {warning}", err=True)
    if json_:
        print_json(change_json(commit, session.dated(change), session.root, occasion=occ, path=next(iter(change.files)),
                               handovers=record["handovers"], left_out=list(change.warnings)))
        return
    typer.echo(f"包括へ提出しました（{review.OCCASIONS[occ]}、コミット {commit[:7]}）:")
    for h in record["handovers"]:
        if h.get("original_to"):
            kind = "原本"
        elif h.get("copies_to"):
            kind = "写し"
        else:
            kind = "写しを破棄"
        typer.echo(f"  {DOCUMENTS.get(h['doc'], h['doc'])}【{kind}】{'（紙）' if h.get('paper') else ''}")


def contract_record(case: CaseArg,
                    signed_with: Annotated[str | None, typer.Option("--signed-with", help="利用者が契約した側: hokatsu（包括）| kyotaku（居宅）| both（同時契約）。省略時は委託なら包括、指定なら居宅（同時契約のプロファイルでは両方）")] = None,
                    day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None,
                    json_: JsonOpt = False) -> None:
    """Record the contract papers and who keeps which original (profile's table)."""
    who = parse_choice("--signed-with", signed_with, CONTRACT_PARTIES) if signed_with else None
    session = open_session(casebook, case, today, as_)
    change = session.run(intake.record_contract, day=optional_date(day), signed_with=who)
    commit = session.commit(change)
    record = load_fast(next(iter(change.files.values())), "custody")
    if json_:
        print_json(change_json(commit, session.dated(change), session.root, path=next(iter(change.files)),
                               signed_with=record["signed_with"], handovers=record["handovers"]))
        return
    typer.echo(f"契約を記録しました（コミット {commit[:7]}）:")
    for h in record["handovers"]:
        of = HOLDERS.get(h["ref"].rsplit("#", 1)[-1], "")
        original = HOLDERS.get(h.get("original_to", ""), "—")
        copies = "・".join(HOLDERS.get(c, c) for c in h.get("copies_to", ())) or "なし"
        typer.echo(f"  {DOCUMENTS.get(h['doc'], h['doc'])}（{of}との契約）　原本 {original}　写し {copies}")


def review_plan(case: CaseArg, opinion: Annotated[str, typer.Option("--opinion", help="包括の意見（特になければ空）")] = "",
                plan: PlanOpt = None, day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None,
                as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """The 包括 confirms a plan draft (確認者・確認日・意見)."""
    session = open_session(casebook, case, today, as_)
    change = session.run(review.review_plan, opinion=opinion, day=optional_date(day), plan_id=plan)
    finish_step(session, change, "原案を確認しました", json_)


def review_evaluation(case: CaseArg, opinion: Annotated[str, typer.Option("--opinion", help="包括の意見")] = "",
                      plan: PlanOpt = None, day: DateOpt = None, casebook: CasebookOpt = None,
                      today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """The 包括 confirms an evaluation and returns it as the profile says."""
    session = open_session(casebook, case, today, as_)
    change = session.run(review.review_evaluation, opinion=opinion, day=optional_date(day), plan_id=plan)
    finish_step(session, change, "評価表を確認しました", json_)


# -- meeting, monitoring, notes --------------------------------------------------------------------


def meeting_record(
    case: CaseArg,
    attendee: Annotated[list[str] | None, typer.Option("--attendee", help="出席者「氏名:所属」（くり返し指定）")] = None,
    place: Annotated[str, typer.Option("--place", help="開催場所")] = "",
    hokatsu_attended: Annotated[bool, typer.Option("--hokatsu-attended", help="包括の職員が出席した")] = False,
    file: Annotated[Path | None, typer.Option("--file", help="要点（topics・discussion・conclusion・remaining、開催時間 start_time・end_time）の YAML")] = None,
    day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record a サービス担当者会議 (要点 from --file)."""
    points, _ = yaml_file_option(file, casebook)
    people = []
    for item in attendee or []:
        name, _, affiliation = item.partition(":")
        if not name.strip():
            raise InputError(f"'{item}' に氏名がありません（氏名:所属）", field="--attendee")
        people.append({"name": name.strip(), **({"affiliation": affiliation.strip()} if affiliation.strip() else {})})
    session = open_session(casebook, case, today, as_)
    change = session.run(agreement.record_meeting, day=optional_date(day), attendees=people, place=place,
                         hokatsu_attended=hokatsu_attended,
                         points={k: str(v) for k, v in points.items() if v is not None})
    finish_step(session, change, "担当者会議を記録しました", json_)


def monitor_record(
    case: CaseArg,
    method: Annotated[str, typer.Option("--method", help="方法: visit（居宅訪問）| phone | office（事業所等）| video")],
    state_change: Annotated[bool, typer.Option("--state-change", help="利用者の状態に変化があった")] = False,
    reason: Annotated[str, typer.Option("--reason", help="居宅を訪問できなかった特段の事情（利用者側の事情）")] = "",
    summary: Annotated[str, typer.Option("--summary", help="モニタリングの結果")] = "",
    day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record a monitoring contact in that month's file."""
    how = parse_choice("--method", method, MONITORING_METHODS)
    session = open_session(casebook, case, today, as_)
    ctx = session.context()
    when = optional_date(day) or session.today
    path = session.root / monitoring_path(case_dir(session.case_id), f"{when:%Y-%m}", ctx.actor)
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    change = run(ctx, monitoring.record_monitoring, day=when, method=how, state_change=state_change, reason=reason,
                 summary=summary, existing_text=existing)
    finish_step(session, change, f"モニタリング（{MONITORING_METHODS[how]}）を記録しました", json_)


def note_add(case: CaseArg, text: Annotated[str, typer.Option("--text", help="経過の内容")],
             kind: Annotated[str, typer.Option("--kind", help="種類: general | meeting | minor-change | doctor | special-circumstances | termination | switch | video-agreement（テレビ電話の同意・合意）")] = "general",
             day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Add an entry to the 支援経過記録."""
    what = parse_choice("--kind", kind, NOTE_KINDS)
    session = open_session(casebook, case, today, as_)
    change = session.run(monitoring.add_note, day=optional_date(day), text=text, kind=what)
    finish_step(session, change, "支援経過記録に追加しました", json_)


# -- evaluate, close, attach -----------------------------------------------------------------------


def evaluate(
    case: CaseArg,
    decision: Annotated[str | None, typer.Option("--decision", help="continue（プラン継続）| change（プラン変更）| end（終了）")] = None,
    next_route: Annotated[str | None, typer.Option("--next-route", help="今後の支援: kaigo（介護給付）| yobo（予防給付）| sogo（介護予防・生活支援サービス事業）| ippan（一般介護予防事業）| end（終了）")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="目標ごとの評価（goals: の一覧）と overall_policy の YAML")] = None,
    day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Write the 評価表 of the current plan (goals and periods copied from the plan)."""
    outcomes, _ = yaml_file_option(file, casebook)
    dec = parse_choice("--decision", decision, DECISIONS) if decision else None
    route = parse_choice("--next-route", next_route, NEXT_ROUTES) if next_route else None
    session = open_session(casebook, case, today, as_)
    change = session.run(evaluation.evaluate_plan, day=optional_date(day), outcomes=outcomes, decision=dec, next_route=route)
    finish_step(session, change, "評価表を作成しました", json_)


def case_close(case: CaseArg, reason: Annotated[str, typer.Option("--reason", help="終了の理由")],
               day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Close a case (完結); its retention period counts from this date."""
    session = open_session(casebook, case, today, as_)
    text = read_text(session.root, session.case.file)
    change = session.run(closure.close_case, day=optional_date(day), reason=reason, case_text=text)
    finish_step(session, change, "ケースを終了しました", json_)


def attach(case: CaseArg, doc: Annotated[str, typer.Argument(help="書類のコード（plan・evaluation・contract など）")],
           file: Annotated[Path, typer.Argument(help="スキャンしたファイル")],
           original: Annotated[bool, typer.Option("--original", help="原本のスキャン")] = False,
           copy: Annotated[bool, typer.Option("--copy", help="写しのスキャン")] = False,
           holder: Annotated[str | None, typer.Option("--holder", help="その紙を持っている側: kyotaku | hokatsu | provider | user | town（省略時は自分の事業所）")] = None,
           day: DateOpt = None, casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None,
           json_: JsonOpt = False) -> None:
    """Attach a scan of a paper's 原本 or 写し to the case, with who holds that paper."""
    if original == copy:
        raise InputError("--original か --copy のどちらか一方を指定してください", field="--original")
    code = parse_choice("DOC", doc, DOCUMENTS)
    who = parse_choice("--holder", holder, HOLDERS) if holder else None
    content = read_user_file(file, field="FILE", limit=size_limit(casebook, "attachment_mb"))
    session = open_session(casebook, case, today, as_)
    change = session.run(intake.attach_scan, doc=code, kind="original" if original else "copy",
                         filename=file.name, content=content, day=optional_date(day), holder=who)
    finish_step(session, change, f"{DOCUMENTS[code]}のスキャンを添付しました", json_)




def register(app: typer.Typer, case_app: typer.Typer) -> None:
    checklist_app.command("record", help="基本チェックリストを記録し、得点と事業対象者の判定を表示します。")(checklist_record)
    checklist_app.command("show", help="最新の基本チェックリストの得点と判定を表示します。")(checklist_show)
    info_app.command("set", help="利用者基本情報の新しい版をファイルから保存します。")(info_set)
    info_app.command("edit", help="利用者基本情報を $EDITOR で編集し、新しい版として保存します。")(info_edit)
    info_app.command("show", help="最新の利用者基本情報を表示します。")(info_show)
    plan_app.command("draft", help="介護予防サービス・支援計画書の原案を作ります（ケースの情報から下書き）。最後の行に計画番号を表示します。")(plan_draft)
    plan_app.command("edit", help="同意前の計画を修正します（--file の全文、または $EDITOR）。")(plan_edit)
    plan_app.command("amend", help="同意後の計画に軽微な変更を記録します（変更前は見え消しで残し、経過記録に書きます）。")(plan_amend)
    plan_app.command("agree", help="利用者の同意（署名）を記録します。委託では包括の確認が済んでいることが必要です。")(plan_agree)
    plan_app.command("start", help="サービスの開始日を記録します。")(plan_start)
    plan_app.command("weekly", help="計画の週間計画表（D表）をファイルから保存します（曜日・時間帯・主な日常生活上の活動・週単位以外のサービス）。")(plan_weekly)
    plan_app.command("show", help="計画の内容と進み具合を表示します。")(plan_show)
    submit_app.command("hokatsu", help="包括へ書類を提出した記録（送付状）を作ります。書類はプロファイルの提出書類一覧から。")(submit_hokatsu)
    review_app.command("plan", help="包括が原案を確認します（確認者・確認日・意見）。")(review_plan)
    review_app.command("evaluation", help="包括が評価表を確認し、原本・写しを返します。")(review_evaluation)
    meeting_app.command("record", help="サービス担当者会議を記録します（要点は --file）。")(meeting_record)
    monitor_app.command("record", help="モニタリングを記録します（一月一ファイル）。")(monitor_record)
    note_app.command("add", help="介護予防支援経過記録に一件追加します。")(note_add)
    case_app.command("close", help="ケースを終了します（完結日。保存期間はこの日から）。")(case_close)
    app.command("evaluate", help="評価表を作ります（計画の目標と期間を写し、結果は --file）。")(evaluate)
    app.command("attach", help="書類の原本・写しのスキャンをケースに添付し、その紙をだれが持っているかを記録します。")(attach)
    contract_app.command("record", help="契約書類（重要事項説明書・契約書・個人情報使用同意書・作成依頼届出書）と、原本・写しをだれが持つかを記録します（プロファイルの表から）。")(contract_record)
    for name, sub, text in [("checklist", checklist_app, "基本チェックリストの記録と表示。"),
                            ("info", info_app, "利用者基本情報の作成・修正・表示。"),
                            ("plan", plan_app, "介護予防サービス・支援計画書。"),
                            ("submit", submit_app, "地域包括支援センターへの提出。"),
                            ("review", review_app, "包括による確認。"),
                            ("meeting", meeting_app, "サービス担当者会議。"),
                            ("monitor", monitor_app, "モニタリング。"),
                            ("note", note_app, "介護予防支援経過記録。"),
                            ("contract", contract_app, "契約書類の記録。")]:
        app.add_typer(sub, name=name, help=text)

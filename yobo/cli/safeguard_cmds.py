"""Safeguard commands: ``doctor confirm``, ``equipment check|record``, ``monitor done``.

Each parses its options, calls one step of ``yobo.workflow.safeguards`` and prints;
every write is one commit."""

from __future__ import annotations

from dataclasses import replace

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..loader import load_config
from ..profiles import load_profile
from ..safeguards import DOCTOR_METHODS, EQUIPMENT, EQUIPMENT_SOURCE
from ..workflow import safeguards as steps
from ..workflow.apply import apply_change
from .common import (AsOpt, CaseArg, CasebookOpt, DateOpt, JsonOpt, TodayOpt, change_json, find_casebook, finish_step,
                     hold_casebook, open_session, optional_date, print_json, resolve_actor, resolve_today,
                     yaml_file_option)

doctor_app = typer.Typer(help="主治医の指示（医療系サービスの利用についての意見）の確認。", no_args_is_help=True)
equipment_app = typer.Typer(help="軽度者の福祉用具貸与の例外給付（認定調査による判定・保険者との協議）。", no_args_is_help=True)

ItemOpt = Annotated[str, typer.Option("--item", help="種目: " + "、".join(
    f"{code}（{item.label}）" for code, item in EQUIPMENT.items()))]
SurveyOpt = Annotated[Path | None, typer.Option(
    "--survey-file", help="認定調査の基本調査の結果（YAML: 「1-7: 3」のように項目番号と選択肢の番号）")]


def doctor_confirm(
    case: CaseArg,
    service: Annotated[str, typer.Option("--service", help="医療系サービスの種別（例: 介護予防通所リハビリテーション）")],
    method: Annotated[str, typer.Option("--method", help="確認方法: " + "|".join(DOCTOR_METHODS.values()))],
    doctor: Annotated[str, typer.Option("--doctor", help="主治の医師・歯科医師の氏名")],
    text: Annotated[str, typer.Option("--text", help="意見・指示の内容")] = "",
    day: Annotated[str | None, typer.Option("--date", help="確認日（YYYY-MM-DD）。省略時は今日")] = None,
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record the 主治医's instruction for a 医療系サービス (確認日・確認方法), with its 経過記録 entry."""
    session = open_session(casebook, case, today, as_)
    change = session.run(steps.confirm_doctor, service=service, day=optional_date(day), method=method,
                         doctor=doctor, text=text)
    finish_step(session, change, "主治医の指示の確認を記録しました", json_)


def _survey(path: Path | None, casebook: Path | None) -> dict[str, int] | None:
    if path is None:
        return None
    data, _ = yaml_file_option(path, casebook, mapping=True)
    return steps.parse_survey(data, str(path))


def equipment_check(case: CaseArg, item: ItemOpt, survey_file: SurveyOpt = None,
                    casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Decide from the 基本調査 whether an item is allowed for the level, and say why (exit 1
    when a 協議 is needed and not yet recorded, or the survey is missing)."""
    from ..safeguards import decide_equipment

    session = open_session(casebook, case, today, None, write=False)  # a read: no lock
    code = steps.parse_item(item)
    survey = _survey(survey_file, casebook)
    cert = steps.equipment_level(session.case, session.today)
    if cert is None:
        raise InputError(f"ケース {session.case_id} に認定が記録されていません（yobo cert add）", field="CASE")
    decision = decide_equipment(code, cert.level, survey)
    recorded = [e for e in session.case.equipment if e.item == code and e.cert_start == cert.start]
    plan = session.case.current_plan
    warnings = steps.equipment_warnings(session.case, plan, session.today) if plan is not None else []
    if cert.level == "shien1" and code == "wheelchair" and decision.outcome != "allowed":
        warnings = warnings or ["要支援1 の車いす貸与に、基本調査1-7「3. できない」による確認がありません（seed 002 IV 別紙1 ア）"]
    settled = decision.outcome in ("allowed", "not-applicable") or any(
        e.basis == "survey" or (e.consulted_on and e.confirmed_on) for e in recorded)
    if json_:
        out = decision.to_json()
        out.update({"case": session.case_id, "cert_from": cert.start.isoformat(),
                    "recorded": [{"path": e.path, "basis": e.basis,
                                  "consulted_on": e.consulted_on.isoformat() if e.consulted_on else None,
                                  "confirmed_on": e.confirmed_on.isoformat() if e.confirmed_on else None}
                                 for e in recorded],
                    "warnings": warnings})
        print_json(out)
    else:
        verdict = {"allowed": "貸与できます（協議は不要）", "consultation": "保険者との協議と確認書が必要です",
                   "not-applicable": "例外給付の確認は不要です", "unknown": "判定できません",
                   "excluded": "使えません"}[decision.outcome]
        typer.echo(f"{EQUIPMENT[code].label}（{cert.level}、認定 {cert.start}〜）: {verdict}")
        for reason in decision.reasons:
            typer.echo(f"  {reason}")
        for e in recorded:
            typer.echo(f"  記録: {e.path}（" + ("認定調査で確認" if e.basis == "survey" else
                                              f"協議 {e.consulted_on}、確認書 {e.confirmed_on}") + "）")
        for warning in warnings:
            typer.echo(f"注意: {warning}", err=True)
        typer.echo(f"  出典: {EQUIPMENT_SOURCE}")
    if not settled:
        raise typer.Exit(1)


def equipment_record(
    case: CaseArg, item: ItemOpt,
    consulted_on: Annotated[str | None, typer.Option("--consulted-on", help="保険者と協議した日（YYYY-MM-DD）")] = None,
    confirmed_on: Annotated[str | None, typer.Option("--confirmed-on", help="保険者の確認書の日付（YYYY-MM-DD）")] = None,
    survey_file: SurveyOpt = None, day: DateOpt = None,
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record, for the certification period in force, the survey's confirmation or the 協議 and 確認書."""
    survey = _survey(survey_file, casebook)
    session = open_session(casebook, case, today, as_)
    change = session.run(steps.record_equipment, item=item,
                         consulted_on=optional_date(consulted_on, "--consulted-on"),
                         confirmed_on=optional_date(confirmed_on, "--confirmed-on"), survey=survey,
                         day=optional_date(day))
    finish_step(session, change, "福祉用具の例外給付を記録しました", json_)


def monitor_done(
    code: Annotated[str, typer.Option("--code", help="期限のコード（yobo monitor due --json の code。実績・委託料請求・給付管理・"
                                                     "provider-evaluation・notification-filing）")],
    month: Annotated[str, typer.Option("--month", help="対象の月（YYYY-MM。月次はその月の分、事業所の評価は評価月）。"
                                                       "YYYY-MM..YYYY-MM でまとめて（1か月1ファイル）")],
    case: Annotated[str | None, typer.Option("--case", help="このケースの期限だけ（省略時はケースブック全体の月次の期限）")] = None,
    day: Annotated[str | None, typer.Option("--date", help="済んだ日（YYYY-MM-DD）。省略時は今日")] = None,
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Mark an obligation without a record of its own done (one file, one commit)."""
    if case is not None:
        session = open_session(casebook, case, today, as_)
        change = session.run(steps.mark_case_done, code=code.strip(), month=month, day=optional_date(day))
        months = "、".join(sorted(path.rsplit("/", 1)[-1].split("--")[0] for path in change.files))
        finish_step(session, change, f"{months} の {code} を済みにしました（ケース {session.case_id}）", json_)
        return
    root = find_casebook(casebook)
    # one writer: the mark's file name is chosen from what exists, so the lock comes first
    hold_casebook(root, as_)
    config = load_config(root)
    author = resolve_actor(root, config, as_)
    actor = config.staff_named(author.name)
    change = steps.mark_office_done(config=config, profile=load_profile(config.profile, config.overrides), actor=actor,
                                    today=resolve_today(today), code=code.strip(), month=month, day=optional_date(day),
                                    exists=lambda rel: (root / rel).exists())
    # dated like every step (Yobo-Date:): its --date, else the day it is recorded
    change = replace(change, day=change.day or optional_date(day) or resolve_today(today))
    commit = apply_change(root, change, author)
    if json_:
        print_json(change_json(commit, change, root))
        return
    typer.echo(f"{month} の {code} をケースブック全体で済みにしました（{len(change.files)}件: "
               f"{'、'.join(sorted(change.files))}、コミット {commit[:7]}）")


def register(app: typer.Typer, monitor_app: typer.Typer) -> None:
    app.add_typer(doctor_app, name="doctor")
    app.add_typer(equipment_app, name="equipment")
    doctor_app.command("confirm", help="医療系サービスについて主治医の指示を確認した記録（確認日・確認方法）を作ります。"
                                       "経過記録にも書きます（1コミット）。")(doctor_confirm)
    equipment_app.command("check", help="認定調査の基本調査から、軽度者の福祉用具貸与が例外給付として認められるかを判定し、"
                                        "理由を表示します（協議が必要で未記録なら終了コード 1）。")(equipment_check)
    equipment_app.command("record", help="例外給付の認定調査による確認、または保険者との協議日・確認書の日付を記録します"
                                         "（認定有効期間ごと、1コミット）。")(equipment_record)
    monitor_app.command("done", help="記録が別にない期限（実績・委託料請求・給付管理・事業所の評価・届出書）を済みにします"
                                     "（--case なしはケースブック全体の月次の期限、1コミット）。")(monitor_done)

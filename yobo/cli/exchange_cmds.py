"""``yobo export careplan-data`` and ``yobo import careplan-data``: the ケアプランデータ連携
standard CSV (介護予防).  The work is in ``yobo.careplan_data``; here the options are
parsed, the clock read (the ファイル連番's time) and the result printed."""

from __future__ import annotations

import os
import random
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .common import (AsOpt, CasebookOpt, JsonOpt, TodayOpt, find_casebook, hold_casebook, print_json, read_user_file,
                     read_yaml_file, resolve_actor, resolve_today, size_limit)

export_app = typer.Typer(help="ケースブックの内容を他のシステム向けのファイルに書き出します。", no_args_is_help=True)
import_app = typer.Typer(help="他のシステムのファイルをケースブックに取り込みます。", no_args_is_help=True)

#: 送信元のサービス種類 by the kind of office that keeps the casebook, unless --from-service
#: says otherwise: 46 介護予防支援 (a 包括), 43 居宅介護支援 (a 居宅, as the spec's examples).
DEFAULT_FROM_SERVICE = {"hokatsu": "46", "kyotaku": "43"}

CaseArg = Annotated[str | None, typer.Argument(help="ケース ID（先頭の数文字でも可）。--all のときは省略", show_default=False)]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="計画の番号（P1 など）。省略時は最新の計画（--month があればその月の計画）")]
AllOpt = Annotated[bool, typer.Option("--all", help="すべてのケースの、--month の月に作成・同意・軽微な変更をした計画")]
MonthOpt = Annotated[str | None, typer.Option("--month", help="対象の月 YYYYMM（または YYYY-MM）。その月に作成・同意・軽微な変更をした計画")]
OutOpt = Annotated[Path, typer.Option("--output", "-o", help="書き出すフォルダ（なければ作ります）", show_default=False)]
ToOfficeOpt = Annotated[str, typer.Option("--to-office", help="送信先の事業所番号（10桁）", show_default=False)]
ToServiceOpt = Annotated[str, typer.Option("--to-service", help="送信先のサービス種類コード（2桁、例: 66 介護予防通所リハ、A5 通所型サービス）",
                                           show_default=False)]
FromServiceOpt = Annotated[str | None, typer.Option(
    "--from-service", help="送信元のサービス種類コード（省略時は包括 46、居宅 43）")]
DeleteOpt = Annotated[bool, typer.Option("--delete", help="取り下げ: 計画書の削除（DLTYOBO）と利用者基本情報の削除（DLTKIHON）を書き出します")]
ReplaceOpt = Annotated[Path | None, typer.Option(
    "--replace", help="MS932 にない文字（外字など）の置き換え表（YAML: 「鷗: 鴎」のように1行1文字）")]
TimeOpt = Annotated[str | None, typer.Option(
    "--time", help="ファイル連番の時刻 HHMMSS。省略時は --today/YOBO_TODAY があれば 000000、なければ今の時刻"
                   "（同じフォルダの既存の連番より後になるよう1秒ずつ進めます）")]


def _month(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    found = re.fullmatch(r"(\d{4})-?(\d{2})", text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise InputError(f"'{value}' は年月ではありません（YYYYMM）", field="--month")
    return f"{found.group(1)}-{found.group(2)}"


def _replacements(path: Path | None, casebook: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    from ..careplan_data.csvfile import load_replacements

    data, _ = read_yaml_file(path, casebook, field="--replace", mapping=False)  # the one --file reader
    if not isinstance(data, dict) or not data:
        raise InputError(f"{path} は「元の文字: 置き換える文字」の形で書いてください", field="--replace")
    return load_replacements(data, "--replace")


def export_careplan_data(case: CaseArg = None, plan: PlanOpt = None, all_: AllOpt = False, month: MonthOpt = None,
                         output: OutOpt = ..., to_office: ToOfficeOpt = ..., to_service: ToServiceOpt = ...,
                         from_service: FromServiceOpt = None, delete: DeleteOpt = False, replace: ReplaceOpt = None,
                         today: TodayOpt = None, time: TimeOpt = None, casebook: CasebookOpt = None,
                         json_: JsonOpt = False) -> None:
    """Write the ケアプランデータ連携 CSV set of one plan, or of every plan of a month."""
    from ..careplan_data import export as ex
    from ..careplan_data.csvfile import Route, check_route, make_serial
    from ..casebook import case_dir, resolve_case_id
    from ..loader import case_ids, load_case, load_casebook, load_config, parse_document

    wanted_month = _month(month)
    if all_ and case:
        raise InputError("--all とケース ID は同時に指定できません", field="CASE")
    if all_ and not wanted_month:
        raise InputError("--all には --month YYYYMM が必要です", field="--month")
    if not all_ and not case:
        raise InputError("ケース ID を指定してください（月のすべての計画なら --all --month）", field="CASE")
    if plan and (all_ or wanted_month):
        raise InputError("--plan は --all・--month と同時に指定できません", field="--plan")
    root = find_casebook(casebook)
    config = load_config(root)
    office = dict(parse_document(root, "yobo.yaml")[0]["office"])
    route = Route(config.office_number or "", (from_service or DEFAULT_FROM_SERVICE[config.office_kind]).upper(),
                  to_office.strip(), to_service.strip().upper())
    check_route(route)
    replacements = _replacements(replace, casebook)
    if all_:
        cases = [c for c in load_casebook(root).cases]
    else:
        case_id = resolve_case_id(case, case_ids(root))
        found, problems, _ = load_case(root, case_id, case_dir(case_id))
        if found is None or problems:
            raise InputError(f"ケース {case_id} の文書に問題があります（yobo validate で確認）")
        cases = [found]
    chosen = []
    for c in cases:
        if wanted_month:
            chosen += [(c, p) for p in ex.plans_in_month(c, wanted_month)]
        elif plan:
            found_plan = c.plan(plan.upper())
            if found_plan is None:
                raise InputError(f"ケース {c.id} に計画 {plan} はありません（計画: {'、'.join(p.id for p in c.plans) or 'なし'}）",
                                 field="--plan")
            chosen.append((c, found_plan))
        elif c.current_plan is None:
            raise InputError(f"ケース {c.id} には計画がまだありません", field="CASE")
        else:
            chosen.append((c, c.current_plan))
    if not chosen:
        if json_:
            print_json({"files": [], "serials": [], "replaced": [], "omitted": []})
        else:
            typer.echo(f"{wanted_month} に作成・同意・変更した計画はありません（何も書き出していません）")
        return
    subjects = [ex.subject(root, office, config.office_kind, c, p) for c, p in chosen]
    day = resolve_today(today)
    injected = today or os.environ.get("YOBO_TODAY")
    # the 連番's time: --time, else 000000 on an injected day (a test, a re-run), else the
    # clock — read here at the edge, never in the core
    hms = time or (None if injected else datetime.now().strftime("%H%M%S"))
    taken = ex.serials_taken(output)
    first = make_serial(day, hms, taken)
    serials = [first, make_serial(day, hms, taken | {first})] if delete else [first]
    made = ex.build_set(subjects, route, serials, delete=delete, replacements=replacements)
    written = ex.write_set(output, made)
    if json_:
        print_json({**made.to_json(), "output": str(output), "plans": [{"case": c.id, "plan": p.id} for c, p in chosen]})
        return
    for path in written:
        typer.echo(f"{path}（{made.rows[path.name]}件）")
    for r in made.replaced:
        typer.echo(f"置き換え: {r['item']}: 「{r['char']}」({r['code']}) → 「{r['replacement']}」", err=True)
    for o in made.omitted:
        typer.echo(f"書き出せない記録: {o['where']}: {o['what']}", err=True)
    typer.echo(f"{len(chosen)}件の計画を書き出しました（ファイル連番 {'、'.join(made.serials)}）")


FilesArg = Annotated[list[Path], typer.Argument(help="取り込む CSV ファイル（フォルダならその中の .CSV すべて）", show_default=False)]
ImportCaseOpt = Annotated[str | None, typer.Option("--case", help="取り込み先のケース ID（省略時は被保険者番号で探し、なければ新しいケース）")]


def import_careplan_data(files: FilesArg, case: ImportCaseOpt = None, as_: AsOpt = None, today: TodayOpt = None,
                         casebook: CasebookOpt = None, json_: JsonOpt = False) -> None:
    """Import ケアプランデータ連携 CSV files into the casebook in one commit."""
    from ..careplan_data.importer import plan_import
    from ..casebook import resolve_case_id
    from ..loader import case_ids, load_casebook, load_config, parse_document
    from ..workflow.apply import apply_change

    root = find_casebook(casebook)
    hold_casebook(root, as_)  # one writer: nobody registers the same person while this reads the casebook
    config = load_config(root)
    day = resolve_today(today)
    author = resolve_actor(root, config, as_)
    contents: dict[str, bytes] = {}
    for path in files:
        paths = sorted(p for p in path.iterdir() if p.suffix.upper() == ".CSV") if path.is_dir() else [path]
        for p in paths:
            # regular files only, within limits.file_mb: a FIFO or /dev/zero is refused, not waited on
            contents[p.name] = read_user_file(p, field="FILE", limit=size_limit(casebook, "file_mb"))
    if not contents:
        raise InputError("取り込む CSV ファイルがありません", field="FILE")
    case_id = resolve_case_id(case, case_ids(root)) if case else None
    office = dict(parse_document(root, "yobo.yaml")[0]["office"])
    result = plan_import(root, load_casebook(root, config=config), office, contents, today=day, actor=author.name,
                         case_ref=case_id, rng=random.Random())
    # dated the day it is recorded (Yobo-Date:, shown by yobo log)
    commit = apply_change(root, replace(result.change, day=result.change.day or day), author) if result.change else None
    if json_:
        print_json({**result.to_json(), "commit": commit})
        return
    for c in result.cases:
        what = "新しいケース" if c["new"] else "ケース"
        parts = ([f"利用者基本情報 {c['basic_info'].rsplit('/', 1)[-1]}"] if c["basic_info"] else []) + [
            f"計画 {p}" for p in c["plans"]]
        typer.echo(f"{what} {c['case']}: {'、'.join(parts) or '取り込む文書なし'}")
    for note in result.notes:
        typer.echo(f"注意: {note}", err=True)
    for u in result.unplaced:
        value = f"「{u['value']}」" if u["value"] else ""
        typer.echo(f"取り込めなかった項目: {u['file']}:{u['line']}: {u['item']} {value}（{u['reason']}）".replace("  ", " "))
    if commit:
        typer.echo(f"取り込みました（コミット {commit[:7]}）。取り込めなかった項目 {len(result.unplaced)}件")


def register(app: typer.Typer) -> None:
    export_app.command("careplan-data", help="ケアプランデータ連携（厚労省標準仕様 CSV 202407、介護予防）の利用者基本情報・"
                       "介護予防サービス・支援計画書を書き出します（MS932・CRLF）。")(export_careplan_data)
    import_app.command("careplan-data", help="ケアプランデータ連携の CSV（UPKIHON・UPYOBO と別表）をケースに取り込みます"
                       "（1コミット。取り込めなかった項目を一覧にします）。")(import_careplan_data)
    app.add_typer(export_app, name="export", help="ケースブックの内容を他のシステム向けのファイルに書き出します。")
    app.add_typer(import_app, name="import", help="他のシステムのファイルをケースブックに取り込みます。")

"""``yobo render``: a case's documents as the standard forms (Markdown, HTML, PDF)."""

from __future__ import annotations

import os
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .common import (CasebookOpt, JsonOpt, TodayOpt, find_casebook, open_session, print_json, private_tmp, program_dirs, progress,
                     run_child, stop_on_signals)

FormArg = Annotated[str | None, typer.Argument(
    metavar="FORM", show_default=False,
    help="様式: basic-info、checklist、plan、weekly、meeting、notes、evaluation、request、provisional、"
         "equipment、cover（--all のときは省略）")]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="計画の番号（P1 など）。省略時は最新の計画")]
DateOpt = Annotated[str | None, typer.Option(
    "--date", help="どの日の文書か（基本情報・チェックリスト・会議・送付状）、または記入日（届出書・申出書・聴き取り）。YYYY-MM-DD")]
FormatOpt = Annotated[str | None, typer.Option(
    "--format", "-f", help="出力形式: md、html、pdf（省略時は -o の拡張子から、なければ md）")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="出力先のファイル（--all のときはフォルダ）。省略時は標準出力（pdf は指定が必要）")]
AllOpt = Annotated[bool, typer.Option("--all", help="ケースのすべての文書を -o のフォルダへ出力します")]
OccasionOpt = Annotated[str | None, typer.Option(
    "--occasion", help="送付状の提出の機会（draft、new-contract、evaluation など）。同じ日に二つの提出があるときに選びます")]
PaperOpt = Annotated[str | None, typer.Option("--paper", help="横長の様式（計画書・週間計画表）の用紙: a4 または a3")]
ExpectedOpt = Annotated[str | None, typer.Option(
    "--expected", help="暫定ケアプラン特例取扱い申出書の認定結果の見込み: shien（要支援）または kaigo（要介護）")]
ChangeOpt = Annotated[bool, typer.Option("--change", help="計画作成依頼届出書を変更届として出力します")]
ItemOpt = Annotated[str | None, typer.Option("--item", help="福祉用具貸与の聴き取りに書く福祉用具の種目")]
DiseaseOpt = Annotated[str | None, typer.Option("--disease", help="福祉用具貸与の聴き取りに書く疾病名（発症年月日）")]
BrowserOpt = Annotated[str | None, typer.Option(
    "--browser", envvar="YOBO_CHROMIUM", show_envvar=True,
    help="PDF を作るブラウザ（Chromium・Chrome・Edge）のコマンドか場所（省略時は PATH から、Windows では Edge・Chrome のインストール先も探します）")]


CasesOpt = Annotated[str | None, typer.Option(
    "--cases", help="複数のケースの様式を一度に出力します: ケースIDをカンマで区切って（例: 5MZ2RT,C2VW9F）。-o はフォルダ")]
StaffOpt = Annotated[str | None, typer.Option(
    "--staff", help="この担当者の支援中のケースすべての様式を一度に出力します。-o はフォルダ")]
FormOpt = Annotated[str | None, typer.Option("--form", help="様式（FORM と同じ。--cases・--staff と使うとき向け）")]


def render(case: Annotated[str | None, typer.Argument(
               help="ケース ID（先頭の数文字でも可）。--cases・--staff のときは省略", show_default=False)] = None,
           form: FormArg = None, plan: PlanOpt = None, date: DateOpt = None, format_: FormatOpt = None,
           output: OutputOpt = None, all_: AllOpt = False, occasion: OccasionOpt = None, paper: PaperOpt = None, expected: ExpectedOpt = None,
           change: ChangeOpt = False, item: ItemOpt = None, disease: DiseaseOpt = None, browser: BrowserOpt = None,
           cases: CasesOpt = None, staff: StaffOpt = None, form_opt: FormOpt = None,
           casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Render one form of a case, every form with --all, or one form (or all) of many cases
    with --cases / --staff; PDFs of many forms are printed by one browser."""
    from .. import forms as kforms
    from ..values import parse_date

    many = cases is not None or staff is not None
    if cases is not None and staff is not None:
        raise InputError("--cases と --staff は同時に指定できません", field="--cases")
    if many and case is not None:
        if form is not None:
            raise InputError("--cases・--staff のときはケース ID を書かず、様式だけを指定してください", field="CASE")
        case, form = None, case  # `yobo render --cases A,B plan`: the one word is the form
    if form_opt is not None:
        if form is not None and form != form_opt:
            raise InputError(f"様式が二つ指定されています（{form} と {form_opt}）", field="--form")
        form = form_opt
    if not many and case is None:
        raise InputError("ケース ID を指定してください（複数なら --cases または --staff）", field="CASE")
    fmt = _format(format_, output)
    if paper is not None and paper.lower() not in ("a4", "a3"):
        raise InputError(f"'{paper}' は用紙ではありません（a4 または a3）", field="--paper")
    if expected is not None and expected not in ("shien", "kaigo"):
        raise InputError(f"'{expected}' は見込みではありません（shien または kaigo）", field="--expected")
    options = {"plan": plan, "date": parse_date("--date", date) if date else None,
               "occasion": occasion, "paper": paper.lower() if paper else None, "expected": expected, "change": change,
               "item": item, "disease": disease}
    if all_ and form is not None:
        raise InputError("--all と様式は同時に指定できません", field="FORM")
    if not all_ and form is None:
        raise InputError("様式を指定してください（すべての文書なら --all）", field="FORM")
    chosen = None if all_ else kforms.get_form(form)
    if chosen is not None:
        stray = [name for name, value in options.items() if value not in (None, False) and name not in chosen.options]
        if stray:
            usable = "、".join(f"--{name}" for name in chosen.options) or "なし"
            raise InputError(f"{chosen.code}（{chosen.title}）では使いません（使えるオプション: {usable}）",
                             field=f"--{stray[0]}")
    if (all_ or many) and output is None:
        raise InputError(f"{'--all' if all_ else '--cases・--staff'} には出力先のフォルダ -o が必要です", field="--output")
    if fmt == "pdf" and output is None:
        raise InputError("PDF は -o でファイルを指定してください", field="--output")
    browser_path = None
    if fmt == "pdf":
        from ..pdf import find_browser

        browser_path = find_browser(browser, program_dirs())
    text_format = "md" if fmt == "md" else "html"  # a PDF is printed from the HTML

    # A form is the person's data: a PDF's HTML (and the browser's profile) is staged in
    # the casebook's private .yobo/tmp/, and SIGTERM/SIGHUP/SIGINT remove it on the way out.
    scratch_folder = private_tmp(find_casebook(casebook)) if fmt == "pdf" else nullcontext()
    with stop_on_signals(), scratch_folder as scratch:
        if not many and chosen is not None:
            session = open_session(casebook, case, today, None, write=False)
            text = kforms.render(kforms.Source(session.root, session.config, session.case, options), chosen, text_format)
            if output is None:
                typer.echo(text, nl=False)
                return
            _write(text, output, fmt, browser_path, scratch)
            if json_:
                print_json({"case": session.case_id, "form": chosen.code, "files": [str(output)]})
            else:
                typer.echo(f"{chosen.title}を出力しました: {output}")
            return

        # Every form is rendered first (a form that cannot be rendered stops the run before
        # anything is printed), then written into a staging folder and moved in only when
        # every one printed: a failure leaves no half-filled folder.
        refs = [case] if not many else _cases_of(casebook, cases, staff)
        rendered: list[tuple[Path, str, str, str]] = []
        for ref in refs:
            session = open_session(casebook, ref, today, None, write=False)
            found = session.case
            if chosen is not None:
                instances = [{k: v for k, v in options.items() if k in ("plan", "date", "occasion") and v}]
                pairs = [(chosen, {})]
            else:
                pairs = [(each, instance) for each in kforms.forms().values() for instance in each.instances(found)]
            for each, instance in pairs:
                source = kforms.Source(session.root, session.config, found, {**options, **instance})
                text = kforms.render(source, each, text_format)
                name = kforms.output_name(found, each, instances[0] if chosen is not None else instance, fmt)
                rendered.append((output / name, text, each.title, found.id))
        if output.exists() and not output.is_dir():
            raise InputError(f"{output} はフォルダではありません", field="--output")
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".yobo-render-", dir=output) as staging, \
                progress("様式を出力中") as report, _printer(fmt, browser_path, scratch) as printer:
            for done, (path, text, _, _) in enumerate(rendered):
                report(done, len(rendered))
                if printer is not None:
                    printer.print(text, Path(staging) / path.name)
                else:
                    _write(text, Path(staging) / path.name, fmt, browser_path, scratch)
            for path, _, _, _ in rendered:
                os.replace(Path(staging) / path.name, path)
        if json_:
            if many:
                print_json({"cases": list(dict.fromkeys(c for _, _, _, c in rendered)),
                            "files": [str(p) for p, _, _, _ in rendered]})
            else:
                print_json({"case": rendered[0][3] if rendered else None, "files": [str(p) for p, _, _, _ in rendered]})
            return
        for path, _, title, _ in rendered:
            typer.echo(f"{title}: {path}")
        typer.echo(f"{len(rendered)} 件の様式を出力しました: {output}")


def _cases_of(casebook: Path | None, cases: str | None, staff: str | None) -> list[str]:
    """The case ids ``--cases`` lists (each resolved like CASE), or the active cases of ``--staff``."""
    from ..casebook import resolve_case_id
    from ..loader import case_ids, load_config

    root = find_casebook(casebook)
    if cases is not None:
        known = case_ids(root)
        chosen = [resolve_case_id(ref, known) for ref in cases.split(",") if ref.strip()]
        if not chosen:
            raise InputError("ケース ID をカンマで区切って指定してください", field="--cases")
        return list(dict.fromkeys(chosen))
    from ..index import load_summaries
    from ..profiles import load_profile

    config = load_config(root, validate=False)
    summaries, _ = load_summaries(root, config, load_profile(config.profile, config.overrides))
    chosen = [s.id for s in summaries if s.status == "active" and s.manager == staff]
    if not chosen:
        raise InputError(f"担当者 '{staff}' の支援中のケースはありません", field="--staff")
    return chosen


def _printer(fmt: str, browser: str | None, scratch: Path | None):
    """One browser for every PDF of the run; nothing for Markdown and HTML."""
    from contextlib import nullcontext

    if fmt != "pdf":
        return nullcontext(None)
    from ..pdf import Printer

    return Printer(browser, scratch=scratch)


def _format(requested: str | None, output: Path | None) -> str:
    from ..forms import FORMATS

    fmt = (requested or "").lower()
    if not fmt:
        suffix = output.suffix.lower().lstrip(".") if output is not None and output.suffix else ""
        fmt = {"markdown": "md", "htm": "html"}.get(suffix, suffix) if suffix in (*FORMATS, "markdown", "htm") else "md"
    if fmt not in FORMATS:
        raise InputError(f"'{requested}' は出力形式ではありません（md、html、pdf）", field="--format")
    return fmt


def _write(text: str, path: Path, fmt: str, browser: str | None, scratch: Path | None) -> None:
    """Write one rendered form whole (temporary file, then rename)."""
    if fmt == "pdf":
        from ..pdf import html_to_pdf

        html_to_pdf(text, path, browser=browser, scratch=scratch, run=run_child)
        return
    path = path.resolve()
    if path.is_dir():
        raise InputError(f"{path} はフォルダです（ファイル名を指定してください）", field="--output")
    if not path.parent.is_dir():
        raise InputError(f"フォルダ {path.parent} がありません", field="--output")
    staged = path.with_name(f".{path.name}.yobo-tmp")
    try:
        staged.write_text(text, encoding="utf-8")
        os.replace(staged, path)
    finally:
        if staged.exists():
            staged.unlink()


def register(app: typer.Typer) -> None:
    app.command("render", help="ケースの文書を標準様式（Markdown・印刷用 HTML・PDF）で出力します。")(render)

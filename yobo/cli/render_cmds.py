"""``yobo render``: a case's documents as the standard forms (Markdown, HTML, PDF)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .common import CasebookOpt, JsonOpt, TodayOpt, print_json, program_dirs, progress

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


def render(case: Annotated[str, typer.Argument(help="ケース ID（先頭の数文字でも可）", show_default=False)],
           form: FormArg = None, plan: PlanOpt = None, date: DateOpt = None, format_: FormatOpt = None,
           output: OutputOpt = None, all_: AllOpt = False, occasion: OccasionOpt = None, paper: PaperOpt = None, expected: ExpectedOpt = None,
           change: ChangeOpt = False, item: ItemOpt = None, disease: DiseaseOpt = None, browser: BrowserOpt = None,
           casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Render one form of a case, or every form with --all."""
    from .. import forms as kforms
    from ..values import parse_date
    from .lifecycle_cmds import Session

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
    if all_ and output is None:
        raise InputError("--all には出力先のフォルダ -o が必要です", field="--output")
    if fmt == "pdf" and output is None:
        raise InputError("PDF は -o でファイルを指定してください", field="--output")
    browser_path = None
    if fmt == "pdf":
        from ..pdf import find_browser

        browser_path = find_browser(browser, program_dirs())

    session = Session(casebook, case, today, None)
    root, config, found, case_id = session.root, session.config, session.case, session.case_id
    text_format = "md" if fmt == "md" else "html"  # a PDF is printed from the HTML

    if chosen is not None:
        text = kforms.render(kforms.Source(root, config, found, options), chosen, text_format)
        if output is None:
            typer.echo(text, nl=False)
            return
        _write(text, output, fmt, browser_path)
        if json_:
            print_json({"case": case_id, "form": chosen.code, "files": [str(output)]})
        else:
            typer.echo(f"{chosen.title}を出力しました: {output}")
        return

    # --all: every form is rendered and written into a staging folder first, then moved
    # in, so a form that cannot be rendered (or printed) leaves no half-filled folder.
    rendered: list[tuple[Path, str, str]] = []
    for each in kforms.forms().values():
        for instance in each.instances(found):
            source = kforms.Source(root, config, found, {**options, **instance})
            text = kforms.render(source, each, text_format)
            rendered.append((output / kforms.output_name(found, each, instance, fmt), text, each.title))
    if output.exists() and not output.is_dir():
        raise InputError(f"{output} はフォルダではありません", field="--output")
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".yobo-render-", dir=output) as staging, \
            progress("様式を出力中") as report:
        for done, (path, text, _) in enumerate(rendered):
            report(done, len(rendered))
            _write(text, Path(staging) / path.name, fmt, browser_path)
        for path, _, _ in rendered:
            os.replace(Path(staging) / path.name, path)
    if json_:
        print_json({"case": case_id, "files": [str(p) for p, _, _ in rendered]})
        return
    for path, _, title in rendered:
        typer.echo(f"{title}: {path}")
    typer.echo(f"{len(rendered)} 件の様式を出力しました: {output}")


def _format(requested: str | None, output: Path | None) -> str:
    from ..forms import FORMATS

    fmt = (requested or "").lower()
    if not fmt:
        suffix = output.suffix.lower().lstrip(".") if output is not None and output.suffix else ""
        fmt = {"markdown": "md", "htm": "html"}.get(suffix, suffix) if suffix in (*FORMATS, "markdown", "htm") else "md"
    if fmt not in FORMATS:
        raise InputError(f"'{requested}' は出力形式ではありません（md、html、pdf）", field="--format")
    return fmt


def _write(text: str, path: Path, fmt: str, browser: str | None) -> None:
    """Write one rendered form whole (temporary file, then rename)."""
    if fmt == "pdf":
        from ..pdf import html_to_pdf

        html_to_pdf(text, path, browser=browser)
        return
    path = path.resolve()
    if path.is_dir():
        raise InputError(f"{path} はフォルダです（ファイル名を指定してください）", field="--output")
    if not path.parent.is_dir():
        raise InputError(f"フォルダ {path.parent} がありません", field="--output")
    staged = path.with_name(f".{path.name}.yobo-tmp")
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, path)


def register(app: typer.Typer) -> None:
    app.command("render", help="ケースの文書を標準様式（Markdown・印刷用 HTML・PDF）で出力します。")(render)

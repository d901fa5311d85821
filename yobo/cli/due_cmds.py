"""``yobo monitor due`` (the main job) and ``yobo report monthly``."""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from ..calendar import month_end, month_index
from ..casebook import resolve_case_id
from ..duelist import STATUSES, Query, due_with_index, group_of, select
from ..errors import InputError
from ..loader import case_ids, load_config
from ..profiles import load_profile
from ..vocab import OFFICE_KINDS
from .common import CasebookOpt, JsonOpt, TodayOpt, console, find_casebook, print_json, resolve_today


def _statuses(values: list[str] | None) -> frozenset[str]:
    chosen = set()
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if part not in STATUSES:
                raise InputError(f"'{part}' は使えません（{'、'.join(STATUSES)}）", field="--status")
            chosen.add(part)
    return frozenset(chosen)


def _write(text: str, output: Path | None, *, binary_safe: bool = False) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"{output} に書き込めません（{exc.strerror}）", field="--output") from None
    typer.echo(f"{output} に書き出しました", err=True)


def monitor_due(
    staff: Annotated[str | None, typer.Option("--staff", help="この担当者（または包括の名前）の期限だけ")] = None,
    case: Annotated[str | None, typer.Option("--case", help="このケースの期限だけ（ケースIDの先頭でも可）")] = None,
    within: Annotated[int, typer.Option("--within", min=0, help="何日先までの予定を出すか（期限切れ・対応中は常に出ます）")] = 30,
    status: Annotated[list[str] | None, typer.Option("--status", help="状態で絞り込み: overdue | due | upcoming | excused（くり返し・カンマ区切り可）")] = None,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="overdue: 期限切れがあれば終了コード 1（スクリプト用）")] = None,
    csv_: Annotated[bool, typer.Option("--csv", help="CSV（UTF-8・BOM付き、Excel で開けます）で出力")] = False,
    ics: Annotated[bool, typer.Option("--ics", help="iCalendar（カレンダーに取り込めます）で出力")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="出力先のファイル（省略時は画面）")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="表で担当者ごとに表示する上限（0＝すべて。JSON・CSV・ICS は常に全件）")] = 50,
    casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False,
) -> None:
    """Every deadline of every case: overdue, due now, and coming, per staff member."""
    if fail_on not in (None, "overdue"):
        raise InputError(f"'{fail_on}' は使えません（overdue）", field="--fail-on")
    if sum(map(bool, (csv_, ics, json_))) > 1:
        raise InputError("--json・--csv・--ics はどれか一つにしてください", field="--csv")
    root = find_casebook(casebook)
    day = resolve_today(today)
    config = load_config(root, validate=False)
    profile = load_profile(config.profile, config.overrides)
    query = Query(staff=staff, case=resolve_case_id(case, case_ids(root)) if case else None, within=within,
                  statuses=_statuses(status))

    def prepare(found):
        # selected (and made JSON values) inside due_with_index: on a warm run that
        # happens while git status is still looking at the files
        chosen = select(found, query, today=day)
        return chosen, [d.to_json(day) for d in chosen] if json_ else None

    items, rows = due_with_index(root, config, profile, today=day, within=within, finish=prepare)
    overdue = sum(1 for d in items if d.status(day) == "overdue")
    if json_:
        print_json(rows)
    elif csv_:
        from ..export import to_csv

        _write(to_csv(items, today=day), output)
    elif ics:
        from ..export import to_ics

        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")  # the CLI may read the clock
        _write(to_ics(items, today=day, stamp=stamp), output)
    else:
        _print_table(items, day, config.office_name, limit)
    if fail_on == "overdue" and overdue:
        raise typer.Exit(1)


def _print_table(items, day: date, office: str, limit: int) -> None:
    out = console()
    if not items:
        out.print(f"{day} 時点で期限のあるものはありません")
        return
    from rich.table import Table

    by_staff: dict[str, list] = {}
    for item in items:
        by_staff.setdefault(item.staff or f"{office}（事業所）", []).append(item)
    for staff_name in sorted(by_staff):
        rows = by_staff[staff_name]
        # a terminal table of thousands of rows helps nobody and costs ~1 s to draw (perf-baseline.md §5)
        shown = rows[:limit] if limit else rows
        table = Table(title=f"{staff_name}（{len(rows)} 件）", title_justify="left", box=None,
                      pad_edge=False, show_lines=False)
        for title in ("区分", "期限", "ケース", "氏名", "内容"):
            table.add_column(title, no_wrap=title != "内容")
        last_group = None
        for item in shown:
            group = group_of(item, day)
            label = group if group != last_group else ""
            last_group = group
            style = "bold red" if group == "期限切れ" else None
            detail = item.title + (f"（特段の事情: {item.excused}）" if item.excused else "")
            table.add_row(label, item.due.isoformat(), item.case, item.name, detail, style=style)
        out.print(table)
        if len(shown) < len(rows):
            out.print(f"ほか {len(rows) - len(shown)} 件（--limit 0 ですべて、--csv や --json で一覧）")
        out.print()
    overdue = sum(1 for d in items if d.status(day) == "overdue")
    out.print(f"{day} 時点: 期限切れ {overdue} 件、ほか {len(items) - overdue} 件")


def report_monthly(
    month: Annotated[str, typer.Option("--month", help="対象の月（YYYY-MM）")],
    format_: Annotated[str, typer.Option("--format", help="出力形式: md（Markdown）| html")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="出力先のファイル（省略時は画面）")] = None,
    casebook: CasebookOpt = None, today: TodayOpt = None,
) -> None:
    """The monthly due-list report: deadlines of the month and those overdue, per staff member."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise InputError(f"'{month}' は月として読めません（YYYY-MM）", field="--month") from None
    if format_ not in ("md", "html"):
        raise InputError(f"'{format_}' は使えません（md・html）", field="--format")
    root = find_casebook(casebook)
    day = resolve_today(today)
    config = load_config(root, validate=False)
    profile = load_profile(config.profile, config.overrides)
    last = month_end(month_index(first))
    items = [d for d in select(due_with_index(root, config, profile, today=day), Query(within=None), today=day)
             if first <= d.due <= last or d.status(day) == "overdue"]
    groups: dict[str, list] = {}
    for d in items:
        groups.setdefault(d.staff or f"{config.office_name}（事業所）", []).append({
            "status": STATUSES[d.status(day)], "status_code": d.status(day), "due": d.due.isoformat(), "case": d.case,
            "name": d.name, "title": d.title, "source": d.source, "excused": d.excused})
    from ..render import render_template

    text = render_template(f"report-monthly.{format_}.j2", month_label=f"{year}年{mon}月", office=config.office_name,
                           office_kind=OFFICE_KINDS.get(config.office_kind, config.office_kind), today=day.isoformat(),
                           profile=profile["title"], total=len(items),
                           groups=[{"staff": k, "rows": v} for k, v in sorted(groups.items())])
    _write(text, output)


report_app = typer.Typer(help="報告書の作成。", no_args_is_help=True)


def register(app: typer.Typer, monitor_app: typer.Typer) -> None:
    monitor_app.command("due", help="すべてのケースの期限（期限切れ・対応中・予定）を担当者ごとに一覧にします。--json・--csv・--ics でも出力できます。")(monitor_due)
    report_app.command("monthly", help="月ごとの期限一覧（Markdown または HTML）を作ります。")(report_monthly)
    app.add_typer(report_app, name="report", help="報告書の作成。")

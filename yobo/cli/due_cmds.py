"""``yobo monitor due`` (the main job) and ``yobo report monthly``."""

from __future__ import annotations

import json
import os
import sys
import warnings
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from ..calendar import month_end, month_index
from ..casebook import resolve_case_id
from ..citations import label_source
from ..duelist import Query, due_json, due_listing, due_with_index, select, status_label
from ..errors import CaseNotFound, InputError
from ..loader import case_ids, load_config
from ..profiles import load_profile
from ..rules.due import UNREADABLE
from ..values import WITHIN_DAYS_MAX, check_date_window
from ..vocab import DUE_STATUSES, OFFICE_KINDS, parse_choice
from . import _early
from .common import (CasebookOpt, JsonOpt, TodayOpt, console, console_traits, drawn, find_casebook, json_text,
                     resolve_today)
from .several import CasebooksOpt, WorkspaceOpt, due_several, single_casebook, workspace_members
from .common import table as new_table


def _statuses(values: list[str] | None) -> frozenset[str]:
    chosen = set()
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if part not in DUE_STATUSES:
                choices = "、".join(f"{code}（{name}）" for code, name in DUE_STATUSES.items())
                raise InputError(f"'{part}' は使えません（{choices}）", field="--status")
            chosen.add(part)
    return frozenset(chosen)


@contextmanager
def index_warnings():
    """What the derived index warns about (a ``.yobo/`` committed to git) as one line on
    stderr, once, instead of Python's two-line warning."""
    from ..index import CommittedIndexWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CommittedIndexWarning)
        yield
    said = set()
    for warning in caught:
        if not issubclass(warning.category, CommittedIndexWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        elif str(warning.message) not in said:
            said.add(str(warning.message))
            typer.echo(f"yobo: 注意: {warning.message}", err=True)


def write_output(text: str | bytes, output: Path | None, *, field: str = "--output") -> None:
    """To the screen, or whole to ``output`` (a temporary file beside it, then renamed:
    a calendar or sheet is never left half-written)."""
    if output is None:
        if isinstance(text, bytes):
            _write_raw(text)
        else:
            sys.stdout.write(text)
        return
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    staged = output.with_name(f".{output.name}.yobo-tmp")
    try:
        staged.write_bytes(data)
        os.replace(staged, output)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise InputError(f"{output} に書き込めません（{exc.strerror}）", field=field) from None
    typer.echo(f"{output} に書き出しました", err=True)


def print_bytes(data: bytes) -> None:
    """UTF-8 text, already encoded (a kept answer's), to the screen: as it is where a
    line ends in LF, else through the text stream (which ends lines as the system does)."""
    if os.linesep == "\n" and hasattr(sys.stdout, "buffer"):
        _write_raw(data)
    else:
        sys.stdout.write(data.decode("utf-8"))


def _write_raw(data: bytes) -> None:
    """Bytes to the screen as they are, after whatever the text stream still holds."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def export_stamp() -> datetime:
    """Now, in UTC: the time an export was written (the CLI may read the clock)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def _previous_calendar(output: Path | None):
    """The last export to ``output``, whose events the new one updates or cancels."""
    if output is None or not output.exists():
        return None
    from ..export import read_calendar

    try:
        data = output.read_bytes()
        # an empty file (made beforehand, e.g. to share it) holds no earlier export
        return read_calendar(data, str(output)) if data.strip() else None
    except OSError as exc:
        raise InputError(f"{output} を読めません（{exc.strerror}）", field="--output") from None
    except ValueError as exc:
        raise InputError(str(exc), field="--output") from None


def monitor_due(
    staff: Annotated[str | None, typer.Option("--staff", help="この担当者（または包括の名前）の期限だけ")] = None,
    case: Annotated[str | None, typer.Option("--case", help="このケースの期限だけ（ケースIDの先頭でも可）")] = None,
    party: Annotated[str | None, typer.Option("--party", help="この事業所の仕事だけ: kyotaku（居宅）| hokatsu（包括）。包括の職員を --staff に指定すると hokatsu")] = None,
    within: Annotated[int, typer.Option("--within", min=0, max=WITHIN_DAYS_MAX, help=f"何日先までの予定を出すか（0〜{WITHIN_DAYS_MAX}。期限切れ・要対応は常に出ます）")] = 30,
    status: Annotated[list[str] | None, typer.Option("--status", help="状態で絞り込み: " + "、".join(f"{c}（{n}）" for c, n in DUE_STATUSES.items()) + "（くり返し・カンマ区切り可）")] = None,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="overdue: 期限切れがあれば終了コード 1（スクリプト用）")] = None,
    csv_: Annotated[bool, typer.Option("--csv", help="CSV（UTF-8・BOM付き、Excel で開けます）で出力。= + - @ で始まる文字は先頭に ' を付けます")] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Excel ファイル（.xlsx）をこのファイル名で書き出します（日付は日付、ID は文字列）")] = None,
    ics: Annotated[bool, typer.Option("--ics", help="iCalendar（カレンダーに取り込めます）で出力。-o で前回と同じファイルに書くと、変わった期限は更新、なくなった期限は取り消しになります")] = False,
    names: Annotated[bool, typer.Option("--names", help="--ics に利用者の氏名・担当者名・特段の事情を含めます（個人情報がケースブックの外へ出ます。既定はケースIDと内容だけ）")] = False,
    remind: Annotated[int | None, typer.Option("--remind", min=0, max=WITHIN_DAYS_MAX, help=f"--ics の各予定に、期限のこの日数前の通知（アラーム）を付けます（0〜{WITHIN_DAYS_MAX}）")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="出力先のファイル（省略時は画面）")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="表で担当者ごとに表示する上限（0＝すべて。JSON・CSV・ICS は常に全件）")] = 50,
    casebook: CasebooksOpt = None, workspace: WorkspaceOpt = None, today: TodayOpt = None, json_: JsonOpt = False,
) -> None:
    """Every deadline of every case: overdue, due now, and coming, per staff member."""
    if fail_on not in (None, "overdue"):
        raise InputError(f"'{fail_on}' は使えません（overdue）", field="--fail-on")
    if sum(map(bool, (csv_, xlsx, ics, json_))) > 1:
        raise InputError("--json・--csv・--xlsx・--ics はどれか一つにしてください", field="--csv")
    if (names or remind is not None) and not ics:
        raise InputError("--ics と一緒に使います", field="--names" if names else "--remind")
    if xlsx is not None and output is not None:
        raise InputError("--xlsx にファイル名を指定します（-o は使いません）", field="--output")
    day = resolve_today(today)
    chosen_side = parse_choice("--party", party, OFFICE_KINDS) if party else None
    statuses = _statuses(status)
    members = workspace_members(casebook, workspace)
    holding: list[Path] = []  # of several casebooks, those that hold --case

    # the text of --json, --csv and --ics (a first export) depends on nothing but the
    # items, the day and the options: made case by case and kept (duelist.due_listing);
    # the table's text is kept whole with the console's traits (print_table); the sheet
    # has a clock in it: its items are kept

    def question(root: Path, several: bool):
        config = load_config(root, validate=False)
        profile = load_profile(config.profile, config.overrides)
        who, side = staff, chosen_side
        member = config.staff_named(staff) if staff else None
        if member is not None and member.party == "hokatsu":
            # the 包括's tasks name the center, not a person: a 包括 staff member sees them all
            who, side = None, "hokatsu"
        case_id = None
        if case:
            try:
                case_id = resolve_case_id(case, case_ids(root))
            except CaseNotFound:
                if not several:
                    raise
                return config, profile, None  # of several casebooks, the case is in another one
            holding.append(root)
        return config, profile, Query(staff=who, case=case_id, within=within, statuses=statuses, party=side)

    def collect(root: Path, *, several: bool = False):
        config, profile, query = question(root, several)
        if query is None:
            return [], None, config

        def prepare(found):
            # selected inside due_with_index: on a warm run that happens while git status
            # is still looking at the files
            return select(found, query, today=day), None

        form = "several" if several else "items"
        remember = json.dumps(["monitor-due", form, query.staff, query.case, query.party, sorted(query.statuses)],
                              ensure_ascii=False)
        with index_warnings():
            return (*due_with_index(root, config, profile, today=day, within=within, finish=prepare,
                                    remember=remember, status=None if several else _early.take(root)), config)

    def print_table(root: Path) -> int:
        """The table on the screen; returns the number overdue.  The finished text rich
        writes is kept (index.Answer) with that number, keyed besides the question by
        the office's name and the console's traits (common.console_traits): a warm run
        prints it without rich, as --json prints its kept text."""
        config, profile, query = question(root, False)
        traits = console_traits()

        def prepare(found):
            shown, counts = _table_share(select(found, query, today=day), day, config.office_name, limit)
            if traits is None:  # drawn on the console itself, below
                return shown, counts
            return drawn(lambda out: _print_table(out, shown, counts, day, config.office_name))

        remember = None if traits is None else json.dumps(
            ["monitor-due", "table", limit, query.staff, query.case, query.party, sorted(query.statuses),
             config.office_name, traits], ensure_ascii=False)
        with index_warnings():
            first, second = due_with_index(root, config, profile, today=day, within=within, finish=prepare,
                                           remember=remember, status=_early.take(root),
                                           text_only=traits is not None)
        if traits is None:
            return _print_table(console(), first, second, day, config.office_name)
        sys.stdout.write(second)
        sys.stdout.flush()  # as rich does after each write: a reader gone is noticed here
        return first

    if members is not None:
        def check() -> None:
            if case and not holding:
                raise InputError(f"ケース '{case}' はどのケースブックにもありません（yobo case list で確認できます）",
                                 field="--case")

        due_several(members, collect=lambda root: collect(root, several=True)[::2], day=day, json_=json_, csv_=csv_,
                    xlsx=xlsx, ics=ics, names=names, remind=remind, output=output, limit=limit, fail_on=fail_on,
                    check=check)
        return
    root = find_casebook(single_casebook(casebook))
    previous = _previous_calendar(output) if ics else None
    if json_ or csv_ or (ics and previous is None):
        config, profile, query = question(root, False)
        stamp = export_stamp()
        with index_warnings():
            text, overdue = due_listing(root, config, profile, today=day, query=query,
                                        status=_early.take(root), **_listing_form(day, config, json_, csv_, names, remind))
        if json_:
            print_bytes(text)
        elif csv_:
            write_output(text, output)
        else:
            from ..export import fill_stamp

            write_output(fill_stamp(text, stamp), output)
        if fail_on == "overdue" and overdue:
            raise typer.Exit(1)
        return
    if xlsx is None and not ics:
        overdue = print_table(root)
        if fail_on == "overdue" and overdue:
            raise typer.Exit(1)
        return
    items, _, config = collect(root)
    overdue = sum(1 for d in items if d.status(day) == "overdue")
    if xlsx is not None:
        from ..export import DUE_COLUMNS, due_rows, to_xlsx

        write_output(to_xlsx(DUE_COLUMNS, due_rows(items, day), sheet=f"期限一覧 {day}", stamp=export_stamp()), xlsx, field="--xlsx")
    else:
        from ..export import to_ics

        write_output(to_ics(items, today=day, stamp=export_stamp(), domain=_calendar_domain(config), names=names,
                            remind=remind, previous=previous, title=_calendar_title(config)), output)
    if fail_on == "overdue" and overdue:
        raise typer.Exit(1)


def _calendar_domain(config) -> str:
    return f"{config.office_number}.yobo" if config.office_number else "yobo"


def _calendar_title(config) -> str:
    return f"yobo 期限一覧（{config.office_name}）"


def _listing_form(day: date, config, json_: bool, csv_: bool, names: bool, remind: int | None) -> dict:
    """How ``monitor due`` prints a listing (duelist.due_listing): the form, the text of
    one case's items, and what else the text depends on."""
    from ..pieces import Form, JsonList

    if json_:
        return {"form": JsonList(), "material": "json",
                "fragments": lambda items: [json.dumps(due_json(d, day), ensure_ascii=False) for d in items]}
    if csv_:
        from ..export import DUE_COLUMNS, csv_head, csv_lines, due_rows

        return {"form": Form("csv", csv_head(DUE_COLUMNS)), "material": "csv",
                "fragments": lambda items: csv_lines(DUE_COLUMNS, due_rows(items, day))}
    from ..export import STAMP_SLOT, ics_events, ics_frame

    domain = _calendar_domain(config)
    # a first export (no earlier calendar to update): every event is new, stamped with
    # the export's time, filled in when printed (export.fill_stamp)
    head, tail = ics_frame(_calendar_title(config))
    return {"form": Form("ics", head, b"", tail), "material": json.dumps(["ics", names, remind]),
            "fragments": lambda items: ics_events(items, today=day, stamp=STAMP_SLOT, domain=domain, names=names,
                                                  remind=remind)[0]}


def _table_staff(item, office: str) -> str:
    """Whose table an item is in: its staff member's, else the office's."""
    return item.staff or f"{office}（事業所）"


def _table_share(chosen: list, day: date, office: str, limit: int) -> tuple[list, dict]:
    """What the table draws of ``chosen``: each staff member's first ``limit`` items (all
    with 0), in order, and the number of items each staff member has, the number
    overdue and the total (10,000 cases: 79,000 items, of which the table draws a few
    hundred)."""
    counts: dict[str, int] = {}
    shown = []
    overdue = 0
    for item in chosen:
        who = _table_staff(item, office)
        counts[who] = counts.get(who, 0) + 1
        if not limit or counts[who] <= limit:
            shown.append(item)
        overdue += item.status(day) == "overdue"
    return shown, {"staff": counts, "overdue": overdue, "total": len(chosen)}


def _print_table(out, shown, counts: dict, day: date, office: str) -> int:
    """The table of :func:`_table_share`'s rows and counts on ``out`` (a rich console);
    returns the number overdue."""
    if not counts.get("total"):
        out.print(f"{day} 時点で期限のあるものはありません")
        return 0
    staff_counts = counts["staff"]
    by_staff: dict[str, list] = {name: [] for name in staff_counts}
    for item in shown:
        by_staff[_table_staff(item, office)].append(item)
    for staff_name in sorted(by_staff):
        rows, total = by_staff[staff_name], staff_counts[staff_name]
        # a terminal table of thousands of rows helps nobody and costs ~1 s to draw (perf-baseline.md §5)
        table = new_table("状態", "期限", "ケース", "氏名", "内容", title=f"{staff_name}（{total} 件）",
                          whole=("期限", "ケース"))
        last_group = None
        for item in rows:
            group = item.status(day)
            label = status_label(item, day) if group != last_group else ""
            last_group = group
            style = "bold red" if group == "overdue" else None
            detail = item.title + (f"（特段の事情: {item.excused}）" if item.excused else "") + _waited(item, day)
            due = item.due.isoformat()
            if item.code == UNREADABLE:  # no day of its own: where the file is broken instead
                from rich.markup import escape  # the source holds "[code]", which rich would swallow

                due, detail = "—", escape(f"{item.title}: {item.source}")
            table.add_row(label, due, item.case, item.name, detail, style=style)
        out.print(table)
        if len(rows) < total:
            out.print(f"ほか {total - len(rows)} 件（--limit 0 ですべて、--csv や --json で一覧）")
        out.print()
    overdue = counts["overdue"]
    out.print(f"{day} 時点: 期限切れ {overdue} 件、ほか {counts['total'] - overdue} 件")
    return overdue


def _waited(item, day: date) -> str:
    """How long a 原案 or 評価表 has waited at the 包括 (rules.hokatsu), for the table."""
    from ..rules.hokatsu import waiting_days

    days = waiting_days(item, day)
    return "" if days is None else f"（受け取りから {days} 日）"


def report_monthly(
    month: Annotated[str, typer.Option("--month", help="対象の月（YYYY-MM）")],
    format_: Annotated[str, typer.Option("--format", help="出力形式: md（Markdown）| html")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="出力先のファイル（省略時は画面）")] = None,
    casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False,
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
    check_date_window("--month", first, day)  # a month far from today is a slip (and 9999-12 has no end)
    config = load_config(root, validate=False)
    profile = load_profile(config.profile, config.overrides)
    last = month_end(month_index(first))

    def prepare(found):
        # the whole report is a pure function of the items, the month, the day and
        # yobo.yaml: made beside git status, and kept (index.Answer)
        items = [d for d in select(found, Query(within=None), today=day)
                 if first <= d.due <= last or d.status(day) == "overdue"]
        return None, _monthly_text(items, year, mon, day, config, profile, format_, json_)

    remember = json.dumps(["report-monthly", year, mon, format_, json_])
    with index_warnings():
        _, text = due_with_index(root, config, profile, today=day, finish=prepare, remember=remember,
                                 status=_early.take(root), text_only=True)
    if json_:
        sys.stdout.write(text)
        return
    write_output(text, output)


def _monthly_text(items, year: int, mon: int, day: date, config, profile: dict, format_: str, json_: bool) -> str:
    groups: dict[str, list] = {}
    for d in items:
        groups.setdefault(d.staff or f"{config.office_name}（事業所）", []).append({
            "status": status_label(d, day), "status_code": d.status(day), "case": d.case,
            "due": "—" if d.code == UNREADABLE else d.due.isoformat(),  # no day of its own
            "name": d.name, "title": d.title, "source": label_source(d.source), "excused": d.excused})
    if json_:  # the report's own data, per staff member, for a script or a spreadsheet
        return json_text({"month": f"{year:04d}-{mon:02d}", "office": config.office_name, "today": day.isoformat(),
                          "total": len(items), "groups": [{"staff": k, "rows": v} for k, v in sorted(groups.items())]})
    from ..render import render_template

    return render_template(f"report-monthly.{format_}.j2", month_label=f"{year}年{mon}月", office=config.office_name,
                           office_kind=OFFICE_KINDS.get(config.office_kind, config.office_kind), today=day.isoformat(),
                           profile=profile["title"], total=len(items),
                           groups=[{"staff": k, "rows": v} for k, v in sorted(groups.items())])


report_app = typer.Typer(help="報告書の作成。", no_args_is_help=True)


def register(app: typer.Typer, monitor_app: typer.Typer) -> None:
    monitor_app.command("due", help="すべてのケースの期限を状態（" + "・".join(DUE_STATUSES.values()) + "）と担当者ごとに一覧にします。--json・--csv・--xlsx・--ics でも出力できます。")(monitor_due)
    report_app.command("monthly", help="月ごとの期限一覧（Markdown または HTML）を作ります。")(report_monthly)
    app.add_typer(report_app, name="report", help="報告書の作成。")

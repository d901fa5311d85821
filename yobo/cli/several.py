"""Several casebooks in one run: ``monitor due``, ``case list`` and ``sync`` with ``-C``
repeated or ``--workspace FILE`` (the file's format: :mod:`yobo.workspace`).

One casebook keeps the usual output; with several, each row carries its casebook's
label (table column 「ケースブック」, JSON ``casebook``, CSV column, calendar category),
a casebook that cannot be opened is a problem row, and the exit code is the worst of
all the casebooks'.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Callable

import typer

from ..errors import InputError, YoboError
from ..workspace import Member, members_from_options, parse_workspace, unreadable_case_row, unreadable_casebook, worst_exit

CasebooksOpt = Annotated[
    list[Path] | None,
    typer.Option("--casebook", "-C", help="ケースブックのフォルダ（くり返すと複数のケースブックをまとめて。"
                 "省略時は YOBO_CASEBOOK、なければ現在のフォルダから上へ探します）"),
]
WorkspaceOpt = Annotated[
    Path | None,
    typer.Option("--workspace", help="まとめて見るケースブックの一覧（YAML。「- path: フォルダ」と「label: 名前」の並び）。"
                 "各行にケースブックの名前が付きます"),
]


def single_casebook(casebooks: list[Path] | None) -> Path | None:
    """The one casebook of a command run the usual way: ``-C`` or ``YOBO_CASEBOOK``
    (None: the current folder and upwards)."""
    if casebooks:
        return casebooks[0]
    given = os.environ.get("YOBO_CASEBOOK")
    return Path(given) if given else None


def workspace_members(casebooks: list[Path] | None, workspace: Path | None) -> list[Member] | None:
    """The casebooks of a run over several, or None when the run is over one (``-C``
    given at most once and no ``--workspace``)."""
    if workspace is None and len(casebooks or ()) <= 1:
        return None
    members: list[Member] = []
    if workspace is not None:
        from .common import read_yaml_file

        data, text = read_yaml_file(workspace, None, field="--workspace", mapping=False)
        members += parse_workspace(data, text, workspace, home=Path.home())
    members += members_from_options(list(casebooks or ()))
    labels = [m.label for m in members]
    for member in members:
        if labels.count(member.label) > 1:
            raise InputError(f"ケースブックの名前「{member.label}」が二つあります（ワークスペースの label で別の名前を"
                             "付けてください）", field="--casebook")
    return members


def open_member(member: Member) -> Path:
    """The casebook's root (a half-done step completed or rolled back, as for one casebook)."""
    from .common import find_casebook

    return find_casebook(member.path)


def each(members: list[Member], work: Callable[[Member, Path], int]) -> tuple[list[tuple[Member, str]], int]:
    """``work(member, root)`` for every casebook; one that cannot be opened or read
    (no folder, no yobo.yaml, a broken yobo.yaml, git failing…) is collected as
    (member, message) instead of stopping the others.  Returns those and the worst
    exit code (a casebook that cannot be read counts as a problem found: 1)."""
    failed: list[tuple[Member, str]] = []
    codes: list[int] = []
    for member in members:
        try:
            codes.append(work(member, open_member(member)))
        except YoboError as exc:
            failed.append((member, str(exc)))
            codes.append(1 if exc.exit_code == 2 else max(1, exc.exit_code))
        except OSError as exc:
            failed.append((member, f"読めません（{exc.strerror or exc}）"))
            codes.append(1)
    return failed, worst_exit(codes)


# -- monitor due ------------------------------------------------------------------------------------------

LABEL_COLUMN = "ケースブック"


def due_several(members: list[Member], *, collect, day, json_: bool, csv_: bool, xlsx: Path | None, ics: bool,
                names: bool, remind: int | None, output: Path | None, limit: int, fail_on: str | None,
                check: Callable[[], None] | None = None) -> None:
    """``monitor due`` over several casebooks.  ``collect(root)`` returns one casebook's
    selected items and its config (the single-casebook selection, unchanged); ``check()``
    runs once all are read, before anything is printed (it may refuse the input)."""
    from ..duelist import due_json
    from ..rules.due import UNREADABLE_DUE
    from ..vocab import DUE_STATUSES

    labelled: list[tuple[str, object]] = []

    def work(member: Member, root: Path) -> int:
        items, _ = collect(root)
        labelled.extend((member.label, d) for d in items)
        return 1 if fail_on == "overdue" and any(d.status(day) == "overdue" for d in items) else 0

    failed, code = each(members, work)
    if check is not None:
        check()
    problems = [(m.label, unreadable_casebook(m, message)) for m, message in failed]
    # merged in the one-casebook order (status, day, staff, case), then by casebook; a casebook
    # that cannot be read heads the list (overdue from the start)
    order = {code: i for i, code in enumerate(DUE_STATUSES)}
    labelled.sort(key=lambda pair: (order.get(pair[1].status(day), len(order)), pair[1].due, pair[1].staff,
                                    pair[0], pair[1].case, pair[1].code))
    rows = problems + labelled
    if json_:
        from .common import print_json

        print_json([{"casebook": label, **due_json(d, day)} for label, d in rows])
    elif csv_ or xlsx is not None:
        from ..export import DUE_COLUMNS, Column, due_rows, to_csv, to_xlsx
        from .due_cmds import export_stamp, write_output

        columns = [Column(LABEL_COLUMN, "text", 20), *DUE_COLUMNS]
        table = [(label, *row) for (label, _), row in zip(rows, due_rows([d for _, d in rows], day))]
        if csv_:
            write_output(to_csv(columns, table), output)
        else:
            write_output(to_xlsx(columns, table, sheet=f"期限一覧 {day}", stamp=export_stamp()), xlsx, field="--xlsx")
    elif ics:
        from ..export import to_ics
        from .due_cmds import _previous_calendar, export_stamp, write_output

        write_output(to_ics([d for _, d in rows], today=day, stamp=export_stamp(), names=names, remind=remind,
                            previous=_previous_calendar(output), title="yobo 期限一覧（複数のケースブック）",
                            casebooks=[label for label, _ in rows]), output)
    else:
        _due_table(rows, day, limit, UNREADABLE_DUE)
    if code:
        raise typer.Exit(code)


def _due_table(rows, day, limit: int, no_day) -> None:
    from rich.markup import escape

    from ..duelist import status_label
    from ..rules.due import UNREADABLE
    from ..workspace import UNREADABLE_CASEBOOK
    from .common import console
    from .due_cmds import _waited
    from .common import table as new_table

    out = console()
    if not rows:
        out.print(f"{day} 時点で期限のあるものはありません")
        return
    by_staff: dict[str, list] = {}
    for label, item in rows:
        who = "開けないケースブック" if item.code == UNREADABLE_CASEBOOK else (item.staff or "事業所")
        by_staff.setdefault(who, []).append((label, item))
    order = sorted(by_staff, key=lambda k: (k != "開けないケースブック", k))
    for who in order:
        group = by_staff[who]
        shown = group[:limit] if limit else group
        table = new_table("状態", "期限", LABEL_COLUMN, "ケース", "氏名", "内容", title=f"{who}（{len(group)} 件）",
                          whole=("期限", "ケース"))
        last = None
        for label, item in shown:
            status = item.status(day)
            state = status_label(item, day) if status != last else ""
            last = status
            detail = item.title + (f"（特段の事情: {item.excused}）" if item.excused else "") + _waited(item, day)
            due = item.due.isoformat()
            if item.code in (UNREADABLE, UNREADABLE_CASEBOOK) or item.due == no_day:
                due, detail = "—", f"{item.title}: {item.source}"
            table.add_row(state, due, escape(label), item.case, item.name, escape(detail),
                          style="bold red" if status == "overdue" else None)
        out.print(table)
        if len(shown) < len(group):
            out.print(f"ほか {len(group) - len(shown)} 件（--limit 0 ですべて、--csv や --json で一覧）")
        out.print()
    overdue = sum(1 for _, d in rows if d.status(day) == "overdue")
    books = len({label for label, _ in rows})
    out.print(f"{day} 時点（ケースブック {books} 冊）: 期限切れ {overdue} 件、ほか {len(rows) - overdue} 件")


# -- case list --------------------------------------------------------------------------------------------


def cases_several(members: list[Member], *, collect, json_: bool, csv_: bool, xlsx: Path | None,
                  output: Path | None, render_table) -> None:
    """``case list`` over several casebooks: ``collect(root)`` gives one casebook's rows
    (already filtered); ``render_table(rows, label_of)`` prints the table."""
    rows: list[dict] = []

    def work(member: Member, root: Path) -> int:
        found, unreadable = collect(root)
        rows.extend({"casebook": member.label, **r} for r in found)
        return 0

    failed, code = each(members, work)
    rows = [unreadable_case_row(m, message) for m, message in failed] + rows
    if json_:
        from .common import print_json

        print_json(rows)
    elif csv_ or xlsx is not None:
        from ..export import CASE_COLUMNS, Column, case_rows, to_csv, to_xlsx
        from .due_cmds import export_stamp, write_output

        columns = [Column(LABEL_COLUMN, "text", 20), Column("委託先・担当の居宅", "text", 20), *CASE_COLUMNS]
        readable = [r for r in rows if r["id"] is not None]
        table = [(r["casebook"], r["office"], *row) for r, row in zip(readable, case_rows(readable))]
        table = [(r["casebook"], None, None, None, None, None, None, None, None, None, None, None,
                  f"読めません（{r['problems'][0]}）") for r in rows if r["id"] is None] + table
        if csv_:
            write_output(to_csv(columns, table), output)
        else:
            write_output(to_xlsx(columns, table, sheet="ケース一覧", stamp=export_stamp()), xlsx, field="--xlsx")
    else:
        render_table(rows)
    if code:
        raise typer.Exit(code)


# -- sync -------------------------------------------------------------------------------------------------


def sync_several(members: list[Member], *, status_only: bool, json_: bool) -> None:
    """``sync`` (or ``sync --status``) of every casebook in turn: one that fails (a
    conflict, a refused push, no remote…) is reported and the others still sync."""
    from ..sharing import sync as syncing
    from .common import print_json

    results: list[dict] = []

    def work(member: Member, root: Path) -> int:
        try:
            if status_only:
                results.append({"casebook": member.label, "ok": True, "status": syncing.status(root)})
                return 0
            results.append({"casebook": member.label, "ok": True, "result": syncing.sync(root).to_json()})
            return 0
        except (syncing.SyncConflict, syncing.PushRefused) as exc:
            results.append({"casebook": member.label, "ok": False, "error": exc.message})
            return 1

    failed, code = each(members, work)
    results = [{"casebook": m.label, "ok": False, "error": f"{m.origin}: {message}"} for m, message in failed] + results
    if json_:
        print_json(results)
    else:
        for row in results:
            label = row["casebook"]
            if not row["ok"]:
                typer.echo(f"[{label}] 同期できません: {row['error']}", err=True)
            elif status_only:
                info = row["status"]
                typer.echo(f"[{label}] {info['remote']}/{info['branch']}: こちらが {info['ahead']} 件進み、"
                           f"{info['behind']} 件遅れています")
            else:
                info = row["result"]
                typer.echo(f"[{label}] 同期しました（受信 {info['received']} 件、送信 {info['sent']} 件）")
        bad = sum(1 for r in results if not r["ok"])
        typer.echo(f"ケースブック {len(results)} 冊: 同期できないもの {bad} 冊" if bad else
                   f"ケースブック {len(results)} 冊を同期しました", err=bool(bad))
    if code:
        raise typer.Exit(code)

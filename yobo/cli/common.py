"""Options shared by every command, defined once, and the edge services only the
CLI may use: environment variables, the current directory and the clock."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import casebook as layout
from .. import gitstore
from ..errors import InputError
from ..model import Config
from ..values import parse_date

CasebookOpt = Annotated[
    Path | None,
    typer.Option("--casebook", "-C", envvar="YOBO_CASEBOOK", show_envvar=True,
                 help="ケースブックのフォルダ（省略時は現在のフォルダから上へ探します）"),
]
TodayOpt = Annotated[
    str | None,
    typer.Option("--today", envvar="YOBO_TODAY", show_envvar=True,
                 help="今日の日付として扱う日（YYYY-MM-DD）。省略時はコンピュータの日付"),
]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", envvar="YOBO_STAFF", show_envvar=True,
                 help="操作する職員の氏名（コミットの作成者）。省略時は git の user.name"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="結果を JSON で出力します")]


def find_casebook(casebook: Path | None) -> Path:
    """``--casebook`` / ``YOBO_CASEBOOK``, else the current folder and upwards."""
    if casebook is not None:
        return layout.open_root(casebook)
    return layout.find_root(Path.cwd())


def resolve_today(today: str | None) -> date:
    """The injected date; the clock is read here, at the edge, and nowhere else."""
    if today:
        return parse_date("--today", today)
    return date.today()


def resolve_actor(root: Path, config: Config | None, requested: str | None,
                  registered: tuple[str, ...] = ()) -> gitstore.Identity:
    """Who is acting: ``--as`` / ``YOBO_STAFF``, else git's user.name; must be registered staff."""
    git_name = gitstore.config_get(root, "user.name") if root.exists() else None
    name = (requested or "").strip() or git_name
    staff_names = [s.name for s in config.staff] if config else list(registered)
    if not name:
        raise InputError("操作する職員を --as 氏名 か環境変数 YOBO_STAFF で指定してください", field="--as")
    if staff_names and name not in staff_names:
        shown = "、".join(staff_names[:8])
        origin = "" if requested else "（git の user.name）"
        raise InputError(f"'{name}'{origin} は職員に登録されていません。登録済みの氏名（{shown}）を --as か YOBO_STAFF で指定してください",
                         field="--as")
    staff = config.staff_named(name) if config else None
    email = (staff.email if staff else None) or (gitstore.config_get(root, "user.email") if root.exists() else None)
    return gitstore.Identity(name=name, email=email or "yobo@localhost", signing_key=signing_key(root, staff))


def signing_key(root: Path, staff) -> str | None:
    """The private SSH key a staff member with a registered public key signs with:
    ``YOBO_SIGNING_KEY``, else git's ``user.signingKey`` (their own machine's setting)."""
    if staff is None or not getattr(staff, "ssh_key", None):
        return None
    key = os.environ.get("YOBO_SIGNING_KEY") or (gitstore.config_get(root, "user.signingKey") if root.exists() else None)
    if not key:
        return None
    path = Path(os.path.expanduser(key))
    if not path.is_file():
        raise InputError(f"署名用の秘密鍵 {path} がありません（YOBO_SIGNING_KEY か git の user.signingKey を確かめてください）",
                         field="YOBO_SIGNING_KEY")
    return str(path)


def change_json(commit: str, change, root: Path, **extra) -> dict:
    """What a write command prints with ``--json``: the commit, the case and the files it
    wrote (casebook-relative), and the step's date."""
    return {"commit": commit, "case": change.case_id, "step": change.step,
            "date": change.day.isoformat() if change.day else None, "casebook": str(root),
            "files": sorted(change.files), **extra}


def print_json(data: Any) -> None:
    """Indented JSON; a long list is written compact instead (json's C encoder: 30,000 due
    items take well under 0.1 s instead of 0.8 s indented)."""
    if isinstance(data, list) and len(data) > 100:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


#: The width of redirected output (cron mail, ``> due.txt``): wide enough that no
#: line is ever wrapped or cut; rich pads nothing beyond a table's own width.
UNLIMITED_WIDTH = 100_000


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


class _TrimmedLines:
    """A file for rich that drops the spaces rich pads table cells and titles with, so
    redirected output has no trailing blanks (no colour codes are written there)."""

    def __init__(self, stream):
        self.stream = stream
        self.pending = ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        if lines:
            self.stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.stream.write(self.pending.rstrip(" "))
            self.pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return False


def terminal_width() -> int | None:
    """``COLUMNS`` when set; None (rich asks the terminal) on a terminal; no limit otherwise."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if _is_terminal(sys.stdout) else UNLIMITED_WIDTH


#: Japanese line breaking (a light 禁則処理): a line may break between any two Japanese
#: characters, but not before closing punctuation nor after an opening bracket.
_CJK = "\u3001-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60\uffe0-\uffe6"
_OPENING = "（「『【〔［｛〈《"
_CLOSING = "、。，．）」』】〕］｝〉》！？：；ー〜～…・"
_JAPANESE_WORD = re.compile(rf"\s*[{_OPENING}]*(?:[{_CJK}]|[^\s{_CJK}]+)[{_CLOSING}]*\s*")


def _japanese_words(text: str):
    """rich's ``words`` (start, end, word) with every Japanese character a word of its own:
    Japanese has no spaces, so rich would otherwise treat a whole sentence as one word and
    move it to a line of its own, or fold it mid-number."""
    position = 0
    match = _JAPANESE_WORD.match(text, position)
    while match is not None and match.end() > position:
        yield match.start(), match.end(), match.group(0)
        position = match.end()
        match = _JAPANESE_WORD.match(text, position)


def japanese_line_breaking() -> None:
    """Teach rich (pinned below 16 in pyproject.toml) to break lines the Japanese way, for
    tables and for --help alike.  Called by the CLI only, before anything is printed."""
    from rich import _wrap

    _wrap.words = _japanese_words


def console():
    """The console tables and lines are printed on: folded to the terminal's width, never
    cut; redirected output is not limited at all."""
    # rich is imported on first use so a --json run does not pay for it.
    from rich.console import Console

    japanese_line_breaking()

    if _is_terminal(sys.stdout):
        return Console(width=terminal_width(), highlight=False)
    return Console(width=terminal_width(), highlight=False, file=_TrimmedLines(sys.stdout), soft_wrap=False)


#: The least width (in cells, two Japanese characters) a folding column is squeezed to.
FOLD_LEAST = 4


def table(*columns: str, title: str | None = None, whole: tuple[str, ...] = ()):
    """A borderless table whose cells fold at the column's width: a long Japanese cell
    (no spaces to wrap at) is broken over lines, never ended in 「…」.  Columns named in
    ``whole`` (ids, dates) are short and kept on one line; the others give way."""
    from rich.table import Table
    from rich.text import Text

    class FoldingTable(Table):
        def __rich_console__(self, console, options):
            # Narrower than the table's least width, rich would squeeze columns to
            # nothing; each row is then printed as 「見出し: 値」 lines instead.
            if self._least_width() <= options.max_width:
                yield from super().__rich_console__(console, options)
                return
            if self.title:
                yield Text(str(self.title), overflow="fold")
            for row in range(self.row_count):
                for column in self.columns:
                    cell = column._cells[row]
                    if str(cell):
                        yield Text(f"{column.header}: {cell}", overflow="fold")
                yield Text("")

        def _least_width(self) -> int:
            """Whole columns at full width, the others two characters wide, and the gaps."""
            from rich.cells import cell_len

            widths = [max(cell_len(str(c)) for c in (column.header, *column._cells)) if column.no_wrap
                      else FOLD_LEAST for column in self.columns]
            return sum(widths) + 2 * (len(widths) - 1)

    shown = FoldingTable(title=title, title_justify="left", box=None, pad_edge=False, show_lines=False)
    for name in columns:
        shown.add_column(name, overflow="fold", no_wrap=name in whole)
    return shown


#: What the core receives to report progress: ``report(done, total)``.
ProgressFn = Callable[[int, int], None]

#: A bar appears only once work has gone on this long, so quick runs stay quiet.
PROGRESS_DELAY = 0.5


def _no_progress(done: int, total: int) -> None:
    """Progress reporting for a run whose stderr is not a terminal: nothing."""


@contextmanager
def progress(description: str) -> Iterator[ProgressFn]:
    """A progress bar on stderr for long work, as a plain ``report(done, total)`` callable
    the core calls (the core never imports rich).  Silent when stderr is not a terminal;
    the bar appears after :data:`PROGRESS_DELAY` seconds and is removed when done."""
    if not _is_terminal(sys.stderr):
        yield _no_progress
        return
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(description, total=None)
    started_at, shown = time.monotonic(), False

    def report(done: int, total: int) -> None:
        nonlocal shown
        bar.update(task, completed=done, total=total)
        if not shown and time.monotonic() - started_at >= PROGRESS_DELAY:
            bar.start()
            shown = True

    try:
        yield report
    finally:
        if shown:
            bar.stop()


def program_dirs() -> tuple[Path, ...]:
    """Where Windows installs programs (%ProgramFiles%, %ProgramFiles(x86)%, the user's
    %LOCALAPPDATA%): the PDF step looks for Edge and Chrome there.  Empty elsewhere."""
    names = ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432", "LOCALAPPDATA")
    return tuple(dict.fromkeys(Path(os.environ[n]) for n in names if os.environ.get(n)))


def editor_command(editor: str, *, windows: bool = os.name == "nt") -> list[str]:
    """$VISUAL/$EDITOR as a command line.  POSIX shells quote with backslashes; on Windows a
    backslash is the path separator (``C:\\Program Files\\…``) and only double quotes group."""
    import shlex

    if not windows:
        return shlex.split(editor)
    parts = shlex.split(editor, posix=False)
    return [p[1:-1] if len(p) >= 2 and p[0] == p[-1] == '"' else p for p in parts]


def plan_status(plan) -> dict:
    """The plan's steps with their dates (Japanese labels), for show commands."""
    confirmed = [r for r in plan.reviews if r.plan_digest == plan.digest]
    return {
        "作成": plan.created_on.isoformat(),
        "包括の原案確認": (confirmed[-1].date.isoformat() + f"（{confirmed[-1].reviewer}）") if confirmed else (
            "確認後に変更あり" if plan.reviews else ""),
        "担当者会議": "、".join(m.date.isoformat() for m in plan.meetings),
        "同意": plan.consent.date.isoformat() if plan.consent else "",
        "サービス開始": plan.service_start.isoformat() if plan.service_start else "",
        "評価": plan.evaluation.date.isoformat() if plan.evaluation else "",
        "包括の評価確認": plan.evaluation_review.date.isoformat() if plan.evaluation_review else "",
    }

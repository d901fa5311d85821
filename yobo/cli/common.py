"""Options shared by every command, defined once, and the edge services only the
CLI may use: environment variables, the current directory and the clock."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import casebook as layout
from .. import gitstore
from ..errors import DocumentError, InputError, Source, YoboError
from ..model import Config
from ..values import bad_char, describe_char, parse_date, printable
# Japanese line breaking lives in .linebreak: ``yobo --help`` uses it without importing this module
from .linebreak import japanese_line_breaking

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
CaseArg = Annotated[str, typer.Argument(help="ケースID（先頭の数文字でも可）")]
DateOpt = Annotated[str | None, typer.Option("--date", help="この手順の日付（YYYY-MM-DD）。省略時は今日")]


def find_casebook(casebook: Path | None) -> Path:
    """``--casebook`` / ``YOBO_CASEBOOK``, else the current folder and upwards.

    Every command opens its casebook here, so this is where a step a killed process
    left half-done is completed or rolled back (``yobo.workflow.journal``), with one
    line on stderr saying which."""
    root = layout.open_root(casebook) if casebook is not None else layout.find_root(Path.cwd())
    from ..workflow.journal import pending

    if pending(root):  # one stat when nothing was interrupted
        from ..workflow.lock import recover_if_free

        recover_if_free(root, notice)
    return root


def notice(message: str) -> None:
    """A one-line Japanese notice on stderr (stdout stays clean for --json)."""
    sys.stderr.write(f"yobo: 注意: {message}\n")


#: Seconds a write step waits for another one to finish (``YOBO_LOCK_TIMEOUT``).
LOCK_TIMEOUT_VAR = "YOBO_LOCK_TIMEOUT"
#: Test aid, not for users: the name of a checkpoint of a write step
#: (``yobo.workflow.lock.CHECKPOINTS``) where the process kills itself (SIGKILL), so
#: the crash tests can stop a step at an exact point.
FAULT_VAR = "YOBO_FAULT"


def _lock_wait() -> float:
    from ..workflow.lock import DEFAULT_WAIT

    raw = os.environ.get(LOCK_TIMEOUT_VAR, "").strip()
    if not raw:
        return DEFAULT_WAIT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise InputError(f"'{raw}' は待ち時間の秒数（0〜3600）ではありません", field=LOCK_TIMEOUT_VAR)
    return value


def _fault_checkpoint():
    """The YOBO_FAULT test aid as a checkpoint callback (None when unset)."""
    wanted = os.environ.get(FAULT_VAR, "").strip()
    if not wanted:
        return None

    def checkpoint(point: str) -> None:
        if point == wanted:
            import signal

            sys.stdout.flush()
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

    return checkpoint


def _request_key(actor: str | None) -> str | None:
    """A fingerprint of this command: its path, every option as given (a file option by
    its path, size and time), the acting staff member and the day.  The same command run again
    after a step was killed past its commit is recognised by it (no duplicate record)."""
    import hashlib

    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    # The day counts too: the same note on another day is another record, not a retry.
    parts = [ctx.command_path, actor or "", resolve_today(ctx.params.get("today")).isoformat()]
    for name, value in sorted(ctx.params.items()):
        if name in ("casebook", "json_"):
            continue
        if isinstance(value, Path) and value.is_file():
            st = value.stat()
            value = f"{value.resolve()}|{st.st_size}|{st.st_mtime_ns}"
        parts.append(f"{name}={value!r}")
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def hold_casebook(root: Path, as_: str | None) -> None:
    """Take the casebook's write lock for the rest of this command, before it reads
    anything it will decide on (``yobo.workflow.lock``).  Waits YOBO_LOCK_TIMEOUT
    seconds (default 10) for another writer, then refuses naming who holds it."""
    from datetime import datetime

    import click

    from ..workflow import lock

    actor = (as_ or "").strip() or gitstore.config_get(root, "user.name")
    holder = lock.Holder(staff=actor, started=datetime.now().astimezone().isoformat(timespec="seconds"))
    wait = _lock_wait()
    manager = lock.hold(root, holder=holder, wait=wait, checkpoint=_fault_checkpoint(),
                        request=_request_key(actor), notify=notice)
    try:
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.with_resource(manager)  # let go when the command has finished and printed
        else:  # called outside a command (a script): held until the process ends
            import atexit
            from contextlib import ExitStack

            stack = ExitStack()
            stack.enter_context(manager)
            atexit.register(stack.close)
    except lock.LockBusy as exc:
        raise InputError(f"{exc.message}（待ち時間は環境変数 {LOCK_TIMEOUT_VAR} で変えられます）") from None
    except lock.AlreadyRecorded as exc:
        notice(exc.message)
        ctx = click.get_current_context(silent=True)
        if ctx is not None and ctx.params.get("json_"):
            done = exc.recovery
            print_json({"already_recorded": True, "step": done.step, "case": done.case, "commit": done.commit})
        raise typer.Exit(0) from None


#: The dates ``--today`` may be: from the start of 介護保険 (April 2000) to the end of the
#: century (a clock or a script gone wrong, never a working day).
TODAY_RANGE = (date(2000, 4, 1), date(2099, 12, 31))


def _option_source(name: str) -> str:
    """``YOBO_TODAY``-style name when the value came from the environment, else the option."""
    import click
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.get_parameter_source(name) == ParameterSource.ENVIRONMENT:
        for param in ctx.command.params:
            if param.name == name and param.envvar:
                return param.envvar if isinstance(param.envvar, str) else param.envvar[0]
    return "--" + name.replace("_", "-")


def resolve_today(today: str | None) -> date:
    """The injected date; the clock is read here, at the edge, and nowhere else.

    ``--today ""`` is refused, not taken for "no date": a script that meant to pass a
    date and passed nothing must not silently run on the clock's date.
    """
    if today is None:
        return date.today()
    field = _option_source("today")
    if not today.strip():
        raise InputError("日付が空です（YYYY-MM-DD で指定してください）", field=field)
    day = parse_date(field, today)
    low, high = TODAY_RANGE
    if not low <= day <= high:
        raise InputError(f"{day} は今日の日付として扱えません（{low}〜{high}）", field=field)
    return day


def resolve_actor(root: Path, config: Config | None, requested: str | None,
                  registered: tuple[str, ...] = ()) -> gitstore.Identity:
    """Who is acting: ``--as`` / ``YOBO_STAFF``, else git's user.name; must be registered staff."""
    git_name = gitstore.config_get(root, "user.name") if root.exists() else None
    name = (requested or "").strip() or git_name
    if name and bad_char(name) is not None:
        raise InputError(f"職員の氏名に{describe_char(bad_char(name))}は使えません",
                         field="--as" if requested else "git の user.name")
    staff_names = [s.name for s in config.staff] if config else list(registered)
    if not name:
        raise InputError("操作する職員を --as 氏名 か環境変数 YOBO_STAFF で指定してください", field="--as")
    if staff_names and name not in staff_names:
        shown = "、".join(staff_names[:8])
        origin = "" if requested else "（git の user.name）"
        raise InputError(f"'{printable(name)}'{origin} は職員に登録されていません。登録済みの氏名（{shown}）を --as か YOBO_STAFF で指定してください",
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
    sys.stdout.write(json_text(data))


def json_text(data: Any) -> str:
    """What :func:`print_json` prints (a long list on one line: ``pieces.JSON_COMPACT_FROM``,
    the one place the kept answers join their fragments by too)."""
    from ..pieces import JSON_COMPACT_FROM

    if isinstance(data, list) and len(data) > JSON_COMPACT_FROM:
        return json.dumps(data, ensure_ascii=False) + "\n"
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


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



def console():
    """The console tables and lines are printed on: folded to the terminal's width, never
    cut; redirected output is not limited at all."""
    # rich is imported on first use so a --json run does not pay for it.
    from rich.console import Console

    japanese_line_breaking()

    if _is_terminal(sys.stdout):
        return Console(width=terminal_width(), highlight=False)
    return Console(width=terminal_width(), highlight=False, file=_TrimmedLines(sys.stdout), soft_wrap=False)


#: The endings of ``TERM`` that name a colour system (rich.console._TERM_COLORS); any
#: other terminal gets rich's "standard" 16 colours.
_TERM_COLOURS = {"kitty": "256", "256color": "256", "16color": "standard"}


def console_traits() -> list | None:
    """Everything the text :func:`console` draws depends on besides what is printed,
    worked out *without importing rich* (a warm ``monitor due`` prints a kept table:
    rich is not needed then): whether stdout is a terminal (rich writes to it as it is,
    else through :class:`_TrimmedLines`), whether rich treats it as one, the width
    drawn at, the colour system, ``NO_COLOR`` and the encoding rich sees.

    It mirrors rich's ``Console`` (``__init__``, ``is_terminal``, ``is_dumb_terminal``,
    ``_detect_color_system``, ``size``, ``encoding``; rich 15) for the console that
    :func:`console` makes, reading the same ``TTY_COMPATIBLE``, ``FORCE_COLOR``,
    ``NO_COLOR``, ``TERM``, ``COLORTERM``, ``COLUMNS`` and ``LINES``;
    tests/test_table_keep.py compares it with a real Console in many environments.
    The height is left out: a table is drawn at a width, only full-screen drawing
    uses the height.  None where rich looks further than this mirrors: on Windows
    (it asks the console itself, legacy or not and its colours, through the win32
    API), under Jupyter and under IDLE — the table is then drawn afresh every time."""
    import builtins

    if sys.platform == "win32" or hasattr(builtins, "get_ipython") or \
            getattr(sys.stdin, "__module__", "").startswith("idlelib"):
        return None
    env = os.environ
    tty = _is_terminal(sys.stdout)
    compatible, forced = env.get("TTY_COMPATIBLE", ""), env.get("FORCE_COLOR")
    if compatible in ("0", "1"):
        terminal = compatible == "1"
    elif forced is not None:
        terminal = forced != ""
    else:
        terminal = tty  # the file's isatty (a _TrimmedLines says False)
    term = env.get("TERM", "")
    dumb = terminal and term.lower() in ("dumb", "unknown")
    if not terminal or dumb:
        colours = None
    elif env.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        colours = "truecolor"
    else:
        colours = _TERM_COLOURS.get(term.strip().lower().rpartition("-")[2], "standard")
    width = terminal_width()
    columns, lines = env.get("COLUMNS"), env.get("LINES")
    if width is None and columns is not None and columns.isdigit():
        width = int(columns)  # rich takes COLUMNS=0 as it is, terminal_width does not
    if width is None or dumb and not (lines is not None and lines.isdigit()):
        width = 80 if dumb else _terminal_columns()
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower() if tty else "utf-8"
    return [tty, terminal, width, colours, env.get("NO_COLOR", "") != "", encoding]


def _terminal_columns() -> int:
    """The width rich finds when it is given none: the first of stdin, stdout and stderr
    that is a terminal (as rich numbers them), else 80."""
    for stream, number in ((sys.__stdin__, 0), (sys.__stdout__, 1), (sys.__stderr__, 2)):
        try:
            number = stream.fileno()
        except Exception:  # rich falls back to the usual numbers likewise
            pass
        try:
            return os.get_terminal_size(number).columns or 80
        except (AttributeError, ValueError, OSError):  # not a terminal
            continue
    return 80


def drawn(draw: Callable[[Any], Any]) -> tuple[Any, str]:
    """``draw(console)`` on :func:`console`, captured: what it returns and the exact text
    rich would have written (colour codes on a terminal, trailing blanks trimmed off
    redirected output), to be kept and printed again with ``sys.stdout.write``."""
    import io

    out = console()
    with out.capture() as captured:
        result = draw(out)
    text = captured.get()
    if isinstance(out.file, _TrimmedLines):
        sink = io.StringIO()
        trimmed = _TrimmedLines(sink)
        trimmed.write(text)
        trimmed.flush()
        text = sink.getvalue()
    return result, text


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


# -- reading files the user names (``--file``, ``yobo attach … FILE``) ------------------------------

_KINDS = {stat.S_IFDIR: "フォルダ", stat.S_IFIFO: "名前付きパイプ（FIFO）", stat.S_IFCHR: "デバイス",
          stat.S_IFBLK: "デバイス", stat.S_IFSOCK: "ソケット"}
_MB = 1024 * 1024


def size_limit(casebook: Path | None, key: str) -> int:
    """The casebook's ``limits.<key>`` in bytes (yobo.yaml), or the schema's default.

    The casebook is looked up the way every command does; outside one, the default holds
    (the command then stops on the missing casebook anyway).
    """
    from ..loader import load_config, parse_document
    from ..schemas import schema_default

    default = schema_default("casebook", ["limits", key])
    try:
        root = find_casebook(casebook)
        data, _ = parse_document(root, layout.CONFIG_FILE)
    except (YoboError, OSError):
        return round(default * _MB)
    limits = data.get("limits") if isinstance(data, dict) else None
    value = limits.get(key, default) if isinstance(limits, dict) else default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
        load_config(root)  # says where yobo.yaml is wrong, at its line
        value = default
    return round(value * _MB)


def read_user_file(path: Path, *, field: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or InputError.

    Opened without blocking and checked on the open descriptor: a FIFO (which would
    wait forever for a writer), ``/dev/zero`` (endless) or a folder is refused at once,
    and a file that grows while it is read is still read only up to the limit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{path} を読めません（{exc.strerror}）", field=field) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = _KINDS.get(stat.S_IFMT(info.st_mode), "特殊なファイル")
            raise InputError(f"{path} は通常のファイルではありません（{what}）", field=field)
        if info.st_size > limit:
            raise InputError(f"{path} は大きすぎます（{info.st_size / _MB:.3g} MB。上限 {limit / _MB:.3g} MB: "
                             "yobo.yaml の limits で変えられます）", field=field)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path} を読めません（{exc.strerror}）", field=field) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:
        raise InputError(f"{path} は大きすぎます（上限 {limit / _MB:.3g} MB）", field=field)
    return data


def read_yaml_file(path: Path, casebook: Path | None, *, field: str = "--file",
                   mapping: bool = True) -> tuple[Any, str]:
    """The one reader of a ``--file``: (parsed data, text).

    Refused with exit 2 and one line naming the file, line and field: not a regular
    file, over ``limits.file_mb``, not UTF-8 (saying the encoding it seems to be in),
    bad YAML, a number too large, control characters, or not a mapping.
    """
    from ..loader import decode_text, parse_yaml
    from ..schemas import value_problems
    from ..yamlio import locate_line

    data_bytes = read_user_file(path, field=field, limit=size_limit(casebook, "file_mb"))
    try:
        text = decode_text(data_bytes, str(path))
        data = parse_yaml(text, str(path))
    except DocumentError as exc:
        raise InputError(exc.problems[0].message, source=exc.problems[0].source, field=field) from None
    if data is None:
        data = {}
    if mapping and not isinstance(data, dict):
        raise InputError(f"{path} は「項目: 値」の形で書いてください", field=field)
    # Any --file value may hold newlines (a meeting's 要点); one-line fields are checked
    # again by the schema of the document they land in.
    for where, _, message in value_problems(None, data):
        raise InputError(message, source=Source(str(path), locate_line(text, tuple(where))), field=field)
    return data, text


# -- scratch files: personal data stays in the casebook ---------------------------------------------

#: Signals that end yobo but can be caught: each unwinds like an exception, so every
#: ``finally`` removes what it made.
CAUGHT_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")


class _Deferred:
    """A signal that arrived while a child process was being started (see :func:`signals_deferred`)."""

    depth = 0
    pending: int | None = None


class Terminated(BaseException):
    """yobo was asked to stop by a signal; the CLI exits with 128 + the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def stop_on_signals():
    """While inside, SIGTERM and SIGHUP raise :class:`Terminated` instead of killing yobo at
    once, so temporary files holding a person's data are removed on the way out."""
    import signal

    def handler(signum, _frame):
        if _Deferred.depth:
            _Deferred.pending = signum
            return
        raise Terminated(signum)

    previous = {}
    for name in CAUGHT_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:  # ignored stays ignored
            try:
                previous[number] = signal.signal(number, handler)
            except ValueError:  # not the main thread (a test runner's worker): nothing to catch
                pass
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


@contextmanager
def signals_deferred():
    """A caught signal waits until the block ends.  Around ``Popen(…)``: a signal raised
    while the child is being started would lose its handle, and the child (an editor, a
    browser holding the person's data) would outlive yobo."""
    _Deferred.depth += 1
    try:
        yield
    finally:
        _Deferred.depth -= 1
        if not _Deferred.depth and _Deferred.pending is not None:
            signum, _Deferred.pending = _Deferred.pending, None
            raise Terminated(signum)


def run_child(command: list[str], *, timeout: float | None = None, **options) -> subprocess.CompletedProcess:
    """``subprocess.run`` that never leaves the child behind: killed and reaped when yobo is
    stopped (SIGTERM/SIGHUP/SIGINT inside :func:`stop_on_signals`) at any moment, or when
    ``timeout`` passes (TimeoutExpired, as ``subprocess.run`` raises it)."""
    proc = None
    try:
        with signals_deferred():
            proc = subprocess.Popen(command, **options)
        stdout, stderr = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(base: Path) -> None:
    """Folders a killed yobo (SIGKILL cannot be caught) left: their process is gone."""
    for entry in base.iterdir():
        pid, _, _ = entry.name.partition("-")
        if entry.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _make_scratch_base(root: Path) -> tuple[Path, list[Path]] | None:
    """``<casebook>/.yobo/tmp`` (0700, ignored by git from inside) and the folders made for
    it; None when the casebook cannot be written (a read-only copy, the bundled sample)."""
    base = root / layout.CACHE_DIR / "tmp"
    made = [folder for folder in (base.parent, base) if not folder.exists()]
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(base, 0o700)
        ignore = base / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# yobo の一時ファイル（個人情報を含むことがあります）。コミットしません\n*\n",
                              encoding="utf-8")
    except OSError:
        return None
    return base, made


def _tidy_scratch_base(base: Path, made: list[Path]) -> None:
    """Remove ``.yobo/tmp`` again when nothing else is in it, so a read command (render)
    leaves the casebook as it found it; a SIGKILL's leftovers keep it for the next run."""
    try:
        if {entry.name for entry in base.iterdir()} <= {".gitignore"}:
            (base / ".gitignore").unlink(missing_ok=True)
            for folder in reversed(made) if made else ([base] if base.exists() else []):
                folder.rmdir()
    except OSError:  # another yobo is using it right now: it stays
        pass


@contextmanager
def private_tmp(root: Path):
    """A private scratch folder under ``<casebook>/.yobo/tmp/`` for files that hold personal
    data (an edit buffer, a form's HTML on its way to PDF), never the system's /tmp.

    ``.yobo/tmp`` is created 0700 and ignored by git from inside (its own ``.gitignore``,
    so even a casebook whose ignore rules lack ``.yobo/`` never commits it).  The folder
    is removed on exit, on an error and on SIGTERM/SIGHUP/SIGINT; what a SIGKILL left is
    removed by the next command that uses ``.yobo/tmp``.  Only a casebook that cannot be
    written (a read-only copy) falls back to a private (0700) folder in the system's
    temporary folder, removed the same way.
    """
    import tempfile  # here: the commands that only read never make a scratch folder

    found = _make_scratch_base(root)
    if found is not None:
        _remove_stale(found[0])
    with stop_on_signals():
        folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=found[0] if found else None))  # mode 0700
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            if found is not None:
                _tidy_scratch_base(*found)


# -- running a step ----------------------------------------------------------------------------------


def open_session(casebook: Path | None, case: str, today: str | None, as_: str | None, *, write: bool = True):
    """The run() layer's :class:`~yobo.workflow.run.Session` for one command: the casebook
    found from ``--casebook`` or the current folder, today from ``--today``/``YOBO_TODAY``
    or the clock, and the acting staff member from ``--as``/``YOBO_STAFF`` or git.  A
    write command (``write``, the default) holds the casebook's lock from before the case
    is read until it has committed and printed, so two steps at once never decide on the
    same old state."""
    from ..workflow.run import Session

    root = find_casebook(casebook)
    day = resolve_today(today)
    if write:
        hold_casebook(root, as_)
    return Session(root, case, day, identify=lambda config: resolve_actor(root, config, as_))


def optional_date(value: str | None, field: str = "--date") -> date | None:
    """A date option, or None when it was not given (the step then uses today)."""
    return parse_date(field, value) if value else None


def yaml_file_option(path: Path | None, casebook: Path | None = None, *, mapping: bool = True) -> tuple[dict, str]:
    """A ``--file`` through the one reader (:func:`read_yaml_file`); nothing when not given."""
    if path is None:
        return {}, ""
    return read_yaml_file(path, casebook, mapping=mapping)


def finish_step(session, change, message: str, json_: bool = False) -> str:
    """Commit a step's change and print the result: ``message`` with the commit, or
    the change as JSON; the step's warnings go to stderr as 注意."""
    commit = session.commit(change)
    for warning in change.warnings:
        typer.echo(f"注意: {warning}", err=True)
    if json_:
        print_json(change_json(commit, session.dated(change), session.root, warnings=list(change.warnings)))
        return commit
    typer.echo(f"{message}（コミット {commit[:7]}）")
    return commit

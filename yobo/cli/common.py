"""Options shared by every command, defined once, and the edge services only the
CLI may use: environment variables, the current directory and the clock."""

from __future__ import annotations

import json
import os
import sys
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


def print_json(data: Any) -> None:
    """Indented JSON; a long list is written compact instead (json's C encoder: 30,000 due
    items take well under 0.1 s instead of 0.8 s indented)."""
    if isinstance(data, list) and len(data) > 100:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def console():
    # rich is imported on first use so a --json run does not pay for it.
    from rich.console import Console

    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    return Console(width=width, highlight=False)


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

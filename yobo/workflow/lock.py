"""One writer at a time: the casebook's lock, held from before a step reads the case
until its commit is made and reported.

Two staff members recording at once would both read the same case, compute the same
new file name or the same month's record list, and one would overwrite the other.
So every write step holds ``.yobo/write.lock`` (git-ignored) around *read → decide →
write → commit*.  The lock is an OS file lock through ``filelock`` (``flock`` on
Linux and macOS, ``LockFileEx`` on Windows): the OS releases it when its process
dies, even by kill -9, so a crashed step never leaves the casebook locked.  Whoever
holds it writes their staff name, process id, host and start time into
``.yobo/write.lock.json``, so a step that waited in vain can say who is writing.

On taking the lock, the journal of a step a killed process left is recovered first
(:mod:`yobo.workflow.journal`); a command that is the retry of a step found committed
that way is refused as :class:`AlreadyRecorded` (nothing written).

Within one process the lock is re-entrant: the CLI takes it before loading the case,
and :func:`yobo.workflow.apply.apply_change` finds it held (or takes it itself for a
caller that did not, such as ``init``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..casebook import CACHE_DIR
from ..errors import GitError, InputError, YoboError
from . import journal

LOCK_FILE = f"{CACHE_DIR}/write.lock"
HOLDER_FILE = f"{CACHE_DIR}/write.lock.json"
#: Seconds a step waits for another one to finish before it refuses.  A step holds
#: the lock ~0.3–1 s (load the case, write, one git commit), so a few queued steps fit.
DEFAULT_WAIT = 10.0
#: The named points of a write step where a test may stop the process (``checkpoint``).
CHECKPOINTS = ("before-write", "mid-write", "after-write", "after-commit")


class LockBusy(YoboError):
    """Another process kept the casebook's lock longer than this one would wait."""


class AlreadyRecorded(YoboError):
    """The command is the retry of a step whose commit already landed; nothing is written."""

    exit_code = 0

    def __init__(self, recovery: journal.Recovery):
        from ..vocab import STEPS

        commit = f"コミット {recovery.commit[:7]}" if recovery.commit else "コミット済み"
        super().__init__(f"この手順「{STEPS.get(recovery.step, recovery.step)}」（{recovery.step}: "
                         f"{recovery.case or 'casebook'}）は前回の実行で記録されています（{commit}）。"
                         "重ねて記録しないよう、何も書き込みませんでした")
        self.recovery = recovery


@dataclass(frozen=True)
class Holder:
    """Who holds the lock (written into the holder file for those who wait)."""

    staff: str | None
    started: str | None = None  # ISO date-time from the CLI (the core reads no clock)
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=lambda: _host_name())

    def describe(self) -> str:
        parts = [self.staff or "職員不明", f"プロセス {self.pid}", f"コンピュータ {self.host}"]
        if self.started:
            parts.append(f"{self.started} から")
        return "、".join(parts)


def _host_name() -> str:
    # os.uname() where there is one: importing socket costs a write step ~8 ms.
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _ignore(point: str) -> None:
    return None


def _silent(message: str) -> None:
    return None


@dataclass
class Writer:
    """The held lock of one casebook in this process."""

    root: Path
    holder: Holder
    #: called at each of CHECKPOINTS; a test aid (the CLI's YOBO_FAULT) may stop the process there
    checkpoint: Callable[[str], None] = _ignore
    #: the CLI's fingerprint of the command, kept in the journal for an idempotent retry
    request: str | None = None
    #: where one-line Japanese notices go (recovery done, a stale git lock removed)
    notify: Callable[[str], None] = _silent
    #: the journal id of the step this process committed; cleared when the lock is let go
    committed: str | None = None
    depth: int = 0


_held: dict[str, Writer] = {}


def held(root: Path) -> Writer | None:
    return _held.get(str(root.resolve()))


def _lock_object(root: Path):
    import filelock  # imported by write steps only: read commands do not pay for it

    folder = root / CACHE_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    return filelock.FileLock(str(root / LOCK_FILE))


def holder_of(root: Path) -> Holder | None:
    try:
        data = json.loads((root / HOLDER_FILE).read_text(encoding="utf-8"))
        return Holder(staff=data.get("staff"), started=data.get("started"), pid=int(data["pid"]),
                      host=str(data.get("host") or "?"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def busy_message(root: Path, wait: float) -> str:
    who = holder_of(root)
    by = f"（{who.describe()}）" if who else "（だれが使っているかは分かりません）"
    return (f"ケースブックはほかの操作が記録中です{by}。{wait:g} 秒待ちましたが終わりませんでした。"
            "終わってからもう一度実行してください")


@contextmanager
def hold(root: Path, *, holder: Holder, wait: float = DEFAULT_WAIT,
         checkpoint: Callable[[str], None] | None = None, request: str | None = None,
         notify: Callable[[str], None] | None = None) -> Iterator[Writer]:
    """Hold the casebook's lock (waiting up to ``wait`` seconds, else LockBusy), recover
    an interrupted step, then run the body.  Re-entrant within the process."""
    key = str(root.resolve())
    writer = _held.get(key)
    if writer is not None:
        writer.depth += 1
        try:
            yield writer
        finally:
            writer.depth -= 1
        return
    import filelock

    try:
        lock = _lock_object(root)
        lock.acquire(timeout=max(wait, 0))
    except filelock.Timeout:  # before OSError: Timeout is a TimeoutError
        raise LockBusy(busy_message(root, wait)) from None
    except OSError as exc:  # a read-only share, a file where .yobo/ should be
        raise InputError(f"{root / LOCK_FILE} を作れないため記録できません（{exc.strerror or exc}）") from None
    writer = Writer(root=root, holder=holder, checkpoint=checkpoint or _ignore, request=request,
                    notify=notify or _silent)
    _held[key] = writer
    try:
        journal.write_json(root, HOLDER_FILE, {"staff": holder.staff, "pid": holder.pid, "host": holder.host,
                                               "started": holder.started}, sync=False)
        recovery = journal.recover(root)
        if recovery is not None:
            writer.notify(recovery.message())
        if request is not None:
            done = journal.landed(root, request)
            if done is not None:
                journal.forget_landed(root)
                raise AlreadyRecorded(done)
        yield writer
    finally:
        try:
            if writer.committed is not None:
                # The step is finished and reported: its journal and an older landed step go.
                journal.clear(root, writer.committed)
                journal.forget_landed(root)
            (root / HOLDER_FILE).unlink(missing_ok=True)
        finally:
            del _held[key]
            lock.release()


def recover_if_free(root: Path, notify: Callable[[str], None]) -> None:
    """Recover a killed step's journal when no live process holds the lock (a live
    writer owns its journal).  Every command calls this on opening the casebook;
    without a journal it costs one stat."""
    if not journal.pending(root) or held(root) is not None:
        return
    import filelock

    try:
        lock = _lock_object(root)
        lock.acquire(blocking=False)
    except filelock.Timeout:
        return  # a live writer owns the journal
    except OSError:
        return  # a casebook this user may only read: nothing to recover with
    try:
        recovery = journal.recover(root)
        if recovery is not None:
            notify(recovery.message())
    except GitError as exc:
        notify(str(exc))  # a read may go on; the next write step refuses with the same line
    finally:
        lock.release()

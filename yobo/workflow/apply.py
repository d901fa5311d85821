"""The one writer: validate, write atomically, commit once; undo on failure.

A step's :class:`Change` lists the full new text of each file it touches.
Before anything is written every YAML document in it is parsed and checked
against its schema, so bad input never reaches the disk.  Files are written
through a temporary file and ``os.replace`` (a crash leaves the old or the new
file, never half of one), then git makes exactly one commit.  If git fails, the
old contents are put back and the index is reset: the tree is as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import gitstore
from ..casebook import classify_casebook_path
from ..errors import DocumentError, InputError
from ..schemas import check_document
from ..vocab import STEPS
from ..yamlio import load_fast

def kind_of(rel: str) -> str | None:
    return classify_casebook_path(rel)


@dataclass(frozen=True)
class Change:
    """What one workflow step does to the casebook."""

    step: str  # kebab-case step code, e.g. case-new
    case_id: str | None
    files: dict[str, str | bytes] = field(default_factory=dict)  # casebook-relative path -> new text (or bytes: scans)
    #: Japanese warnings the step allowed past (e.g. a plan outside a pending certification)
    warnings: tuple[str, ...] = ()
    #: the date the step records (its --date, else today), kept in the commit as Yobo-Date:
    #: the commit's own time is when it was typed in, which may be days later
    day: date | None = None

    @property
    def subject(self) -> str:
        # Commit subjects carry no personal data: the step and the opaque id only.
        return f"{self.step}: {self.case_id or 'casebook'}"

    @property
    def message(self) -> str:
        lines = [self.subject, "", STEPS.get(self.step, self.step), ""]
        if self.case_id:
            lines.append(f"Yobo-Case: {self.case_id}")
        lines.append(f"Yobo-Step: {self.step}")
        if self.day is not None:
            lines.append(f"Yobo-Date: {self.day.isoformat()}")
        return "\n".join(lines) + "\n"


def check_change(change: Change) -> None:
    """Every YAML file of the change parses and passes its schema, or DocumentError."""
    problems = []
    for rel, text in change.files.items():
        kind = kind_of(rel)
        if kind is None or not isinstance(text, str):
            continue
        try:
            data = load_fast(text, rel)
        except DocumentError as exc:
            problems += exc.problems
            continue
        problems += check_document(kind, data, path=rel, text=text)
    if problems:
        raise DocumentError(problems)


def _write_atomic(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".yobo-", suffix=".tmp", dir=path.parent)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def require_own_repository(root: Path) -> None:
    """Refuse to commit into a repository the casebook is only a part of (e.g. yobo's own source)."""
    top = gitstore.toplevel(root)
    if top is None:
        raise InputError(f"{root} は git リポジトリではありません（git init してから使ってください）")
    if top != root.resolve():
        raise InputError(
            f"{root} は別の git リポジトリ（{top}）の中にあり、変更を記録できません。"
            "yobo init で独立したケースブックを作ってください（見本は yobo init 新しいフォルダ --sample）"
        )


def apply_change(root: Path, change: Change, author: gitstore.Identity) -> str:
    """Write the change and commit it; returns the commit id."""
    check_change(change)
    require_own_repository(root)
    paths = sorted(change.files)
    before: dict[str, bytes | None] = {}
    for rel in paths:
        target = root / rel
        before[rel] = target.read_bytes() if target.exists() else None
    created_dirs = _missing_dirs(root, paths)
    try:
        for rel in paths:
            _write_atomic(root / rel, change.files[rel])
        return gitstore.commit(root, paths, change.message, author)
    except OSError as exc:
        _restore(root, before, created_dirs)
        raise InputError(f"ファイルを書き込めませんでした（{exc.strerror or exc}）") from None
    except BaseException:
        _restore(root, before, created_dirs)
        raise


def _missing_dirs(root: Path, paths: list[str]) -> list[Path]:
    missing = set()
    for rel in paths:
        for parent in (root / rel).parents:
            if parent == root or parent.exists():
                break
            missing.add(parent)
    return sorted(missing, key=lambda p: len(p.parts), reverse=True)


def _restore(root: Path, before: dict[str, bytes | None], created_dirs: list[Path]) -> None:
    gitstore.unstage(root, list(before))
    for rel, text in before.items():
        target = root / rel
        if text is None:
            if target.exists():
                target.unlink()
        else:
            _write_atomic(target, text)
    for folder in created_dirs:  # deepest first
        if folder.exists() and not any(folder.iterdir()):
            folder.rmdir()

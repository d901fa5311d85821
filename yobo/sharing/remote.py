"""``yobo remote init``: a bare repository both offices push to, guarded by a hook.

The ``pre-receive`` hook runs the checks of ``yobo verify`` on the commits a push
adds (``yobo verify --hook`` reads git's ``<old> <new> <ref>`` lines) and refuses
the whole push, with a Japanese message, if any commit breaks them.  Plain git
over ssh or a shared folder runs the hook as is; gitolite runs it as a
repository-specific hook (README: 二つの事業所で共有する).
"""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

from ..errors import InputError
from .history import run_git

HOOK_MARK = "# yobo: 共有リモートの検査（yobo remote init が作成）"


def hook_text(command: list[str]) -> str:
    """The ``pre-receive`` script: hands git's stdin to ``yobo verify --hook``."""
    return f"#!/bin/sh\n{HOOK_MARK}\nexec {shlex.join(command)} verify --hook\n"


def init_remote(path: Path, command: list[str], *, branch: str = "main", source: Path | None = None) -> Path:
    """Create the bare repository at ``path`` (new or empty folder) with the hook.

    ``source``: an existing casebook whose history is pushed before the hook is put in
    place — a casebook kept before sharing may hold records its history cannot attribute
    (e.g. the 包括's reviews written by the 居宅), which the hook then takes as the start.
    """
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"{path} は空のフォルダではありません（新しいフォルダを指定してください）", field="PATH")
    if source is not None and run_git(source, "rev-parse", "-q", "--verify", "HEAD", check=False).returncode != 0:
        raise InputError(f"{source} に記録（コミット）がありません", field="--from")
    path.mkdir(parents=True, exist_ok=True)
    run_git(path, "init", "-q", "--bare", f"--initial-branch={branch}")
    if source is not None:
        run_git(source, "push", "-q", str(path.resolve()), f"HEAD:refs/heads/{branch}")
    # Both offices push to one branch: no force-push may rewrite what the other wrote.
    run_git(path, "config", "receive.denyNonFastForwards", "true")
    run_git(path, "config", "receive.denyDeletes", "true")
    hook = path / "hooks" / "pre-receive"
    hook.write_text(hook_text(command), encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return hook

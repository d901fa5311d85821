"""``yobo sync``: bring the shared remote and this clone level, committing nothing itself.

fetch → rebase this clone's commits on the remote's → push; a push that lost a race
(the other office pushed in between) is retried.  With yobo's file naming the
designed flows never conflict; if a hand edit does, the rebase is aborted at once
(the clone is exactly as before) and the conflict is described: the file, both
authors and what to do.  Nobody is ever left inside a half-done rebase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..vocab import STEPS
from .history import rev_parse, run_git

RETRIES = 3


class SyncConflict(Exception):
    """The rebase met a conflict and was undone; ``message`` says what and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PushRefused(Exception):
    """The remote's hook refused the push; ``message`` is what it said."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SyncResult:
    remote: str
    branch: str
    received: int = 0
    sent: int = 0
    retries: int = 0
    steps: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"remote": self.remote, "branch": self.branch, "received": self.received, "sent": self.sent,
                "retries": self.retries, "received_steps": self.steps}


def _branch(root: Path) -> str:
    proc = run_git(root, "symbolic-ref", "-q", "--short", "HEAD", check=False)
    if proc.returncode != 0:
        raise InputError("ブランチにいません（detached HEAD）。git switch main などでブランチに戻ってから同期してください")
    return proc.stdout.strip()


def _remote(root: Path, branch: str) -> str:
    configured = run_git(root, "config", "--get", f"branch.{branch}.remote", check=False).stdout.strip()
    if configured:
        return configured
    remotes = run_git(root, "remote").stdout.split()
    if "origin" in remotes:
        return "origin"
    if len(remotes) == 1:
        return remotes[0]
    raise InputError("同期する共有リモートがありません（git remote add origin <共有リポジトリ> で登録してください）")


def _require_clean(root: Path) -> None:
    git_dir = Path(run_git(root, "rev-parse", "--absolute-git-dir").stdout.strip())
    for marker in ("rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD"):
        if (git_dir / marker).exists():
            raise InputError("git の操作（リベースやマージ）が途中です。git rebase --abort などで終えてから同期してください")
    changed = run_git(root, "-c", "core.quotePath=false", "status", "--porcelain", "--untracked-files=no").stdout
    paths = [line[3:] for line in changed.splitlines() if line.strip()]
    if paths:
        shown = "、".join(paths[:3]) + ("…" if len(paths) > 3 else "")
        raise InputError(f"記録されていない変更があります（{shown}）。yobo の手順で記録するか、"
                         "git restore で元に戻してから同期してください")


def steps_between(root: Path, rev_range: str) -> list[dict]:
    """The commits of ``rev_range``, oldest first, as steps (from the trailers)."""
    fmt = "%H%x1f%an%x1f%aI%x1f%(trailers:key=Yobo-Step,valueonly,separator=%x2C)%x1f" \
          "%(trailers:key=Yobo-Case,valueonly,separator=%x2C)%x1f%s%x1e"
    proc = run_git(root, "log", "--reverse", f"--format={fmt}", rev_range, "--", check=False)
    out = []
    for record in proc.stdout.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        h, an, date, step, case, subject = record.split("\x1f")
        step = step.strip() or None
        out.append({"commit": h, "author": an, "date": date, "step": step, "case": case.strip() or None,
                    "label": STEPS.get(step, step) if step else subject})
    return out


def status(root: Path, *, fetch: bool = True) -> dict:
    """Ahead/behind the remote and, by step, what each side has that the other lacks."""
    branch = _branch(root)
    remote = _remote(root, branch)
    if fetch:
        _fetch(root, remote)
    upstream = f"{remote}/{branch}"
    if rev_parse(root, upstream) is None:
        local = steps_between(root, "HEAD")
        return {"remote": remote, "branch": branch, "ahead": len(local), "behind": 0, "theirs": [], "ours": local}
    counts = run_git(root, "rev-list", "--left-right", "--count", f"HEAD...{upstream}").stdout.split()
    return {"remote": remote, "branch": branch, "ahead": int(counts[0]), "behind": int(counts[1]),
            "theirs": steps_between(root, f"HEAD..{upstream}"), "ours": steps_between(root, f"{upstream}..HEAD")}


def _fetch(root: Path, remote: str) -> None:
    proc = run_git(root, "fetch", "-q", remote, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or "").strip().splitlines()
        raise InputError(f"共有リモート {remote} から取得できません（{detail[-1] if detail else proc.returncode}）")


def _conflict_message(root: Path, upstream: str) -> str:
    files = run_git(root, "-c", "core.quotePath=false", "diff", "--name-only", "--diff-filter=U").stdout.split()
    ours = run_git(root, "log", "-1", "--format=%an%x1f%(trailers:key=Yobo-Step,valueonly)", "REBASE_HEAD",
                   check=False).stdout.strip().split("\x1f")
    lines = []
    for rel in files or ["（不明）"]:
        theirs = run_git(root, "log", "-1", "--format=%an", upstream, "--", rel, check=False).stdout.strip() or "不明"
        lines.append(f"{rel}: こちらの {ours[0] or '不明'} さんの記録と、共有リモートの {theirs} さんの記録が"
                     "同じ箇所を変えています")
    return ("同期できませんでした（変更が重なっています）。このパソコンの記録は同期の前のままです。\n" + "\n".join(lines) +
            "\nどちらの内容を残すか二人で確かめ、片方が yobo の手順で記録し直してから、もう一度 yobo sync してください")


def _rebase(root: Path, upstream: str) -> None:
    proc = run_git(root, "-c", "core.quotePath=false", "rebase", "-q", upstream, check=False)
    if proc.returncode == 0:
        return
    message = _conflict_message(root, upstream)
    run_git(root, "rebase", "--abort", check=False)
    raise SyncConflict(message)


def sync(root: Path) -> SyncResult:
    """fetch, rebase, push; retried when the other office pushed in between."""
    _require_clean(root)
    branch = _branch(root)
    remote = _remote(root, branch)
    result = SyncResult(remote, branch)
    upstream = f"{remote}/{branch}"
    for attempt in range(RETRIES + 1):
        _fetch(root, remote)
        if rev_parse(root, upstream) is not None:
            result.steps = steps_between(root, f"HEAD..{upstream}")
            result.received = len(result.steps)
            _rebase(root, upstream)
            sent = int(run_git(root, "rev-list", "--count", f"{upstream}..HEAD").stdout.strip())
        else:
            sent = int(run_git(root, "rev-list", "--count", "HEAD").stdout.strip())
        if sent == 0:
            return result
        proc = run_git(root, "push", "-q", remote, f"HEAD:refs/heads/{branch}", check=False)
        if proc.returncode == 0:
            result.sent = sent
            run_git(root, "branch", "-q", f"--set-upstream-to={upstream}", check=False)
            return result
        text = proc.stderr or ""
        if "pre-receive hook declined" in text or "フック" in text or "yobo verify" in text:
            said = [line.removeprefix("remote:").strip() for line in text.splitlines() if line.startswith("remote:")]
            raise PushRefused("\n".join(s for s in said if s) or text.strip())
        if not any(w in text for w in ("fetch first", "non-fast-forward", "rejected", "stale info")):
            detail = text.strip().splitlines()
            raise InputError(f"共有リモート {remote} へ送れません（{detail[-1] if detail else proc.returncode}）")
        result.retries = attempt + 1  # the other office pushed in between: fetch and rebase again
    raise InputError(f"共有リモート {remote} への送信が {RETRIES + 1} 回続けて競合しました。しばらくしてからもう一度 yobo sync してください")

"""The one writer: lock, validate, journal, write, commit once; undo on failure.

A step's :class:`Change` lists the full new text of each file it touches.
Before anything is written every YAML document in it is parsed and checked
against its schema, so bad input never reaches the disk.  Then, holding the
casebook's lock (:mod:`yobo.workflow.lock`):

1. git must be ready for a commit that is not lost: HEAD on a branch, no merge,
   rebase, cherry-pick, revert or bisect half-done, nobody else's changes staged,
   no leftover ``index.lock`` (cleared when provably stale);
2. the step journal is written (:mod:`yobo.workflow.journal`);
3. each file is written whole: a new record created exclusively (never over another
   file), an edited one replaced atomically;
4. git makes exactly one commit of exactly the step's paths, with a
   ``Yobo-Journal:`` trailer that lets recovery recognise it.

If anything fails, the files are put back and the index reset: the tree is as it
was.  If the process is killed, the next command recovers from the journal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import gitstore
from ..errors import DocumentError, GitError, InputError
from ..kinds import classify_casebook_path
from ..schemas import check_document
from ..vocab import STEPS
from ..yamlio import load_fast
from . import journal, lock


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
    #: paths the step declares new: refused if they exist.  Any path absent when the step
    #: is applied is created exclusively as well, whether declared or not.
    creates: frozenset[str] = frozenset()
    #: the date the step records (its --date, else today), kept in the commit as Yobo-Date:
    #: the commit's own time is when it was typed in, which may be days later
    day: date | None = None
    #: paths the step removes (a purge after the retention period): each must exist and be
    #: tracked; the journal keeps its content, so a failed step puts it back
    deletes: frozenset[str] = frozenset()

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


def check_git_state(state: gitstore.WriteState, paths: list[str]) -> None:
    """Refuse (GitError, exit 2) a write git would lose or mix up; see the module's docstring."""
    if state.operation is not None:  # first: a rebase detaches HEAD, and its advice is the one to give
        label, advice = state.operation
        raise GitError(f"git の{label}の途中のため記録できません。{advice}から実行してください")
    if state.branch is None:
        raise GitError("HEAD がブランチを指していません（detached HEAD）。このまま記録すると、ブランチを切り替えたときに"
                       "記録が失われます。git switch ブランチ名 でブランチに戻ってから実行してください")
    others = [p for p in state.staged if p not in paths]
    if others:
        more = f" ほか {len(others) - 1} 件" if len(others) > 1 else ""
        raise GitError(f"この手順と関係のない変更がステージされています（{others[0]}{more}）。"
                       f"git commit で先にコミットするか、git restore --staged {others[0]} で取り消してから実行してください")


def apply_change(root: Path, change: Change, author: gitstore.Identity) -> str:
    """Write the change and commit it; returns the commit id.  Takes the casebook's
    lock unless this process holds it already (the CLI takes it before loading)."""
    check_change(change)
    require_own_repository(root)
    with lock.hold(root, holder=lock.Holder(staff=author.name)) as writer:
        return _write_and_commit(root, change, author, writer)


def _write_and_commit(root: Path, change: Change, author: gitstore.Identity, writer: lock.Writer) -> str:
    paths = sorted(set(change.files) | set(change.deletes))
    state = gitstore.write_state(root)
    if state.index_lock.exists():
        removed = journal.clear_stale_index_lock(root, state.index_lock)
        if removed is not None:
            writer.notify(f"前回中断された git が残した {removed} を削除しました（git は動いていませんでした）")
    check_git_state(state, paths)
    before = {rel: ((root / rel).read_bytes() if (root / rel).is_file() else None) for rel in paths}
    taken = sorted(rel for rel in change.creates if before[rel] is not None or (root / rel).exists())
    if taken:
        raise InputError(f"{taken[0]} はすでにあります。記録を上書きしません（もう一度実行してください）")
    gone = sorted(rel for rel in change.deletes if before[rel] is None)
    if gone:
        raise InputError(f"{gone[0]} がありません（削除する文書が見つかりません）")
    data = {rel: (text.encode("utf-8") if isinstance(text, str) else text) for rel, text in change.files.items()}
    step_id = journal.new_id()
    step = journal.Journal(
        id=step_id, step=change.step, case=change.case_id, author=author, head=state.head,
        message=f"{change.message}{journal.TRAILER}: {step_id}\n", request=writer.request,
        dirs=tuple(journal.missing_dirs(root, paths)),
        files=tuple(journal.Entry(rel, before[rel], journal.sha256(data[rel]) if rel in data else journal.DELETED)
                    for rel in paths))
    try:
        journal.write(root, step)
    except OSError as exc:  # nothing written yet
        raise InputError(f"{journal.JOURNAL_FILE} を書けないため記録できません（{exc.strerror or exc}）") from None
    current = None
    try:
        writer.checkpoint("before-write")
        for n, current in enumerate(paths):
            if n == 1:
                writer.checkpoint("mid-write")
            if current in data:
                journal.write_file(root / current, data[current], new=before[current] is None)
            else:
                (root / current).unlink()
        writer.checkpoint("after-write")
        commit = gitstore.commit(root, paths, step.message, author)
    except BaseException as exc:
        landed = journal.landed_commit(root, step)
        if landed is not None:  # git made the commit and failed after it: the step is done
            writer.committed = step.id
            return landed
        journal.rollback(root, step)
        journal.clear(root, step.id)
        if isinstance(exc, FileExistsError):  # someone else's file took the name meanwhile
            raise InputError(f"{current} はすでにあります。記録を上書きしません（もう一度実行してください）") from None
        if isinstance(exc, OSError):
            raise InputError(f"ファイルを書き込めませんでした（{exc.strerror or exc}）") from None
        raise
    writer.committed = step.id
    _prune_empty(root, change.deletes)
    writer.checkpoint("after-commit")
    return commit


def _prune_empty(root: Path, deleted: frozenset[str]) -> None:
    """Remove the folders a deletion left empty (git keeps no folders; an empty case
    folder would only puzzle whoever opens it)."""
    for folder in sorted({(root / rel).parent for rel in deleted}, key=lambda p: len(p.parts), reverse=True):
        while folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent

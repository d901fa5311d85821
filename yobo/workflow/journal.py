"""The step journal, and the file operations a write step can undo.

A write step writes its files, then makes one commit.  A step killed in between
(kill -9, a power cut, a closed terminal) would leave files that look recorded
but never reach git.  So before its first file write, :func:`yobo.workflow.apply.apply_change`
writes ``.yobo/journal.json`` (git-ignored, data-only JSON, written atomically):
the step, the case, the commit message and author, and for each path the hash of
its previous content (the content itself for a file the step edits) and the hash
of what it is about to write.  The commit carries a ``Yobo-Journal: <id>`` trailer.

The next yobo command that opens the casebook, holding the casebook's lock (so no
live step owns the journal), calls :func:`recover`:

* the commit with the journal's trailer is in history: the step had finished
  (killed after its commit, before its message) — nothing to write; the step is
  remembered in ``.yobo/landed.json`` so that re-running the *same command* (same
  options, same staff member) says "already recorded" instead of writing a duplicate;
* every file holds exactly what the journal says was to be written: the commit is made
  now, with the journal's message and author ("completed");
* otherwise (killed before or while writing): every path is put back as it was and
  unstaged, leftover temporary files removed ("rolled back").

New files are created exclusively (a hard link of a finished temporary file, which
fails when the name is taken), never renamed over another record; edited files are
replaced atomically (temporary file + ``os.replace``).  Files are created with mode
0666 minus the user's umask, as git creates the files of a clone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import gitstore
from ..casebook import CACHE_DIR, CASES_DIR, CONFIG_FILE
from ..errors import GitError, InputError, Problem, Source

JOURNAL_FILE = f"{CACHE_DIR}/journal.json"
LANDED_FILE = f"{CACHE_DIR}/landed.json"
TRAILER = "Yobo-Journal"
TEMP_PREFIX = ".yobo-"
TEMP_SUFFIX = ".tmp"
FORMAT = 1

#: What recovery did, in Japanese: (what happened, what the user should know).
OUTCOMES = {
    "already-committed": ("はコミット済みでした", "表示の前に中断されただけで、もう一度実行する必要はありません"),
    "completed": ("のコミットを完了しました", "ファイルはすべて書き込まれていました"),
    "rolled-back": ("を取り消しました", "途中まで書いたファイルを元に戻しました。必要ならもう一度実行してください"),
}


#: ``after_sha`` of a path the step removes (a purge): the file is absent afterwards.
DELETED = ""


@dataclass(frozen=True)
class Entry:
    """One path of a journaled step."""

    path: str
    before: bytes | None  # previous content; None = the file did not exist (a new record)
    after_sha: str  # sha256 of the content the step writes

    @property
    def new(self) -> bool:
        return self.before is None


@dataclass(frozen=True)
class Journal:
    id: str
    step: str
    case: str | None
    message: str  # the full commit message, trailer included
    author: gitstore.Identity
    head: str | None  # HEAD when the step began
    request: str | None  # the CLI's fingerprint of the command (options, staff), for retries
    files: tuple[Entry, ...]
    dirs: tuple[str, ...]  # folders the step creates, deepest first

    @property
    def paths(self) -> list[str]:
        return [e.path for e in self.files]

    def to_json(self) -> dict:
        import base64

        return {
            "format": FORMAT, "id": self.id, "step": self.step, "case": self.case, "message": self.message,
            "author": {"name": self.author.name, "email": self.author.email,
                       "signing_key": getattr(self.author, "signing_key", None)}, "head": self.head,
            "request": self.request, "dirs": list(self.dirs),
            "files": [{"path": e.path, "after_sha256": e.after_sha,
                       "before": None if e.before is None else base64.b64encode(e.before).decode("ascii")}
                      for e in self.files],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Journal":
        import base64

        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')}")
        files = tuple(Entry(_inside(f["path"]), None if f["before"] is None else base64.b64decode(f["before"]),
                            str(f["after_sha256"])) for f in data["files"])
        for rel in data.get("dirs") or ():
            _inside(rel)
        return cls(id=data["id"], step=data["step"], case=data["case"], message=data["message"],
                   author=_identity(data["author"]), head=data["head"],
                   request=data.get("request"), files=files, dirs=tuple(data.get("dirs") or ()))


def _identity(data: dict) -> gitstore.Identity:
    """The journal's author, with the staff member's signing key when one was used, so a
    commit completed by recovery is signed as the step's own would have been."""
    key = data.get("signing_key")
    return gitstore.Identity(data["name"], data["email"], **({"signing_key": key} if key else {}))


def _inside(rel: str) -> str:
    """A journal path must stay inside the casebook and out of ``.git``: recovery writes
    and removes what the journal names, so a forged journal must not reach further."""
    path = PurePosixPath(rel)
    if (not isinstance(rel, str) or not rel or path.is_absolute() or ".." in path.parts or "\\" in rel
            or ":" in rel or path.parts[0] in (".git", CACHE_DIR)):
        raise ValueError(f"path outside the casebook: {rel!r}")
    return rel


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` did with an interrupted step."""

    outcome: str  # a key of OUTCOMES, or "unreadable"
    step: str
    case: str | None
    commit: str | None = None

    def message(self) -> str:
        from ..vocab import STEPS

        what = f"前回中断された手順「{STEPS.get(self.step, self.step)}」（{self.step}: {self.case or 'casebook'}）"
        if self.outcome == "unreadable":
            return (f"{JOURNAL_FILE} を読めないため脇に置きました。yobo validate でコミットされていない"
                    "ファイルを確認してください")
        if self.outcome == "tracked":
            return (f"{JOURNAL_FILE} が git にコミットされています（yobo はこのファイルをコミットしません）。"
                    f"使わずに無視します。git rm --cached {JOURNAL_FILE} で git から外してください")
        done, detail = OUTCOMES[self.outcome]
        commit = f"コミット {self.commit[:7]}。" if self.commit else ""
        return f"{what}{done}（{commit}{detail}）"


# hashlib, base64 and secrets are imported where used: every command imports this module
# (to see whether a journal is pending) and a read command should not pay for them.


def new_id() -> str:
    import secrets

    return secrets.token_hex(16)


def sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def file_sha(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except FileNotFoundError:
        return None


def _as_written(path: Path, entry: "Entry") -> bool:
    """Whether ``path`` is as the step left it: holding its content, or gone if it removed it."""
    found = file_sha(path)
    return found is None if entry.after_sha == DELETED else found == entry.after_sha


# -- files -----------------------------------------------------------------------------------------


def _temp_beside(path: Path) -> tuple[int, Path]:
    """A new temporary file in the target's folder (so a rename is atomic), created
    exclusively with 0666 minus the umask — not mkstemp's 0600."""
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.parent / f"{TEMP_PREFIX}{secrets.token_hex(6)}{TEMP_SUFFIX}"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _fill(fd: int, data: bytes, sync: bool = True) -> None:
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())


def write_file(path: Path, data: bytes, *, new: bool, sync: bool = True) -> None:
    """Write ``data`` whole or not at all.  ``new``: the name must not exist
    (FileExistsError otherwise) — a record is never written over another.  ``sync``:
    on disk before the name appears (records and the journal; not the lock's holder note)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(path)
    try:
        _fill(fd, data, sync)
        if not new:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # fails with FileExistsError when the name is taken
        except FileExistsError:
            raise
        except OSError:
            # No hard links here (FAT, some network shares): create the name itself
            # exclusively; a crash mid-write is caught by the journal's hash.
            _fill(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), data)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(root: Path, rel: str, data: dict, *, sync: bool = True) -> None:
    """A JSON file under ``.yobo/`` (created 0700: it may hold a previous record's text)."""
    path = root / rel
    path.parent.mkdir(mode=0o700, exist_ok=True)
    write_file(path, json.dumps(data, ensure_ascii=False).encode("utf-8"), new=False, sync=sync)


def missing_dirs(root: Path, paths: list[str]) -> list[str]:
    """Folders the paths need that do not exist yet, deepest first."""
    missing = set()
    for rel in paths:
        for parent in (root / rel).parents:
            if parent == root or parent.exists():
                break
            missing.add(parent.relative_to(root).as_posix())
    return sorted(missing, key=lambda p: p.count("/"), reverse=True)


# -- the journal -----------------------------------------------------------------------------------


def pending(root: Path) -> bool:
    """Whether a journal is there (one stat: every command asks)."""
    return (root / JOURNAL_FILE).exists()


def write(root: Path, journal: Journal) -> None:
    write_json(root, JOURNAL_FILE, journal.to_json())


def read(root: Path) -> Journal | None:
    try:
        text = (root / JOURNAL_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return Journal.from_json(json.loads(text))


def clear(root: Path, journal_id: str | None = None) -> None:
    """Remove the journal (only the one with ``journal_id`` when given)."""
    path = root / JOURNAL_FILE
    if journal_id is not None:
        try:
            current = json.loads(path.read_text(encoding="utf-8")).get("id")
        except (OSError, ValueError):
            return
        if current != journal_id:
            return
    path.unlink(missing_ok=True)


def remember_landed(root: Path, journal: Journal, commit: str) -> None:
    """Keep the fingerprint of a step whose commit landed without its process saying so."""
    if journal.request:
        write_json(root, LANDED_FILE, {"request": journal.request, "commit": commit, "step": journal.step,
                                        "case": journal.case})


def landed(root: Path, request: str) -> Recovery | None:
    """The step recovery found committed, when ``request`` is the same command again
    (never from a file that came through git: it could make yobo skip a real record)."""
    try:
        data = json.loads((root / LANDED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("request") != request or gitstore.is_tracked(root, LANDED_FILE):
        return None
    return Recovery("already-committed", data.get("step") or "", data.get("case"), data.get("commit"))


def forget_landed(root: Path) -> None:
    (root / LANDED_FILE).unlink(missing_ok=True)


# -- recovery --------------------------------------------------------------------------------------


def clear_stale_index_lock(root: Path, path: Path | None = None) -> Path | None:
    """A leftover ``index.lock`` blocks every commit.  It is removed only when provably
    stale: the file is unchanged (same inode, size and time) across a scan that finds
    no git process working in this repository (:func:`gitstore.git_running_in`), while
    this process holds the casebook's lock (so no yobo step is committing).  Removing it
    then loses nothing: git writes the new index into it and renames it only when done.
    Otherwise GitError names the exact path and the safe fix.  Returns the removed path.
    ``path``: where ``index.lock`` is, when the caller asked git already."""
    path = path if path is not None else gitstore.lock_path(root)
    try:
        before = path.stat()
    except FileNotFoundError:
        return None
    running = gitstore.git_running_in(root)
    try:
        after = path.stat()
    except FileNotFoundError:
        return None  # its git finished meanwhile
    same = (before.st_ino, before.st_size, before.st_mtime_ns) == (after.st_ino, after.st_size, after.st_mtime_ns)
    if running is not False or not same:
        raise GitError(gitstore.index_lock_message(path))
    path.unlink(missing_ok=True)
    return path


def rollback(root: Path, journal: Journal) -> None:
    """Undo exactly what the step wrote: a path holding the step's content gets its
    previous content back (a new one is removed); a path holding anything else was not
    written by the step (a name someone else took meanwhile) and is left alone.  The
    paths are unstaged; temporary files and the folders the step made are removed."""
    gitstore.unstage(root, journal.paths)
    for entry in journal.files:
        target = root / entry.path
        if not _as_written(target, entry):
            continue
        if entry.before is None:
            target.unlink()
        else:
            write_file(target, entry.before, new=entry.after_sha == DELETED)
    for folder in {(root / p).parent for p in journal.paths}:
        if folder.is_dir():
            for leftover in folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
                leftover.unlink(missing_ok=True)
    for rel in journal.dirs:  # deepest first
        folder = root / rel
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def landed_commit(root: Path, journal: Journal) -> str | None:
    """The commit of the journal's step, when it is in history."""
    head = gitstore.head(root)
    if head is None or head == journal.head:
        return None
    return gitstore.commit_with_trailer(root, f"{TRAILER}: {journal.id}")


def recover(root: Path) -> Recovery | None:
    """Finish or undo the step a killed process left (see the module's docstring).
    The caller holds the casebook's lock."""
    if not pending(root):
        return None
    if gitstore.is_tracked(root, JOURNAL_FILE):
        # Journals never travel (.yobo/ is git-ignored): one that came through git was
        # put there by someone, and recovery must not write what it says.
        return Recovery("tracked", "", None)
    try:
        journal = read(root)
        top = root.resolve()
        for rel in journal.paths if journal else ():
            if not (root / rel).resolve().is_relative_to(top):  # through a symlink out of the casebook
                raise ValueError(rel)
    except (OSError, ValueError, KeyError, TypeError):  # binascii.Error is a ValueError
        broken = root / JOURNAL_FILE
        broken.replace(broken.with_name(f"journal-{new_id()[:8]}.broken.json"))
        return Recovery("unreadable", "", None)
    if journal is None:
        return None
    commit = landed_commit(root, journal)
    if commit is not None:
        remember_landed(root, journal, commit)
        clear(root)
        return Recovery("already-committed", journal.step, journal.case, commit)
    clear_stale_index_lock(root)
    if all(_as_written(root / e.path, e) for e in journal.files):
        commit = gitstore.commit(root, journal.paths, journal.message, journal.author)
        remember_landed(root, journal, commit)
        clear(root)
        return Recovery("completed", journal.step, journal.case, commit)
    try:
        rollback(root, journal)
    except OSError as exc:
        raise InputError(f"中断された手順を元に戻せませんでした（{exc.strerror or exc}）。"
                         f"{JOURNAL_FILE} は残してあります") from None
    clear(root)
    return Recovery("rolled-back", journal.step, journal.case)


# -- what validate says about it -------------------------------------------------------------------

UNCOMMITTED_CODE = "uncommitted-file"


def uncommitted_problems(root: Path, entries: list[tuple[str, str]] | None = None) -> list[Problem]:
    """Files under ``cases/`` (and ``yobo.yaml``) that differ from the last commit.

    A record that is on disk but not in git looks done yet never syncs to the other
    office and has no author: a step was interrupted (and not yet recovered, e.g. its
    journal was deleted) or a file was edited or dropped in by hand.  ``entries``: the
    caller's :func:`gitstore.status_entries`, when it asked git already."""
    entries = gitstore.status_entries(root) if entries is None else entries
    if entries is None:
        return []
    problems = []
    for code, rel in entries:
        if not (rel.startswith(f"{CASES_DIR}/") or rel == CONFIG_FILE):
            continue
        name = rel.rsplit("/", 1)[-1]
        if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
            what = "yobo が書きかけて残した一時ファイルです。削除してかまいません"
        elif code == "??":
            what = ("git にコミットされていないファイルです（手順が中断されたか、手で置かれたもの）。"
                    "git status で確かめ、残すなら git add と git commit、不要なら削除してください")
        elif "D" in code:
            what = ("コミット済みのファイルが消えています。git restore で戻すか、"
                    "消すのが正しければ git rm と git commit で記録してください")
        else:
            what = ("コミットされていない変更があります（手順が中断されたか、手で編集したまま）。"
                    "git diff で確かめ、残すなら git commit、不要なら git restore で戻してください")
        problems.append(Problem(Source(rel), UNCOMMITTED_CODE, what))
    return problems

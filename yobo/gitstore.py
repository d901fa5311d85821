"""A thin wrapper over the git command line.  It never writes files itself.

The caller (``workflow.apply``) writes first, then asks for one commit (papis's
``git.py`` works the same way).  The git CLI is used rather than a library:
~0.2 s for a one-file commit in a 10,000-case repository, where dulwich takes
25 s (perf-baseline.md §6).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import GitError
from .landmarks import status_args

_SEP = "\x1f"
_END = "\x1e"


@dataclass(frozen=True)
class Identity:
    name: str
    email: str
    #: private SSH key (path) to sign the step's commit with (git's gpg.format=ssh), if any
    signing_key: str | None = None


@dataclass(frozen=True)
class LogEntry:
    commit: str
    author: str
    email: str
    date: str  # ISO 8601 with offset, as git recorded it
    subject: str
    case: str | None
    step: str | None
    #: the date the step records (its Yobo-Date: trailer); None for commits made before
    #: yobo wrote it, or by hand
    step_date: str | None = None

    def to_json(self) -> dict:
        return {"commit": self.commit, "author": self.author, "email": self.email, "date": self.date,
                "subject": self.subject, "case": self.case, "step": self.step, "step_date": self.step_date}


#: What every git call says when there is no git to run.
GIT_MISSING = "git が見つかりません。git をインストールしてください"


def _start(root: Path, argv: list[str]) -> subprocess.Popen:
    """``argv`` started in ``root`` in the background, its output piped (see :class:`Started`)."""
    try:
        return subprocess.Popen(argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError(GIT_MISSING) from None


def _git(root: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, env=env, capture_output=True, text=True, encoding="utf-8"
        )
    except FileNotFoundError:
        raise GitError(GIT_MISSING) from None
    if check and proc.returncode != 0:
        if "index.lock" in proc.stderr and "File exists" in proc.stderr:
            # git's own advice is English and generic; say where the file is and what is safe.
            raise GitError(index_lock_message(lock_path(root)))
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"git {args[0]} に失敗しました（{detail[-1] if detail else proc.returncode}）")
    return proc


def toplevel(root: Path) -> Path | None:
    """The top of the git work tree holding ``root``, or None outside git."""
    proc = _git(root, "rev-parse", "--show-toplevel", check=False)
    return Path(proc.stdout.strip()).resolve() if proc.returncode == 0 else None


def init(root: Path) -> None:
    _git(root, "init", "-q")
    # Large casebooks: let git remember untracked-file scans (perf-baseline.md §6).
    _git(root, "config", "core.untrackedCache", "true")


def config_get(root: Path, key: str) -> str | None:
    proc = _git(root, "config", "--get", key, check=False)
    value = proc.stdout.strip()
    return value or None


def commit(root: Path, paths: list[str], message: str, author: Identity) -> str:
    """Commit exactly ``paths`` as they are on disk (a path that is gone is removed);
    anything else staged is left alone and out of the commit.  Returns the commit id.

    ``git commit -- <paths>`` builds a temporary index of the whole tree (1.4–1.7 s at
    10,000 cases, issue 16), so the commit is made with git's plumbing instead: the
    files' blobs are written (``hash-object``), only the folders on the paths' way get
    new trees (``mktree``, from HEAD's own trees), ``commit-tree`` makes the commit
    (signed as ``git commit -S`` would), and ``update-ref`` moves the branch only if it
    still names the commit this began from.  The real index is updated for the paths
    alone before the branch moves, so a process killed in between leaves them staged
    and the journal's recovery finishes the commit.  The ``pre-commit``,
    ``commit-msg`` and ``post-commit`` hooks run as ``git commit`` would run them.
    """
    env = dict(os.environ)
    env.update(GIT_AUTHOR_NAME=author.name, GIT_AUTHOR_EMAIL=author.email)
    # One call for what the commit needs to know of git's configuration.
    configured = _git(root, "config", "--get-regexp", r"^(user\.(name|email)|commit\.gpgsign|core\.filemode)$",
                      check=False).stdout
    values = {}
    for line in configured.splitlines():  # the last one wins, as in git
        key, _, value = line.partition(" ")
        values[key.lower()] = value
    # A fresh machine may have no git identity; the acting staff member then
    # commits too, rather than git refusing the step.
    if not values.get("user.name", "").strip():
        env["GIT_COMMITTER_NAME"] = author.name
    if not values.get("user.email", "").strip():
        env["GIT_COMMITTER_EMAIL"] = author.email
    ref, parent, message_file = _head_ref(root)
    present = [rel for rel in paths if (root / rel).is_file() or (root / rel).is_symlink()]
    blobs = _hash_objects(root, present, env)
    # The index first: a step killed after this leaves its paths staged, which is what
    # recovery expects of a step whose files were all written.
    _git(root, "update-index", "--add", "--remove", "--", *paths, env=env)
    _run_hook(root, env, "pre-commit")
    message = _commit_msg_hook(root, env, message, message_file)
    # Where the file system keeps no executable bit (git's core.fileMode false, Windows),
    # a file keeps the mode HEAD gives it, as git add does.
    modes = os.name != "nt" and values.get("core.filemode", "true").strip().lower() not in ("false", "no", "off", "0")
    tree = _build_tree(root, parent, {rel: (_file_mode(root / rel, modes), blobs[rel]) if rel in blobs else None
                                      for rel in paths})
    sign = author.signing_key is not None or values.get("commit.gpgsign", "").strip().lower() in ("true", "yes", "on", "1")
    signing = (["-c", "gpg.format=ssh", "-c", f"user.signingKey={author.signing_key}"] if author.signing_key else [])
    args = [*signing, "commit-tree", tree, *(["-p", parent] if parent else []), *(["-S"] if sign else [])]
    new = _git_input(root, args, message.encode("utf-8"), env, what="commit").decode("ascii").strip()
    subject = message.split("\n", 1)[0]
    reflog = f"commit{'' if parent else ' (initial)'}: {subject}"
    # Compare-and-swap: a commit someone made meanwhile is never lost under ours.  HEAD
    # itself is named so that git logs the move in HEAD's reflog and the branch's, as
    # git commit does.
    moved = _git(root, "update-ref", "-m", reflog, "HEAD", new, parent or "", env=env, check=False)
    if moved.returncode != 0:
        raise GitError(f"記録している間に {ref.removeprefix('refs/heads/')} に別のコミットが加わったため、"
                       "この記録はやめました（そのコミットはそのままです）。もう一度実行してください")
    _run_hook(root, env, "post-commit", check=False)
    _git(root, "gc", "--auto", "--quiet", env=env, check=False)  # as git commit does
    return new


def _head_ref(root: Path) -> tuple[str, str | None, Path]:
    """The ref a commit moves (the branch HEAD is on, or HEAD itself when detached), the
    commit it names now (None before the first commit), and where git keeps the message
    of the commit being made (``COMMIT_EDITMSG``) — one git call."""
    proc = _git(root, "rev-parse", "--git-path", "COMMIT_EDITMSG", "--git-path", "HEAD", "HEAD", check=False)
    lines = proc.stdout.splitlines()  # before the first commit HEAD alone fails; the paths are still printed
    if len(lines) < 2:
        raise GitError(f"git rev-parse に失敗しました（{proc.stderr.strip().splitlines()[-1:]}）")
    try:
        head_text = (root / lines[1]).read_text(encoding="utf-8").strip()
    except OSError:
        head_text = ""
    ref = head_text.removeprefix("ref: ") if head_text.startswith("ref: ") else "HEAD"
    parent = lines[2] if proc.returncode == 0 and len(lines) > 2 else None
    return ref, parent, root / lines[0]


def _git_input(root: Path, args: list[str], data: bytes, env: dict, *, what: str) -> bytes:
    """Run git with ``data`` on its standard input; its output as bytes."""
    try:
        proc = subprocess.run(["git", *args], cwd=root, env=env, input=data, capture_output=True)
    except FileNotFoundError:
        raise GitError(GIT_MISSING) from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {what} に失敗しました（{detail[-1] if detail else proc.returncode}）")
    return proc.stdout


def _hash_objects(root: Path, paths: list[str], env: dict) -> dict[str, str]:
    """Blob ids of the files at ``paths``, written to git's object store (git's clean
    filters and line-ending settings apply, as with ``git add``)."""
    if not paths:
        return {}
    out = _git_input(root, ["hash-object", "-w", "--stdin-paths"], "".join(f"{p}\n" for p in paths).encode("utf-8"),
                     env, what="add").decode("ascii").split()
    return dict(zip(paths, out))


def _file_mode(path: Path, modes: bool) -> str | None:
    """git's mode of the file at ``path``; None: the mode HEAD gives it (or 100644)."""
    if path.is_symlink():
        return "120000"
    if not modes:
        return None
    return "100755" if os.access(path, os.X_OK) else "100644"


def _run_hook(root: Path, env: dict, name: str, *args: str, check: bool = True) -> None:
    """Run the repository's ``name`` hook if it has one (``git hook run``)."""
    proc = _git(root, "hook", "run", "--ignore-missing", name, *(["--", *args] if args else []), env=env, check=False)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"git commit の {name} フックが記録を止めました（{detail[-1] if detail else proc.returncode}）")


def _commit_msg_hook(root: Path, env: dict, message: str, target: Path) -> str:
    """The message after the ``commit-msg`` hook (which may edit it); git commit keeps
    it in ``COMMIT_EDITMSG`` too."""
    target.write_text(message, encoding="utf-8")
    _run_hook(root, env, "commit-msg", str(target))
    return target.read_text(encoding="utf-8")


def _build_tree(root: Path, parent: str | None, changes: dict[str, tuple[str | None, str] | None]) -> str:
    """The id of HEAD's tree with ``changes`` made (path -> (mode, blob id), or None to
    remove; a mode of None keeps HEAD's); only the folders on the changed paths' way
    are read and written."""
    folders: dict[str, dict[bytes, tuple[str, str]]] = {}
    wanted = {""}
    for rel in changes:
        parts = rel.split("/")
        wanted.update("/".join(parts[:n]) for n in range(1, len(parts)))
    ordered = sorted(wanted, key=lambda f: (f.count("/") if f else -1, f))
    if parent is not None:
        request = "".join(f"{parent}:{folder}\n" for folder in ordered).encode("utf-8")
        out = _git_input(root, ["cat-file", "--batch"], request, {**os.environ}, what="cat-file")
        pos = 0
        for folder in ordered:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if header[-1] == b"missing" or len(header) != 3:
                continue
            size = int(header[2])
            body = out[pos:pos + size]
            pos += size + 1
            if header[1] == b"tree":
                folders[folder] = _parse_tree(body, len(header[0]) // 2)
    for folder in wanted:
        folders.setdefault(folder, {})
    for rel, entry in changes.items():
        folder, _, name = rel.rpartition("/")
        if entry is None:
            folders[folder].pop(name.encode("utf-8"), None)
        else:
            mode, oid = entry
            if mode is None:
                old = folders[folder].get(name.encode("utf-8"))
                mode = old[0] if old is not None and old[0] in ("100644", "100755") else "100644"
            folders[folder][name.encode("utf-8")] = (mode, oid)
    # Deepest first, each folder's new tree id goes into its parent before the parent is written.
    proc = subprocess.Popen(["git", "mktree", "-z", "--batch"], cwd=root, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for folder in sorted(wanted, key=lambda f: (-(f.count("/") + 1) if f else 0, f)):
            entries = folders[folder]
            if folder:
                parent_folder, _, name = folder.rpartition("/")
                if not entries:  # git keeps no empty folders
                    folders[parent_folder].pop(name.encode("utf-8"), None)
                    continue
            record = b"".join(f"{mode} {_TYPES.get(mode, 'blob')} {oid}\t".encode("ascii") + name + b"\0"
                              for name, (mode, oid) in entries.items()) + b"\0"
            proc.stdin.write(record)
            proc.stdin.flush()
            oid = proc.stdout.readline().decode("ascii").strip()
            if not oid:
                raise GitError(f"git mktree に失敗しました（{proc.stderr.read().decode('utf-8', 'replace').strip()}）")
            if not folder:
                return oid
            folders[parent_folder][name.encode("utf-8")] = ("40000", oid)
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
        proc.wait()
    raise AssertionError("unreachable: the top folder is always written")


_TYPES = {"40000": "tree", "040000": "tree", "160000": "commit"}


def _parse_tree(body: bytes, oid_len: int) -> dict[bytes, tuple[str, str]]:
    """A raw tree object's entries: name -> (mode, hex object id)."""
    entries = {}
    pos = 0
    while pos < len(body):
        space = body.index(b" ", pos)
        nul = body.index(b"\0", space)
        mode = body[pos:space].decode("ascii")
        entries[body[space + 1:nul]] = (mode, body[nul + 1:nul + 1 + oid_len].hex())
        pos = nul + 1 + oid_len
    return entries


def unstage(root: Path, paths: list[str]) -> None:
    """Undo ``git add`` of ``paths`` after a failed commit (best effort)."""
    if _git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0:
        _git(root, "reset", "-q", "--", *paths, check=False)
    else:
        _git(root, "rm", "-q", "--cached", "--ignore-unmatch", "-r", "--", *paths, check=False)


def log(root: Path, pathspec: str = ".", limit: int | None = None) -> list[LogEntry]:
    """Commits touching ``pathspec`` (relative to ``root``), newest first."""
    fmt = _SEP.join(["%H", "%an", "%ae", "%aI", "%s",
                     "%(trailers:key=Yobo-Case,valueonly,separator=%x2C)",
                     "%(trailers:key=Yobo-Step,valueonly,separator=%x2C)",
                     "%(trailers:key=Yobo-Date,valueonly,separator=%x2C)"]) + _END
    args = ["log", f"--format={fmt}"]
    if limit:
        args.append(f"-n{limit}")
    proc = _git(root, *args, "--", pathspec, check=False)
    if proc.returncode != 0:
        return []  # a casebook with no commits yet has no history
    entries = []
    for record in proc.stdout.split(_END):
        record = record.strip("\n")
        if not record:
            continue
        h, an, ae, ad, s, case, step, day = record.split(_SEP)
        entries.append(LogEntry(h, an, ae, ad, s, case.strip() or None, step.strip() or None, day.strip() or None))
    return entries


def committed_text(root: Path, rel: str) -> str | None:
    """The text of ``rel`` as HEAD holds it, or None (not committed, or no commits yet)."""
    proc = _git(root, "show", f"HEAD:{rel}", check=False)
    return proc.stdout if proc.returncode == 0 else None


def restore_committed(root: Path, paths: list[str]) -> None:
    """Put ``paths`` back as HEAD holds them (git writes them, not yobo)."""
    _git(root, "checkout", "HEAD", "--", *paths)


def head(root: Path) -> str | None:
    proc = _git(root, "rev-parse", "-q", "--verify", "HEAD", check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


class ChangedPaths:
    """``git status`` started in the background (it takes ~0.5 s on 10,000 cases, so the
    caller reads its index meanwhile, on the other core); ``result()`` waits for it."""

    def __init__(self, root: Path, *, ignored: bool, started: subprocess.Popen | None = None):
        """``started``: this very ``git status`` (``landmarks.status_args``) already started
        in ``root`` by ``yobo.cli._early``, handed over instead of starting another."""
        self.root, self.ignored = root, ignored
        self.proc = started if started is not None else _start(root, status_args(ignored=ignored))

    def result(self) -> list[str] | None:
        entries = self.entries()
        return None if entries is None else [path for _, path in entries]

    def entries(self) -> list[tuple[str, str]] | None:
        """(two-letter porcelain status, path) of each change; ``??`` untracked, ``!!`` ignored."""
        if not hasattr(self, "_entries"):
            out, _ = self.proc.communicate()
            if self.proc.returncode != 0:
                self._entries = None
            else:
                # a folder holding .git is the top of its work tree: nothing to ask git
                # (a process of its own after status answered, on every warm run)
                prefix = "" if (self.root / ".git").exists() else _git(self.root, "rev-parse", "--show-prefix").stdout.strip()
                self._entries = [(entry[:2], entry[3:].removeprefix(prefix))
                                 for entry in out.decode("utf-8", "surrogateescape").split("\0")
                                 if len(entry) > 3 and entry[3:].startswith(prefix)]
        return self._entries


def expand_untracked(root: Path, entries: list[tuple[str, str]] | None) -> list[tuple[str, str]] | None:
    """``entries`` of a ``git status`` with ``--untracked-files=normal`` (which git's
    untracked cache answers: half the time of ``=all`` at 10,000 cases), each untracked
    folder (``?? dir/``) replaced by the untracked files in it, as ``=all`` lists them."""
    if entries is None:
        return None
    folders = [path for code, path in entries if code == "??" and path.endswith("/")]
    if not folders:
        return entries
    proc = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *folders, check=False)
    inside = [path for path in proc.stdout.split("\0") if path] if proc.returncode == 0 else []
    return [(code, path) for code, path in entries if not (code == "??" and path.endswith("/"))] + \
        [("??", path) for path in inside]


def ignore_sources(root: Path) -> tuple:
    """A fingerprint of the ignore files outside the work tree (info/exclude, core.excludesFile)."""
    paths = []
    git_dir = _git(root, "rev-parse", "--git-path", "info/exclude", check=False).stdout.strip()
    if git_dir:
        paths.append(root / git_dir)
    excludes = config_get(root, "core.excludesFile")
    paths.append(Path(os.path.expanduser(excludes)) if excludes else
                 Path(os.environ.get("XDG_CONFIG_HOME", os.path.expanduser("~/.config"))) / "git" / "ignore")
    out = []
    for path in paths:
        try:
            st = path.stat()
            out.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(path), None, None))
    return tuple(out)


def ls_tree(root: Path, rev: str, *paths: str, recursive: bool = False) -> list[tuple[str, str, str, str]] | None:
    """(mode, type, object id, path) of the entries at ``paths`` in commit ``rev`` (a
    folder given with a trailing slash lists what it holds); None if git fails."""
    args = ["ls-tree", "-z"] + (["-r"] if recursive else []) + [rev, "--", *paths]
    proc = _git(root, *args, check=False)
    if proc.returncode != 0:
        return None
    out = []
    for line in proc.stdout.split("\0"):
        if line:
            meta, path = line.split("\t", 1)
            mode, kind, oid = meta.split()
            out.append((mode, kind, oid, path))
    return out


def tree_holds_name(root: Path, rev: str, folder: str, name: str) -> bool | None:
    """Whether a file called ``name`` lies anywhere under ``folder`` in commit ``rev``
    (one ``git ls-tree -r --name-only``, searched as it comes); None if git fails."""
    proc = _git(root, "ls-tree", "-r", "-z", "--name-only", rev, "--", folder, check=False)
    if proc.returncode != 0:
        return None
    listing = "\0" + proc.stdout
    return f"/{name}\0" in listing or f"\0{name}\0" in listing


class Started:
    """A git command started in the background, its output taken later (:meth:`output`)
    by whoever asks exactly that question; one nobody takes is stopped (:meth:`drop`)."""

    def __init__(self, root: Path, *args: str):
        self.root, self.args = root, args
        self.proc = _start(root, ["git", *args])

    def output(self) -> str | None:
        """What git printed, or None if it failed (once: a second call gives None)."""
        if self.proc.stdout is None or self.proc.stdout.closed:
            return None
        out, _ = self.proc.communicate()
        return out.decode("utf-8", "surrogateescape") if self.proc.returncode == 0 else None

    def drop(self) -> None:
        """Stop it if nobody took its output (and reap the process either way)."""
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.communicate()


def diff_tree_args(old: str, new: str, *paths: str) -> tuple[str, ...]:
    """The git command :func:`diff_tree` runs (to start it ahead with :class:`Started`)."""
    return ("diff-tree", "-r", "-t", "-z", "--no-renames", old, new, "--", *paths)


def diff_tree(root: Path, old: str, new: str, *paths: str,
              started: Started | None = None) -> list[tuple[str, str, str]] | None:
    """(new mode, new object id, path) of each entry at ``paths`` that differs between
    commits ``old`` and ``new``, folders included (``git diff-tree -r -t``; a removed
    entry has the mode ``000000``); None if git fails (e.g. ``old`` no longer exists).
    ``started``: the same command started earlier (used only if it is exactly the same)."""
    args = diff_tree_args(old, new, *paths)
    if started is not None and started.root == root and started.args == args:
        out = started.output()
    else:
        proc = _git(root, *args, check=False)
        out = proc.stdout if proc.returncode == 0 else None
    if out is None:
        return None
    fields = out.split("\0")
    out = []
    for meta, path in zip(fields[0:-1:2], fields[1::2]):
        parts = meta.split()
        if len(parts) != 5 or not parts[0].startswith(":"):
            return None  # not what diff-tree prints: never guessed at
        out.append((parts[1], parts[3], path))
    return out


def git_path(root: Path, name: str) -> Path | None:
    """Where ``name`` lives inside the repository's git folder (never in the work tree)."""
    proc = _git(root, "rev-parse", "--git-path", name, check=False)
    return root / proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def tracked_files(root: Path, *pathspecs: str) -> list[str]:
    """Paths in git's index matching ``pathspecs`` (``:(glob)`` magic allowed)."""
    proc = _git(root, "ls-files", "-z", "--", *pathspecs, check=False)
    return [p for p in proc.stdout.split("\0") if p] if proc.returncode == 0 else []
# -- the state a write step needs ------------------------------------------------------------------

#: Operations git leaves half-done in the git folder, with the file that marks each and
#: the Japanese advice to finish or abandon it (git's own names in brackets).
OPERATIONS = (
    ("MERGE_HEAD", "マージ（git merge）", "git commit で終えるか git merge --abort で取りやめて"),
    ("rebase-merge", "リベース（git rebase）", "git rebase --continue で終えるか git rebase --abort で取りやめて"),
    ("rebase-apply", "リベースまたはパッチの適用（git rebase / git am）",
     "git rebase --continue（git am --continue）で終えるか --abort で取りやめて"),
    ("CHERRY_PICK_HEAD", "チェリーピック（git cherry-pick）",
     "git cherry-pick --continue で終えるか git cherry-pick --abort で取りやめて"),
    ("REVERT_HEAD", "取り消しコミット（git revert）", "git revert --continue で終えるか git revert --abort で取りやめて"),
    ("BISECT_LOG", "二分探索（git bisect）", "git bisect reset で終えて"),
)


@dataclass(frozen=True)
class WriteState:
    """What git says before a step writes: the branch HEAD is on (None when detached),
    the commit HEAD names (None before the first), an operation in progress (its label
    and advice), the paths already staged, and where ``index.lock`` would be."""

    branch: str | None
    head: str | None
    operation: tuple[str, str] | None
    staged: tuple[str, ...]
    index_lock: Path


def lock_path(root: Path) -> Path:
    """``index.lock`` of the repository holding ``root``."""
    return git_path(root, "index.lock") or root / ".git" / "index.lock"


def index_lock_message(path: Path) -> str:
    return (f"git の作業中ファイル {path} が残っていて記録できません。git を使っているほかのプログラム（エディタ・"
            "git の画面など）がないことを確かめてから、このファイルを削除してもう一度実行してください")


def write_state(root: Path) -> WriteState:
    """Two git calls: the git paths that mark a state and HEAD's commit, then the index
    against HEAD."""
    names = ["HEAD", "index.lock", *(name for name, _, _ in OPERATIONS)]
    args = ["rev-parse"]
    for name in names:
        args += ["--git-path", name]
    proc = _git(root, *args, "HEAD", check=False)  # before the first commit, HEAD alone fails
    lines = proc.stdout.splitlines()
    if len(lines) < len(names):
        raise GitError(f"git rev-parse に失敗しました（{proc.stderr.strip().splitlines()[-1:]}）")
    found = dict(zip(names, (root / p for p in lines)))
    head_id = lines[len(names)] if proc.returncode == 0 and len(lines) > len(names) else None
    try:
        head_text = found["HEAD"].read_text(encoding="utf-8").strip()
    except OSError:
        head_text = ""
    branch = head_text.removeprefix("ref: ").removeprefix("refs/heads/") if head_text.startswith("ref: ") else None
    operation = next(((label, advice) for name, label, advice in OPERATIONS if found[name].exists()), None)
    staged = _git(root, "diff", "--cached", "--name-only", "--no-renames", "-z").stdout
    return WriteState(branch=branch, head=head_id, operation=operation,
                      staged=tuple(p for p in staged.split("\0") if p), index_lock=found["index.lock"])


def is_tracked(root: Path, rel: str) -> bool:
    """Whether git tracks ``rel`` (in the index), e.g. a cache file someone added with -f."""
    return _git(root, "ls-files", "--error-unmatch", "--", rel, check=False).returncode == 0


def commit_with_trailer(root: Path, value: str) -> str | None:
    """The commit whose message carries the trailer line ``value`` (e.g. ``Yobo-Journal: …``), or None."""
    if head(root) is None:
        return None
    proc = _git(root, "log", "-F", f"--grep={value}", "-n1", "--format=%H", "HEAD", check=False)
    return proc.stdout.strip() or None


def git_running_in(root: Path) -> bool | None:
    """Whether a git process works in this repository: True, False, or None when it
    cannot be told (a git process this user may not inspect).

    A process counts when its name is git and its working folder is inside the work
    tree or the git folder (git changes into the repository before it takes
    ``index.lock``, ``-C`` included).  psutil reads this on Linux, macOS and Windows.
    """
    import psutil

    top = root.resolve()
    git_dir = (root / _git(root, "rev-parse", "--git-common-dir").stdout.strip()).resolve()
    unknown = False
    for proc in psutil.process_iter(["name"]):
        name = (proc.info.get("name") or "").lower()
        if name not in ("git", "git.exe") and not name.startswith("git-"):
            continue
        try:
            cwd = Path(proc.cwd()).resolve()
        except psutil.NoSuchProcess:  # gone, or a zombie (ZombieProcess): it holds nothing
            continue
        except (psutil.AccessDenied, OSError):
            unknown = True
            continue
        if cwd == top or top in cwd.parents or cwd == git_dir or git_dir in cwd.parents:
            return True
    return None if unknown else False


def status_entries(root: Path) -> list[tuple[str, str]] | None:
    """``(XY, path)`` of every path that differs from HEAD (porcelain v1 codes, e.g.
    ``??`` untracked, `` M`` modified, ``A `` staged new), every untracked file listed
    on its own; paths relative to ``root``.  None outside git.  No pathspec: git's
    untracked cache is used only without one (perf-baseline.md §6)."""
    proc = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", check=False)
    if proc.returncode != 0:
        return None
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.strip()
    return [(entry[:2], entry[3:].removeprefix(prefix)) for entry in proc.stdout.split("\0")
            if len(entry) > 3 and entry[3:].startswith(prefix)]


def purge_history(root: Path, folders: list[str]) -> None:
    """Rewrite every ref of the repository without ``folders`` (git-filter-repo, run from the
    Python that runs yobo: it is a dependency), then expire the reflog and prune, so no
    object of theirs stays.  ``--sensitive-data-removal`` keeps the ``origin`` remote (the
    shared repository the office pushes to next); ``--no-fetch`` keeps local commits not
    pushed yet from being replaced by origin's refs."""
    import sys

    # --prune-empty never: a commit that only touched a purged case stays (emptied), so the log
    # still shows who did what when — and the purge commit itself — without the records
    args = [sys.executable, "-m", "git_filter_repo", "--force", "--sensitive-data-removal", "--no-fetch",
            "--prune-empty", "never", "--invert-paths", "--quiet"]
    for folder in folders:
        args += ["--path", folder.rstrip("/") + "/"]
    proc = subprocess.run(args, cwd=root, capture_output=True, text=True, encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"履歴の書き換え（git filter-repo）に失敗しました: {detail[-1] if detail else proc.returncode}")


def purged_in_history(root: Path) -> list[str]:
    """Case folders an earlier ``case-purge`` commit removed from the working tree that some
    commit still holds (purged without ``--history``): ``cases/<shard>/<id>``."""
    proc = _git(root, "log", "--all", "--format=", "--name-only", "--diff-filter=D", "-z",
                "--grep=^Yobo-Step: case-purge$", check=False)
    if proc.returncode != 0:
        return []
    folders = sorted({"/".join(p.split("/")[:3]) for p in proc.stdout.replace("\n", "\0").split("\0")
                      if p.startswith("cases/") and p.count("/") >= 3})
    return [f for f in folders if _git(root, "rev-list", "--all", "-n1", "--", f, check=False).stdout.strip()]

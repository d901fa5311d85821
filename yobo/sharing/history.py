"""Reading git history in bulk for ``yobo verify``: one ``git log --raw`` pass, one
``git cat-file --batch`` process for the blobs it needs.

Works in a work tree and in a bare repository (the remote's ``pre-receive`` hook):
nothing here reads the work tree, only commits, so what is verified is what was
committed.  During ``pre-receive`` git passes its quarantine through the environment,
which the child processes inherit (no ``env=`` given).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import GitError
from ..gitstore import GIT_MISSING

_SEP = "\x1f"
_START = "\x1e"
#: commit, parents, author name, author e-mail, committer name, signature status, signer, step, case
_FORMAT = _START + _SEP.join(["%H", "%P", "%an", "%ae", "%cn", "%G?", "%GS",
                               "%(trailers:key=Yobo-Step,valueonly,separator=%x2C)",
                               "%(trailers:key=Yobo-Case,valueonly,separator=%x2C)"]) + _SEP
_NO_SIGNATURE = _FORMAT.replace("%G?", "N").replace("%GS", "")
ZERO = "0" * 40


@dataclass(frozen=True)
class Touch:
    """One path a commit changed: status (A, M, D, T) and the blob ids before and after."""

    path: str
    status: str
    old: str
    new: str


@dataclass(frozen=True)
class Commit:
    id: str
    parents: tuple[str, ...]
    author: str
    email: str
    committer: str  # who ran git: on a shared casebook, the person at that office's machine
    signature: str  # git's %G?: G good, U unknown key, B bad, N none, E cannot check, X/Y/R expired/revoked
    signer: str  # %GS: the principal of the allowed-signers line that matched
    step: str | None
    case: str | None
    touches: tuple[Touch, ...]


def run_git(root: Path, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, encoding="utf-8",
                              errors="surrogateescape", input=stdin)
    except FileNotFoundError:
        raise GitError(GIT_MISSING) from None
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitError(f"git {args[0]} に失敗しました（{detail[-1] if detail else proc.returncode}）")
    return proc


def rev_parse(root: Path, rev: str) -> str | None:
    proc = run_git(root, "rev-parse", "-q", "--verify", f"{rev}^{{commit}}", check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def walk(root: Path, revs: list[str], *, allowed_signers: Path | None) -> list[Commit]:
    """Commits of ``revs`` (``git log`` arguments such as ``A..B`` or ``B --not --all``),
    oldest first, each with the paths it changed.  Signatures are checked by git only
    when an allowed-signers file is given (otherwise every commit reads as unsigned)."""
    config = []
    fmt = _NO_SIGNATURE
    if allowed_signers is not None:
        config = ["-c", f"gpg.ssh.allowedSignersFile={allowed_signers}", "-c", "gpg.format=ssh"]
        fmt = _FORMAT
    proc = run_git(root, *config, "-c", "core.quotePath=false", "log", "--reverse", "--raw", "--no-renames",
                   "--no-abbrev", "--diff-merges=off", f"--format={fmt}", *revs, "--")
    commits = []
    for record in proc.stdout.split(_START)[1:]:
        fields = record.split(_SEP)
        h, parents, an, ae, cn, sig, signer, step, case = fields[:9]
        touches = []
        for line in fields[9].splitlines():
            if not line.startswith(":"):
                continue
            meta, path = line.split("\t", 1)
            _, _, old, new, status = meta.split()
            touches.append(Touch(path, status[0], old, new))
        commits.append(Commit(h, tuple(parents.split()), an, ae, cn, sig.strip() or "N", signer.strip(),
                              step.strip() or None, case.strip() or None, tuple(touches)))
    return commits


class Blobs:
    """Blob and ``<rev>:<path>`` contents through one ``git cat-file --batch`` process."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self, name: str) -> str | None:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(name.encode("utf-8") + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().decode("utf-8").split()
        if len(header) < 3 or header[1] == "missing":
            return None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # the newline after the contents
        return data.decode("utf-8", "replace")

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tree_paths(root: Path, rev: str, *pathspecs: str) -> list[str]:
    proc = run_git(root, "-c", "core.quotePath=false", "ls-tree", "-r", "--name-only", rev, "--", *pathspecs,
                   check=False)
    return proc.stdout.splitlines() if proc.returncode == 0 else []

"""``git status`` started before yobo's own imports, for the commands that read the index.

A warm ``monitor due`` is as fast as git's look at the work tree (≈ 0.5 s at 10,000
cases) allows only if that look starts first: importing click, typer, the loader and
the rules takes 0.2–0.4 s on a busy machine, and it can happen on the other core
while git works.  So the console script, before importing anything else, works out
the casebook from the command line the way ``find_casebook`` will (``-C`` /
``--casebook`` / ``YOBO_CASEBOOK``, else the nearest folder holding ``yobo.yaml``)
and starts the same ``git status`` the index would start (``gitstore.ChangedPaths``).
The index takes it only if it asks exactly that question of exactly that folder
(``index._refresh``); otherwise it is left to finish and starts its own.  A guess
that turns out wrong therefore costs time, never correctness.
"""

from __future__ import annotations

import os
import sys

# Nothing else before the Popen: not pathlib (≈ 3–20 ms on a busy machine), nor
# yobo.casebook or yobo.gitstore (hashlib, random, dataclasses, …); the names and the
# git command line come from a module that imports nothing, which both of those read too.
from ..landmarks import CACHE_DIR, CASES_DIR, CONFIG_FILE, status_args

#: The commands that read the index (see ``yobo.index``), by their words.
READERS = {("monitor", "due"), ("report", "monthly"), ("case", "list")}
#: The index's marker for "status must list ignored files" (``index._mark_ignored``: the
#: index file's name with the suffix ``.ignored``); tests/test_fastpath.py keeps them equal.
IGNORED_MARKER = "due-index.ignored"

#: (casebook folder, whether ignored files are listed, the running ``git status``)
_started: tuple | None = None


def start(argv: list[str]) -> None:
    """Start ``git status`` for ``argv`` if it names a reader of the index (best effort:
    any doubt and nothing is started)."""
    global _started
    if tuple(argv[:2]) not in READERS:
        return
    try:
        root = _casebook(argv[2:])
        if root is None:
            return
        if not os.path.exists(os.path.join(root, ".git")) or not os.path.isdir(os.path.join(root, CASES_DIR)):
            return
        ignored = os.path.exists(os.path.join(root, CACHE_DIR, IGNORED_MARKER))
        import subprocess

        # the very question gitstore.ChangedPaths asks (landmarks.status_args), handed to it by take()
        _started = (root, ignored, subprocess.Popen(status_args(ignored=ignored), cwd=root, stdout=subprocess.PIPE,
                                                    stderr=subprocess.DEVNULL))
    except Exception:  # never fail a command for a head start
        _started = None


def take(root):
    """The ``git status`` started for ``root`` (a resolved ``Path``) as a
    ``gitstore.ChangedPaths``, once (None if none was started for that folder)."""
    global _started
    started, _started = _started, None
    if started is None or started[0] != str(root):
        return None
    from ..gitstore import ChangedPaths

    return ChangedPaths(root, ignored=started[1], started=started[2])


def _casebook(args: list[str]) -> str | None:
    """The casebook folder (resolved) the command line names, as ``find_casebook`` will
    find it: ``-C`` / ``--casebook`` / ``YOBO_CASEBOOK``, else the nearest folder at or
    above the current one holding ``yobo.yaml``."""
    given = os.environ.get("YOBO_CASEBOOK") or None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg in ("-C", "--casebook") and i + 1 < len(args):
            given = args[i + 1]
        elif arg.startswith("--casebook="):
            given = arg.split("=", 1)[1]
        elif arg.startswith("-C") and len(arg) > 2:
            given = arg[2:]
    if given is not None:
        return os.path.realpath(given) if os.path.isfile(os.path.join(given, CONFIG_FILE)) else None
    folder = os.path.realpath(os.getcwd())
    while True:
        if os.path.isfile(os.path.join(folder, CONFIG_FILE)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def is_console_script() -> bool:
    """Whether this process is the ``yobo`` command itself (not a test importing yobo.cli)."""
    path = sys.argv[0] if sys.argv and sys.argv[0] else ""
    name = os.path.basename(path)
    return name in ("yobo", "yobo.exe", "yobo-script.py") or (
        name == "__main__.py" and os.path.basename(os.path.dirname(path)) == "yobo")

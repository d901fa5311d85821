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
from pathlib import Path

#: The commands that read the index (see ``yobo.index``), by their words.
READERS = {("monitor", "due"), ("report", "monthly"), ("case", "list")}
#: The index's marker for "status must list ignored files" (``index._mark_ignored``: the
#: index file's name with the suffix ``.ignored``); tests/test_fastpath.py keeps them equal.
IGNORED_MARKER = "due-index.ignored"

_started = None


def start(argv: list[str]) -> None:
    """Start ``git status`` for ``argv`` if it names a reader of the index (best effort:
    any doubt and nothing is started)."""
    global _started
    words = [a for a in argv[:2]]
    if tuple(words) not in READERS:
        return
    try:
        root = _casebook(argv[2:])
        if root is None:
            return
        from ..casebook import CACHE_DIR, CASES_DIR

        if not (root / ".git").exists() or not (root / CASES_DIR).is_dir():
            return
        from ..gitstore import ChangedPaths

        _started = ChangedPaths(root, ignored=(root / CACHE_DIR / IGNORED_MARKER).exists())
    except Exception:  # never fail a command for a head start
        _started = None


def take(root: Path):
    """The ``git status`` started for ``root``, once (None if none was)."""
    global _started
    status, _started = _started, None
    return status if status is not None and status.root == root else None


def _casebook(args: list[str]) -> Path | None:
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
    from ..casebook import CONFIG_FILE

    if given is not None:
        path = Path(given)
        return path.resolve() if (path / CONFIG_FILE).is_file() else None
    start_dir = Path.cwd().resolve()
    for folder in (start_dir, *start_dir.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def is_console_script() -> bool:
    """Whether this process is the ``yobo`` command itself (not a test importing yobo.cli)."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name in ("yobo", "yobo.exe", "yobo-script.py") or (name == "__main__.py" and Path(sys.argv[0]).parent.name == "yobo")

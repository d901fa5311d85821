"""A casebook's fixed names, and the one ``git status`` the derived index asks of it.

Imports nothing: ``yobo.cli._early`` reads it before anything else is imported, to start
``git status`` first (shared/architecture.md §3, speed), and :mod:`yobo.casebook` and
:mod:`yobo.gitstore` take the same values from here, so each is written once.
"""

CONFIG_FILE = "yobo.yaml"
CASES_DIR = "cases"
CACHE_DIR = ".yobo"


def status_args(*, ignored: bool) -> list[str]:
    """The command line of the ``git status`` the index reads changes from, run in the
    casebook's folder: porcelain v1 (stable), NUL-separated, untracked folders shown as
    folders (git's untracked cache answers that; ``gitstore.expand_untracked`` opens them),
    no rename detection; ``ignored``: ignored files listed too (``--ignored=matching``),
    for a casebook where an ignore rule could hide a document."""
    args = ["git", "status", "--porcelain=v1", "-z", "--untracked-files=normal", "--no-renames"]
    if ignored:
        args.append("--ignored=matching")
    return args

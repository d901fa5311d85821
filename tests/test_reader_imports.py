"""The commands that read the index import only what they run (issue 16: a warm
``monitor due`` within 1.15× of ``git status``), and the ``git status`` they read
starts before yobo's own imports (``yobo.cli._early``).

Absence of modules is asserted, never a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from yobo import gitstore, landmarks
from yobo.cli import _early


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


def _modules_of(root: Path, *argv: str) -> list[str]:
    """The modules a run of ``yobo argv`` in ``root`` has imported when it ends (run as the
    console script runs: ``yobo`` in ``sys.argv[0]``, so the early ``git status`` starts too)."""
    code = textwrap.dedent(f"""
        import json, sys
        sys.argv = ["yobo", *{list(argv)!r}]
        try:
            from yobo.cli import main
            main()
        except SystemExit as exc:
            assert not exc.code, exc.code
        finally:
            sys.stdout.flush()
        sys.stderr.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n")
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, encoding="utf-8",
                          timeout=120, env={**os.environ, "YOBO_TODAY": "2026-11-22"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()  # it did print its answer
    return json.loads(proc.stderr.strip().splitlines()[-1])


#: What a reader never needs: the workflow steps and their writer (the journal is every
#: command's one stat for an interrupted step: ``cli.common.find_casebook``), the command
#: modules of other commands, the schema validator, templates, spreadsheets and calendars.
_NOT_A_READERS = ("yobo.workflow.apply", "yobo.workflow.context", "yobo.workflow.run", "yobo.workflow.case_steps",
                  "yobo.workflow.monitoring", "yobo.workflow.planning", "yobo.workflow.lock",
                  "yobo.cli.lifecycle_cmds", "yobo.cli.safeguard_cmds", "yobo.cli.closure_cmds", "yobo.cli.course_cmds",
                  "jsonschema", "jinja2", "openpyxl", "icalendar", "yobo.export")


@pytest.mark.parametrize("argv", [("monitor", "due", "--json"), ("monitor", "due"), ("case", "list", "--json"),
                                  ("report", "monthly", "--month", "2026-11")], ids=" ".join)
def test_a_warm_reader_imports_no_workflow_step(sample, argv):
    _modules_of(sample, *argv)  # builds the index and keeps the answer
    assert (sample / landmarks.CACHE_DIR).is_dir()
    found = _modules_of(sample, *argv)  # warm: the kept answer is found
    steps = [m for m in found if m.startswith("yobo.workflow.") and m != "yobo.workflow.journal"]
    assert steps == [], steps
    assert not [m for m in found if m.split(".")[0] in _NOT_A_READERS or m in _NOT_A_READERS]
    if "--json" in argv:
        assert not [m for m in found if m.split(".")[0] == "rich"]  # JSON is printed without rich
    if argv[0] == "monitor":
        assert not [m for m in found if m.startswith("yobo.cli.") and m.endswith("_cmds") and m != "yobo.cli.due_cmds"]


def test_git_status_starts_before_yobos_own_imports(sample):
    found = json.loads(subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import json, sys
        sys.argv = ["yobo", "monitor", "due", "--json", "-C", {str(sample)!r}]
        seen = {{}}

        def hook(event, args):
            if event == "subprocess.Popen" and not seen:
                seen["modules"], seen["args"], seen["cwd"] = sorted(sys.modules), list(args[1]), str(args[2])

        before = set(sys.modules)
        sys.addaudithook(hook)
        import yobo.cli
        print(json.dumps({{"new": sorted(set(seen["modules"]) - before), "args": seen["args"], "cwd": seen["cwd"]}}))
    """)], capture_output=True, text=True, encoding="utf-8", timeout=120, check=True).stdout.splitlines()[-1])
    assert found["args"] == landmarks.status_args(ignored=False) and found["cwd"] == str(sample.resolve())
    # nothing but the package, _early, the names it needs and subprocess itself
    yobo_modules = [m for m in found["new"] if m.startswith("yobo")]
    assert yobo_modules == ["yobo", "yobo.cli", "yobo.cli._early", "yobo.landmarks"], yobo_modules
    for name in ("pathlib", "typer", "click", "hashlib", "dataclasses", "unicodedata", "random"):
        assert name not in found["new"], name


def test_the_early_status_is_the_question_changed_paths_asks(sample, monkeypatch):
    monkeypatch.chdir(sample)
    for ignored in (False, True):
        marker = sample / landmarks.CACHE_DIR / _early.IGNORED_MARKER
        if ignored:
            marker.parent.mkdir(exist_ok=True)
            marker.touch()
        _early.start(["case", "list"])
        early = _early.take(sample.resolve())
        own = gitstore.ChangedPaths(sample.resolve(), ignored=ignored)
        assert early is not None and early.ignored is ignored
        assert early.proc.args == own.proc.args == landmarks.status_args(ignored=ignored)
        assert early.entries() == own.entries()
        assert _early.take(sample.resolve()) is None  # taken once

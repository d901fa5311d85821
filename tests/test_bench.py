"""The benchmark runs its rows round-robin beside the floors, and ``--compare`` times a
second yobo in the same rounds (rows ``before: …``) in a clone of its own."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from yobo.devtools import bench


def test_compare_times_the_other_yobo_row_beside_row_in_its_own_clone(tmp_path, capsys):
    other = Path(sys.executable).parent / "yobo"
    bench.main(["--cases", "3", "--runs", "2", "--keep", str(tmp_path), "--compare", str(other),
                "--only", "monitor due --json (warm),note add"])
    out = capsys.readouterr().out
    names = [m.group(1).strip() for m in re.finditer(r"^  (\S.*?)\s+\d+\.\d{3} s", out, re.M)]
    assert names == ["git status (floor)", "python -c pass (floor)", "monitor due --json (warm)",
                     "before: monitor due --json (warm)", "note add (one step, one commit)",
                     "before: note add (one step, one commit)"]
    # each row of either yobo is a ratio to the same rounds' git status, and to its own --json
    assert re.search(r"^  before: note add.*× git status.*× --json$", out, re.M)
    assert (tmp_path / "casebook-3-compare" / ".git").is_dir()
    # the other yobo wrote its note in its clone, not in the casebook under test
    log = lambda root: __import__("subprocess").run(["git", "log", "--oneline"], cwd=root, capture_output=True,
                                                    text=True).stdout.count("\n")
    assert log(tmp_path / "casebook-3") == log(tmp_path / "casebook-3-compare")


# -- the file watcher's rows -------------------------------------------------------------------------

from test_watcher import needs_watchman, own_watchman, watchman_dir, watchman_roots  # noqa: E402,F401

from yobo import watcher  # noqa: E402

WATCHER_ROWS = ["git status (floor, file watcher)", "monitor due --json (warm, file watcher)",
                "monitor due --json (after a commit, file watcher)", "case list --json (file watcher)"]


def test_the_file_watcher_rows_are_listed_last(capsys):
    bench.main(["--list"])
    names = capsys.readouterr().out.splitlines()
    assert names[-4:] == WATCHER_ROWS
    assert [r.name for r in bench.rows(Path("."), "X") if r.watched] == WATCHER_ROWS


def test_without_a_file_watcher_its_rows_are_skipped_with_the_reason(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(watcher, "detect", lambda root, platform=None: watcher.Support(None, "watchman も見つかりません"))
    bench.main(["--cases", "3", "--runs", "1", "--keep", str(tmp_path), "--only", "case list"])
    out = capsys.readouterr().out
    for name in ("git status (floor, file watcher)", "case list --json (file watcher)"):
        assert re.search(rf"^  {re.escape(name)}\s+skipped: watchman も見つかりません$", out, re.M), out
    assert re.search(r"^  case list --json\s+\d+\.\d{3} s", out, re.M)
    assert "monitor due --json (warm, file watcher)" not in out  # not asked for
    assert not (tmp_path / "casebook-3-watch").exists()


def test_nothing_of_the_file_watcher_is_timed_unless_asked_for(tmp_path, capsys, monkeypatch):
    asked = []
    monkeypatch.setattr(watcher, "detect", lambda root, platform=None: asked.append(root) or watcher.Support(None, "x"))
    bench.main(["--cases", "3", "--runs", "1", "--keep", str(tmp_path), "--only", "monitor due --json (warm)",
                "--skip", "monitor due --json (warm, file watcher)"])
    assert "file watcher" not in capsys.readouterr().out and asked == []


@needs_watchman
def test_the_file_watcher_rows_run_in_a_watched_clone_that_is_unwatched_after(capsys, own_watchman):
    bench.main(["--cases", "3", "--runs", "2", "--only", "case list,monitor due --json (after a commit, file"])
    out = capsys.readouterr().out
    assert re.search(r"^  git status \(floor, file watcher\)\s+\d+\.\d{3} s .*× git status$", out, re.M), out
    for name in ("monitor due --json (after a commit, file watcher)", "case list --json (file watcher)"):
        assert re.search(rf"^  {re.escape(name)}\s+\d+\.\d{{3}} s .*× git status .*× watched git status$", out, re.M), out
    assert "file watcher (watchman) on" in out
    assert watchman_roots() == set()  # no watcher left running after a run without --keep


# -- validate's rows -----------------------------------------------------------------------------------


def test_validate_is_timed_when_nothing_changed_and_whole(capsys):
    bench.main(["--list"])
    names = capsys.readouterr().out.splitlines()
    assert "validate (nothing changed)" in names and "validate --all (whole casebook)" in names


def test_a_yobo_without_validate_all_gets_one_whole_row_named_like_it(tmp_path):
    # a release before `validate --all` checked every document on every run
    old = tmp_path / "old-yobo"
    old.write_text("#!/bin/sh\necho 'Usage: yobo validate [OPTIONS]  --json'\n", encoding="utf-8")
    old.chmod(0o755)
    rows = bench.validate_rows([str(old)], lambda argv: None)
    assert [(r.name, r.argv) for r in rows] == [("validate --all (whole casebook)", [str(old), "validate"])]
    new = bench.validate_rows(bench._yobo(), lambda argv: None)
    assert [r.argv[-1] for r in new] == ["validate", "--all"]

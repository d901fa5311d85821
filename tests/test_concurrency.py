"""Writers at once (real processes started together): two staff members adding notes
to the same case the same day, recording monitoring in the same month's file, and
registering the same person — plus a note on another case.  Every reported success is
in HEAD once, with its own author and its own text; every failure wrote nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NEW_CASE, OTHER_STAFF, STAFF, TODAY, flags, git

from test_crash import template  # noqa: F401  (the shared casebook with a started plan)


def _start(args: list[str], staff: str) -> subprocess.Popen:
    exe = str(Path(sys.executable).parent / "yobo")
    env = dict(os.environ, YOBO_TODAY=TODAY, YOBO_STAFF=staff, YOBO_LOCK_TIMEOUT="60")
    return subprocess.Popen([exe, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")


def _in_head(root: Path, mark: str) -> int:
    out = subprocess.run(["git", "grep", "-c", "-F", mark, "HEAD", "--", "cases"], cwd=root, capture_output=True,
                         text=True).stdout
    return sum(int(line.rsplit(":", 1)[1]) for line in out.splitlines() if line)


def _on_disk(root: Path, mark: str) -> int:
    out = subprocess.run(["git", "grep", "-c", "--untracked", "-F", mark, "--", "cases"], cwd=root,
                         capture_output=True, text=True).stdout
    return sum(int(line.rsplit(":", 1)[1]) for line in out.splitlines() if line)


@pytest.mark.parametrize("trial", range(2))
def test_writers_at_once_lose_nothing_and_misattribute_nothing(template, tmp_path, trial):  # noqa: F811
    import shutil

    root = tmp_path / "casebook"
    shutil.copytree(template["root"], root, symlinks=True)
    started, other_case = template["started"], template["drafted"]
    C = ["-C", str(root)]
    person = {**NEW_CASE, "--insured-no": "0000777777"}
    writers = [  # (command, staff, the text it records, its own)
        (["note", "add", started, "--text", f"同時A{trial}", "--date", "2026-11-20", *C], STAFF, f"同時A{trial}"),
        (["note", "add", started, "--text", f"同時B{trial}", "--date", "2026-11-20", *C], OTHER_STAFF, f"同時B{trial}"),
        (["note", "add", other_case, "--text", f"同時C{trial}", "--date", "2026-11-20", *C], STAFF, f"同時C{trial}"),
        (["monitor", "record", started, "--method", "phone", "--reason", "入院", "--summary", f"月内A{trial}",
          "--date", "2026-05-20", *C], STAFF, f"月内A{trial}"),
        (["monitor", "record", started, "--method", "phone", "--reason", "入院", "--summary", f"月内B{trial}",
          "--date", "2026-05-21", *C], OTHER_STAFF, f"月内B{trial}"),
        (["case", "new", *C, *flags({**person, "--name": f"同一 人物{trial}"})], STAFF, f"同一 人物{trial}"),
        (["case", "new", *C, *flags({**person, "--name": f"同一 人物{trial}", "--manager": OTHER_STAFF})],
         OTHER_STAFF, f"同一 人物{trial}"),
    ]
    head = git(root, "rev-parse", "HEAD").strip()
    procs = [_start(args, staff) for args, staff, _ in writers]
    results = [(p.wait(timeout=180), p.stdout.read(), p.stderr.read()) for p in procs]

    succeeded = failed = 0
    for (args, staff, mark), (code, out, err) in zip(writers, results):
        if code == 0:
            succeeded += 1
            if args[:2] == ["case", "new"]:
                continue  # both carry the same name: counted together below
            assert _in_head(root, mark) == 1, (args, out, err)
            authors = git(root, "log", f"{head}..HEAD", "-F", f"-S{mark}", "--format=%an").split()
            assert authors == [staff], (mark, authors)
        else:
            failed += 1
            assert code == 2, (args, code, err)
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("yobo: エラー: "), err
            assert "Traceback" not in err
    # The same person registered twice at once: exactly one case, the other refused.
    registered = [r for (args, _, _), r in zip(writers, results) if args[:2] == ["case", "new"]]
    assert sorted(code for code, _, _ in registered) == [0, 2], registered
    assert "登録済み" in next(err for code, _, err in registered if code == 2)
    assert _in_head(root, f"同一 人物{trial}") == 1
    assert succeeded == len(writers) - 1 and failed == 1, [(w[0][:2], r[0], r[2]) for w, r in zip(writers, results)]
    # Nothing lost outside git, each commit holds one step's own paths, authored by its staff.
    assert git(root, "status", "--porcelain") == ""
    for mark in (w[2] for w in writers):
        assert _on_disk(root, mark) == _in_head(root, mark)
    commits = git(root, "log", f"{head}..HEAD", "--format=%H").split()
    assert len(commits) == succeeded
    for commit in commits:
        case = git(root, "log", "-1", "--format=%(trailers:key=Yobo-Case,valueonly)", commit).strip()
        paths = git(root, "show", "--name-only", "--format=", commit).split()
        assert paths and all(f"/{case}/" in p for p in paths), (case, paths)
    monthly = [p for p in git(root, "ls-files").split() if "/monitoring/2026-05" in p]  # one file a month (and author)
    assert sum(git(root, "show", f"HEAD:{p}").count("summary:") for p in monthly) == 3  # the template's and both new

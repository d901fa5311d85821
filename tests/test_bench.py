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

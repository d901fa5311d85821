"""The synthetic casebook generator: valid documents, a git repository, deadlines found."""

from __future__ import annotations

import json

from conftest import git


def test_gen_casebook_is_valid_and_finds_deadlines(cli, tmp_path):
    root = tmp_path / "gen"
    run = cli("dev", "gen-casebook", "40", str(root), "--today", "2026-11-22")
    assert run.code == 0, run.stderr
    assert "40 件" in run.stdout
    assert git(root, "status", "--porcelain") == ""
    check = cli("validate", "-C", str(root), "--json", "--today", "2026-11-22")
    report = json.loads(check.stdout)
    assert check.code == 0 and report["cases"] == 40 and report["documents"] > 40 * 10
    due = json.loads(cli("monitor", "due", "-C", str(root), "--today", "2026-11-22", "--json").stdout)
    codes = {d["code"] for d in due}
    assert {"monitoring-record", "evaluation", "commission-claim"} <= codes


def test_same_seed_same_casebook(cli, tmp_path):
    from datetime import date

    from yobo.devtools.generate import generate

    a = generate(tmp_path / "a", 5, today=date(2026, 11, 22), commit=False)
    b = generate(tmp_path / "b", 5, today=date(2026, 11, 22), commit=False)
    assert a == b
    files_a = sorted(p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*.yaml"))
    files_b = sorted(p.relative_to(tmp_path / "b").as_posix() for p in (tmp_path / "b").rglob("*.yaml"))
    assert files_a == files_b and (tmp_path / "a" / files_a[-1]).read_text() == (tmp_path / "b" / files_b[-1]).read_text()


def test_gen_casebook_refuses_an_existing_folder(cli, tmp_path):
    run = cli("dev", "gen-casebook", "3", str(tmp_path))
    assert run.code == 2 and "すでにあります" in run.stderr

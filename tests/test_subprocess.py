"""The installed ``yobo`` program, run as a user runs it: a real process, real git."""

from __future__ import annotations

import json

from conftest import NEW_CASE, STAFF, assert_one_line_error, flags, git, snapshot


def test_a_new_user_session_end_to_end(yobo_bin, tmp_path):
    root = tmp_path / "cb"
    made = yobo_bin("init", str(root), "--office-name", "さくら居宅", "--office-kind", "kyotaku", "--staff", STAFF)
    assert made.code == 0, made.stderr
    created = yobo_bin("case", "new", *flags(NEW_CASE), cwd=root)
    assert created.code == 0, created.stderr
    case_id = created.stdout.strip().splitlines()[-1]
    listing = yobo_bin("case", "list", "--json", cwd=root / "cases")
    assert [c["id"] for c in json.loads(listing.stdout)] == [case_id]
    assert yobo_bin("validate", cwd=root).code == 0
    history = json.loads(yobo_bin("log", "--json", cwd=root).stdout)
    assert [e["step"] for e in history] == ["case-new", "init"]
    assert history[0]["author"] == STAFF
    # no global git identity on this "fresh machine": the staff member commits too
    assert git(root, "log", "-1", "--format=%cn").strip() == STAFF


def test_bad_input_in_a_real_process_is_one_line_and_changes_nothing(yobo_bin, tmp_path):
    root = tmp_path / "cb"
    yobo_bin("init", str(root), "--office-name", "さくら居宅", "--office-kind", "kyotaku", "--staff", STAFF)
    before = snapshot(root)
    run = yobo_bin("case", "new", *flags(dict(NEW_CASE, **{"--insured-no": "123456789"})), cwd=root)
    assert_one_line_error(run, "--insured-no", "10桁")
    assert snapshot(root) == before


def test_help_and_no_arguments(yobo_bin):
    run = yobo_bin("--help")
    assert run.code == 0 and "ケースファイル" in run.stdout
    bare = yobo_bin()
    assert bare.code == 0 and "コマンド" in bare.stdout


def test_sample_init_and_validate(yobo_bin, tmp_path):
    root = tmp_path / "sample"
    assert yobo_bin("init", str(root), "--sample", env={"YOBO_STAFF": ""}).code == 0
    run = yobo_bin("validate", "--casebook", str(root))
    assert run.code == 0 and "問題はありません" in run.stdout

"""``yobo case new | list | show`` and what bad input must never do."""

from __future__ import annotations

import json
import re

import pytest

from conftest import NEW_CASE, STAFF, TODAY, assert_one_line_error, flags, git, new_case, snapshot
from yobo.yamlio import load_fast


def test_case_new_writes_case_and_certification_in_one_commit(cli, casebook):
    run = cli("case", "new", "-C", str(casebook), *flags(NEW_CASE))
    assert run.code == 0, run.stderr
    case_id = run.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{6}", case_id)
    folder = casebook / "cases" / case_id[:2] / case_id
    case = load_fast((folder / "case.yaml").read_text(encoding="utf-8"), "case.yaml")
    assert case == {
        "id": case_id, "status": "active", "opened": TODAY,
        "person": {"insured_no": "0000123456", "name": "佐藤 一郎", "kana": "サトウ\u3000イチロウ",
                   "birth": "1940-05-01", "sex": "male"},
        "route": "yobo-shien", "mode": "itaku", "hokatsu": "中央地域包括支援センター", "manager": STAFF,
    }
    cert = load_fast((folder / "certifications" / "2026-04-01.yaml").read_text(encoding="utf-8"), "c.yaml")
    assert cert == {"level": "shien1", "status": "certified", "from": "2026-04-01", "to": "2027-03-31"}
    assert (folder / "case.yaml").read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../../../schemas/case.schema.json\n")
    log = git(casebook, "log", "--format=%s", "-1").strip()
    assert log == f"case-new: {case_id}"
    body = git(casebook, "log", "-1", "--format=%B")
    assert f"Yobo-Case: {case_id}" in body and "Yobo-Step: case-new" in body
    assert "佐藤" not in body and "0000123456" not in body  # no personal data in commit messages
    assert git(casebook, "show", "--name-only", "--format=", "HEAD").split() == [
        f"cases/{case_id[:2]}/{case_id}/case.yaml", f"cases/{case_id[:2]}/{case_id}/certifications/2026-04-01.yaml"]
    assert git(casebook, "status", "--porcelain") == ""
    assert len(git(casebook, "rev-list", "HEAD").split()) == 2


def test_case_new_json_and_jigyo_defaults(cli, casebook):
    options = dict(NEW_CASE, **{"--level": "jigyo", "--cert-to": None, "--insured-no": "0000000777"})
    run = cli("case", "new", "-C", str(casebook), *flags(options), "--json")
    assert run.code == 0, run.stderr
    case_id = json.loads(run.stdout)["case"]
    shown = json.loads(cli("case", "show", case_id, "-C", str(casebook), "--json").stdout)
    assert shown["route"] == "cm-a" and shown["level"] == "jigyo" and shown["cert_to"] is None


def test_case_new_from_file_with_flags_overriding(cli, casebook, tmp_path):
    data = tmp_path / "new.yaml"
    data.write_text("\n".join(f"{k[2:].replace('-', '_')}: \"{v}\"" for k, v in NEW_CASE.items()), encoding="utf-8")
    run = cli("case", "new", "-C", str(casebook), "--file", str(data), "--name", "上書き 太郎", "--json")
    assert run.code == 0, run.stderr
    shown = json.loads(cli("case", "show", json.loads(run.stdout)["case"], "-C", str(casebook), "--json").stdout)
    assert shown["name"] == "上書き 太郎" and shown["person"]["insured_no"] == "0000123456"


def test_case_list_and_show(cli, casebook):
    first = new_case(cli, casebook)
    second = new_case(cli, casebook, insured_no="0000000002", name="鈴木 花子", kana="すずき はなこ", sex="female",
                      level="shien2", mode="shitei", hokatsu=None, manager="佐藤次郎")
    listing = json.loads(cli("case", "list", "-C", str(casebook), "--json").stdout)
    assert {c["id"] for c in listing} == {first, second}
    row = next(c for c in listing if c["id"] == second)
    assert row["kana"] == "スズキ\u3000ハナコ" and row["manager"] == "佐藤次郎" and row["level"] == "shien2"
    table = cli("case", "list", "-C", str(casebook))
    assert "鈴木 花子" in table.stdout and "要支援2" in table.stdout and "2 件" in table.stdout
    mine = json.loads(cli("case", "list", "-C", str(casebook), "--staff", "佐藤次郎", "--json").stdout)
    assert [c["id"] for c in mine] == [second]
    shown = cli("case", "show", first[:3], "-C", str(casebook))
    assert shown.code == 0 and "佐藤 一郎" in shown.stdout and "2026-04-01〜2027-03-31" in shown.stdout


def test_today_comes_from_option_or_environment(cli, casebook):
    case_id = new_case(cli, casebook, today="2026-12-01")
    shown = json.loads(cli("case", "show", case_id, "-C", str(casebook), "--json").stdout)
    assert shown["opened"] == "2026-12-01"
    other = new_case(cli, casebook, insured_no="0000000003")
    assert json.loads(cli("case", "show", other, "-C", str(casebook), "--json").stdout)["opened"] == TODAY


BAD_INPUT = [
    ({"--insured-no": "123456789"}, "--insured-no"),
    ({"--insured-no": "12345678AB"}, "--insured-no"),
    ({"--birth": "1940-02-30"}, "--birth"),
    ({"--birth": "1940/05/01"}, "--birth"),
    ({"--cert-from": "2026-13-01"}, "--cert-from"),
    ({"--cert-to": "2026-03-31"}, "--cert-to"),
    ({"--level": "要介護1"}, "--level"),
    ({"--sex": "x"}, "--sex"),
    ({"--kana": "Sato"}, "--kana"),
    ({"--mode": "direct"}, "--mode"),
    ({"--mode": "itaku", "--hokatsu": None}, "--hokatsu"),
    ({"--route": "cm-a", "--mode": "shitei"}, "--mode"),
    ({"--level": "jigyo"}, "--cert-to"),  # 事業対象者 has no end date
    ({"--level": "jigyo", "--cert-to": None, "--route": "yobo-shien"}, "--route"),
    ({"--manager": "未登録の人"}, "--manager"),
    ({"--name": None}, "--name"),
    ({"--birth": "2026-05-01"}, "--birth"),
]


@pytest.mark.parametrize("override, field", BAD_INPUT, ids=[f for _, f in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(cli, casebook, override, field):
    before = snapshot(casebook)
    run = cli("case", "new", "-C", str(casebook), *flags(dict(NEW_CASE, **override)))
    assert_one_line_error(run, field)
    assert snapshot(casebook) == before


def test_duplicate_insured_number_is_refused(cli, casebook):
    new_case(cli, casebook)
    before = snapshot(casebook)
    run = cli("case", "new", "-C", str(casebook), *flags(NEW_CASE))
    assert_one_line_error(run, "--insured-no", "登録済み")
    assert snapshot(casebook) == before


def test_bad_today_and_unknown_options_are_usage_errors(cli, casebook):
    before = snapshot(casebook)
    assert_one_line_error(cli("case", "new", "-C", str(casebook), *flags(NEW_CASE), "--today", "2026-02-30"), "--today")
    assert_one_line_error(cli("case", "new", "-C", str(casebook), "--colour", "red"), "--colour")
    assert_one_line_error(cli("case", "frobnicate", "-C", str(casebook)), "frobnicate")
    assert_one_line_error(cli("case", "show", "-C", str(casebook)), "CASE")
    assert snapshot(casebook) == before


def test_unknown_and_ambiguous_case_ids(cli, casebook):
    assert_one_line_error(cli("case", "show", "ZZZZZZ", "-C", str(casebook)), "ZZZZZZ", "ありません")
    ids = [new_case(cli, casebook, insured_no=f"000000{n:04d}") for n in range(3)]
    assert json.loads(cli("case", "show", ids[0].lower(), "-C", str(casebook), "--json").stdout)["id"] == ids[0]


def test_bad_file_input_names_the_file(cli, casebook, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [佐藤\n", encoding="utf-8")
    assert_one_line_error(cli("case", "new", "-C", str(casebook), "--file", str(bad)), "bad.yaml:")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("shimei: 佐藤\n", encoding="utf-8")
    assert_one_line_error(cli("case", "new", "-C", str(casebook), "--file", str(unknown)), "shimei")


def test_a_failed_commit_leaves_the_tree_as_it_was(cli, casebook):
    hook = casebook / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by hook' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = snapshot(casebook)
    run = cli("case", "new", "-C", str(casebook), *flags(NEW_CASE))
    assert_one_line_error(run, "git commit")
    assert snapshot(casebook) == before
    assert not (casebook / "cases").exists()


def test_a_case_with_an_unreadable_file_does_not_hide_the_others(cli, casebook):
    good = new_case(cli, casebook)
    bad = new_case(cli, casebook, insured_no="0000000009")
    (casebook / "cases" / bad[:2] / bad / "case.yaml").write_text("id: [\n", encoding="utf-8")
    run = cli("case", "list", "-C", str(casebook), "--json")
    assert run.code == 0
    # the others are listed as ever; the broken one is listed too, saying where it broke (issue 10)
    rows = {c["id"]: c for c in json.loads(run.stdout)}
    assert set(rows) == {good, bad} and rows[good]["status"] == "active"
    assert rows[bad]["status"] == "unreadable"
    assert rows[bad]["problems"][0].startswith(f"cases/{bad[:2]}/{bad}/case.yaml:2: [yaml-syntax]")
    assert "yobo validate" in run.stderr
    assert_one_line_error(cli("case", "show", bad, "-C", str(casebook)), "読めません")

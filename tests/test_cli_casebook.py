"""``yobo init``, ``staff``, ``validate``, ``log`` and finding the casebook, through Typer's runner."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import OTHER_STAFF, STAFF, assert_one_line_error, git, new_case, snapshot
from yobo.resources import data_dir


def test_init_creates_config_gitignore_schemas_and_one_commit(casebook):
    assert (casebook / "yobo.yaml").read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=schemas/casebook.schema.json\n")
    assert ".yobo/" in (casebook / ".gitignore").read_text(encoding="utf-8")
    assert (casebook / "schemas" / "case.schema.json").is_file()
    log = git(casebook, "log", "--format=%an|%s|%(trailers:key=Yobo-Step,valueonly)").strip().splitlines()
    assert log == [f"{STAFF}|init: casebook|init"]
    assert git(casebook, "status", "--porcelain") == ""
    assert git(casebook, "config", "core.untrackedCache").strip() == "true"


def test_init_writes_office_profile_and_staff(cli, tmp_path):
    root = tmp_path / "hokatsu"
    run = cli("init", str(root), "--office-name", "中央地域包括支援センター", "--office-kind", "包括",
              "--profile", "suzuka-kameyama", "--staff", "保健師 一", "--as", "保健師 一")
    assert run.code == 0, run.stderr
    text = (root / "yobo.yaml").read_text(encoding="utf-8")
    assert "kind: hokatsu" in text and "profile: suzuka-kameyama" in text and "- name: 保健師 一" in text
    assert "作成しました" in run.stdout


@pytest.mark.parametrize("args, needle", [
    (["--office-kind", "kyotaku", "--staff", STAFF], "--office-name"),
    (["--office-name", "X", "--staff", STAFF], "--office-kind"),
    (["--office-name", "X", "--office-kind", "kyotaku"], "--staff"),
    (["--office-name", "X", "--office-kind", "clinic", "--staff", STAFF], "--office-kind"),
    (["--office-name", "X", "--office-kind", "kyotaku", "--office-no", "123", "--staff", STAFF], "--office-no"),
    (["--office-name", "X", "--office-kind", "kyotaku", "--profile", "osaka", "--staff", STAFF], "--profile"),
])
def test_init_bad_input_creates_nothing(cli, tmp_path, args, needle):
    root = tmp_path / "new"
    run = cli("init", str(root), *args)
    assert_one_line_error(run, needle)
    assert not root.exists()


def test_init_refuses_a_folder_that_is_not_empty(cli, tmp_path):
    root = tmp_path / "used"
    root.mkdir()
    (root / "memo.txt").write_text("大事なメモ", encoding="utf-8")
    run = cli("init", str(root), "--office-name", "X", "--office-kind", "kyotaku", "--staff", STAFF)
    assert_one_line_error(run, "空のフォルダではありません")
    assert sorted(p.name for p in root.iterdir()) == ["memo.txt"]


def test_init_sample_makes_a_valid_committed_casebook(cli, tmp_path):
    root = tmp_path / "sample"
    run = cli("init", str(root), "--sample", env={"YOBO_STAFF": ""})
    assert run.code == 0, run.stderr
    assert git(root, "status", "--porcelain") == ""
    check = cli("validate", "-C", str(root), "--json")
    assert check.code == 0, check.stdout
    report = json.loads(check.stdout)
    assert report["ok"] is True and report["cases"] >= 6
    listing = json.loads(cli("case", "list", "-C", str(root), "--all", "--json").stdout)
    assert {c["level"] for c in listing} == {"shien1", "shien2", "jigyo"}
    assert {c["mode"] for c in listing} == {"itaku", "shitei"}


def test_read_commands_work_on_the_bundled_sample_in_place(cli):
    sample = data_dir("sample-casebook")
    assert cli("validate", "-C", str(sample)).code == 0
    assert cli("case", "list", "-C", str(sample), "--json").code == 0
    shown = cli("case", "show", "3QK", "-C", str(sample), "--json")
    assert json.loads(shown.stdout)["id"] == "3QK7WA"


def test_write_commands_refuse_a_casebook_inside_another_repository(cli, tmp_path):
    outer = tmp_path / "project"
    shutil.copytree(data_dir("sample-casebook"), outer / "sample", symlinks=False,
                    ignore=shutil.ignore_patterns("schemas", ".yobo"))
    git(outer, "init", "-q")
    before = snapshot(outer)
    run = cli("staff", "add", "新人", "-C", str(outer / "sample"), "--as", "田中美咲")
    assert_one_line_error(run, "別の git リポジトリ")
    assert snapshot(outer) == before


def test_casebook_is_found_from_option_env_and_current_folder(cli, casebook, monkeypatch):
    case_id = new_case(cli, casebook)
    assert case_id in cli("case", "list", "--casebook", str(casebook)).stdout
    assert case_id in cli("case", "list", env={"YOBO_CASEBOOK": str(casebook)}).stdout
    monkeypatch.chdir(casebook / "cases")
    assert case_id in cli("case", "list").stdout


def test_no_casebook_is_a_clear_error(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(cli("case", "list"), "yobo.yaml")
    assert_one_line_error(cli("case", "list", "-C", str(tmp_path)), "ケースブックではありません")


def test_staff_add_and_list(cli, casebook):
    config = casebook / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("profile: national", "profile: national  # 手で書いた注記"),
                      encoding="utf-8")
    git(casebook, "-c", "user.name=手作業", "-c", "user.email=h@example.jp", "commit", "-qam", "注記")
    run = cli("staff", "add", "鈴木三郎", "--email", "suzuki@example.jp", "-C", str(casebook))
    assert run.code == 0, run.stderr
    staff = json.loads(cli("staff", "list", "-C", str(casebook), "--json").stdout)
    assert [s["name"] for s in staff] == [STAFF, OTHER_STAFF, "鈴木三郎"]
    assert staff[2]["email"] == "suzuki@example.jp"
    text = config.read_text(encoding="utf-8")
    assert "profile: national  # 手で書いた注記" in text  # yobo.yaml is not edited: one file a person
    assert "鈴木三郎" not in text
    [added] = (casebook / "staff" / "kyotaku").glob("*.yaml")
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{6}\.yaml", added.name)  # an opaque id, not the name
    assert "name: 鈴木三郎\nparty: kyotaku\nemail: suzuki@example.jp\n" in added.read_text(encoding="utf-8")
    subject = git(casebook, "log", "-1", "--format=%s|%an").strip()
    assert subject == f"staff-add: casebook|{STAFF}"
    assert_one_line_error(cli("staff", "add", "鈴木三郎", "-C", str(casebook)), "すでに登録")


def test_acting_staff_comes_from_as_env_or_git_config_and_must_be_registered(cli, casebook):
    new_case(cli, casebook)
    assert git(casebook, "log", "-1", "--format=%an").strip() == STAFF  # YOBO_STAFF
    run = cli("staff", "add", "新人A", "-C", str(casebook), "--as", OTHER_STAFF)
    assert run.code == 0
    assert git(casebook, "log", "-1", "--format=%an").strip() == OTHER_STAFF
    git(casebook, "config", "user.name", OTHER_STAFF)
    git(casebook, "config", "user.email", "sato@example.jp")
    run = cli("staff", "add", "新人B", "-C", str(casebook), env={"YOBO_STAFF": ""})
    assert run.code == 0, run.stderr
    assert git(casebook, "log", "-1", "--format=%an <%ae>").strip() == f"{OTHER_STAFF} <sato@example.jp>"
    before = snapshot(casebook)
    run = cli("staff", "add", "新人C", "-C", str(casebook), "--as", "部外者")
    assert_one_line_error(run, "--as", "部外者", STAFF)
    assert snapshot(casebook) == before


def test_validate_reports_every_problem_with_file_line_and_code(cli, casebook):
    case_id = new_case(cli, casebook)
    folder = casebook / "cases" / case_id[:2] / case_id
    case_file = folder / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(text.replace("mode: itaku", "mode: shitei").replace("route: yobo-shien", "route: cm-a"),
                         encoding="utf-8")
    cert = next((folder / "certifications").glob("*.yaml"))
    cert.write_text(cert.read_text(encoding="utf-8").replace("to: 2027-03-31", "to: 2027-02-30"), encoding="utf-8")
    run = cli("validate", "-C", str(casebook))
    assert run.code == 1
    lines = run.stdout.strip().splitlines()
    route_line = next(i for i, line in enumerate(case_file.read_text(encoding="utf-8").splitlines(), 1)
                      if line.startswith("mode:"))
    assert f"cases/{case_id[:2]}/{case_id}/case.yaml:{route_line}: [case-route-mode]" in run.stdout
    assert any("[schema-format]" in line and "2027-02-30" in line and ".yaml:" in line for line in lines)
    # the two hand edits are not committed either: each is said once more (uncommitted-file)
    assert "問題が 4 件あります" in run.stderr
    report = json.loads(cli("validate", "-C", str(casebook), "--json").stdout)
    assert report["ok"] is False
    assert sorted(p["code"] for p in report["problems"]) == ["case-route-mode", "schema-format", "uncommitted-file",
                                                             "uncommitted-file"]


def test_validate_reports_a_broken_config_and_unparseable_files(cli, casebook):
    case_id = new_case(cli, casebook)
    (casebook / "yobo.yaml").write_text((casebook / "yobo.yaml").read_text(encoding="utf-8")
                                        .replace("kind: kyotaku", "kind: clinic"), encoding="utf-8")
    bad = casebook / "cases" / case_id[:2] / case_id / "case.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    run = cli("validate", "-C", str(casebook), "--json")
    assert run.code == 1
    found = {(p["path"], p["code"]) for p in json.loads(run.stdout)["problems"]}
    assert ("yobo.yaml", "schema-enum") in found
    assert (f"cases/{case_id[:2]}/{case_id}/case.yaml", "yaml-syntax") in found


def test_log_lists_who_changed_what_and_filters_by_case(cli, casebook):
    first = new_case(cli, casebook)
    second = new_case(cli, casebook, insured_no="0000999999", **{"as": OTHER_STAFF})
    entries = json.loads(cli("log", "-C", str(casebook), "--json").stdout)
    assert [(e["step"], e["case"], e["author"]) for e in entries] == [
        ("case-new", second, OTHER_STAFF), ("case-new", first, STAFF), ("init", None, STAFF)]
    only = json.loads(cli("log", first[:4], "-C", str(casebook), "--json").stdout)
    assert [e["case"] for e in only] == [first]
    table = cli("log", "-C", str(casebook))
    assert "ケース登録" in table.stdout and second in table.stdout


def test_hand_edits_committed_with_plain_git_are_read_and_logged(cli, casebook):
    case_id = new_case(cli, casebook)
    case_file = casebook / "cases" / case_id[:2] / case_id / "case.yaml"
    case_file.write_text(case_file.read_text(encoding="utf-8") + "# 手で追記したメモ\n", encoding="utf-8")
    git(casebook, "-c", "user.name=手作業", "-c", "user.email=h@example.jp", "commit", "-qam", "メモを追記")
    entries = json.loads(cli("log", case_id, "-C", str(casebook), "--json").stdout)
    assert entries[0]["author"] == "手作業" and entries[0]["step"] is None
    assert "（手作業の変更）" in cli("log", case_id, "-C", str(casebook)).stdout
    assert cli("validate", "-C", str(casebook)).code == 0
    # a later yobo step keeps the hand-written comment
    cli("staff", "add", "新人", "-C", str(casebook))
    assert case_file.read_text(encoding="utf-8").endswith("# 手で追記したメモ\n")


def test_init_records_the_office_address_for_the_forms(cli, tmp_path):
    root = tmp_path / "cb"
    run = cli("init", str(root), "--office-name", "テスト居宅", "--office-kind", "kyotaku", "--office-postal-code",
              "５１４-0001", "--office-address", "〇〇市△△町1-2", "--office-phone", "059-000-0000", "--staff", "山田花子")
    assert run.code == 0, run.stderr
    text = (root / "yobo.yaml").read_text(encoding="utf-8")
    assert "postal_code: 514-0001\n" in text and "address: 〇〇市△△町1-2\n" in text and "phone: 059-000-0000\n" in text
    assert cli("validate", "-C", str(root)).code == 0


def test_init_refuses_a_bad_office_phone_and_creates_nothing(cli, tmp_path):
    root = tmp_path / "cb"
    run = cli("init", str(root), "--office-name", "テスト居宅", "--office-kind", "kyotaku", "--office-phone", "abc",
              "--staff", "山田花子")
    assert_one_line_error(run, "office.phone")
    assert not root.exists()

"""The casebook's copy of the schemas (issue 15, item 6): ``yobo validate`` says which
copies differ from the installed yobo's (schema-outdated, a warning), and ``yobo schemas
update`` makes them equal again in one commit."""

from __future__ import annotations

import json

from conftest import git

from yobo.schemas import installed_schemas


def _edit_pattern(casebook, name="case.schema.json"):
    path = casebook / "schemas" / name
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["description"] = "ローカルで書き換えた"
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


def test_a_fresh_casebook_holds_the_installed_schemas(cli, casebook):
    for rel, text in installed_schemas().items():
        assert (casebook / rel).read_text(encoding="utf-8") == text
    run = cli("validate", "-C", str(casebook))
    assert run.code == 0 and "schema-outdated" not in run.stdout + run.stderr


def test_validate_warns_of_each_differing_or_missing_copy(cli, casebook):
    _edit_pattern(casebook)
    (casebook / "schemas" / "note.schema.json").unlink()
    run = cli("validate", "-C", str(casebook))
    assert run.code == 0, run.stdout + run.stderr  # a warning, not a failed check
    lines = [line for line in run.stdout.splitlines() if "schema-outdated" in line]
    assert len(lines) == 2
    assert lines[0].startswith("schemas/case.schema.json:1: [schema-outdated]") and "yobo schemas update" in lines[0]
    assert lines[1].startswith("schemas/note.schema.json: [schema-outdated]")
    assert "警告 2 件" in run.stdout
    report = json.loads(cli("validate", "-C", str(casebook), "--json").stdout)
    assert report["ok"] is True
    assert {(p["path"], p["severity"]) for p in report["problems"]} == {
        ("schemas/case.schema.json", "warning"), ("schemas/note.schema.json", "warning")}


def test_line_endings_do_not_count(cli, casebook):
    """git on Windows may check the copies out with CRLF: the same schema."""
    path = casebook / "schemas" / "plan.schema.json"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert "schema-outdated" not in cli("validate", "-C", str(casebook)).stdout


def test_schemas_update_refreshes_them_in_one_commit(cli, casebook):
    _edit_pattern(casebook)
    _edit_pattern(casebook, "plan.schema.json")
    git(casebook, "-c", "user.name=x", "-c", "user.email=x@x.invalid", "commit", "-qam", "手で編集")  # e.g. an older yobo's schemas, committed
    before = git(casebook, "rev-list", "--count", "HEAD").strip()
    run = cli("schemas", "update", "-C", str(casebook), "--json")
    assert run.code == 0, run.stderr
    done = json.loads(run.stdout)
    assert done["files"] == ["schemas/case.schema.json", "schemas/plan.schema.json"]
    assert int(git(casebook, "rev-list", "--count", "HEAD").strip()) == int(before) + 1
    assert git(casebook, "log", "-1", "--format=%s").strip() == "schemas-update: casebook"
    assert sorted(git(casebook, "show", "--name-only", "--format=", "HEAD").split()) == done["files"]
    for rel, text in installed_schemas().items():
        assert (casebook / rel).read_text(encoding="utf-8") == text
    assert "schema-outdated" not in cli("validate", "-C", str(casebook)).stdout
    again = cli("schemas", "update", "-C", str(casebook))
    assert again.code == 0 and "コミットなし" in again.stdout
    assert git(casebook, "rev-list", "--count", "HEAD").strip() == str(int(before) + 1)


def test_an_uncommitted_edit_is_put_back_without_a_commit(cli, casebook):
    _edit_pattern(casebook)
    head = git(casebook, "rev-parse", "HEAD")
    run = cli("schemas", "update", "-C", str(casebook))
    assert run.code == 0, run.stderr
    assert "元に戻しました" in run.stdout
    assert git(casebook, "rev-parse", "HEAD") == head
    assert git(casebook, "status", "--porcelain").strip() == ""

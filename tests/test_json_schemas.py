"""Every ``--json`` output has a JSON Schema under schemas/output/ and matches it, run on
the sample casebook (and, for the write commands, on a case registered there)."""

from __future__ import annotations

import json
import shutil
import subprocess
import re
import sys
from pathlib import Path

import click
import jsonschema
import pytest
import typer
from referencing import Registry, Resource

from conftest import NEW_CASE, flags
from yobo.cli import app
from yobo.resources import data_dir
from yobo.vocab import DUE_STATUSES

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
SCHEMAS = data_dir("schemas")
OUTPUT = SCHEMAS / "output"
TODAY = "2026-11-22"
ANSWERS = "nnnyy" + "nnyyn" + "y" + "-" + "nyn" + "yn" + "nyn" + "nnnnn"


def json_commands() -> list[str]:
    """Every command (``monitor-due``, ``validate`` …) that has a ``--json`` option."""
    found = []

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, path + [name])
        elif any("--json" in getattr(p, "opts", ()) for p in command.params):
            found.append("-".join(path))

    walk(typer.main.get_command(app), [])
    return sorted(found)


def _registry() -> Registry:
    """The document schemas at their file URIs, so ``../plan.schema.json`` resolves as an
    editor or check-jsonschema would resolve it next to the file."""
    registry = Registry()
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        registry = registry.with_resource(path.as_uri(), Resource.from_contents(json.loads(path.read_text("utf-8"))))
    return registry


def validate(name: str, data) -> None:
    path = OUTPUT / f"{name}.schema.json"
    schema = {**json.loads(path.read_text(encoding="utf-8")), "$id": path.as_uri()}
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema, registry=_registry(), format_checker=cls.FORMAT_CHECKER).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def document(kind: str, data, *, part: str | None = None) -> None:
    """``data`` checked against the document schema ``kind`` (or one property of it)."""
    path = SCHEMAS / f"{kind}.schema.json"
    schema = {**json.loads(path.read_text(encoding="utf-8")), "$id": path.as_uri()}
    if part is not None:
        schema = {"$schema": schema["$schema"], "$id": path.as_uri(), "type": "object",
                  "properties": {part: schema["properties"][part]}}
    jsonschema.Draft202012Validator(schema, registry=_registry()).validate(data)


def test_every_json_command_has_a_schema_and_every_schema_a_command():
    commands = json_commands()
    assert {"monitor-due", "case-list", "case-show", "validate", "log", "staff-list"} <= set(commands)
    shipped = sorted(p.name.removesuffix(".schema.json") for p in OUTPUT.glob("*.schema.json"))
    assert commands == shipped, "schemas/output/ must hold one schema per command with --json"
    assert set(commands) == set(RUNS), "each --json command is run against its schema below"


@pytest.mark.parametrize("path", sorted(OUTPUT.glob("*.schema.json")), ids=lambda p: p.name)
def test_output_schemas_are_valid_and_japanese(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert JAPANESE.search(schema["title"]) and JAPANESE.search(schema["description"])

    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert JAPANESE.search(sub.get("title", "")), f"{path.name} {where}/{name}: no Japanese title"
                assert JAPANESE.search(sub.get("description", "")), f"{path.name} {where}/{name}: no Japanese description"
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(schema, "#")


def test_the_due_schema_lists_the_status_vocabulary():
    schema = json.loads((OUTPUT / "monitor-due.schema.json").read_text(encoding="utf-8"))
    assert schema["items"]["properties"]["status"]["enum"] == list(DUE_STATUSES)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The sample casebook, plus one case taken through the write commands with --json."""
    from typer.testing import CliRunner

    root = tmp_path_factory.mktemp("schemas") / "sample"
    runner = CliRunner()
    env = {"YOBO_TODAY": TODAY, "YOBO_STAFF": "田中美咲", "COLUMNS": "200"}

    def run(*args: str):
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        return result

    assert run("init", str(root), "--sample").exit_code == 0
    outputs: dict[str, object] = {}

    def record(name: str, *args: str, code: int = 0):
        result = run(*args, "-C", str(root), "--json")
        assert result.exit_code == code, (name, result.stderr)
        outputs[name] = json.loads(result.stdout)

    record("case-new", "case", "new", *flags(NEW_CASE))
    case = outputs["case-new"]["case"]
    record("checklist-record", "checklist", "record", case, "--date", "2026-11-10", "--answers", ANSWERS,
           "--height-cm", "150", "--weight-kg", "40")
    record("plan-draft", "plan", "draft", case, "--start", "2026-12-01", "--end", "2027-03-31", "--date", "2026-11-20")
    record("submit-hokatsu", "submit", "hokatsu", case, "--occasion", "draft", "--date", "2026-11-21")
    record("contract-record", "contract", "record", case, "--date", "2026-11-21")

    # every other write command, each where the sample's cases stand (issue 15: --json on write commands)
    files = root.parent / "inputs"
    files.mkdir()
    (files / "scan.pdf").write_bytes(b"%PDF-1.4 scan\n")
    weekly = (root / "cases/C2/C2VW9F/plans/P1/weekly.yaml").read_text(encoding="utf-8")
    (files / "weekly.yaml").write_text(re.sub(r"(?m)^other_services: .*$", "other_services: 月1回の通院（変更）", weekly),
                                       encoding="utf-8")
    # an "editor" that fills in the plan's 1日の目標 (and adds a line to anything else)
    (files / "edit.py").write_text(
        "import re, sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "changed = re.sub(r\"(?m)^(  day: )''$\", r'\\1毎日散歩する', text, count=1)\n"
        "open(path, 'w', encoding='utf-8').write(changed if changed != text else text + '# 追記\\n')\n",
        encoding="utf-8")
    editor = f"{sys.executable} {files / 'edit.py'}"

    def edited(name: str, *args: str):
        result = runner.invoke(app, [*args, "-C", str(root), "--json"], env={**env, "EDITOR": editor},
                               catch_exceptions=False)
        assert result.exit_code == 0, (name, result.stderr)
        outputs[name] = json.loads(result.stdout)

    hokatsu = ("--as", "青木 保健師")
    record("review-plan", "review", "plan", "3QK7WA", *hokatsu)
    record("meeting-record", "meeting", "record", "3QK7WA", "--attendee", "山本 ハナ:本人")
    record("doctor-confirm", "doctor", "confirm", "3QK7WA", "--service", "介護予防通所リハビリテーション", "--method", "電話",
           "--doctor", "主治医 一郎", "--date", "2026-11-20")
    record("plan-agree", "plan", "agree", "3QK7WA", "--signer", "山本 ハナ")
    record("attach", "attach", "3QK7WA", "service-plan", str(files / "scan.pdf"), "--copy")
    record("plan-start", "plan", "start", "3QK7WA", "--today", "2026-12-01")
    record("monitor-record", "monitor", "record", "8HD4NX", "--method", "visit")
    record("note-add", "note", "add", "5MZ2RT", "--text", "電話で様子を確認")
    record("cert-add", "cert", "add", "H6JT8B", "--level", "shien1", "--from", "2026-12-01", "--to", "2027-11-30")
    record("plan-weekly", "plan", "weekly", "C2VW9F", "--file", str(files / "weekly.yaml"), "--plan", "P1")
    record("cert-decide", "cert", "decide", "C2VW9F", "--level", "要支援2", "--to", "2030-12-31", "--certified-on",
           "2026-11-20")
    record("plan-amend", "plan", "amend", "5MZ2RT", "--kind", "provider-name", "--field", "goals[0].services[0].provider",
           "--new", "ひだまり", "--reason", "名称変更", "--consent-date", "2026-11-20", "--consent-method", "電話")
    record("evaluate", "evaluate", "A7PE3K", "--decision", "end")
    assert run("submit", "hokatsu", "A7PE3K", "--occasion", "evaluation", "-C", str(root)).exit_code == 0
    record("review-evaluation", "review", "evaluation", "A7PE3K", *hokatsu)
    record("case-close", "case", "close", "A7PE3K", "--reason", "評価のあと終了", "--today", "2026-12-01")
    # 台帳の出来事 and the hand-back (issue 12): a death, its 一報, the termination packet and its receipt
    record("case-event", "case", "event", "C2VW9F", "--kind", "death", "--on", "2026-11-20")
    record("case-report", "case", "report", "C2VW9F", "--date", "2026-11-21")
    assert run("submit", "hokatsu", "C2VW9F", "--occasion", "termination", "--date", "2026-11-21",
               "-C", str(root)).exit_code == 0
    record("submit-receive", "submit", "receive", "C2VW9F", *hokatsu)
    record("info-set", "info", "set", "3QK7WA", "--file", str(root / "cases/3Q/3QK7WA/basic-info/2026-11-10.yaml"),
           "--date", "2026-11-21")
    edited("info-edit", "info", "edit", "3QK7WA")
    edited("plan-edit", "plan", "edit", case)
    record("monitor-done", "monitor", "done", "--code", "benefit-management", "--month", "2026-10")
    record("equipment-record", "equipment", "record", "5MZ2RT", "--item", "wheelchair", "--consulted-on", "2026-11-20",
           "--confirmed-on", "2026-11-21")
    record("staff-add", "staff", "add", "新人 一郎")
    record("office-set", "office", "set", "--designated-on", "2026-11-01")
    record("case-switch", "case", "switch", "C2VW9F", "--route", "cm-a", "--from", "2026-11", "--reason", "総合事業のみへ")
    record("case-reassign", "case", "reassign", "3QK7WA", "--manager", "高橋健一", "--on", "2026-11-21",
           "--reason", "担当者の異動")
    (root / "schemas" / "note.schema.json").write_text("{}", encoding="utf-8")
    record("schemas-update", "schemas", "update")
    made = run("init", str(root.parent / "other"), "--office-name", "テスト居宅", "--office-kind", "kyotaku",
               "--staff", "山田花子", "--as", "山田花子", "--json")
    assert made.exit_code == 0, made.stderr
    outputs["init"] = json.loads(made.stdout)
    generated = run("dev", "gen-casebook", "3", str(root.parent / "generated"), "--json")
    assert generated.exit_code == 0, generated.stderr
    outputs["dev-gen-casebook"] = json.loads(generated.stdout)

    # ケアプランデータ連携: a sample plan written out, then read into an empty casebook
    folder = root.parent / "careplan-data"
    route = ("--to-office", "1234567890", "--to-service", "A5", "--time", "090000")
    record("export-careplan-data", "export", "careplan-data", "3QK7WA", "-o", str(folder), *route)
    empty = root.parent / "empty"
    assert run("init", str(empty), "--office-name", "テスト居宅", "--office-kind", "kyotaku", "--office-no",
               "1234567890", "--staff", "山田花子", "--as", "山田花子").exit_code == 0
    result = run("import", "careplan-data", str(folder), "-C", str(empty), "--as", "山田花子", "--json")
    assert result.exit_code == 0, result.stderr
    outputs["import-careplan-data"] = json.loads(result.stdout)
    # two offices sharing: the sample sent to a plain bare repository (the hook is test_verify's)
    subprocess.run(["git", "init", "-q", "--bare", str(root.parent / "remote.git")], check=True)
    subprocess.run(["git", "remote", "add", "origin", str(root.parent / "remote.git")], cwd=root, check=True)
    record("sync", "sync")
    result = run("remote", "init", str(root.parent / "shared.git"), "--from", str(root), "--json")
    assert result.exit_code == 0, result.stderr
    outputs["remote-init"] = json.loads(result.stdout)
    # the file watcher, where watchman is installed: a watchman server of its own (tests/test_watcher.py)
    if shutil.which("watchman") and shutil.which("perl"):
        from test_watcher import watchman_server

        with watchman_server("schemas") as folder:
            for name, verb in (("watch-on", "on"), ("watch-off", "off")):
                result = runner.invoke(app, ["watch", verb, "-C", str(root), "--json"], env={**env, "TMPDIR": str(folder)},
                                       catch_exceptions=False)
                assert result.exit_code == 0, (name, result.stderr)
                outputs[name] = json.loads(result.stdout)
    return root, run, outputs


#: How each --json command is run on the sample casebook (the write commands above).
RUNS = {
    "monitor-due": [("monitor", "due", "--within", "100000"), ("monitor", "due", "--today", "2027-06-01")],
    "case-list": [("case", "list", "--all")],
    "case-show": [("case", "show", "5MZ2RT"), ("case", "show", "K9RB5D"), ("case", "show", "3QK7WA"),
                  ("case", "show", "C2VW9F")],
    "staff-list": [("staff", "list")],
    "validate": [("validate",)],
    "log": [("log", "-n", "5"), ("log", "5MZ2RT")],
    "checklist-show": [("checklist", "show", "5MZ2RT"), ("checklist", "show", "H6JT8B")],
    "info-show": [("info", "show", "3QK7WA")],
    "plan-show": [("plan", "show", "5MZ2RT"), ("plan", "show", "3QK7WA")],
    "render": [("render", "5MZ2RT", "plan", "-o", "{tmp}/plan.md"), ("render", "A7PE3K", "--all", "-o", "{tmp}/all")],
    "equipment-check": [("equipment", "check", "5MZ2RT", "--item", "車いす"),
                        ("equipment", "check", "3QK7WA", "--item", "special-bed")],
    "verify": [("verify", "--all")], "sync": [("sync", "--status")],
    "case-new": [], "checklist-record": [], "plan-draft": [], "submit-hokatsu": [], "import-careplan-data": [],
    "review-plan": [], "meeting-record": [], "plan-agree": [], "contract-record": [], "attach": [], "plan-start": [],
    "monitor-record": [], "note-add": [], "cert-add": [], "plan-weekly": [], "plan-amend": [], "evaluate": [],
    "review-evaluation": [], "case-close": [], "info-set": [], "info-edit": [], "plan-edit": [], "staff-add": [],
    "schemas-update": [], "init": [], "dev-gen-casebook": [], "doctor-confirm": [], "monitor-done": [],
    "equipment-record": [], "remote-init": [], "office-set": [], "case-switch": [], "case-reassign": [],
    "cert-decide": [],
    "case-event": [], "case-report": [], "submit-receive": [],
    "case-purge": [("case", "purge", "--before", "2026-11-22"), ("case", "purge", "--before", "2026-11-22", "--yes")],
    "report-monthly": [("report", "monthly", "--month", "2026-12")],
    "watch-status": [("watch", "status")], "watch-off": [("watch", "off")], "watch-on": [],
    "export-careplan-data": [("export", "careplan-data", "--all", "--month", "202601", "-o", "{tmp}/none",
                              "--to-office", "1234567890", "--to-service", "A5")],
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_json_output_matches_its_schema(name, book, tmp_path):
    root, run, outputs = book
    results = [outputs[name]] if name in outputs else []
    for args in RUNS[name]:
        args = [a.replace("{tmp}", str(tmp_path)) for a in args]
        result = run(*args, "-C", str(root), "--json")
        assert result.exit_code in (0, 1), (args, result.stderr)  # validate/monitor exit 1 on findings
        results.append(json.loads(result.stdout))
    if not results and name == "watch-on":
        pytest.skip("watchman is not installed (yobo watch on needs it here)")
    assert results
    for data in results:
        validate(name, data)
    # the parts that are documents themselves have the document's shape (the output schema
    # names that schema in words: a cross-file $ref into a schema that refers on again is
    # not resolved by every tool, e.g. check-jsonschema 0.39)
    for data in results:
        if name == "info-show":
            document("basic-info", {k: v for k, v in data.items() if k not in ("case", "path")})
        if name == "plan-show":
            document("plan", data["data"])
        if name == "submit-hokatsu":
            document("submission", {"handovers": data["handovers"]}, part="handovers")
        if name == "contract-record":
            document("custody", {"handovers": data["handovers"]}, part="handovers")
    if name == "monitor-due":
        items = results[0]
        assert items and all(d["status_label"] == DUE_STATUSES[d["status"]] for d in items)
        assert any(d["source_label"].startswith("国の基準") for d in items)


def test_a_schema_catches_a_wrong_shape():
    """The schemas are not so loose that anything passes."""
    good = {"case": "5MZ2RT", "name": None, "code": "monitoring-record", "title": "x", "due": "2026-11-30",
            "opens": "2026-11-01", "status": "due", "status_label": "要対応", "staff": "", "party": "kyotaku",
            "source": "seed 002", "source_label": "鈴鹿亀山地区広域連合 業務マニュアル", "excused": None}
    validate("monitor-due", [good])
    for bad in ({**good, "status": "対応中"}, {**good, "due": "2026/11/30"}, {k: v for k, v in good.items() if k != "code"},
                {**good, "extra": 1}):
        with pytest.raises(AssertionError):
            validate("monitor-due", [bad])

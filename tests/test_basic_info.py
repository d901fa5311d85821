"""利用者基本情報 (basic-info): the schema, its sample, and mistakes reported at their line."""

from __future__ import annotations

import json
import re

import pytest

from yobo.errors import DocumentError
from yobo.resources import data_dir
from yobo.schemas import check_document, load_schema
from yobo.workflow.apply import Change, check_change, kind_of
from yobo.workflow.documents import TITLES, render_new, schema_ref
from yobo.yamlio import load_fast

REL = "cases/3Q/3QK7WA/basic-info/2026-11-10.yaml"
SAMPLE = data_dir("sample-casebook") / REL
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

MINIMAL = """\
# yaml-language-server: $schema=../../../../schemas/basic-info.schema.json
# 利用者基本情報
author: 田中美咲
date: 2026-11-10
consultation:
  date: 2026-11-10
  method: phone
current_status:
  place: home
emergency_contacts:
  - name: 佐々木 由美
    relation: 長女
    phones:
      - number: "000-0000-0000"
"""


def check(text: str, path: str = "b.yaml"):
    return check_document("basic-info", load_fast(text, path), path=path, text=text)


def found(problems) -> set[tuple[int, str]]:
    return {(p.source.line, p.code) for p in problems}


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def test_sample_validates_with_zero_problems():
    text = sample_text()
    assert check(text, REL) == []


def test_sample_is_complete_and_about_the_sample_user():
    data = load_fast(sample_text(), REL)
    schema = load_schema("basic-info")
    # every section of the form is filled in; only the FAX is left out (she has none) — and ``seq``, the
    # order yobo writes into new versions (the sample was written before it existed)
    assert set(schema["properties"]) - set(data) == {"fax", "seq"}
    assert data["author"] == "田中美咲"  # the case's manager (case.yaml)
    assert data["date"] == "2026-11-10" == SAMPLE.stem
    assert [c["relation"] for c in data["emergency_contacts"]] == ["長女", "長男"]
    assert [f for f in data["family"] if f.get("key_person")] == [f for f in data["family"] if f["relation"] == "長女"]
    assert sum(1 for m in data["medical_history"] if m.get("opinion_writer")) == 1
    times = [row["time"] for row in data["daily_life"]["schedule"]]
    assert times == sorted(times) and all(isinstance(t, str) for t in times)
    # newest first: full dates, year-months and years compare correctly as text
    dates = [m["date"] for m in data["medical_history"]]
    assert dates == sorted(dates, reverse=True)


def test_sample_starts_with_schema_reference_and_title():
    lines = sample_text().splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../../../../schemas/basic-info.schema.json"
    assert lines[0] == f"# yaml-language-server: $schema={schema_ref(REL, 'basic-info')}"
    assert lines[1] == "# 利用者基本情報" == f"# {TITLES['basic-info']}"
    assert (SAMPLE.parent / schema_ref(REL, "basic-info")).resolve().is_file()


def test_person_details_stay_in_case_yaml():
    properties = load_schema("basic-info")["properties"]
    assert not {"name", "kana", "sex", "birth", "person", "insured_no", "level"} & set(properties)
    assert {"address", "phone", "fax"} <= set(properties)
    assert load_schema("basic-info")["required"] == [
        "author", "date", "consultation", "current_status", "emergency_contacts"]


def test_minimal_document_validates():
    assert check(MINIMAL) == []


def test_enum_codes_are_ascii_and_explained_in_japanese():
    codes = {}

    def walk(node, where):
        if isinstance(node, dict):
            if "enum" in node and "description" in node:
                for code in node["enum"]:
                    assert code.isascii(), f"{where}: {code}"
                    assert f"{code}＝" in node["description"], f"{where}: {code} is not explained"
                codes[where] = node["enum"]
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(load_schema("basic-info"), "#")
    independence = "#/properties/independence/properties"
    assert codes[f"{independence}/physical"] == ["independent", "J1", "J2", "A1", "A2", "B1", "B2", "C1", "C2"]
    assert codes[f"{independence}/cognitive"] == ["independent", "I", "IIa", "IIb", "IIIa", "IIIb", "IV", "M"]


def _append(extra: str) -> str:
    return MINIMAL + extra


# (document text, expected (line, code), a word the message must contain)
MISTAKES = {
    "unknown top-level key": (_append("hobby: 囲碁\n"), (15, "schema-unknown-field"), "hobby"),
    "unknown key in a contact": (
        MINIMAL.replace("    relation: 長女\n", "    relation: 長女\n    age: 55\n"),
        (13, "schema-unknown-field"), "age"),
    "unknown key in a service (a $defs item)": (
        _append("services:\n  public:\n    - name: 配食サービス\n      price: 500\n"),
        (18, "schema-unknown-field"), "price"),
    "cognitive rank as Arabic-style code": (
        _append("independence:\n  cognitive: II\n"), (16, "schema-enum"), "認知症高齢者の日常生活自立度"),
    "cognitive rank in Japanese numerals": (
        _append("independence:\n  cognitive: Ⅱa\n"), (16, "schema-enum"), "IIa"),
    "physical rank in lower case": (
        _append("independence:\n  physical: j2\n"), (16, "schema-enum"), "障害高齢者の日常生活自立度"),
    "time 25:00": (
        _append('daily_life:\n  schedule:\n    - time: "06:30"\n      person: 起床\n    - time: "25:00"\n'),
        (19, "schema-pattern"), "時間"),
    "time 9:5": (
        _append('daily_life:\n  schedule:\n    - time: "9:5"\n      person: 起床\n'),
        (17, "schema-pattern"), "HH:MM"),
    "impossible creation date": (
        MINIMAL.replace("date: 2026-11-10\nconsultation", "date: 2026-02-30\nconsultation"),
        (4, "schema-format"), "存在しない日付"),
    "impossible consultation date": (
        MINIMAL.replace("  date: 2026-11-10\n", "  date: 2026-11-31\n"), (6, "schema-format"), "相談日"),
    "impossible full date in the medical history": (
        _append("medical_history:\n  - date: 2025-02-30\n    disease: 高血圧症\n    course: treating\n"),
        (16, "schema-format"), "存在しない日付"),
    "month 13 in the medical history": (
        _append("medical_history:\n  - date: 2025-13\n    disease: 高血圧症\n    course: treating\n"),
        (16, "schema-pattern"), "年月日"),
    "a bare year is a number, not text": (
        _append("medical_history:\n  - date: 2012\n    disease: 高血圧症\n    course: treating\n"),
        (16, "schema-type"), '"…"'),
    "a medical history entry without its course": (
        _append("medical_history:\n  - date: \"2012\"\n    disease: 高血圧症\n"),
        (16, "schema-required"), "経過"),
    "no emergency contact at all": (
        MINIMAL.split("emergency_contacts:")[0], (3, "schema-required"), "緊急連絡先"),
    "an empty list of emergency contacts": (
        MINIMAL.split("emergency_contacts:")[0] + "emergency_contacts: []\n", (10, "schema-minitems"), "1 件以上"),
    "an emergency contact without a phone": (
        MINIMAL.split("    phones:")[0], (11, "schema-required"), "電話番号"),
    "a phone number written as a number": (
        MINIMAL.replace('"000-0000-0000"', "09000000000"), (14, "schema-type"), '"…"'),
    "a phone number with letters": (
        MINIMAL.replace('"000-0000-0000"', '"000-0000-000O"'), (14, "schema-pattern"), "番号"),
    "in hospital without naming it": (
        MINIMAL.replace("place: home", "place: hospital"), (8, "schema-required"), "入院・入所先"),
    "other consultation method without saying which": (
        MINIMAL.replace("method: phone", "method: other"), (5, "schema-required"), "その他の内容"),
    "an empty frequency (a $defs property)": (
        _append('services:\n  informal:\n    - name: 民生委員の訪問\n      frequency: ""\n'),
        (18, "schema-empty"), "利用頻度"),
    "the floor of the room as text": (
        _append("housing:\n  room_floor: 1階\n"), (16, "schema-type"), "自室のある階"),
}


@pytest.mark.parametrize("text, expected, word", MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_is_reported_with_its_code_at_its_line(text, expected, word):
    problems = check(text)
    assert found(problems) == {expected}
    (problem,) = problems
    assert word in problem.message
    assert JAPANESE.search(problem.message)
    assert problem.source.path == "b.yaml"


def test_several_mistakes_in_the_sample_are_all_reported():
    text = sample_text()
    lines = text.splitlines()
    bad = (text.replace("  cognitive: I\n", "  cognitive: Ⅰ\n")
               .replace('    - time: "06:30"\n', '    - time: "6:30"\n')
               .replace("  place: home\n", "  place: home\n  room: 2\n"))
    bad_lines = bad.splitlines()
    assert found(check(bad, REL)) == {
        (bad_lines.index("  room: 2") + 1, "schema-unknown-field"),
        (bad_lines.index("  cognitive: Ⅰ") + 1, "schema-enum"),
        (bad_lines.index('    - time: "6:30"') + 1, "schema-pattern"),
    }
    assert lines.index("  cognitive: I") + 1 == bad_lines.index("  cognitive: Ⅰ")  # shifted by the added line


def test_kind_is_registered_for_its_folder():
    assert kind_of(REL) == "basic-info"
    assert kind_of("cases/3Q/3QK7WA/basic-info/old/2026-11-10.yaml") is None
    assert kind_of("cases/3Q/3QK7WA/basic-info.yaml") is None
    assert TITLES["basic-info"] == "利用者基本情報"


def test_written_changes_are_checked_against_the_schema():
    check_change(Change(step="test", case_id="3QK7WA", files={REL: sample_text()}))
    broken = sample_text().replace("  cognitive: I\n", "  cognitive: III\n")
    with pytest.raises(DocumentError) as caught:
        check_change(Change(step="test", case_id="3QK7WA", files={REL: broken}))
    line = broken.splitlines().index("  cognitive: III") + 1
    assert [(p.source.path, p.source.line, p.code) for p in caught.value.problems] == [(REL, line, "schema-enum")]


def test_render_new_writes_a_document_that_reads_back_the_same():
    data = load_fast(sample_text(), REL)
    text = render_new(REL, "basic-info", data)
    assert text.splitlines()[:2] == sample_text().splitlines()[:2]
    assert load_fast(text, REL) == data  # times, years and phone numbers stay text
    assert check(text, REL) == []


def test_schema_is_valid_json_schema():
    import jsonschema

    schema = json.loads((data_dir("schemas") / "basic-info.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    closed = []

    def walk(node, where):
        if isinstance(node, dict):
            if "properties" in node and "/if" not in where:  # an if-condition only looks at one key
                assert node.get("additionalProperties") is False, f"{where} accepts unknown keys"
                closed.append(where)
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(schema, "#")
    assert "#" in closed and "#/$defs/service" in closed and len(closed) >= 15

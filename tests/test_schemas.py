"""Schemas: Japanese titles everywhere, and messages that name the field at its line."""

from __future__ import annotations

import json
import re

import pytest

from yobo.profiles import profile_names
from yobo.resources import data_dir
from yobo.schemas import check_document
from yobo.yamlio import load_fast

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
SCHEMA_FILES = sorted(data_dir("schemas").glob("*.schema.json"))


def _properties(node, where="#"):
    """Every property schema (and $defs entry) in a schema, recursively."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", sub
        for name, sub in node.get("$defs", {}).items():
            yield f"{where}/$defs/{name}", sub
        for key, sub in node.items():
            if isinstance(sub, (dict, list)):
                yield from _properties(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{where}/{i}")


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_property_has_a_japanese_title_and_description(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    seen = 0
    for where, prop in _properties(schema):
        seen += 1
        assert JAPANESE.search(prop.get("title", "")), f"{path.name} {where}: no Japanese title"
        assert JAPANESE.search(prop.get("description", "")), f"{path.name} {where}: no Japanese description"
    assert seen > 0


def test_casebook_schema_lists_exactly_the_shipped_profiles():
    schema = json.loads((data_dir("schemas") / "casebook.schema.json").read_text(encoding="utf-8"))
    assert sorted(schema["properties"]["profile"]["enum"]) == sorted(profile_names())
    assert {"national", "funagata", "kota", "suzuka-kameyama", "toshima", "mito"} <= set(profile_names())


BAD_CASE = """\
id: ABC123
status: activ
opened: 2026-02-30
person:
  insured_no: 123456789
  name: 佐藤
  kana: さとう
  birth: 1940-01-01
  sex: male
  hobby: 囲碁
route: yobo-shien
mode: itaku
"""


def test_every_schema_problem_is_reported_at_its_line():
    problems = check_document("case", load_fast(BAD_CASE, "c.yaml"), path="c.yaml", text=BAD_CASE)
    found = {(p.source.line, p.code) for p in problems}
    assert found == {
        (1, "schema-required"),  # manager is missing: reported at the top of the document
        (2, "schema-enum"),
        (3, "schema-format"),
        (5, "schema-type"),
        (7, "schema-pattern"),
        (10, "schema-unknown-field"),
    }
    messages = {p.code: p.message for p in problems}
    assert "担当ケアマネジャー" in messages["schema-required"]
    assert "存在しない日付" in messages["schema-format"]
    assert "被保険者番号" in messages["schema-type"] and '"…"' in messages["schema-type"]
    assert "hobby" in messages["schema-unknown-field"]
    assert all(JAPANESE.search(p.message) for p in problems)


def test_profiles_validate_against_their_schema():
    for name in profile_names():
        path = data_dir("schemas").parent / "yobo" / "profiles" / f"{name}.yaml"
        if not path.exists():  # installed wheel: profiles live in the package
            from yobo.resources import profiles_dir

            path = profiles_dir() / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        assert check_document("profile", load_fast(text, path.name), path=path.name, text=text) == []


def test_every_merged_profile_validates():
    """Shipped profiles are not validated at run time (speed): this test is their check."""
    from yobo.profiles import load_profile

    for name in profile_names():
        merged = load_profile(name)
        assert check_document("profile", merged, path=name, text="") == [], name
        assert merged["name"] == name and merged["monthly"] and merged["submissions"]["draft"]["documents"]

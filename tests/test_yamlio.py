"""The two YAML parsers must read the same files the same way (perf-baseline.md §2 traps)."""

from __future__ import annotations

import pytest

from yobo.errors import DocumentError
from yobo.yamlio import dump_round_trip, load_fast, load_round_trip, locate_line, to_plain

TRAPS = """\
# yaml-language-server: $schema=../../../schemas/case.schema.json
no: no
yes: yes
on: off
time: 12:30
date: 2026-04-01
impossible: 2026-02-30
leading_zero: 017
octal: 0o17
hex: 0x1F
quoted_digits: "0000123456"
float: 1.5
exp: 1e3
bool: true
Bool: True
null_value: ~
empty:
underscore: 1_000
equals: =
list:
  - 1
  - {a: b}
"""


def test_both_parsers_agree_on_every_trap():
    fast = load_fast(TRAPS, "traps.yaml")
    slow = to_plain(load_round_trip(TRAPS, "traps.yaml"))
    assert fast == slow
    # YAML 1.2 meaning, not PyYAML's 1.1: words and times stay text, dates stay ISO strings.
    assert fast["no"] == "no" and fast["yes"] == "yes" and fast["on"] == "off"
    assert fast["time"] == "12:30"
    assert fast["date"] == "2026-04-01" and fast["impossible"] == "2026-02-30"
    assert fast["leading_zero"] == 17 and fast["octal"] == 15 and fast["hex"] == 31
    assert fast["quoted_digits"] == "0000123456"
    assert fast["bool"] is True and fast["Bool"] is True
    assert fast["null_value"] is None and fast["empty"] is None
    assert fast["underscore"] == 1000 and fast["equals"] == "="


def test_round_trip_keeps_comments_order_and_quotes():
    text = "# 手書きのコメント\nid: ABC123  # 行末\nperson:\n  insured_no: \"0000123456\"\n  name: 佐藤\n"
    doc = load_round_trip(text, "case.yaml")
    doc["person"]["kana"] = "サトウ"
    out = dump_round_trip(doc)
    assert out.startswith("# 手書きのコメント\nid: ABC123  # 行末\nperson:\n  insured_no: \"0000123456\"\n  name: 佐藤\n")
    assert out.endswith("  kana: サトウ\n")


def test_written_digit_strings_and_dates_read_back_as_strings():
    doc = load_round_trip("a: 1\n", "x.yaml")
    doc["number"] = "0123456789"
    doc["day"] = "2026-11-22"
    doc["word"] = "true"
    out = dump_round_trip(doc)
    back = load_fast(out, "x.yaml")
    assert back == {"a": 1, "number": "0123456789", "day": "2026-11-22", "word": "true"}


def test_malformed_yaml_names_file_and_line():
    with pytest.raises(DocumentError) as info:
        load_fast("id: A\nperson:\n  name: [佐藤\n  kana: x\n", "cases/AB/ABCDEF/case.yaml")
    problem = info.value.problems[0]
    assert problem.code == "yaml-syntax"
    assert problem.source.path == "cases/AB/ABCDEF/case.yaml"
    assert problem.source.line >= 3
    assert "YAML として読めません" in problem.message


def test_locate_line_finds_nested_values_and_falls_back_to_the_parent():
    text = "a: 1\nperson:\n  name: x\n  list:\n    - p: 1\n    - p: 2\n"
    assert locate_line(text, ("person", "name")) == 3
    assert locate_line(text, ("person", "list", 1, "p")) == 6
    assert locate_line(text, ("person", "missing")) == 2
    assert locate_line(text, ()) == 1


def test_fast_dump_reads_back_identically_with_both_parsers():
    from yobo.yamlio import dump_fast

    data = {"id": "ABC123", "opened": "2026-11-22", "number": "0000123456", "word": "no", "time": "12:30",
            "flag": True, "n": 3, "x": 1.5, "empty": None, "nested": {"list": [{"a": "2026-01-01"}, "はい"]},
            "text": "長い文章。\n二行目。"}
    text = dump_fast(data, header="yaml-language-server: $schema=x.json\nケース")
    assert text.startswith("# yaml-language-server: $schema=x.json\n# ケース\nid: ABC123\n")
    assert "opened: 2026-11-22\n" in text  # dates stay plain, as yobo's round trip writes them
    assert load_fast(text, "x.yaml") == data
    assert to_plain(load_round_trip(text, "x.yaml")) == data


DUPLICATED = """\
person:
  name: 佐藤
  kana: サトウ
  name: 鈴木
status: active
"""


@pytest.mark.parametrize("load", [load_fast, load_round_trip], ids=["fast", "round-trip"])
def test_a_key_written_twice_is_an_error_naming_both_lines(load):
    """PyYAML would keep the last value without a word; both parsers refuse alike."""
    with pytest.raises(DocumentError) as caught:
        load(DUPLICATED, "cases/AB/ABCDEF/case.yaml")
    (problem,) = caught.value.problems
    assert problem.code == "duplicate-key"
    assert str(problem.source) == "cases/AB/ABCDEF/case.yaml:4"
    assert "「name」" in problem.message and "2 行目と 4 行目" in problem.message


def test_same_text_different_types_and_merges_are_not_duplicates():
    assert load_fast("1: a\n'1': b\n", "x.yaml") == dict(load_round_trip("1: a\n'1': b\n", "x.yaml")) == {1: "a", "1": "b"}
    merged = "base: &b {x: 1}\nitem:\n  <<: *b\n  x: 2\n"
    assert load_fast(merged, "x.yaml")["item"] == {"x": 2}


def test_validate_reports_a_duplicate_key_with_its_code(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    case_yaml = root / "cases/H6/H6JT8B/case.yaml"
    lines = case_yaml.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines, 1) if line.startswith("manager:"))
    case_yaml.write_text("\n".join(lines) + "\nmanager: 誰か\n", encoding="utf-8")
    run = cli("validate", "-C", str(root))
    assert run.code == 1
    line = next(x for x in run.stdout.splitlines() if "[duplicate-key]" in x)
    assert line.startswith(f"cases/H6/H6JT8B/case.yaml:{len(lines) + 1}: [duplicate-key]")
    assert f"{first} 行目と {len(lines) + 1} 行目" in line

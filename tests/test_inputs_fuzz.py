"""Fuzzing what a user can type or hand over (issue 10): random strings, bytes, numbers and
dates for option values and for ``--file`` YAML.  Whatever comes in, yobo answers 0, 1 or
2 — never 3, never a traceback — and a refused write leaves HEAD and ``git status`` as
they were.  In-process through Typer's runner (fast), plus a few real processes."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import NEW_CASE, flags, new_case

#: Bounded so the whole file runs in well under a minute on a shared two-core machine.
FUZZ = settings(max_examples=40, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Characters a fuzzer should favour: controls, ESC, bidi overrides, separators, Japanese, digits.
NASTY = st.sampled_from(list("\x00\x07\x1b\n\r\t\x7f\x85\u061c\u200e\u202a\u202e\u2028\u2066\u2069\ufeff")
                        + list("佐藤一郎サトウ ー・/\\.-:0123456789'\"#&*!|>{}[]%@`"))
TEXT = st.one_of(
    st.text(max_size=30),
    st.text(NASTY, max_size=30),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
)
NUMBER = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-10, max_value=4000).map(lambda n: str(n)),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
    TEXT,
)
DATE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: f"{d:%Y-%m-%d}".replace("-", "/")),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    NUMBER,
    st.just(""),
)


def _state(root: Path) -> tuple[str, str]:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
    return head, status


def _check(result, root: Path, before: tuple[str, str]) -> None:
    output = result.stdout + result.stderr
    assert result.code in (0, 1, 2), output
    assert "Traceback" not in output and "内部エラー" not in output, output
    after = _state(root)
    assert after[1] == "", after[1]  # nothing left uncommitted, whatever happened
    if result.code != 0:
        assert after == before, output  # a refusal wrote nothing
    if result.code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("yobo: エラー: "), result.stderr
        assert "\x1b" not in lines[0] and "\u202e" not in lines[0]


@pytest.fixture
def fuzz_book(casebook, cli):
    return casebook, new_case(cli, casebook)


def _command(kind: str, case: str, a: str, b: str) -> list[str]:
    if kind == "within":
        return ["monitor", "due", "--within", a, "--json"]
    if kind == "today":
        return ["case", "list", "--today", a]
    if kind == "month":
        return ["report", "monthly", "--month", a[:7] if a[:4].isdigit() else a]
    if kind == "note":
        return ["note", "add", case, "--text", a, "--date", b]
    if kind == "staff":
        return ["staff", "add", a]
    if kind == "checklist":
        return ["checklist", "record", case, "--answers", "nnnnnnnnnnn-nnnnnnnnnnnnn", "--height-cm", a,
                "--date", b]
    if kind == "cert":
        return ["cert", "add", case, "--level", "要支援2", "--from", a, "--to", b]
    if kind in ("name", "birth", "hokatsu", "insured-no", "cert-from"):
        value = a if kind in ("name", "hokatsu") else b
        return ["case", "new", *flags(dict(NEW_CASE, **{"--" + kind: value, "--insured-no": "0000654321"}))]
    raise AssertionError(kind)


@FUZZ
@given(kind=st.sampled_from(["within", "today", "month", "note", "staff", "checklist", "cert", "name", "birth", "hokatsu",
                             "insured-no", "cert-from"]),
       a=st.one_of(TEXT, NUMBER, DATE), b=DATE)
def test_option_values_never_crash_and_refusals_write_nothing(cli, fuzz_book, kind, a, b):
    root, case = fuzz_book
    if "\x00" in a + b:  # the operating system cannot pass NUL in an argument
        a, b = a.replace("\x00", "\x01"), b.replace("\x00", "\x01")
    before = _state(root)
    _check(cli(*_command(kind, case, a, b), "-C", str(root)), root, before)


SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                   TEXT, DATE)
DOCUMENT = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.one_of(TEXT, st.integers(), st.sampled_from(
                                                            ["answers", "height_cm", "weight_kg", "date", "topics",
                                                             "conclusion", "goals", "name", "birth", "insured_no",
                                                             "overall_policy", "entries"])), inner, max_size=5)),
                        max_leaves=12)


#: YAML that is valid but hostile: loops, alias bombs, deep nesting, odd keys and tags.
SNIPPETS = [
    "a: &x [*x]\n", "a: &a [x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "a: " + "[" * 3000 + "]" * 3000 + "\n",
    "{1: 2}\n", "{[1]: 2}\n", "{null: 1, true: 2}\n", "x: !!binary aGVsbG8=\n", "x: !!python/object:os.system ls\n",
    "? [a]\n: b\n", "date: 1800-01-01\n", "height_cm: 1e999\n", "answers: nnnnnnnnnnn-nnnnnnnnnnnnn\nheight_cm: .nan\n",
    "topics: \"\\e[2J\"\n", "name: \"\\u202e\"\n", "--- a\n--- b\n", "a: b\na: c\n",
]


def _yaml_bytes(document, mutation: bytes, position: int, encoding: str) -> bytes:
    if isinstance(document, int) and 0 <= document < len(SNIPPETS):
        return SNIPPETS[document].encode("utf-8")
    try:
        text = yaml.safe_dump(document, allow_unicode=True)
    except yaml.YAMLError:
        text = repr(document)
    data = text.encode(encoding, errors="replace")
    position = min(position, len(data))
    return data[:position] + mutation + data[position:]


@FUZZ
@given(command=st.sampled_from(["checklist", "meeting", "case-new", "plan", "info", "weekly", "evaluate"]),
       document=st.one_of(DOCUMENT, st.integers(min_value=0, max_value=len(SNIPPETS) - 1)),
       mutation=st.binary(max_size=8), position=st.integers(min_value=0, max_value=400),
       encoding=st.sampled_from(["utf-8", "utf-8", "cp932", "utf-16", "euc_jp"]),
       raw=st.one_of(st.none(), st.binary(max_size=200)))
def test_file_yaml_never_crashes_and_refusals_write_nothing(cli, fuzz_book, tmp_path_factory, command, document,
                                                            mutation, position, encoding, raw):
    root, case = fuzz_book
    path = tmp_path_factory.mktemp("fuzz") / "input.yaml"
    path.write_bytes(raw if raw is not None else _yaml_bytes(document, mutation, position, encoding))
    args = {
        "checklist": ["checklist", "record", case],
        "meeting": ["meeting", "record", case],
        "case-new": ["case", "new"],
        "plan": ["plan", "draft", case, "--start", "2026-12-01", "--end", "2027-05-31"],
        "info": ["info", "set", case],
        "weekly": ["plan", "weekly", case],
        "evaluate": ["evaluate", case],
    }[command]
    before = _state(root)
    _check(cli(*args, "--file", str(path), "-C", str(root)), root, before)


def test_a_few_random_inputs_through_the_real_program(yobo_bin, casebook, cli):
    """The same promise from a real process: a fixed-seed sample of the inputs above."""
    case = new_case(cli, casebook)
    rng = random.Random(10)
    alphabet = "\x07\x1b\n\t\u202e\u2066佐藤/.9-"
    for _ in range(3):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        number = "9" * rng.choice([1, 20, 5000, 100_000])
        for args in (["note", "add", case, "--text", value, "--date", number],
                     ["monitor", "due", "--within", number],
                     ["staff", "add", value or "."],
                     ["case", "list", "--today", value]):
            before = _state(casebook)
            _check(yobo_bin(*args, "-C", str(casebook)), casebook, before)
    path = casebook.parent / "random.yaml"
    for size in (0, 1, 64, 4096):
        path.write_bytes(bytes(rng.randrange(256) for _ in range(size)))
        before = _state(casebook)
        _check(yobo_bin("meeting", "record", case, "--file", str(path), "-C", str(casebook)), casebook, before)

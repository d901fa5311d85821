"""yaml-rs (the fast parser of ``yamlio.load_fast``) reads every document exactly as PyYAML's
C loader with yamlio's rules (``load_reference``) does, or hands it to that loader (issue 16).

Equality is checked on ``repr`` (types, key order, ``True`` vs ``1``), and every test also
counts that the fast path was really taken, so a gate that sent everything to the
reference loader would not pass unnoticed.
"""

from __future__ import annotations

import json

import itertools
import random
from datetime import date
from pathlib import Path

import pytest

from yobo import yamlio
from yobo.devtools.generate import generate
from yobo.errors import DocumentError
from yobo.yamlio import load_fast, load_reference

SAMPLE = Path(__file__).resolve().parent.parent / "sample-casebook"


def _outcome(load, text: str):
    try:
        return "value", repr(load(text, "x.yaml"))
    except DocumentError as exc:
        return "problems", [str(p) for p in exc.problems]
    except (ValueError, RecursionError) as exc:  # loader.parse_yaml turns these into problems
        return "error", type(exc).__name__


def _fast_taken(text: str) -> bool:
    """Whether yaml-rs, not the reference loader, gave ``load_fast``'s answer."""
    if yamlio._needs_reference(text):
        return False
    try:
        yamlio._rs_loads(text, parse_datetime=False)
    except Exception:  # noqa: BLE001 - refused: the reference loader answers
        return False
    return True


def _assert_same(texts: list[str]) -> int:
    """Every text loads the same both ways; returns how many took the fast path."""
    for text in texts:
        assert _outcome(load_fast, text) == _outcome(load_reference, text), text
    return sum(_fast_taken(t) for t in texts)


def _documents(root: Path) -> list[str]:
    return [p.read_bytes().decode("utf-8-sig") for p in sorted(root.rglob("*.yaml"))
            if ".git" not in p.parts and ".yobo" not in p.parts]


def test_fast_parser_is_installed():
    assert yamlio._rs_loads is not None


def test_every_sample_casebook_document():
    texts = _documents(SAMPLE)
    assert len(texts) > 100
    taken = _assert_same(texts)
    assert taken > 0.9 * len(texts)  # the gate lets yobo's own documents through


def test_every_generated_casebook_document(tmp_path):
    generate(tmp_path / "gen", 60, today=date(2026, 11, 22), commit=False)
    texts = _documents(tmp_path / "gen")
    assert len(texts) > 600
    taken = _assert_same(texts)
    assert taken > 0.95 * len(texts)


TRICKY = [
    "",
    "# only a comment\n",
    "   \n",
    "a: 1\na: 2\n",  # duplicate key: the reference loader's message names both lines
    "a: 1\nb:\n  c: 1\n  c: 2\n",
    "'a': 1\na: 2\n",
    "1: x\n01: y\n",
    "no: no\nyes: yes\non: off\ny: n\n",
    "octal: 0o17\nzero: 017\nhex: 0x1F\nbin: 0b101\nupper: 0O17\nUPPER: 0X1F\n",
    "under: 1_000\nlead: _1\ntrail: 1_\nexp: 1E_1\n",
    "d: 2026-04-01\nbad: 2026-02-30\nshort: 2026-4-1\nts: 2026-04-01T10:00:00\nsp: 2026-04-01 10:00:00+09:00\n",
    "t: 12:30\nt2: 12:30:45\nsexa: 190:20:30\n",
    "f: 1.5\ne: 1e3\nd: .5\nD: .5E1\ni: .inf\nn: .nan\nN: .NaN\nm: -.inf\n",
    "a: &x [1, 2]\nb: *x\n",
    "a: &x 1\nb: *x\n",
    "a: &x [*x]\n",
    "base: &b {k: 1}\nd:\n  <<: *b\n  j: 2\n",
    "a: !!str 5\nb: !!int '7'\n",
    "a: !custom x\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n...\n",
    "a:\n\t- 1\n",
    "a: x\tb\n",
    "\ufeffa: 1\n",
    "a: 1\r\nb: x\r\n",
    "a: 1\rb: 2\n",
    "a: \"tab\\there \\u3042 \\x41 \\N \\_ \\/\"\n",
    "a: 'it''s'\nb: \"quoted: yes\"\nc: '0000123456'\n",
    "a: |\n  line1\n  line2\n\nb: >-\n  folded\n  text\n\nc: |+\n  keep\n\n",
    "a: plain\n  continued\n  lines\n",
    "[1, 2]: x\n",
    "? complex\n: value\n",
    ": no key\n",
    "a:\n  : b\n",
    "a: [1,\n",
    "a: {b: 1\n",
    "a: b: c\n",
    "- a\n- b: 1\n  c: 2\n- - x\n",
    "a: \x07bell\n",
    "a: \x85next\n",
    "a: sep\u2028x\n",
    "a: \ufffe\n",
    "n: " + "9" * 19 + "\n",
    "n: " + "9" * 5000 + "\n",
    "n: 9223372036854775807\nm: -9223372036854775808\n",
    "a: " + "[" * 3000 + "]" * 3000 + "\n",
    "".join(" " * i + f"k{i}:\n" for i in range(1200)) + " " * 1200 + "x: 1\n",
    "氏名: 山田 花子\n住所: 東京都千代田区1-2-3\nメモ: 「はい」と回答。50% 改善\n",
    "a: -\nb: - x\nc: '-'\n",
    "key with spaces: value with: colon\nurl: http://example.com/a#b\n",
    "a: 1 # comment\nb: x#y\nc: x #y\n",
    "- 1\n- -2\n- +3\n- 0\n- -0\n- 00\n- 1.0\n- 1.\n",
    "null: ~\nNull: Null\nNULL: NULL\nnUll: nUll\nempty:\ntilde: '~'\n",
    "true: True\nTRUE: TRUE\ntRue: tRue\nFalse: false\n",
]


def test_tricky_inputs():
    _assert_same(TRICKY)
    # plain ones among them did take the fast path
    for plain in ("no: no\nyes: yes\non: off\ny: n\n", "a: 1\r\nb: x\r\n",
                  "a: 'it''s'\nb: \"quoted: yes\"\nc: '0000123456'\n"):
        assert plain in TRICKY and _fast_taken(plain)


#: Texts yaml-rs must never see: nested past libyaml's limit on the very first line or
#: after a CR alone (yaml-rs overflows its stack on these and kills the process), and a
#: second document after a CR alone (yaml-rs returns a list of both).
NEVER_FAST = [
    "- " * 30000 + "x\n",
    "k:\r" + "- " * 50000 + "x\r",
    "a: 1\r---\rb: 2\r",
    "a: 1\r...\r",
]


def test_deep_nesting_and_cr_line_breaks_go_to_the_reference_loader():
    for text in NEVER_FAST:
        assert yamlio._needs_reference(text), text[:20]
    _assert_same(NEVER_FAST)


def test_a_deeply_nested_document_is_unreadable_not_a_crash(tmp_path):
    """One damaged case.yaml shows as an unreadable case; every other case still lists."""
    import shutil
    import subprocess
    import sys

    root = tmp_path / "book"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".yobo"))
    case = next(root.glob("cases/*/*/case.yaml"))
    case.write_text(NEVER_FAST[0], encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "yobo", "case", "list", "--json", "--all", "-C", str(root)],
                         capture_output=True, text=True, encoding="utf-8")
    assert run.returncode == 0 and "読めないケースが 1 件" in run.stderr, (run.returncode, run.stderr)
    listed = {c["id"]: c for c in json.loads(run.stdout)}
    assert listed[case.parent.name]["status"] == "unreadable"
    assert len(listed) == len(list(root.glob("cases/*/*/case.yaml")))


def test_error_messages_come_from_the_reference_loader():
    with pytest.raises(DocumentError) as exc:
        load_fast("a: 1\nb: 2\na: 3\n", "cases/x/case.yaml")
    assert [p.code for p in exc.value.problems] == ["duplicate-key"]
    assert exc.value.problems[0].source.line == 3
    assert "1 行目と 3 行目" in exc.value.problems[0].message


#: Short plain scalars spelt from the characters numbers, booleans and nulls are made of.
SCALAR_ALPHABET = "019abeoxOXBE_.+-~nNtTfF:"


def test_every_short_scalar():
    texts = [f"k: {''.join(chars)}\n" for n in (1, 2, 3) for chars in itertools.product(SCALAR_ALPHABET, repeat=n)]
    taken = _assert_same(texts)
    assert taken > 0.5 * len(texts)


def test_longer_number_like_scalars():
    rng = random.Random(16)
    texts = [f"k: {''.join(rng.choice(SCALAR_ALPHABET) for _ in range(rng.randint(4, 9)))}\n" for _ in range(4000)]
    _assert_same(texts)


#: What a hand edit (or a damaged file) adds to a document.
_DAMAGE = list(" \n:-#'\"abc01._+xXeE|>,\t&*[]{}?!\r") + ["  ", "\n  ", ": ", "- ", "\r\n", "'", "\"", "|\n  "]


def test_damaged_documents():
    """Random insertions, deletions and copies in the sample casebook's documents: a text
    yaml-rs reads must read the same in PyYAML, and one PyYAML refuses must be refused."""
    rng = random.Random(1616)
    originals = _documents(SAMPLE)
    texts = []
    for _ in range(3000):
        text = rng.choice(originals)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            op = rng.random()
            if op < 0.4:
                text = text[:at] + rng.choice(_DAMAGE) + text[at:]
            elif op < 0.8:
                text = text[:at] + text[at + rng.randint(1, 3):]
            else:
                src = rng.randrange(len(text) + 1)
                text = text[:at] + text[src:src + rng.randint(1, 8)] + text[at:]
        texts.append(text)
    taken = _assert_same(texts)
    assert taken > 0.3 * len(texts)

"""Output is never cut (issue 15, item 1): tables and help fold at the terminal's width
instead of ending cells in 「…」, and redirected output has no width limit at all."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import typer

from yobo.cli import app

from conftest import leaf_commands, TODAY

SAMPLE = Path(__file__).resolve().parent.parent / "sample-casebook"
ELLIPSIS = "…"
#: box-drawing borders of rich's help panels and whitespace: what is left is the text itself
NOT_TEXT = re.compile(r"[\s│╭╮╰╯─]")
#: the range of a number option, printed beside its type (and folded on a line of its own)
RANGE = re.compile(r"\[[0-9.x<=>]+\]")




COMMANDS = list(leaf_commands(typer.main.get_command(app)))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """A copy of the sample casebook (the derived index is written into it)."""
    root = tmp_path_factory.mktemp("sample") / "casebook"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".yobo"))  # another test may be printing there
    return root


def _widest(text: str) -> int:
    """The widest line in terminal cells (a Japanese character takes two)."""
    from rich.cells import cell_len

    return max(cell_len(line) for line in text.splitlines())


def _source_texts(command) -> list[str]:
    return [command.help or ""] + [p.help or "" for p in command.params if getattr(p, "help", None)]


@pytest.mark.parametrize("columns", ["60", "80"])
@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_folds_japanese_text_and_cuts_nothing(cli, monkeypatch, path, command, columns):
    from typer import rich_utils

    # typer reads TERMINAL_WIDTH once per process; a real run is one process, a test many runs
    monkeypatch.setattr(rich_utils, "MAX_WIDTH", None)
    run = cli(*path, "--help", env={"COLUMNS": columns})
    assert run.code == 0, run.stderr
    assert _widest(run.stdout) <= int(columns)
    assert run.stdout.count(ELLIPSIS) <= sum(t.count(ELLIPSIS) for t in _source_texts(command)), run.stdout
    # every option's help is there whole, in order, once borders and line breaks are taken out
    shown = NOT_TEXT.sub("", RANGE.sub("", run.stdout))
    for param in command.params:
        help_text = getattr(param, "help", None)
        if help_text and not getattr(param, "hidden", False):
            assert NOT_TEXT.sub("", RANGE.sub("", help_text)) in shown, (param.opts, run.stdout)


@pytest.mark.parametrize("columns", ["60", "80"])
@pytest.mark.parametrize("args", [("monitor", "due"), ("case", "list"), ("case", "list", "--all"), ("log",)],
                         ids=" ".join)
def test_tables_fold_at_the_terminal_width(yobo_bin, sample, args, columns):
    run = yobo_bin(*args, "-C", str(sample), env={"COLUMNS": columns})
    assert run.code == 0, run.stderr
    assert ELLIPSIS not in run.stdout, run.stdout
    assert _widest(run.stdout) <= int(columns)


def test_due_list_keeps_every_title_whole(yobo_bin, sample):
    """The longest titles of the sample's due list appear whole (NOT_TEXT joins the folds)."""
    import json

    items = json.loads(yobo_bin("monitor", "due", "-C", str(sample), "--json").stdout)
    assert any(len(d["title"]) > 20 for d in items)
    for columns in ("60", "80"):
        table = yobo_bin("monitor", "due", "-C", str(sample), env={"COLUMNS": columns}).stdout
        for item in items:
            words = item["title"].split()
            # each word of the title, folded or not, is there in full
            assert all(NOT_TEXT.sub("", w) in NOT_TEXT.sub("", table) for w in words), (item["title"], table)


def test_redirected_output_has_no_width_limit(yobo_bin, sample):
    """Cron mail and ``> due.txt``: no COLUMNS, stdout a file: one row a line, nothing cut."""
    import json
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    env.update({"YOBO_TODAY": TODAY})
    import subprocess

    from conftest import yobo_executable

    proc = subprocess.run([yobo_executable(), "monitor", "due", "-C", str(sample)], env=env, capture_output=True,
                          text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    assert ELLIPSIS not in proc.stdout
    items = json.loads(subprocess.run([yobo_executable(), "monitor", "due", "-C", str(sample), "--json"], env=env,
                                      capture_output=True, text=True, encoding="utf-8").stdout)
    lines = proc.stdout.splitlines()
    for item in items:  # each row on one line: its title is whole on the line of its date and case
        assert any(item["title"] in line and item["due"] in line for line in lines), (item["title"], proc.stdout)
    assert all(line == line.rstrip() for line in lines), "no trailing blanks in a file"
    listed = subprocess.run([yobo_executable(), "case", "list", "-C", str(sample)], env=env, capture_output=True,
                            text=True, encoding="utf-8").stdout
    assert ELLIPSIS not in listed and "支援中" in listed


def test_a_very_narrow_terminal_gets_one_line_a_field(yobo_bin, sample):
    """Too narrow even for folding: rich would squeeze columns to nothing; each row is
    printed as 「見出し: 値」 lines instead."""
    run = yobo_bin("case", "list", "-C", str(sample), env={"COLUMNS": "30"})
    assert run.code == 0
    assert "ID: 3QK7WA" in run.stdout and "氏名: 山本 ハナ" in run.stdout
    assert ELLIPSIS not in run.stdout


def test_japanese_text_breaks_between_characters_not_before_closing_marks():
    """A light 禁則処理: lines are filled to the width, no line starts with 、。） and no
    line ends with （; a number or an English word is never split."""
    import io

    from rich.cells import cell_len
    from rich.console import Console

    from yobo.cli.common import japanese_line_breaking

    japanese_line_breaking()
    text = "認定結果待ち（2026-11-16 申請、有効期間 2026-12-31 まで）：間に合わなければ暫定ケアプランの特例取扱い申出書を出します。"
    for width in (12, 20, 30):
        screen = io.StringIO()
        Console(file=screen, width=width).print(text)
        lines = screen.getvalue().splitlines()
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(cell_len(line) <= width for line in lines)
        assert not any(line.lstrip()[:1] in "、。）：" for line in lines[1:]), lines
        assert not any(line.rstrip().endswith("（") for line in lines), lines
        assert any("2026-11-16" in line for line in lines) and any("2026-12-31" in line for line in lines)
        # filled, not ragged: a line is short only by a token that did not fit (at most 「（2026-11-16」)
        assert all(cell_len(line.rstrip()) >= width - cell_len("（2026-11-16") for line in lines[:-1]), lines

"""The ``monitor due`` table kept as the finished text rich writes (issue 16, item 4: the
table within 1.2× of ``--json``): keyed by the question and by the console's traits,
worked out without rich (``cli.common.console_traits``).  The traits are checked against
a real rich Console in many environments, the kept text against rich writing directly,
and the kept table against a fresh draw (no ``.yobo/``) after every kind of change."""

from __future__ import annotations

import io
import itertools
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TODAY, git, yobo_executable
from test_fastpath import CASE, Spy, change_manager, commit
from yobo import index
from yobo.cli import common

#: What rich reads from the environment when it makes a Console (rich.console.Console).
RICH_VARIABLES = ("TERM", "FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES", "TTY_COMPATIBLE", "COLORTERM")


class Screen(io.StringIO):
    """A stand-in for stdout: a terminal or not, with an encoding."""

    def __init__(self, terminal: bool, encoding: str | None = "utf-8"):
        super().__init__()
        self.terminal, self._encoding = terminal, encoding

    @property
    def encoding(self):
        return self._encoding

    def isatty(self) -> bool:
        return self.terminal


def sizes(which: str):
    """``os.get_terminal_size`` where ``which`` standard stream (by number) is a terminal of
    100×30 columns (``zero``: a pseudo-terminal that reports 0×0, every stream)."""

    def get_terminal_size(fd=1):
        if which == "zero":
            return os.terminal_size((0, 0))
        if {"stdin": 0, "stdout": 1, "stderr": 2}.get(which) == fd:
            return os.terminal_size((100, 30))
        raise OSError("not a terminal")

    return get_terminal_size


def environment(monkeypatch, *, terminal: bool, encoding: str | None = "utf-8", size: str = "none",
                **variables: str | None) -> Screen:
    screen = Screen(terminal, encoding)
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setattr(os, "get_terminal_size", sizes(size))
    for name in RICH_VARIABLES:
        value = variables.get(name)
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return screen


#: Every value rich treats apart (rich.console: _TERM_COLORS, is_dumb_terminal, is_terminal,
#: size), and a few it does not; the product is sampled (it has ~150,000 members).
CHOICES = {
    "terminal": (False, True),
    "TERM": (None, "", "xterm-256color", "xterm", "dumb", "unknown", "DUMB", "xterm-kitty", "rxvt-16color", " dumb"),
    "FORCE_COLOR": (None, "", "1", "0"),
    "NO_COLOR": (None, "", "1"),
    "COLUMNS": (None, "0", "120", "wide", "-5"),
    "LINES": (None, "40", "x"),
    "TTY_COMPATIBLE": (None, "0", "1", "2"),
    "COLORTERM": (None, "truecolor", " 24BIT ", "yes"),
    "size": ("none", "stdin", "stdout", "stderr", "zero"),
    "encoding": ("utf-8", "UTF-8", "cp932", None),
}


def sampled(count: int, seed: int) -> list[dict]:
    names = list(CHOICES)
    every = list(itertools.product(*CHOICES.values()))
    return [dict(zip(names, chosen)) for chosen in random.Random(seed).sample(every, count)]


def rich_traits(out) -> list:
    """The same traits, read off a real rich Console."""
    return [not isinstance(out.file, common._TrimmedLines), out.is_terminal, out.width, out.color_system,
            out.no_color, out.encoding]


@pytest.mark.parametrize("seed", range(4))
def test_the_traits_are_what_a_real_rich_console_has(monkeypatch, seed):
    for case in sampled(500, seed):
        with monkeypatch.context() as patch:
            environment(patch, **case)
            assert common.console_traits() == rich_traits(common.console()), case


def test_the_traits_of_the_usual_cases(monkeypatch):
    environment(monkeypatch, terminal=False, COLUMNS=None)  # cron mail, `> due.txt`
    assert common.console_traits() == [False, False, common.UNLIMITED_WIDTH, None, False, "utf-8"]
    environment(monkeypatch, terminal=True, size="stdout", TERM="xterm-256color")
    assert common.console_traits() == [True, True, 100, "256", False, "utf-8"]
    environment(monkeypatch, terminal=True, size="stdout", TERM="xterm-256color", NO_COLOR="1", COLUMNS="72")
    assert common.console_traits() == [True, True, 72, "256", True, "utf-8"]
    environment(monkeypatch, terminal=False, FORCE_COLOR="1", TERM="xterm", COLUMNS="90")  # e.g. CI logs
    assert common.console_traits() == [False, True, 90, "standard", False, "utf-8"]


def test_where_rich_looks_further_the_table_is_not_kept(monkeypatch):
    environment(monkeypatch, terminal=True)
    monkeypatch.setattr(sys, "platform", "win32")  # the legacy console is asked through the win32 API
    assert common.console_traits() is None
    monkeypatch.setattr(sys, "platform", "linux")
    import builtins

    monkeypatch.setattr(builtins, "get_ipython", lambda: None, raising=False)  # Jupyter
    assert common.console_traits() is None


def a_table(out) -> int:
    """Something like the due table: a title, a bold red row, a long Japanese cell, a
    line after it; returns a number as _print_table does."""
    table = common.table("状態", "期限", "ケース", "内容", title="山田花子（3 件）", whole=("期限", "ケース"))
    table.add_row("期限切れ", "2026-11-05", "3QK7WA", "モニタリング（訪問）" * 8, style="bold red")
    table.add_row("", "2026-11-20", "7HZ2PQ", "サービス提供事業所からの実績報告の受け取り")
    table.add_row("今週", "2026-11-25", "0010RZ", "評価")
    out.print(table)
    out.print("ほか 2 件（--limit 0 ですべて、--csv や --json で一覧）")
    out.print()
    return 7


def test_the_kept_text_is_what_rich_writes_and_the_traits_decide_it(monkeypatch):
    by_traits: dict[str, str] = {}
    for case in sampled(300, 16):
        with monkeypatch.context() as patch:
            screen = environment(patch, **case)
            traits = common.console_traits()
            number, kept = common.drawn(a_table)
            assert screen.getvalue() == "", "drawn() printed something"
            assert number == 7 and a_table(common.console()) == 7
            direct = screen.getvalue()
            assert kept == direct, case  # the captured text is byte for byte what rich writes
            # the same traits, the same text: the traits are all the drawing depends on
            assert by_traits.setdefault(repr(traits), kept) == kept, case
    assert len(by_traits) > 20  # the sample did reach many different consoles
    plain = [text for key, text in by_traits.items() if "\x1b[" not in text]
    coloured = [text for text in by_traits.values() if "\x1b[1;31m" in text]  # bold red
    assert plain and coloured
    assert all(" \n" not in text for key, text in by_traits.items() if key.startswith("[False"))  # trimmed


# -- the command --------------------------------------------------------------------------------


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


def table(cli, root: Path, *extra: str, env: dict | None = None, code: int | None = None) -> str:
    run = cli("monitor", "due", "-C", str(root), "--within", "400", *extra, env={"YOBO_TODAY": TODAY, **(env or {})})
    assert run.code in ((0, 1) if code is None else (code,)), run.stderr
    return run.stdout


def fresh(cli, root: Path, *extra: str, env: dict | None = None) -> str:
    """The same question with no index and no kept answer (they are rebuilt afterwards)."""
    shutil.rmtree(root / ".yobo", ignore_errors=True)
    return table(cli, root, *extra, env=env)


def kept(cli, root: Path, spy: Spy, *extra: str, env: dict | None = None) -> str:
    """Asked twice: the second answer is the kept one (no index read) and the same."""
    first = table(cli, root, *extra, env=env)
    reads = spy.reads
    assert table(cli, root, *extra, env=env) == first
    assert spy.reads == reads, "the kept answer was not used"
    return first


def test_after_a_hand_edit_a_commit_and_a_rule_change(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    before = kept(cli, sample, spy)
    assert before == fresh(cli, sample)
    change_manager(sample, "佐藤一郎")
    edited = table(cli, sample)
    assert edited != before and "佐藤一郎" in edited and edited == fresh(cli, sample)
    path = sample / CASE  # edited again: the same " M" line in git status, other content
    path.write_text(path.read_text(encoding="utf-8").replace("manager: 佐藤一郎", "manager: 鈴木二郎"),
                    encoding="utf-8")
    again = table(cli, sample)
    assert "鈴木二郎" in again and "佐藤一郎" not in again and again == fresh(cli, sample)
    assert kept(cli, sample, spy) == again
    commit(sample)
    assert table(cli, sample) == again and kept(cli, sample, spy) == fresh(cli, sample)
    real = index.case_obligations

    def renamed(case, profile, config):
        return [d._replace(title=d.title + "（改）") for d in real(case, profile, config)]

    monkeypatch.setattr(index, "case_obligations", renamed)
    monkeypatch.setattr(index, "code_fingerprint", lambda: "an edited rule")
    changed = table(cli, sample)
    assert "（改）" in changed and changed == fresh(cli, sample)


def test_after_a_pull_and_a_checkout(cli, sample, tmp_path, monkeypatch):
    spy = Spy(monkeypatch)
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(sample), str(other)], check=True)
    before = kept(cli, other, spy)
    change_manager(sample, "佐藤一郎")
    commit(sample)
    git(other, "pull", "-q", "--ff-only")
    pulled = table(cli, other)
    assert pulled != before and "佐藤一郎" in pulled and pulled == fresh(cli, other)
    git(other, "checkout", "-q", "HEAD~1")
    assert table(cli, other) == before == fresh(cli, other)
    git(other, "checkout", "-q", "-")
    assert kept(cli, other, spy) == pulled


def test_after_a_profile_change(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    before = kept(cli, sample, spy)
    config = sample / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("profile: national", "profile: funagata"),
                      encoding="utf-8")
    after = table(cli, sample)
    assert after != before and after == fresh(cli, sample)
    # the office's name is printed in the table (the 事業所's own rows)
    config.write_text(config.read_text(encoding="utf-8").replace("name: ", "name: 新", 1), encoding="utf-8")
    renamed = table(cli, sample)
    assert renamed == fresh(cli, sample)


@pytest.mark.parametrize("extra", [("--limit", "1"), ("--limit", "0"), ("--staff", "田中美咲"), ("--status", "overdue"),
                                   ("--party", "hokatsu"), ("--case", "3QK7WA"), ("--within", "7"),
                                   ("--today", "2027-03-01")])
def test_other_options_and_another_day(cli, sample, monkeypatch, extra):
    spy = Spy(monkeypatch)
    # the sample's staff have fewer than 50 items each: --limit is told apart from --limit 1
    usual = ("--limit", "1") if extra[0] == "--limit" and extra[1] != "1" else ()
    first = kept(cli, sample, spy, *usual)
    other = kept(cli, sample, spy, *extra)
    assert other == fresh(cli, sample, *extra)
    assert other != first
    assert table(cli, sample, *usual) == first  # the first question's answer is still kept beside it


@pytest.mark.parametrize("env", [{"COLUMNS": "60"}, {"COLUMNS": "40"}, {"FORCE_COLOR": "1"},
                                 {"FORCE_COLOR": "1", "NO_COLOR": "1"}, {"FORCE_COLOR": "1", "TERM": "xterm-256color"},
                                 {"FORCE_COLOR": "1", "TERM": "dumb"}])
def test_another_width_and_colour_forced_on_or_off(cli, sample, monkeypatch, env):
    # with LINES (pytest-xdist's workers have LINES=24) rich keeps the given width on a dumb terminal
    monkeypatch.delenv("LINES", raising=False)
    spy = Spy(monkeypatch)
    usual = kept(cli, sample, spy)
    other = kept(cli, sample, spy, env=env)
    assert other != usual and other == fresh(cli, sample, env=env)
    if env.get("FORCE_COLOR") and "NO_COLOR" not in env and env.get("TERM") != "dumb":
        assert "\x1b[1;31m" in other  # overdue rows in bold red
    if "NO_COLOR" in env:
        assert "\x1b[1m" in other and "\x1b[31m" not in other and "\x1b[1;31m" not in other  # bold, no colour
    assert table(cli, sample) == usual


def test_fail_on_overdue_from_the_kept_answer(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    overdue = table(cli, sample, "--fail-on", "overdue", code=1)
    reads = spy.reads
    assert table(cli, sample, "--fail-on", "overdue", code=1) == overdue
    assert spy.reads == reads
    assert "期限切れ" in overdue
    upcoming = table(cli, sample, "--fail-on", "overdue", "--status", "upcoming", code=0)
    assert table(cli, sample, "--fail-on", "overdue", "--status", "upcoming", code=0) == upcoming
    assert "期限切れ 0 件" in upcoming.splitlines()[-1]


def test_a_warm_table_imports_no_rich(yobo_bin, sample):
    args = ("monitor", "due", "-C", str(sample), "--within", "400")
    first = yobo_bin(*args)
    assert first.code in (0, 1) and first.stdout, first.stderr
    again = yobo_bin(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert again.stdout == first.stdout
    imported = [line.split("|")[-1].strip() for line in again.stderr.splitlines() if line.startswith("import time:")]
    assert "yobo.cli.due_cmds" in imported  # the imports were listed
    assert not [name for name in imported if name.split(".")[0] == "rich"]
    shutil.rmtree(sample / ".yobo")
    assert yobo_bin(*args).stdout == first.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_on_a_terminal_the_kept_table_is_per_width_and_coloured(sample):
    import fcntl
    import pty
    import struct
    import termios

    def on_terminal(columns: int, *, imports: bool = False) -> bytes:
        """The table drawn on a terminal ``columns`` wide; with ``imports``, no rich imported."""
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in RICH_VARIABLES}
        env.update({"YOBO_TODAY": TODAY, "TERM": "xterm-256color"})
        if imports:
            env["PYTHONPROFILEIMPORTTIME"] = "1"
        process = subprocess.Popen([yobo_executable(), "monitor", "due", "-C", str(sample), "--within", "400"],
                                   stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end closed (Linux)
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        stderr = process.communicate(timeout=120)[1]
        assert process.returncode in (0, 1), stderr
        if imports:
            assert b"yobo.cli.due_cmds" in stderr and b" rich" not in stderr
        return b"".join(chunks)

    wide = on_terminal(160)
    assert b"\x1b[1;31m" in wide  # coloured: the overdue rows in bold red
    assert on_terminal(160, imports=True) == wide  # kept
    narrow = on_terminal(70)
    assert narrow != wide and on_terminal(70, imports=True) == narrow
    shutil.rmtree(sample / ".yobo")
    assert on_terminal(70) == narrow and on_terminal(160) == wide


def test_where_the_traits_are_unknown_the_table_is_drawn_afresh_and_the_same(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    usual = kept(cli, sample, spy, "--fail-on", "overdue")
    from yobo.cli import due_cmds

    monkeypatch.setattr(due_cmds, "console_traits", lambda: None)  # e.g. Windows: nothing kept
    reads = spy.reads
    assert table(cli, sample, "--fail-on", "overdue", code=1) == usual
    assert table(cli, sample, "--fail-on", "overdue", code=1) == usual
    assert spy.reads == reads + 2, "a table was kept where the console's traits are unknown"

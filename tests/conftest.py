"""Shared fixtures: an isolated git environment, the CLI through Typer's runner and
as the installed ``yobo`` program, and temporary git casebooks (papis's
``TemporaryLibrary`` idea)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yobo.cli import app

TODAY = "2026-11-22"
STAFF = "山田花子"
OTHER_STAFF = "佐藤次郎"

#: A valid ``yobo case new`` for a 要支援1 委託 user; tests override single options.
NEW_CASE = {
    "--insured-no": "0000123456",
    "--name": "佐藤 一郎",
    "--kana": "サトウ イチロウ",
    "--birth": "1940-05-01",
    "--sex": "male",
    "--level": "要支援1",
    "--cert-from": "2026-04-01",
    "--cert-to": "2027-03-31",
    "--mode": "itaku",
    "--hokatsu": "中央地域包括支援センター",
}


#: 基本チェックリスト answers: items 1–5, 6–10, 11, 12 (computed), 13–15, 16–17, 18–20, 21–25 —
#: 運動器 3/5 and, with a BMI of 17.8, both 栄養 items (criteria ② and ③).
ANSWERS = "nnnyy" + "nnyyn" + "y" + "-" + "nyn" + "yn" + "nyn" + "nnnnn"


def basic_info(*, address: str | None = None, disease: str = "変形性膝関節症") -> str:
    """A 利用者基本情報 for ``yobo info set --file`` (a first consultation by phone); ``address``
    and ``disease`` vary it, e.g. for a same-day correction."""
    moved = f"address: {address}\n" if address else ""
    return f"""\
consultation:
  date: 2026-11-10
  method: phone
  kind: first
current_status:
  place: home
{moved}emergency_contacts:
  - name: 佐藤 花子
    relation: 長女
    phones:
      - number: "0000-00-0000"
medical_history:
  - date: "2024-05"
    disease: {disease}
    institution: 〇〇整形外科
    opinion_writer: true
    course: treating
"""


#: A plan for ``yobo plan draft --file``: one goal with one 介護予防通所リハビリテーション service.
PLAN = """\
life_goals:
  day: 毎朝、近所の公園まで散歩する
  year: 孫の結婚式に歩いて出席する
issues:
  - 膝の痛みで外出が減っている
goals:
  - goal: 一人で近所のスーパーまで歩いて買い物に行ける
    support_points: 膝に負担をかけない歩き方を身につける
    services:
      - insured_service: 運動器機能向上
        kind: 介護予防通所リハビリテーション
        provider: 〇〇デイケア
        from: 2026-12-01
        to: 2027-05-31
overall_policy: 膝の痛みを和らげ、外出の機会を取り戻す
"""


def flags(options: dict) -> list[str]:
    args = []
    for key, value in options.items():
        if value is not None:
            args += [key, value]
    return args


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    """No global git identity, no yobo variables, a wide terminal: the same on every machine."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("YOBO_CASEBOOK", "YOBO_TODAY", "YOBO_STAFF", "YOBO_DEBUG", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TERMINAL_WIDTH", "200")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


class Cli:
    """``yobo`` through Typer's runner; ``today`` and ``--as`` come from the environment."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict | None = None) -> Run:
        full_env = {"YOBO_TODAY": TODAY, "YOBO_STAFF": STAFF}
        full_env.update(env or {})
        result = self.runner.invoke(app, list(args), env=full_env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)


def leaf_commands(group, prefix=()):
    """Every command under ``group`` (a click group), as (path of names, command), sorted."""
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


@pytest.fixture
def cli() -> Cli:
    return Cli()


def yobo_executable() -> str:
    """The installed console script next to this Python (the README installs it there)."""
    candidate = Path(sys.executable).parent / "yobo"
    found = str(candidate) if candidate.exists() else shutil.which("yobo")
    assert found, "yobo is not installed: run the README's test setup (pip install -e '.[test]')"
    return found


@pytest.fixture
def yobo_bin():
    """Run the installed ``yobo`` as a real process."""

    def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> Run:
        full_env = dict(os.environ)
        full_env.update({"YOBO_TODAY": TODAY, "YOBO_STAFF": STAFF})
        full_env.update(env or {})
        proc = subprocess.run([yobo_executable(), *args], cwd=cwd, env=full_env, capture_output=True,
                              text=True, encoding="utf-8", timeout=120)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def casebook(tmp_path, cli) -> Path:
    """A fresh 居宅 casebook with two staff members, as ``yobo init`` makes it."""
    root = tmp_path / "casebook"
    result = cli("init", str(root), "--office-name", "テスト居宅介護支援事業所", "--office-kind", "kyotaku",
                 "--office-no", "1234567890", "--staff", STAFF, "--staff", OTHER_STAFF)
    assert result.code == 0, result.stderr
    return root


def new_case(cli: Cli, root: Path, **overrides) -> str:
    """Register a case (options as keyword arguments, e.g. insured_no=...) and return its id."""
    options = dict(NEW_CASE)
    for key, value in overrides.items():
        options["--" + key.replace("_", "-")] = value
    result = cli("case", "new", "-C", str(root), *flags(options))
    assert result.code == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def snapshot(root: Path) -> dict:
    """Every file under ``root`` (outside .git) with its bytes, plus HEAD and the index state.

    The derived due index (``.yobo/``, git-ignored, rebuilt from the files) is left out:
    a refused step may still have read the casebook and refreshed it, which loses nothing.
    """
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
             if p.is_file() and not {".git", ".yobo"} & set(p.relative_to(root).parts)}
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
    return {"files": files, "head": head, "status": status}


def assert_one_line_error(run: Run, *needles: str) -> None:
    """Bad input: exit 2, one Japanese line on stderr naming what was wrong, no traceback."""
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert lines[0].startswith("yobo: エラー: ")
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])

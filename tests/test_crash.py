"""A write step killed (SIGKILL, a real process) at each of its points, for four steps:
the next command completes or rolls the step back and says which, git stays sound,
no record is lost or doubled (a retry included), and ``validate`` tells the truth.

The kill points come from the CLI's test aid ``YOBO_FAULT`` (a checkpoint callback the
CLI hands to the writer); "inside the commit" is a pre-commit hook that kills yobo and
its git while git holds ``.git/index.lock``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NEW_CASE, OTHER_STAFF, STAFF, TODAY, Cli, flags, git

MARK_NOTE = "クラッシュ試験の経過記録"
MARK_MONITOR = "クラッシュ試験のモニタリング"
MARK_INSURED = "0000999999"
MARK_PLAN = "クラッシュ試験で直した計画"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A casebook with a case holding a started plan (one monitoring record in 2026-05)
    and a case with a draft plan; built once, copied for every kill."""
    home = tmp_path_factory.mktemp("home")
    env = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
           "YOBO_CASEBOOK": None}
    cli = Cli()
    run = lambda *args: cli(*args, env=env)  # noqa: E731
    root = tmp_path_factory.mktemp("template") / "casebook"
    assert run("init", str(root), "--office-name", "テスト居宅", "--office-kind", "kyotaku", "--staff", STAFF,
               "--staff", OTHER_STAFF).code == 0
    C = ["-C", str(root)]
    started = run("case", "new", *C, *flags({**NEW_CASE, "--mode": "shitei", "--hokatsu": None})).stdout.split()[-1]
    steps = [("plan", "draft", started, "--start", "2026-05-01", "--end", "2026-10-31", "--date", "2026-04-20"),
             ("meeting", "record", started, "--attendee", "佐藤 一郎:本人", "--date", "2026-04-23"),
             ("plan", "agree", started, "--signer", "佐藤 一郎", "--date", "2026-04-24"),
             ("plan", "start", started, "--date", "2026-05-01"),
             ("monitor", "record", started, "--method", "visit", "--date", "2026-05-10", "--summary", "一回目")]
    for args in steps:
        result = run(*args, *C)
        assert result.code == 0, (args, result.stderr)
    drafted = run("case", "new", *C, *flags({**NEW_CASE, "--insured-no": "0000222222", "--mode": "shitei",
                                             "--hokatsu": None})).stdout.split()[-1]
    assert run("plan", "draft", drafted, "--start", "2026-05-01", "--end", "2026-10-31", "--date", "2026-04-20",
               *C).code == 0
    plan_rel = next(p for p in git(root, "ls-files").split() if p.endswith(f"{drafted}/plans/P1/plan.yaml"))
    edited = root.parent / "edited-plan.yaml"
    text = (root / plan_rel).read_text(encoding="utf-8")
    edited.write_text(text.replace("goals: []", f"goals:\n  - goal: {MARK_PLAN}")
                      if "goals: []" in text else text + f"# {MARK_PLAN}\n", encoding="utf-8")
    return {"root": root, "started": started, "drafted": drafted, "edited": edited}


def _commands(t: dict, root: Path) -> dict[str, tuple[list[str], str]]:
    """step -> (the command, the text that appears in the casebook once per record)."""
    C = ["-C", str(root)]
    return {
        "note": (["note", "add", t["started"], "--text", MARK_NOTE, "--date", "2026-11-20", *C], MARK_NOTE),
        "monitor": (["monitor", "record", t["started"], "--method", "phone", "--reason", "入院",
                     "--summary", MARK_MONITOR, "--date", "2026-05-20", *C], MARK_MONITOR),
        "case-new": (["case", "new", *C, *flags({**NEW_CASE, "--insured-no": MARK_INSURED})], MARK_INSURED),
        "plan-edit": (["plan", "edit", t["drafted"], "--file", str(t["edited"]), *C], MARK_PLAN),
    }


def _yobo(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    exe = str(Path(sys.executable).parent / "yobo")
    full = dict(os.environ, YOBO_TODAY=TODAY, YOBO_STAFF=STAFF, **(env or {}))
    return subprocess.run([exe, *args], env=full, capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def _count(root: Path, mark: str, rev: str | None = "HEAD") -> int:
    """How many times ``mark`` is recorded: in the commit ``rev``, or on disk (None)."""
    args = ["grep", "-c"] + ([] if rev else ["--untracked"]) + ["-F", mark] + ([rev] if rev else []) + ["--", "cases"]
    out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True).stdout
    return sum(int(line.rsplit(":", 1)[1]) for line in out.splitlines() if line)


def _kill_inside_commit_hook(root: Path) -> None:
    """A pre-commit hook (run by git while it holds index.lock) that removes itself and
    kills yobo and then its git, both with SIGKILL."""
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"""#!{sys.executable}
import os, signal, psutil
os.unlink(__file__)
git = psutil.Process(os.getppid())
os.kill(git.ppid(), signal.SIGKILL)
os.kill(git.pid, signal.SIGKILL)
""", encoding="utf-8")
    hook.chmod(0o755)


def _assert_sound(root: Path, *, validate: bool = True) -> None:
    fsck = subprocess.run(["git", "fsck", "--no-dangling", "--no-progress"], cwd=root, capture_output=True, text=True)
    assert fsck.returncode == 0 and not fsck.stdout.strip() and "error" not in fsck.stderr, fsck.stdout + fsck.stderr
    assert git(root, "status", "--porcelain") == ""  # working tree and index match HEAD
    assert not (root / ".yobo" / "journal.json").exists()
    assert not list(root.rglob(".yobo-*.tmp"))
    if not validate:
        return
    check = _yobo("validate", "-C", str(root))
    assert check.returncode == 0 and "問題はありません" in check.stderr + check.stdout, check.stdout + check.stderr


EXPECTED = {"before-write": "取り消しました", "mid-write": "取り消しました", "after-write": "完了しました",
            "inside-commit": "完了しました", "after-commit": "コミット済み"}
MATRIX = [(step, point) for step in ("note", "monitor", "case-new", "plan-edit")
          for point in ("before-write", "after-write", "inside-commit", "after-commit")] + [("case-new", "mid-write")]


@pytest.mark.parametrize("step, point", MATRIX)
def test_a_step_killed_at_each_point_is_completed_or_rolled_back_once(template, tmp_path, step, point):
    root = tmp_path / "casebook"
    shutil.copytree(template["root"], root, symlinks=True)
    command, mark = _commands(template, root)[step]
    head_before = git(root, "rev-parse", "HEAD").strip()
    already = _count(root, mark)
    env = {}
    if point == "inside-commit":
        _kill_inside_commit_hook(root)
    else:
        env["YOBO_FAULT"] = point
    killed = _yobo(*command, env=env)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stdout, killed.stderr)
    assert "コミット" not in killed.stdout  # it never said it was done
    if point == "inside-commit":
        # The writer stages the step's paths (and only them) before its hooks run and the
        # branch moves: killed there, the files are staged, not committed.
        staged = git(root, "diff", "--cached", "--name-only").split()
        assert staged and all(rel.startswith("cases/") for rel in staged)
        assert any(mark in (root / rel).read_text(encoding="utf-8") for rel in staged)
    committed = git(root, "rev-parse", "HEAD").strip() != head_before
    assert committed == (point == "after-commit")
    if point in ("after-write", "inside-commit"):
        # The record is on disk but not in git: exactly the state validate used to call clean.
        assert _count(root, mark) == already and _count(root, mark, None) == already + 1

    # The next command (any command that opens the casebook; here validate, which then
    # checks the result) recovers, saying which on stderr, and finds nothing wrong.
    nxt = _yobo("validate", "-C", str(root))
    notices = [line for line in nxt.stderr.splitlines() if line.startswith("yobo: 注意: ")]
    assert len(notices) == 1 and EXPECTED[point] in notices[0], nxt.stderr
    assert nxt.returncode == 0 and "問題はありません" in nxt.stdout, nxt.stdout + nxt.stderr
    expected_after = already + (0 if "取り消し" in EXPECTED[point] else 1)
    assert _count(root, mark) == expected_after
    _assert_sound(root, validate=False)
    if expected_after > already:
        authors = git(root, "log", "-F", f"-S{mark}", "--format=%an").split()
        assert authors == [STAFF]

    # Running the same command again records it once in all: written now if it was
    # rolled back, refused as already recorded if it had landed.
    again = _yobo(*command)
    assert again.returncode == 0, again.stderr
    if expected_after > already:
        assert "記録されています" in again.stderr and "何も書き込みませんでした" in again.stderr
    assert _count(root, mark) == already + 1
    _assert_sound(root, validate=False)


@pytest.mark.parametrize("point", ["after-write", "after-commit"])
def test_retrying_straight_after_the_kill_records_once(template, tmp_path, point):
    """The user's first reaction to a crash is to run the command again."""
    root = tmp_path / "casebook"
    shutil.copytree(template["root"], root, symlinks=True)
    command, mark = _commands(template, root)["note"]
    assert _yobo(*command, env={"YOBO_FAULT": point}).returncode == -signal.SIGKILL
    again = _yobo(*command)
    assert again.returncode == 0, again.stderr
    assert EXPECTED[point] in again.stderr
    assert "何も書き込みませんでした" in again.stderr
    assert _count(root, mark) == 1
    _assert_sound(root)
    # a different note afterwards is recorded as usual: the retry memory is gone
    other = _yobo("note", "add", template["started"], "--text", MARK_NOTE, "--date", "2026-11-21", "-C", str(root))
    assert other.returncode == 0 and "コミット" in other.stdout, other.stderr
    assert _count(root, mark) == 2


def test_without_its_journal_an_uncommitted_record_is_reported_by_validate(template, tmp_path):
    """A journal lost too (deleted by hand, a disk restored from backup): validate still
    says the record is not in git instead of 問題はありません."""
    root = tmp_path / "casebook"
    shutil.copytree(template["root"], root, symlinks=True)
    command, mark = _commands(template, root)["monitor"]
    assert _yobo(*command, env={"YOBO_FAULT": "after-write"}).returncode == -signal.SIGKILL
    (root / ".yobo" / "journal.json").unlink()
    check = _yobo("validate", "-C", str(root), "--json")
    assert check.returncode == 1
    import json

    problems = json.loads(check.stdout)["problems"]
    assert [(p["code"], "/monitoring/2026-05" in p["path"]) for p in problems] == [("uncommitted-file", True)]
    text = _yobo("validate", "-C", str(root))
    assert "[uncommitted-file]" in text.stdout and "問題はありません" not in text.stderr


def test_a_json_retry_of_a_landed_case_new_says_which_case_in_json(template, tmp_path):
    import json

    root = tmp_path / "casebook"
    shutil.copytree(template["root"], root, symlinks=True)
    command, mark = _commands(template, root)["case-new"]
    assert _yobo(*command, "--json", env={"YOBO_FAULT": "after-commit"}).returncode == -signal.SIGKILL
    again = _yobo(*command, "--json")
    assert again.returncode == 0, again.stderr
    said = json.loads(again.stdout)
    assert said["already_recorded"] is True and said["step"] == "case-new"
    assert git(root, "log", "-1", "--format=%(trailers:key=Yobo-Case,valueonly)").strip() == said["case"]
    assert _count(root, mark) == 1
    _assert_sound(root, validate=False)

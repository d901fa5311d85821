"""The one writer (``yobo.workflow.apply``): the casebook's lock, git states a step
refuses, a leftover ``index.lock``, exclusive new records, file modes, and validate's
report of uncommitted files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OTHER_STAFF, STAFF, TODAY, assert_one_line_error, git, new_case, snapshot
from yobo import gitstore
from yobo.errors import GitError, InputError
from yobo.workflow import journal, lock
from yobo.workflow.apply import Change, apply_change


def _note(cli, root: Path, case: str, text: str = "電話で様子を聞いた", **env):
    return cli("note", "add", case, "--text", text, "-C", str(root), env=env or None)


def _user_file(root: Path, text: str, message: str) -> None:
    """A file of the user's own, committed with git directly (not a yobo record)."""
    (root / "memo.txt").write_text(text, encoding="utf-8")
    git(root, "add", "memo.txt")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", message)


# -- git states a write refuses --------------------------------------------------------------------


def _conflict(root: Path) -> str:
    """Two branches changing memo.txt differently; returns the other branch's name."""
    _user_file(root, "base\n", "memo")
    branch = git(root, "symbolic-ref", "--short", "HEAD").strip()
    git(root, "checkout", "-qb", "other")
    _user_file(root, "other\n", "memo: other")
    git(root, "checkout", "-q", branch)
    _user_file(root, "mine\n", "memo: mine")
    return "other"


def _merge(root):
    subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@x", "merge", _conflict(root)], cwd=root,
                   capture_output=True)


def _rebase(root):
    other = _conflict(root)
    subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@x", "rebase", other], cwd=root,
                   capture_output=True)


def _cherry_pick(root):
    other = _conflict(root)
    subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@x", "cherry-pick", other], cwd=root,
                   capture_output=True)


def _revert(root):
    _user_file(root, "1\n", "one")
    first = git(root, "rev-parse", "HEAD").strip()
    _user_file(root, "2\n", "two")
    subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@x", "revert", "--no-edit", first], cwd=root,
                   capture_output=True)


def _bisect(root):
    git(root, "bisect", "start")


def _detached(root):
    git(root, "checkout", "-q", "--detach")


def _staged(root):
    _user_file(root, "base\n", "memo")
    (root / "memo.txt").write_text("a change of someone else's, staged\n", encoding="utf-8")
    git(root, "add", "memo.txt")


@pytest.mark.parametrize("make, needles", [
    (_detached, ("detached HEAD", "git switch")),
    (_merge, ("マージ", "git merge --abort")),
    (_rebase, ("リベース", "git rebase --abort")),
    (_cherry_pick, ("チェリーピック", "git cherry-pick --abort")),
    (_revert, ("git revert --abort",)),
    (_bisect, ("git bisect reset",)),
    (_staged, ("ステージ", "memo.txt", "git restore --staged memo.txt")),
], ids=["detached", "merge", "rebase", "cherry-pick", "revert", "bisect", "staged"])
def test_a_write_in_a_git_state_that_would_lose_it_is_refused(cli, casebook, make, needles):
    case = new_case(cli, casebook)
    make(casebook)
    before = snapshot(casebook)
    assert_one_line_error(_note(cli, casebook, case), *needles)
    assert snapshot(casebook) == before
    assert not (casebook / journal.JOURNAL_FILE).exists()


def test_a_staged_change_of_the_steps_own_path_is_no_reason_to_refuse(cli, casebook):
    """Only someone else's staged paths block; the commit holds exactly the step's paths."""
    case = new_case(cli, casebook)
    run = _note(cli, casebook, case)
    assert run.code == 0, run.stderr
    shown = git(casebook, "show", "--name-only", "--format=", "HEAD").split()
    assert len(shown) == 1 and "/notes/" in shown[0]


# -- the lock --------------------------------------------------------------------------------------


def test_a_writer_waits_then_refuses_naming_who_holds_the_lock(cli, casebook, yobo_bin):
    case = new_case(cli, casebook)
    before = snapshot(casebook)
    holder = lock.Holder(staff=OTHER_STAFF, started="2026-11-22T10:00:00+09:00")
    with lock.hold(casebook, holder=holder):
        run = yobo_bin("note", "add", case, "--text", "待たされる記録", "-C", str(casebook),
                       env={"YOBO_LOCK_TIMEOUT": "0.5"})
    assert_one_line_error(run, OTHER_STAFF, f"プロセス {os.getpid()}", "2026-11-22T10:00:00+09:00", "0.5 秒",
                          "YOBO_LOCK_TIMEOUT")
    assert snapshot(casebook) == before
    # once let go, the same command goes through
    assert yobo_bin("note", "add", case, "--text", "待たされる記録", "-C", str(casebook)).code == 0


def test_the_lock_is_released_when_its_process_is_killed(cli, casebook, yobo_bin):
    case = new_case(cli, casebook)
    code = ("import sys, time; from pathlib import Path; from yobo.workflow import lock\n"
            "with lock.hold(Path(sys.argv[1]), holder=lock.Holder(staff='x')):\n"
            "    print('held', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(casebook)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        proc.kill()
        proc.wait()
        run = yobo_bin("note", "add", case, "--text", "書ける", "-C", str(casebook), env={"YOBO_LOCK_TIMEOUT": "2"})
        assert run.code == 0, run.stderr
    finally:
        proc.kill()


def test_a_bad_lock_timeout_is_refused(cli, casebook):
    case = new_case(cli, casebook)
    assert_one_line_error(_note(cli, casebook, case, YOBO_LOCK_TIMEOUT="soon"), "YOBO_LOCK_TIMEOUT")


def test_the_lock_is_reentrant_and_apply_change_takes_it_when_not_held(casebook):
    author = gitstore.Identity(STAFF, "a@example.org")
    with lock.hold(casebook, holder=lock.Holder(staff=STAFF)) as outer:
        with lock.hold(casebook, holder=lock.Holder(staff="other")) as inner:
            assert inner is outer and inner.depth == 1
    assert lock.held(casebook) is None
    change = Change("staff-add", None, {"yobo.yaml": (casebook / "yobo.yaml").read_text(encoding="utf-8")
                                        + "# 手で足したコメント\n"})
    apply_change(casebook, change, author)  # not held: takes and lets go of it itself
    assert lock.held(casebook) is None
    assert git(casebook, "status", "--porcelain") == ""


# -- index.lock ------------------------------------------------------------------------------------


def test_a_stale_index_lock_with_no_git_running_is_cleared_and_said(cli, casebook):
    case = new_case(cli, casebook)
    (casebook / ".git" / "index.lock").write_bytes(b"")
    run = _note(cli, casebook, case)
    assert run.code == 0, run.stderr
    assert "index.lock を削除しました" in run.stderr
    assert not (casebook / ".git" / "index.lock").exists()
    assert git(casebook, "status", "--porcelain") == ""


def test_an_index_lock_while_git_runs_is_reported_with_its_path_in_japanese(cli, casebook):
    case = new_case(cli, casebook)
    # a git process working in the casebook (waiting on its input) — like an editor's git
    busy = subprocess.Popen(["git", "hash-object", "--stdin"], cwd=casebook, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL)
    index_lock = casebook / ".git" / "index.lock"
    try:
        index_lock.write_bytes(b"")
        before = snapshot(casebook)
        run = _note(cli, casebook, case)
        assert_one_line_error(run, str(index_lock), "削除", "git を使っているほかのプログラム")
        assert "Unable to create" not in run.stderr and "Another git process" not in run.stderr
        assert snapshot(casebook) == before and index_lock.exists()
    finally:
        busy.communicate(b"")
    index_lock.unlink()
    assert _note(cli, casebook, case).code == 0


def test_gits_own_index_lock_error_is_said_in_japanese(casebook):
    (casebook / "memo.txt").write_text("x", encoding="utf-8")
    (casebook / ".git" / "index.lock").write_bytes(b"")
    with pytest.raises(GitError) as caught:
        gitstore.commit(casebook, ["memo.txt"], "memo\n", gitstore.Identity(STAFF, "a@example.org"))
    assert str(casebook / ".git" / "index.lock") in str(caught.value)
    assert "fatal" not in str(caught.value)


# -- exclusive new records -------------------------------------------------------------------------


def test_a_new_record_is_never_written_over_a_file_that_appeared(cli, casebook):
    """Someone (a sync tool, a colleague's copy) drops a file under the name the step
    chose, after the step chose it: the step refuses and leaves that file alone."""
    from yobo.casebook import case_dir

    case = new_case(cli, casebook)
    rel = f"{case_dir(case)}/notes/2026-11-22-kyotaku-1.yaml"
    theirs = b"# someone else's file\n"

    def outsider(point: str) -> None:
        if point == "before-write":
            (casebook / rel).parent.mkdir(parents=True, exist_ok=True)
            (casebook / rel).write_bytes(theirs)

    author = gitstore.Identity(STAFF, "a@example.org")
    head = git(casebook, "rev-parse", "HEAD")
    text = (f"# yaml-language-server: $schema=../../../../schemas/note.schema.json\ndate: 2026-11-22\nkind: general\n"
            f"text: 記録\nstaff: {STAFF}\nparty: kyotaku\n")
    with lock.hold(casebook, holder=lock.Holder(staff=STAFF), checkpoint=outsider):
        with pytest.raises(InputError, match=f"{rel} はすでにあります。記録を上書きしません"):
            apply_change(casebook, Change("note", case, {rel: text}), author)
    assert (casebook / rel).read_bytes() == theirs
    assert git(casebook, "rev-parse", "HEAD") == head
    assert not (casebook / journal.JOURNAL_FILE).exists()


def test_a_declared_new_path_that_exists_is_refused(casebook):
    author = gitstore.Identity(STAFF, "a@example.org")
    before = snapshot(casebook)
    text = (casebook / "yobo.yaml").read_text(encoding="utf-8")
    with pytest.raises(InputError, match="yobo.yaml はすでにあります"):
        apply_change(casebook, Change("init", None, {"yobo.yaml": text}, creates=frozenset({"yobo.yaml"})), author)
    assert snapshot(casebook) == before


def test_write_file_new_refuses_an_existing_name(tmp_path):
    target = tmp_path / "a.yaml"
    target.write_text("first", encoding="utf-8")
    with pytest.raises(FileExistsError):
        journal.write_file(target, b"second", new=True)
    assert target.read_text(encoding="utf-8") == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]  # no temporary file left


# -- a journal that cannot be read -----------------------------------------------------------------


def test_an_unreadable_journal_is_set_aside_with_a_notice(cli, casebook):
    case = new_case(cli, casebook)
    (casebook / journal.JOURNAL_FILE).write_text("{not json", encoding="utf-8")
    run = cli("case", "list", "-C", str(casebook))
    assert run.code == 0
    assert "journal.json を読めないため脇に置きました" in run.stderr
    assert not (casebook / journal.JOURNAL_FILE).exists()
    assert list((casebook / ".yobo").glob("journal-*.broken.json"))
    assert _note(cli, casebook, case).code == 0


def test_a_read_command_leaves_a_live_writers_journal_alone(cli, casebook):
    case = new_case(cli, casebook)
    with lock.hold(casebook, holder=lock.Holder(staff=OTHER_STAFF)):
        (casebook / journal.JOURNAL_FILE).write_text(json.dumps({"format": 1}), encoding="utf-8")
        run = cli("case", "list", "-C", str(casebook), "--json")
        assert run.code == 0 and run.stderr == ""
        assert (casebook / journal.JOURNAL_FILE).exists()
    (casebook / journal.JOURNAL_FILE).unlink()
    assert case in run.stdout


# -- file modes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_follow_the_umask_like_git_and_the_casebook_folder_is_private(cli, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        root = tmp_path / "new" / "casebook"
        assert cli("init", str(root), "--office-name", "居宅", "--office-kind", "kyotaku", "--staff", STAFF).code == 0
        case = new_case(cli, root)
        assert _note(cli, root, case).code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    written = [p for p in root.rglob("*.yaml") if ".git" not in p.parts]
    assert written and {stat.S_IMODE(p.stat().st_mode) for p in written} == {mode}
    assert stat.S_IMODE((root / ".yobo").stat().st_mode) == 0o700


# -- validate --------------------------------------------------------------------------------------


def test_validate_reports_files_under_cases_that_are_not_committed(cli, casebook):
    from yobo.casebook import case_dir

    case = new_case(cli, casebook)
    folder = casebook / case_dir(case)
    (folder / "notes").mkdir()
    (folder / "notes" / "2026-11-22-kyotaku-1.yaml").write_text(
        "date: 2026-11-22\nkind: general\ntext: 手で置いた記録\nstaff: 山田花子\nparty: kyotaku\n", encoding="utf-8")
    (folder / "notes" / ".yobo-abc.tmp").write_bytes(b"half")
    certs = sorted((folder / "certifications").iterdir())
    certs[0].write_text(certs[0].read_text(encoding="utf-8") + "# 手で直した\n", encoding="utf-8")
    run = cli("validate", "-C", str(casebook), "--json")
    assert run.code == 1
    found = {(p["path"].removeprefix(case_dir(case) + "/"), p["code"]) for p in json.loads(run.stdout)["problems"]}
    assert found == {("notes/2026-11-22-kyotaku-1.yaml", "uncommitted-file"),
                     ("notes/.yobo-abc.tmp", "uncommitted-file"),
                     (f"certifications/{certs[0].name}", "uncommitted-file")}
    text = cli("validate", "-C", str(casebook))
    assert "一時ファイル" in text.stdout and "git diff" in text.stdout and "問題はありません" not in text.stderr


def test_a_casebook_where_the_lock_cannot_be_made_refuses_in_one_line(cli, casebook):
    import shutil

    case = new_case(cli, casebook)
    shutil.rmtree(casebook / ".yobo")
    (casebook / ".yobo").write_text("not a folder", encoding="utf-8")
    before = snapshot(casebook)
    assert_one_line_error(_note(cli, casebook, case), "write.lock", "記録できません")
    assert snapshot(casebook) == before


def test_a_journal_that_came_through_git_is_never_acted_on(cli, casebook):
    """A forged journal committed with ``git add -f`` would make recovery write what it
    says: it is ignored with a notice, and nothing it names is touched."""
    import base64
    import hashlib

    case = new_case(cli, casebook)
    victim = casebook / "yobo.yaml"
    original = victim.read_bytes()
    forged = {"format": 1, "id": "f" * 32, "step": "note", "case": case, "message": "x\n",
              "author": {"name": "x", "email": "x@x"}, "head": None, "request": None, "dirs": [],
              "files": [{"path": "yobo.yaml", "after_sha256": hashlib.sha256(original).hexdigest(),
                         "before": base64.b64encode(b"evil: true\n").decode()}]}
    (casebook / journal.JOURNAL_FILE).write_text(json.dumps(forged), encoding="utf-8")
    git(casebook, "add", "-f", journal.JOURNAL_FILE)
    git(casebook, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "cache")
    run = cli("case", "list", "-C", str(casebook))
    assert run.code == 0 and "git にコミットされています" in run.stderr
    assert victim.read_bytes() == original


@pytest.mark.parametrize("path", ["../outside.txt", "/tmp/outside.txt", ".git/config", "cases/../../outside.txt"])
def test_a_journal_naming_a_path_outside_the_casebook_is_set_aside(cli, casebook, path):
    import hashlib

    (casebook / journal.JOURNAL_FILE).write_text(json.dumps({
        "format": 1, "id": "e" * 32, "step": "note", "case": None, "message": "x\n",
        "author": {"name": "x", "email": "x@x"}, "head": None, "request": None, "dirs": [],
        "files": [{"path": path, "after_sha256": hashlib.sha256(b"").hexdigest(), "before": None}]}),
        encoding="utf-8")
    config = (casebook / ".git" / "config").read_bytes()
    run = cli("case", "list", "-C", str(casebook))
    assert run.code == 0 and "脇に置きました" in run.stderr
    assert (casebook / ".git" / "config").read_bytes() == config
    assert not (casebook / journal.JOURNAL_FILE).exists()


# -- the editor is open without the lock -----------------------------------------------------------


def _drafted(cli, casebook) -> str:
    case = new_case(cli, casebook)
    assert cli("plan", "draft", case, "--start", "2026-12-01", "--end", "2027-03-31", "-C", str(casebook)).code == 0
    return case


def _editor(tmp_path, *command: str, staff: str = OTHER_STAFF) -> tuple[str, Path]:
    """An $EDITOR that runs a colleague's yobo command while it is open, then edits."""
    from conftest import yobo_executable

    result = tmp_path / "colleague.txt"
    script = tmp_path / "editor.py"
    script.write_text(f"""import os, pathlib, subprocess, sys
buf = pathlib.Path(sys.argv[-1])
env = dict(os.environ, YOBO_LOCK_TIMEOUT="1", YOBO_STAFF={staff!r})
proc = subprocess.run([{yobo_executable()!r}, *{list(command)!r}], env=env, capture_output=True, text=True)
pathlib.Path({str(result)!r}).write_text(str(proc.returncode) + "\\n" + proc.stderr, encoding="utf-8")
buf.write_text(buf.read_text(encoding="utf-8").replace("day: ''", "day: 編集中に書いた目標", 1), encoding="utf-8")
""", encoding="utf-8")
    return f"{sys.executable} {script}", result


def test_a_colleague_can_record_while_the_editor_is_open(cli, casebook, tmp_path):
    case = _drafted(cli, casebook)
    editor, result = _editor(tmp_path, "note", "add", case, "--text", "編集中の記録", "-C", str(casebook))
    run = cli("plan", "edit", case, "-C", str(casebook), env={"EDITOR": editor})
    assert run.code == 0, run.stderr
    assert result.read_text(encoding="utf-8").startswith("0\n"), result.read_text(encoding="utf-8")
    log = git(casebook, "log", "-2", "--format=%an %s").splitlines()
    assert [line.split(" ")[0] for line in log] == [STAFF, OTHER_STAFF]
    assert git(casebook, "status", "--porcelain") == ""


def test_an_edit_is_not_saved_over_a_change_made_while_the_editor_was_open(cli, casebook, tmp_path):
    case = _drafted(cli, casebook)
    plan_rel = next(p for p in git(casebook, "ls-files").split() if p.endswith("plans/P1/plan.yaml"))
    theirs = tmp_path / "theirs.yaml"
    theirs.write_text((casebook / plan_rel).read_text(encoding="utf-8").replace("year: ''", "year: 同僚の目標", 1),
                      encoding="utf-8")
    editor, result = _editor(tmp_path, "plan", "edit", case, "--file", str(theirs), "-C", str(casebook))
    run = cli("plan", "edit", case, "-C", str(casebook), env={"EDITOR": editor})
    assert result.read_text(encoding="utf-8").startswith("0\n"), result.read_text(encoding="utf-8")
    assert_one_line_error(run, "EDITOR", "ほかの人が計画 P1 を変更したため", "保存しませんでした")
    assert (casebook / plan_rel).read_text(encoding="utf-8") == theirs.read_text(encoding="utf-8")
    assert git(casebook, "status", "--porcelain") == ""

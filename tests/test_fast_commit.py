"""The writer's commit made with git's plumbing (issue 16): a step's commit holds
exactly its paths, HEAD and the index agree afterwards, nothing someone else staged is
swept in, a branch moved meanwhile is never overwritten, signing and hooks still work."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import STAFF, assert_one_line_error, git, new_case
from yobo import gitstore
from yobo.casebook import case_dir
from yobo.errors import GitError
from yobo.workflow import journal, lock
from yobo.workflow.apply import Change, apply_change

AUTHOR = gitstore.Identity(STAFF, "a@example.org")


def _note_text(text: str) -> str:
    return (f"# yaml-language-server: $schema=../../../../schemas/note.schema.json\ndate: 2026-11-22\nkind: general\n"
            f"text: {text}\nstaff: {STAFF}\nparty: kyotaku\n")


def _sound(root: Path) -> None:
    """git's own checks: objects and trees whole, and index and work tree equal to HEAD."""
    fsck = subprocess.run(["git", "fsck", "--no-dangling", "--no-progress"], cwd=root, capture_output=True, text=True)
    assert fsck.returncode == 0 and not fsck.stdout.strip(), fsck.stdout + fsck.stderr
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""


def _names(root: Path, rev: str = "HEAD") -> list[str]:
    return sorted(git(root, "show", "--name-only", "--format=", rev).split())


def test_a_step_commits_exactly_its_paths_and_leaves_the_rest_of_the_tree(cli, casebook):
    case = new_case(cli, casebook)
    before_tree = set(git(casebook, "ls-tree", "-r", "--name-only", "HEAD").split())
    parent = git(casebook, "rev-parse", "HEAD").strip()
    folder = case_dir(case)
    paths = {f"{folder}/notes/2026-11-22-kyotaku-1.yaml": _note_text("一つ目"),
             f"{folder}/notes/2026-11-22-kyotaku-2.yaml": _note_text("二つ目")}
    commit = apply_change(casebook, Change("note", case, paths), AUTHOR)
    assert git(casebook, "rev-parse", "HEAD").strip() == commit
    assert git(casebook, "rev-parse", "HEAD^").strip() == parent
    assert _names(casebook) == sorted(paths)
    after_tree = set(git(casebook, "ls-tree", "-r", "--name-only", "HEAD").split())
    assert after_tree == before_tree | set(paths)
    for rel, text in paths.items():
        assert git(casebook, "show", f"HEAD:{rel}") == text
    message = git(casebook, "log", "-1", "--format=%an%n%B")
    assert message.startswith(f"{STAFF}\nnote: {case}") and "Yobo-Step: note" in message and "Yobo-Journal: " in message
    # the branch's reflog says what git commit would say
    assert git(casebook, "reflog", "-1", "--format=%gs").strip() == f"commit: note: {case}"
    _sound(casebook)


def test_a_file_someone_stages_during_the_step_is_not_swept_into_its_commit(cli, casebook):
    case = new_case(cli, casebook)
    rel = f"{case_dir(case)}/notes/2026-11-22-kyotaku-1.yaml"

    def colleague(point: str) -> None:
        if point == "after-write":  # after the writer checked that nothing else is staged
            (casebook / "memo.txt").write_text("手で置いたメモ\n", encoding="utf-8")
            git(casebook, "add", "memo.txt")

    with lock.hold(casebook, holder=lock.Holder(staff=STAFF), checkpoint=colleague):
        apply_change(casebook, Change("note", case, {rel: _note_text("記録")}), AUTHOR)
    assert _names(casebook) == [rel]
    assert git(casebook, "diff", "--cached", "--name-only").split() == ["memo.txt"]  # still staged, still theirs
    assert git(casebook, "status", "--porcelain").splitlines() == ["A  memo.txt"]


def test_an_edited_record_and_a_removed_path_are_committed_as_they_are_on_disk(casebook):
    (casebook / "extra").mkdir()
    (casebook / "extra" / "a.txt").write_text("a\n", encoding="utf-8")
    (casebook / "extra" / "b.txt").write_text("b\n", encoding="utf-8")
    git(casebook, "add", "extra")
    git(casebook, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "extra")
    (casebook / "extra" / "a.txt").unlink()
    (casebook / "extra" / "b.txt").write_text("b2\n", encoding="utf-8")
    gitstore.commit(casebook, ["extra/a.txt", "extra/b.txt"], "edit: casebook\n", AUTHOR)
    assert git(casebook, "ls-tree", "-r", "--name-only", "HEAD", "extra").split() == ["extra/b.txt"]
    assert git(casebook, "show", "HEAD:extra/b.txt") == "b2\n"
    (casebook / "extra" / "b.txt").unlink()  # the last file of a folder: the folder goes too
    gitstore.commit(casebook, ["extra/b.txt"], "edit: casebook\n", AUTHOR)
    assert git(casebook, "ls-tree", "HEAD", "extra").strip() == ""
    _sound(casebook)


def test_the_first_commit_of_a_new_repository(tmp_path):
    root = tmp_path / "fresh"
    root.mkdir()
    gitstore.init(root)
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "c.txt").write_text("c\n", encoding="utf-8")
    (root / "top.txt").write_text("t\n", encoding="utf-8")
    commit = gitstore.commit(root, ["a/b/c.txt", "top.txt"], "init: casebook\n", AUTHOR)
    assert git(root, "rev-list", "--parents", "-n1", "HEAD").split() == [commit]  # a root commit
    assert sorted(git(root, "ls-tree", "-r", "--name-only", "HEAD").split()) == ["a/b/c.txt", "top.txt"]
    assert git(root, "reflog", "-1", "--format=%gs").strip() == "commit (initial): init: casebook"
    _sound(root)


def _hook(root: Path, name: str, body: str) -> None:
    hook = root / ".git" / "hooks" / name
    hook.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    hook.chmod(0o755)


def test_a_branch_moved_while_the_step_commits_is_kept_and_the_step_undone(cli, casebook):
    """Compare-and-swap: someone's commit landing between the writer reading HEAD and
    moving the branch (here made by the pre-commit hook) is never overwritten."""
    case = new_case(cli, casebook)
    _hook(casebook, "pre-commit", "theirs=$(git commit-tree HEAD^{tree} -p HEAD -m theirs)\n"
                                  "git update-ref HEAD \"$theirs\"\n")
    rel = f"{case_dir(case)}/notes/2026-11-22-kyotaku-1.yaml"
    with pytest.raises(GitError, match="別のコミットが加わったため"):
        apply_change(casebook, Change("note", case, {rel: _note_text("記録")}), AUTHOR)
    assert git(casebook, "log", "-1", "--format=%s").strip() == "theirs"
    assert not (casebook / rel).exists()
    assert not (casebook / journal.JOURNAL_FILE).exists()
    (casebook / ".git" / "hooks" / "pre-commit").unlink()
    _sound(casebook)


def test_hooks_run_as_git_commit_runs_them(cli, casebook):
    case = new_case(cli, casebook)
    _hook(casebook, "commit-msg", "echo 'Reviewed-by: 包括' >> \"$1\"\n")
    _hook(casebook, "post-commit", "git rev-parse HEAD > .git/post-commit-saw\n")
    run = cli("note", "add", case, "--text", "フックつき", "-C", str(casebook))
    assert run.code == 0, run.stderr
    assert "Reviewed-by: 包括" in git(casebook, "log", "-1", "--format=%B")
    assert (casebook / ".git" / "post-commit-saw").read_text().strip() == git(casebook, "rev-parse", "HEAD").strip()
    # a pre-commit hook that refuses stops the step, and nothing is left behind
    _hook(casebook, "pre-commit", "echo 'いまは記録できません' >&2\nexit 1\n")
    head = git(casebook, "rev-parse", "HEAD")
    assert_one_line_error(cli("note", "add", case, "--text", "止められる", "-C", str(casebook)),
                          "pre-commit", "いまは記録できません")
    assert git(casebook, "rev-parse", "HEAD") == head
    _sound(casebook)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is needed for SSH signatures")
def test_a_step_with_a_signing_key_makes_a_signed_commit_git_verifies(cli, casebook, tmp_path):
    case = new_case(cli, casebook)
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(key)], check=True,
                   capture_output=True)
    key.chmod(0o600)
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"a@example.org {(tmp_path / 'id_ed25519.pub').read_text().strip()}\n", encoding="utf-8")
    rel = f"{case_dir(case)}/notes/2026-11-22-kyotaku-1.yaml"
    signed = gitstore.Identity(STAFF, "a@example.org", signing_key=str(key))
    apply_change(casebook, Change("note", case, {rel: _note_text("署名つき")}), signed)
    assert "SSH SIGNATURE" in git(casebook, "cat-file", "commit", "HEAD")
    check = subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={signers}", "verify-commit", "HEAD"],
                           cwd=casebook, capture_output=True, text=True)
    assert check.returncode == 0 and "Good" in check.stderr, check.stderr
    assert _names(casebook) == [rel]
    _sound(casebook)


def test_commit_gpgsign_in_gits_configuration_is_honoured(cli, casebook, tmp_path):
    """``git commit`` signs when commit.gpgSign is set; the writer's commit does too."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is needed for SSH signatures")
    case = new_case(cli, casebook)
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, capture_output=True)
    for setting in (("gpg.format", "ssh"), ("user.signingKey", str(key)), ("commit.gpgSign", "true")):
        git(casebook, "config", *setting)
    rel = f"{case_dir(case)}/notes/2026-11-22-kyotaku-1.yaml"
    apply_change(casebook, Change("note", case, {rel: _note_text("設定で署名")}), AUTHOR)
    assert "SSH SIGNATURE" in git(casebook, "cat-file", "commit", "HEAD")


def test_file_modes_follow_the_disk_or_head_when_git_ignores_them(casebook):
    script = casebook / "tool.sh"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    gitstore.commit(casebook, ["tool.sh"], "tool: casebook\n", AUTHOR)
    assert git(casebook, "ls-tree", "HEAD", "tool.sh").split()[0] == "100755"
    git(casebook, "config", "core.fileMode", "false")
    script.chmod(0o644)
    script.write_text("#!/bin/sh\necho x\n", encoding="utf-8")
    gitstore.commit(casebook, ["tool.sh"], "tool: casebook\n", AUTHOR)
    assert git(casebook, "ls-tree", "HEAD", "tool.sh").split()[0] == "100755"  # as git add keeps it
    _sound(casebook)


def test_heads_reflog_and_the_branchs_both_record_the_step(cli, casebook):
    case = new_case(cli, casebook)
    branch = git(casebook, "symbolic-ref", "--short", "HEAD").strip()
    rel = f"{case_dir(case)}/notes/2026-11-22-kyotaku-1.yaml"
    commit = apply_change(casebook, Change("note", case, {rel: _note_text("記録")}), AUTHOR)
    for ref in ("HEAD", branch):
        assert git(casebook, "reflog", "-1", "--format=%H %gs", ref).strip() == f"{commit} commit: note: {case}"

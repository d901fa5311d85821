"""``yobo watch`` (git's file-system monitor, ``yobo.watcher``): on sets exactly what off
removes, nothing is set where nothing can be used, and — with watchman on — every
kind of change (hand edit, new file, removed file, commit, checkout) is seen by the
very next ``monitor due --json`` / ``case list --json`` / ``validate --json``, whose
answers equal a fresh read (no ``.yobo/``, no monitor).

The watchman tests run a watchman of their own (its socket under a temporary
``TMPDIR``: watchman 4.9 keeps its state in ``$TMPDIR/$USER-state``), so the user's
watchman and its folders are never touched; they are skipped where watchman or perl
is missing (``.ci/run`` installs watchman)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import assert_one_line_error, git
from yobo import watcher

TODAY = "2026-11-22"
HAS_WATCHMAN = shutil.which("watchman") is not None and shutil.which("perl") is not None
needs_watchman = pytest.mark.skipif(not HAS_WATCHMAN, reason="watchman (and perl for git's hook) not installed")


@contextmanager
def watchman_server(tag: str):
    """A TMPDIR for a watchman server of its own (a short one: the socket path must fit in
    108 bytes), shut down afterwards with every folder it watched."""
    folder = Path(f"/tmp/yobo-wm-{os.getpid()}-{tag}")
    folder.mkdir(exist_ok=True)
    try:
        yield folder
    finally:
        env = dict(os.environ, TMPDIR=str(folder))
        listed = subprocess.run(["watchman", "watch-list"], env=env, capture_output=True, text=True)
        try:
            roots = json.loads(listed.stdout).get("roots", [])
        except ValueError:
            roots = []
        for root in roots:
            subprocess.run(["watchman", "watch-del", root], env=env, capture_output=True)
        subprocess.run(["watchman", "shutdown-server"], env=env, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def watchman_dir(tmp_path_factory):
    with watchman_server(tmp_path_factory.mktemp("w").name) as folder:
        yield folder


@pytest.fixture
def own_watchman(watchman_dir, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(watchman_dir))
    return watchman_dir


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


def local_config(root: Path) -> str:
    return git(root, "config", "--local", "--list")


def watchman_roots() -> set[str]:
    out = subprocess.run(["watchman", "watch-list"], capture_output=True, text=True).stdout
    return {str(Path(r).resolve()) for r in json.loads(out).get("roots", [])}


# -- on, off, status -------------------------------------------------------------------------------


@needs_watchman
def test_on_then_off_leaves_the_clone_as_it_was(cli, sample, own_watchman):
    before = local_config(sample)
    hooks = sorted(p.name for p in (sample / ".git" / "hooks").iterdir())
    off = cli("watch", "status", "-C", str(sample), "--json")
    assert off.code == 1 and json.loads(off.stdout)["on"] is False
    assert json.loads(off.stdout)["available"] == "watchman"

    on = cli("watch", "on", "-C", str(sample))
    assert on.code == 0, on.stderr
    assert "watchman" in on.stdout
    assert git(sample, "config", "core.fsmonitor").strip() == ".git/hooks/fsmonitor-watchman"
    assert git(sample, "config", "core.fsmonitorHookVersion").strip() == "2"
    assert git(sample, "config", "core.untrackedCache").strip() == "true"
    hook = sample / ".git" / "hooks" / "fsmonitor-watchman"
    assert hook.read_bytes() == watcher.find_sample(sample).read_bytes() and os.access(hook, os.X_OK)
    assert str(sample.resolve()) in watchman_roots()
    assert git(sample, "status", "--porcelain") == ""  # nothing committed, nothing left in the tree
    shown = cli("watch", "status", "-C", str(sample), "--json")
    assert shown.code == 0, shown.stdout
    state = json.loads(shown.stdout)
    assert (state["on"], state["kind"], state["by_yobo"], state["watching"], state["problems"]) == (
        True, "watchman", True, True, [])
    again = cli("watch", "on", "-C", str(sample))
    assert again.code == 0 and "すでに有効" in again.stdout

    gone = cli("watch", "off", "-C", str(sample))
    assert gone.code == 0, gone.stderr
    assert local_config(sample) == before  # core.untrackedCache was true before: it stays
    assert sorted(p.name for p in (sample / ".git" / "hooks").iterdir()) == hooks
    assert str(sample.resolve()) not in watchman_roots()
    assert not (sample / ".git" / watcher.STATE_FILE).exists()
    assert cli("watch", "off", "-C", str(sample)).stdout.strip() == "監視は有効になっていません"


@needs_watchman
def test_a_copied_casebook_turns_off_its_own_watch_only(cli, sample, own_watchman, tmp_path):
    """The record in .git travels with a copy: ``on`` in the copy takes its watch over,
    and ``off`` there stops the copy's watch, never the original's."""
    assert cli("watch", "on", "-C", str(sample)).code == 0
    copy = tmp_path / "copy"
    shutil.copytree(sample, copy, symlinks=True)
    assert cli("watch", "on", "-C", str(copy)).code == 0
    assert {str(sample.resolve()), str(copy.resolve())} <= watchman_roots()
    assert cli("watch", "off", "-C", str(copy)).code == 0
    roots = watchman_roots()
    assert str(copy.resolve()) not in roots and str(sample.resolve()) in roots
    assert cli("watch", "status", "-C", str(sample)).code == 0
    assert cli("watch", "off", "-C", str(sample)).code == 0
    assert str(sample.resolve()) not in watchman_roots()


@needs_watchman
def test_a_hook_changed_after_on_is_kept_by_off(cli, sample, own_watchman):
    assert cli("watch", "on", "-C", str(sample)).code == 0
    hook = sample / ".git" / "hooks" / "fsmonitor-watchman"
    hook.write_bytes(hook.read_bytes() + b"# mine\n")
    gone = cli("watch", "off", "-C", str(sample))
    assert gone.code == 0 and "消さずに残しました" in gone.stdout
    assert hook.read_bytes().endswith(b"# mine\n")


@needs_watchman
def test_off_restores_a_value_on_replaced_and_keeps_one_changed_by_hand_since(cli, sample, own_watchman):
    git(sample, "config", "--unset", "core.untrackedCache")
    assert cli("watch", "on", "-C", str(sample)).code == 0
    git(sample, "config", "core.fsmonitorHookVersion", "1")  # someone's own choice, after on
    run = cli("watch", "off", "-C", str(sample))
    assert run.code == 0
    assert "core.fsmonitorhookversion" in run.stdout and "そのままにしました" in run.stdout
    assert git(sample, "config", "core.fsmonitorHookVersion").strip() == "1"
    assert subprocess.run(["git", "config", "core.untrackedCache"], cwd=sample).returncode == 1  # unset again
    assert subprocess.run(["git", "config", "core.fsmonitor"], cwd=sample).returncode == 1


def test_someone_elses_monitor_is_left_alone(cli, sample):
    git(sample, "config", "core.fsmonitor", "/opt/my-hook")
    before = local_config(sample)
    on = cli("watch", "on", "-C", str(sample))
    assert on.code == 2 and "yobo が設定したものではない" in on.stderr
    off = cli("watch", "off", "-C", str(sample))
    assert off.code == 2 and "git config --unset core.fsmonitor" in off.stderr
    assert local_config(sample) == before


def test_nothing_usable_is_explained_and_nothing_is_set(cli, sample, monkeypatch):
    real = shutil.which
    monkeypatch.setattr(watcher.shutil, "which", lambda name: None if name == "watchman" else real(name))
    before = local_config(sample)
    on = cli("watch", "on", "-C", str(sample))
    assert_one_line_error(on, "使えません", "watchman も見つかりません", "apt install watchman")
    assert local_config(sample) == before
    shown = cli("watch", "status", "-C", str(sample), "--json")
    assert shown.code == 1
    state = json.loads(shown.stdout)
    assert state["on"] is False and state["available"] is None and "watchman" in state["unavailable"]
    text = cli("watch", "status", "-C", str(sample))
    assert text.code == 1 and "無効（使えません" in text.stdout


def test_git_s_own_daemon_is_chosen_only_where_git_has_it(sample, monkeypatch):
    asked = []
    real_git = watcher._git

    def fake_git(root, *args):
        if args[:1] == ("fsmonitor--daemon",):
            asked.append(args)
            return subprocess.CompletedProcess(args, 1, "not watching", "")  # 1: supported, not running
        return real_git(root, *args)

    monkeypatch.setattr(watcher, "_git", fake_git)
    monkeypatch.setattr(watcher, "git_version", lambda root=None: (2, 39, 5))
    assert watcher.detect(sample, "darwin").kind == "builtin"
    assert watcher.detect(sample, "win32").kind == "builtin"
    assert watcher.detect(sample, "linux").kind != "builtin"  # git 2.39: not supported on this platform
    monkeypatch.setattr(watcher, "git_version", lambda root=None: (2, 35, 1))
    assert watcher.detect(sample, "darwin").kind != "builtin"
    monkeypatch.setattr(watcher, "git_version", lambda root=None: (2, 39, 5))
    monkeypatch.setattr(watcher, "_git", lambda root, *args: (
        subprocess.CompletedProcess(args, 128, "", "fatal: fsmonitor--daemon not supported on this platform")
        if args[:1] == ("fsmonitor--daemon",) else real_git(root, *args)))
    assert watcher.detect(sample, "darwin").kind != "builtin"  # git says no (e.g. a network drive)


def test_a_casebook_larger_than_the_inotify_room_is_refused(cli, sample, monkeypatch):
    folders = watcher.count_folders(sample)
    assert folders == 1 + sum(1 for p in sample.rglob("*") if p.is_dir() and ".git" not in p.relative_to(sample).parts)
    monkeypatch.setattr(watcher, "inotify_limit", lambda path=None: 1000)
    monkeypatch.setattr(watcher, "inotify_in_use", lambda proc=None: 1000 - folders + 1)  # one short
    monkeypatch.setattr(watcher, "detect", lambda root, platform=None: watcher.Support("watchman", sample=Path("/x")))
    monkeypatch.setattr(watcher, "watched", lambda top: False)
    before = local_config(sample)
    on = cli("watch", "on", "-C", str(sample))
    assert_one_line_error(on, f"{folders:,} 個", "1,000", "fs.inotify.max_user_watches", "watchman shutdown-server")
    assert local_config(sample) == before and not (sample / ".git" / watcher.STATE_FILE).exists()
    shown = cli("watch", "status", "-C", str(sample), "--json")
    assert shown.code == 1 and "上限" in json.loads(shown.stdout)["problems"][0]
    monkeypatch.setattr(watcher, "inotify_in_use", lambda proc=None: 1000 - folders)  # just fits
    assert json.loads(cli("watch", "status", "-C", str(sample), "--json").stdout)["problems"] == []


def test_the_limit_and_the_watches_in_use_are_read_from_proc(tmp_path):
    limit = tmp_path / "max_user_watches"
    limit.write_text("192536\n", encoding="ascii")
    assert watcher.inotify_limit(limit) == 192536
    assert watcher.inotify_limit(tmp_path / "missing") is None
    assert watcher.inotify_in_use(tmp_path) is None  # no /proc here: nothing to count
    if Path("/proc/self/fdinfo").is_dir():
        assert isinstance(watcher.inotify_in_use(), int)
    assert watcher.limit_problem(10, 20, 5) is None
    assert "超え" not in (watcher.limit_problem(10, 20, 11) or "") and "収まりません" in watcher.limit_problem(10, 20, 11)


# -- exactness with the monitor on -----------------------------------------------------------------

#: A 居宅 note of the sample's case 3QK7WA, as a care manager would add it by hand.
NOTE = "date: 2026-11-20\nkind: general\ntext: 手で追記\nstaff: 田中美咲\nparty: kyotaku\n"


def answers(yobo_bin, root: Path, env: dict | None = None) -> dict:
    out = {}
    for name, args in (("due", ("monitor", "due", "--json", "--within", "400")), ("list", ("case", "list", "--json",
                                                                                           "--all")),
                       ("validate", ("validate", "--json"))):
        run = yobo_bin(*args, "-C", str(root), "--today", TODAY, env=env)
        assert run.code in (0, 1), (name, run.stderr)
        out[name] = json.loads(run.stdout)
    out["status"] = git(root, "status", "--porcelain")
    return out


def fresh(yobo_bin, root: Path) -> dict:
    """The same questions with no ``.yobo/`` and git told not to ask the monitor."""
    shutil.rmtree(root / ".yobo", ignore_errors=True)
    off = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.fsmonitor", "GIT_CONFIG_VALUE_0": "false"}
    out = answers(yobo_bin, root, env=off)
    out["status"] = subprocess.run(["git", "status", "--porcelain"], cwd=root, env={**os.environ, **off},
                                   capture_output=True, text=True, check=True).stdout
    return out


def assert_the_monitor_answers(root: Path) -> None:
    """git asked watchman (through the hook) and took its answer, rather than falling back."""
    traced = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,
                            env={**os.environ, "GIT_TRACE_FSMONITOR": "1"})
    assert "returned success" in traced.stderr and "Falling back" not in traced.stderr, traced.stderr


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", message)


def edit_manager(root: Path) -> None:
    path = root / "cases/3Q/3QK7WA/case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("manager: 田中美咲", "manager: 佐藤一郎"), encoding="utf-8")


def add_broken_note(root: Path) -> None:
    notes = root / "cases/3Q/3QK7WA/notes"
    notes.mkdir(exist_ok=True)
    (notes / "2026-11-20-kyotaku-901.yaml").write_text("date: [broken\n", encoding="utf-8")


def remove_case_file(root: Path) -> None:
    (root / "cases/5M/5MZ2RT/case.yaml").unlink()


def commit_edit(root: Path) -> None:
    edit_manager(root)
    commit_all(root, "hand edit")


def checkout_other(root: Path) -> None:
    git(root, "checkout", "-q", "-b", "other")
    edit_manager(root)
    add_broken_note(root)
    commit_all(root, "on another branch")
    git(root, "checkout", "-q", "-")  # back: the edit and the note go away again


@needs_watchman
@pytest.mark.parametrize("change", [edit_manager, add_broken_note, remove_case_file, commit_edit, checkout_other],
                         ids=["hand edit", "new untracked file", "removed file", "commit", "checkout"])
def test_every_change_is_seen_by_the_next_command_with_the_monitor_on(cli, yobo_bin, sample, own_watchman, change):
    assert cli("watch", "on", "-C", str(sample)).code == 0
    try:
        before = answers(yobo_bin, sample)
        assert answers(yobo_bin, sample) == before  # warm: the kept answers and the monitor's token in place
        change(sample)  # and straight on, no pause: watchman's query waits for its own cookie, not a settle time
        watched = answers(yobo_bin, sample)
        assert_the_monitor_answers(sample)
        if change is not checkout_other:
            assert watched != before, "the change was not seen"
        assert watched == fresh(yobo_bin, sample)
        assert answers(yobo_bin, sample) == watched  # and again with the monitor, after the fresh read
    finally:
        cli("watch", "off", "-C", str(sample))


@needs_watchman
def test_an_edit_a_moment_before_git_status_is_seen_every_time(cli, sample, own_watchman):
    assert cli("watch", "on", "-C", str(sample)).code == 0
    assert_the_monitor_answers(sample)
    try:
        path = sample / "cases/3Q/3QK7WA/case.yaml"
        original = path.read_bytes()
        for i in range(12):
            path.write_bytes(original + f"# {i}\n".encode())
            assert git(sample, "status", "--porcelain") == " M cases/3Q/3QK7WA/case.yaml\n", i
            path.write_bytes(original)
            assert git(sample, "status", "--porcelain") == "", i
    finally:
        cli("watch", "off", "-C", str(sample))


@needs_watchman
def test_on_again_after_a_hand_change_never_overwrites_it(cli, sample, own_watchman):
    assert cli("watch", "on", "-C", str(sample)).code == 0
    git(sample, "config", "core.fsmonitor", "/opt/my-hook")  # someone's own monitor, after on
    again = cli("watch", "on", "-C", str(sample))
    assert again.code == 2 and "/opt/my-hook" in again.stderr
    assert git(sample, "config", "core.fsmonitor").strip() == "/opt/my-hook"
    assert not (sample / ".git" / watcher.STATE_FILE).exists()  # yobo's own part was taken off
    assert str(sample.resolve()) not in watchman_roots()


def test_on_off_and_status_print_one_shape():
    """watch on / off --json print what watch status --json prints (their schemas are one)."""
    from yobo.resources import data_dir

    schemas = [json.loads((data_dir("schemas") / "output" / f"watch-{name}.schema.json").read_text(encoding="utf-8"))
               for name in ("status", "on", "off")]
    assert all({k: v for k, v in schema.items() if k not in ("title", "description")} ==
               {k: v for k, v in schemas[0].items() if k not in ("title", "description")} for schema in schemas)
    assert set(schemas[0]["properties"]) == set(watcher.Status(False, None, False, None, None, None, "", None, None,
                                                               None).to_json())

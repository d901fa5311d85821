"""The warm due list's kept answer (``index.Answer``) and the early ``git status``
(``yobo.cli._early``) never give what a fresh read would not: after a hand edit, a
second edit of the same file, a commit, a pull, a checkout, a rule change, a profile
change and another --today, the answer equals the one read with no ``.yobo/`` at all."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git
from yobo import index
from yobo.cli import _early

TODAY = "2026-11-22"
CASE = "cases/3Q/3QK7WA/case.yaml"


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


class Spy:
    """Counts how often the index file is read: a kept answer reads none."""

    def __init__(self, monkeypatch):
        self.reads = 0
        real = index._read_index

        def read(*args, **kwargs):
            self.reads += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(index, "_read_index", read)


def due(cli, root: Path, *extra: str, today: str = TODAY) -> str:
    run = cli("monitor", "due", "-C", str(root), "--json", "--within", "400", "--today", today, *extra)
    assert run.code in (0, 1), run.stderr
    return run.stdout


def fresh(cli, root: Path, *extra: str, today: str = TODAY) -> str:
    """The same question with no index and no kept answer (they are rebuilt afterwards)."""
    shutil.rmtree(root / ".yobo", ignore_errors=True)
    return due(cli, root, *extra, today=today)


def warmed(cli, root: Path, spy: Spy, *extra: str, today: str = TODAY) -> str:
    """Asked twice: the second answer is the kept one (no index read) and the same."""
    first = due(cli, root, *extra, today=today)
    reads = spy.reads
    assert due(cli, root, *extra, today=today) == first
    assert spy.reads == reads, "the kept answer was not used"
    return first


def change_manager(root: Path, name: str) -> None:
    path = root / CASE
    path.write_text(path.read_text(encoding="utf-8").replace("manager: 田中美咲", f"manager: {name}"),
                    encoding="utf-8")


def commit(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", message)


def test_a_hand_edit_and_a_second_edit_of_the_same_file(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    before = warmed(cli, sample, spy)
    change_manager(sample, "佐藤一郎")
    after = due(cli, sample)
    assert after != before and "佐藤一郎" in after
    # edited again: git status shows the same " M" line, the content differs
    path = sample / CASE
    path.write_text(path.read_text(encoding="utf-8").replace("manager: 佐藤一郎", "manager: 鈴木二郎"),
                    encoding="utf-8")
    again = due(cli, sample)
    assert "鈴木二郎" in again and "佐藤一郎" not in again
    assert again == fresh(cli, sample)
    assert warmed(cli, sample, spy) == again


def test_an_untracked_file_edited_twice(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    warmed(cli, sample, spy)
    new = sample / "cases" / "3Q" / "3QK7WA" / "notes" / "2026-11-20-kyotaku-901.yaml"
    new.parent.mkdir(exist_ok=True)
    new.write_text("date: 2026-11-20\nkind: general\ntext: 手で追記\nstaff: 田中美咲\nparty: kyotaku\n",
                   encoding="utf-8")
    first = due(cli, sample)
    new.write_text("date: [broken\n", encoding="utf-8")  # "??" both times
    broken = due(cli, sample)
    assert broken != first and broken == fresh(cli, sample)


def test_a_commit(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    before = warmed(cli, sample, spy)
    change_manager(sample, "佐藤一郎")
    commit(sample)
    after = due(cli, sample)
    assert after != before and after == fresh(cli, sample)
    assert warmed(cli, sample, spy) == after


def test_a_pull_into_a_second_clone(cli, sample, tmp_path, monkeypatch):
    spy = Spy(monkeypatch)
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(sample), str(other)], check=True)
    before = warmed(cli, other, spy)
    change_manager(sample, "佐藤一郎")
    commit(sample)
    git(other, "pull", "-q", "--ff-only")
    after = due(cli, other)
    assert after != before and "佐藤一郎" in after
    assert after == fresh(cli, other)


def test_a_checkout_there_and_back(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    git(sample, "checkout", "-q", "-b", "other")
    change_manager(sample, "佐藤一郎")
    commit(sample)
    on_other = warmed(cli, sample, spy)
    git(sample, "checkout", "-q", "-")
    back = due(cli, sample)
    assert back != on_other and back == fresh(cli, sample)
    warmed(cli, sample, spy)
    git(sample, "checkout", "-q", "other")
    assert due(cli, sample) == on_other


def test_a_rule_change(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    before = warmed(cli, sample, spy)
    real = index.case_obligations

    def renamed(case, profile, config):
        return [d._replace(title=d.title + "（改）") for d in real(case, profile, config)]

    # an edited rule changes the code's fingerprint (index.code_fingerprint hashes the sources)
    monkeypatch.setattr(index, "case_obligations", renamed)
    monkeypatch.setattr(index, "code_fingerprint", lambda: "an edited rule")
    after = due(cli, sample)
    assert after != before and "（改）" in after
    assert after == fresh(cli, sample)


def test_a_profile_change(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    before = warmed(cli, sample, spy)
    config = sample / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("profile: national", "profile: funagata"),
                      encoding="utf-8")
    after = due(cli, sample)
    assert after != before and after == fresh(cli, sample)
    commit(sample)
    assert due(cli, sample) == after


def test_another_day_and_other_options(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    warmed(cli, sample, spy)
    later = due(cli, sample, today="2027-03-01")
    assert later != due(cli, sample) and later == fresh(cli, sample, today="2027-03-01")
    mine = due(cli, sample, "--staff", "田中美咲")
    assert mine == fresh(cli, sample, "--staff", "田中美咲")
    csv_ = cli("monitor", "due", "-C", str(sample), "--csv", "--within", "400")
    assert csv_.stdout.startswith("\ufeff状態") and csv_.stdout == cli(
        "monitor", "due", "-C", str(sample), "--csv", "--within", "400").stdout


def test_a_forged_answer_is_never_decoded(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)
    truth = warmed(cli, sample, spy)
    for path in (sample / ".yobo").glob(f"{index.ANSWER_PREFIX}*.msgpack"):
        raw = path.read_bytes()
        path.write_bytes(raw.replace("田中美咲".encode(), "偽者偽者".encode()))  # same length, bad checksum
    assert due(cli, sample) == truth


def test_the_real_command_starts_git_first_and_answers_the_same(yobo_bin, sample):
    args = ("monitor", "due", "-C", str(sample), "--json", "--within", "400")
    first = yobo_bin(*args)
    assert first.code == 0, first.stderr
    assert yobo_bin(*args).stdout == first.stdout  # the kept answer
    change_manager(sample, "佐藤一郎")
    edited = yobo_bin(*args)
    assert "佐藤一郎" in edited.stdout
    shutil.rmtree(sample / ".yobo")
    assert yobo_bin(*args).stdout == edited.stdout


def test_the_early_status_asks_what_the_index_would(sample, monkeypatch):
    assert _early.IGNORED_MARKER == Path(index.INDEX_FILE).with_suffix(".ignored").name
    monkeypatch.chdir(sample / "cases")
    _early.start(["monitor", "due", "--json"])
    status = _early.take(sample.resolve())
    assert status is not None and status.root == sample.resolve() and status.ignored is False
    assert status.entries() == []
    _early.start(["case", "show", "X"])  # not a reader of the index: nothing started
    assert _early.take(sample.resolve()) is None
    _early.start(["monitor", "due", "-C", str(sample)])
    assert _early.take(sample.parent) is None  # asked for another folder: not given


def test_after_a_commit_the_early_work_is_done_from_heads_cases(cli, sample):
    from yobo.loader import load_config
    from yobo.profiles import load_profile

    config = load_config(sample, validate=False)
    profile = load_profile(config.profile, config.overrides)

    def managers(cases):
        return {d: entry[3][6] for d, entry in cases.items()}

    index.refresh(sample, config, profile)
    change_manager(sample, "佐藤一郎")
    commit(sample)
    cases, early = index._refresh(sample, config, profile, managers)
    assert early is not index._NOTHING  # caught up with the new HEAD while git status ran
    assert early == managers(cases) and early["cases/3Q/3QK7WA"] == "佐藤一郎"
    # committed, then edited again by hand: the early work read the files as they are (not
    # HEAD's bytes, so its entry keeps no tree), and it stands only because it equals the fresh read
    change_manager(sample, "佐藤一郎")
    path = sample / CASE
    path.write_text(path.read_text(encoding="utf-8").replace("manager: 佐藤一郎", "manager: 鈴木二郎"),
                    encoding="utf-8")
    commit(sample, "one more")
    path.write_text(path.read_text(encoding="utf-8").replace("manager: 鈴木二郎", "manager: 高橋三郎"),
                    encoding="utf-8")
    cases, early = index._refresh(sample, config, profile, managers)
    assert managers(cases)["cases/3Q/3QK7WA"] == "高橋三郎" and early in (index._NOTHING, managers(cases))
    assert cases["cases/3Q/3QK7WA"][0] is None  # read again on every run while it differs from HEAD


def test_the_case_list_is_kept_too_and_follows_an_edit(cli, sample, monkeypatch):
    spy = Spy(monkeypatch)

    def listing():
        run = cli("case", "list", "-C", str(sample), "--json", "--all")
        assert run.code == 0, run.stderr
        return run.stdout

    first = listing()
    reads = spy.reads
    assert listing() == first and spy.reads == reads  # the kept summaries: no index read
    change_manager(sample, "佐藤一郎")
    edited = listing()
    assert edited != first and "佐藤一郎" in edited
    shutil.rmtree(sample / ".yobo")
    assert listing() == edited


def table(cli, root: Path, *extra: str) -> str:
    run = cli("monitor", "due", "-C", str(root), "--within", "400", "--today", TODAY, *extra)
    assert run.code in (0, 1), run.stderr
    return run.stdout


@pytest.mark.parametrize("limit", ["1", "2", "0", "50"])
def test_the_table_keeps_only_what_it_draws_and_equals_a_fresh_read(cli, sample, monkeypatch, limit):
    spy = Spy(monkeypatch)
    first = table(cli, sample, "--limit", limit)
    reads = spy.reads
    assert table(cli, sample, "--limit", limit) == first
    assert spy.reads == reads, "the kept answer was not used"
    shutil.rmtree(sample / ".yobo")
    assert table(cli, sample, "--limit", limit) == first
    # each staff member's table shows at most --limit rows, and says how many more there are
    if limit == "1":
        assert "ほか " in first and "件（--limit 0 ですべて" in first
    if limit == "0":
        assert "件（--limit 0 ですべて" not in first
    change_manager(sample, "佐藤健一")  # a hand edit moves a case to another staff member's table
    edited = table(cli, sample, "--limit", limit)
    assert "佐藤健一" in edited and edited != first
    shutil.rmtree(sample / ".yobo")
    assert table(cli, sample, "--limit", limit) == edited
    commit(sample)
    assert table(cli, sample, "--limit", limit) == edited

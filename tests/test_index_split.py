"""The index file read lazily and written in proportion to the change (issue 16): a
base file whose cases are decoded on first use, a signed overlay of what changed since
(folded into a new base past a bound), and a moved HEAD followed with one diff.

The reference is always a fresh read of the case files (``index._read_all``, no
``.yobo/`` involved), never what the index said before."""

from __future__ import annotations

import shutil
import subprocess

import msgpack
import pytest

from conftest import git
from yobo import index
from yobo.loader import load_config
from yobo.profiles import load_profile

TODAY = "2026-11-22"
CASE = "cases/3Q/3QK7WA"
OTHER = "cases/A7/A7PE3K"


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


def settings(root):
    config = load_config(root, validate=False)
    return config, load_profile(config.profile, config.overrides)


def answers(root) -> dict:
    """Each case's rows, running mode and summary as the index gives them; every tree it
    keeps is HEAD's tree of the case (or None: read again next time)."""
    config, profile = settings(root)
    cases = index.refresh(root, config, profile)
    head_trees, _ = index._head_trees(root, git(root, "rev-parse", "HEAD").strip())
    for case_dir, entry in cases.items():
        assert entry[0] in (None, head_trees.get(case_dir)), case_dir
    return {case_dir: list(entry)[1:] for case_dir, entry in cases.items()}


def fresh(root) -> dict:
    config, profile = settings(root)
    return {case_dir: entry[1:] for case_dir, entry in index._read_all(root, config, profile).items()}


def files(root) -> tuple[bytes | None, bytes | None]:
    """The base file's and the overlay's bytes (None where there is none)."""
    out = []
    for name in (index.INDEX_FILE, index.OVERLAY_FILE):
        path = root / ".yobo" / name
        out.append(path.read_bytes() if path.exists() else None)
    return tuple(out)


def edit(root, case_dir=CASE, name="佐藤一郎"):
    """The case manager of ``case_dir`` changed by hand (its summary and rows change)."""
    path = root / case_dir / "case.yaml"
    text = path.read_text(encoding="utf-8")
    before = next(line for line in text.splitlines() if line.startswith("manager: "))
    path.write_text(text.replace(before, f"manager: {name}"), encoding="utf-8")


def commit(root, message="change"):
    git(root, "add", "-A")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", message)


def read_index(root, reread=None):
    config, profile = settings(root)
    return index._read_index(root / ".yobo" / index.INDEX_FILE, index._key(config, profile), index._secret(root),
                             reread)


def sign(root, data, magic) -> bytes:
    body = msgpack.packb(data, use_bin_type=True)
    return magic + index._mac(index._secret(root), body, magic) + b"\n" + body


def unsigned(raw: bytes, magic: bytes):
    return msgpack.unpackb(raw[raw.index(b"\n", len(magic)) + 1:], raw=False)


class LoadSpy:
    """Which cases are read from their files."""

    def __init__(self, monkeypatch):
        self.read: list[str] = []
        real = index.load_case

        def load_case(root, case_id, case_dir, **kwargs):
            self.read.append(case_id)
            return real(root, case_id, case_dir, **kwargs)

        monkeypatch.setattr(index, "load_case", load_case)


# -- small writes ------------------------------------------------------------------------------------


def test_a_commit_writes_only_an_overlay_and_answers_as_a_fresh_read(sample, monkeypatch):
    assert answers(sample) == fresh(sample)
    base, overlay = files(sample)
    assert base is not None and overlay is None
    edit(sample)
    commit(sample)
    spy = LoadSpy(monkeypatch)
    after = answers(sample)
    assert spy.read == ["3QK7WA"]  # the one case whose tree moved, nothing else
    assert after == fresh(sample) and after[CASE][2][6] == "佐藤一郎"
    new_base, overlay = files(sample)
    assert new_base == base, "the base file is not rewritten for one case"
    stored = unsigned(overlay, index.OVERLAY_MAGIC)
    assert set(stored["cases"]) == {CASE} and set(stored["trees"]) == {CASE}
    assert stored["base"] == unsigned(base, index.MAGIC)["id"]
    assert len(overlay) < len(base) / 4


def test_a_hand_edit_then_its_commit(sample):
    answers(sample)
    edit(sample)
    assert answers(sample) == fresh(sample)
    assert read_index(sample)["cases"][CASE][0] is None  # differs from HEAD: read again each run
    commit(sample)
    assert answers(sample) == fresh(sample)
    assert read_index(sample)["cases"][CASE][0] is not None


def test_a_pull_into_a_second_clone(sample, tmp_path):
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(sample), str(other)], check=True)
    answers(other)
    edit(sample)
    edit(sample, OTHER, "鈴木二郎")
    commit(sample)
    git(other, "pull", "-q", "--ff-only")
    assert answers(other) == fresh(other)
    assert set(unsigned(files(other)[1], index.OVERLAY_MAGIC)["cases"]) == {CASE, OTHER}


def test_a_checkout_there_and_back(sample):
    answers(sample)
    git(sample, "checkout", "-q", "-b", "other")
    edit(sample)
    commit(sample)
    on_other = answers(sample)
    assert on_other == fresh(sample)
    git(sample, "checkout", "-q", "-")
    back = answers(sample)
    assert back != on_other and back == fresh(sample)
    git(sample, "checkout", "-q", "other")
    assert answers(sample) == on_other


def test_a_case_removed_and_added_again(sample):
    answers(sample)
    git(sample, "rm", "-r", "-q", CASE)
    commit(sample, "remove")
    gone = answers(sample)
    assert CASE not in gone and gone == fresh(sample)
    assert unsigned(files(sample)[1], index.OVERLAY_MAGIC)["cases"][CASE] is None
    git(sample, "checkout", "-q", "HEAD~1", "--", CASE)
    commit(sample, "back")
    again = answers(sample)
    assert CASE in again and again == fresh(sample)


def test_a_rule_or_setting_change_writes_a_new_base(sample, monkeypatch):
    answers(sample)
    edit(sample)
    commit(sample)
    answers(sample)
    assert files(sample)[1] is not None
    base = files(sample)[0]
    monkeypatch.setattr(index, "_key", lambda config, profile: "another key")  # e.g. yobo or a rule changed
    assert answers(sample) == fresh(sample)
    new_base, overlay = files(sample)
    assert new_base != base and overlay is None


def test_many_commits_are_folded_into_a_new_base(sample, monkeypatch):
    monkeypatch.setattr(index, "_overlay_bound", lambda cases: 1)
    answers(sample)
    base = unsigned(files(sample)[0], index.MAGIC)
    edit(sample)
    commit(sample)
    assert answers(sample) == fresh(sample)
    assert files(sample)[1] is not None  # one case: still within the bound
    edit(sample, OTHER, "鈴木二郎")
    commit(sample)
    assert answers(sample) == fresh(sample)
    raw, overlay = files(sample)
    assert overlay is None  # two cases changed since the base: folded
    folded = unsigned(raw, index.MAGIC)
    assert folded["id"] != base["id"] and folded["strings"][:len(base["strings"])] == base["strings"]
    # the unchanged cases are the very bytes read, the changed ones written afresh
    unchanged = set(base["cases"]) - {CASE, OTHER}
    assert all(folded["cases"][d] == base["cases"][d] for d in unchanged)
    assert all(folded["cases"][d] != base["cases"][d] for d in (CASE, OTHER))
    for _ in range(3):  # and on, overlay after base after overlay
        edit(sample, CASE, "高橋三郎")
        commit(sample)
        assert answers(sample) == fresh(sample)
        edit(sample, CASE, "田中美咲")
        commit(sample)
        assert answers(sample) == fresh(sample)


def test_the_overlay_encodes_new_strings_in_the_entry(sample):
    """A string the base's list lacks (a new staff member) is kept in the entry itself."""
    answers(sample)
    edit(sample, CASE, "新しい担当者")
    commit(sample)
    assert answers(sample) == fresh(sample)
    base = unsigned(files(sample)[0], index.MAGIC)
    overlay = unsigned(files(sample)[1], index.OVERLAY_MAGIC)
    assert "新しい担当者" not in base["strings"]
    n, local, *_ = msgpack.unpackb(overlay["cases"][CASE][1], raw=False)
    assert n == len(base["strings"]) and "新しい担当者" in local
    assert read_index(sample)["cases"][CASE][3][6] == "新しい担当者"


# -- crashes and damage ------------------------------------------------------------------------------


def test_an_overlay_left_without_its_base_is_never_applied(sample):
    answers(sample)
    edit(sample)
    commit(sample)
    answers(sample)
    (sample / ".yobo" / index.INDEX_FILE).unlink()  # a crash, or someone removed it
    assert read_index(sample) is None
    assert answers(sample) == fresh(sample)
    assert files(sample)[1] is None  # the orphan is gone with the new base


def test_an_overlay_beside_a_base_written_since_is_never_applied(sample, monkeypatch):
    answers(sample)
    edit(sample)
    commit(sample)
    answers(sample)
    stale = files(sample)[1]
    git(sample, "reset", "-q", "--hard", "HEAD~1")  # the commit undone...
    monkeypatch.setattr(index, "_key", lambda config, profile: "another key")
    answers(sample)  # ...and a new base written (here: a rule changed)
    monkeypatch.undo()
    answers(sample)
    (sample / ".yobo" / index.OVERLAY_FILE).write_bytes(stale)  # the old overlay put back (a crash between files)
    old = read_index(sample)
    assert old["head"] == git(sample, "rev-parse", "HEAD").strip()  # the base alone, not the overlay's HEAD
    assert old["cases"][CASE][3][6] != "佐藤一郎"
    assert answers(sample) == fresh(sample)


@pytest.mark.parametrize("damage", ["unkeyed", "flipped", "truncated", "base-as-overlay"])
def test_a_forged_or_damaged_overlay_is_never_decoded(sample, monkeypatch, damage):
    answers(sample)
    edit(sample)
    commit(sample)
    answers(sample)
    truth = fresh(sample)
    path = sample / ".yobo" / index.OVERLAY_FILE
    good = path.read_bytes()
    data = unsigned(good, index.OVERLAY_MAGIC)
    entry = msgpack.unpackb(data["cases"][CASE][1], raw=False)
    entry[3][6] = "偽の担当者"
    data["cases"][CASE][1] = msgpack.packb(entry, use_bin_type=True)
    body = msgpack.packb(data, use_bin_type=True)
    forged = {
        "unkeyed": index.OVERLAY_MAGIC + index._mac(b"k" * 32, body, index.OVERLAY_MAGIC) + b"\n" + body,
        "flipped": good[:len(good) // 2] + bytes([good[len(good) // 2] ^ 1]) + good[len(good) // 2 + 1:],
        "truncated": good[:-3],
        "base-as-overlay": files(sample)[0],  # signed with the same key, but a base: never an overlay
    }[damage]
    path.write_bytes(forged)
    decoded = []
    real = msgpack.unpackb

    def unpackb(body, **kwargs):
        decoded.append(bytes(body))
        return real(body, **kwargs)

    monkeypatch.setattr(index.msgpack, "unpackb", unpackb)
    assert read_index(sample) is not None  # the base is still used
    answer = answers(sample)
    assert answer == truth and "偽の担当者" not in repr(answer)
    if damage != "base-as-overlay":  # (that one is the base's own bytes, decoded as the base)
        assert not any(forged.endswith(raw) for raw in decoded if len(raw) > 100)


def test_a_malformed_entry_in_a_signed_file_is_read_again_alone(sample, monkeypatch):
    """A yobo bug could write a wrong type into a validly signed file: that one case is
    read from its files when first used, the others come from the index."""
    answers(sample)
    truth = fresh(sample)
    path = sample / ".yobo" / index.INDEX_FILE
    data = unsigned(path.read_bytes(), index.MAGIC)
    entry = msgpack.unpackb(data["cases"][CASE][1], raw=False)
    entry[3][9] = "not a list of certifications"
    data["cases"][CASE][1] = msgpack.packb(entry, use_bin_type=True)
    path.write_bytes(sign(sample, data, index.MAGIC))
    spy = LoadSpy(monkeypatch)
    assert answers(sample) == truth
    assert spy.read == ["3QK7WA"]
    # found by the early work of a due list (it uses every case) before the index is
    # written, the entry forgets its tree, is read and verified again, and written afresh
    config, profile = settings(sample)
    spy.read.clear()
    rows, _ = index.load_obligations(sample, config, profile)
    assert sorted(rows) == sorted(row for entry in truth.values() for row in entry[0])
    assert spy.read == ["3QK7WA", "3QK7WA"]  # the fallback, then the verified read
    stored = unsigned(files(sample)[1], index.OVERLAY_MAGIC)["cases"]
    head_trees, _ = index._head_trees(sample, git(sample, "rev-parse", "HEAD").strip())
    assert set(stored) == {CASE} and stored[CASE][0] == head_trees[CASE]
    spy.read.clear()
    assert answers(sample) == truth and spy.read == []


def test_an_entry_compares_as_the_list_a_fresh_read_gives(sample):
    answers(sample)
    config, profile = settings(sample)
    stored = read_index(sample, lambda d: index._read_case(sample, d, config, profile, {}))["cases"][CASE]
    assert isinstance(stored, index.StoredEntry)
    read = index._read_case(sample, CASE, config, profile, {})
    read[0] = stored[0]
    assert stored == read and read == stored and not (stored != read)
    tree, rows, mode, summary = stored
    assert (tree, rows, mode, summary) == tuple(read) and len(stored) == 4 and stored[-1] == summary
    read[3] = list(read[3])
    read[3][6] = "別の人"
    assert stored != read and read != stored


def test_forget_derived_removes_the_overlay_and_half_written_files(sample):
    answers(sample)
    edit(sample)
    commit(sample)
    answers(sample)
    folder = sample / ".yobo"
    (folder / f"{index.TEMP_PREFIX}crashed").write_bytes(b"half an index")
    assert (folder / index.OVERLAY_FILE).exists()
    index.forget_derived(sample)
    left = {p.name for p in folder.iterdir()}
    assert not left & {index.INDEX_FILE, index.OVERLAY_FILE, f"{index.TEMP_PREFIX}crashed"}


def test_the_kept_answer_is_sealed_by_the_overlay_too(sample):
    answers(sample)
    sealed = index._seal(sample)
    edit(sample)
    commit(sample)
    answers(sample)
    base, overlay = files(sample)
    assert index._seal(sample) != sealed and overlay[:len(index.OVERLAY_MAGIC) + 64] in index._seal(sample).encode()


# -- a moved HEAD --------------------------------------------------------------------------------------


def test_a_moved_head_is_followed_with_one_diff(sample):
    """What :func:`index._moved_trees` works out from the last HEAD's trees equals a full
    listing of the new HEAD: a case changed, removed, added, a shard emptied, a .yobo
    committed."""
    def step():
        return git(sample, "rev-parse", "HEAD").strip()

    old = step()
    trees, _ = index._head_trees(sample, old)
    edit(sample)
    commit(sample)
    git(sample, "rm", "-r", "-q", OTHER)  # its shard cases/A7 is left empty: gone too
    commit(sample)
    shutil.copytree(sample / CASE, sample / "cases/ZZ/ZZ0000")
    commit(sample)
    for head in (old, step()):
        # the third value, whether HEAD holds a cases/ .gitignore, is carried (None: not known)
        assert index._moved_trees(sample, old, trees, head) == (*index._head_trees(sample, head), None)
    (sample / ".yobo" / "x").write_text("x", encoding="utf-8")
    git(sample, "add", "-f", ".yobo/x")
    commit(sample)
    moved = index._moved_trees(sample, old, trees, step())
    assert moved == (*index._head_trees(sample, step()), None) and moved[1] is True
    # the old commit gone (a history rewrite): HEAD is listed whole
    assert index._moved_trees(sample, "0" * 40, trees, step()) == (*index._head_trees(sample, step()), None)


# -- one entry's bytes ---------------------------------------------------------------------------------


ROW = ("3QK7WA", "monitoring-visit", "モニタリング訪問", 739981, 739951, "田中美咲", "kyotaku", "src", "task", "", "名前")


def test_the_diff_after_a_commit_is_started_before_the_index_is_read(cli, sample, monkeypatch):
    """The kept answer names the HEAD it was made at: after a commit the diff from there
    is started ahead and taken by the index (no second diff-tree); asked from another
    HEAD than the index's (an older answer), it is stopped and the index's own diff run.
    Either way the list is the one a fresh read gives."""
    from yobo import gitstore

    def due():
        run = cli("monitor", "due", "--json", "-C", str(sample), "--today", TODAY)
        assert run.code in (0, 1), run.stderr
        return run.stdout

    started, diffs = [], []
    real_start, real_git = gitstore.Started.__init__, gitstore._git
    monkeypatch.setattr(gitstore.Started, "__init__",
                        lambda self, root, *args: started.append(self) or real_start(self, root, *args))
    monkeypatch.setattr(gitstore, "_git", lambda root, *args, **kw: (diffs.append(args) if args[0] == "diff-tree"
                                                                   else None) or real_git(root, *args, **kw))
    due()
    edit(sample)
    commit(sample)
    started.clear(), diffs.clear()
    kept = due()
    assert [s.args[0] for s in started] == ["diff-tree"] and diffs == []
    assert started[0].proc.returncode == 0  # its output was taken
    shutil.rmtree(sample / ".yobo")
    assert kept == due()
    due()  # the index and the kept answers made again, at this HEAD
    # an answer older than the index, the index older than HEAD: the csv answer made at
    # one commit, the index brought to the next, then one more commit
    cli("monitor", "due", "--csv", "-C", str(sample), "--today", TODAY)
    edit(sample, name="田中一郎")
    commit(sample)
    due()
    edit(sample, name="佐藤二郎")
    commit(sample)
    started.clear(), diffs.clear()
    run = cli("monitor", "due", "--csv", "-C", str(sample), "--today", TODAY)
    assert [s.args[0] for s in started] == ["diff-tree"] and len(diffs) == 1  # the index's own
    assert started[0].proc.poll() is not None  # stopped and reaped
    shutil.rmtree(sample / ".yobo")
    assert run.stdout == cli("monitor", "due", "--csv", "-C", str(sample), "--today", TODAY).stdout


def _blob_parts(encoder, rows):
    n, local, mode, summary, packed = msgpack.unpackb(encoder.blob([None, rows, None, []]), raw=False)
    return n, local, msgpack.unpackb(packed, raw=False)


def test_an_entry_round_trips_against_a_grown_list_and_with_strings_of_its_own():
    strings = ["3QK7WA", "田中美咲"]
    overlay = index._Encoder(strings, grow=False)
    n, local, packed = _blob_parts(overlay, [ROW])
    assert n == 2 and "モニタリング訪問" in local and "田中美咲" not in local
    grown = strings + ["later"]  # strings appended by a later base: the entry still reads the same
    assert index._decode_rows(msgpack.packb(packed), n, local, grown) == [ROW]
    base = index._Encoder(strings, grow=True)
    n, local, packed = _blob_parts(base, [ROW, ROW])
    table = base.table()
    assert local == [] and table[:2] == strings and n == len(table)
    assert index._decode_rows(msgpack.packb(packed), n, local, table) == [ROW, ROW]
    assert index._decode_rows(msgpack.packb([]), 0, [], []) == []


@pytest.mark.parametrize("damage", [
    lambda c: c[:10],  # a column missing
    lambda c: [c[0][:0]] + c[1:],  # columns of unequal length
    lambda c: [c[0]] + [[-1]] + c[2:],  # a negative string number
    lambda c: [c[0]] + [[10**6]] + c[2:],  # a string number beyond the list
    lambda c: c[:3] + [[0]] + c[4:],  # a day that is no date
    lambda c: c[:3] + [[1.5]] + c[4:],  # a day that is no integer
    lambda c: c[:4] + [["x"]] + c[5:],
    lambda c: [c[0]] + [[True]] + c[2:],
    lambda c: "rows",
])
def test_a_malformed_rows_column_is_refused(damage):
    base = index._Encoder([], grow=True)
    n, local, packed = _blob_parts(base, [ROW])
    table = base.table()
    assert index._decode_rows(msgpack.packb(packed), n, local, table) == [ROW]
    assert index._decode_rows(msgpack.packb(damage(packed)), n, local, table) is None
    # a number the list the entry was written against did not hold, though a later one does
    assert index._decode_rows(msgpack.packb(packed), n - 1, local, table) is None

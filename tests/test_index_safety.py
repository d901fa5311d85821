"""The derived index (``.yobo/``) cannot run code and cannot lie (issue 10 item 1),
and nothing is silent (item 4): a case that cannot be read is an overdue item.

The reference is always a fresh read of the files (``load_casebook`` +
``due_from_casebook``), never what the index said before.
"""

from __future__ import annotations

import hashlib
import json
import re
import pickle
import shutil
import subprocess
from datetime import date

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import git
from test_json_schemas import validate
from yobo import index
from yobo.duelist import due_from_casebook
from yobo.loader import load_casebook, load_config
from yobo.profiles import load_profile

TODAY = "2026-11-22"
WARNING = ".yobo/ が git に登録されています"
INDEX = (".yobo", index.INDEX_FILE)


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


def reference(root, today=TODAY):
    book = load_casebook(root)
    profile = load_profile(book.config.profile, book.config.overrides)
    return sorted((d.case, d.code, d.title, d.due.isoformat(), d.staff, d.source)
                  for d in due_from_casebook(book, profile, today=date.fromisoformat(today)))


def listed(cli, root, today=TODAY):
    run = cli("monitor", "due", "-C", str(root), "--today", today, "--json", "--within", "100000")
    assert run.code == 0, run.stderr
    return sorted((d["case"] or "", d["code"], d["title"], d["due"], d["staff"], d["source"])
                  for d in json.loads(run.stdout))


class Evil:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def forged_index(root, rows_title="偽の期限", key=b""):
    """A well-formed index in yobo's own layout whose checksum is made without this
    clone's key (plain SHA-256 when ``key`` is empty, else an HMAC under ``key``), its
    content wrong: every case's deadlines replaced by one made-up item."""
    config = load_config(root)
    profile = load_profile(config.profile, config.overrides)
    data = {"format": index.FORMAT, "key": index._key(config, profile), "head": git(root, "rev-parse", "HEAD").strip(),
            "trees": {}, "ignored": False, "ignore_sources": index._plain(index.gitstore.ignore_sources(root)), "head_ignores": False,
            "cases": {}}
    data["trees"], _ = index._head_trees(root, data["head"])
    for case_dir, tree in data["trees"].items():
        case_id = case_dir.rsplit("/", 1)[-1]
        data["cases"][case_dir] = [tree, [[case_id, "fake", rows_title, 700000, 700000, "誰か", "kyotaku", "偽",
                                          "task", "", ""]], None,
                                   [case_id, "active", "偽名", "ギメイ", "cm-a", "itaku", "誰か", None, case_dir, [],
                                    "0000000000", []]]
    body = msgpack.packb(index._encode(data), use_bin_type=True)
    mac = (hashlib.sha256(index.MAGIC + body).hexdigest() if not key else
           index._mac(key, body).decode()).encode()
    return index.MAGIC + mac + b"\n" + body


def test_a_committed_malicious_index_never_runs_and_never_answers(cli, yobo_bin, sample, tmp_path):
    """A colleague commits a pickle that would create a file, and a forged msgpack index,
    with ``git add -f`` and pushes: another office's clone runs nothing, says so in one
    line, and answers as a fresh read does."""
    marker = tmp_path / "pwned"
    cache = sample / ".yobo"
    cache.mkdir(exist_ok=True)
    (cache / "due-index.pickle").write_bytes(pickle.dumps(Evil(marker)))  # the old file name
    (cache / "due-index.ignored").write_bytes(pickle.dumps(Evil(marker)))
    forged = forged_index(sample)
    (cache / index.INDEX_FILE).write_bytes(forged)
    git(sample, "add", "-f", ".yobo")
    git(sample, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "index")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(sample), str(clone)], check=True)
    fresh = tmp_path / "fresh"  # the same casebook without any .yobo: the truth
    subprocess.run(["git", "clone", "-q", str(sample), str(fresh)], check=True)
    git(fresh, "rm", "-r", "-q", "--cached", ".yobo")
    git(fresh, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "untrack .yobo")
    shutil.rmtree(fresh / ".yobo")
    for root in (clone, sample):
        for _ in range(2):  # cold, then again (nothing of the committed file may stick)
            due = yobo_bin("monitor", "due", "--json", "--within", "100000", "-C", str(root))
            listing = yobo_bin("case", "list", "--json", "--all", "-C", str(root))
            assert due.code == 0 and listing.code == 0, (due.stderr, listing.stderr)
            assert not marker.exists()
            for run in (due, listing):
                assert run.stderr.count(WARNING) == 1 and "git rm -r --cached .yobo" in run.stderr
                assert len(run.stderr.strip().splitlines()) == 1
                assert "Traceback" not in run.stderr
            assert due.stdout == yobo_bin("monitor", "due", "--json", "--within", "100000", "-C", str(fresh)).stdout
            assert listing.stdout == yobo_bin("case", "list", "--json", "--all", "-C", str(fresh)).stdout
            assert "偽" not in due.stdout + listing.stdout
        # the committed files are left as they were: yobo writes no index over them
        assert (root / ".yobo" / index.INDEX_FILE).read_bytes() == forged
    assert not (fresh / ".yobo" / "due-index.pickle").exists()
    # untracked as the message says, the clone builds its own index again, silently
    git(clone, "rm", "-r", "-q", "--cached", ".yobo")
    git(clone, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "untrack .yobo")
    run = yobo_bin("monitor", "due", "--json", "--within", "100000", "-C", str(clone))
    assert run.code == 0 and WARNING not in run.stderr
    assert listed(cli, clone) == reference(clone)
    assert (clone / ".yobo" / index.INDEX_FILE).read_bytes().startswith(index.MAGIC)
    assert not marker.exists()


def test_a_staged_cache_folder_is_ignored_too(cli, sample):
    assert listed(cli, sample) == reference(sample)  # builds the index
    git(sample, "add", "-f", ".yobo")
    run = cli("case", "list", "-C", str(sample), "--json")
    assert run.code == 0 and run.stderr.count(WARNING) == 1
    run = cli("monitor", "due", "-C", str(sample), "--json")
    assert run.code == 0 and run.stderr.count(WARNING) == 1


@pytest.mark.parametrize("key", [b"", b"k" * 32], ids=["plain-sha256", "another-clones-key"])
def test_an_index_signed_without_this_clones_key_is_rebuilt_silently(cli, sample, key):
    truth = reference(sample)
    assert listed(cli, sample) == truth
    path = sample.joinpath(*INDEX)
    path.write_bytes(forged_index(sample, key=key))
    run = cli("monitor", "due", "-C", str(sample), "--json", "--within", "100000")
    assert run.code == 0 and run.stderr == "" and "偽" not in run.stdout
    assert listed(cli, sample) == truth
    assert path.read_bytes() != forged_index(sample, key=key)  # replaced by this clone's own


def test_the_key_lives_in_the_git_folder_and_is_per_clone(cli, sample, tmp_path):
    assert listed(cli, sample) == reference(sample)
    key = sample / ".git" / index.KEY_FILE
    assert len(key.read_bytes()) == 32 and key.stat().st_mode & 0o077 == 0
    assert git(sample, "status", "--porcelain", "--ignored").count("yobo-index-key") == 0
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(sample), str(clone)], check=True)
    shutil.copytree(sample / ".yobo", clone / ".yobo")  # an index copied from another clone
    assert listed(cli, clone) == reference(clone)
    assert (clone / ".git" / index.KEY_FILE).read_bytes() != key.read_bytes()
    # a damaged key is replaced, and the index it signed is simply rebuilt
    key.write_bytes(b"short")
    assert listed(cli, sample) == reference(sample)
    assert len(key.read_bytes()) == 32


def test_an_index_file_that_is_a_link_or_a_fifo_is_not_followed(cli, sample, tmp_path):
    import os

    assert listed(cli, sample) == reference(sample)
    path = sample.joinpath(*INDEX)
    path.unlink()
    os.mkfifo(path)  # reading it would wait for ever
    assert listed(cli, sample) == reference(sample)
    path.unlink()
    target = tmp_path / "elsewhere"
    target.write_bytes(b"")
    path.symlink_to(target)
    assert listed(cli, sample) == reference(sample)


# -- a fuzz over damaged index files ---------------------------------------------------------------


def _sign(root, data, magic=index.MAGIC) -> bytes:
    body = msgpack.packb(data, use_bin_type=True)
    secret = (root / ".git" / index.KEY_FILE).read_bytes()
    return magic + index._mac(secret, body, magic) + b"\n" + body


OVERLAY = (".yobo", index.OVERLAY_FILE)
_MAGICS = {INDEX: index.MAGIC, OVERLAY: index.OVERLAY_MAGIC}


@pytest.fixture
def fuzz_book(cli, tmp_path):
    """A sample casebook, its good index (base file and overlay), an index from an
    earlier state of it (signed by this clone: a replay), and the fresh answer — built
    once for all the examples."""
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    listed(cli, root)
    earlier = root.joinpath(*INDEX).read_bytes()
    assert cli("monitor", "record", "A7PE3K", "--method", "visit", "-C", str(root), "--today", TODAY,
               "--as", "高橋健一").code == 0
    cert = root / "cases/3Q/3QK7WA/certifications/2026-11-01.yaml"  # and an uncommitted hand edit
    cert.write_text(cert.read_text(encoding="utf-8").replace("to: 2027-04-30", "to: 2027-04-29"), encoding="utf-8")
    truth = listed(cli, root)
    assert truth == reference(root)
    good = {INDEX: root.joinpath(*INDEX).read_bytes(), OVERLAY: root.joinpath(*OVERLAY).read_bytes()}
    return FuzzBook(cli, root, good, earlier, truth)


class FuzzBook(tuple):
    def __new__(cls, *parts):
        return super().__new__(cls, parts)

    def __repr__(self):  # hypothesis prints the fixture with a failing example: keep it short
        return f"FuzzBook({self[1]})"


#: Where a signed index could hold a wrong type (a mapping's first key stands for 0), and
#: the types that belong there: a value of another type must make the index, or that one
#: case's entry (``entry``: inside a case's stored bytes; ``rows``: inside its rows, column by
#: column), unusable.
_TYPED = {
    ("head",): (str,), ("trees",): (dict,), ("cases",): (dict,), ("ignored",): (bool,), ("format",): (int,),
    ("trees", 0): (str,), ("cases", 0): (list,), ("cases", 0, 0): (str, type(None)), ("cases", 0, 1): (bytes,),
    ("strings",): (list,), ("strings", 0): (str,), ("id",): (str,), ("base",): (str,),
    ("entry",): (list,), ("entry", 0): (int,), ("entry", 1): (list,), ("entry", 2): (str, type(None)),
    ("entry", 3): (list,), ("entry", 3, 7): (str, type(None)), ("entry", 3, 9): (list,), ("entry", 3, 11): (list,),
    ("entry", 4): (bytes,), ("rows",): (list,), ("rows", 0): (list,), ("rows", 2, 0): (int,), ("rows", 3, 0): (int,),
    ("rows", 4, 0): (int,),
}
# msgpack holds integers of 64 bits only: a forged file cannot carry larger ones
_INT = st.integers(-2**63, 2**63 - 1)
_ANY = st.one_of(st.none(), _INT, st.text(max_size=5), st.booleans(), st.binary(max_size=4),
                 st.lists(_INT, max_size=3), st.dictionaries(st.text(max_size=3), _INT, max_size=2),
                 st.floats(allow_nan=False))


@st.composite
def _retyped(draw):
    path = draw(st.sampled_from(sorted(_TYPED)))
    value = draw(_ANY.filter(lambda v: type(v) not in _TYPED[path]))
    return path, value


_damage = st.one_of(
    st.tuples(st.just("flip"), st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), st.integers(0, 10**7)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("garbage"), st.binary(max_size=512)),
    st.tuples(st.just("replay"), st.none()),
    # well-formed msgpack signed with this clone's key (as a yobo bug could write it): wrong types
    st.tuples(st.just("retype"), _retyped()),
    # numbers of the right type out of range: days that are no dates, strings that do not exist
    st.tuples(st.just("retype"), st.tuples(st.sampled_from([("rows", 3, 0), ("rows", 4, 0)]),
                                           st.one_of(st.integers(-2**63, 0), st.integers(3652060, 2**63 - 1)))),
    st.tuples(st.just("retype"), st.tuples(st.sampled_from([("rows", 0, 0), ("rows", 7, 0), ("entry", 0)]),
                                           st.one_of(st.integers(-2**63, -1), st.integers(10**6, 2**63 - 1)))),
    # the right layout, content changed, checksum recomputed without the key
    st.tuples(st.just("unkeyed"), st.text(min_size=1, max_size=10)),
)


def _place(node, rest):
    """The container and key at ``rest`` below ``node``; 0 in a mapping stands for the
    first of its keys under which the rest of the path exists (e.g. a case with rows)."""
    part, *more = rest
    keys = list(node) if isinstance(node, dict) and isinstance(part, int) else [part]
    for key in keys:
        if not more:
            if isinstance(node, (dict, list)) and (key in node if isinstance(node, dict) else key < len(node)):
                return node, key
            continue
        try:
            return _place(node[key], more)
        except (KeyError, IndexError, TypeError):
            continue
    raise KeyError(rest)


def _damaged(root, good, earlier, which, how):
    kind, arg = how
    if kind == "flip":
        raw = bytearray(good)
        for pos, xor in arg:
            raw[pos % len(raw)] ^= xor
        return bytes(raw)
    if kind == "truncate":
        return good[: arg % len(good)]
    if kind == "append":
        return good + arg
    if kind == "garbage":
        return arg
    if kind == "replay":
        return earlier
    if kind == "unkeyed":
        return forged_index(root, rows_title=arg)
    path, value = arg
    magic = _MAGICS[which]
    data = msgpack.unpackb(good[good.index(b"\n", len(magic)) + 1:], raw=False)
    if path == ("entry",):  # a case's stored bytes that are no entry at all
        path, value = ("cases", 0, 1), msgpack.packb(value)
    if path == ("rows",):  # an entry's rows bytes that are no list of rows
        path, value = ("entry", 4), msgpack.packb(value)
    if path[0] in ("entry", "rows"):  # inside the first case whose entry (or rows) has the part named
        for stored in data["cases"].values():
            entry = msgpack.unpackb(stored[1], raw=False)
            rows = msgpack.unpackb(entry[4], raw=False)
            try:
                container, key = _place(entry if path[0] == "entry" else rows, path[1:])
            except KeyError:
                continue
            container[key] = value
            if path[0] == "rows":
                entry[4] = msgpack.packb(rows, use_bin_type=True)
            stored[1] = msgpack.packb(entry, use_bin_type=True)
            return _sign(root, data, magic)
        return good
    try:
        container, key = _place(data, path)
    except KeyError:  # a field the other file holds (the base's list of strings, the overlay's base)
        return good
    container[key] = value
    return _sign(root, data, magic)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from([INDEX, OVERLAY]), how=_damage)
def test_a_damaged_index_never_crashes_and_never_answers_wrong(fuzz_book, which, how):
    """Either file damaged (the other left good): the answer is the fresh read's."""
    cli, root, good, earlier, truth = fuzz_book
    for name, raw in good.items():
        root.joinpath(*name).write_bytes(raw)
    root.joinpath(*which).write_bytes(_damaged(root, good[which], earlier, which, how))
    for args in (("monitor", "due", "--json", "--within", "100000"), ("case", "list", "--json", "--all")):
        run = cli(*args, "-C", str(root), "--today", TODAY)
        assert run.code in (0, 1, 2), run
        if args[0] == "monitor":
            assert sorted((d["case"] or "", d["code"], d["title"], d["due"], d["staff"], d["source"])
                          for d in json.loads(run.stdout)) == truth
        else:
            rows = json.loads(run.stdout)
            assert "偽" not in run.stdout and len(rows) == 7 and all(r["problems"] == [] for r in rows)


# -- edits and commits while yobo reads --------------------------------------------------------------


def _during_read(monkeypatch, case_id, action):
    """Run ``action`` once, just before the index reads ``case_id``'s files: after git
    status has looked at them, which is when an editor's save or a commit can land."""
    real = index.load_case
    done = []

    def patched(root, cid, case_dir, **kwargs):
        if cid == case_id and not done:
            done.append(True)
            action()
        return real(root, cid, case_dir, **kwargs)

    monkeypatch.setattr(index, "load_case", patched)
    return done


def test_an_edit_while_yobo_reads_is_caught_by_the_next_run(cli, sample, monkeypatch):
    cert = sample / "cases/3Q/3QK7WA/certifications/2026-11-01.yaml"
    original = cert.read_text(encoding="utf-8")
    shutil.rmtree(sample / ".yobo", ignore_errors=True)  # cold: every case is read
    done = _during_read(monkeypatch, "3QK7WA", lambda: cert.write_text(
        original.replace("to: 2027-04-30", "to: 2027-04-29"), encoding="utf-8"))
    during = listed(cli, sample)
    assert done and ("3QK7WA", "certification-end", "2027-04-29") in {x[:2] + (x[3],) for x in during}
    # the edit is undone (git checkout): git status is clean again, the index must not keep 04-29
    git(sample, "checkout", "--", str(cert))
    monkeypatch.undo()
    after = listed(cli, sample)
    assert ("3QK7WA", "certification-end", "2027-04-30") in {x[:2] + (x[3],) for x in after}
    assert after == reference(sample)


def test_an_edit_undone_while_yobo_reads_leaves_a_true_index(cli, sample, monkeypatch):
    """git status saw an edit; by the time the case is read it was undone: what was
    parsed is exactly HEAD, and the entry may be reused — correctly."""
    assert listed(cli, sample) == reference(sample)
    cert = sample / "cases/3Q/3QK7WA/certifications/2026-11-01.yaml"
    original = cert.read_text(encoding="utf-8")
    cert.write_text(original.replace("to: 2027-04-30", "to: 2027-04-29"), encoding="utf-8")
    _during_read(monkeypatch, "3QK7WA", lambda: cert.write_text(original, encoding="utf-8"))
    assert listed(cli, sample) == reference(sample)
    monkeypatch.undo()
    assert listed(cli, sample) == reference(sample)
    config = load_config(sample)
    entry = index.refresh(sample, config, load_profile(config.profile, config.overrides))["cases/3Q/3QK7WA"]
    assert entry[0] == git(sample, "rev-parse", "HEAD:cases/3Q/3QK7WA").strip()


def test_a_commit_while_yobo_reads_is_caught_by_the_next_run(cli, sample, monkeypatch):
    assert listed(cli, sample) == reference(sample)
    cert = sample / "cases/3Q/3QK7WA/certifications/2026-11-01.yaml"
    cert.write_text(cert.read_text(encoding="utf-8").replace("to: 2027-04-30", "to: 2027-04-29"), encoding="utf-8")
    other = sample / "cases/5M/5MZ2RT/certifications"
    moved = next(other.glob("*.yaml"))
    text = moved.read_text(encoding="utf-8")

    def commit_both():
        # the edited case and a clean one (served from the index this run) committed at once
        moved.write_text(text.replace("to: 2028-03-31", "to: 2028-03-30"), encoding="utf-8")
        git(sample, "add", "-A", "cases")
        git(sample, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "hand edit")

    done = _during_read(monkeypatch, "3QK7WA", commit_both)
    listed(cli, sample)
    assert done
    monkeypatch.undo()
    after = listed(cli, sample)
    assert {("3QK7WA", "2027-04-29"), ("5MZ2RT", "2028-03-30")} <= {(x[0], x[3]) for x in after
                                                                   if x[1] == "certification-end"}
    assert after == reference(sample)


def test_a_file_removed_while_yobo_reads_does_not_crash(cli, sample, monkeypatch):
    shutil.rmtree(sample / ".yobo", ignore_errors=True)
    real = index.load_case

    def vanishing(root, cid, case_dir, **kwargs):
        if cid == "3QK7WA":
            raise FileNotFoundError(2, "No such file or directory")
        return real(root, cid, case_dir, **kwargs)

    monkeypatch.setattr(index, "load_case", vanishing)
    run = cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--json")
    assert run.code == 0
    assert any(d["case"] == "3QK7WA" and d["code"] == "unreadable-document" for d in json.loads(run.stdout))
    monkeypatch.undo()
    assert listed(cli, sample) == reference(sample)  # not kept: read again


# -- the rules' code is part of the key (issue 9 item 7) --------------------------------------------


def test_the_key_covers_the_rule_modules_profiles_and_schemas():
    names = {p.relative_to(p.parents[1]).as_posix() for p in index.code_files()}
    from yobo.resources import data_dir, profiles_dir
    import yobo.rules

    rules = index.Path(yobo.rules.__file__).parent
    assert {f"rules/{p.name}" for p in rules.glob("*.py")} <= names
    assert {f"profiles/{p.name}" for p in profiles_dir().glob("*.yaml")} <= names
    assert {f"yobo/{n}" for n in ("loader.py", "model.py", "calendar.py", "yamlio.py", "index.py")} <= names
    assert {f"schemas/{p.name}" for p in data_dir("schemas").glob("*.schema.json")} <= names
    assert not any(n.startswith(("cli/", "devtools/")) for n in names)


def test_changing_a_rule_never_serves_the_old_items(cli, sample, monkeypatch):
    from yobo.rules import due as due_rules

    before = listed(cli, sample)
    assert before == reference(sample)

    def extra_rule(case, ctx):  # a rule added to the code
        return [due_rules._make(case, "new-rule", "新しい規則", date(2026, 12, 1), date(2026, 11, 1), "test")]

    monkeypatch.setattr(due_rules, "CASE_RULES", [*due_rules.CASE_RULES, extra_rule])
    # the source file is not edited here, so its hash is what a changed source would give
    assert listed(cli, sample) == before  # same fingerprint: the index (correctly, for that code) answers
    monkeypatch.setattr(index, "code_fingerprint", lambda: "another version of the rules")
    after = listed(cli, sample)
    assert after != before and "new-rule" in {x[1] for x in after}
    assert after == reference(sample)


# -- nothing silent: unreadable cases -----------------------------------------------------------------


BROKEN = {
    "misspelt-status": (lambda t: t.replace("status: active", "status: actve"), "schema-enum"),
    "yaml-syntax": (lambda t: t.replace("route:", "route: [", 1), "yaml-syntax"),
    "missing-key": (lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("manager:")) + "\n",
                    "schema-required"),
    "duplicate-key": (lambda t: t + "status: closed\n", "duplicate-key"),
    # unquoted digits are read as a number: once crashed `case list` (int < str) and hid the case
    "numeric-id": (lambda t: t.replace("id: H6JT8B", "id: 127324"), "schema-type"),
    "numeric-manager": (lambda t: re.sub(r"(?m)^manager: .*$", "manager: 12345", t), "schema-type"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_case_that_cannot_be_read_is_overdue_listed_and_fails(cli, sample, kind):
    change, code = BROKEN[kind]
    listed(cli, sample)  # a warm index first: the broken case must not vanish from it either
    case_yaml = sample / "cases/H6/H6JT8B/case.yaml"
    case_yaml.write_text(change(case_yaml.read_text(encoding="utf-8")), encoding="utf-8")
    for _ in range(2):  # cold read of the case, then from the index
        run = cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--json")
        items = [d for d in json.loads(run.stdout) if d["case"] == "H6JT8B"]
        assert len(items) == 1, items
        item = items[0]
        assert item["title"] == "読めない文書" and item["status"] == "overdue" and item["code"] == "unreadable-document"
        assert item["source"].startswith("cases/H6/H6JT8B/case.yaml:") and f"[{code}]" in item["source"]
        assert int(item["source"].split(":")[1]) >= 1
        # nobody knows whose case it is now: it is on every staff member's list
        mine = json.loads(cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--json", "--staff", "田中美咲").stdout)
        assert any(d["case"] == "H6JT8B" and d["code"] == "unreadable-document" for d in mine)
        # the list that scripts watch fails, even with nothing else overdue
        assert cli("monitor", "due", "-C", str(sample), "--today", "2026-11-01", "--fail-on", "overdue",
                   "--case", "H6J").code == 1
        table = cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--case", "H6J")
        assert "読めない文書" in table.stdout and "case.yaml:" in table.stdout and f"[{code}]" in table.stdout
        rows = json.loads(cli("case", "list", "-C", str(sample), "--today", TODAY, "--json").stdout)
        row = next(r for r in rows if r["id"] == "H6JT8B")
        assert row["status"] == "unreadable" and row["problems"][0].startswith("cases/H6/H6JT8B/case.yaml:")
        validate("monitor-due", json.loads(run.stdout))
        validate("case-list", rows)
        shown = cli("case", "list", "-C", str(sample), "--today", TODAY)
        line = next(x for x in shown.stdout.splitlines() if x.startswith("H6JT8B"))
        assert "読めません" in line and "case.yaml:" in line and code in line
        assert "読めないケースが 1 件" in shown.stderr
    assert listed(cli, sample) == reference(sample)


def test_a_broken_document_of_a_readable_case_is_overdue_too(cli, sample):
    record = sample / "cases/C2/C2VW9F/monitoring/2026-09.yaml"
    record.write_text("month: 2026-09\nmonth: 2026-10\nrecords: []\n", encoding="utf-8")
    items = [d for d in json.loads(cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--json").stdout)
             if d["code"] == "unreadable-document"]
    assert [(d["case"], d["staff"], d["status"]) for d in items] == [("C2VW9F", "田中美咲", "overdue")]
    assert items[0]["source"].startswith("cases/C2/C2VW9F/monitoring/2026-09.yaml:2: [duplicate-key]")
    assert "1 行目と 2 行目" in items[0]["source"]
    rows = json.loads(cli("case", "list", "-C", str(sample), "--today", TODAY, "--json").stdout)
    row = next(r for r in rows if r["id"] == "C2VW9F")
    assert row["status"] == "active" and row["problems"][0].startswith("cases/C2/C2VW9F/monitoring/2026-09.yaml:2")
    shown = json.loads(cli("case", "show", "C2VW9F", "-C", str(sample), "--today", TODAY, "--json").stdout)
    assert shown["problems"] == row["problems"]
    validate("case-show", shown)
    validate("case-list", rows)
    assert "読めない文書:" in cli("case", "show", "C2VW9F", "-C", str(sample), "--today", TODAY).stdout
    report = cli("report", "monthly", "--month", "2026-11", "-C", str(sample), "--today", TODAY)
    assert "| 期限切れ | — | C2VW9F | 松本 キヨ | 読めない文書 | cases/C2/C2VW9F/monitoring/2026-09.yaml:2:" in report.stdout
    assert listed(cli, sample) == reference(sample)


def test_the_pickle_of_older_versions_is_never_read_and_is_removed(cli, sample, tmp_path):
    marker = tmp_path / "pwned"
    (sample / ".yobo").mkdir(exist_ok=True)
    legacy = sample / ".yobo" / "due-index.pickle"
    legacy.write_bytes(pickle.dumps(Evil(marker)))
    assert listed(cli, sample) == reference(sample)
    assert not marker.exists() and not legacy.exists()


def test_an_oversized_index_is_not_read_into_memory(cli, sample, monkeypatch):
    """A committed file of zeros compresses to nothing in git: its size is checked first."""
    assert listed(cli, sample) == reference(sample)
    path = sample.joinpath(*INDEX)
    config = load_config(sample)
    key, secret = index._key(config, load_profile(config.profile, config.overrides)), index._secret(sample)
    assert index._read_index(path, key, secret) is not None
    monkeypatch.setattr(index, "MAX_BYTES", path.stat().st_size - 1)
    assert index._read_index(path, key, secret) is None
    assert listed(cli, sample) == reference(sample)


# -- files git ignores ----------------------------------------------------------------------------


def _commit_all(root, message="rules"):
    git(root, "add", "-A")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", message)


def _add_november_record(root):
    month = root / "cases/5M/5MZ2RT/monitoring/2026-11.yaml"
    month.write_text((root / "cases/5M/5MZ2RT/monitoring/2026-10.yaml").read_text(encoding="utf-8")
                     .replace("2026-10", "2026-11"), encoding="utf-8")
    return month


@pytest.mark.parametrize("rules", [
    {".gitignore": ".yobo/\n2026-11.yaml\n"},  # a committed rule at the top, long before the file
    {"cases/5M/5MZ2RT/monitoring/.gitignore": "*\n!.gitignore\n"},  # a rule inside a case folder
], ids=["top", "inside-a-case"])
def test_a_file_created_under_a_committed_ignore_rule_is_seen(cli, sample, rules):
    for rel, text in rules.items():
        (sample / rel).write_text(text, encoding="utf-8")
    _commit_all(sample)
    assert listed(cli, sample) == reference(sample)  # the index is built: no ignored file exists yet
    assert listed(cli, sample) == reference(sample)
    month = _add_november_record(sample)
    assert git(sample, "status", "--porcelain") == ""  # git itself does not see it
    after = listed(cli, sample)
    assert ("5MZ2RT", "monitoring-record", "2026-11-30") not in {(x[0], x[1], x[3]) for x in after}
    assert after == reference(sample)
    month.unlink()
    assert listed(cli, sample) == reference(sample)


def _stored_head_ignores(root) -> bool:
    config = load_config(root)
    key = index._key(config, load_profile(config.profile, config.overrides))
    data = index._read_index(root / ".yobo" / index.INDEX_FILE, key, index._secret(root))
    assert data is not None and data["head"] == git(root, "rev-parse", "HEAD").strip()
    return data["head_ignores"]


def test_a_rule_inside_a_case_is_followed_from_commit_to_commit(cli, sample):
    """The index follows a moved HEAD with one diff (no search of git's index): whether
    HEAD holds a .gitignore under cases/ is learnt when a commit adds one, carried over
    commits that touch none, and learnt again when one goes — and a file the rule hides
    from git status is seen all along."""
    assert listed(cli, sample) == reference(sample)  # the index made at a HEAD without a rule
    assert _stored_head_ignores(sample) is False
    rule = sample / "cases/5M/5MZ2RT/monitoring/.gitignore"
    rule.write_text("*\n!.gitignore\n", encoding="utf-8")
    _commit_all(sample, "rule")
    assert listed(cli, sample) == reference(sample)
    assert _stored_head_ignores(sample) is True
    (sample / "memo.txt").write_text("x\n", encoding="utf-8")
    _commit_all(sample, "unrelated")  # HEAD moves; the diff holds no rule
    assert listed(cli, sample) == reference(sample)
    assert _stored_head_ignores(sample) is True
    month = _add_november_record(sample)
    assert git(sample, "status", "--porcelain") == ""  # git itself does not see it
    assert listed(cli, sample) == reference(sample)
    month.unlink()
    git(sample, "rm", "-q", "cases/5M/5MZ2RT/monitoring/.gitignore")
    _commit_all(sample, "rule gone")
    assert listed(cli, sample) == reference(sample)
    assert _stored_head_ignores(sample) is False


def test_rules_that_cannot_hide_a_document_keep_the_fast_status(sample):
    """A user's global excludes (editor backups, OS files) do not make every run ask git
    for ignored files; a rule that could hide a document does."""
    harmless = ["*.swp", "*~", ".DS_Store", "Thumbs.db", "/build/", "docs/*.md", "*.yaml.bak", "!*.yaml", "# *.yaml",
                ".yobo/", "/.yobo/"]
    reaching = ["*.yaml", "*.YAML", "notes/", "2026*", "cases/", "/cases/5M", "2026-11.yaml", "**/x", ".gitignore",
                "*.sw[op]", "c*s/"]
    assert [p for p in harmless if index._reaches_cases(p)] == []
    assert [p for p in reaching if not index._reaches_cases(p)] == []
    exclude = sample / ".git" / "info" / "exclude"
    exclude.write_text("\n".join(harmless) + "\n", encoding="utf-8")
    sources = index._plain(index.gitstore.ignore_sources(sample))
    assert not index._ignore_rules_reach(sample, sources, [])
    exclude.write_text("*.yaml\n", encoding="utf-8")
    assert index._ignore_rules_reach(sample, sources, [])


def test_an_unreadable_document_in_the_spreadsheet_and_the_calendar(cli, sample, tmp_path):
    """A 読めない文書 has no day of its own: the CSV leaves its dates blank (never
    0001-01-01) and the calendar shows it on the export's day, one event per file."""
    import csv
    import io

    from icalendar import Calendar

    case_yaml = sample / "cases/H6/H6JT8B/case.yaml"
    case_yaml.write_text(case_yaml.read_text(encoding="utf-8").replace("status: active", "status: actve"),
                         encoding="utf-8")
    run = cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--csv", "--case", "H6J")
    rows = list(csv.DictReader(io.StringIO(run.stdout.lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0]["内容"] == "読めない文書"
    assert rows[0]["期限"] == "" and "0001" not in run.stdout
    out = tmp_path / "due.ics"
    assert cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--ics", "-o", str(out), "--case", "H6J").code == 0
    events = [e for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")]
    assert len(events) == 1
    assert events[0].decoded("dtstart") == date.fromisoformat(TODAY)
    assert "cases_H6_H6JT8B_case.yaml" in str(events[0]["uid"])

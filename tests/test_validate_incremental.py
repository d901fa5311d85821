"""``yobo validate`` keeps each case's result (issue 16): the default check reads only
case folders changed since the last one, ``--all`` reads everything (on every core).
Both must always say exactly the same — after a hand edit, a commit, a checkout, a
staged file, a change of yobo.yaml, of the day, or of yobo's own code (the schemas)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import git, new_case
from yobo import validation
from yobo.casebook import case_dir
from yobo.loader import load_config

TODAY = date(2026, 11, 22)


def _both(cli, root: Path, today: str | None = None) -> dict:
    """validate and validate --all, as JSON; asserts they agree and returns the answer."""
    env = {"YOBO_TODAY": today} if today else None
    quick = cli("validate", "-C", str(root), "--json", env=env)
    whole = cli("validate", "-C", str(root), "--json", "--all", env=env)
    again = cli("validate", "-C", str(root), "--json", env=env)  # from what --all kept
    assert quick.code == whole.code == again.code, (quick.stdout, whole.stdout)
    assert json.loads(quick.stdout) == json.loads(whole.stdout) == json.loads(again.stdout)
    return json.loads(whole.stdout)


def _checked(root: Path, today: date = TODAY) -> int:
    """How many case folders the default check read from their files."""
    return validation.check_cases(root, load_config(root), today).checked


def _codes(answer: dict) -> list[tuple[str, str]]:
    return sorted((p["path"], p["code"]) for p in answer["problems"])


@pytest.fixture
def book(cli, casebook):
    ids = [new_case(cli, casebook, insured_no=f"00001000{n:02d}") for n in range(3)]
    return casebook, ids


def _commit(root: Path, message: str = "hand") -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", message)


def test_an_unchanged_casebook_is_not_read_again(cli, book):
    root, ids = book
    assert _both(cli, root)["ok"]
    assert _checked(root) == 0
    validation.forget(root)
    assert _checked(root) == len(ids)  # nothing kept: everything read, and kept again
    assert _checked(root) == 0


def test_a_hand_edit_is_seen_then_committed_then_undone(cli, book):
    root, ids = book
    _both(cli, root)
    path = root / case_dir(ids[1]) / "case.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: active", "status: bogus"), encoding="utf-8")
    answer = _both(cli, root)
    assert (f"{case_dir(ids[1])}/case.yaml", "schema-enum") in _codes(answer)
    assert _checked(root) == 1  # the edited case only, every time until committed
    _commit(root)
    answer = _both(cli, root)
    assert (f"{case_dir(ids[1])}/case.yaml", "schema-enum") in _codes(answer)
    assert not any(code == "uncommitted-file" for _, code in _codes(answer))
    assert _checked(root) == 0
    git(root, "checkout", "-q", "HEAD~1", "--", ".")  # staged: the old text, not yet committed
    answer = _both(cli, root)
    assert answer["ok"] is False and _codes(answer) == [(f"{case_dir(ids[1])}/case.yaml", "uncommitted-file")]
    _commit(root, "undo")
    assert _both(cli, root)["ok"] and _checked(root) == 0


def test_a_switch_to_another_branch_and_back(cli, book):
    root, ids = book
    _both(cli, root)
    branch = git(root, "symbolic-ref", "--short", "HEAD").strip()
    git(root, "switch", "-q", "-c", "other")
    shutil.rmtree(root / case_dir(ids[0]))
    duplicate = root / case_dir(ids[2]) / "case.yaml"
    duplicate.write_text(duplicate.read_text(encoding="utf-8").replace("0000100002", "0000100001"), encoding="utf-8")
    _commit(root, "other")
    answer = _both(cli, root)
    later = max(ids[1], ids[2])  # the rule names the case that comes second in id order
    assert answer["cases"] == 2 and _codes(answer) == [(f"{case_dir(later)}/case.yaml", "case-duplicate")]
    git(root, "switch", "-q", branch)
    answer = _both(cli, root)
    assert answer["ok"] and answer["cases"] == 3
    assert _checked(root) == 0


def test_a_new_untracked_document_and_a_removed_one(cli, book):
    root, ids = book
    _both(cli, root)
    notes = root / case_dir(ids[0]) / "notes"
    notes.mkdir(exist_ok=True)
    (notes / "2026-11-20-kyotaku-1.yaml").write_text("date: 2026-11-20\nkind: general\ntext: [\n", encoding="utf-8")
    answer = _both(cli, root)
    assert {code for path, code in _codes(answer) if path.endswith("kyotaku-1.yaml")} == {"yaml-syntax",
                                                                                          "uncommitted-file"}
    (notes / "2026-11-20-kyotaku-1.yaml").unlink()
    assert _both(cli, root)["ok"]


def test_a_change_of_the_day_of_yobo_yaml_or_of_the_code_checks_everything_again(cli, book, monkeypatch):
    root, ids = book
    _both(cli, root)
    assert _checked(root, date(2026, 11, 23)) == len(ids)  # another day: rules may say otherwise
    _both(cli, root, "2026-11-23")
    config = root / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "# 手で足したコメント\n", encoding="utf-8")
    _commit(root)
    _both(cli, root)
    assert _checked(root) == 0  # a comment does not change the configuration yobo reads
    git(root, "config", "user.name", "x")
    # yobo's code (its schemas and rules) is part of the key: another fingerprint, all read again
    from yobo import index

    monkeypatch.setattr(index, "code_fingerprint", lambda: "another yobo")
    assert _checked(root) == len(ids)
    assert _checked(root) == 0


def test_kept_results_that_are_damaged_are_not_used(cli, book):
    root, ids = book
    _both(cli, root)
    path = Path(git(root, "rev-parse", "--git-path", validation.CACHE_FILE).strip())
    path = path if path.is_absolute() else root / path
    path.write_bytes(b"\x93not msgpack")
    assert _checked(root) == len(ids)
    assert _both(cli, root)["ok"]


def test_kept_results_not_signed_by_this_clone_are_not_trusted(cli, book):
    """Well-formed results without this clone's checksum (copied in, or written by hand to
    say a broken case is clean) are never used: the cases are read from their files."""
    import msgpack

    root, ids = book
    _both(cli, root)
    path = Path(git(root, "rev-parse", "--git-path", validation.CACHE_FILE).strip())
    path = path if path.is_absolute() else root / path
    signed = path.read_bytes()
    body = signed.split(b"\n", 2)[2]  # magic line, checksum line, then the msgpack body
    assert isinstance(msgpack.unpackb(body, raw=False, strict_map_key=True), dict)
    path.write_bytes(body)  # the same results, unsigned
    assert _checked(root) == len(ids)
    path.write_bytes(signed[:-1] + bytes([signed[-1] ^ 1]))  # signed, then one bit changed
    assert _checked(root) == len(ids)


def test_the_whole_check_uses_worker_processes_and_says_the_same(cli, book, monkeypatch):
    root, ids = book
    monkeypatch.setattr(validation, "PARALLEL_FROM", 1)
    monkeypatch.setattr(validation, "CHUNK", 1)
    path = root / case_dir(ids[1]) / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: active", "status: bogus"), encoding="utf-8")
    config = load_config(root)
    parallel = validation.check_cases(root, config, TODAY, everything=True, workers=2)
    inline = validation.check_cases(root, config, TODAY, everything=True, workers=1)
    assert parallel.checked == inline.checked == len(ids)
    assert sorted(parallel.problems) == sorted(inline.problems) and parallel.problems
    assert (parallel.cases, parallel.documents) == (inline.cases, inline.documents)

"""Kept answers in pieces (``yobo.pieces``): after every kind of change the answer —
given back whole, or patched case by case — is byte for byte what a fresh read (no
``.yobo/``) prints, for ``monitor due --json``, ``--csv``, ``--ics`` and ``case list
--json``; and that fresh text is byte for byte what the printers of the whole list
(``json_text``, ``to_csv``, ``to_ics``) make of it."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import git
from yobo import index, pieces
from yobo.cli import due_cmds

TODAY = "2026-11-22"
CASE = "cases/3Q/3QK7WA/case.yaml"
STAMP = datetime(2026, 11, 30, 9, 15, 0, tzinfo=timezone.utc)

QUESTIONS = {
    "json": ("monitor", "due", "--json", "--within", "400"),
    "csv": ("monitor", "due", "--csv", "--within", "400"),
    "ics": ("monitor", "due", "--ics", "--within", "400", "--remind", "3", "--names"),
    "case-list": ("case", "list", "--json", "--all"),
}


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


@pytest.fixture(autouse=True)
def fixed_stamp(monkeypatch):
    """The export's time (the CLI reads the clock) fixed, so two calendars can be compared."""
    monkeypatch.setattr(due_cmds, "export_stamp", lambda: STAMP)


@pytest.fixture
def made(monkeypatch):
    """Every ``Pieces`` made, to see whether an answer was patched (cases taken from the
    kept answer) or built whole."""
    seen: list[pieces.Pieces] = []
    real = pieces.Pieces.__init__

    def init(self, *args, **kwargs):
        real(self, *args, **kwargs)
        seen.append(self)

    monkeypatch.setattr(pieces.Pieces, "__init__", init)
    return seen


def ask(cli, root: Path, question: str, *extra: str, today: str = TODAY) -> str:
    run = cli(*QUESTIONS[question], "-C", str(root), "--today", today, *extra)
    assert run.code in (0, 1), run.stderr
    return run.stdout


def fresh(cli, root: Path, question: str, *extra: str, today: str = TODAY) -> str:
    shutil.rmtree(root / ".yobo", ignore_errors=True)
    return ask(cli, root, question, *extra, today=today)


def edit(root: Path, old: str, new: str, path: str = CASE) -> None:
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


def commit(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", message)


def same_as_fresh(cli, root: Path, question: str, *extra: str, today: str = TODAY) -> str:
    """Asked with the kept answer, then again from nothing: the same bytes."""
    kept = ask(cli, root, question, *extra, today=today)
    assert kept == fresh(cli, root, question, *extra, today=today)
    ask(cli, root, question, *extra, today=today)  # the kept answer again, for the next change
    return kept


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_hand_edits_commit_and_cases_come_and_go(cli, sample, made, question):
    before = same_as_fresh(cli, sample, question)
    # a hand edit: only that case is made again, the others come from the kept answer
    edit(sample, "manager: 田中美咲", "manager: 佐藤一郎")
    made.clear()
    after = ask(cli, sample, question)
    assert after != before and "佐藤一郎" in after
    assert made[-1].reused >= 6 and made[-1].made == 1, (made[-1].reused, made[-1].made)
    assert after == fresh(cli, sample, question)
    ask(cli, sample, question)
    # a second edit of the same file (the same " M" line of git status)
    edit(sample, "manager: 佐藤一郎", "manager: 鈴木二郎")
    second = ask(cli, sample, question)
    assert "鈴木二郎" in second and "佐藤一郎" not in second
    assert second == fresh(cli, sample, question)
    ask(cli, sample, question)
    # committed
    commit(sample)
    made.clear()
    assert ask(cli, sample, question) == second
    same_as_fresh(cli, sample, question)
    # a case added (a copy of one under another id) and then removed
    shutil.copytree(sample / "cases" / "3Q" / "3QK7WA", sample / "cases" / "3Q" / "3QK7WB")
    edit(sample, "3QK7WA", "3QK7WB", "cases/3Q/3QK7WB/case.yaml")
    added = same_as_fresh(cli, sample, question)
    assert "3QK7WB" in added
    commit(sample, "added")
    same_as_fresh(cli, sample, question)
    git(sample, "rm", "-q", "-r", "cases/3Q/3QK7WB")
    commit(sample, "removed")
    removed = same_as_fresh(cli, sample, question)
    assert "3QK7WB" not in removed and removed == second


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_an_unreadable_document_appearing_and_fixed(cli, sample, question):
    before = same_as_fresh(cli, sample, question)
    note = sample / "cases" / "3Q" / "3QK7WA" / "notes" / "2026-11-20-kyotaku-901.yaml"
    note.parent.mkdir(exist_ok=True)
    note.write_text("date: [broken\n", encoding="utf-8")
    broken = same_as_fresh(cli, sample, question)
    assert broken != before
    note.write_text("date: 2026-11-20\nkind: general\ntext: 手で追記\nstaff: 田中美咲\nparty: kyotaku\n",
                    encoding="utf-8")
    fixed = same_as_fresh(cli, sample, question)
    assert fixed != broken
    # the case folder itself unreadable (its case.yaml broken), then fixed
    (sample / CASE).write_text("id: [\n", encoding="utf-8")
    same_as_fresh(cli, sample, question)
    git(sample, "checkout", "-q", "--", CASE)
    assert same_as_fresh(cli, sample, question) == fixed


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_a_pull_and_a_checkout_there_and_back(cli, sample, tmp_path, question):
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(sample), str(other)], check=True)
    before = same_as_fresh(cli, other, question)
    edit(sample, "manager: 田中美咲", "manager: 佐藤一郎")
    commit(sample)
    git(other, "pull", "-q", "--ff-only")
    pulled = same_as_fresh(cli, other, question)
    assert pulled != before
    git(other, "checkout", "-q", "HEAD~1")
    assert ask(cli, other, question) == before
    assert same_as_fresh(cli, other, question) == before
    git(other, "checkout", "-q", "-")
    assert ask(cli, other, question) == pulled == fresh(cli, other, question)


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_rules_profile_day_options_and_done_marks(cli, sample, monkeypatch, question):
    before = same_as_fresh(cli, sample, question)
    later = same_as_fresh(cli, sample, question, today="2027-03-01")
    assert later != before
    if question == "case-list":
        same_as_fresh(cli, sample, question, "--staff", "田中美咲")
    else:
        same_as_fresh(cli, sample, question, "--staff", "田中美咲")
        same_as_fresh(cli, sample, question, "--status", "overdue,due")
    # a done mark of the casebook (outside cases/) and one of a case
    done = ("monitor", "done", "-C", str(sample), "--as", "田中美咲", "--code")
    assert cli(*done, "benefit-management", "--month", "2026-11").code == 0
    marked = same_as_fresh(cli, sample, question)
    assert (marked != before) == (question != "case-list")
    assert cli("monitor", "done", "-C", str(sample), "--as", "青木 保健師", "--code", "notification-filing",
               "--month", "2026-11", "--case", "3QK7WA").code == 0  # a 包括's task
    same_as_fresh(cli, sample, question)
    # a profile change (yobo.yaml: the index key)
    edit(sample, "profile: national", "profile: funagata", "yobo.yaml")
    same_as_fresh(cli, sample, question)
    commit(sample)
    same_as_fresh(cli, sample, question)
    # a rule change (the code's fingerprint)
    real = index.case_obligations

    def renamed(case, profile, config):
        return [d._replace(title=d.title + "（改）") for d in real(case, profile, config)]

    monkeypatch.setattr(index, "case_obligations", renamed)
    monkeypatch.setattr(index, "code_fingerprint", lambda: "an edited rule")
    changed = same_as_fresh(cli, sample, question)
    assert ("（改）" in changed) == (question != "case-list")


def test_the_listing_is_what_the_whole_list_printers_print(cli, sample):
    """The pieces joined equal json_text / to_csv / to_ics of the whole selected list."""
    from yobo.cli.common import json_text
    from yobo.duelist import Query, due_json, due_with_index, select
    from yobo.export import DUE_COLUMNS, due_rows, to_csv, to_ics
    from yobo.loader import load_config
    from yobo.profiles import load_profile

    config = load_config(sample, validate=False)
    profile = load_profile(config.profile, config.overrides)
    day = date.fromisoformat(TODAY)
    items, _ = due_with_index(sample, config, profile, today=day, within=400,
                              finish=lambda found: (select(found, Query(within=400), today=day), None))
    from typer.testing import CliRunner

    from yobo.cli import app

    def raw(question: str) -> bytes:  # the bytes printed (the runner's text has its CRLF made LF)
        result = CliRunner().invoke(app, [*QUESTIONS[question], "-C", str(sample), "--today", TODAY])
        assert result.exit_code in (0, 1), result.stderr
        return result.stdout_bytes

    for _ in range(2):  # made, then kept
        assert raw("json") == json_text([due_json(d, day) for d in items]).encode("utf-8")
        assert raw("csv") == to_csv(DUE_COLUMNS, due_rows(items, day)).encode("utf-8")
        calendar = to_ics(items, today=day, stamp=STAMP, domain=f"{config.office_number}.yobo", remind=3, names=True,
                          title=f"yobo 期限一覧（{config.office_name}）")
        assert raw("ics") == calendar
        assert b"DTSTAMP:20261130T091500Z" in calendar and b"10000101" not in calendar


def test_an_earlier_calendar_is_built_whole(cli, sample, tmp_path, made):
    """``-o`` naming an earlier export (SEQUENCE and cancellations depend on it): no kept
    pieces, the whole list through to_ics — and the same file again when nothing changed."""
    out = tmp_path / "due.ics"
    args = ("monitor", "due", "-C", str(sample), "--ics", "--names", "-o", str(out))
    assert cli(*args).code in (0, 1)
    first = out.read_bytes()
    assert len(made) == 1 and b"SEQUENCE:0" in first  # the first export: kept pieces
    made.clear()
    assert cli(*args).code in (0, 1)
    assert out.read_bytes() == first and not made
    edit(sample, "山本 ハナ", "山本 花子")
    assert cli(*args).code in (0, 1)
    assert not made and b"SEQUENCE:1" in out.read_bytes() and "山本 花子".encode() in out.read_bytes()


def test_json_list_joins_as_json_text():
    from yobo.cli.common import json_text

    form = pieces.JsonList()
    for count in (0, 1, 2, pieces.JSON_COMPACT_FROM, pieces.JSON_COMPACT_FROM + 1, 250):
        objects = [{"case": f"C{i}", "title": "記録「x」, \"y\"", "n": i, "none": None} for i in range(count)]
        fragments = [json.dumps(o, ensure_ascii=False).encode("utf-8") for o in objects]
        assert form.join(fragments) == json_text(objects).encode("utf-8")


def test_kept_pieces_with_spans_are_sliced_back_exactly():
    """A long list (kept as lengths in the text) comes back as the very fragments."""
    form = pieces.JsonList()
    cases = {f"cases/AA/C{i:03d}": [f"tree{i}", [], None, []] for i in range(60)}

    def make(case_dir, entry):
        return [((i % 3, case_dir, i), json.dumps({"c": case_dir, "i": i, "t": "長い,\"文字\""}, ensure_ascii=False),
                 i == 0) for i in range(3)]

    first = pieces.Pieces(form, make)
    text, flagged = first.build(cases)
    assert flagged == 60 and json.loads(text)[0]["i"] == 0 and first.form.spans(180)
    again = pieces.Pieces(form, lambda *_: pytest.fail("a kept case was made again"))
    again.offer(index.dump_text((text, flagged)), first.dump())
    assert again.build(cases) == (text, flagged) and again.reused == 60


def test_damaged_kept_pieces_are_not_used(cli, sample, made):
    same_as_fresh(cli, sample, "json")
    # a blob that is not what dump writes, however it came to be signed: ignored whole
    for value, blob in [({"text": b"x"}, b"y"), ({"text": pieces.pack_text("[]\n"), "flagged": 0},
                                                  pieces.pack_text(b"\x93\x01\x02\x03")), (None, b"")]:
        bad = pieces.Pieces(pieces.JsonList(), lambda *_: [])
        bad.offer(value, blob)
        assert bad.build({"cases/AA/X": ["t", [], None, []]}) == (b"[]\n", 0) and bad.reused == 0


def test_a_forged_answer_file_is_never_decoded(cli, sample, made, monkeypatch):
    truth = same_as_fresh(cli, sample, "json")
    for path in (sample / ".yobo").glob(f"{index.ANSWER_PREFIX}*.msgpack"):
        raw = bytearray(path.read_bytes())
        raw[-10] ^= 0xFF  # one byte of the compressed text changed: the checksum no longer holds
        path.write_bytes(bytes(raw))
    decoded = []
    real = pieces._kept_state
    monkeypatch.setattr(pieces, "_kept_state", lambda *a: decoded.append(a) or real(*a))
    monkeypatch.setattr(index, "load_text", lambda value: decoded.append(value) or pytest.fail("decoded"))
    made.clear()
    assert ask(cli, sample, "json") == truth
    assert not decoded and made[-1].reused == 0


def test_the_kept_answer_is_lean(cli, sample):
    """The text is kept once (compressed), the pieces as lengths into it."""
    ask(cli, sample, "json")
    ask(cli, sample, "csv")
    text = fresh(cli, sample, "csv")
    kept = list((sample / ".yobo").glob(f"{index.ANSWER_PREFIX}*.msgpack"))
    assert kept and all(path.stat().st_size < len(text.encode("utf-8")) + 4096 for path in kept)


case_names = st.sampled_from([f"cases/{c}{c}/{c}{c}{n}" for c in "ABCD" for n in range(8)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.dictionaries(case_names, st.integers(0, 3)), changes=st.lists(
    st.dictionaries(case_names, st.one_of(st.none(), st.integers(0, 3))), min_size=1, max_size=4),
    form=st.sampled_from(["json", "csv"]))
def test_a_patched_answer_equals_a_whole_build(first, changes, form):
    """Cases changed, added and removed, one step after another: each patched text (and
    its flag count) is the text built whole from nothing."""
    def make(case_dir, entry):
        version = entry[1][0]
        count = (version * 7 + len(case_dir)) % 5 + (version % 2) * 40  # some cases many pieces, some none
        return [((i % 3, f"{version}-{i // 3}", case_dir.rsplit("/", 1)[-1]),
                 json.dumps({"case": case_dir, "v": version, "i": i, "t": "記録, \"引用\""}, ensure_ascii=False),
                 i % 4 == 0) for i in range(count)]

    def entries(versions: dict) -> dict:
        # a tree token for even versions, a digest of the rows (a hand edit) for odd ones
        return {d: [f"tree-{d}-{v}" if v % 2 == 0 else None, [v], None, []] for d, v in versions.items()}

    shape = pieces.JsonList() if form == "json" else pieces.Form("csv", "\ufeffhead\r\n")
    kept = pieces.Pieces(shape, make)
    value = index.dump_text(kept.build(entries(first)))
    blob = kept.dump()
    versions = dict(first)
    for change in changes:
        for case_dir, version in change.items():
            if version is None:
                versions.pop(case_dir, None)
            else:
                versions[case_dir] = version
        patched = pieces.Pieces(shape, make)
        patched.offer(value, blob)
        got = patched.build(entries(versions))
        assert got == pieces.Pieces(shape, make).build(entries(versions))
        # built twice in one run (after git status): the second from the first
        assert patched.build(entries(versions)) == got
        value, blob = index.dump_text(got), patched.dump()

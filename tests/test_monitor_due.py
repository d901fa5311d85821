"""``yobo monitor due`` and ``yobo report monthly`` on the sample casebook, and the
derived index: never a stale answer, whatever changed the files."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import pytest

from conftest import git
from yobo.duelist import due_from_casebook
from yobo.loader import load_casebook
from yobo.profiles import load_profile

TODAY = "2026-11-22"


@pytest.fixture
def sample(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


def due_json(cli, root, *args, today=TODAY):
    run = cli("monitor", "due", "-C", str(root), "--today", today, "--json", *args)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def reference(root, today=TODAY):
    """Every deadline computed straight from the files, no index."""
    from datetime import date

    book = load_casebook(root)
    profile = load_profile(book.config.profile, book.config.overrides)
    return sorted((d.case, d.code, d.due.isoformat()) for d in due_from_casebook(book, profile, today=date.fromisoformat(today)))


def listed(cli, root, today=TODAY):
    return sorted((d["case"] or "", d["code"], d["due"]) for d in due_json(cli, root, "--within", "100000", today=today))


def test_due_list_of_the_sample(cli, sample):
    items = due_json(cli, sample)
    assert items and set(items[0]) >= {"case", "code", "title", "due", "status", "staff", "source"}
    a7 = {(d["code"], d["due"]) for d in items if d["case"] == "A7PE3K"}
    # plan and certification both end 2026-11-30: evaluation, evaluation-month visit, renewal
    assert {("evaluation", "2026-11-30"), ("visit-evaluation-month", "2026-11-30"),
            ("certification-renewal", "2026-11-30"), ("certification-end", "2026-11-30")} <= a7
    assert all(d["status"] in ("overdue", "due", "upcoming", "excused") for d in items)
    assert {d["staff"] for d in items} >= {"田中美咲", "高橋健一"}


def test_filters_and_fail_on(cli, sample):
    mine = due_json(cli, sample, "--staff", "高橋健一")
    assert mine and {d["staff"] for d in mine} == {"高橋健一"}
    one = due_json(cli, sample, "--case", "A7P")
    assert {d["case"] for d in one} == {"A7PE3K"}
    # a month later, November's records are missing: overdue, and --fail-on makes it exit 1
    later = due_json(cli, sample, "--status", "overdue", today="2026-12-05")
    assert later and {d["status"] for d in later} == {"overdue"}
    run = cli("monitor", "due", "-C", str(sample), "--today", "2026-12-05", "--fail-on", "overdue")
    assert run.code == 1 and "期限切れ" in run.stdout
    assert cli("monitor", "due", "-C", str(sample), "--today", "2026-11-01", "--fail-on", "overdue",
               "--case", "H6J").code == 0


def test_csv_opens_in_excel_and_ics_imports(cli, sample, tmp_path):
    run = cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--csv")
    assert run.code == 0 and run.stdout.startswith("\ufeff状態,状態コード,期限,")
    rows = list(csv.reader(io.StringIO(run.stdout.lstrip("\ufeff"))))
    assert len(rows) == len(due_json(cli, sample)) + 1
    out = tmp_path / "due.ics"
    assert cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--ics", "-o", str(out)).code == 0
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.rstrip().endswith("END:VCALENDAR")
    assert text.count("BEGIN:VEVENT") == len(due_json(cli, sample))
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    assert "【" not in text and "小林" not in text  # no status, no user's name by default
    assert "DTSTART;VALUE=DATE:20261130" in text


def test_table_groups_by_staff(cli, sample):
    run = cli("monitor", "due", "-C", str(sample), "--today", "2026-12-05")
    assert run.code == 0
    assert "田中美咲" in run.stdout and "期限切れ" in run.stdout and "時点: 期限切れ" in run.stdout


def test_monthly_report_markdown_and_html(cli, sample, tmp_path):
    md = cli("report", "monthly", "--month", "2026-11", "-C", str(sample), "--today", TODAY)
    assert md.code == 0 and md.stdout.startswith("# 期限一覧 2026年11月")
    assert "| 要対応 | 2026-11-30 | A7PE3K | 吉田 茂 |" in md.stdout
    out = tmp_path / "r.html"
    html = cli("report", "monthly", "--month", "2026-11", "--format", "html", "-o", str(out), "-C", str(sample),
               "--today", TODAY)
    assert html.code == 0 and "<h1>期限一覧 2026年11月</h1>" in out.read_text(encoding="utf-8")
    bad = cli("report", "monthly", "--month", "2026-13", "-C", str(sample))
    assert bad.code == 2 and "--month" in bad.stderr


def test_the_index_matches_the_files_after_every_kind_of_change(cli, sample, tmp_path):
    assert listed(cli, sample) == reference(sample)  # cold: builds the index
    assert (sample / ".yobo" / "due-index.msgpack").exists()
    assert listed(cli, sample) == reference(sample)  # warm
    # a yobo step (commit)
    assert cli("monitor", "record", "A7PE3K", "--method", "visit", "-C", str(sample), "--today", TODAY,
               "--as", "高橋健一").code == 0
    assert ("A7PE3K", "visit-evaluation-month", "2026-11-30") not in listed(cli, sample)
    assert listed(cli, sample) == reference(sample)
    # a hand edit, not committed: certification end moved
    cert = sample / "cases/3Q/3QK7WA/certifications/2026-11-01.yaml"
    cert.write_text(cert.read_text(encoding="utf-8").replace("to: 2027-04-30", "to: 2027-04-29"), encoding="utf-8")
    assert ("3QK7WA", "certification-end", "2027-04-29") in listed(cli, sample)
    assert listed(cli, sample) == reference(sample)
    # the edit is undone by git checkout
    git(sample, "checkout", "--", str(cert))
    assert ("3QK7WA", "certification-end", "2027-04-30") in listed(cli, sample)
    # an untracked file that git ignores still counts
    (sample / ".gitignore").write_text(".yobo/\nmonitoring/2026-11.yaml\n", encoding="utf-8")
    month = sample / "cases/5M/5MZ2RT/monitoring/2026-11.yaml"
    shutil.copy(sample / "cases/5M/5MZ2RT/monitoring/2026-10.yaml", month)
    month.write_text(month.read_text(encoding="utf-8").replace("2026-10", "2026-11"), encoding="utf-8")
    assert ("5MZ2RT", "monitoring-record", "2026-11-30") not in listed(cli, sample)
    assert listed(cli, sample) == reference(sample)
    month.unlink()
    git(sample, "checkout", "--", ".gitignore")
    # a git pull bringing another office's commit
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(sample), str(other)], check=True)
    assert cli("monitor", "record", "8HD4NX", "--method", "visit", "--date", "2026-11-20", "-C", str(other),
               "--today", TODAY, "--as", "高橋健一").code == 0
    before = listed(cli, sample)
    git(sample, "pull", "-q", "--no-rebase", str(other), "HEAD")
    after = listed(cli, sample)
    assert after != before and after == reference(sample)
    # deleting the index is always safe
    shutil.rmtree(sample / ".yobo")
    assert listed(cli, sample) == reference(sample)


def test_in_place_read_of_the_bundled_sample_works(cli):
    from yobo.resources import data_dir

    sample = data_dir("sample-casebook")
    run = cli("monitor", "due", "-C", str(sample), "--today", TODAY, "--json")
    assert run.code == 0 and json.loads(run.stdout)
    assert not (sample / ".yobo").exists()  # nothing written into the project that holds it


def test_early_work_from_the_last_index_is_used_only_when_no_case_changed(cli, sample):
    """The list is worked out from the last index while git status runs; it stands only
    if every case turned out as the index had it."""
    from yobo import index
    from yobo.loader import load_config

    config = load_config(sample)
    profile = load_profile(config.profile, config.overrides)
    assert ("C2VW9F", "monitoring-record", "2026-11-30") in listed(cli, sample)  # builds the index
    cases, early = index._refresh(sample, config, profile, lambda old: ("early", len(old)))
    assert early == ("early", len(cases))

    # a new monitoring record by hand: the case's deadlines change, the early work is dropped
    record = sample / "cases" / "C2" / "C2VW9F" / "monitoring" / "2026-11.yaml"
    record.write_text("month: 2026-11\nrecords:\n  - date: 2026-11-20\n    method: visit\n    plan: P1\n"
                      "    summary: 訪問。変わりなし。\n    staff: 田中美咲\n", encoding="utf-8")
    cases, early = index._refresh(sample, config, profile, lambda old: "stale")
    assert early is index._NOTHING
    after = listed(cli, sample)
    assert ("C2VW9F", "monitoring-record", "2026-11-30") not in after
    assert ("C2VW9F", "monitoring-record", "2026-12-31") in after  # the case is read, not dropped
    assert after == reference(sample)

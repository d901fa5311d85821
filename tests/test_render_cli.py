"""``yobo render``: formats, ``--all``, file names, refusals, PDF without a browser, and
the 和暦 the forms print (japanera's era boundaries)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from yobo import wareki
from yobo.resources import data_dir

SAMPLE = str(data_dir("sample-casebook"))
NAMES = ["小林", "松本", "山本", "木村", "吉田", "加藤", "井上"]  # the sample users' family names


@pytest.mark.parametrize("day,text", [
    (date(2019, 4, 30), "平成31年4月30日"),
    (date(2019, 5, 1), "令和元年5月1日"),
    (date(1989, 1, 7), "昭和64年1月7日"),
    (date(1989, 1, 8), "平成元年1月8日"),
    (date(2026, 11, 25), "令和8年11月25日"),
])
def test_wareki_at_era_boundaries(day, text):
    assert wareki.format_date(day) == text


def test_birth_dates_circle_their_era():
    assert wareki.birth_choice(date(1926, 12, 24)) == ([("明", False), ("大", True), ("昭", False)], "15年12月24日")
    assert wareki.birth_choice(date(1926, 12, 25)) == ([("明", False), ("大", False), ("昭", True)], "元年12月25日")
    assert wareki.age_on(date(1938, 8, 2), date(2026, 8, 1)) == 87
    assert wareki.age_on(date(1938, 8, 2), date(2026, 8, 2)) == 88


def test_markdown_goes_to_stdout_by_default(cli):
    run = cli("render", "5MZ2RT", "checklist", "-C", SAMPLE)
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("# 基本チェックリスト") and "令和8年3月21日" in run.stdout


def test_format_follows_the_output_suffix(cli, tmp_path):
    out = tmp_path / "plan.html"
    run = cli("render", "5MZ2RT", "plan", "--plan", "P1", "-C", SAMPLE, "-o", str(out))
    assert run.code == 0, run.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "@page { size: A4 landscape;" in text
    assert not list(tmp_path.glob(".*yobo-tmp"))  # written whole, no temporary file left


def test_all_writes_every_document_with_opaque_file_names(cli, tmp_path):
    out = tmp_path / "out"
    run = cli("render", "5MZ2RT", "--all", "-C", SAMPLE, "-o", str(out), "-f", "md", "--json")
    assert run.code == 0, run.stderr
    import json

    files = [Path(f).name for f in json.loads(run.stdout)["files"]]
    assert sorted(files) == sorted(p.name for p in out.iterdir())
    assert {"5MZ2RT-plan-P1.md", "5MZ2RT-plan-P2.md", "5MZ2RT-evaluation-P1.md", "5MZ2RT-weekly-P2.md",
            "5MZ2RT-notes.md", "5MZ2RT-request.md", "5MZ2RT-checklist-2026-03-21.md"} <= set(files)
    for name in files:
        assert name.startswith("5MZ2RT-") and not any(n in name for n in NAMES)


@pytest.mark.parametrize("args,needles", [
    (["5MZ2RT", "careplan"], ["FORM", "様式"]),
    (["5MZ2RT"], ["FORM", "--all"]),
    (["5MZ2RT", "plan", "--all", "-o", "x"], ["FORM"]),
    (["5MZ2RT", "--all"], ["--output"]),
    (["5MZ2RT", "plan", "-f", "docx"], ["--format", "docx"]),
    (["5MZ2RT", "plan", "-f", "pdf"], ["--output", "PDF"]),
    (["5MZ2RT", "plan", "--plan", "P9"], ["--plan", "P9", "P1、P2"]),
    (["5MZ2RT", "plan", "--paper", "b4"], ["--paper"]),
    (["5MZ2RT", "checklist", "--date", "2026-02-30"], ["--date", "存在しない日付"]),
    (["5MZ2RT", "checklist", "--date", "2026-01-01"], ["--date", "2025-04-10"]),
    (["ZZZZZZ", "plan"], ["ZZZZZZ"]),
])
def test_bad_requests_are_one_line_and_write_nothing(cli, tmp_path, args, needles):
    before = sorted(tmp_path.rglob("*"))
    run = cli("render", *args, "-C", SAMPLE)
    assert_one_line_error(run, *needles)
    assert sorted(tmp_path.rglob("*")) == before


def test_output_into_a_missing_folder_is_refused(cli, tmp_path):
    run = cli("render", "5MZ2RT", "plan", "-C", SAMPLE, "-o", str(tmp_path / "no" / "plan.md"))
    assert_one_line_error(run, "--output", "ありません")


def test_pdf_without_chromium_says_how_to_install_it(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on this PATH
    out = tmp_path / "plan.pdf"
    run = cli("render", "5MZ2RT", "plan", "-C", SAMPLE, "-o", str(out))
    assert_one_line_error(run, "Chromium", "apt install chromium", "--format html")
    assert not out.exists()


def test_pdf_with_a_named_browser_that_is_not_there(cli, tmp_path):
    run = cli("render", "5MZ2RT", "plan", "-C", SAMPLE, "-o", str(tmp_path / "p.pdf"), "--browser", "no-such-chromium")
    assert_one_line_error(run, "--browser", "no-such-chromium")


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium is not installed")
def test_pdf_all_in_one_go(cli, tmp_path):
    run = cli("render", "K9RB5D", "--all", "-C", SAMPLE, "-o", str(tmp_path), "-f", "pdf")
    assert run.code == 0, run.stderr
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) >= 5 and all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)


@pytest.mark.parametrize("args,flag", [
    (["5MZ2RT", "evaluation", "--paper", "a3"], "--paper"),
    (["5MZ2RT", "plan", "--item", "車いす"], "--item"),
    (["5MZ2RT", "notes", "--date", "2026-01-01"], "--date"),
    (["5MZ2RT", "checklist", "--change"], "--change"),
])
def test_an_option_the_form_does_not_read_is_refused(cli, args, flag):
    assert_one_line_error(cli("render", *args, "-C", SAMPLE), flag, "使いません")


def test_all_leaves_no_half_filled_folder_when_printing_fails(cli, tmp_path):
    out = tmp_path / "out"
    run = cli("render", "5MZ2RT", "--all", "-C", SAMPLE, "-o", str(out), "-f", "pdf", "--browser", "false")
    assert_one_line_error(run, "Chromium で PDF を作れませんでした")
    assert list(out.iterdir()) == []

"""Many forms at once (issue 15, item 7): ``render --cases`` / ``--staff`` and ``--all``,
with every PDF of a run printed by one browser process."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import assert_one_line_error

from yobo.resources import data_dir

SAMPLE = str(data_dir("sample-casebook"))
CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome") or shutil.which("chromium-browser")


def test_one_form_of_several_cases(cli, tmp_path):
    run = cli("render", "--cases", "5MZ2RT,c2vw9f,3QK7", "plan", "-C", SAMPLE, "-o", str(tmp_path), "--json")
    assert run.code == 0, run.stderr
    done = json.loads(run.stdout)
    assert done["cases"] == ["5MZ2RT", "C2VW9F", "3QK7WA"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3QK7WA-plan.md", "5MZ2RT-plan.md", "C2VW9F-plan.md"]
    alone = cli("render", "C2VW9F", "plan", "-C", SAMPLE).stdout
    assert (tmp_path / "C2VW9F-plan.md").read_text(encoding="utf-8") == alone


def test_the_active_cases_of_a_staff_member(cli, tmp_path):
    run = cli("render", "--staff", "田中美咲", "--form", "plan", "-C", SAMPLE, "-o", str(tmp_path), "-f", "html")
    assert run.code == 0, run.stderr
    managed = [r["id"] for r in json.loads(cli("case", "list", "-C", SAMPLE, "--json").stdout)
               if r["manager"] == "田中美咲"]
    with_plan = [i for i in managed if i != "H6JT8B"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{i}-plan.html" for i in with_plan)


@pytest.mark.parametrize("args,needles", [
    (["--cases", "5MZ2RT", "plan"], ["--output", "フォルダ"]),
    (["--cases", "5MZ2RT", "--staff", "田中美咲", "plan", "-o", "x"], ["--cases", "同時"]),
    (["--cases", "NOPE99", "plan", "-o", "x"], ["NOPE99"]),
    (["--staff", "だれか", "plan", "-o", "x"], ["--staff", "だれか"]),
    (["plan"], []),
])
def test_bad_batch_requests(cli, tmp_path, args, needles):
    run = cli("render", *args, "-C", SAMPLE)
    assert_one_line_error(run, *needles)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_every_pdf_of_a_run_comes_from_one_browser_process(cli, tmp_path):
    """A wrapper counts how often the browser is started: once for the whole run."""
    starts = tmp_path / "starts"
    wrapper = tmp_path / "browser"
    wrapper.write_text(f'#!/bin/sh\necho start >> "{starts}"\nexec "{CHROMIUM}" "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    out = tmp_path / "out"
    run = cli("render", "--cases", "5MZ2RT,C2VW9F,A7PE3K", "--all", "-C", SAMPLE, "-o", str(out), "-f", "pdf",
              "--browser", str(wrapper))
    assert run.code == 0, run.stderr
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) >= 10 and all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
    assert starts.read_text().count("start") == 1
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # staging gone


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_a_batch_pdf_is_the_pdf_printed_alone(cli, tmp_path):
    """Same paper and pages as ``yobo render CASE plan -o x.pdf`` (the browser's own --print-to-pdf)."""
    import re

    alone = tmp_path / "alone.pdf"
    assert cli("render", "5MZ2RT", "plan", "-C", SAMPLE, "-o", str(alone)).code == 0
    batch = tmp_path / "batch"
    assert cli("render", "--cases", "5MZ2RT,C2VW9F", "plan", "-C", SAMPLE, "-o", str(batch), "-f", "pdf").code == 0

    def pages(pdf: bytes):
        return re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)

    assert pages((batch / "5MZ2RT-plan.pdf").read_bytes()) == pages(alone.read_bytes())


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for the browser")
def test_a_browser_that_dies_fails_the_run_and_writes_nothing(cli, tmp_path):
    out = tmp_path / "out"
    run = cli("render", "--cases", "5MZ2RT,C2VW9F", "plan", "-C", SAMPLE, "-o", str(out), "-f", "pdf",
              "--browser", "false")
    assert_one_line_error(run, "Chromium で PDF を作れませんでした")
    assert list(out.iterdir()) == []

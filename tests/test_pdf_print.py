"""Printed PDFs read back with pypdf (issue 15, item 7): embedded CID fonts, never Type 3,
when a TrueType-outline Japanese font is installed; many forms from one browser start;
every page's text extractable (the user's 被保険者番号 (insured number) or the form's
title is there to search for).

Chromium comes from Debian's ``chromium`` and IPAex from ``fonts-ipaexfont``; ``.ci/run``
installs both.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import assert_one_line_error

from yobo import forms as kforms
from yobo.pdf import BROWSER_NAMES, Printer
from yobo.resources import data_dir

SAMPLE = str(data_dir("sample-casebook"))
BROWSER = next((shutil.which(n) for n in BROWSER_NAMES if shutil.which(n)), None)
needs_browser = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed")


def _installed(family: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", family, "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


#: The first TrueType-outline font of the stack (templates/fonts.css.j2) on this machine.
TRUETYPE = _installed("IPAexMincho")
if os.environ.get("YOBO_REQUIRE_BROWSER") and not TRUETYPE:
    raise RuntimeError("YOBO_REQUIRE_BROWSER is set but IPAex fonts are missing (apt install fonts-ipaexfont)")


def fonts_of(pdf: Path) -> list[tuple[str, str]]:
    """(font name, kind) of every font used on every page: kind is the Type 0 font's
    descendant (/CIDFontType2, /CIDFontType0) or the font's own subtype (/Type3, …)."""
    found = []
    for page in PdfReader(pdf).pages:
        for font in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            font = font.get_object()
            kind = font["/Subtype"]
            if kind == "/Type0":
                kind = font["/DescendantFonts"][0].get_object()["/Subtype"]
            found.append((str(font.get("/BaseFont", "")), str(kind)))
    return found


@pytest.fixture
def book(tmp_path) -> str:
    """A copy of the sample casebook: printing stages pages in the casebook's .yobo/tmp/,
    and the bundled sample must stay untouched for the tests that read it in place."""
    # without its .yobo/: another test (another worker) may be printing in the sample right now
    return str(shutil.copytree(SAMPLE, tmp_path / "book", ignore=shutil.ignore_patterns(".yobo")))


def text_of(pdf: Path) -> str:
    """The PDF's text as a search would see it: NFKC-folded (Chromium's ToUnicode names
    some kanji by their Kangxi radical twins, ⽀ U+2F40 for 支) and without the spaces
    pypdf puts between spaced-out letters."""
    import unicodedata

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def test_the_font_stack_puts_truetype_outline_fonts_first():
    """IPAex, Yu, MS and Meiryo (TrueType outlines: CID fonts in the PDF) come before Noto
    CJK and Hiragino (CFF outlines: Type 3) in every form's page, and a synthesized bold
    (drawn as Type 3 as well) is switched off."""
    from yobo.render import environment

    css = environment(True).get_template("fonts.css.j2").render()
    windows = {"--font-mincho": {"Yu Mincho", "MS Mincho"}, "--font-gothic": {"Yu Gothic", "Meiryo", "MS Gothic"}}
    for stack, truetype_on_windows in windows.items():
        families = [f.strip().strip('"') for f in css.split(stack + ":", 1)[1].split(";", 1)[0].split(",")]
        first_cff = min(families.index(f) for f in families if f.startswith(("Noto", "Hiragino")))
        assert families[0].startswith("IPAex"), stack
        assert truetype_on_windows <= set(families[:first_cff]), stack
    assert "font-synthesis-weight: none" in css
    page = kforms.render(_source("5MZ2RT"), kforms.get_form("plan"), "html")
    assert "--font-mincho:" in page and "font-family: var(--font-mincho)" in page


def _source(case_id: str):
    from yobo.casebook import case_dir
    from yobo.loader import load_case, load_config

    root = Path(SAMPLE)
    case, problems, _ = load_case(root, case_id, case_dir(case_id))
    assert not problems
    return kforms.Source(root, load_config(root), case, {})


@needs_browser
@pytest.mark.skipif(not TRUETYPE, reason="no TrueType-outline Japanese font (fonts-ipaexfont) installed")
def test_no_form_prints_a_type3_font(cli, tmp_path, book):
    """Every form of a case with the most forms: only CID fonts (Type 0 / CIDFontType2),
    subsetted (``ABCDEF+`` name), the Japanese text in IPAex."""
    run = cli("render", "5MZ2RT", "--all", "-C", book, "-o", str(tmp_path), "-f", "pdf")
    assert run.code == 0, run.stderr
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) >= 8
    for pdf in pdfs:
        fonts = fonts_of(pdf)
        assert fonts, pdf.name
        assert [f for f in fonts if f[1] == "/Type3"] == [], pdf.name
        assert all(kind == "/CIDFontType2" and name.lstrip("/")[6:7] == "+" for name, kind in fonts), (pdf.name, fonts)
        assert any("IPAex" in name for name, _ in fonts), pdf.name


@needs_browser
def test_every_printed_page_has_searchable_text(cli, tmp_path, book):
    """The user's 被保険者番号 (or, on forms without it, the title) is in the extracted text of
    every PDF, printed alone and in a batch."""
    alone = tmp_path / "alone.pdf"
    assert cli("render", "5MZ2RT", "plan", "-C", book, "-o", str(alone)).code == 0
    assert "介護予防サービス・支援計画書" in text_of(alone) and "小林正男" in text_of(alone)
    out = tmp_path / "batch"
    assert cli("render", "--cases", "5MZ2RT,C2VW9F", "--all", "-C", book, "-o", str(out), "-f", "pdf").code == 0
    insured = {"5MZ2RT": "9900000102", "C2VW9F": _insured_no("C2VW9F")}
    found = 0
    for pdf in sorted(out.glob("*.pdf")):
        text = text_of(pdf)
        title = PdfReader(pdf).metadata.title
        assert title and (insured[pdf.name[:6]] in text or title.replace(" ", "") in text), pdf.name
        found += insured[pdf.name[:6]] in text
    assert found >= 2  # the insured number is searchable where the form prints it


def _insured_no(case_id: str) -> str:
    return _source(case_id).case.person.insured_no


@needs_browser
def test_one_printer_prints_many_forms_with_one_browser_start(tmp_path):
    """The Printer starts the browser once (counted through its ``popen``) and prints every
    form in the same tab; a landscape and a portrait form keep their own paper."""
    starts = []

    def popen(*args, **kwargs):
        starts.append(args[0][0])
        return subprocess.Popen(*args, **kwargs)

    plan = kforms.render(_source("5MZ2RT"), kforms.get_form("plan"), "html")
    checklist = kforms.render(_source("5MZ2RT"), kforms.get_form("checklist"), "html")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with Printer(BROWSER, scratch=scratch, popen=popen) as printer:
        for n in range(6):
            printer.print(plan if n % 2 else checklist, tmp_path / f"{n}.pdf")
        assert printer.printed == 6
        # the person's page is handed over in memory: no copy of it in the scratch folder
        assert not [p for p in scratch.rglob("*.htm*")]
    assert starts == [BROWSER]
    sizes = [tuple(round(float(v)) for v in PdfReader(tmp_path / f"{n}.pdf").pages[0].mediabox[2:]) for n in range(6)]
    assert sizes == [(595, 842), (842, 595)] * 3
    assert list(scratch.iterdir()) == []  # the profile is gone with the browser


@needs_browser
@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for the browser")
def test_a_staff_members_plans_come_from_one_browser_start(cli, tmp_path, book):
    """``render --staff NAME --form plan -f pdf``: one start for every plan of the staff member."""
    starts = tmp_path / "starts"
    wrapper = tmp_path / "browser"
    wrapper.write_text(f'#!/bin/sh\necho start >> "{starts}"\nexec "{BROWSER}" "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    out = tmp_path / "out"
    run = cli("render", "--staff", "田中美咲", "--form", "plan", "-C", book, "-o", str(out), "-f", "pdf",
              "--browser", str(wrapper))
    assert run.code == 0, run.stderr
    assert len(list(out.glob("*-plan.pdf"))) >= 2
    assert starts.read_text().count("start") == 1


def test_a_missing_browser_for_many_forms_is_one_line(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    run = cli("render", "--cases", "5MZ2RT,C2VW9F", "plan", "-C", SAMPLE, "-o", str(tmp_path / "out"), "-f", "pdf")
    assert_one_line_error(run, "Chromium", "--format html")
    assert not (tmp_path / "out").exists()

"""Forms in a real browser: the sample casebook's plan and evaluation printed to PDF by
headless Chromium (as ``yobo render … -o x.pdf`` does for a care manager), with the page
count and paper checked, and every form laid out at its paper's printable width with no
text running out of its box or off the page.

Chromium comes from Debian's ``chromium`` package; ``.ci/run`` installs it and sets
``YOBO_REQUIRE_BROWSER=1`` so that in CI a missing browser fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from yobo import forms as kforms
from yobo.casebook import case_dir
from yobo.loader import load_case, load_config
from yobo.pdf import BROWSER_FLAGS, BROWSER_NAMES
from yobo.resources import data_dir

SAMPLE = data_dir("sample-casebook")
BROWSER = next((shutil.which(n) for n in BROWSER_NAMES if shutil.which(n)), None)
if os.environ.get("YOBO_REQUIRE_BROWSER") and (BROWSER is None or not shutil.which("pdftotext")):
    raise RuntimeError("YOBO_REQUIRE_BROWSER is set but Chromium or pdftotext is missing "
                       "(apt install chromium fonts-ipaexfont fonts-noto-cjk poppler-utils)")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed")

#: Paper in PDF points (1/72 inch) for each CSS page size.
PAPER_POINTS = {"A4": (595, 842), "A4 landscape": (842, 595), "A3 landscape": (1191, 842)}
#: Printable width in millimetres: the paper less the 10 mm side margins of base.html.j2.
PRINTABLE_MM = {"A4": 190, "A4 landscape": 277, "A3 landscape": 400}

#: (case, form, options, expected pages): the documents a care manager prints most, with
#: the page counts looked at and agreed (a change here is a layout change to look at).
PRINTED = [
    ("C2VW9F", "plan", {"plan": "P1"}, 1),
    ("3QK7WA", "plan", {}, 1),
    # P2 carries a 軽微な変更: its record table and the 包括・同意 boxes go to page 2
    ("5MZ2RT", "plan", {"plan": "P2"}, 2),
    ("5MZ2RT", "plan", {"plan": "P2", "paper": "a3"}, 2),
    ("5MZ2RT", "evaluation", {"plan": "P1"}, 1),
    ("K9RB5D", "evaluation", {}, 1),
    ("5MZ2RT", "checklist", {}, 1),
    ("C2VW9F", "weekly", {}, 1),
    ("3QK7WA", "basic-info", {}, 2),
]


def pdf_pages(pdf: bytes) -> list[tuple[int, int]]:
    """The MediaBox (width, height) of every page of a PDF written by Chromium (Skia
    writes page objects uncompressed)."""
    text = pdf.decode("latin-1")
    pages = re.findall(r"/Type\s*/Page\b(?!s)", text)
    boxes = [tuple(round(float(v)) for v in m.groups()[2:]) for m in
             re.finditer(r"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", text)]
    assert len(boxes) >= len(pages) > 0, (len(pages), len(boxes))
    return boxes[-len(pages):] if len(boxes) > len(pages) else boxes


@pytest.mark.parametrize("case_id,form,options,pages", PRINTED, ids=[f"{c}-{f}-{'-'.join(o.values())}" for c, f, o, _ in PRINTED])
def test_printed_pdf_has_the_expected_pages_and_paper(yobo_bin, tmp_path, case_id, form, options, pages):
    out = tmp_path / f"{form}.pdf"
    args = ["render", case_id, form, "-C", str(SAMPLE), "-o", str(out)]
    for key, value in options.items():
        args += [f"--{key}", value]
    run = yobo_bin(*args, env={"YOBO_CHROMIUM": BROWSER})
    assert run.code == 0, run.stderr
    boxes = pdf_pages(out.read_bytes())
    page = kforms.get_form(form).page
    if options.get("paper") == "a3":
        page = "A3 landscape"
    assert len(boxes) == pages, f"{form}: {len(boxes)} ページ（期待 {pages}）"
    assert set(boxes) == {PAPER_POINTS[page]}, boxes
    if PDFTOTEXT:
        assert words_outside_the_margins(out) == []


#: poppler's pdftotext gives every printed word's box: the check that no text ran off
#: the printed page (``.ci/run`` installs poppler-utils beside Chromium).
PDFTOTEXT = shutil.which("pdftotext")
MM = 72 / 25.4


def words_outside_the_margins(pdf: Path) -> list[str]:
    """Words of the PDF whose box leaves the printable width (the 10 mm side margins of
    base.html.j2, 2 pt of slack) or the page.  Vertically only the page is checked: a
    word's box includes its font's ascent, which reaches above the 10 mm top margin."""
    text = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    outside = []
    for number, page in enumerate(re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', text, re.S), 1):
        width, height = float(page.group(1)), float(page.group(2))
        words = re.finditer(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>',
                            page.group(3))
        assert page.group(3).count("<word") > 0, f"page {number} has no text"
        for word in words:
            x0, y0, x1, y1 = (float(v) for v in word.groups()[:4])
            if x0 < 10 * MM - 2 or x1 > width - 10 * MM + 2 or y0 < 0 or y1 > height:
                outside.append(f"p{number} {word.group(5)} ({x0:.0f},{y0:.0f})-({x1:.0f},{y1:.0f})")
    return outside


OVERFLOW_PROBE = """
<style>@media screen { body { width: %(width)smm !important; max-width: none !important; margin: 0 !important; } }</style>
<script>
window.addEventListener("load", () => {
  const limit = document.body.getBoundingClientRect().right + 0.5;
  const bad = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || style.display === "inline") continue;
    if (box.right > limit) bad.push("off-page:" + el.tagName + ":" + el.textContent.trim().slice(0, 30));
    else if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      bad.push("overflow:" + el.tagName + ":" + el.textContent.trim().slice(0, 30));
  }
  document.body.setAttribute("data-overflow", bad.length ? bad.join(" | ") : "none");
});
</script>
"""


def overflow_report(html: str, width_mm: int) -> str:
    """Lay the page out in Chromium at ``width_mm`` and list elements that overflow."""
    probe = OVERFLOW_PROBE % {"width": width_mm}
    page = html.replace("</body>", probe + "</body>")
    with tempfile.TemporaryDirectory(prefix="yobo-dom-") as work:
        path = Path(work) / "page.html"
        path.write_text(page, encoding="utf-8")
        proc = subprocess.run([BROWSER, *BROWSER_FLAGS, f"--user-data-dir={work}/profile", "--window-size=2400,1200",
                               "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
                              capture_output=True, text=True, timeout=120)
    found = re.search(r'data-overflow="([^"]*)"', proc.stdout)
    assert found, proc.stderr[-2000:]
    return found.group(1)


def _every_rendering():
    config = load_config(SAMPLE)
    out = []
    for case_id in ("5MZ2RT", "C2VW9F", "3QK7WA", "K9RB5D"):
        case, problems, _ = load_case(SAMPLE, case_id, case_dir(case_id))
        assert case is not None and not problems
        for form in kforms.forms().values():
            for instance in form.instances(case)[-1:]:
                out.append((f"{case_id}-{form.code}", kforms.Source(SAMPLE, config, case, dict(instance)), form))
    return out


@pytest.mark.parametrize("name,source,form", _every_rendering(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_text_overflows_the_printable_width(name, source, form):
    html = kforms.render(source, form, "html")
    page = html.split("@page { size: ", 1)[1].split(";", 1)[0]
    assert overflow_report(html, PRINTABLE_MM[page]) == "none"


def test_the_overflow_probe_sees_an_overflow():
    """The check above can fail: a cell holding an unbreakable long line is caught."""
    html = ('<!DOCTYPE html><html lang="ja"><head><style>td{border:1px solid} table{table-layout:fixed;width:100%}'
            '</style></head><body><table><tr><td style="width:20mm"><div style="white-space:nowrap">'
            + "あ" * 80 + "</div></td><td>x</td></tr></table></body></html>")
    assert overflow_report(html, 190) != "none"


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_the_pdf_margin_check_sees_text_run_off_the_page(tmp_path):
    """The PDF check above can fail: a line that cannot wrap runs past the right margin."""
    from yobo.pdf import html_to_pdf

    html = ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>@page { size: A4; margin: 10mm; }'
            'body { margin: 0; font-family: "Noto Sans CJK JP", sans-serif; }</style></head><body>'
            '<p style="white-space: nowrap">' + "はみ出す文字" * 40 + "</p></body></html>")
    out = tmp_path / "over.pdf"
    html_to_pdf(html, out, browser=BROWSER, scratch=tmp_path)
    assert words_outside_the_margins(out) != []

"""HTML to PDF through headless Chromium (Debian's ``chromium``), when it is installed.

Chromium prints with the page's own CSS ``@page`` size (A4, A4/A3 landscape), so
the PDF is the page a care manager would print from the browser.  The browser is
started with a fresh profile and without background networking (it would only
fail to reach Google's hosts on an offline machine).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import YoboError

#: Names the browser goes by on Debian, Ubuntu and Google's packages.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

BROWSER_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio",
)


class BrowserMissing(YoboError):
    """No Chromium to print with."""


def find_browser(explicit: str | None = None) -> str:
    """``explicit`` (from ``--browser`` / ``YOBO_CHROMIUM``) or the first Chromium on PATH."""
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise BrowserMissing(f"ブラウザ '{explicit}' が見つかりません", field="--browser")
        return found
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing("PDF には Chromium が必要です。Debian では sudo apt install chromium で入れてください"
                         "（HTML で出力してブラウザから印刷することもできます: --format html）", field="--format")


def html_to_pdf(html: str, out: Path, *, browser: str, scratch: Path, timeout: float = 120.0,
                run=subprocess.run) -> None:
    """Print ``html`` to the PDF file ``out``; ``out`` appears whole or not at all.

    ``scratch`` is a private folder the caller owns and removes (the casebook's
    ``.yobo/tmp/…``): the page holds the person's data, so it never goes to the
    system's /tmp, and neither does the browser's profile (which caches the page).
    ``run`` starts the browser (``subprocess.run``'s signature): the CLI passes one that
    never leaves the browser running when yobo is stopped.
    Chromium's own lock socket stays in the system's temporary folder: a Unix socket
    path must be short, and it holds nothing of the page.
    """
    out = out.resolve()
    work = Path(tempfile.mkdtemp(prefix="pdf-", dir=scratch))
    try:
        page = work / "form.html"
        page.write_text(html, encoding="utf-8")
        printed = work / "form.pdf"
        command = [browser, *BROWSER_FLAGS, f"--user-data-dir={work}/profile", "--no-pdf-header-footer",
                   f"--print-to-pdf={printed}", page.as_uri()]
        try:
            result = run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise YoboError(f"Chromium が {int(timeout)} 秒以内に PDF を作りませんでした", field="--format") from None
        if result.returncode != 0 or not printed.exists() or printed.stat().st_size == 0:
            last = (result.stderr.strip().splitlines() or ["(出力なし)"])[-1]
            raise YoboError(f"Chromium で PDF を作れませんでした（終了コード {result.returncode}: {last}）",
                            field="--format")
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(f".{out.name}.yobo-tmp")
        try:
            shutil.copyfile(printed, staged)
            os.replace(staged, out)
        finally:
            if staged.exists():
                staged.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)

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

#: Names the browser goes by on Debian, Ubuntu and Google's packages, then Edge and
#: Chrome as Windows calls them when they are on PATH.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "msedge", "chrome")

#: Where Windows installs Edge (there on every office PC since Windows 10) and Chrome,
#: under "Program Files", "Program Files (x86)" or the user's own AppData\Local.
WINDOWS_BROWSERS = ("Microsoft/Edge/Application/msedge.exe", "Google/Chrome/Application/chrome.exe")

BROWSER_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio",
)


class BrowserMissing(YoboError):
    """No Chromium to print with."""


def find_browser(explicit: str | None = None, program_dirs: tuple[Path, ...] = ()) -> str:
    """``explicit`` (from ``--browser`` / ``YOBO_CHROMIUM``), else the first Chromium-family
    browser on PATH, else Edge or Chrome where Windows installs them under ``program_dirs``
    (the caller's %ProgramFiles%, %ProgramFiles(x86)% and %LOCALAPPDATA%)."""
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise BrowserMissing(f"ブラウザ '{explicit}' が見つかりません", field="--browser")
        return found
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for rel in WINDOWS_BROWSERS:  # Edge before Chrome: every Windows PC has Edge
        for folder in program_dirs:
            candidate = Path(folder, *rel.split("/"))
            if candidate.is_file():
                return str(candidate)
    raise BrowserMissing("PDF には Chromium・Google Chrome・Microsoft Edge のどれかが必要です。Debian では sudo apt install "
                         "chromium で入れてください。Windows では Edge を探します（--browser で場所を指定できます。"
                         "HTML で出力してブラウザから印刷することもできます: --format html）", field="--format")


def html_to_pdf(html: str, out: Path, *, browser: str, timeout: float = 120.0) -> None:
    """Print ``html`` to the PDF file ``out``; ``out`` appears whole or not at all."""
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="yobo-pdf-") as work:
        page = Path(work) / "form.html"
        page.write_text(html, encoding="utf-8")
        printed = Path(work) / "form.pdf"
        command = [browser, *BROWSER_FLAGS, f"--user-data-dir={Path(work) / 'profile'}", "--no-pdf-header-footer",
                   f"--print-to-pdf={printed}", page.as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise YoboError(f"Chromium が {int(timeout)} 秒以内に PDF を作りませんでした", field="--format") from None
        if result.returncode != 0 or not printed.exists() or printed.stat().st_size == 0:
            last = (result.stderr.strip().splitlines() or ["(出力なし)"])[-1]
            raise YoboError(f"Chromium で PDF を作れませんでした（終了コード {result.returncode}: {last}）",
                            field="--format")
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(f".{out.name}.yobo-tmp")
        shutil.copyfile(printed, staged)
        os.replace(staged, out)

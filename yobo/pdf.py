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


class Printer:
    """One headless browser printing many forms (``render --all``, ``render --cases``):
    started once, then every form is printed in the same tab over the Chrome DevTools
    Protocol (``Page.printToPDF``, the call behind ``--print-to-pdf``), so a form after
    the first costs a layout and a print instead of a browser start (≈ 2–3 s).
    Chromium, Chrome and Edge all speak it.  Use as a context manager; the browser is
    closed on leaving.

    Per form, the page is handed over in memory (``Page.setDocumentContent``) rather than
    written to a file and navigated to: no new document load, about a third less browser
    CPU per form, and the page holding the person's data is never written to disk.  The forms are
    self-contained (inline CSS, system fonts, no images or scripts), so the only thing
    to wait for before printing is ``document.fonts.ready``; the fonts themselves are
    loaded once by the tab's renderer and reused by every later form."""

    def __init__(self, browser: str, *, scratch: Path, timeout: float = 120.0, popen=subprocess.Popen):
        # ``scratch``: a private folder the caller owns (the casebook's .yobo/tmp/…) —
        # the pages and the browser's profile hold the person's data (see html_to_pdf);
        # ``popen`` starts the browser (the CLI passes one it stops on a signal)
        self.browser = browser
        self.timeout = timeout
        self.scratch = scratch
        self.popen = popen
        self._work: tempfile.TemporaryDirectory | None = None
        self._process: subprocess.Popen | None = None
        self._socket = None
        self._session: str | None = None
        self._frame: str | None = None
        self._next_id = 0
        #: how many forms this browser has printed
        self.printed = 0

    def __enter__(self) -> "Printer":
        import time

        self._work = tempfile.TemporaryDirectory(prefix="pdf-", dir=self.scratch)
        work = Path(self._work.name)
        profile = work / "profile"
        self._log = open(work / "browser.log", "wb")
        try:
            # port 0: the browser picks a free port and writes it to DevToolsActivePort
            self._process = self.popen(
                [self.browser, *BROWSER_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                 "--remote-allow-origins=*", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log)
        except OSError as exc:
            self._fail(f"起動できません: {exc.strerror or exc}")
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (active.is_file() and len(active.read_text(encoding="ascii").splitlines()) >= 2):
            if self._process.poll() is not None:
                self._fail()
            if time.monotonic() > deadline:
                self._fail(f"{int(self.timeout)} 秒以内に起動しませんでした")
            time.sleep(0.02)
        port, path = active.read_text(encoding="ascii").splitlines()[:2]
        import websocket

        # skip_utf8_validation: websocket-client checks every text frame's UTF-8 in pure
        # Python, byte by byte — for a form's PDF (a few hundred KB of base64) that cost
        # more than printing it; json.loads decodes the frame strictly anyway
        self._socket = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=self.timeout,
                                                   suppress_origin=True, skip_utf8_validation=True)
        target = self._call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self._call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self._frame = self._call("Page.getFrameTree", session=self._session)["frameTree"]["frame"]["id"]
        return self

    def print(self, html: str, out: Path) -> None:
        """Print ``html`` to the PDF file ``out``; ``out`` appears whole or not at all."""
        import base64

        self._call("Page.setDocumentContent", session=self._session, frameId=self._frame, html=html)
        self._call("Runtime.evaluate", session=self._session, expression="document.fonts.ready.then(() => true)",
                   awaitPromise=True)
        result = self._call("Page.printToPDF", session=self._session, preferCSSPageSize=True, printBackground=True,
                            displayHeaderFooter=False, transferMode="ReturnAsBase64")
        data = base64.b64decode(result["data"])
        if not data.startswith(b"%PDF-"):
            self._fail("PDF ではない出力が返りました")
        out = out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(f".{out.name}.yobo-tmp")
        staged.write_bytes(data)
        os.replace(staged, out)
        self.printed += 1

    def __exit__(self, *exc_info) -> None:
        try:
            if self._socket is not None:
                try:
                    self._call("Browser.close")
                except (YoboError, OSError):
                    pass
                self._socket.close()
        finally:
            if self._process is not None:
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._log.close()
            self._work.cleanup()

    def _call(self, method: str, *, session: str | None = None, **params) -> dict:
        """Send one command and return its result (events that arrive meanwhile are skipped)."""
        import json

        import websocket

        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        try:
            self._socket.send(json.dumps(message))
            while True:
                reply = json.loads(self._socket.recv())
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        self._fail(f"{method}: {reply['error'].get('message', '')}")
                    return reply.get("result", {})
        except (websocket.WebSocketException, OSError) as exc:
            if method == "Browser.close":
                raise OSError(str(exc)) from None
            self._fail(f"{method}: {exc}")

    def _fail(self, detail: str | None = None):
        if detail is None:
            self._log.flush()
            lines = (Path(self._work.name) / "browser.log").read_text(errors="replace").strip().splitlines()
            code = self._process.returncode if self._process is not None else None
            detail = f"終了コード {code}: {lines[-1] if lines else '(出力なし)'}"
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        raise YoboError(f"Chromium で PDF を作れませんでした（{detail}）", field="--format")

"""Every bad input refused with exit 2 (issue 10, item 5): one Japanese line naming the
file, line and field, nothing written, nothing committed, no traceback — through Typer's
runner and through the installed ``yobo`` as a real process.  And personal data stays in
the casebook (item 6): edit buffers and PDF staging in ``.yobo/tmp``, removed on every
signal that can be caught."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import NEW_CASE, STAFF, TODAY, assert_one_line_error, flags, new_case, snapshot, yobo_executable
from yobo.values import DATE_WINDOW_YEARS, NUMBER_LIMIT, WITHIN_DAYS_MAX


@pytest.fixture(params=["runner", "process"])
def run(request, cli, yobo_bin):
    """``yobo`` in-process (Typer's runner) and as the installed program, same arguments."""
    return cli if request.param == "runner" else yobo_bin


@pytest.fixture
def book(casebook, cli) -> tuple[Path, str]:
    return casebook, new_case(cli, casebook)


def refused(run, root: Path, *args: str, needles: tuple[str, ...] = (), env: dict | None = None):
    """Run, and assert: exit 2, one line naming the field, the casebook exactly as it was."""
    before = snapshot(root)
    result = run(*args, env=env) if env else run(*args)
    assert_one_line_error(result, *needles)
    assert snapshot(root) == before
    return result


# -- encodings ------------------------------------------------------------------------------------

CHECKLIST_YAML = "answers: nnnnnnnnnnn-nnnnnnnnnnnnn\nheight_cm: 150\nweight_kg: 50\n# 記入: 山田\n"


@pytest.mark.parametrize("encoding, named", [
    ("cp932", "Shift_JIS（cp932）"),
    ("euc_jp", "EUC-JP"),
    ("utf-16", "UTF-16"),
    ("iso2022_jp", "ISO-2022-JP"),
])
def test_a_file_not_in_utf8_is_refused_naming_the_encoding_found(run, book, tmp_path, encoding, named):
    root, case = book
    path = tmp_path / "in.yaml"
    path.write_bytes(CHECKLIST_YAML.encode(encoding))
    refused(run, root, "checklist", "record", case, "-C", str(root), "--file", str(path),
            needles=("--file", str(path), named, "UTF-8 で保存し直してください"))


def test_a_binary_file_is_not_text(run, book, tmp_path):
    root, case = book
    path = tmp_path / "scan.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    refused(run, root, "checklist", "record", case, "-C", str(root), "--file", str(path),
            needles=("--file", "テキストではありません"))


def test_case_new_file_in_shift_jis_names_the_line(run, casebook, tmp_path):
    path = tmp_path / "new.yaml"
    path.write_bytes("insured_no: '0000123456'\nname: 佐藤 一郎\n".encode("cp932"))
    refused(run, casebook, "case", "new", "-C", str(casebook), "--file", str(path),
            needles=(f"{path}:2", "Shift_JIS"))


def test_a_casebook_file_in_shift_jis_is_a_problem_that_says_so(cli, book):
    root, case = book
    from yobo.casebook import case_dir

    note = root / case_dir(case) / "notes" / "2026-11-01-kyotaku-1.yaml"
    note.parent.mkdir(parents=True)
    note.write_bytes("date: 2026-11-01\nkind: general\ntext: 電話\nstaff: 山田花子\nparty: kyotaku\n".encode("cp932"))
    result = cli("validate", "-C", str(root))
    assert result.code == 1
    assert "[file-encoding] Shift_JIS（cp932）で保存されているようです" in result.stdout


# -- numbers --------------------------------------------------------------------------------------


def test_a_number_of_100000_digits_in_a_file_is_refused_at_its_line(run, book, tmp_path):
    root, case = book
    path = tmp_path / "big.yaml"
    path.write_text("answers: nnnnnnnnnnn-nnnnnnnnnnnnn\nheight_cm: " + "9" * 100_000 + "\n", encoding="utf-8")
    result = refused(run, root, "checklist", "record", case, "-C", str(root), "--file", str(path),
                     needles=(f"{path}:2", "--file", "数値が大きすぎます"))
    assert len(result.stderr) < 300


def test_a_large_number_below_pythons_limit_is_refused_too(run, book, tmp_path):
    root, case = book
    path = tmp_path / "big.yaml"
    path.write_text("answers: nnnnnnnnnnn-nnnnnnnnnnnnn\nweight_kg: " + "9" * 4000 + "\n", encoding="utf-8")
    refused(run, root, "checklist", "record", case, "-C", str(root), "--file", str(path),
            needles=(f"{path}:2", "weight_kg", "数値が大きすぎます"))


@pytest.mark.parametrize("value, needle", [
    ("99999999999999", "範囲外"),
    ("9" * 100_000, "大きすぎます"),
    ("-1", "範囲外"),
    ("abc", "整数ではありません"),
])
def test_within_has_a_documented_range(run, casebook, value, needle):
    result = refused(run, casebook, "monitor", "due", "-C", str(casebook), "--within", value,
                     needles=("--within", needle))
    assert len(result.stderr) < 300
    assert run("monitor", "due", "-C", str(casebook), "--within", str(WITHIN_DAYS_MAX)).code == 0


@pytest.mark.parametrize("option, value", [
    ("--height-cm", "1e400"), ("--height-cm", "nan"), ("--height-cm", "0"), ("--weight-kg", "100000"),
])
def test_height_and_weight_options_are_checked_against_the_schema_range(run, book, option, value):
    root, case = book
    refused(run, root, "checklist", "record", case, "-C", str(root), "--answers", "nnnnnnnnnnn-nnnnnnnnnnnnn",
            option, value, needles=(option,))


def test_a_huge_number_in_a_casebook_document_is_a_problem_not_a_crash(cli, book):
    root, case = book
    from yobo.casebook import case_dir

    checklist = root / case_dir(case) / "checklists" / "2026-11-01.yaml"
    checklist.parent.mkdir(parents=True)
    checklist.write_text("date: 2026-11-01\nanswers: nnnnnnnnnnn-nnnnnnnnnnnnn\nheight_cm: " + "1" * 5000 + "\n",
                         encoding="utf-8")
    result = cli("validate", "-C", str(root))
    assert result.code == 1, result.stderr
    assert "checklists/2026-11-01.yaml:3: [number-too-large]" in result.stdout
    assert cli("case", "list", "-C", str(root)).code == 0


def test_the_schema_layer_refuses_numbers_past_the_limit():
    from yobo.schemas import check_document

    text = f"date: 2026-11-01\nanswers: nnnnnnnnnnn-nnnnnnnnnnnnn\nweight_kg: {NUMBER_LIMIT}\n"
    problems = check_document("checklist", {"date": "2026-11-01", "answers": "nnnnnnnnnnn-nnnnnnnnnnnnn",
                                            "weight_kg": NUMBER_LIMIT}, path="c.yaml", text=text)
    assert [p.source.line for p in problems if p.code == "number-too-large"] == [3]


@pytest.mark.parametrize("text, needle", [
    ("a: &x [*x]\n", "エイリアス"),
    ("a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)), "エイリアス"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "YAML"),
    ("{1: 2}\n", "1"),
])
def test_hostile_yaml_is_refused_not_walked(run, book, tmp_path, text, needle):
    """A loop or an alias bomb ("billion laughs") would hang or crash every reader after the parser."""
    root, case = book
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    with within_seconds(30):
        refused(run, root, "info", "set", case, "-C", str(root), "--file", str(path), needles=(needle,))


# -- files that are not regular, or too large -----------------------------------------------------


@contextmanager
def within_seconds(seconds: float):
    """Fail (instead of hanging the suite) when the block takes longer: a FIFO or /dev/zero
    used to block yobo forever.  A real process is killed by subprocess.run on the way out."""

    def expire(_signum, _frame):
        raise TimeoutError(f"more than {seconds} s: yobo hangs")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)



def test_dev_zero_as_file_is_refused_at_once(run, book):
    root, case = book
    with within_seconds(15):
        refused(run, root, "checklist", "record", case, "-C", str(root), "--file", "/dev/zero",
                needles=("--file", "/dev/zero", "通常のファイルではありません"))


@pytest.mark.parametrize("command", ["file", "attach"])
def test_a_fifo_is_refused_at_once(run, book, tmp_path, command):
    root, case = book
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = (["checklist", "record", case, "--file", str(fifo)] if command == "file"
            else ["attach", case, "plan", str(fifo), "--copy"])
    with within_seconds(15):
        refused(run, root, *args, "-C", str(root), needles=("名前付きパイプ",))


def test_a_folder_as_file_is_refused(run, book, tmp_path):
    root, case = book
    refused(run, root, "info", "set", case, "-C", str(root), "--file", str(tmp_path), needles=("--file", "フォルダ"))


def test_a_200_mb_attachment_is_refused_without_being_read(run, book, tmp_path):
    root, case = book
    scan = tmp_path / "scan.pdf"
    with scan.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    refused(run, root, "attach", case, "plan", str(scan), "--copy", "-C", str(root),
            needles=("FILE", "大きすぎます", "上限 20 MB", "limits"))


def test_the_limits_come_from_yobo_yaml(cli, yobo_bin, book, tmp_path):
    root, case = book
    config = root / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "limits:\n  file_mb: 0.001\n  attachment_mb: 0.01\n",
                      encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "limits"], cwd=root, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": STAFF, "GIT_AUTHOR_EMAIL": "a@b",
                        "GIT_COMMITTER_NAME": STAFF, "GIT_COMMITTER_EMAIL": "a@b"})
    path = tmp_path / "plan.yaml"
    path.write_text("overall_policy: " + "あ" * 1000 + "\n", encoding="utf-8")
    for run in (cli, yobo_bin):
        refused(run, root, "plan", "draft", case, "-C", str(root), "--start", "2026-12-01", "--end", "2027-05-31",
                "--file", str(path), needles=("--file", "上限 0.001 MB"))
        scan = tmp_path / "scan.pdf"
        scan.write_bytes(b"%PDF-1.4\n" + b"0" * 20_000)
        refused(run, root, "attach", case, "plan", str(scan), "--copy", "-C", str(root), needles=("FILE", "上限 0.01 MB"))
    small = tmp_path / "small.pdf"
    small.write_bytes(b"%PDF-1.4\n")
    assert cli("attach", case, "plan", str(small), "--copy", "-C", str(root)).code == 0


def test_limits_out_of_range_are_a_schema_problem(cli, casebook):
    config = casebook / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "limits:\n  attachment_mb: 500\n", encoding="utf-8")
    result = cli("validate", "-C", str(casebook))
    assert result.code != 0
    assert "attachment_mb" in result.stdout + result.stderr


def test_the_limit_defaults_are_written_once_in_the_schema():
    from yobo.schemas import load_schema, schema_default

    limits = load_schema("casebook")["properties"]["limits"]["properties"]
    assert schema_default("casebook", ["limits", "file_mb"]) == limits["file_mb"]["default"] == 5
    assert schema_default("casebook", ["limits", "attachment_mb"]) == limits["attachment_mb"]["default"] == 20


# -- control characters, newlines, ESC and bidi overrides ------------------------------------------


@pytest.mark.parametrize("option, value, needle", [
    ("--name", "\x1b[31m佐藤\x1b[0m", "ESC、U+001B"),
    ("--name", "佐藤\u202e一郎", "U+202E"),
    ("--name", "佐藤\u2066一郎", "U+2066"),
    ("--name", "佐藤\n一郎", "改行"),
    ("--name", "佐藤\t一郎", "タブ"),
    ("--name", "佐藤\x07", "U+0007"),
    ("--hokatsu", "中央\u202e包括", "U+202E"),
    ("--hokatsu", "中央\n包括", "改行"),
])
def test_control_characters_in_names_are_refused_naming_the_option(run, casebook, option, value, needle):
    result = refused(run, casebook, "case", "new", "-C", str(casebook), *flags(dict(NEW_CASE, **{option: value})),
                     needles=(option, needle))
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr


@pytest.mark.parametrize("name, needle", [
    ("\x1b]0;title\x07", "ESC"), ("山田\u202b", "U+202B"), ("山田\n花子", "改行"),
    ("../evil", "/"), ("/", "/"), ("a\\b", "\\"), (".hidden", "."),
])
def test_staff_names_refuse_controls_and_anything_path_like(run, casebook, name, needle):
    refused(run, casebook, "staff", "add", name, "-C", str(casebook), needles=("NAME", needle))


def test_multi_line_text_keeps_newlines_but_not_esc(run, book):
    root, case = book
    refused(run, root, "note", "add", case, "-C", str(root), "--text", "電話\x1b[2J", needles=("--text", "ESC"))
    refused(run, root, "note", "add", case, "-C", str(root), "--text", "電話\u202e", needles=("--text", "U+202E"))
    assert run("note", "add", case, "-C", str(root), "--text", "電話で確認\n\t次回は訪問").code == 0


def test_control_characters_in_a_file_are_refused_at_their_line(run, book, tmp_path):
    root, case = book
    path = tmp_path / "meeting.yaml"
    path.write_text('topics: 今後の方針\nconclusion: "継続\\e[31m"\n', encoding="utf-8")
    refused(run, root, "meeting", "record", case, "-C", str(root), "--file", str(path),
            needles=(f"{path}:2", "conclusion", "ESC"))


def test_the_schema_layer_catches_hand_edits(cli, book):
    """``yobo validate`` sees what a text editor let through, with the field named."""
    root, case = book
    from yobo.casebook import case_dir

    case_file = root / case_dir(case) / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(text.replace("name: 佐藤 一郎", 'name: "佐藤\\u202E一郎"'), encoding="utf-8")
    config = root / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(f"name: {STAFF}", 'name: "../山田"', 1),
                      encoding="utf-8")
    result = cli("validate", "-C", str(root))
    assert result.code != 0
    out = result.stdout + result.stderr
    assert "[staff-name]" in out or "[text-control-char]" in out


def test_value_problems_walk_every_document_kind():
    from yobo.schemas import check_document

    meeting = {"date": "2026-11-01", "place": "利用者宅\n2階", "attendees": [{"name": "佐藤\x1b"}],
               "topics": "一行目\n二行目", "recorded_by": STAFF, "plan_digest": "0" * 12}
    text = ("date: 2026-11-01\nplace: \"利用者宅\\n2階\"\nattendees:\n  - name: \"佐藤\\e\"\n"
            "topics: \"一行目\\n二行目\"\n")
    problems = {(p.source.line, p.code) for p in check_document("meeting", meeting, path="m.yaml", text=text)}
    assert (2, "text-control-char") in problems  # a place is one line
    assert (4, "text-control-char") in problems  # ESC in a name
    assert not any(line == 5 for line, _ in problems)  # topics may hold several lines


# -- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("birth, needle", [("1800-01-01", "1900-01-01 以降"), ("1899-12-31", "1900-01-01 以降"),
                                           ("2027-01-01", "より後")])
def test_implausible_birth_dates_are_refused(run, casebook, birth, needle):
    refused(run, casebook, "case", "new", "-C", str(casebook), *flags(dict(NEW_CASE, **{"--birth": birth})),
            needles=("--birth", needle))


def test_record_dates_far_from_today_are_refused(run, book):
    root, case = book
    refused(run, root, "note", "add", case, "-C", str(root), "--text", "電話", "--date", "2001-01-01",
            needles=("--date", f"{DATE_WINDOW_YEARS}年以上"))
    refused(run, root, "cert", "add", case, "-C", str(root), "--level", "要支援2", "--from", "2027-04-01",
            "--to", "2062-03-31", needles=("--to", f"{DATE_WINDOW_YEARS}年以上"))
    refused(run, root, "case", "new", "-C", str(root),
            *flags(dict(NEW_CASE, **{"--insured-no": "0000999999", "--cert-from": "2046-04-01", "--cert-to": None})),
            needles=("--cert-from",))


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2046-11"])
def test_a_report_month_far_from_today_is_refused(run, casebook, month):
    refused(run, casebook, "report", "monthly", "-C", str(casebook), "--month", month, needles=("--month",))


def test_an_empty_today_is_refused_not_taken_for_the_clock(run, casebook):
    refused(run, casebook, "case", "list", "-C", str(casebook), "--today", "", needles=("--today", "空"))


def test_a_malformed_yobo_today_names_the_variable(run, casebook):
    refused(run, casebook, "case", "list", "-C", str(casebook), env={"YOBO_TODAY": "2026-13-01"},
            needles=("YOBO_TODAY", "2026-13-01"))
    refused(run, casebook, "monitor", "due", "-C", str(casebook), env={"YOBO_TODAY": "1800-01-01"},
            needles=("YOBO_TODAY",))


# -- exit 3 ---------------------------------------------------------------------------------------


def test_an_internal_error_says_what_to_report(cli, casebook, monkeypatch):
    from yobo.cli import case_cmds

    def broken(*_args, **_kwargs):
        raise RuntimeError("x" * 5000)

    monkeypatch.setattr(case_cmds, "find_casebook", broken)
    result = cli("case", "list", "-C", str(casebook))
    assert result.code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("yobo: 内部エラー: RuntimeError")
    for needle in ("YOBO_DEBUG=1", "yobo 0.", "伏せて", "終了コード 3"):
        assert needle in lines[0]
    assert len(lines[0]) < 600


def test_readme_documents_exit_code_3():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "| 3 | yobo の内部エラー" in readme
    assert "3 internal error" in readme and "YOBO_DEBUG=1" in readme


# -- personal data stays in the casebook ----------------------------------------------------------


def _system_tmp(tmp_path: Path) -> Path:
    """The system's temporary folder as yobo sees it (``TMPDIR``): its own, so that what
    yobo used to leave there (``yobo-*/edit.yaml``, ``yobo-pdf-*/form.html``) would show."""
    folder = tmp_path / "system-tmp"
    folder.mkdir(exist_ok=True)
    return folder


def _scratch_left(root: Path) -> list[str]:
    """What is left in the casebook's ``.yobo/tmp`` (nothing, or not even the folder)."""
    base = root / ".yobo" / "tmp"
    return sorted(p.name for p in base.iterdir() if p.name != ".gitignore") if base.exists() else []


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie that nobody reaped yet has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _wait_for(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _slow_editor(tmp_path: Path) -> tuple[Path, Path]:
    """An editor that says where its file is and then waits (as a person would)."""
    marker = tmp_path / "editing"
    script = tmp_path / "slow-editor"
    script.write_text(f"#!/bin/sh\necho \"$$ $1\" > {marker}.part && mv {marker}.part {marker}\n"
                      "exec sleep 60 >/dev/null 2>&1\n",
                      encoding="utf-8")
    script.chmod(0o755)
    return script, marker


def _start_edit(root: Path, case: str, script: Path, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "YOBO_TODAY": TODAY, "YOBO_STAFF": STAFF, "EDITOR": str(script),
           "TMPDIR": str(_system_tmp(tmp_path))}
    # signals as a terminal gives them: a suite started under nohup passes SIGHUP on ignored,
    # and yobo rightly leaves an ignored signal ignored (stop_on_signals)
    return subprocess.Popen([yobo_executable(), "info", "edit", case, "-C", str(root)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_signals)


def _default_signals() -> None:
    for name in ("SIGHUP", "SIGINT", "SIGTERM"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signalled_edit_leaves_nothing_behind(book, tmp_path, signame):
    root, case = book
    before = snapshot(root)
    script, marker = _slow_editor(tmp_path)
    proc = _start_edit(root, case, script, tmp_path)
    try:
        _wait_for(marker)
        editor_pid, buffer = marker.read_text(encoding="utf-8").split()
        buffer = Path(buffer)
        assert buffer.is_file() and (root / ".yobo" / "tmp") in buffer.parents
        assert stat.S_IMODE((root / ".yobo" / "tmp").stat().st_mode) == 0o700
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + getattr(signal, signame), err
    assert "Traceback" not in err
    assert not buffer.exists()
    assert _scratch_left(root) == []
    assert list(_system_tmp(tmp_path).iterdir()) == []
    assert snapshot(root) == before
    deadline = time.monotonic() + 10
    while _running(int(editor_pid)):  # the editor went with it
        assert time.monotonic() < deadline, "the editor outlived yobo"
        time.sleep(0.05)


def test_a_killed_edits_leftovers_are_removed_by_the_next_command(book, tmp_path):
    root, case = book
    script, marker = _slow_editor(tmp_path)
    proc = _start_edit(root, case, script, tmp_path)
    try:
        _wait_for(marker)
        editor_pid, buffer = marker.read_text(encoding="utf-8").split()
        proc.kill()  # SIGKILL: nothing can run on the way out
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        try:
            os.kill(int(editor_pid), signal.SIGKILL)  # the orphaned editor, by its own pid
        except (ProcessLookupError, UnboundLocalError):
            pass
    assert Path(buffer).exists()  # what SIGKILL leaves…
    unchanged = tmp_path / "same-editor"
    unchanged.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    unchanged.chmod(0o755)
    env = {**os.environ, "YOBO_TODAY": TODAY, "YOBO_STAFF": STAFF, "EDITOR": str(unchanged)}
    subprocess.run([yobo_executable(), "info", "edit", case, "-C", str(root)], env=env, capture_output=True,
                   timeout=60)
    assert not Path(buffer).exists()  # …the next command that uses .yobo/tmp removes
    assert _scratch_left(root) == []
    assert subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout == ""


def test_a_terminated_pdf_render_leaves_no_html(cli, book, tmp_path):
    root, case = book
    assert cli("checklist", "record", case, "-C", str(root), "--answers", "nnnnnnnnnnn-nnnnnnnnnnnnn").code == 0
    marker = tmp_path / "printing"
    browser = tmp_path / "slow-chromium"
    browser.write_text(f"#!/bin/sh\nfor a; do last=$a; done\necho \"$last\" > {marker}.part && mv {marker}.part {marker}\n"
                       "exec sleep 60 >/dev/null 2>&1\n", encoding="utf-8")
    browser.chmod(0o755)
    env = {**os.environ, "YOBO_TODAY": TODAY, "YOBO_STAFF": STAFF, "TMPDIR": str(_system_tmp(tmp_path))}
    proc = subprocess.Popen([yobo_executable(), "render", case, "checklist", "-C", str(root), "--browser",
                             str(browser), "-o", str(tmp_path / "out.pdf")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is not None:
            pytest.fail(proc.communicate()[1])
        page = Path(marker.read_text(encoding="utf-8").strip().removeprefix("file://"))
        assert page.is_file() and (root / ".yobo" / "tmp") in page.parents
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert not page.exists()
    assert _scratch_left(root) == []
    assert list(_system_tmp(tmp_path).iterdir()) == []
    assert not (tmp_path / "out.pdf").exists()


def test_yobo_tmp_is_never_committed(cli, book):
    root, case = book
    from yobo.cli.common import private_tmp

    with private_tmp(root) as folder:
        (folder / "edit.yaml").write_text("address: 秘密\n", encoding="utf-8")
        status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=root, capture_output=True,
                                text=True).stdout
        assert ".yobo" not in status.replace("!! .yobo/", "")
    assert not folder.exists()


if sys.platform == "win32":  # pragma: no cover
    pytest.skip("signals and FIFOs are POSIX", allow_module_level=True)


def test_a_read_command_leaves_no_scratch_folder_behind(book):
    root, _ = book
    from yobo.cli.common import private_tmp

    had_cache = (root / ".yobo").exists()
    with private_tmp(root) as folder:
        assert folder.parent == root / ".yobo" / "tmp"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not (root / ".yobo" / "tmp").exists()
    assert (root / ".yobo").exists() == had_cache


def test_a_casebook_that_cannot_be_written_falls_back_to_a_private_system_folder(tmp_path):
    from yobo.cli.common import private_tmp

    root = tmp_path / "readonly"
    root.mkdir()
    (root / ".yobo").write_text("not a folder", encoding="utf-8")  # .yobo/tmp cannot be made
    with private_tmp(root) as folder:
        assert root not in folder.parents
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        (folder / "form.html").write_text("個人情報", encoding="utf-8")
    assert not folder.exists()


def test_careplan_data_inputs_go_through_the_same_reader(run, casebook, tmp_path):
    """The 外字 table (--replace, YAML) and the imported CSV files are user files too."""
    fifo = tmp_path / "UPYOBO.CSV"
    os.mkfifo(fifo)
    with within_seconds(15):
        refused(run, casebook, "import", "careplan-data", str(fifo), "-C", str(casebook),
                needles=("FILE", "名前付きパイプ"))
    table = tmp_path / "gaiji.yaml"
    table.write_bytes("鷗: 鴎\n".encode("cp932", errors="replace"))
    refused(run, casebook, "export", "careplan-data", "--all", "--month", "202611", "-o", str(tmp_path / "out"),
            "--to-office", "1234567890", "--to-service", "A5", "--replace", str(table), "-C", str(casebook),
            needles=("--replace",))

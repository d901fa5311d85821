"""Windows office PCs (issue 15, item 8): setup in the README, no symlinks in the
repository, no POSIX-only calls outside guarded code, Edge found for PDF."""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

import pytest

from yobo.cli.common import editor_command
from yobo.pdf import WINDOWS_BROWSERS, BrowserMissing, find_browser

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "yobo"

#: Calls and modules that exist only on POSIX systems (or mean a POSIX path).
POSIX_ONLY_MODULES = {"fcntl", "pwd", "grp", "termios", "tty", "resource", "posix"}
POSIX_ONLY_CALLS = {"getuid", "geteuid", "getgid", "fork", "setsid", "killpg", "getpgid", "symlink", "chown"}
POSIX_ONLY_SIGNALS = {"SIGHUP", "SIGKILL", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD"}


def _git_files() -> list[tuple[str, str]]:
    out = subprocess.run(["git", "ls-files", "-s"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [(line.split()[0], line.split("\t", 1)[1]) for line in out.splitlines()]


def test_no_symlinks_in_the_repository():
    """git checks a symlink out on Windows as a small text file holding its target."""
    links = [path for mode, path in _git_files() if mode == "120000"]
    assert links == []


def test_the_sample_casebooks_schemas_are_the_schemas():
    """sample-casebook/schemas is a real copy (editors opening the sample find the schemas
    its YAML headers point at); it must stay equal to schemas/."""
    from yobo.schemas import installed_schemas

    copies = {f"schemas/{p.name}": p.read_text(encoding="utf-8")
              for p in (REPO / "sample-casebook" / "schemas").iterdir()}
    assert copies == installed_schemas(), "cp schemas/*.schema.json sample-casebook/schemas/ after changing a schema"


def test_validate_on_the_sample_casebook_has_no_schema_warning(cli):
    run = cli("validate", "-C", str(REPO / "sample-casebook"), "--json")
    assert not [p for p in json.loads(run.stdout)["problems"] if p["code"] == "schema-outdated"]


def _guarded(node, parents) -> bool:
    """Inside ``if os.name ...`` / ``if sys.platform ...`` / ``hasattr(...)`` or a try block."""
    for parent in parents:
        if isinstance(parent, ast.Try):
            return True
        if isinstance(parent, ast.If):
            test = ast.unparse(parent.test)
            if "os.name" in test or "sys.platform" in test or "hasattr(" in test:
                return True
    return False


def _walk(tree):
    stack = [(tree, [])]
    while stack:
        node, parents = stack.pop()
        yield node, parents
        for child in ast.iter_child_nodes(node):
            stack.append((child, [*parents, node]))


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_posix_only_calls_outside_guarded_code(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node, parents in _walk(tree):
        where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in POSIX_ONLY_MODULES or _guarded(node, parents), where
        elif isinstance(node, ast.Attribute):
            if node.attr in POSIX_ONLY_CALLS | POSIX_ONLY_SIGNALS:
                assert _guarded(node, parents), f"{where}: {node.attr}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not node.value.startswith("/tmp"), f"{where}: a fixed /tmp path (use tempfile)"
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("shlex.split", "split") \
                and path.name != "common.py":
            # splitting an editor command goes through cli.common.editor_command
            assert False, f"{where}: shlex.split outside editor_command"


def test_editor_commands_keep_windows_paths_whole():
    assert editor_command(r'"C:\Program Files\Notepad++\notepad++.exe" -multiInst -nosession', windows=True) == [
        r"C:\Program Files\Notepad++\notepad++.exe", "-multiInst", "-nosession"]
    assert editor_command("notepad", windows=True) == ["notepad"]
    assert editor_command(r"C:\Windows\notepad.exe", windows=True) == [r"C:\Windows\notepad.exe"]
    assert editor_command("code --wait", windows=False) == ["code", "--wait"]
    assert editor_command("'/opt/my editor/bin/ed' -x", windows=False) == ["/opt/my editor/bin/ed", "-x"]


def test_pdf_finds_edge_where_windows_installs_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no Chromium on PATH
    x86, local = tmp_path / "Program Files (x86)", tmp_path / "AppData" / "Local"
    with pytest.raises(BrowserMissing) as missing:
        find_browser(None, (x86, local))
    assert "Edge" in str(missing.value)
    edge = x86.joinpath(*WINDOWS_BROWSERS[0].split("/"))
    edge.parent.mkdir(parents=True)
    edge.write_bytes(b"")
    assert find_browser(None, (x86, local)) == str(edge)
    chrome = local.joinpath(*WINDOWS_BROWSERS[1].split("/"))
    chrome.parent.mkdir(parents=True)
    chrome.write_bytes(b"")
    assert find_browser(None, (local,)) == str(chrome)
    assert find_browser(None, (local, x86)) == str(edge)  # Edge first, wherever it is: every Windows PC has it


def test_the_cli_passes_windows_program_folders(monkeypatch, tmp_path):
    from yobo.cli.common import program_dirs

    monkeypatch.setenv("ProgramFiles", str(tmp_path / "pf"))
    monkeypatch.setenv("ProgramFiles(x86)", str(tmp_path / "pf86"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    monkeypatch.delenv("ProgramW6432", raising=False)
    assert program_dirs() == (tmp_path / "pf", tmp_path / "pf86", tmp_path / "local")


def test_readme_shows_windows_setup_beside_posix():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for needle in ("py -m venv .venv", r".venv\Scripts\pip install .", r".venv\Scripts\yobo monitor due",
                   ".venv/bin/pip install ."):
        assert needle in text, needle


def test_the_sample_still_initialises_and_the_wheel_carries_real_schemas(cli, tmp_path):
    from yobo.resources import data_dir

    schemas = data_dir("sample-casebook") / "schemas"
    assert schemas.is_dir() and not schemas.is_symlink()
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", env={"YOBO_STAFF": "田中美咲"}).code == 0
    assert sorted(p.name for p in (root / "schemas").iterdir()) == sorted(p.name for p in (REPO / "schemas").glob("*.schema.json"))


def test_redirected_output_on_windows_is_utf8():
    """cp932 (a Japanese Windows code page) has no ☑: yobo writes UTF-8 there instead."""
    import io

    from yobo.cli import utf8_streams

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp932")
    utf8_streams(stream, windows=True)
    stream.write("☑ 要支援1")
    stream.flush()
    assert raw.getvalue().decode("utf-8") == "☑ 要支援1"
    posix = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    utf8_streams(posix, windows=False)
    assert posix.encoding == "latin-1"

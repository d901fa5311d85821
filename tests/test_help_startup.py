"""``yobo --help`` imports only what it shows (issue 16: ≤ 0.15 s): typer's rich help
without ``rich.markdown`` and ``rich.traceback`` (yobo uses neither Markdown help nor pretty
tracebacks; ``yobo.cli._rich_utils``), Japanese line breaking without ``yobo.cli.common``
and the core modules behind it — and the stand-ins still give the real things when used."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def _python(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()[-1]


def test_help_imports_neither_markdown_nor_tracebacks_nor_the_core():
    found = json.loads(_python("""
        import json, sys
        sys.argv = ["yobo", "--help"]
        from yobo.cli import main
        try:
            main()
        except SystemExit:
            pass
        print(json.dumps(sorted(sys.modules)))
    """))
    assert "typer.rich_utils" in found  # the help was shown by typer's rich help
    for name in ("rich.markdown", "markdown_it", "rich.traceback", "rich.syntax", "pygments", "attr",
                 "yobo.cli.common", "yobo.model", "yobo.gitstore", "yobo.loader"):
        assert name not in found, name


def test_the_stand_ins_make_the_real_markdown_and_traceback():
    found = json.loads(_python("""
        import json, sys
        from yobo import cli
        rich_utils = cli._rich_utils()
        import rich.markdown, rich.traceback
        out = {"real_modules": [type(sys.modules[n]).__name__ for n in ("rich.markdown", "rich.traceback")],
               "markdown": type(rich_utils.Markdown("**x**")).__module__ + "." + type(rich_utils.Markdown("x")).__name__,
               "own_class": rich.markdown.Markdown.__module__}
        try:
            raise ValueError("x")
        except ValueError as exc:
            tb = rich_utils.Traceback.from_exception(type(exc), exc, exc.__traceback__)
        out["traceback"] = type(tb).__module__ + "." + type(tb).__name__
        print(json.dumps(out))
    """))
    assert found == {"real_modules": ["module", "module"], "markdown": "rich.markdown.Markdown",
                     "own_class": "rich.markdown", "traceback": "rich.traceback.Traceback"}


def test_japanese_line_breaking_is_the_one_common_hands_on():
    from yobo.cli import common, linebreak

    assert common.japanese_line_breaking is linebreak.japanese_line_breaking

"""Every command has Japanese help and appears in the README (sqlite-utils's test_docs idea)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from conftest import leaf_commands
from yobo.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


COMMANDS = [path for path, _ in leaf_commands(typer.main.get_command(app))]


def test_the_command_list_is_complete():
    assert {" ".join(c) for c in COMMANDS} >= {"init", "validate", "log", "staff add", "staff list",
                                                 "case new", "case list", "case show"}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_japanese_help(cli, command):
    run = cli(*command, "--help")
    assert run.code == 0, run.stderr
    assert "Usage: yobo " + " ".join(command) in " ".join(run.stdout.split())
    description = run.stdout.split("オプション")[0]
    assert JAPANESE.search(description), run.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_readme(command):
    assert f"yobo {' '.join(command)}" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_option_has_help_text(command):
    group = typer.main.get_command(app)
    for part in command:
        group = group.commands[part]
    for param in group.params:
        if param.param_type_name == "option":
            assert param.help and JAPANESE.search(param.help), f"{' '.join(command)} {param.opts}"

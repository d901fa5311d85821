"""The root command makes its subcommands lazily (``yobo.cli.LazyCommands``): the
table it lists from (``yobo.cli.COMMANDS``) says exactly what the modules register,
``--help`` and ``--version`` import no command module, and a command imports only
its own modules."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import typer

from yobo import cli as yobo_cli


def _python(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_table_says_what_each_module_registers():
    # in a process of its own: registering a module twice would double its commands here
    found = json.loads(_python("""
        import importlib, json, typer
        from yobo.cli import HOSTS, MODULES
        out = {}
        groups = {"case_app": "case", "monitor_app": "monitor", "submit_app": "submit"}
        for name in MODULES:
            root = typer.Typer()
            module = importlib.import_module(f"yobo.cli.{name}")
            hosts = HOSTS.get(name, ())
            intos = [typer.Typer() for _ in hosts]
            module.register(root, *intos)
            names = [i.name for i in root.registered_commands] + [i.name for i in root.registered_groups]
            for (_, group), into in zip(hosts, intos):
                if into.registered_commands or into.registered_groups:
                    names.append(groups[group])
            for command in names:
                out.setdefault(command, []).append(name)
        print(json.dumps(out))
    """))
    assert {name: tuple(modules) for name, modules in found.items()} == {
        name: modules for name, (modules, _) in yobo_cli.COMMANDS.items()}


def test_the_table_has_each_commands_own_help_in_the_listed_order():
    group = typer.main.get_command(yobo_cli.app)
    made = dict(group.commands.items())  # every command made
    assert list(made) == list(yobo_cli.COMMANDS)
    for name, command in made.items():
        assert (command.short_help or command.help or "").startswith(yobo_cli.COMMANDS[name][1]), name


def test_help_and_version_import_no_command_module_and_a_command_only_its_own():
    found = json.loads(_python("""
        import json, sys
        out = {}
        for argv in (["--help"], ["--version"], ["monitor", "due", "--help"]):
            sys.argv = ["yobo", *argv]
            for name in [m for m in sys.modules if m.startswith("yobo")]:
                del sys.modules[name]
            before = set(sys.modules)
            from yobo.cli import main
            try:
                main()
            except SystemExit:
                pass
            out[" ".join(argv)] = sorted(set(sys.modules) - before)
        print(json.dumps(out))
    """).splitlines()[-1])
    heavy = ("jsonschema", "ruamel", "jinja2", "openpyxl", "icalendar")
    for argv in ("--help", "--version"):
        assert not [m for m in found[argv] if m.startswith("yobo.cli.") and m.endswith("_cmds")], argv
        assert not [m for m in found[argv] if m.split(".")[0] in heavy], (argv, found[argv])
    commands = {m.rsplit(".", 1)[-1] for m in found["monitor due --help"] if m.endswith("_cmds")}
    assert commands == set(yobo_cli.COMMANDS["monitor"][0]) | {"case_cmds"}  # lifecycle_cmds registers into case


def test_an_unknown_command_is_still_refused_in_japanese(cli):
    run = cli("no-such-command")
    assert run.code == 2 and "コマンド 'no-such-command' はありません" in run.stderr

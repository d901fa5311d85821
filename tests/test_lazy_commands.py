"""The root command makes its subcommands lazily (``yobo.cli.LazyCommands``), and a
group several modules add to makes each subcommand from the one module defining it
(``yobo.cli.GroupCommands``): the tables (``yobo.cli.COMMANDS``, ``yobo.cli.HOSTED``) say
exactly what the modules register, the lazy group is the one Typer would make,
``--help`` and ``--version`` import no command module, and a command imports only its
own module."""

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


def test_the_tables_say_what_each_module_registers():
    # in a process of its own: registering a module twice would double its commands here
    found = json.loads(_python("""
        import importlib, inspect, json, typer
        from yobo.cli import MODULES
        top, hosted, groups, owners = {}, {}, {}, {}
        for name in MODULES:
            module = importlib.import_module(f"yobo.cli.{name}")
            root = typer.Typer()
            # every Typer register() is given beside the root: the groups it adds to
            intos = {param: typer.Typer() for param in list(inspect.signature(module.register).parameters)[1:]}
            module.register(root, **intos)
            for info in [*root.registered_commands, *root.registered_groups]:
                top.setdefault(info.name, []).append(name)
            for info in root.registered_groups:
                groups[info.name] = (name, info.typer_instance)
            for param, into in intos.items():
                for info in [*into.registered_commands, *into.registered_groups]:
                    hosted.setdefault(param, []).append([info.name, name])
        # a parameter <group>_app is the very Typer the group's own module registers as <group>
        for param in hosted:
            group = param.removesuffix("_app")
            maker, typer_instance = groups[group]
            owners[param] = [group, getattr(importlib.import_module(f"yobo.cli.{maker}"), param, None) is typer_instance]
        print(json.dumps({"top": top, "hosted": hosted, "owners": owners}))
    """))
    assert {name: tuple(modules) for name, modules in found["top"].items()} == {
        name: modules for name, (modules, _) in yobo_cli.COMMANDS.items()}
    assert sorted(found["owners"].values()) == sorted([group, True] for group in yobo_cli.HOSTED)
    assert {found["owners"][param][0]: [tuple(pair) for pair in pairs] for param, pairs in found["hosted"].items()} == {
        group: list(subcommands.items()) for group, subcommands in yobo_cli.HOSTED.items()}


#: What a click group is made of, as JSON (run in a subprocess on ``group`` for each group name).
_DESCRIBE = """
        def describe(group):
            attrs = ("name", "help", "short_help", "epilog", "no_args_is_help", "invoke_without_command", "chain",
                     "hidden", "deprecated", "add_help_option", "options_metavar", "subcommand_metavar",
                     "rich_markup_mode", "rich_help_panel", "context_settings")
            out = {attr: repr(getattr(group, attr, None)) for attr in attrs}
            out["class"] = type(group).__name__
            out["callback"] = group.callback is None
            out["params"] = [param.name for param in group.params]
            out["commands"] = [[name, command.help, [param.name for param in command.params],
                                getattr(command.callback, "__qualname__", None)] for name, command in group.commands.items()]
            return out
"""


def test_a_group_several_modules_add_to_is_the_group_typer_would_make():
    whole = json.loads(_python(_DESCRIBE + """
        import importlib, inspect, json, typer
        from yobo.cli import HOSTED, MODULES
        root = typer.Typer()
        for name in MODULES:  # the plain Typer way: each group's own Typer handed to the modules adding to it
            module = importlib.import_module(f"yobo.cli.{name}")
            hosts = {}
            for param in list(inspect.signature(module.register).parameters)[1:]:
                maker = next(m for m in MODULES if hasattr(importlib.import_module(f"yobo.cli.{m}"), param)
                             and m not in [h for h in HOSTED[param.removesuffix("_app")].values()])
                hosts[param] = getattr(importlib.import_module(f"yobo.cli.{maker}"), param)
            module.register(root, **hosts)
        group = typer.main.get_command(root)
        print(json.dumps({name: describe(group.commands[name]) for name in HOSTED}))
    """))
    lazy = json.loads(_python(_DESCRIBE + """
        import json, typer
        from yobo.cli import HOSTED, app
        group = typer.main.get_command(app)
        print(json.dumps({name: describe(group.commands[name]) for name in HOSTED}))
    """))
    assert lazy == whole
    assert [name for name, *_ in lazy["monitor"]["commands"]] == ["record", "due", "done"]


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
        for argv in (["--help"], ["--version"], ["monitor", "due", "--help"], ["monitor", "record", "--help"],
                     ["case", "list", "--help"], ["case", "switch", "--help"], ["report", "monthly", "--help"]):
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
    # a subcommand imports the module that defines it, not the others adding to its group
    # (monitor: lifecycle_cmds makes it, due_cmds and safeguard_cmds add to it)
    commands = {argv: {m.rsplit(".", 1)[-1] for m in modules if m.endswith("_cmds")} for argv, modules in found.items()}
    assert commands["monitor due --help"] == {"due_cmds"}
    assert commands["monitor record --help"] == {"lifecycle_cmds"}
    assert commands["case list --help"] == {"case_cmds", "due_cmds"}  # due_cmds: its index warnings and output
    assert commands["case switch --help"] == {"course_cmds"}
    assert commands["report monthly --help"] == {"due_cmds"}


def test_commands_of_one_group_made_one_by_one_in_one_process_and_then_all():
    # Typer's runner invokes several commands in one process (as the tests do): each is
    # made from its own module, and the group's help and listing still show every one
    found = json.loads(_python("""
        import json, sys, typer
        from typer.testing import CliRunner
        from yobo.cli import app
        runner = CliRunner()
        out = {}
        for argv in (["monitor", "due", "--help"], ["case", "list", "--help"], ["monitor", "done", "--help"],
                     ["monitor", "--help"], ["case", "close", "--help"], ["monitor", "nothing"]):
            result = runner.invoke(app, argv, env={"COLUMNS": "200"})
            out[" ".join(argv)] = [result.exit_code, result.stdout, result.stderr,
                                   sorted(m.rsplit(".", 1)[-1] for m in sys.modules if m.endswith("_cmds"))]
        group = typer.main.get_command(app)
        out["listed"] = {name: list(group.commands[name].commands) for name in ("case", "monitor", "submit")}
        print(json.dumps(out))
    """).splitlines()[-1])
    assert found["monitor due --help"][0] == 0 and "Usage: yobo monitor due" in found["monitor due --help"][1]
    assert found["monitor due --help"][3] == ["due_cmds"]
    assert found["case list --help"][3] == ["case_cmds", "due_cmds"]
    assert found["monitor done --help"][0] == 0 and "Usage: yobo monitor done" in found["monitor done --help"][1]
    code, out, _, modules = found["monitor --help"]
    assert code == 0 and all(f"│ {name} " in out for name in ("record", "due", "done")), out
    assert {"lifecycle_cmds", "due_cmds", "safeguard_cmds"} <= set(modules)
    assert found["case close --help"][0] == 0
    assert found["monitor nothing"][0] == 2 and "コマンド 'nothing' はありません" in found["monitor nothing"][2]
    assert found["listed"] == {"case": ["new", "list", "show", *yobo_cli.HOSTED["case"]],
                               "monitor": ["record", *yobo_cli.HOSTED["monitor"]],
                               "submit": ["hokatsu", *yobo_cli.HOSTED["submit"]]}


def test_an_unknown_command_is_still_refused_in_japanese(cli):
    run = cli("no-such-command")
    assert run.code == 2 and "コマンド 'no-such-command' はありません" in run.stderr

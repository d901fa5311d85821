"""The ``yobo`` command.  Typer only parses and prints; the work is in the core.

Errors end here: a :class:`~yobo.errors.YoboError` or a usage error from the
parser becomes one Japanese line on stderr and exit 2; data problems found by a
read command exit 1.  No traceback reaches the user.
"""

from __future__ import annotations

import os
import sys

from . import _early

if _early.is_console_script():  # before click, typer and the rest are imported: see _early
    _early.start(sys.argv[1:])

import re  # noqa: E402
from typing import Annotated  # noqa: E402

import click.core as click_core
import click.exceptions as click_exc
import typer
from click.exceptions import Abort
from typer.core import TyperGroup

from ..errors import YoboError


class _Markdown:
    """Stands in for ``rich.markdown.Markdown`` while ``typer.rich_utils`` is imported
    (:func:`_rich_utils`); the real class is imported when one is made."""

    def __new__(cls, *args, **kwargs):
        from rich.markdown import Markdown

        return Markdown(*args, **kwargs)


class _Traceback:
    """Stands in for ``rich.traceback.Traceback`` likewise."""

    def __new__(cls, *args, **kwargs):
        from rich.traceback import Traceback

        return Traceback(*args, **kwargs)

    @classmethod
    def from_exception(cls, *args, **kwargs):
        from rich.traceback import Traceback

        return Traceback.from_exception(*args, **kwargs)


def _rich_utils():
    """``typer.rich_utils``, imported without ``rich.markdown`` and ``rich.traceback``.

    typer 0.25 (pinned in pyproject.toml) imports both at its top — markdown-it, pygments
    and attrs come with them, a third of ``yobo --help`` (python -X importtime) — for help
    written in Markdown and for pretty tracebacks, and yobo uses neither (rich markup,
    ``pretty_exceptions_enable=False``).  While typer.rich_utils is imported, modules
    holding :class:`_Markdown` and :class:`_Traceback` stand in for the two; they are taken
    out again at once, so any other import gets the real modules, and a stand-in used
    makes the real thing (tests/test_lazy_commands.py checks both)."""
    if "typer.rich_utils" in sys.modules:
        return sys.modules["typer.rich_utils"]
    import types

    stand_ins = {}
    for name, attr, cls in (("rich.markdown", "Markdown", _Markdown), ("rich.traceback", "Traceback", _Traceback)):
        if name not in sys.modules:
            stand_ins[name] = sys.modules[name] = types.ModuleType(name)
            setattr(stand_ins[name], attr, cls)
    try:
        from typer import rich_utils
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return rich_utils


def _japanese_help_panels() -> None:
    """Japanese panel titles for Typer's rich help.  Imported only when help is shown:
    rich's help machinery costs ~75 ms that ``monitor due`` should not pay."""
    rich_utils = _rich_utils()

    rich_utils.ARGUMENTS_PANEL_TITLE = "引数"
    rich_utils.OPTIONS_PANEL_TITLE = "オプション"
    rich_utils.COMMANDS_PANEL_TITLE = "コマンド"
    rich_utils.REQUIRED_LONG_STRING = "[必須]"
    rich_utils.ENVVAR_STRING = "[環境変数: {}]"
    rich_utils.DEFAULT_STRING = "[既定: {}]"
    from .linebreak import japanese_line_breaking

    japanese_line_breaking()
    if not getattr(rich_utils._make_rich_text, "yobo_folds", False):
        rich_utils._make_rich_text = _folding(rich_utils._make_rich_text)


def _folding(make_text):
    """Typer's help texts sit in table cells that end an overlong word in 「…」; Japanese
    has no spaces, so a whole sentence is one word.  Folding breaks it over lines instead."""

    def make_folding_text(*args, **kwargs):
        text = make_text(*args, **kwargs)
        if hasattr(text, "overflow"):  # a rich Text (Markdown help folds by itself)
            text.overflow = "fold"
        return text

    make_folding_text.yobo_folds = True
    return make_folding_text


_original_help_option = click_core.Command.get_help_option


def _japanese_help_option(self, ctx):
    option = _original_help_option(self, ctx)
    if option is not None:
        option.help = "この説明を表示して終了します"
    return option


_original_get_help = click_core.Command.get_help


#: Typer's own options on the root command, said in Japanese.
_TYPER_OPTION_HELP = {
    "install_completion": "今使っているシェル（bash・zsh・fish・PowerShell）に補完を設定します（ケースID・職員名・コードを Tab で補完）",
    "show_completion": "補完の設定スクリプトを表示します（自分で設定ファイルに書くとき）",
}


def _japanese_get_help(self, ctx):
    _japanese_help_panels()
    for param in self.params:
        if param.name in _TYPER_OPTION_HELP:
            param.help = _TYPER_OPTION_HELP[param.name]
    return _original_get_help(self, ctx)


class _RefusedCharacter(click_exc.BadParameter):
    """A command-line value (option, argument or environment variable) holding a character
    no text may hold; its message is Japanese already."""


_original_process_value = click_core.Parameter.process_value


def _checked_process_value(self, ctx, value):
    """Every parameter of every command refuses control characters, ESC and bidi overrides,
    naming itself (checked once here; a one-line value such as a name also refuses
    newlines where it is parsed, a note's text keeps them)."""
    from ..values import bad_char, describe_char

    for item in (value if isinstance(value, (list, tuple)) else (value,)):
        if isinstance(item, str):
            ch = bad_char(item, multiline=True)
            if ch is not None:
                raise _RefusedCharacter(f"{describe_char(ch)}は使えません", ctx=ctx, param=self)
    return _original_process_value(self, ctx, value)


# click is pinned (pyproject.toml), so these hooks into its help stay put.
click_core.Parameter.process_value = _checked_process_value
click_core.Command.get_help_option = _japanese_help_option
click_core.Command.get_help = _japanese_get_help


def _usage_message(exc: click_exc.UsageError) -> str:
    """Click's English usage errors, said in Japanese."""
    if isinstance(exc, click_exc.NoSuchOption):
        hint = f"（もしかして {', '.join(exc.possibilities)}）" if exc.possibilities else ""
        return f"{exc.option_name}: そのようなオプションはありません{hint}"
    if isinstance(exc, click_exc.MissingParameter):
        param = exc.param
        name = "/".join(param.opts) if param is not None and getattr(param, "opts", None) else (exc.param_hint or "")
        if param is not None and param.param_type_name == "argument":
            name = (getattr(param, "name", None) or name).upper()
        return f"{name}: 指定されていません"
    if isinstance(exc, click_exc.BadParameter):
        hint = exc.param_hint if isinstance(exc.param_hint, str) else (
            "/".join(exc.param.opts) if exc.param is not None else "")
        if exc.param is not None and exc.param.param_type_name == "argument":
            hint = (exc.param.name or hint).upper()
        if isinstance(exc, _RefusedCharacter):
            return f"{hint}: {exc.message}"
        return f"{hint}: {_bad_value_message(exc.message)}"
    text = exc.message
    patterns = [
        (r"No such command '(.+)'\.?", r"コマンド '\1' はありません"),
        (r"Got unexpected extra arguments? \((.+)\)", r"余分な引数があります: \1"),
        (r"Option '(.+)' requires an argument\.?", r"\1: 値を指定してください"),
        (r"Option '(.+)' does not take a value\.?", r"\1: 値は取りません"),
        (r"Missing command\.?", r"コマンドを指定してください"),
    ]
    for pattern, replacement in patterns:
        if re.fullmatch(pattern, text):
            return re.sub(pattern, replacement, text)
    return text


def _bad_value_message(message: str) -> str:
    """click's English complaint about one value, in Japanese, the value cut short (a
    100,000-digit number must not fill the screen) and its control characters escaped."""
    from ..values import printable

    found = re.fullmatch(r"'?(.*?)'? is not a valid (integer|float)(?: range)?\.?", message, re.S)
    if found and found.group(1).lstrip("+-").isdigit():  # past Python's 4,300-digit limit
        return f"'{printable(found.group(1))}' は大きすぎます"
    if found:
        what = "整数" if found.group(2) == "integer" else "数値"
        return f"'{printable(found.group(1))}' は{what}ではありません"
    found = re.fullmatch(r"'?(.*?)'? is not in the range (.+?)\.?", message, re.S)
    if found:
        return f"{printable(found.group(1))} は範囲外です（{found.group(2)}）"
    return f"値が正しくありません（{printable(message, 120)}）"


def _quiet_stdout() -> None:
    """After the reader of stdout has gone, make the interpreter's final flush silent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _fail(message: str) -> int:
    from ..values import bad_char

    # whatever a message quotes, it stays one line and sends the terminal no control characters
    safe = "".join(f"\\u{ord(ch):04x}" if bad_char(ch) else ch for ch in message)
    sys.stderr.write(f"yobo: エラー: {safe}\n")
    return 2


def _internal_error_message(exc: Exception) -> str:
    """Exit 3: a bug in yobo, not in the input.  Says what to send to whoever keeps yobo
    running, without asking for anything personal (the message itself may quote a value,
    so it is cut short)."""
    from importlib.metadata import PackageNotFoundError, version

    from ..values import printable

    try:
        release = version("yobo")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        release = "不明"
    return (f"yobo: 内部エラー: {type(exc).__name__}: {printable(exc, 200)}（yobo {release}）。"
            "yobo の不具合です。実行したコマンド（氏名・被保険者番号などは伏せて）、yobo の版、"
            "YOBO_DEBUG=1 を付けて再実行したときの表示を管理者に知らせてください（終了コード 3）\n")


class YoboGroup(TyperGroup):
    """The root group: runs a command and turns every failure into one line and an exit code.

    Its commands are made when they are first asked for (:class:`LazyCommands`): a run of
    ``monitor due`` imports the modules of ``monitor`` and nothing else, and ``yobo
    --help`` lists every command from :data:`COMMANDS` without importing any."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.name or self.name == "yobo":
            self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx):  # noqa: D102
        if isinstance(self.commands, LazyCommands):
            return self.commands.names()
        return super().list_commands(ctx)

    def format_help(self, ctx, formatter):  # noqa: D102
        lazy = self.commands if isinstance(self.commands, LazyCommands) else None
        if lazy is not None:
            lazy.listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            if lazy is not None:
                lazy.listing = False

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: D102
        if os.environ.get("_YOBO_COMPLETE"):  # the shell asks for completions: only then is this work done
            from .completion import attach

            attach(self)
        try:
            code = super().main(args=args, prog_name=prog_name or "yobo", complete_var=complete_var,
                                standalone_mode=False, **extra)
        except click_exc.NoArgsIsHelpError as exc:
            _japanese_help_panels()
            sys.stdout.write(exc.ctx.get_help() + "\n")
            code = 0
        except click_exc.UsageError as exc:
            cmd = exc.ctx.command_path if exc.ctx is not None else "yobo"
            code = _fail(f"{_usage_message(exc)}（{cmd} --help で使い方を表示）")
        except YoboError as exc:
            code = _fail(str(exc)) if exc.exit_code == 2 else exc.exit_code
        except Abort:
            code = _fail("中断しました")
        except click_exc.ClickException as exc:
            code = _fail(exc.format_message())
        except KeyboardInterrupt:
            code = 130
        except SystemExit:  # only raised by typer in non-standalone mode when stdout's reader left
            code = 0
            _quiet_stdout()
        except BrokenPipeError:
            code = 0  # `yobo case list | head`: the reader left, nothing is wrong
            _quiet_stdout()
        except Exception as exc:  # a bug: one line, and the trace only when asked for
            if os.environ.get("YOBO_DEBUG"):
                raise
            sys.stderr.write(_internal_error_message(exc))
            code = 3
        except BaseException as exc:
            # SIGTERM/SIGHUP while scratch files existed: removed on the way (raised only by
            # .common, so only once it was imported)
            common = sys.modules.get(f"{__name__}.common")
            if common is None or not isinstance(exc, common.Terminated):
                raise
            sys.stderr.write("yobo: 中断しました（一時ファイルは削除しました）\n")
            code = 128 + exc.signum
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=YoboGroup,
    name="yobo",
    help="yobo（予防）: 介護予防支援・介護予防ケアマネジメントのケースファイルを git で管理します。",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["--help", "-h"]},
)

def _show_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"yobo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_show_version, is_eager=True,
                                          help="yobo の版を表示して終了します")] = False,
) -> None:
    """yobo（予防）: 介護予防支援・介護予防ケアマネジメントのケースファイルを git で管理します。"""


# -- the commands, registered on ``app`` when first asked for ---------------------------------------

#: The command modules in the order they register (the order ``--help`` lists in).
MODULES = ("casebook_cmds", "case_cmds", "lifecycle_cmds", "due_cmds", "render_cmds", "dev_cmds",
           "exchange_cmds", "safeguard_cmds", "share_cmds", "course_cmds", "cert_cmds", "closure_cmds")

#: Subcommands that a module adds to a group another module makes (the group's own module,
#: in :data:`COMMANDS`, makes the rest): group → {subcommand: the module that defines it},
#: in :data:`MODULES` order.  A module is given the groups it adds to as keyword arguments
#: of its ``register``, named ``<group>_app``.  ``yobo monitor due`` imports due_cmds
#: alone from this; tests/test_lazy_commands.py checks it against what the modules register.
HOSTED: dict[str, dict[str, str]] = {
    "case": {"close": "lifecycle_cmds", "switch": "course_cmds", "reassign": "course_cmds",
             "event": "closure_cmds", "report": "closure_cmds", "purge": "closure_cmds"},
    "monitor": {"due": "due_cmds", "done": "safeguard_cmds"},
    "submit": {"receive": "closure_cmds"},
}

#: Every top-level command: the module that registers it on ``app`` (a one-element tuple;
#: subcommands other modules add to it are in :data:`HOSTED`) and its one-line help for
#: ``yobo --help``.  tests/test_lazy_commands.py checks both against what the modules register.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "init": (("casebook_cmds",), "ケースブックを作成します（yobo.yaml・.gitignore・スキーマ、git init と最初のコミット）。"),
    "validate": (("casebook_cmds",), "すべての文書をスキーマと整合性ルールで検査し、問題を「ファイル:行: [コード] 内容」で一覧にします。問題があれば終了コード 1。"),
    "log": (("casebook_cmds",), "だれが・いつ・何を変更したか（git の履歴）を表示します。ケースIDで絞り込めます。"),
    "evaluate": (("lifecycle_cmds",), "評価表を作ります（計画の目標と期間を写し、結果は --file）。"),
    "attach": (("lifecycle_cmds",), "書類の原本・写しのスキャンをケースに添付し、その紙をだれが持っているかを記録します。"),
    "render": (("render_cmds",), "ケースの文書を標準様式（Markdown・印刷用 HTML・PDF）で出力します。"),
    "verify": (("share_cmds",), "履歴から、各事業所が自分のファイルだけを書いたことを確かめます（問題があれば終了コード1）。"),
    "sync": (("share_cmds",), "共有リモートと同期します（取得・自分の記録を載せ替え・送信。自分ではコミットしません）。"),
    "staff": (("casebook_cmds",), "職員の登録と一覧。"),
    "schemas": (("casebook_cmds",), "ケースブックのスキーマ（エディタ用の写し）。"),
    "case": (("case_cmds",), "ケース（利用者）の登録・一覧・表示。"),
    "cert": (("cert_cmds",), "認定の記録。"),
    "checklist": (("lifecycle_cmds",), "基本チェックリストの記録と表示。"),
    "info": (("lifecycle_cmds",), "利用者基本情報の作成・修正・表示。"),
    "plan": (("lifecycle_cmds",), "介護予防サービス・支援計画書。"),
    "submit": (("lifecycle_cmds",), "地域包括支援センターへの提出。"),
    "review": (("lifecycle_cmds",), "包括による確認。"),
    "meeting": (("lifecycle_cmds",), "サービス担当者会議。"),
    "monitor": (("lifecycle_cmds",), "モニタリング。"),
    "note": (("lifecycle_cmds",), "介護予防支援経過記録。"),
    "contract": (("lifecycle_cmds",), "契約書類の記録。"),
    "report": (("due_cmds",), "報告書の作成。"),
    "dev": (("dev_cmds",), "開発用の道具。"),
    "export": (("exchange_cmds",), "ケースブックの内容を他のシステム向けのファイルに書き出します。"),
    "import": (("exchange_cmds",), "他のシステムのファイルをケースブックに取り込みます。"),
    "doctor": (("safeguard_cmds",), "主治医の指示（医療系サービスの利用についての意見）の確認。"),
    "equipment": (("safeguard_cmds",), "軽度者の福祉用具貸与の例外給付（認定調査による判定・保険者との協議）。"),
    "remote": (("share_cmds",), "二つの事業所で共有するリモート。"),
    "office": (("course_cmds",), "事業所の情報（介護予防支援の指定日）。"),
    "watch": (("casebook_cmds",), "ファイルの変更の監視（git の fsmonitor）。大きなケースブックで git status を速くします。"),
}

_registered: set[str] = set()
#: The groups a module adds subcommands to (:data:`HOSTED`) receive them here, one Typer a
#: group, apart from the group's own Typer: a subcommand is then made from the one module
#: that defines it, whichever of the group's modules happen to be registered.
_hosts: dict[str, typer.Typer] = {}


def register_modules(modules=MODULES) -> None:
    """Import ``modules`` and register their commands on ``app`` (once each, in :data:`MODULES` order)."""
    for name in MODULES:
        if name not in modules or name in _registered:
            continue
        _registered.add(name)
        hosts = {f"{group}_app": _hosts.setdefault(group, typer.Typer())
                 for group, subcommands in HOSTED.items() if name in subcommands.values()}
        # the import statement's own way in, not importlib.import_module: only that way
        # does ``python -X importtime`` list the command module, with what it imports under it
        __import__(f"{__name__}.{name}", fromlist=("register",)).register(app, **hosts)


def _command_name(info) -> str:
    """The name Typer gives a registered command (its function's, unless it was named)."""
    from typer.main import get_command_name

    return info.name or get_command_name(info.callback.__name__)


def _names(owner: typer.Typer) -> list[str]:
    """The names of the commands registered on ``owner``, in the order Typer makes them."""
    return [*map(_command_name, owner.registered_commands), *(info.name for info in owner.registered_groups)]


def _convert(owner: typer.Typer, name: str):
    """The click command ``name`` registered on ``owner``, made by Typer, or None."""
    from typer.main import get_command_from_info, get_group_from_info

    for info in owner.registered_commands:
        if _command_name(info) == name:
            return get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                         rich_markup_mode=app.rich_markup_mode)
    for info in owner.registered_groups:
        if info.name == name:
            return get_group_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                       rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands)
    return None


def _own_group(group: str) -> typer.Typer:
    """The Typer of ``group`` as its own module registers it on ``app`` (imported here)."""
    register_modules(COMMANDS[group][0])
    return next(info.typer_instance for info in app.registered_groups if info.name == group)


def _shared_group(group: str):
    """A group several modules add to (:data:`HOSTED`), made without importing any of them:
    its subcommands are made one by one as they are asked for (:class:`GroupCommands`).
    It is the group Typer would make of the group's Typer registered with the help of
    :data:`COMMANDS` (tests/test_lazy_commands.py compares the two)."""
    from typer.main import get_group_from_info
    from typer.models import TyperInfo

    made = get_group_from_info(TyperInfo(typer.Typer(no_args_is_help=True), name=group, help=COMMANDS[group][1]),
                               pretty_exceptions_short=app.pretty_exceptions_short,
                               rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands)
    made.commands = GroupCommands(group)
    return made


class LazyCommands(dict):
    """The root group's commands, each made on first use: its module imported and
    registered, then only it converted by Typer (a group several modules add to is made
    without importing any: :func:`_shared_group`).  Asked for all of them (iterated,
    counted), it makes them all.  While ``listing`` (the root's help), a command not yet
    made is shown from :data:`COMMANDS` without importing it.

    Commands Typer made beforehand (a second ``app()`` in one process, e.g. the tests'
    runner: Typer converts whatever is registered by then) are left out and made again
    on first use: a group made then may have lacked subcommands of modules registered later."""

    listing = False

    def __init__(self, made=()):
        super().__init__((name, command) for name, command in dict(made).items() if name not in COMMANDS)

    def _known(self) -> list[str]:
        """The names made on demand, as far as they are known without importing anything."""
        return list(COMMANDS)

    def _build(self, name):
        """The click command ``name``, or None."""
        if name in HOSTED:
            return _shared_group(name)
        if name not in COMMANDS:
            return None
        register_modules(COMMANDS[name][0])
        return _convert(app, name)

    def _make(self, name) -> bool:
        if dict.__contains__(self, name):
            return True
        if self.listing:
            return False
        command = self._build(name)
        if command is not None:
            dict.__setitem__(self, name, command)
        return command is not None

    def _make_all(self) -> None:
        for name in self.names():
            self._make(name)

    def names(self) -> list[str]:
        known = self._known()
        return [*known, *(n for n in dict.keys(self) if n not in known)]

    def get(self, name, default=None):
        if self._make(name):
            return dict.__getitem__(self, name)
        if self.listing and name in COMMANDS:
            return click_core.Command(name, help=COMMANDS[name][1])
        return default

    def __getitem__(self, name):
        if self._make(name):
            return dict.__getitem__(self, name)
        raise KeyError(name)

    def __contains__(self, name) -> bool:
        return dict.__contains__(self, name) or name in self._known()

    def __iter__(self):
        self._make_all()
        return iter(self.names())

    def keys(self):
        self._make_all()
        return {n: None for n in self.names()}.keys()

    def items(self):
        self._make_all()
        return [(n, dict.__getitem__(self, n)) for n in self.names() if dict.__contains__(self, n)]

    def values(self):
        return [command for _, command in self.items()]

    def __len__(self) -> int:
        return len(self.names())


class GroupCommands(LazyCommands):
    """The subcommands of a group several modules add to (:data:`HOSTED`), each made on
    first use from the one module that defines it: ``yobo monitor due`` imports due_cmds,
    not lifecycle_cmds, which makes ``monitor``.  Listing them (the group's help, shell
    completion) imports the group's own module and every module that adds to it."""

    def __init__(self, group: str):
        super().__init__()
        self.group = group

    def _known(self) -> list[str]:
        return [*_names(_own_group(self.group)), *HOSTED[self.group]]

    def _build(self, name):
        module = HOSTED[self.group].get(name)
        if module is None:
            return _convert(_own_group(self.group), name)
        register_modules((module,))
        return _convert(_hosts[self.group], name)

    def get(self, name, default=None):
        return dict.__getitem__(self, name) if self._make(name) else default

    def __contains__(self, name) -> bool:
        return dict.__contains__(self, name) or name in HOSTED[self.group] or name in self._known()


def utf8_streams(*streams, windows: bool = os.name == "nt") -> None:
    """On Windows, write UTF-8 whatever the code page: a redirected ``yobo render … > plan.md``
    would otherwise be written in cp932, which has no ☑ and fails on it.  (The console
    itself already takes UTF-8 since Python 3.6.)"""
    if not windows:
        return
    for stream in streams:
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8")


def main() -> None:
    """Console-script entry point."""
    utf8_streams(sys.stdout, sys.stderr)
    app()

"""Shell completion (``yobo --install-completion``): case ids, staff names and codes.

Imported only when the shell asks for completions (the ``_YOBO_COMPLETE`` variable is
set), so ordinary commands pay nothing for it.  The completers are attached by the
parameter's name, once for every command, so a new command whose argument is called
``case`` completes case ids without a line of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from .. import casebook as layout
from ..casebook import CACHE_DIR
from ..errors import YoboError

#: The variable the shell sets when it asks ``yobo`` for completions (click's convention).
COMPLETE_VAR = "_YOBO_COMPLETE"


def _root(ctx: click.Context) -> Path | None:
    """The casebook the command line names (``-C``), else ``YOBO_CASEBOOK``, else the
    current folder and upwards; None when there is none (nothing is completed then)."""
    given = None
    while ctx is not None and given is None:
        given = ctx.params.get("casebook")
        ctx = ctx.parent
    if isinstance(given, (list, tuple)):  # -C repeated (several casebooks): complete from the first
        given = given[0] if given else None
    given = given or os.environ.get("YOBO_CASEBOOK")
    try:
        return layout.open_root(Path(given)) if given else layout.find_root(Path.cwd())
    except (YoboError, OSError):
        return None


def _items(values: dict[str, str], incomplete: str, *, fold_case: bool = False) -> list[CompletionItem]:
    wanted = incomplete.upper() if fold_case else incomplete
    return [CompletionItem(value, help=help_text or None) for value, help_text in values.items()
            if (value.upper() if fold_case else value).startswith(wanted)]


def complete_case(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Case ids (folder names: cheap at any size), with the person's name from the derived
    index when it has been built (a cold index would take seconds; the ids come alone then)."""
    from ..loader import case_ids, load_config

    root = _root(ctx)
    if root is None:
        return []
    ids = {case_id: "" for case_id in case_ids(root)}
    if (root / CACHE_DIR).is_dir():
        try:
            from ..index import load_summaries
            from ..profiles import load_profile

            config = load_config(root, validate=False)
            summaries, _ = load_summaries(root, config, load_profile(config.profile, config.overrides))
            ids.update({s.id: s.name for s in summaries if s.id in ids})
        except (YoboError, OSError, ValueError):
            pass  # ids alone are still worth completing
    return _items(ids, incomplete, fold_case=True)


def complete_staff(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Registered staff names (yobo.yaml)."""
    from ..loader import load_config
    from ..vocab import OFFICE_KINDS

    root = _root(ctx)
    if root is None:
        return []
    try:
        config = load_config(root, validate=False)
    except (YoboError, OSError):
        return []
    return _items({s.name: OFFICE_KINDS.get(s.party, s.party) for s in config.staff}, incomplete)


def _codes(table: dict) -> callable:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        return _items({str(code): str(label) for code, label in table.items()}, incomplete)

    return complete


def _completers() -> dict[str, callable]:
    """Parameter name -> completer.  Codes come from the one table each is defined in."""
    from .. import vocab
    from ..profiles import profile_names

    completers = {"case": complete_case, "staff": complete_staff, "as_": complete_staff, "manager": complete_staff,
                  "status": _codes(vocab.DUE_STATUSES), "profile": _codes({name: "" for name in profile_names()})}
    for name, table in (("level", vocab.LEVELS), ("sex", vocab.SEXES), ("mode", vocab.MODES),
                        ("route", vocab.ROUTES), ("office_kind", vocab.OFFICE_KINDS), ("party", vocab.OFFICE_KINDS)):
        completers[name] = _codes(table)
    from ..forms import forms

    completers["form"] = _codes({code: form.title for code, form in forms().items()})
    return completers


def attach(group: click.Command) -> None:
    """Give every parameter of every command below ``group`` its completer, by name."""
    completers = _completers()

    def walk(command: click.Command) -> None:
        for param in command.params:
            completer = completers.get(param.name or "")
            if completer is not None and param._custom_shell_complete is None:
                param._custom_shell_complete = completer
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(group)

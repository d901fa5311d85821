"""The run() layer: one step of the case lifecycle from the casebook on disk to one commit.

A :class:`Session` reads the casebook's settings and one case, builds the step's
:class:`~yobo.workflow.context.Context`, runs a step function on it and commits the
Change through the one writer (:func:`yobo.workflow.apply.apply_change`).  It knows
nothing of the command line, the clock or the environment: the CLI finds the casebook,
decides today, takes the casebook lock and says how the acting staff member is
identified, and passes those in (shared/architecture.md §2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Concatenate, ParamSpec

from ..casebook import case_dir, resolve_case_id
from ..errors import InputError
from ..gitstore import Identity
from ..loader import case_ids, load_case, load_config
from ..model import Config
from ..profiles import load_profile
from .apply import Change, apply_change
from .context import Context

#: Who acts, given the casebook's settings: the CLI's answer from ``--as``, ``YOBO_STAFF``
#: or git's user.name, asked only when a step needs it (a read needs no staff member).
Identify = Callable[[Config], Identity]

P = ParamSpec("P")


class Session:
    """One step's casebook, case and acting staff member.

    ``root`` is the casebook, ``case`` the case id or its first characters, ``today``
    the day the step counts as happening on.  The caller takes the casebook's write
    lock before building a Session for a write, so the case read here is the state
    the step decides on.
    """

    def __init__(self, root: Path, case: str, today: date, *, identify: Identify):
        self.root = root
        self.today = today
        self.identify = identify
        self.config = load_config(root)
        self.case_id = resolve_case_id(case, case_ids(root))
        found, problems, _ = load_case(root, self.case_id, case_dir(self.case_id))
        if found is None or problems:
            raise InputError(f"ケース {self.case_id} の文書に問題があります: {problems[0]}（yobo validate で確認）")
        self.case = found
        self.author: Identity | None = None

    def context(self) -> Context:
        """The step's context; asks who acts (and remembers it as the commit's author)."""
        author = self.identify(self.config)
        self.author = author
        actor = self.config.staff_named(author.name)
        return Context(config=self.config, profile=load_profile(self.config.profile, self.config.overrides),
                       case=self.case, today=self.today, actor=actor)

    def run(self, step: Callable[Concatenate[Context, P], Change], *args: P.args, **kwargs: P.kwargs) -> Change:
        """Run one step function on this session's context (nothing is written yet)."""
        return step(self.context(), *args, **kwargs)

    def commit(self, change: Change) -> str:
        """Write the change as one commit by the acting staff member; returns its id."""
        if self.author is None:
            self.context()
        return apply_change(self.root, self.dated(change), self.author)

    def dated(self, change: Change) -> Change:
        """A step with no date of its own is dated the day it is recorded."""
        return change if change.day is not None else replace(change, day=self.today)

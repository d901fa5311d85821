"""The run() layer: one step of the case lifecycle from the casebook on disk to one commit.

:func:`run` checks a step's row of :data:`yobo.preconditions.STEP_RULES` (the case is
open, the acting party's, the plan exists, what must be recorded before is, what stops
the step is not) and only then calls the step function, so the step functions hold no
order checks of their own.  A :class:`Session` reads the casebook's settings and one
case, builds the step's :class:`~yobo.workflow.context.Context`, runs a step on it and
commits the Change through the one writer (:func:`yobo.workflow.apply.apply_change`).  It knows
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

from ..casebook import case_dir
from ..errors import InputError
from ..gitstore import Identity
from ..loader import find_case_id, load_case, load_config
from ..model import Config, Plan
from ..preconditions import STEP_RULES, refusal
from ..profiles import load_profile
from .apply import Change, apply_change
from .context import Context, OrderError, current_plan, require_active, require_party

#: Who acts, given the casebook's settings: the CLI's answer from ``--as``, ``YOBO_STAFF``
#: or git's user.name, asked only when a step needs it (a read needs no staff member).
Identify = Callable[[Config], Identity]

P = ParamSpec("P")


def check_step(ctx: Context, code: str, plan: Plan | str | None = None) -> None:
    """Refuse step ``code`` unless its row of :data:`~yobo.preconditions.STEP_RULES` holds
    for ``ctx`` and the plan it works on (``plan``: a Plan, a plan id, or None for the
    current plan).  A step without a row (the safeguard steps) checks its own order."""
    rule = STEP_RULES.get(code)
    if rule is None:
        return
    if not rule.after_close:
        require_active(ctx)
    if rule.party is not None:
        require_party(ctx, rule.party, rule.act)
    target = None
    if rule.plan == "required":
        target = plan if isinstance(plan, Plan) else current_plan(ctx, plan)
    elif rule.plan == "optional":
        target = ctx.case.current_plan
    message = refusal(code, ctx.case, target, ctx.profile)
    if message is not None:
        raise OrderError(message)


def run(ctx: Context, step: Callable[Concatenate[Context, P], Change], *args: P.args, **kwargs: P.kwargs) -> Change:
    """Run one step function on ``ctx`` once its preconditions hold (nothing is written yet).

    The step's code is its ``step_code`` (``{occasion}`` filled from the call); the plan
    it works on is a Plan passed first, else the ``plan_id`` given, else the current one."""
    code = getattr(step, "step_code", None)
    if code is not None:  # a step without a code (the safeguard steps) checks its own order
        plan = args[0] if args and isinstance(args[0], Plan) else kwargs.get("plan_id")
        check_step(ctx, code.format(**kwargs), plan)
    return step(ctx, *args, **kwargs)


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
        self.case_id = find_case_id(root, case)  # its own shard folder, not every case (issue 16)
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
        """:func:`run` on this session's context (nothing is written yet)."""
        return run(self.context(), step, *args, **kwargs)

    def commit(self, change: Change) -> str:
        """Write the change as one commit by the acting staff member; returns its id."""
        if self.author is None:
            self.context()
        return apply_change(self.root, self.dated(change), self.author)

    def dated(self, change: Change) -> Change:
        """A step with no date of its own is dated the day it is recorded."""
        return change if change.day is not None else replace(change, day=self.today)

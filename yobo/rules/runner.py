"""The one way rules are written and run: ``rule(case, ctx) -> list[Problem | Due]``.

Every rule — a consistency check ``yobo validate`` runs or a deadline the due list
shows — looks at one case and a :class:`RuleContext` (today, the municipal profile, the
office's settings, and the other cases for the few rules that compare cases).  Each
carries a stable kebab-case code, given with :func:`rule`, and a docstring citing its
seed.  :func:`run_rules` calls a list of them on one case; a rule that raises becomes a
:class:`~yobo.errors.Problem` for that case under the rule's code (「規則 … の内部エラー」)
and the other rules and cases go on: one bad record, or one bug, never hides the rest
(beancount runs its validations the same way, shared/architecture.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable

from ..errors import Problem, Source
from ..model import Case, Config

#: The code a rule that forgot :func:`rule` reports its crash under.
UNNAMED = "rule"


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides its case.

    ``today`` is None for the due rules: their obligations do not depend on the day (the
    index caches them), so a due rule that asks for it fails — and is reported, not run
    silently wrong."""

    profile: dict
    config: Config | None = None
    today: date | None = None
    #: every case of the casebook, for rules that compare a case with the others
    cases: tuple[Case, ...] = ()
    #: work shared by all cases of one run (:meth:`shared`), e.g. cases by insured number
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()`` once per run under ``key``: a rule comparing every case with the
        others indexes them once rather than once a case (10,000 cases)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]


def rule(code: str):
    """Mark a function as the rule ``code`` (the code its crash is reported under)."""
    def mark(check):
        check.code = code
        return check
    return mark


def code_of(check) -> str:
    return getattr(check, "code", UNNAMED)


def rule_error(check, case: Case, exc: Exception) -> Problem:
    """The Problem a crashing rule becomes: at the case's ``case.yaml``, under the rule's code."""
    code = code_of(check)
    return Problem(Source(case.file, 0), code,
                   f"規則 {code} の内部エラーのため、このケースを検査できませんでした（{type(exc).__name__}）。"
                   "ほかの規則とケースの検査は続けています。yobo の不具合として管理者に知らせてください")


def run_rules(rules: Iterable, case: Case, ctx: RuleContext) -> list:
    """Every item ``rules`` find in ``case``, in the rules' order; a rule that raises adds
    one Problem (:func:`rule_error`) instead of stopping the run."""
    out: list = []
    for check in rules:
        try:
            out.extend(check(case, ctx))
        except Exception as exc:  # noqa: BLE001 - any bug in one rule must not stop the others
            out.append(rule_error(check, case, exc))
    return out

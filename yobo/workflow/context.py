"""What every step of the case lifecycle shares (shared/domain.md §3): the step's
:class:`Context`, the order error, the date and party checks and the path helpers.

Before a step runs, the run() layer (:func:`yobo.workflow.run.run`) checks its row of
:data:`yobo.preconditions.STEP_RULES` and refuses with a message that says what must
happen first (seed 002 資料1: 原案 → 包括確認 → 担当者会議 → 同意 → 交付 → サービス開始 →
モニタリング → 評価 → 包括確認); the step functions check only their own input.  The
包括 writes only ``*.hokatsu.yaml`` files and the 居宅 only its own, so a shared
repository never conflicts (shared/architecture.md §1).  The steps live one module a
stage (certification, intake, assessment, planning, review, agreement, monitoring,
evaluation, closure); each is a pure function of a :class:`Context` to a Change,
marked with its step code by :func:`step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from ..casebook import author_token, case_dir
from ..errors import InputError
from ..kinds import current_papers
from ..model import Case, Config, Plan, Staff
from ..values import check_date_window
from ..vocab import OFFICE_KINDS
from .documents import render_new

F = TypeVar("F", bound=Callable)


class OrderError(InputError):
    """A step asked for before the step it depends on."""


@dataclass(frozen=True)
class Context:
    """What every step knows: the casebook's settings, the case, today and who acts."""

    config: Config
    profile: dict
    case: Case
    today: date
    actor: Staff

    @property
    def folder(self) -> str:
        return case_dir(self.case.id)


def step(code: str) -> Callable[[F], F]:
    """Mark a step function with its step code (``vocab.STEPS``; ``{occasion}`` is filled
    in from the call), the key of its row in :data:`yobo.preconditions.STEP_RULES` that
    the run() layer checks before calling it."""
    def mark(function: F) -> F:
        function.step_code = code  # type: ignore[attr-defined]
        return function
    return mark


def step_date(ctx: Context, value: date | None, field: str = "--date") -> date:
    """The step's date: given, or today; never in the future (records are of what happened)."""
    day = value or ctx.today
    if day > ctx.today:
        raise InputError(f"{day} は今日（{ctx.today}）より後の日付です", field=field)
    return check_date_window(field, day, ctx.today)


def require_active(ctx: Context) -> None:
    if ctx.case.status != "active":
        when = f"（{ctx.case.closed_on}）" if ctx.case.closed_on else ""
        raise OrderError(f"ケース {ctx.case.id} は終了しています{when}")


def require_party(ctx: Context, party: str, what: str) -> None:
    """Each side writes only its own files: 包括 confirmations are the 包括's, the rest the 居宅's."""
    if ctx.actor.party != party:
        raise InputError(f"{what}は{OFFICE_KINDS[party]}の職員が行います（'{ctx.actor.name}' は"
                         f"{OFFICE_KINDS[ctx.actor.party]}の職員です。--as で指定してください）", field="--as")


def current_plan(ctx: Context, plan_id: str | None = None) -> Plan:
    case = ctx.case
    if plan_id:
        plan = case.plan(plan_id.upper())
        if plan is None:
            known = "、".join(p.id for p in case.plans) or "なし"
            raise InputError(f"計画 {plan_id} はありません（このケースの計画: {known}）", field="--plan")
        return plan
    plan = case.current_plan
    if plan is None:
        raise OrderError("計画がまだありません。先に yobo plan draft で原案を作ってください")
    return plan


def _unique(existing: set[str], folder: str, stem: str) -> str:
    """``folder/stem.yaml``, or ``stem-2.yaml``… when that name is taken (never overwrite)."""
    candidate = f"{folder}/{stem}.yaml"
    n = 2
    while candidate in existing:
        candidate = f"{folder}/{stem}-{n}.yaml"
        n += 1
    return candidate


def monitoring_path(folder: str, month: str, actor: Staff) -> str:
    """``monitoring/<yyyy-mm>-<author token>.yaml``: one file a month and staff member, so
    two staff members visiting in the same month never write the same file."""
    return f"{folder}/monitoring/{month}-{author_token(actor.id, actor.party, actor.name)}.yaml"


def event_path(folder: str, day: date, actor: Staff, taken: set[str]) -> str:
    """``<date>-<party>-<n>-<author token>.yaml`` for an event record (note, custody): the
    number keeps one author's same-day entries apart, the token two authors' (or two
    offices') — so syncing never meets an add/add conflict."""
    stem = f"{folder}/{day.isoformat()}-{actor.party}-"
    token = author_token(actor.id, actor.party, actor.name)
    n = 1 + sum(1 for p in taken if p.startswith(stem))
    while f"{stem}{n}-{token}.yaml" in taken:
        n += 1
    return f"{stem}{n}-{token}.yaml"


def existing_paths(case: Case) -> set[str]:
    paths = {c.path for c in case.certifications} | {d.path for d in case.basic_infos}
    paths |= {c.path for c in case.checklists} | {n.path for n in case.notes} | {s.path for s in case.submissions}
    paths |= {c.path for c in case.custody} | {m.path for m in case.monitoring} | set(case.unreadable)
    for plan in case.plans:
        paths |= {plan.path} | {r.path for r in plan.reviews} | {m.path for m in plan.meetings}
        if plan.weekly is not None:
            paths.add(plan.weekly.path)
    return paths


def _party_path(ctx: Context, folder: str, day: date) -> str:
    """``<folder>/<date>-<party>-<n>-<author token>.yaml`` (notes, custody records): named by
    the writing party and person, so neither the 居宅 and the 包括 nor two staff members of
    one office ever write the same file in a shared repository (:func:`event_path`)."""
    return event_path(f"{ctx.folder}/{folder}", day, ctx.actor, existing_paths(ctx.case))


def _new_doc(rel: str, kind: str, data: dict) -> dict[str, str]:
    return {rel: render_new(rel, kind, data)}


def _clean(data: dict) -> dict:
    """Drop empty optional values so documents stay short and schema-valid."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _document_refs(ctx: Context, plan: Plan | None) -> dict[str, str]:
    """The current yobo document behind each document code of a submission set: the
    last recorded version (model.record_order), the plan's own evaluation and meeting
    (:func:`yobo.kinds.current_papers`)."""
    return current_papers(ctx.case, plan)

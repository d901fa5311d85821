"""What must be recorded before each step of the case lifecycle, as one table.

The run() layer (:func:`yobo.workflow.run.run`) reads a step's row before it runs the
step function and refuses with the row's message; ``yobo validate`` (rule
``plan-order``, :mod:`yobo.rules.lifecycle`) reads the same rows to find, in a casebook
edited by hand or merged from two offices, a record made without (or before) what it
depends on.  A row says who does the step (居宅 or 包括), whether it works on a plan,
what must already be recorded (:class:`Need`, possibly only for some modes or
profiles), what must not be recorded yet (:class:`Block`) and the record the step
leaves on the plan.

Source: seed 002 (002_ac00e42d951987eb.txt) 資料1 steps 1–10 (原案 → 包括確認 → 担当者会議
→ 同意 → 交付 → サービス開始 → モニタリング → 評価 → 包括確認; 担当者会議後の変更は包括の確認
が必要); seed 000 (000_74768b37736573e7.txt) 手順5–9, 16; seed 002 III (軽微な変更: after
the 同意, before the 評価); seed 002 資料5 (what each submission to the 包括 presumes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from .domain import hokatsu_confirms
from .ledger import returned, waives_evaluation
from .model import Case, Plan
from .vocab import MODES


@dataclass(frozen=True)
class Fact:
    """A record of a plan that a step may need or be stopped by.

    ``what`` names it in Japanese, ``done`` is the verb phrase of 「…済み」, ``command``
    the command that records it (``{case}`` is the case id), ``on`` the first day it
    was recorded (None while it is not) and ``where`` the file that holds it."""

    code: str
    what: str
    done: str
    command: str
    on: Callable[[Case, Plan], date | None]
    where: Callable[[Case, Plan], str] = lambda case, plan: plan.path


def _first(days) -> date | None:
    return min(days, default=None)


def _drafts(case: Case, plan: Plan) -> list:
    return [s for s in case.submissions if s.occasion == "draft" and s.plan == plan.id]


def _draft_of_this_text(case: Case, plan: Plan) -> date | None:
    """The last 原案 submission, when it was of the plan's current text."""
    sent = _drafts(case, plan)
    return sent[-1].date if sent and sent[-1].plan_digest == plan.digest else None


def _review_of_agreed_text(case: Case, plan: Plan) -> date | None:
    """A 包括 confirmation of the very text agreed to (or, before the 同意, of the current text)."""
    digest = plan.consent.plan_digest if plan.consent is not None else plan.digest
    return _first(r.date for r in plan.reviews if r.plan_digest == digest)


DRAFT_SENT = Fact("draft-sent", "原案の包括への提出", "原案の提出",
                  "居宅が yobo submit hokatsu {case} --occasion draft",
                  lambda case, plan: _first(s.date for s in _drafts(case, plan)))
DRAFT_SENT_AS_IS = Fact("draft-sent-as-is", "提出した原案", "提出", "居宅が yobo submit hokatsu {case} --occasion draft",
                        _draft_of_this_text)
REVIEWED = Fact("reviewed", "包括の原案確認", "原案確認",
                "yobo submit hokatsu --occasion draft のあと包括が yobo review plan",
                lambda case, plan: _first(r.date for r in plan.reviews),
                lambda case, plan: plan.reviews[0].path if plan.reviews else plan.path)
REVIEWED_AS_AGREED = Fact("reviewed-as-agreed", "同意した計画の包括の確認", "確認",
                          "yobo submit hokatsu --occasion draft → yobo review plan", _review_of_agreed_text)
MEETING = Fact("meeting", "担当者会議", "担当者会議", "yobo meeting record",
               lambda case, plan: _first(m.date for m in plan.meetings),
               lambda case, plan: plan.meetings[0].path if plan.meetings else plan.path)
CONSENT = Fact("consent", "同意", "同意", "yobo plan agree",
               lambda case, plan: plan.consent.date if plan.consent else None,
               lambda case, plan: plan.consent.path if plan.consent else plan.path)
STARTED = Fact("started", "サービス開始", "サービス開始", "yobo plan start",
               lambda case, plan: plan.service_start,
               lambda case, plan: f"{plan.dir}/start.yaml")
EVALUATED = Fact("evaluated", "評価表", "評価", "yobo evaluate {case}",
                 lambda case, plan: plan.evaluation.date if plan.evaluation else None,
                 lambda case, plan: plan.evaluation.path if plan.evaluation else plan.path)
EVALUATION_SENT = Fact("evaluation-sent", "評価表の包括への提出", "評価表の提出",
                       "居宅が yobo submit hokatsu {case} --occasion evaluation",
                       lambda case, plan: _first(s.date for s in case.submissions
                                                 if s.occasion == "evaluation" and s.plan == plan.id))
EVALUATION_REVIEWED = Fact("evaluation-reviewed", "包括の評価表の確認", "評価表の確認", "yobo review evaluation",
                           lambda case, plan: plan.evaluation_review.date if plan.evaluation_review else None,
                           lambda case, plan: plan.evaluation_review.path if plan.evaluation_review else plan.path)

#: A condition on the case, the plan and the profile: when a Need applies.
When = Callable[[Case, Plan, dict], bool]


def always(case: Case, plan: Plan, profile: dict) -> bool:
    return True


def hokatsu_reviews(case: Case, plan: Plan, profile: dict) -> bool:
    """The 包括 confirms this case's plans (委託; the profile's ``hokatsu_review``) — by the
    mode the plan was agreed under, once it is: a plan agreed under 委託 with the 包括's
    confirmation stays in order after the move to 指定, and one agreed under 指定 after a
    switch to ケアマネジメントA (委託) (``yobo case switch``, seed 004 line 38–46, 104)."""
    mode = case.mode_on(plan.consent.date) if plan.consent is not None else case.mode
    return hokatsu_confirms(mode, profile)


def evaluation_owed(case: Case, plan: Plan, profile: dict) -> bool:
    """The started plan is evaluated before the case ends — unless the case left by an
    event after which there is nobody to evaluate with (死亡・施設入所…: profile
    ``closure.without_evaluation``, :func:`yobo.ledger.waives_evaluation`)."""
    return plan.service_start is not None and waives_evaluation(case, profile) is None


def before_any_return(case: Case, plan: Plan, profile: dict) -> bool:
    """The plan is not one that ended when the case left for 要介護 and came back
    (:func:`yobo.ledger.returned`): the plan after a return needs nothing of it."""
    back = returned(case)
    return back is None or plan.created_on > back.date


@dataclass(frozen=True)
class Need:
    """``fact`` must be recorded before the step (when ``when`` holds).  ``refusal`` is the
    message when it is not (``{plan}``, ``{case}``, ``{command}`` filled in); ``at_step``
    marks a need only the step checks (the plan's text at that moment, or the 居宅's own
    hand-over bookkeeping, which a paper hand-over outside yobo may lack)."""

    fact: Fact
    when: When = always
    refusal: str = "計画 {plan} の{what}がまだです（{command}）"
    at_step: bool = False


@dataclass(frozen=True)
class Block:
    """``fact`` must not be recorded yet: once it is, the step is refused with ``refusal``
    (``{plan}``, ``{date}``, ``{case}`` filled in)."""

    fact: Fact
    refusal: str = "計画 {plan} は {date} に{done}済みです"


@dataclass(frozen=True)
class StepRule:
    """One step's row: who does it (``party``: kyotaku, hokatsu or None for either, ``act``
    naming the act in the refusal), which plan it works on (``plan``: ``required`` — the
    current or the given plan, ``optional`` — the current one if any, ``none``), what it
    needs and what stops it, the fact it leaves on the plan (checked by validate) and
    whether the step happens at all for this case (``only_if``)."""

    party: str | None
    act: str
    plan: str = "none"
    needs: tuple[Need, ...] = ()
    blocks: tuple[Block, ...] = ()
    leaves: Fact | None = None
    #: the step happens at all only when this holds (``otherwise``: the refusal, with
    #: ``{mode}`` 委託/指定 and ``{profile}`` the profile's name)
    only_if: When | None = None
    otherwise: str = ""
    #: the step may follow the case's close (the hand-back, its 経過: seed 002 資料1-10)
    after_close: bool = False


_CHANGE_BY_NEW_PLAN = "変更は新しい計画（評価のあと yobo plan draft）で行ってください"

#: Every lifecycle step's row, by its step code (vocab.STEPS).
STEP_RULES: dict[str, StepRule] = {
    "cert-add": StepRule("kyotaku", "認定の記録"),
    "cert-decide": StepRule("kyotaku", "認定結果の記録"),
    "contract": StepRule(None, "契約の記録"),
    "attach": StepRule(None, "スキャンの添付"),
    "checklist-record": StepRule(None, "基本チェックリストの記録"),
    "basic-info": StepRule("kyotaku", "利用者基本情報の作成"),
    "plan-draft": StepRule("kyotaku", "計画の作成", "optional", needs=(
        # the plan before must be through: agreed, then evaluated (seed 000 手順18)
        Need(CONSENT, before_any_return,
             "計画 {plan} がまだ原案です。yobo plan edit で直してください（新しい計画は評価のあとに作ります）"),
        Need(EVALUATED, before_any_return, "計画 {plan} の評価がまだです。先に yobo evaluate {case} で評価表を作ってください"),
    )),
    "plan-edit": StepRule("kyotaku", "計画の修正", "required", blocks=(
        Block(CONSENT, "計画 {plan} は {date} に同意済みです。" + _CHANGE_BY_NEW_PLAN),)),
    "plan-amend": StepRule("kyotaku", "軽微な変更", "required", needs=(
        Need(CONSENT, refusal="計画 {plan} はまだ同意を得ていません。同意前の変更は yobo plan edit で行ってください"),
    ), blocks=(Block(EVALUATED, "計画 {plan} は {date} に評価済みです。変更は新しい計画で行ってください"),)),
    "plan-weekly": StepRule("kyotaku", "週間計画表の作成", "required"),
    "submit-draft": StepRule("kyotaku", "包括への提出", "required", blocks=(
        Block(CONSENT, "計画 {plan} は同意済みです。原案確認の提出はできません"),)),
    "submit-new-contract": StepRule("kyotaku", "包括への提出", "required", needs=(Need(CONSENT),)),
    "submit-plan-change": StepRule("kyotaku", "包括への提出", "required", needs=(Need(CONSENT),)),
    "submit-evaluation": StepRule("kyotaku", "包括への提出", "required", needs=(Need(EVALUATED),)),
    "submit-meeting": StepRule("kyotaku", "包括への提出", "required", needs=(Need(MEETING),)),
    "submit-route-change": StepRule("kyotaku", "包括への提出", "required"),
    "submit-renewal": StepRule("kyotaku", "包括への提出"),
    "submit-level-change": StepRule("kyotaku", "包括への提出"),
    "submit-termination": StepRule("kyotaku", "包括への提出", "optional", needs=(
        Need(EVALUATED, evaluation_owed, "終了時の提出の前に計画 {plan} の評価が必要です（{command}）"),),
        after_close=True),
    "review-plan": StepRule("hokatsu", "原案の確認", "required", needs=(
        # the hand-over record is the 居宅's bookkeeping: validate does not ask for it
        Need(DRAFT_SENT, refusal="計画 {plan} の原案がまだ包括に提出されていません（{command}）", at_step=True),
        Need(DRAFT_SENT_AS_IS, refusal="計画 {plan} は提出後に変更されています。居宅がもう一度原案を提出してください"
                                       "（yobo submit hokatsu {case} --occasion draft）", at_step=True),
    ), blocks=(Block(CONSENT, "計画 {plan} は同意済みです"),), leaves=REVIEWED,
        only_if=hokatsu_reviews, otherwise="{mode}のケースの原案確認はプロファイル {profile} では行いません"),
    "meeting": StepRule("kyotaku", "担当者会議の記録", "required", blocks=(
        Block(CONSENT, "計画 {plan} は同意済みです。次の会議は新しい計画で記録してください"),)),
    "plan-agree": StepRule("kyotaku", "同意の記録", "required", needs=(
        Need(MEETING),
        # a 委託 plan: the 包括 confirmed exactly the text the user agrees to (seed 002 資料1-4)
        Need(REVIEWED, hokatsu_reviews, "計画 {plan} は{what}がまだです（{command}）"),
        Need(REVIEWED_AS_AGREED, hokatsu_reviews,
             "計画 {plan} は包括の確認のあとに変更されています。利用者に説明する前に、包括の確認をもう一度受けてください"
             "（{command}）"),
    ), blocks=(Block(CONSENT),), leaves=CONSENT),
    "plan-start": StepRule("kyotaku", "サービス開始の記録", "required", needs=(Need(CONSENT),),
                           blocks=(Block(STARTED),), leaves=STARTED),
    "monitor": StepRule("kyotaku", "モニタリングの記録", "required", needs=(
        Need(STARTED, refusal="計画 {plan} のサービスがまだ始まっていません（{command}）"),)),
    "note": StepRule(None, "経過記録", after_close=True),
    "evaluate": StepRule("kyotaku", "評価", "required", needs=(
        Need(STARTED, refusal="計画 {plan} のサービスがまだ始まっていません（{command}）"),),
        blocks=(Block(EVALUATED),), leaves=EVALUATED),
    "review-evaluation": StepRule("hokatsu", "評価表の確認", "required", needs=(
        Need(EVALUATED, refusal="計画 {plan} の評価表がまだです（居宅が yobo evaluate {case}）"),
        Need(EVALUATION_SENT, refusal="評価表がまだ包括に提出されていません（{command}）", at_step=True),
    ), blocks=(Block(EVALUATION_REVIEWED, "計画 {plan} の評価表は {date} に確認済みです"),), leaves=EVALUATION_REVIEWED,
        only_if=hokatsu_reviews, otherwise="このケースの評価表の確認はプロファイル {profile} では行いません"),
    "case-close": StepRule("kyotaku", "ケースの終了", "optional", needs=(
        Need(EVALUATED, evaluation_owed, "終了の前に計画 {plan} の評価が必要です（{command}）"),)),
    # 台帳 (seed 003 line 28): events, their 一報, and the 包括's receipt of the hand-back
    "case-event": StepRule("kyotaku", "台帳の記録", after_close=True),
    "event-report": StepRule("kyotaku", "包括への一報", after_close=True),
    "submission-receipt": StepRule("hokatsu", "提出の受領", after_close=True),
}


def _fill(template: str, case: Case, plan: Plan, fact: Fact, day: date | None = None) -> str:
    return template.format(plan=plan.id, case=case.id, what=fact.what, done=fact.done, date=day,
                           command=fact.command.format(case=case.id))


def refusal(step: str, case: Case, plan: Plan | None, profile: dict) -> str | None:
    """Why ``step`` may not run on ``plan`` of ``case`` now (the first unmet row entry, in
    Japanese, naming the command that records what is missing), or None."""
    rule = STEP_RULES.get(step)
    if rule is None or plan is None:
        return None
    if rule.only_if is not None and not rule.only_if(case, plan, profile):
        return rule.otherwise.format(mode=MODES.get(case.mode, case.mode), profile=profile.get("name", ""))
    for block in rule.blocks:
        day = block.fact.on(case, plan)
        if day is not None:
            return _fill(block.refusal, case, plan, block.fact, day)
    for need in rule.needs:
        if need.when(case, plan, profile) and need.fact.on(case, plan) is None:
            return _fill(need.refusal, case, plan, need.fact)
    return None


@dataclass(frozen=True)
class Disorder:
    """A recorded fact whose need is missing (``before`` None) or recorded later."""

    path: str
    step: str
    fact: Fact
    day: date
    need: Fact
    before: date | None


def disorders(case: Case, profile: dict) -> list[Disorder]:
    """Every recorded fact of ``case``'s plans left by a step whose needs (those not
    ``at_step``) are missing or dated after it — what ``yobo validate`` reports."""
    out = []
    for plan in case.plans:
        for step, rule in STEP_RULES.items():
            if rule.leaves is None:
                continue
            day = rule.leaves.on(case, plan)
            if day is None:
                continue
            for need in rule.needs:
                if need.at_step or not need.when(case, plan, profile):
                    continue
                before = need.fact.on(case, plan)
                if before is None or before > day:
                    out.append(Disorder(rule.leaves.where(case, plan), step, rule.leaves, day, need.fact, before))
                    break  # the first one missing says it; the later ones follow from it
    return out

"""The run() layer and the preconditions table (yobo/preconditions.py) on model values:
what must be recorded before each step, per mode and profile, checked before the step
function runs, and read again by ``yobo validate`` (rule ``plan-order``)."""

from __future__ import annotations

import inspect
from dataclasses import replace

import pytest

from stepmodels import (HOKATSU, agreed_plan, case, consent, ctx, meeting, plan, review)
from yobo import preconditions
from yobo.errors import InputError
from yobo.rules.lifecycle import check_plan_order
from yobo.vocab import STEPS, SUBMISSION_OCCASIONS
from yobo.workflow import (agreement, assessment, certification, closure, evaluation, events, intake, monitoring,
                           planning, review as review_steps)
from yobo.workflow.context import OrderError
from yobo.workflow.run import check_step, run

STAGES = (certification, intake, assessment, planning, review_steps, agreement, monitoring, evaluation, events, closure)


def step_functions():
    """Every public function of a stage module that returns a Change: the steps."""
    for module in STAGES:
        for name, function in vars(module).items():
            if inspect.isfunction(function) and function.__module__ == module.__name__ and not name.startswith("_") \
                    and inspect.signature(function).return_annotation == "Change":
                yield function


def test_every_step_function_has_a_row_and_every_row_a_step_code():
    codes = set()
    for function in step_functions():
        assert hasattr(function, "step_code"), f"{function.__module__}.{function.__name__} has no @step"
        if "{occasion}" in function.step_code:
            codes |= {function.step_code.format(occasion=o) for o in SUBMISSION_OCCASIONS}
        else:
            codes.add(function.step_code)
    assert codes == set(preconditions.STEP_RULES)
    assert set(preconditions.STEP_RULES) <= set(STEPS)


def test_every_refusal_of_a_missing_record_names_the_command_that_records_it():
    for code, rule in preconditions.STEP_RULES.items():
        for need in rule.needs:
            assert "{command}" in need.refusal or "yobo " in need.refusal, (code, need.fact.code)
            assert "yobo " in need.fact.command, need.fact.code


def test_the_party_is_checked_before_the_order():
    # a 包括 staff member recording a 居宅's consent hears who does it, not what is missing
    with pytest.raises(InputError, match="居宅介護支援事業所の職員が行います"):
        check_step(ctx(case(plans=(plan(),)), actor=HOKATSU), "plan-agree")


def test_a_closed_case_is_refused_for_every_step():
    closed = case(status="closed", plans=(plan(),))
    for code, rule in preconditions.STEP_RULES.items():
        if rule.after_close:
            continue
        with pytest.raises(OrderError, match="終了しています"):
            check_step(ctx(closed), code)
    # the hand-back and its 経過 follow the close (seed 002 資料1-10); a return from 要介護 reopens
    assert {c for c, r in preconditions.STEP_RULES.items() if r.after_close} == {
        "note", "submit-termination", "case-event", "event-report", "submission-receipt"}


def test_no_plan_yet_names_plan_draft():
    with pytest.raises(OrderError, match="yobo plan draft"):
        check_step(ctx(case()), "meeting")


def test_consent_needs_a_meeting_then_the_hokatsu_review_of_this_text():
    # seed 002 資料1 steps 3–4: 原案 → 包括確認 → 担当者会議 → 同意
    with pytest.raises(OrderError, match=r"計画 P1 の担当者会議がまだです（yobo meeting record）"):
        check_step(ctx(case(plans=(plan(),))), "plan-agree")
    with pytest.raises(OrderError, match="包括の原案確認がまだです"):
        check_step(ctx(case(plans=(plan(meetings=(meeting(),)),))), "plan-agree")
    changed = plan(digest="d2", meetings=(meeting(),), reviews=(review(digest="d1"),))
    with pytest.raises(OrderError, match="包括の確認のあとに変更されています"):
        check_step(ctx(case(plans=(changed,))), "plan-agree")
    check_step(ctx(case(plans=(plan(meetings=(meeting(),), reviews=(review(),)),))), "plan-agree")


def test_the_review_need_follows_the_profile_not_the_mode_name():
    only_meeting = plan(meetings=(meeting(),))
    # 指定: no 包括 confirmation in the national profile (seed 003 居宅指定)
    check_step(ctx(case(mode="shitei", plans=(only_meeting,))), "plan-agree")
    # a profile whose 包括 does not confirm 委託 plans either
    context = ctx(case(plans=(only_meeting,)))
    check_step(replace(context, profile={**context.profile, "hokatsu_review": {"itaku": False}}), "plan-agree")


def test_a_step_already_done_is_refused_with_its_date():
    with pytest.raises(OrderError, match="計画 P1 は 2026-11-26 に同意済みです"):
        check_step(ctx(case(plans=(agreed_plan(),))), "plan-agree")


def test_run_checks_before_the_step_function_is_called():
    called = []

    def fake(context, **kwargs):
        called.append(kwargs)

    fake.step_code = "plan-start"
    with pytest.raises(OrderError, match=r"同意がまだです（yobo plan agree）"):
        run(ctx(case(plans=(plan(),))), fake, day=None)
    assert called == []


def test_submission_rows_follow_the_occasion():
    draft = ctx(case(plans=(plan(),)))
    with pytest.raises(OrderError, match="同意がまだです"):
        check_step(draft, "submit-new-contract")
    with pytest.raises(OrderError, match="原案確認の提出はできません"):
        check_step(ctx(case(plans=(agreed_plan(),))), "submit-draft")
    check_step(draft, "submit-draft")
    check_step(ctx(case()), "submit-renewal")  # no plan needed


def validate(the_case, profile="national"):
    from yobo.model import Config
    from yobo.profiles import load_profile
    from yobo.rules.runner import RuleContext

    config = Config("テスト居宅", "kyotaku", None, profile, ())
    return [p.message for p in check_plan_order(the_case, RuleContext(load_profile(profile), config, the_case.opened))]


def test_validate_reads_the_same_rows():
    assert validate(case(plans=(agreed_plan(),))) == []
    # a consent with no meeting on disk: the row of plan-agree says a meeting comes first
    assert validate(case(plans=(plan(reviews=(review(),), consent=consent()),))) == [
        "担当者会議の記録がないまま同意が記録されています"]
    # a meeting dated after the consent it should precede
    late = plan(meetings=(meeting("2026-11-28"),), reviews=(review(),), consent=consent("2026-11-26"))
    assert validate(case(plans=(late,))) == ["同意（2026-11-26）が担当者会議（2026-11-28）より前です"]
    # 指定 without any 包括 review: fine by the profile, as the step says
    assert validate(case(mode="shitei", plans=(plan(meetings=(meeting(),), consent=consent()),))) == []
    started_early = replace(agreed_plan(), service_start=consent().date.replace(day=20))
    assert validate(case(plans=(started_early,))) == ["サービス開始（2026-11-20）が同意（2026-11-26）より前です"]

"""The review stage (yobo/workflow/review.py) on model values: submissions to the 包括
with their hand-overs, and the 包括's confirmations."""

from __future__ import annotations

from datetime import date

import pytest

from stepmodels import HOKATSU, agreed_plan, case, ctx, evaluation, plan, submission, written
from yobo.workflow.context import OrderError
from yobo.workflow.review import review_evaluation, review_plan, submit_to_hokatsu
from yobo.workflow.run import run


def test_a_draft_goes_as_original_and_the_kyotaku_keeps_a_copy():
    # national profile (seed 000 手順5): the 原案 原本 to the 包括; no 基本情報 yet, so none is handed over
    change = run(ctx(case(plans=(plan(),))), submit_to_hokatsu, occasion="draft", day=date(2026, 11, 21))
    path, data = written(change)
    assert change.step == "submit-draft" and path == "cases/AB/ABC123/submissions/2026-11-21-draft.yaml"
    assert data["handovers"] == [{"doc": "plan", "ref": "cases/AB/ABC123/plans/P1/plan.yaml",
                                  "original_to": "hokatsu", "copies_to": ["kyotaku"]}]
    assert data["plan_digest"] == "d1"
    assert any("基本情報" in w for w in change.warnings)


def test_the_hokatsu_reviews_only_what_was_handed_over_as_it_stands():
    with pytest.raises(OrderError, match="原案がまだ包括に提出されていません（居宅が yobo submit hokatsu ABC123"):
        run(ctx(case(plans=(plan(),)), actor=HOKATSU), review_plan, opinion="", day=None, plan_id=None)
    stale = case(plans=(plan(digest="d2"),), submissions=(submission(digest="d1"),))
    with pytest.raises(OrderError, match="提出後に変更されています"):
        run(ctx(stale, actor=HOKATSU), review_plan, opinion="", day=None, plan_id=None)
    sent = case(plans=(plan(),), submissions=(submission(),))
    change = run(ctx(sent, actor=HOKATSU), review_plan, opinion="目標を具体的に", day=date(2026, 11, 23), plan_id="P1")
    path, data = written(change)
    assert path.endswith("/plans/P1/reviews/2026-11-23.hokatsu.yaml")
    assert data["plan_digest"] == "d1" and data["opinion"] == "目標を具体的に"
    # the 原案 goes back to the 居宅 (seed 000 手順6, seed 002 資料1-3)
    assert data["handovers"] == [{"doc": "plan", "ref": "cases/AB/ABC123/plans/P1/plan.yaml", "original_to": "kyotaku"}]


def test_a_designated_case_has_no_hokatsu_review():
    designated = case(mode="shitei", plans=(plan(),), submissions=(submission(),))
    with pytest.raises(OrderError, match="指定のケースの原案確認はプロファイル national では行いません"):
        run(ctx(designated, actor=HOKATSU), review_plan, opinion="", day=None, plan_id=None)


def test_the_evaluation_review_needs_the_evaluation_handed_over():
    evaluated = agreed_plan(service_start=date(2026, 12, 1), evaluation=evaluation("2026-11-29"))
    with pytest.raises(OrderError, match="評価表がまだ包括に提出されていません"):
        run(ctx(case(plans=(evaluated,)), actor=HOKATSU), review_evaluation, opinion="", day=None, plan_id=None)
    sent = case(plans=(evaluated,), submissions=(submission("evaluation", "2026-11-29"),))
    change = run(ctx(sent, actor=HOKATSU), review_evaluation, opinion="", day=None, plan_id=None)
    _, data = written(change)
    assert data["target"] == "evaluation"
    # seed 001 line 18: the 包括 keeps the 原本 and gives the 居宅 a copy (national profile)
    assert data["handovers"][0]["original_to"] == "hokatsu" and data["handovers"][0]["copies_to"] == ["kyotaku"]

"""The evaluation stage (yobo/workflow/evaluation.py) on model values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from stepmodels import agreed_plan, case, ctx, evaluation, written
from yobo.errors import InputError
from yobo.workflow.context import OrderError
from yobo.workflow.evaluation import evaluate_plan
from yobo.workflow.run import run

GOALS = {"goals": [{"goal": "買い物に行ける", "services": [{"from": "2026-12-01", "to": "2027-02-28"}]}]}
STARTED = agreed_plan(service_start=date(2026, 12, 1), data=GOALS)


def evaluate(the_case, **given):
    values = {"day": date(2027, 3, 25), "outcomes": {}, "decision": "continue", "next_route": None, **given}
    return run(ctx(the_case, today=date(2027, 3, 31)), evaluate_plan, **values)


def test_the_goals_and_periods_are_copied_from_the_plan():
    change = evaluate(case(plans=(STARTED,)), outcomes={"goals": [{"achieved": True}], "overall_policy": "継続"})
    path, data = written(change)
    assert path.endswith("/plans/P1/evaluation.yaml")
    assert data["goals"] == [{"goal": "買い物に行ける", "period": {"from": "2026-12-01", "to": "2027-02-28"},
                              "achieved": True}]
    assert data["decision"] == "continue"


def test_evaluation_follows_the_start_and_happens_once():
    with pytest.raises(OrderError, match=r"サービスがまだ始まっていません（yobo plan start）"):
        evaluate(case(plans=(agreed_plan(),)))
    with pytest.raises(OrderError, match="計画 P1 は 2027-03-25 に評価済みです"):
        evaluate(case(plans=(replace(STARTED, evaluation=evaluation()),)))


def test_more_outcomes_than_goals_is_refused():
    with pytest.raises(InputError, match="計画の目標は 1 件ですが、評価が 2 件"):
        evaluate(case(plans=(STARTED,)), outcomes={"goals": [{}, {}]})

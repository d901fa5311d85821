"""The closure stage (yobo/workflow/closure.py) on model values."""

from __future__ import annotations

from datetime import date

import pytest

from stepmodels import agreed_plan, case, ctx, evaluation
from yobo.errors import InputError
from yobo.workflow.closure import close_case
from yobo.workflow.context import OrderError
from yobo.workflow.run import run
from yobo.yamlio import load_fast

CASE_TEXT = "id: ABC123\nstatus: active\n"


def test_a_started_plan_is_evaluated_before_the_case_closes():
    started = case(plans=(agreed_plan(service_start=date(2026, 12, 1)),))
    with pytest.raises(OrderError, match=r"終了の前に計画 P1 の評価が必要です（yobo evaluate ABC123）"):
        run(ctx(started), close_case, day=None, reason="転居", case_text=CASE_TEXT)


def test_closing_marks_the_case_with_date_and_reason():
    done = case(plans=(agreed_plan(service_start=date(2026, 12, 1), evaluation=evaluation("2026-11-29")),))
    change = run(ctx(done), close_case, day=date(2026, 11, 30), reason=" 転居 ", case_text=CASE_TEXT)
    data = load_fast(change.files["cases/AB/ABC123/case.yaml"], "case.yaml")
    assert data["status"] == "closed" and data["closed"] == {"date": "2026-11-30", "reason": "転居"}
    # a case never planned closes too (e.g. the contract was not signed)
    run(ctx(case()), close_case, day=None, reason="契約に至らず", case_text=CASE_TEXT)
    with pytest.raises(InputError, match="終了の理由"):
        run(ctx(case()), close_case, day=None, reason=" ", case_text=CASE_TEXT)

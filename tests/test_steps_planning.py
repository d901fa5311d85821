"""The planning stage (yobo/workflow/planning.py) on model values: the 原案, its
corrections before the 同意, the 軽微な変更 after it, the 週間計画表."""

from __future__ import annotations

from datetime import date

import pytest

from stepmodels import agreed_plan, case, cert, ctx, evaluation, plan, written
from yobo.errors import DocumentError, InputError
from yobo.workflow.context import OrderError
from yobo.workflow.planning import amend_plan, draft_plan, edit_plan, set_weekly
from yobo.workflow.run import run


def draft(the_case, start="2026-12-01", end="2027-03-31", **given):
    return run(ctx(the_case), draft_plan, start=date.fromisoformat(start), end=date.fromisoformat(end), day=None,
               content=given.pop("content", {}), program_scores=None, **given)


def test_a_first_plan_is_prefilled_from_the_certification():
    change = draft(case())
    path, data = written(change)
    assert path == "cases/AB/ABC123/plans/P1/plan.yaml" and change.step == "plan-draft"
    assert data["kind"] == "first" and data["level"] == "shien1" and str(data["cert_to"]) == "2027-03-31"
    assert data["planner_office"] == "テスト居宅"  # a 委託 plan names the 居宅


def test_the_period_is_at_most_12_months_and_inside_the_certification():
    # seed 000 手順9 「ケアプランの最長は１年」: 2026-12-01〜2027-11-30 is exactly 12 months
    long = case(certs=(cert("2026-04-01", "2028-03-31"),))
    assert written(draft(long, end="2027-11-30"))[1]["period"]["end"] == "2027-11-30"
    with pytest.raises(InputError, match="12か月を超えています"):
        draft(long, end="2027-12-01")
    # seed 002 §3: 期間は認定の有効期間内
    with pytest.raises(InputError, match="認定の有効期間（2026-04-01〜2027-03-31）の外"):
        draft(case(), end="2027-04-30")


def test_a_pending_certification_allows_a_provisional_plan_with_a_warning():
    pending = case(certs=(cert(), cert("2027-04-01", None, status="pending")))
    change = draft(pending, end="2027-05-31")
    assert "暫定ケアプラン" in change.warnings[0] and written(change)[1]["cert_status"] == "pending"


def test_a_new_plan_waits_for_the_previous_ones_consent_and_evaluation():
    with pytest.raises(OrderError, match="がまだ原案です。yobo plan edit"):
        draft(case(plans=(plan(),)))
    with pytest.raises(OrderError, match="評価がまだです。先に yobo evaluate ABC123"):
        draft(case(plans=(agreed_plan(service_start=date(2026, 12, 1)),)))
    done = agreed_plan(service_start=date(2026, 12, 1), evaluation=evaluation("2026-11-29"))
    path, data = written(draft(case(plans=(done,)), start="2027-01-01"))
    assert path.endswith("/plans/P2/plan.yaml") and data["kind"] == "continuing"


def test_an_agreed_plan_is_not_edited_and_a_draft_is_not_amended():
    with pytest.raises(OrderError, match="同意済みです。変更は新しい計画"):
        run(ctx(case(plans=(agreed_plan(),))), edit_plan, agreed_plan(), text="id: P1\n", source="p.yaml")
    with pytest.raises(OrderError, match="まだ同意を得ていません。同意前の変更は yobo plan edit"):
        run(ctx(case(plans=(plan(),))), amend_plan, plan(), plan_text="id: P1\n", day=None, kind="frequency",
            field="goals[0].services[0].frequency", new="週2回", reason="本人の希望", consent_date=None,
            consent_method="電話")


def test_an_edit_must_change_something_and_keep_the_id():
    draft_plan_ = plan(data={"goals": []})
    the_case = case(plans=(draft_plan_,))
    with pytest.raises(InputError, match="id は変えられません"):
        run(ctx(the_case), edit_plan, draft_plan_, text="id: P9\nfirst_created_on: '2026-11-20'\n", source="p.yaml")
    change = run(ctx(the_case), edit_plan, draft_plan_, text="id: P1\nfirst_created_on: '2026-11-20'\noverall_policy: 見直し\n",
                 source="p.yaml")
    assert change.files == {draft_plan_.path: "id: P1\nfirst_created_on: '2026-11-20'\noverall_policy: 見直し\n"}


def test_a_weekly_table_is_checked_before_it_is_written():
    the_case = case(plans=(plan(),))
    change = run(ctx(the_case), set_weekly, plan_id=None, day=None, source="w.yaml",
                 text="entries:\n  - {days: [mon], start: '10:00', end: '12:00', kind: service, text: 通所}\n")
    path, data = written(change)
    assert path.endswith("/plans/P1/weekly.yaml") and data["plan"] == "P1" and len(data["entries"]) == 1
    with pytest.raises(DocumentError, match="weekly-time"):
        run(ctx(the_case), set_weekly, plan_id=None, day=None, source="w.yaml",
            text="entries:\n  - {days: [mon], start: '12:00', end: '10:00', kind: service, text: 通所}\n")

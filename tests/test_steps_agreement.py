"""The agreement stage (yobo/workflow/agreement.py) on model values: the 担当者会議,
the 同意 with the 交付 of copies, and the サービス開始."""

from __future__ import annotations

from datetime import date

import pytest

from stepmodels import agreed_plan, case, ctx, meeting, plan, review, written
from yobo.errors import InputError
from yobo.workflow.agreement import agree_plan, record_meeting, start_plan
from yobo.workflow.context import OrderError
from yobo.workflow.run import run


def test_a_meeting_records_the_plan_text_it_discussed():
    change = run(ctx(case(plans=(plan(),))), record_meeting, day=date(2026, 11, 22),
                 attendees=[{"name": "田中", "role": "通所介護"}], place="自宅", hokatsu_attended=False,
                 points={"start_time": "10:00", "end_time": "10:30", "conclusion": "原案どおり"})
    path, data = written(change)
    assert path.endswith("/plans/P1/meetings/2026-11-22.yaml")
    assert data["plan_digest"] == "d1" and data["conclusion"] == "原案どおり"
    with pytest.raises(InputError, match="終了時刻 09:00 が開始時刻 10:00 より前"):
        run(ctx(case(plans=(plan(),))), record_meeting, day=None, attendees=[{"name": "田中"}], place="自宅",
            hokatsu_attended=False, points={"start_time": "10:00", "end_time": "09:00"})


def test_no_meeting_after_the_consent():
    with pytest.raises(OrderError, match="同意済みです。次の会議は新しい計画で"):
        run(ctx(case(plans=(agreed_plan(),))), record_meeting, day=None, attendees=[{"name": "田中"}], place="自宅",
            hokatsu_attended=False, points={})


def test_consent_hands_copies_to_user_and_providers():
    ready = case(plans=(plan(meetings=(meeting(),), reviews=(review(),)),))
    change = run(ctx(ready), agree_plan, day=date(2026, 11, 26), signer=" 佐藤 一郎 ")
    path, data = written(change)
    assert path.endswith("/plans/P1/consent.yaml") and data["signer"] == "佐藤 一郎"
    assert data["handovers"] == [{"doc": "plan", "ref": "cases/AB/ABC123/plans/P1/plan.yaml",
                                  "copies_to": ["user", "providers"]}]
    with pytest.raises(InputError, match="同意日 2026-11-22 が会議・確認の日 2026-11-23 より前"):
        run(ctx(ready), agree_plan, day=date(2026, 11, 22), signer="佐藤 一郎")


def test_start_follows_the_consent_inside_the_period():
    with pytest.raises(OrderError, match=r"同意がまだです（yobo plan agree）"):
        run(ctx(case(plans=(plan(),))), start_plan, day=None)
    agreed = case(plans=(agreed_plan(),))
    with pytest.raises(InputError, match="計画期間 2026-12-01〜2027-03-31 の外"):
        run(ctx(agreed), start_plan, day=date(2026, 11, 28))
    change = run(ctx(agreed, today=date(2026, 12, 1)), start_plan, day=None)
    path, data = written(change)
    assert path.endswith("/plans/P1/start.yaml") and str(data["date"]) == "2026-12-01"

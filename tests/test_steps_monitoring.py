"""The monitoring stage (yobo/workflow/monitoring.py) on model values."""

from __future__ import annotations

from datetime import date

import pytest

from stepmodels import HOKATSU, agreed_plan, case, ctx, written
from yobo.errors import InputError
from yobo.workflow.context import OrderError
from yobo.workflow.monitoring import add_note, record_monitoring
from yobo.workflow.run import run

STARTED = agreed_plan(service_start=date(2026, 12, 1))


def monitor(the_case, today=date(2026, 12, 20), **given):
    values = {"day": None, "method": "visit", "state_change": False, "reason": "", "summary": "変わりなし",
              "existing_text": None, **given}
    return run(ctx(the_case, today=today), record_monitoring, **values)


def test_monitoring_waits_for_the_service_start():
    with pytest.raises(OrderError, match=r"サービスがまだ始まっていません（yobo plan start）"):
        monitor(case(plans=(agreed_plan(),)))


def test_one_file_a_month_and_staff_member():
    change = monitor(case(plans=(STARTED,)))
    path, data = written(change)
    assert path.startswith("cases/AB/ABC123/monitoring/2026-12-")
    assert data["month"] == "2026-12" and data["records"][0]["plan"] == "P1"
    again = monitor(case(plans=(STARTED,)), method="phone", reason="入院中", existing_text=change.files[path])
    assert [r["method"] for r in written(again)[1]["records"]] == ["visit", "phone"]


def test_a_visit_has_no_special_reason():
    with pytest.raises(InputError, match="特段の事情"):
        monitor(case(plans=(STARTED,)), reason="体調不良")


def test_a_note_is_named_by_date_party_and_author():
    change = run(ctx(case(), actor=HOKATSU), add_note, day=date(2026, 11, 29), text=" 電話で状況確認 ", kind="general")
    path, data = written(change)
    assert path.startswith("cases/AB/ABC123/notes/2026-11-29-hokatsu-1-")
    assert data["text"] == "電話で状況確認" and data["party"] == "hokatsu"
    with pytest.raises(InputError, match="内容を入力してください"):
        run(ctx(case()), add_note, day=None, text="  ", kind="general")

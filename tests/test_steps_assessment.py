"""The assessment stage (yobo/workflow/assessment.py) on model values: 基本チェックリスト
and 利用者基本情報, each a new dated version with the case's next ``seq``."""

from __future__ import annotations

from datetime import date

import pytest

from stepmodels import HOKATSU, TODAY, case, ctx, written
from yobo.errors import InputError
from yobo.model import Checklist, Doc
from yobo.workflow.assessment import record_checklist, set_basic_info
from yobo.workflow.run import run

ANSWERS = "nnnnnnnnnnn-nnnnnnnnnnnnn"


def test_a_checklist_is_dated_and_ordered_after_what_the_case_holds():
    earlier = Checklist("cases/AB/ABC123/checklists/2026-11-30.yaml", TODAY, ANSWERS, None, None, seq=4)
    change = run(ctx(case(checklists=(earlier,))), record_checklist, day=None, answers=ANSWERS, height_cm=150.0,
                 weight_kg=None)
    path, data = written(change)
    # a same-day correction gets its own file and the next seq, so it is "the latest"
    assert path == "cases/AB/ABC123/checklists/2026-11-30-2.yaml"
    assert data["seq"] == 5 and data["height_cm"] == 150.0 and "weight_kg" not in data
    assert change.step == "checklist-record" and change.day == TODAY


def test_a_checklist_in_the_future_is_refused():
    with pytest.raises(InputError, match="今日.*より後の日付"):
        run(ctx(case()), record_checklist, day=date(2026, 12, 1), answers=ANSWERS, height_cm=None, weight_kg=None)


def test_basic_info_keeps_the_given_text_and_adds_date_seq_author():
    info = Doc("cases/AB/ABC123/basic-info/2026-11-01.yaml", {"date": "2026-11-01"}, seq=2)
    change = run(ctx(case(basic_infos=(info,))), set_basic_info, day=date(2026, 11, 29),
                 text="# 変更\nliving: 独居\n", source="info.yaml")
    path, data = written(change)
    assert path == "cases/AB/ABC123/basic-info/2026-11-29.yaml"
    assert data["living"] == "独居" and data["seq"] == 3 and data["author"] == "山田花子"
    assert str(data["date"]) == "2026-11-29"


def test_basic_info_must_be_a_mapping_and_the_kyotaku_writes_it():
    with pytest.raises(InputError, match="「項目: 値」の形"):
        run(ctx(case()), set_basic_info, day=None, text="- a\n- b\n", source="info.yaml")
    with pytest.raises(InputError, match="利用者基本情報の作成は居宅介護支援事業所の職員が行います"):
        run(ctx(case(), actor=HOKATSU), set_basic_info, day=None, text="living: 独居\n", source="info.yaml")

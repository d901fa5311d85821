"""The certification stage (yobo/workflow/certification.py) on model values."""

from __future__ import annotations

from datetime import date

import pytest

from stepmodels import HOKATSU, case, cert, ctx, written
from yobo.errors import InputError
from yobo.workflow.certification import add_certification
from yobo.workflow.run import run


def add(the_case, actor=None, **given):
    values = {"level": "shien2", "status": "certified", "start": date(2027, 4, 1), "end": date(2028, 3, 31),
              "certified_on": date(2027, 3, 20), "applied_on": None, **given}
    return run(ctx(the_case, **({"actor": actor} if actor else {})), add_certification, **values)


def test_a_renewal_is_written_under_its_start():
    change = add(case())
    path, data = written(change)
    assert change.step == "cert-add" and path == "cases/AB/ABC123/certifications/2027-04-01.yaml"
    assert data["level"] == "shien2" and str(data["from"]) == "2027-04-01" and str(data["to"]) == "2028-03-31"
    assert "applied_on" not in data  # empty values are left out


def test_pending_needs_an_application_day_and_jigyo_no_end():
    with pytest.raises(InputError, match="申請日"):
        add(case(), status="pending", end=None)
    with pytest.raises(InputError, match="事業対象者には有効期間の終了日を指定しません"):
        add(case(route="cm-a"), level="jigyo")


def test_overlap_with_a_decided_certification_is_refused():
    with pytest.raises(InputError, match="重なります"):
        add(case(certs=(cert(),)), start=date(2027, 3, 1), end=date(2028, 2, 29))


def test_only_the_kyotaku_records_a_certification():
    with pytest.raises(InputError, match="認定の記録は居宅介護支援事業所の職員が行います"):
        add(case(), actor=HOKATSU)

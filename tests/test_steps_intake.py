"""The intake stage (yobo/workflow/intake.py) on model values: the 契約 and who keeps
which paper (profile ``custody.contract``), and scans with their custody record."""

from __future__ import annotations

from datetime import date

import pytest

from stepmodels import HOKATSU, case, ctx, written
from yobo.errors import InputError
from yobo.workflow.intake import attach_scan, record_contract
from yobo.workflow.run import run


def test_an_entrusted_contract_is_kept_by_the_hokatsu():
    # national profile, after seed 002 資料1-2 line 606: the 包括 keeps the originals, the user a copy
    change = run(ctx(case()), record_contract, day=date(2026, 11, 10), signed_with=None)
    path, data = written(change)
    assert path.startswith("cases/AB/ABC123/custody/2026-11-10-kyotaku-1-")
    assert data["signed_with"] == ["hokatsu"] and data["event"] == "contract"
    kept = {h["doc"]: (h.get("original_to"), h.get("copies_to", [])) for h in data["handovers"]}
    assert kept["contract"] == ("hokatsu", ["user"])
    assert kept["request-form"] == ("town", [])


def test_a_designated_case_contracts_with_the_kyotaku_and_not_the_other_way_round():
    change = run(ctx(case(mode="shitei")), record_contract, day=None, signed_with=None)
    assert written(change)[1]["signed_with"] == ["kyotaku"]
    with pytest.raises(InputError, match="委託のケースでは利用者は包括と契約します"):
        run(ctx(case()), record_contract, day=None, signed_with="kyotaku")


def test_either_office_may_record_the_contract():
    change = run(ctx(case(), actor=HOKATSU), record_contract, day=None, signed_with="hokatsu")
    assert "-hokatsu-1-" in written(change)[0]


def test_a_scan_is_named_by_code_date_and_kind_never_by_the_upload():
    change = run(ctx(case()), attach_scan, doc="survey", kind="copy", filename="佐藤一郎 調査票.PDF",
                 content=b"%PDF-1.4", day=date(2026, 11, 12), holder="kyotaku")
    scan = [p for p in change.files if "/files/" in p]
    assert scan == ["cases/AB/ABC123/files/survey/2026-11-12-copy-1.pdf"]
    _, record = written(change, "/custody/")
    assert record["handovers"] == [{"doc": "survey", "copies_to": ["kyotaku"]}]
    assert record["scan"]["holder"] == "kyotaku"
    with pytest.raises(InputError, match="空のファイル"):
        run(ctx(case()), attach_scan, doc="survey", kind="copy", filename="a.pdf", content=b"", day=None)

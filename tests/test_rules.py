"""Consistency rules, each on a hand-made casebook (inline values, like beancount's tests)."""

from __future__ import annotations

from datetime import date

import pytest

from yobo.model import Case, Casebook, Certification, Config, Person, Staff
from yobo.rules import CONSISTENCY_RULES, run_consistency_rules
from yobo.calendar import add_months

TODAY = date(2026, 11, 22)
CONFIG = Config("テスト居宅", "kyotaku", None, "national", (Staff("山田花子"),))


def cert(start, end=None, level="shien1", status="certified", case_id="ABC123"):
    return Certification(f"cases/AB/{case_id}/certifications/{start}.yaml", level, status,
                         date.fromisoformat(start), date.fromisoformat(end) if end else None)


def case(*certs, case_id="ABC123", route="yobo-shien", mode="itaku", hokatsu="中央包括", manager="山田花子",
         insured="0000000001", status="active", folder=None):
    return Case(case_id, folder or f"cases/{case_id[:2]}/{case_id}", status, date(2026, 4, 1),
                Person(insured, "佐藤 一郎", "サトウ", date(1940, 1, 1), "male"),
                route, mode, hokatsu, manager, tuple(certs))


def codes(*cases, config=CONFIG):
    book = Casebook("/tmp/x", config, tuple(cases))
    return sorted(p.code for p in run_consistency_rules(book, today=TODAY))


def test_a_consistent_case_has_no_problems():
    assert codes(case(cert("2026-04-01", "2027-03-31"))) == []


def test_every_rule_is_documented_with_a_code_and_a_source():
    for rule in CONSISTENCY_RULES:
        doc = rule.__doc__ or ""
        assert "Code ``" in doc, rule.__name__
        assert "Source:" in doc, rule.__name__


def test_period_end_before_start():
    assert codes(case(cert("2026-04-01", "2026-03-31"))) == ["certification-period"]


def test_period_of_exactly_48_months_is_allowed_and_one_day_more_is_not():
    # national-rules.md §3: renewals at the same level run up to 48 months.
    assert codes(case(cert("2026-04-01", "2030-03-31"))) == []
    assert codes(case(cert("2026-04-01", "2030-04-01"))) == ["certification-period"]


def test_shien_certification_needs_an_end_but_jigyo_does_not():
    assert codes(case(cert("2026-04-01"))) == ["certification-period"]
    assert codes(case(cert("2026-04-01", level="jigyo"), route="cm-a")) == []


def test_pending_certification_may_lack_an_end():
    assert codes(case(cert("2026-04-01", status="pending"))) == []


def test_overlapping_certifications():
    first = cert("2025-04-01", "2026-03-31")
    assert codes(case(first, cert("2026-04-01", "2027-03-31"))) == []
    # one shared day is already an overlap
    assert codes(case(first, cert("2026-03-31", "2027-03-31"))) == ["certification-overlap"]
    assert codes(case(first, cert("2026-03-01", "2027-02-28"))) == ["certification-overlap"]


def test_certification_file_named_by_its_start():
    wrong = Certification("cases/AB/ABC123/certifications/renewal.yaml", "shien1", "certified",
                          date(2026, 4, 1), date(2027, 3, 31))
    assert codes(case(wrong)) == ["certification-file-name"]


def test_jigyo_taishosha_cannot_use_yobo_shien():
    # seed 004 区分 table: 事業対象者 → 介護予防ケアマネジメント only.
    assert codes(case(cert("2026-04-01", level="jigyo"), route="yobo-shien")) == ["case-level-route"]


def test_care_management_a_is_never_shitei():
    # seed 003: 居宅指定 is 介護予防支援のみ.
    assert codes(case(cert("2026-04-01", "2027-03-31"), route="cm-a", mode="shitei")) == ["case-route-mode"]
    assert codes(case(cert("2026-04-01", "2027-03-31"), route="yobo-shien", mode="shitei", hokatsu=None)) == []


def test_itaku_needs_a_hokatsu():
    assert codes(case(cert("2026-04-01", "2027-03-31"), hokatsu=None)) == ["case-hokatsu"]


def test_manager_must_be_registered_in_a_kyotaku_casebook_only():
    unknown = case(cert("2026-04-01", "2027-03-31"), manager="未登録")
    assert codes(unknown) == ["case-manager"]
    hokatsu = Config("中央包括", "hokatsu", None, "national", ())
    assert codes(unknown, config=hokatsu) == []


def test_duplicate_active_insured_number():
    a = case(cert("2026-04-01", "2027-03-31", case_id="ABC123"))
    b = case(cert("2026-04-01", "2027-03-31", case_id="ABD999"), case_id="ABD999")
    assert codes(a, b) == ["case-duplicate"]
    closed = case(cert("2026-04-01", "2027-03-31", case_id="ABD999"), case_id="ABD999", status="closed")
    assert codes(a, closed) == []


def test_case_without_certification_and_wrong_folder():
    assert codes(case()) == ["case-no-certification"]
    assert codes(case(cert("2026-04-01", "2027-03-31"), folder="cases/AB/ZZZZZZ")) == ["case-folder"]


@pytest.mark.parametrize("start, months, expected", [
    ("2026-01-31", 1, "2026-02-28"),
    ("2028-01-31", 1, "2028-02-29"),  # leap year
    ("2026-03-31", -1, "2026-02-28"),
    ("2026-12-15", 1, "2027-01-15"),
    ("2026-04-01", 48, "2030-04-01"),
])
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(date.fromisoformat(start), months) == date.fromisoformat(expected)


# -- lifecycle records ---------------------------------------------------------------------------

from yobo.model import Consent, Meeting, MonitoringRecord, Note, Plan, Review  # noqa: E402


def plan(start="2026-12-01", end="2027-05-31", **parts):
    return Plan("P1", "cases/AB/ABC123/plans/P1", {"id": "P1"}, date.fromisoformat(start), date.fromisoformat(end),
                date(2026, 11, 20), "d1", **parts)


def with_plan(p, mode="itaku"):
    return replace(case(cert("2026-04-01", "2027-10-31"), mode=mode), plans=(p,))


def lifecycle_codes(c):
    return sorted(p.code for p in run_consistency_rules(Casebook("/tmp/x", CONFIG, (c,)), today=TODAY)
                  if p.code.startswith(("plan-", "monitoring-", "note-")))


from dataclasses import replace  # noqa: E402

MEETING = Meeting("m.yaml", date(2026, 11, 22), "d1", False)
REVIEW = Review("r.hokatsu.yaml", "plan", date(2026, 11, 23), "包括", "", "d1")
CONSENT = Consent("c.yaml", date(2026, 11, 26), "本人", "d1")


def test_a_plan_in_order_has_no_problems():
    p = plan(meetings=(MEETING,), reviews=(REVIEW,), consent=CONSENT, service_start=date(2026, 12, 1))
    assert lifecycle_codes(with_plan(p)) == []


def test_plan_period_over_12_months_or_past_the_certification():
    long_cert = case(cert("2026-04-01", "2028-03-31"))

    def period(start, end):
        return lifecycle_codes(replace(long_cert, plans=(plan(start=start, end=end),)))

    # seed 000 step 9: 最長は1年 — 2026-12-01..2027-11-30 is exactly 12 months
    assert period("2026-12-01", "2027-11-30") == []
    assert period("2026-12-01", "2027-12-01") == ["plan-period"]
    assert period("2026-12-01", "2026-11-30") == ["plan-period"]
    # seed 002 §3: inside the certification (this one ends 2027-10-31)
    assert lifecycle_codes(with_plan(plan(start="2027-06-01", end="2027-11-30"))) == ["plan-period"]
    assert lifecycle_codes(with_plan(plan(start="2026-03-01", end="2026-08-31"))) == ["plan-period"]


def test_consent_without_meeting_or_review_or_after_a_change():
    assert lifecycle_codes(with_plan(plan(reviews=(REVIEW,), consent=CONSENT))) == ["plan-order"]
    assert lifecycle_codes(with_plan(plan(meetings=(MEETING,), consent=CONSENT))) == ["plan-order"]
    assert lifecycle_codes(with_plan(plan(meetings=(MEETING,), consent=CONSENT), mode="shitei")) == []
    changed = replace(plan(meetings=(MEETING,), reviews=(REVIEW,), consent=CONSENT), digest="d2")
    assert lifecycle_codes(with_plan(changed)) == ["plan-order"]


def test_start_before_consent_and_evaluation_before_start():
    early = plan(meetings=(MEETING,), reviews=(REVIEW,), consent=CONSENT, service_start=date(2026, 11, 25))
    assert lifecycle_codes(with_plan(early)) == ["plan-order"]


def test_monitoring_record_in_the_wrong_month_and_note_party():
    c = replace(with_plan(plan()), monitoring=(
        MonitoringRecord("cases/AB/ABC123/monitoring/2026-12.yaml", date(2027, 1, 3), "visit", "P1", False, ""),))
    assert lifecycle_codes(c) == ["monitoring-month"]
    n = Note("cases/AB/ABC123/notes/2026-12-01-kyotaku-1.yaml", date(2026, 12, 1), "general", "x", "包括", "hokatsu")
    assert lifecycle_codes(replace(with_plan(plan()), notes=(n,))) == ["note-party"]


# -- one signature, one runner: a crashing rule is a problem of its case --------------------------


from yobo.rules import due as due_rules  # noqa: E402
from yobo.rules.runner import RuleContext, rule, run_rules  # noqa: E402


@rule("broken-rule")
def broken_for_abc(c, ctx):
    """Raises on case ABC123 only, as a rule with a bug would."""
    if c.id == "ABC123":
        raise KeyError("period")
    return []


def test_every_rule_has_the_one_signature_and_a_code():
    import inspect
    import re

    for check in [*CONSISTENCY_RULES, *due_rules.CASE_RULES]:
        assert list(inspect.signature(check).parameters) in (["case", "ctx"], ["c", "ctx"]), check.__name__
        assert re.fullmatch(r"[a-z][a-z0-9-]*", check.code), check.__name__
        # the code it is reported under is the one its docstring names, with a source
        assert f"``{check.code}``" in check.__doc__ and "Source:" in check.__doc__, check.__name__


def test_a_rule_that_crashes_becomes_a_problem_of_that_case_and_the_run_goes_on():
    bad = case(cert("2026-04-01", "2026-03-31"), route="cm-a", mode="shitei")  # ABC123
    good = case(cert("2026-04-01", "2026-03-31", case_id="XYZ789"), case_id="XYZ789", insured="0000000002")
    book = Casebook("/tmp/x", CONFIG, (bad, good))
    found = run_consistency_rules(book, today=TODAY, rules=[broken_for_abc, *CONSISTENCY_RULES])
    crashed = [p for p in found if p.code == "broken-rule"]
    assert [str(p.source) for p in crashed] == ["cases/AB/ABC123/case.yaml"]
    assert crashed[0].message.startswith("規則 broken-rule の内部エラーのため、このケースを検査できませんでした")
    assert "KeyError" in crashed[0].message
    # the other rules still ran on the case that crashed, and on the next case
    by_case = {(p.source.path.split("/")[2], p.code) for p in found}
    assert {("ABC123", "case-route-mode"), ("ABC123", "certification-period"),
            ("XYZ789", "certification-period")} <= by_case


def test_a_crashing_due_rule_is_an_overdue_item_of_its_case_and_the_others_stay(monkeypatch):
    monkeypatch.setattr(due_rules, "CASE_RULES", [broken_for_abc, *due_rules.CASE_RULES])
    from yobo.profiles import load_profile

    profile = load_profile("national")
    c = case(cert("2026-04-01", "2027-03-31"))
    items = due_rules.case_obligations(c, profile, CONFIG)
    (error,) = [d for d in items if d.code == "broken-rule"]
    assert error.title.startswith("規則 broken-rule の内部エラー") and error.status(TODAY) == "overdue"
    assert error.case == "ABC123" and error.source == "cases/AB/ABC123/case.yaml"
    monkeypatch.setattr(due_rules, "CASE_RULES", [r for r in due_rules.CASE_RULES if r is not broken_for_abc])
    assert [d for d in items if d.code != "broken-rule"] == due_rules.case_obligations(c, profile, CONFIG)


def test_run_rules_keeps_the_order_of_the_rules_and_their_items():
    @rule("first")
    def first(c, ctx):
        return ["a", "b"]

    @rule("second")
    def second(c, ctx):
        return [ctx.today]

    assert run_rules([first, second], case(), RuleContext({}, CONFIG, TODAY)) == ["a", "b", TODAY]


def test_a_due_rule_that_asks_for_today_is_reported_not_silently_wrong():
    """The due rules' items are cached without a day: ctx.today is None for them."""
    @rule("asks-today")
    def asks(c, ctx):
        return [] if ctx.today > c.opened else []

    (problem,) = run_rules([asks], case(), RuleContext({}, CONFIG))
    assert problem.code == "asks-today" and "TypeError" in problem.message


def test_the_plan_order_rule_reads_whether_the_hokatsu_confirms_from_the_profile():
    """Consent on a plan the 包括 never confirmed is a problem where the profile has the 包括
    confirm that mode (domain.hokatsu_confirms), whatever the mode's name."""
    p = plan(consent=Consent("consent.yaml", date(2026, 11, 22), "本人", "d1"), meetings=(MEETING,))
    c = with_plan(p, mode="shitei")
    book = Casebook("/tmp/x", CONFIG, (c,))
    plain = run_consistency_rules(book, today=TODAY, profile={"hokatsu_review": {"shitei": False}})
    confirmed = run_consistency_rules(book, today=TODAY, profile={"hokatsu_review": {"shitei": True}})
    assert "plan-order" not in {p.code for p in plain}
    assert "plan-order" in {p.code for p in confirmed}

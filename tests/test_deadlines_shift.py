"""Deadlines that stay until done, and the weekend/holiday rule per obligation and profile.

Every expected date is worked out by hand from the calendar (background/national-rules.md
§6: 2026-07-04 and 2026-09-05 are Saturdays; 2027-05-03 憲法記念日 Mon, 05-04 みどりの日
Tue, 05-05 こどもの日 Wed, 05-01 Sat, 05-02 Sun) and the seed named in each test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from yobo.model import Case, Certification, Config, DoneMark, Evaluation, Person, Plan, Staff
from yobo.profiles import load_profile
from yobo.rules.due import (MONTHLY, SHIFT_DEFAULT, case_obligations, drop_marked, monthly_cycle, shift_rule)
from yobo.rules.runner import RuleContext

D = date.fromisoformat
CONFIG = Config("さくら居宅", "kyotaku", "1234567890", "national", (Staff("山田"),))
PROFILES = ["national", "funagata", "kota", "mito", "suzuka-kameyama", "toshima"]


def running_case(mode="itaku", start="2026-04-01", end="2027-09-30", marks=(), plans=None, **extra) -> Case:
    plan = Plan("P1", "cases/AB/ABC123/plans/P1", {}, D(start), D(end), D(start), "d", service_start=D(start))
    cert = Certification("c.yaml", "shien1", "certified", D("2026-01-01"), D("2028-12-31"))
    return Case("ABC123", "cases/AB/ABC123", "active", D("2026-03-01"),
                Person("0", "佐藤 一郎", "サトウ", D("1940-01-01"), "male"), "yobo-shien", mode, "中央包括", "山田",
                certifications=(cert,), plans=plans or (plan,), done_marks=tuple(marks), **extra)


def monthly(profile: str, month: str, case=None) -> dict[str, str]:
    case = case or running_case()
    return {d.code: d.due.isoformat() for d in monthly_cycle(case, RuleContext(load_profile(profile))) if d.month == month}


# -- the shift rule on 2026-07-04, 2026-09-05, 2027-05-04 under each profile ------------------------------


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("day, expected", [
    ("2026-07-04", "2026-07-03"),  # Saturday → Friday
    ("2026-09-05", "2026-09-04"),  # Saturday → Friday
    ("2027-05-04", "2027-04-30"),  # みどりの日; 5/3 憲法記念日, 5/2 Sun, 5/1 Sat → Friday 4/30
])
def test_every_profile_moves_an_office_deadline_to_the_previous_business_day(profile, day, expected):
    from yobo.calendar import shift_deadline

    loaded = load_profile(profile)
    for code in [e["code"] for e in loaded.get("monthly") or ()] + ["evaluation-submit", "evaluation-return",
                                                                     "provider-evaluation", "notification-filing"]:
        rule, source = shift_rule(loaded, code)
        assert rule == SHIFT_DEFAULT and source, (profile, code)
        assert shift_deadline(D(day), rule) == D(expected)


def test_suzuka_kameyama_results_by_the_4th_move_off_a_weekend_or_holiday():
    # seed 002 資料1-9 / domain.md §5: 利用票・別表（実績）to the 包括 by the 4th; the seed is
    # silent on holidays and the 包括 is closed → the profile's default (previous business day)
    assert monthly("suzuka-kameyama", "2026-06")["usage-results"] == "2026-07-03"  # 7/4 Sat
    assert monthly("suzuka-kameyama", "2026-08")["usage-results"] == "2026-09-04"  # 9/4 Fri stays
    assert monthly("suzuka-kameyama", "2027-04")["usage-results"] == "2027-04-30"  # 5/4 みどりの日


def test_toshima_results_by_the_5th_move_off_a_weekend_or_holiday():
    # seed 003 / domain.md §5: by the 5th; 7/5 Sun and 7/4 Sat → 7/3; 9/5 Sat → 9/4; 5/5 → 4/30
    assert monthly("toshima", "2026-06")["usage-results"] == "2026-07-03"
    assert monthly("toshima", "2026-08")["usage-results"] == "2026-09-04"
    assert monthly("toshima", "2027-04")["usage-results"] == "2027-04-30"


def test_funagata_results_commission_and_benefit_management():
    # seed 000 steps 12–14: 実績 5th, 委託料 8th (土日・休日はその前日まで), 給付管理 10th
    assert monthly("funagata", "2026-06") == {"provider-results": "2026-07-03", "provider-results-received": "2026-07-03", "commission-claim": "2026-07-08",
                                              "benefit-management": "2026-07-10"}
    assert monthly("funagata", "2026-08") == {"provider-results": "2026-09-04", "provider-results-received": "2026-09-04", "commission-claim": "2026-09-08",
                                              "benefit-management": "2026-09-10"}
    # 2027-05: 5th こどもの日 → 4/30; 8th Sat → 5/7 Fri; 10th Mon stays
    assert monthly("funagata", "2027-04") == {"provider-results": "2027-04-30", "provider-results-received": "2027-04-30", "commission-claim": "2027-05-07",
                                              "benefit-management": "2027-05-10"}


def test_the_shift_choice_and_its_source_are_in_the_profile_file():
    funagata = load_profile("funagata")
    assert shift_rule(funagata, "provider-results") == ("previous-business-day",
                                                        "seed 000 手順12（土日・休日と重なる場合はその前日まで）")
    # a profile may keep a deadline where it falls (e.g. a casebook override for electronic 伝送)
    kept = load_profile("suzuka-kameyama", {"shift": {"obligations": {"benefit-management": {
        "rule": "none", "source": "国保連の伝送は10日まで受付"}}}})
    assert monthly("suzuka-kameyama", "2026-04")["benefit-management"] == "2026-05-08"  # 5/10 Sun → Fri
    case = running_case()
    due = {d.code: d.due.isoformat() for d in monthly_cycle(case, RuleContext(kept)) if d.month == "2026-04"}
    assert due["benefit-management"] == "2026-05-10"  # a Sunday, kept


# -- each monthly item overdue the day after its date until marked done ------------------------------------


@pytest.mark.parametrize("profile, code, month, due", [
    ("funagata", "provider-results", "2026-06", "2026-07-03"),
    ("funagata", "commission-claim", "2026-06", "2026-07-08"),
    ("funagata", "benefit-management", "2026-06", "2026-07-10"),
    ("suzuka-kameyama", "usage-results", "2026-06", "2026-07-03"),
    ("suzuka-kameyama", "benefit-management", "2026-06", "2026-07-10"),
    ("toshima", "usage-results", "2026-08", "2026-09-04"),
    ("toshima", "benefit-management", "2026-08", "2026-09-10"),
    ("national", "benefit-management", "2027-04", "2027-05-10"),
])
def test_monthly_item_is_overdue_the_day_after_until_marked_done(profile, code, month, due):
    loaded = load_profile(profile)
    item = next(d for d in monthly_cycle(running_case(), RuleContext(loaded)) if d.code == code and d.month == month)
    assert item.kind == MONTHLY and item.due == D(due)
    day_after = D(due).toordinal() + 1
    assert item.status(D(due)) == "due"
    assert item.status(date.fromordinal(day_after)) == "overdue"
    assert item.status(date.fromordinal(day_after + 400)) == "overdue"  # a year later, still there
    # marked done for the case: gone; another month's mark leaves it
    other = DoneMark("m.yaml", code, "2025-01", D("2026-01-05"), "hokatsu")
    still = monthly_cycle(running_case(marks=[other]), RuleContext(loaded))
    assert any(d.code == code and d.month == month for d in still)
    party = item.party if item.party != "provider" else "kyotaku"
    mark = DoneMark("m.yaml", code, month, D(due), party)
    assert not any(d.code == code and d.month == month for d in monthly_cycle(running_case(marks=[mark]), RuleContext(loaded)))
    # marked done for the whole casebook: gone too
    items = monthly_cycle(running_case(), RuleContext(loaded))
    assert not any(d.code == code and d.month == month for d in drop_marked(items, {(code, month, party)}))


def test_the_2027_04_30_results_are_due_on_their_own_day():
    # seed 002 資料1-9: April's 実績 by 5/4, moved to 4/30 (before May, the month it is handed over in)
    item = next(d for d in monthly_cycle(running_case(), RuleContext(load_profile("suzuka-kameyama")))
                if d.code == "usage-results" and d.month == "2027-04")
    assert item.due == D("2027-04-30") and item.status(D("2027-04-30")) == "due"
    assert item.status(D("2027-04-29")) == "upcoming" and item.status(D("2027-05-01")) == "overdue"


def test_a_mark_by_one_office_does_not_settle_the_others_item():
    items = monthly_cycle(running_case(), RuleContext(load_profile("national")))  # 委託: 給付管理 is the 包括's
    assert {d.party for d in items} == {"hokatsu"}
    assert len(drop_marked(items, {("benefit-management", "2026-06", "kyotaku")})) == len(items)
    assert len(drop_marked(items, {("benefit-management", "2026-06", "hokatsu")})) == len(items) - 1


# -- labelled with the party who acts for the case's mode -------------------------------------------------


@pytest.mark.parametrize("profile", ["national", "funagata", "suzuka-kameyama", "toshima"])
def test_benefit_management_of_a_shitei_case_is_the_kyotakus(profile):
    # domain.md §5: 給付管理票 — 包括 (or 指定居宅) → 国保連; seed 003 居宅指定
    loaded = load_profile(profile)
    itaku = [d for d in monthly_cycle(running_case("itaku"), RuleContext(loaded)) if d.code == "benefit-management"]
    shitei = [d for d in monthly_cycle(running_case("shitei"), RuleContext(loaded)) if d.code == "benefit-management"]
    assert {(d.party, d.staff) for d in itaku} == {("hokatsu", "中央包括")}
    assert {(d.party, d.staff) for d in shitei} == {("kyotaku", "山田")}
    # the 委託料 and the 包括's copy of the 実績 are 委託 only
    assert not [d for d in monthly_cycle(running_case("shitei"), RuleContext(loaded))
                if d.code in ("commission-claim", "usage-results")]


def test_monthly_items_cover_every_month_a_plan_ran_and_stop_at_closure():
    case = running_case(start="2026-04-10", end="2026-09-30")
    months = sorted({d.month for d in monthly_cycle(case, RuleContext(load_profile("national")))})
    assert months == ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"]
    closed = replace(case, status="closed", closed_on=D("2026-06-15"))
    assert sorted({d.month for d in monthly_cycle(closed, RuleContext(load_profile("national")))}) == [
        "2026-04", "2026-05", "2026-06"]


# -- new cases, the 届出書, one evaluation item a plan -------------------------------------------------------


def test_a_new_case_gets_assessment_and_first_plan_deadlines():
    # yobo defaults (profile national new_case, marked as such): 14 and 30 days from opening
    case = replace(running_case(), plans=(), opened=D("2026-11-02"))
    items = {d.code: (d.due.isoformat(), d.source) for d in case_obligations(case, load_profile("national"), CONFIG)}
    assert items["assessment"][0] == "2026-11-16" and items["first-plan"][0] == "2026-12-02"
    assert "yobo の既定値" in items["assessment"][1]


def test_the_notification_is_due_before_the_service_starts_and_stays_until_marked():
    # seed 002 資料1-2: 届出書はサービス利用開始日以前; plan starting Saturday 2026-08-01 → Friday 7/31
    plan = Plan("P1", "cases/AB/ABC123/plans/P1", {}, D("2026-08-01"), D("2027-01-31"), D("2026-07-10"), "d")
    case = running_case(plans=(plan,))
    items = [d for d in case_obligations(case, load_profile("suzuka-kameyama"), CONFIG)
             if d.code == "notification-filing"]
    assert [(d.due.isoformat(), d.party, d.staff) for d in items] == [("2026-07-31", "hokatsu", "中央包括")]
    assert items[0].status(D("2026-08-20")) == "overdue"
    marked = running_case(plans=(plan,), marks=[DoneMark("m.yaml", "notification-filing", "2026-07",
                                                         D("2026-07-20"), "hokatsu")])
    assert not [d for d in case_obligations(marked, load_profile("suzuka-kameyama"), CONFIG)
                if d.code == "notification-filing"]


def test_one_evaluation_item_a_plan():
    # seed 000 step 16: where the 評価表 goes to the 包括 by the 14th, that is the one item;
    # 2026-11-14 is a Saturday → Friday 11/13.  Without a submission day: the plan's end.
    case = running_case(start="2026-06-01", end="2026-11-30")
    funagata = [d.code for d in case_obligations(case, load_profile("funagata"), CONFIG)
                if d.code in ("evaluation", "evaluation-submit")]
    assert funagata == ["evaluation-submit"]
    submit = next(d for d in case_obligations(case, load_profile("funagata"), CONFIG) if d.code == "evaluation-submit")
    assert submit.due == D("2026-11-13")
    national = [d.code for d in case_obligations(case, load_profile("national"), CONFIG)
                if d.code in ("evaluation", "evaluation-submit")]
    assert national == ["evaluation"]


def test_the_hokatsu_return_moves_off_a_holiday_and_provider_evaluation_stays_until_marked():
    from yobo.model import Submission

    # seed 000 step 16: returned within 10 days of the submission; 11/13 + 10 = 11/23 勤労感謝の日
    # (Monday) → Friday 11/20
    case = running_case(start="2026-06-01", end="2026-11-30")
    plan = replace(case.plans[0], evaluation=Evaluation("e.yaml", D("2026-11-12"), "change", "yobo", {}))
    sent = replace(case, plans=(plan,), submissions=(Submission("s.yaml", D("2026-11-13"), "evaluation", "P1", None, ()),))
    ret = next(d for d in case_obligations(sent, load_profile("funagata"), CONFIG) if d.code == "evaluation-return")
    assert ret.due == D("2026-11-20")
    # the providers' evaluation by the 5th of the evaluation month (11/5 Thu) is a task now
    item = next(d for d in case_obligations(case, load_profile("funagata"), CONFIG) if d.code == "provider-evaluation")
    assert item.due == D("2026-11-05") and item.status(D("2026-12-01")) == "overdue" and item.party == "provider"
    marked = replace(case, done_marks=(DoneMark("m.yaml", "provider-evaluation", "2026-11", D("2026-11-04"),
                                                "kyotaku"),))
    assert not [d for d in case_obligations(marked, load_profile("funagata"), CONFIG) if d.code == "provider-evaluation"]


def test_a_kyotaku_casebook_without_hokatsu_staff_does_not_list_the_hokatsu_monthly_duties():
    from yobo.rules.due import for_office

    items = monthly_cycle(running_case("itaku"), RuleContext(load_profile("funagata")))
    own = for_office(items, CONFIG)
    assert {d.party for d in own} == {"kyotaku", "provider"} and len(own) < len(items)
    shared = replace(CONFIG, staff=(Staff("山田"), Staff("包括 太郎", None, "hokatsu")))
    assert for_office(items, shared) == items

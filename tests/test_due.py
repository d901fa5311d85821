"""Deadline rules with hand-computed dates (each test names the seed it comes from)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yobo.calendar import add_months, is_business_day, shift_deadline
from yobo.model import (Case, Casebook, Certification, Config, Evaluation, MonitoringRecord, Note, Person, Plan,
                        Staff, Submission)
from yobo.profiles import load_profile
from yobo.rules.due import case_obligations, monthly_cycle
from yobo.rules.runner import RuleContext

D = date.fromisoformat
CONFIG = Config("さくら居宅", "kyotaku", None, "national", (Staff("山田"),))


def make_case(start="2026-01-31", end="2026-06-30", *, service_start=None, monitoring=(), evaluation=None,
              certs=None, submissions=(), mode="itaku", notes=(), status="active", closed_on=None):
    plan = Plan("P1", "cases/AB/ABC123/plans/P1", {}, D(start), D(end), D(start), "d",
                service_start=D(service_start or start), evaluation=evaluation)
    certs = certs or (Certification("c.yaml", "shien1", "certified", D("2025-10-01"), D("2027-09-30")),)
    return Case("ABC123", "cases/AB/ABC123", status, D("2025-12-01"), Person("0", "佐藤 一郎", "サトウ", D("1940-01-01"), "male"),
                "yobo-shien", mode, "中央包括", "山田", certifications=certs, plans=(plan,), monitoring=tuple(monitoring),
                submissions=tuple(submissions), notes=tuple(notes), closed_on=closed_on)


def visit(day, method="visit", state_change=False, reason=""):
    return MonitoringRecord(f"cases/AB/ABC123/monitoring/{day[:7]}.yaml", D(day), method, "P1", state_change, reason)


def dues(case, profile="national", config=CONFIG):
    return sorted((d.code, d.due.isoformat()) for d in case_obligations(case, load_profile(profile), config))


def codes(case, prefix, profile="national"):
    return [(c, due) for c, due in dues(case, profile) if c.startswith(prefix)]


# -- calendar: holidays from jpholiday, month lengths ---------------------------------------------


@pytest.mark.parametrize("deadline, expected", [
    ("2026-05-05", "2026-05-01"),  # こどもの日; 5/4 みどりの日, 5/3 Sun, 5/2 Sat → Fri 5/1 (Golden Week 2026)
    ("2026-05-06", "2026-05-01"),  # 振替休日 for 5/3
    ("2027-03-22", "2027-03-19"),  # 振替休日 (春分の日 3/21 is a Sunday); 3/20 Sat
    ("2026-09-23", "2026-09-18"),  # 秋分の日; 9/22 国民の休日, 9/21 敬老の日, weekend before
    ("2027-01-10", "2027-01-08"),  # a 10th on a Sunday (1/11 成人の日 is after it)
    ("2026-12-10", "2026-12-10"),  # a Thursday stays
])
def test_previous_business_day_shift_seed_000(deadline, expected):
    # seed 000 steps 12–13: 「土日・休日と重なる場合はその前日まで」
    assert shift_deadline(D(deadline), "previous-business-day") == D(expected)
    assert shift_deadline(D(deadline), "none") == D(deadline)


def test_business_days_and_year_end_switch():
    assert not is_business_day(D("2026-11-23"))  # 勤労感謝の日
    assert is_business_day(D("2026-12-29")) and not is_business_day(D("2026-12-29"), year_end_closed=True)


@pytest.mark.parametrize("start, months, expected", [
    ("2026-01-31", 1, "2026-02-28"), ("2028-01-31", 1, "2028-02-29"), ("2028-02-29", 12, "2029-02-28"),
    ("2026-08-31", 1, "2026-09-30"), ("2026-12-31", 2, "2027-02-28"),
])
def test_month_arithmetic_clamps(start, months, expected):
    assert add_months(D(start), months) == D(expected)


# -- the monthly cycle (per case, stays until done) -----------------------------------------------


def monthly(profile, month):
    """Due day of each monthly item for the results of ``month`` (a plan running all 2026–27)."""
    case = make_case(start="2026-01-01", end="2027-12-31",
                     certs=(Certification("c.yaml", "shien1", "certified", D("2025-10-01"), D("2028-09-30")),))
    return {d.code: d.due.isoformat() for d in monthly_cycle(case, RuleContext(load_profile(profile)))
            if d.month == month}


def test_funagata_monthly_deadlines_in_golden_week_2026():
    # seed 000 steps 12–14: 実績 5th, 委託料 8th, 給付管理 10th, moved to the previous business day
    # (and the 包括's receipt of the 実績, seed 000 line 186, on the 実績's own day)
    assert monthly("funagata", "2026-04") == {"provider-results": "2026-05-01", "commission-claim": "2026-05-08",
                                              "benefit-management": "2026-05-08",
                                              "provider-results-received": "2026-05-01"}
    # the May results: 2026-06-05 is a Friday and stays
    assert monthly("funagata", "2026-05")["provider-results"] == "2026-06-05"


def test_suzuka_kameyama_results_by_the_4th_moved_off_the_holiday():
    # seed 002 資料1-9 / domain.md §5: 利用票・別表（実績）to the 包括 by the 4th; the seed says
    # nothing on holidays, so the profile's default moves 2026-05-04 (みどりの日) and the
    # 10th (a Sunday) to Friday 2026-05-01 and 2026-05-08
    # (and the 包括's receipt of them, seed 002 line 624, on the same day)
    assert monthly("suzuka-kameyama", "2026-04") == {"usage-results": "2026-05-01",
                                                     "benefit-management": "2026-05-08",
                                                     "usage-results-received": "2026-05-01"}


def test_toshima_results_by_the_5th():
    assert monthly("toshima", "2026-10")["usage-results"] == "2026-11-05"


# -- monitoring and visits --------------------------------------------------------------------------


def test_every_month_of_the_plan_needs_a_monitoring_record():
    # seed 002 資料1-7: 1か月に1回はモニタリングの結果を記録; plan from 31 January to 30 June
    case = make_case(monitoring=[visit("2026-01-31"), visit("2026-03-10")])
    assert codes(case, "monitoring") == [("monitoring-record", "2026-02-28"), ("monitoring-record", "2026-04-30"),
                                         ("monitoring-record", "2026-05-31"), ("monitoring-record", "2026-06-30")]


def test_leap_year_february_record():
    case = make_case(start="2028-02-29", end="2028-07-31")
    assert ("monitoring-record", "2028-02-29") in codes(case, "monitoring")


def test_six_month_plan_needs_start_one_in_months_2_to_4_and_evaluation_month():
    # seed 002 資料1-7 example: 開始月◎, 2〜4月目に1回◎, 評価月◎
    none = make_case()
    assert codes(none, "visit") == [("visit-evaluation-month", "2026-06-30"), ("visit-quarter", "2026-04-30"),
                                    ("visit-start-month", "2026-01-31")]
    done = make_case(monitoring=[visit("2026-01-31"), visit("2026-03-10"), visit("2026-06-15")])
    assert codes(done, "visit") == []


def test_twelve_month_plan_windows_are_counted_from_the_month_after_start():
    # seed 000 step 15 / national-rules §2: start 2026-04; windows May–Jul, Aug–Oct, Nov–Jan, Feb–Mar(end)
    case = make_case(start="2026-04-01", end="2027-03-31",
                     monitoring=[visit("2026-04-10"), visit("2026-07-20"), visit("2026-10-05"), visit("2027-01-12")])
    assert codes(case, "visit") == [("visit-evaluation-month", "2027-03-31")]
    late = replace(case, monitoring=(visit("2026-04-10"), visit("2026-08-01"), visit("2026-10-05"),
                                     visit("2027-01-12"), visit("2027-03-02")))
    assert codes(late, "visit") == [("visit-quarter", "2026-07-31")]


def test_a_missed_visit_with_special_circumstances_is_excused():
    # seed 002 資料1-7: 特段の事情 (利用者の事情) recorded → reported as excused, not overdue
    case = make_case(monitoring=[visit("2026-01-31"), visit("2026-03-10", "phone", reason="本人が入院中"),
                                 visit("2026-06-15")])
    (item,) = [d for d in case_obligations(case, load_profile("national"), CONFIG) if d.code == "visit-quarter"]
    assert item.excused == "本人が入院中"
    assert item.status(D("2026-05-10")) == "excused"
    assert item.status(D("2026-03-15")) == "due" and item.status(D("2026-01-15")) == "upcoming"


def test_state_change_needs_a_prompt_visit():
    # seed 000 step 15: 状況の変化があった場合についても、必ず利用者宅を訪問
    case = make_case(monitoring=[visit("2026-01-31"), visit("2026-02-10", "phone", state_change=True)])
    assert codes(case, "visit-state") == [("visit-state-change", "2026-02-17")]
    visited = replace(case, monitoring=case.monitoring + (visit("2026-02-12"),))
    assert codes(visited, "visit-state") == []


def test_video_counts_only_with_profile_switch_agreement_and_a_home_visit_in_the_window_before():
    # national-rules §2.1: video allowed with 合意; a home visit still at least every 6 months
    records = [visit("2026-04-10"), visit("2026-06-01", "video"), visit("2026-09-01", "video")]
    case = make_case(start="2026-04-01", end="2027-03-31", monitoring=records,
                     notes=[Note("n.yaml", D("2026-04-05"), "video-agreement", "同意と合意", "山田", "kyotaku")])
    profile = load_profile("national", {"monitoring": {"video": True}})
    quarters = sorted(d.due.isoformat() for d in case_obligations(case, profile, CONFIG) if d.code == "visit-quarter")
    # May–Jul by video after the April visit is fine; Aug–Oct by video again is not (two in a row)
    assert quarters[0] == "2026-10-31"
    assert "2026-07-31" not in quarters
    plain = sorted(d.due.isoformat() for d in case_obligations(case, load_profile("national"), CONFIG)
                   if d.code == "visit-quarter")
    assert "2026-07-31" in plain  # without the switch video does not count


# -- evaluation, next plan, certification -----------------------------------------------------------


def test_funagata_evaluation_submission_by_the_14th_and_return_within_10_days():
    # seed 000 step 16: 評価表 to the 包括 by the 14th of the evaluation month, returned within 10 days
    case = make_case(start="2026-01-05", end="2026-06-30", monitoring=[visit("2026-01-10")])
    items = dues(case, "funagata")
    # one evaluation item: the submission by the 14th (a Sunday in June 2026 → Friday the 12th)
    assert ("evaluation-submit", "2026-06-12") in items and ("evaluation", "2026-06-30") not in items
    assert ("provider-evaluation", "2026-06-05") in items
    evaluated = replace(case, plans=(replace(case.plans[0], evaluation=Evaluation("e.yaml", D("2026-06-10"), "change", "yobo", {})),),
                        submissions=(Submission("s.yaml", D("2026-06-12"), "evaluation", "P1", None, ()),))
    items = [d for d in case_obligations(evaluated, load_profile("funagata"), CONFIG) if d.code.startswith("evaluation")]
    assert [(d.code, d.due.isoformat(), d.staff, d.party) for d in items] == [
        ("evaluation-return", "2026-06-22", "中央包括", "hokatsu")]


def test_shitei_has_no_hokatsu_evaluation_deadlines():
    case = make_case(mode="shitei")
    assert [c for c, _ in dues(case, "funagata") if c.startswith("evaluation-")] == []


def test_next_plan_and_plan_period_flags():
    # seed 000 step 9: 最長は1年; seed 002 §3: 認定の有効期間内
    long_plan = make_case(start="2026-01-01", end="2027-01-01")
    assert ("plan-period", "2026-01-01") in dues(long_plan)
    past_cert = make_case(start="2027-04-01", end="2027-12-31")
    assert ("plan-period", "2027-09-30") in dues(past_cert)
    assert ("next-plan", "2026-06-30") in dues(make_case())
    ended = make_case()
    ended = replace(ended, plans=(replace(ended.plans[0], evaluation=Evaluation("e", D("2026-06-20"), "end", "ippan", {})),))
    assert "next-plan" not in [c for c, _ in dues(ended)]


def test_certification_renewal_window_and_cutoffs():
    # national-rules §3: renewal from 60 days before the end; seed 002 V: filed ≥ 31 days before
    case = make_case(certs=(Certification("c", "shien1", "certified", D("2025-04-01"), D("2027-03-31")),))
    national = {d.code: d for d in case_obligations(case, load_profile("national"), CONFIG)}
    assert national["certification-renewal"].opens == D("2027-01-30")
    assert national["certification-renewal"].due == D("2027-03-31")
    assert national["certification-end"].due == D("2027-03-31")
    suzuka = {d.code: d for d in case_obligations(case, load_profile("suzuka-kameyama"), CONFIG)}
    assert suzuka["certification-renewal"].due == D("2027-02-28")


def test_no_certification_deadline_for_jigyo_and_a_pending_notice_after_an_application():
    jigyo = make_case(certs=(Certification("c", "jigyo", "certified", D("2025-04-01"), None),))
    assert [c for c, _ in dues(jigyo) if c.startswith("certification")] == []
    applied = make_case(certs=(Certification("c", "shien1", "certified", D("2025-04-01"), D("2027-03-31")),
                               Certification("d", "shien1", "pending", D("2027-04-01"), None)))
    # the renewal was filed: no renewal task, a notice that the result may come too late
    assert [(c, due) for c, due in dues(applied) if c.startswith("certification")] == [
        ("certification-pending", "2027-03-31")]


@pytest.mark.parametrize("applied_on,eligible", [("2027-02-28", True), ("2027-03-01", False)])
def test_pending_renewal_says_whether_the_special_treatment_is_open_seed_002_ii(applied_on, eligible):
    # seed 002 II: filed at least 31 days before the end (2027-03-31 − 31 days = 2027-02-28)
    case = make_case(certs=(Certification("c", "shien1", "certified", D("2025-04-01"), D("2027-03-31")),
                            Certification("d", "shien1", "pending", D("2027-04-01"), None, applied_on=D(applied_on))))
    (item,) = [d for d in case_obligations(case, load_profile("suzuka-kameyama"), CONFIG)
               if d.code == "certification-pending"]
    assert (item.opens, item.due, item.kind) == (D("2027-01-30"), D("2027-03-31"), "notice")
    assert ("特例取扱い申出書を出せます" in item.title) is eligible
    assert ("対象外" in item.title) is not eligible
    assert item.status(D("2027-04-10")) == "due"  # stays after the end until the result is recorded


def test_migration_of_entrusted_cases_within_30_days_mito():
    # seed 004: 新規指定を受けた日から30日以内に直接実施へ移行
    config = replace(CONFIG, designated_on=D("2026-10-01"))
    assert ("migration-to-shitei", "2026-10-31") in dues(make_case(), "mito", config)
    assert "migration-to-shitei" not in [c for c, _ in dues(make_case(mode="shitei"), "mito", config)]
    assert "migration-to-shitei" not in [c for c, _ in dues(make_case(), "national", config)]


def test_retention_five_years_from_closure_suzuka_kameyama():
    # seed 002 資料1-10: 完結日より5年間保存; national 2 years
    closed = make_case(status="closed", closed_on=D("2026-05-31"))
    assert codes(closed, "retention", "suzuka-kameyama") == [("retention-end", "2031-05-31")]
    assert codes(closed, "retention", "national") == [("retention-end", "2028-05-31")]


# -- a property of the visit schedule ---------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(start=st.dates(date(2024, 1, 1), date(2028, 12, 31)), length=st.integers(1, 12),
       visit_days=st.lists(st.integers(0, 400), max_size=8))
def test_visit_schedule_invariants(start, length, visit_days):
    end = add_months(start.replace(day=1), length) - date.resolution  # the last day of the plan's last month
    visits = sorted({start + date.resolution * d for d in visit_days if start + date.resolution * d <= end})
    case = make_case(start=start.isoformat(), end=end.isoformat(), monitoring=[visit(v.isoformat()) for v in visits],
                     certs=(Certification("c", "shien1", "certified", date(2023, 1, 1), date(2030, 12, 31)),))
    profile = load_profile("national")
    items = [d for d in case_obligations(case, profile, CONFIG) if d.code.startswith("visit-")]
    first_month, last_month = start.replace(day=1), end
    for item in items:
        assert item.opens <= item.due
        assert first_month <= item.opens and item.due <= last_month  # inside the plan's months
        # a window with a visit in it is never reported
        assert not any(item.opens <= v <= item.due for v in visits)
    # visiting every month satisfies every visit rule
    every_month = sorted({add_months(start.replace(day=1), k) for k in range(length)} | {start})
    full = replace(case, monitoring=tuple(visit(max(m, start).isoformat()) for m in every_month))
    assert [d for d in case_obligations(full, profile, CONFIG) if d.code.startswith("visit-")] == []
    # adding a visit never adds an obligation
    extra = replace(case, monitoring=case.monitoring + (visit(end.isoformat()),))
    assert len([d for d in case_obligations(extra, profile, CONFIG) if d.code.startswith("visit-")]) <= len(items)

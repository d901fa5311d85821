"""Certification applications 申請中 and their results, and the 暫定ケアプラン (issue 12 items 1 and 6).

Expected values come from the seeds' text (cited per test): seed 000 手順19 (申請代行の申請日),
seed 002 II (暫定ケアプラン: situations II-1, who writes II-3, 自己作成扱い II-4, the
特例取扱い申出書 II-5, after the result II-6), seed 003 暫定プラン ※2 (生活保護) and
background/national-rules.md §3 (start dates of 新規・更新・区分変更).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import NEW_CASE, STAFF, assert_one_line_error, flags, snapshot
from test_json_schemas import validate
from conftest import basic_info
from yobo.profiles import load_profile
from yobo.rules.certification import dated_application
from yobo.workflow.certification import last_allowed_day
from yobo.yamlio import load_fast


@pytest.fixture
def book(cli, tmp_path):
    def make(profile: str = "national") -> Path:
        root = tmp_path / f"cb-{profile}"
        assert cli("init", str(root), "--office-name", "さくら居宅", "--office-kind", "kyotaku", "--profile", profile,
                   "--staff", STAFF).code == 0
        return root
    return make


def run_ok(cli, *args: str, today: str) -> str:
    run = cli(*args, "--today", today)
    assert run.code == 0, (args, run.stderr)
    return run.stdout


def register(cli, root: Path, today: str, **options) -> str:
    merged = dict(NEW_CASE, **{"--mode": "shitei", "--hokatsu": None})
    merged.update(options)
    out = run_ok(cli, "case", "new", "-C", str(root), *flags(merged), today=today)
    return out.strip().splitlines()[-1]


def folder(root: Path, case: str) -> Path:
    return root / "cases" / case[:2] / case


def read(path: Path) -> dict:
    return load_fast(path.read_text(encoding="utf-8"), str(path))


def due(cli, root: Path, today: str, case: str) -> dict[str, dict]:
    items = json.loads(run_ok(cli, "monitor", "due", "-C", str(root), "--within", "100000", "--json", today=today))
    return {d["code"]: d for d in items if d["case"] == case}


def agree_and_start(cli, root: Path, case: str, *, day: str) -> None:
    """担当者会議 → 同意 → サービス開始 of the latest plan on one day (a 指定 case: no 包括 review)."""
    c = str(root)
    run_ok(cli, "meeting", "record", case, "--attendee", "佐藤 一郎:本人", "--date", day, "-C", c, today=day)
    run_ok(cli, "plan", "agree", case, "--signer", "佐藤 一郎", "--date", day, "-C", c, today=day)
    run_ok(cli, "plan", "start", case, "--date", day, "-C", c, today=day)


# -- seed 000 手順19: the 申請日 of an application this office filed --------------------------------


def test_application_dating_on_both_sides_of_the_cut_off():
    # seed 000 line 326–328「提出日は概ね上旬：当月の１日付 / 提出日が概ね下旬：翌月の１日付」
    funagata = load_profile("funagata")
    assert dated_application(date(2026, 11, 2), funagata) == date(2026, 11, 1)
    assert dated_application(date(2026, 11, 15), funagata) == date(2026, 11, 1)
    assert dated_application(date(2026, 11, 16), funagata) == date(2026, 12, 1)
    assert dated_application(date(2026, 12, 28), funagata) == date(2027, 1, 1)
    # the other seeds say nothing: the 申請日 is the day it was submitted
    for name in ("national", "suzuka-kameyama", "toshima", "kota", "mito"):
        assert dated_application(date(2026, 11, 16), load_profile(name)) == date(2026, 11, 16)


def test_cert_add_pending_dates_a_proxy_application_and_starts_a_change_on_it(cli, book):
    root = book("funagata")
    case = register(cli, root, "2026-04-10")
    c = str(root)
    # a current period exists: renewal or 区分変更 must be said
    assert_one_line_error(cli("cert", "add", case, "--pending", "--submitted-on", "2026-08-20", "-C", c,
                              "--today", "2026-08-21"), "--kind")
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "change", "--level", "要支援2", "--submitted-on",
           "2026-08-20", "-C", c, today="2026-08-21")
    # late in August → 申請日 the 1st of September, and a 区分変更 starts on its 申請日 (national-rules.md §3)
    cert = read(folder(root, case) / "certifications/2026-09-01.yaml")
    assert cert == {"level": "shien2", "status": "pending", "from": "2026-09-01", "applied_on": "2026-09-01",
                    "submitted_on": "2026-08-20"}
    # one application at a time; its result is recorded with cert decide
    assert_one_line_error(cli("cert", "add", case, "--pending", "--kind", "renewal", "--applied-on", "2027-02-01",
                              "-C", c, "--today", "2027-02-01"), "cert decide")


def test_new_applicant_registered_pending_needs_no_end_and_starts_on_the_application(cli, book):
    root = book("funagata")
    c = str(root)
    before = snapshot(root)
    base = dict(NEW_CASE, **{"--mode": "shitei", "--hokatsu": None, "--cert-from": None, "--cert-to": None})
    assert_one_line_error(cli("case", "new", "-C", c, *flags(base), "--pending", "--today", "2026-11-22"),
                          "--applied-on")
    assert_one_line_error(cli("case", "new", "-C", c, *flags(dict(base, **{"--cert-to": "2027-10-31"})), "--pending",
                              "--applied-on", "2026-11-05", "--today", "2026-11-22"), "--cert-to")
    assert snapshot(root) == before
    # submitted early in the month → dated the 1st (seed 000 line 327)
    out = run_ok(cli, "case", "new", "-C", c, *flags(base), "--pending", "--submitted-on", "2026-11-05",
                 today="2026-11-22")
    case = out.strip().splitlines()[-1]
    assert "申請中" in out
    cert = read(folder(root, case) / "certifications/2026-11-01.yaml")
    assert cert["status"] == "pending" and cert["applied_on"] == "2026-11-01" and "to" not in cert
    shown = json.loads(run_ok(cli, "case", "show", case, "-C", c, "--json", today="2026-11-22"))
    assert shown["certifications"][0]["status"] == "pending"


def test_longest_period_counts_the_rest_of_the_first_month():
    # national-rules.md §3「application 2026‑04‑15, 6 months → 2026‑04‑15 … 2026‑10‑31. Application 2026‑04‑01 →
    # 2026‑04‑01 … 2026‑09‑30」
    assert last_allowed_day(date(2026, 4, 15), 6) == date(2026, 10, 31)
    assert last_allowed_day(date(2026, 4, 1), 6) == date(2026, 9, 30)
    assert last_allowed_day(date(2026, 8, 3), 12) == date(2027, 8, 31)


def test_case_new_certified_on_reaches_the_plan(cli, book):
    root = book()
    case = register(cli, root, "2026-04-10", **{"--certified-on": "2026-03-25"})
    assert read(folder(root, case) / "certifications/2026-04-01.yaml")["certified_on"] == "2026-03-25"
    run_ok(cli, "plan", "draft", case, "--start", "2026-05-01", "--end", "2027-03-31", "-C", str(root), today="2026-04-20")
    assert read(folder(root, case) / "plans/P1/plan.yaml")["certified_on"] == "2026-03-25"  # 認定年月日 on the form
    assert_one_line_error(cli("cert", "add", case, "--pending", "--kind", "new", "--applied-on", "2026-08-03",
                              "-C", str(root), "--today", "2026-08-03"), "--kind", "新規申請ではありません")


# -- seed 002 II: a new applicant's 暫定ケアプラン, then the result ------------------------------------


def test_new_applicant_pending_then_decided_same_level_makes_the_plan_final(cli, book):
    root = book()
    c = str(root)
    base = dict(NEW_CASE, **{"--mode": "shitei", "--hokatsu": None, "--cert-from": None, "--cert-to": None})
    case = run_ok(cli, "case", "new", "-C", c, *flags(base), "--pending", "--applied-on", "2026-11-05",
                  today="2026-11-06").strip().splitlines()[-1]
    # seed 002 II-1(1): 新規申請中の新規利用者 — the wrong situation is refused
    assert_one_line_error(cli("plan", "draft", case, "--start", "2026-11-10", "--end", "2027-04-30", "--provisional",
                              "change", "-C", c, "--today", "2026-11-08"), "--provisional new")
    run = cli("plan", "draft", case, "--start", "2026-11-10", "--end", "2027-04-30", "--provisional", "new", "-C", c,
              "--today", "2026-11-08")
    assert run.code == 0, run.stderr
    assert "指定介護予防支援事業所として作成" in run.stderr  # who writes it (seed 002 II-3(1)②)
    plan_path = folder(root, case) / "plans/P1/plan.yaml"
    plan = read(plan_path)
    assert plan["cert_status"] == "pending"
    assert plan["provisional"] == {"situation": "new", "expected": "shien", "applied_on": "2026-11-05"}
    agree_and_start(cli, root, case, day="2026-11-10")
    assert "certification-renewal" not in due(cli, root, "2026-11-20", case)

    # the result: 要支援1 as expected → 軽微な変更 (seed 002 II-6(1) line 868), with the user's consent (III-2(2)①)
    before = snapshot(root)
    assert_one_line_error(cli("cert", "decide", case, "--level", "要支援1", "--to", "2027-05-31", "-C", c,
                              "--today", "2026-12-10"), "--consent-date", "軽微な変更")
    assert_one_line_error(cli("cert", "decide", case, "--level", "要支援1", "--from", "2026-11-06", "--to",
                              "2027-05-31", "-C", c, "--today", "2026-12-10"), "--from", "2026-11-05")
    # 新規: at most the rest of November and 12 months (national-rules.md §3)
    assert_one_line_error(cli("cert", "decide", case, "--level", "要支援1", "--to", "2027-12-01", "-C", c,
                              "--today", "2026-12-10"), "--to", "12か月", "2027-11-30")
    assert snapshot(root) == before
    run_ok(cli, "cert", "decide", case, "--level", "要支援1", "--to", "2027-05-31", "--certified-on", "2026-12-08",
           "--consent-date", "2026-12-09", "--consent-method", "電話", "-C", c, today="2026-12-10")
    cert = read(folder(root, case) / "certifications/2026-11-05.yaml")
    assert cert["status"] == "certified" and cert["to"] == "2027-05-31" and cert["certified_on"] == "2026-12-08"
    assert cert["decided_on"] == "2026-12-10"
    plan = read(plan_path)
    assert (plan["cert_status"], plan["cert_to"], plan["certified_on"]) == ("certified", "2027-05-31", "2026-12-08")
    kinds = {(a["field"], a["kind"]) for a in plan["amendments"]}
    assert kinds == {("cert_status", "provisional-confirmed"), ("cert_to", "provisional-confirmed"),
                     ("certified_on", "provisional-confirmed")}
    notes = [read(p) for p in sorted((folder(root, case) / "notes").glob("*.yaml"))]
    assert any(n["kind"] == "minor-change" and "確定ケアプラン" in n["text"] and "2026-12-09（電話）" in n["text"]
               for n in notes)
    # the consent still matches the amended plan, and validate is clean
    assert cli("validate", "-C", c, "--today", "2026-12-10").code == 0
    after = due(cli, root, "2026-12-10", case)
    assert after["certification-renewal"]["due"] == "2027-05-31"
    assert "provisional-replan" not in after
    rendered = cli("render", case, "plan", "-C", c, "--today", "2026-12-10")
    assert rendered.code == 0 and "暫定ケアプランの確定" in rendered.stdout


# -- a pending renewal decided at the same and at another level ----------------------------------------


def _renewal_with_a_provisional_plan(cli, root: Path) -> str:
    """A 指定 case 2026-04-01〜2027-03-31 whose renewal is pending and whose P2 is the 暫定ケアプラン
    (seed 002 II-1(3)「更新申請を行い、認定結果が更新前の認定有効期間内に確定せず」)."""
    c = str(root)
    case = register(cli, root, "2026-04-10")
    run_ok(cli, "plan", "draft", case, "--start", "2026-05-01", "--end", "2027-03-31", "-C", c, today="2026-04-20")
    agree_and_start(cli, root, case, day="2026-05-01")
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "renewal", "--applied-on", "2027-02-01", "-C", c,
           today="2027-02-01")
    assert read(folder(root, case) / "certifications/2027-04-01.yaml")["level"] == "shien1"  # the current level
    run_ok(cli, "evaluate", case, "--decision", "continue", "--date", "2027-03-20", "-C", c, today="2027-03-20")
    run_ok(cli, "plan", "draft", case, "--start", "2027-04-01", "--end", "2027-09-30", "--provisional", "renewal",
           "-C", c, today="2027-03-25")
    agree_and_start(cli, root, case, day="2027-04-01")
    return case


def test_pending_renewal_decided_same_level(cli, book):
    root = book()
    case = _renewal_with_a_provisional_plan(cli, root)
    before = due(cli, root, "2027-04-05", case)
    assert "認定結果待ち" in before["certification-pending"]["title"]
    run_ok(cli, "cert", "decide", case, "--level", "shien1", "--to", "2031-03-31", "--consent-date", "2027-04-20",
           "--consent-method", "訪問", "-C", str(root), today="2027-04-20")
    plan = read(folder(root, case) / "plans/P2/plan.yaml")
    assert plan["cert_status"] == "certified" and plan["cert_to"] == "2031-03-31"
    after = due(cli, root, "2027-04-20", case)
    assert "certification-pending" not in after and "provisional-replan" not in after
    assert after["certification-renewal"]["due"] == "2031-03-31"
    # the old period is untouched by a renewal
    assert read(folder(root, case) / "certifications/2026-04-01.yaml")["to"] == "2027-03-31"
    assert cli("validate", "-C", str(root), "--today", "2027-04-20").code == 0


def test_pending_renewal_decided_at_another_level_asks_for_a_final_plan(cli, book):
    root = book()
    case = _renewal_with_a_provisional_plan(cli, root)
    run = cli("cert", "decide", case, "--level", "要支援2", "--to", "2029-03-31", "--certified-on", "2027-04-18",
              "-C", str(root), "--today", "2027-04-20")
    assert run.code == 0, run.stderr
    assert "確定ケアプラン" in run.stderr  # seed 002 II-6(2)
    plan = read(folder(root, case) / "plans/P2/plan.yaml")
    assert plan["cert_status"] == "pending" and "amendments" not in plan  # not confirmed: a new plan is due
    after = due(cli, root, "2027-04-20", case)
    replan = after["provisional-replan"]
    # 14 days from the recorded result: yobo's default (profile national provisional.follow_up_days)
    assert replan["due"] == "2027-05-04" and "seed 002 II-6(2)" in replan["source"]
    assert after["certification-renewal"]["due"] == "2029-03-31"


# -- a pending 区分変更: the 暫定 plan is due at once; the result ends the old period ----------------------


def test_pending_change_needs_a_provisional_plan_at_once_and_its_result_ends_the_old_period(cli, book):
    root = book()
    c = str(root)
    case = register(cli, root, "2026-04-10")
    run_ok(cli, "plan", "draft", case, "--start", "2026-05-01", "--end", "2027-03-31", "-C", c, today="2026-04-20")
    agree_and_start(cli, root, case, day="2026-05-01")
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "change", "--level", "要支援2", "--applied-on",
           "2026-08-03", "-C", c, today="2026-08-03")
    # issue 12: applied 2026-08-03 → the 暫定 plan is due now, not at the old period's end (seed 002 II-1(2))
    items = due(cli, root, "2026-08-05", case)
    assert items["provisional-plan"]["due"] == "2026-08-03"
    assert items["provisional-plan"]["status"] == "overdue"
    assert "certification-pending" not in items
    run_ok(cli, "evaluate", case, "--decision", "change", "--date", "2026-08-05", "-C", c, today="2026-08-05")
    run_ok(cli, "plan", "draft", case, "--start", "2026-08-06", "--end", "2027-01-31", "--provisional", "change",
           "-C", c, today="2026-08-05")
    assert "provisional-plan" not in due(cli, root, "2026-08-06", case)
    agree_and_start(cli, root, case, day="2026-08-06")
    run_ok(cli, "cert", "decide", case, "--level", "要支援2", "--to", "2027-08-31", "--consent-date", "2026-09-10",
           "--consent-method", "電話", "-C", c, today="2026-09-10")
    old = read(folder(root, case) / "certifications/2026-04-01.yaml")
    # the old certification ends the day before the new one (national-rules.md §3)
    assert old["to"] == "2026-08-02" and old["original_to"] == "2027-03-31"
    new = read(folder(root, case) / "certifications/2026-08-03.yaml")
    assert (new["level"], new["status"], new["to"]) == ("shien2", "certified", "2027-08-31")
    assert cli("validate", "-C", c, "--today", "2026-09-10").code == 0
    assert due(cli, root, "2026-09-10", case)["certification-renewal"]["due"] == "2027-08-31"


# -- 要介護・非該当: the case leaves yobo's care ---------------------------------------------------------


@pytest.mark.parametrize("level, to", [("要介護1", "2027-08-31"), ("非該当", None)])
def test_a_result_out_of_preventive_care_makes_closure_due(cli, book, level, to):
    root = book()
    c = str(root)
    case = register(cli, root, "2026-04-10")
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "change", "--applied-on", "2026-08-03", "-C", c,
           today="2026-08-03")
    if to is None:
        assert_one_line_error(cli("cert", "decide", case, "--level", level, "--to", "2027-08-31", "-C", c,
                                  "--today", "2026-09-01"), "--to", "非該当")
    extra = ["--to", to] if to else []
    run = cli("cert", "decide", case, "--level", level, *extra, "-C", c, "--today", "2026-09-01")
    assert run.code == 0, run.stderr
    assert "対象外" in run.stderr
    items = due(cli, root, "2026-09-01", case)
    out = items["certification-out-of-care"]
    assert level in out["title"] and out["due"] == "2026-09-15"
    assert "certification-renewal" not in items
    assert cli("validate", "-C", c, "--today", "2026-09-01").code == 0
    shown = json.loads(run_ok(cli, "case", "show", case, "-C", c, "--json", today="2026-09-01"))
    validate("case-show", shown)  # the output schema knows the levels that end yobo's care
    assert shown["certifications"][-1]["level"] == ("kaigo1" if to else "higaito")


# -- 暫定ケアプラン refused where the seeds do not allow it --------------------------------------------


def test_provisional_refusals_and_the_self_plan_fallback(cli, book, tmp_path):
    root = book()
    c = str(root)
    case = register(cli, root, "2026-04-10")
    draft = ("plan", "draft", case, "--start", "2026-08-10", "--end", "2027-01-31", "-C", c, "--today", "2026-08-05")
    before = snapshot(root)
    # nothing pending: a 暫定ケアプラン exists only while 申請中 (seed 002 II 冒頭)
    assert_one_line_error(cli(*draft, "--provisional", "change"), "申請中")
    assert snapshot(root) == before
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "change", "--applied-on", "2026-08-03", "-C", c,
           today="2026-08-03")
    before = snapshot(root)
    # 要介護 expected: the 居宅介護支援事業所 writes a 介護給付 plan (II-3); self-plan offered (II-4, Q&A 問52)
    assert_one_line_error(cli(*draft, "--provisional", "change", "--expected", "kaigo"), "--expected",
                          "居宅介護支援事業所", "自己作成扱い")
    # before the application: no 暫定 period
    assert_one_line_error(cli("plan", "draft", case, "--start", "2026-08-01", "--end", "2027-01-31", "-C", c,
                              "--today", "2026-08-05", "--provisional", "change"), "--start", "2026-08-03")
    # 生活保護: no self-plan (II-4 line 850)
    info = tmp_path / "basic.yaml"
    info.write_text(basic_info() + "finances:\n  public_assistance: true\n", encoding="utf-8")
    run_ok(cli, "info", "set", case, "--file", str(info), "--date", "2026-08-04", "-C", c, today="2026-08-04")
    before = snapshot(root)
    run = cli(*draft, "--provisional", "change", "--expected", "kaigo")
    assert_one_line_error(run, "生活保護", "自己作成できません")
    assert "相談してください" not in run.stderr
    assert snapshot(root) == before


def test_cm_a_gets_no_self_plan_fallback(cli, book):
    root = book()
    c = str(root)
    case = register(cli, root, "2026-04-10", **{"--route": "cm-a", "--mode": "itaku",
                                                  "--hokatsu": "中央地域包括支援センター"})
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "change", "--applied-on", "2026-08-03", "-C", c,
           today="2026-08-03")
    run = cli("plan", "draft", case, "--start", "2026-08-10", "--end", "2027-01-31", "-C", c, "--today", "2026-08-05",
              "--provisional", "change", "--expected", "kaigo")
    # seed 002 II-4 line 848「介護予防・日常生活支援総合事業においては、ケアプランの自己作成に基づくサービスの利用は想定されていません」
    assert_one_line_error(run, "総合事業", "想定されていません")


def test_toshima_public_assistance_needs_the_welfare_office_told_first(cli, book, tmp_path):
    root = book("toshima")
    c = str(root)
    case = register(cli, root, "2026-04-10")
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "change", "--applied-on", "2026-08-03", "-C", c,
           today="2026-08-03")
    info = tmp_path / "basic.yaml"
    info.write_text(basic_info() + "finances:\n  public_assistance: true\n", encoding="utf-8")
    run_ok(cli, "info", "set", case, "--file", str(info), "--date", "2026-08-04", "-C", c, today="2026-08-04")
    draft = ("plan", "draft", case, "--start", "2026-08-10", "--end", "2027-01-31", "-C", c, "--today", "2026-08-05",
             "--provisional", "change")
    # seed 003 line 27 ※2「生活保護受給の方:暫定プランでサービス利用する場合は福祉事務所に事前連絡が必要」
    assert_one_line_error(cli(*draft), "--welfare-notice", "福祉事務所")
    run_ok(cli, *draft[:-2], "--provisional", "change", "--welfare-notice", "2026-08-04", today="2026-08-05")
    plan = read(folder(root, case) / "plans/P1/plan.yaml")
    assert plan["provisional"]["welfare_office_contacted_on"] == "2026-08-04"


# -- the 特例取扱い申出書 (seed 002 II-5) --------------------------------------------------------------


@pytest.mark.parametrize("applied, allowed", [("2027-02-28", True), ("2027-03-01", False)])
def test_special_filing_form_only_for_a_renewal_filed_31_days_before_the_end(cli, book, applied, allowed):
    # seed 002 II-5 line 856「更新申請を認定有効期間終了日の31日以前に申請し」: end 2027-03-31 → by 2027-02-28
    root = book("suzuka-kameyama")
    c = str(root)
    case = register(cli, root, "2026-04-10")
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "renewal", "--applied-on", applied, "-C", c,
           today="2027-03-05")
    run = cli("render", case, "provisional", "-C", c, "--today", "2027-03-05")
    if allowed:
        assert run.code == 0, run.stderr
        assert "暫定ケアプランの特例取扱い申出書" in run.stdout
    else:
        assert_one_line_error(run, "31日前", "2027-02-28", "対象外")


def test_special_filing_form_refused_for_a_change_or_a_new_application(cli, book):
    root = book("suzuka-kameyama")
    c = str(root)
    case = register(cli, root, "2026-04-10")
    run_ok(cli, "cert", "add", case, "--pending", "--kind", "change", "--applied-on", "2026-08-03", "-C", c,
           today="2026-08-03")
    assert_one_line_error(cli("render", case, "provisional", "-C", c, "--today", "2026-08-05"), "区分変更申請", "更新申請")
    base = dict(NEW_CASE, **{"--mode": "shitei", "--hokatsu": None, "--cert-from": None, "--cert-to": None,
                             "--insured-no": "0000999999"})
    new = run_ok(cli, "case", "new", "-C", c, *flags(base), "--pending", "--applied-on", "2026-08-01",
                 today="2026-08-05").strip().splitlines()[-1]
    assert_one_line_error(cli("render", new, "provisional", "-C", c, "--today", "2026-08-05"), "新規申請")

"""Safeguards of issue 13, through the CLI: each unsafe path refused with nothing
written, each safe one allowed (one commit).

- 主治医指示: seed 002 I-1(3) (医療系サービス need the 主治医's instruction, 確認日・確認方法);
- 福祉用具の例外給付: seed 002 IV and 別紙1 (the 基本調査 items per 種目);
- 軽微な変更: seed 002 III (state unchanged, one service kind for 回数, consent date and method);
- done marks: issue 13 item 5.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import NEW_CASE, assert_one_line_error, flags, git, snapshot
from yobo.safeguards import EQUIPMENT, MEDICAL_SERVICES, decide_equipment
from yobo.yamlio import load_fast

PLAN = """\
goals:
  - goal: 一人で近所のスーパーまで歩いて買い物に行ける
    services:
      - insured_service: 運動器機能向上（週1回）
        kind: 介護予防通所リハビリテーション
        provider: 〇〇デイケア
        from: 2026-12-01
        to: 2027-02-28
      - insured_service: 車いすの貸与（週2回の外出時）
        kind: 介護予防福祉用具貸与
        provider: △△福祉用具
        from: 2026-12-01
        to: 2027-02-28
"""


class Flow:
    """A 指定 (no 包括 review) 要支援1 case up to the meeting, driven through the CLI."""

    def __init__(self, cli, root: Path, tmp_path: Path):
        self.cli, self.root, self.tmp = cli, root, tmp_path
        options = dict(NEW_CASE, **{"--mode": "shitei", "--hokatsu": None, "--cert-from": "2026-11-01",
                                    "--cert-to": "2027-10-31"})
        run = self.ok("case", "new", *flags(options), today="2026-11-10")
        self.case = run.stdout.strip().splitlines()[-1]
        self.folder = f"cases/{self.case[:2]}/{self.case}"
        self.ok("checklist", "record", self.case, "--answers", "nnnnnnnnnny-nnnnnnnnnnnnn", "--height-cm", "160",
                "--weight-kg", "55", today="2026-11-10")
        plan = tmp_path / "plan.yaml"
        plan.write_text(PLAN, encoding="utf-8")
        self.ok("plan", "draft", self.case, "--start", "2026-12-01", "--end", "2027-02-28", "--file", str(plan),
                today="2026-11-20")
        self.ok("meeting", "record", self.case, "--attendee", "佐藤 一郎:本人", today="2026-11-21")

    def run(self, *args: str, today: str = "2026-11-22"):
        return self.cli(*args, "-C", str(self.root), env={"YOBO_TODAY": today})

    def ok(self, *args: str, today: str = "2026-11-22"):
        run = self.run(*args, today=today)
        assert run.code == 0, (args, run.stdout, run.stderr)
        return run

    def refused(self, *args: str, today: str = "2026-11-22", needles=()):
        before = snapshot(self.root)
        run = self.run(*args, today=today)
        assert run.code in (1, 2), (args, run.code, run.stdout, run.stderr)
        assert "Traceback" not in run.stderr + run.stdout
        for needle in needles:
            assert needle in run.stderr, (needle, run.stderr)
        assert snapshot(self.root) == before
        return run

    def commits(self) -> int:
        return int(git(self.root, "rev-list", "--count", "HEAD"))


@pytest.fixture
def flow(cli, casebook, tmp_path) -> Flow:
    return Flow(cli, casebook, tmp_path)


def survey(tmp_path: Path, **items: int) -> str:
    path = tmp_path / "survey.yaml"
    path.write_text("items:\n" + "".join(f'  "{k.replace("_", "-")}": {v}\n' for k, v in items.items()),
                    encoding="utf-8")
    return str(path)


# -- 主治医指示 (seed 002 I-1(3)) ------------------------------------------------------------------------


def test_the_medical_services_are_the_five_of_seed_002():
    # seed 002 line 69: 介護予防訪問看護、介護予防訪問リハビリテーション、介護予防通所リハビリテーション、
    # 介護予防居宅療養管理指導及び介護予防短期入所療養介護
    assert set(MEDICAL_SERVICES) == {"介護予防訪問看護", "介護予防訪問リハビリテーション", "介護予防通所リハビリテーション",
                                     "介護予防居宅療養管理指導", "介護予防短期入所療養介護"}


def test_agree_refused_without_the_doctors_instruction_then_allowed(flow):
    run = flow.refused("plan", "agree", flow.case, "--signer", "佐藤 一郎",
                       needles=("介護予防通所リハビリテーション", "yobo doctor confirm"))
    assert len(run.stderr.strip().splitlines()) == 1
    # not a 医療系サービス, a bad method, no doctor: bad input, nothing written
    for args, needle in ((("--service", "介護予防訪問介護", "--method", "電話", "--doctor", "A 医師"), "医療系サービスではありません"),
                         (("--service", "通所リハビリテーション", "--method", "メール", "--doctor", "A 医師"), "--method"),
                         (("--service", "通所リハビリテーション", "--method", "電話", "--doctor", " "), "--doctor")):
        assert_one_line_error(flow.refused("doctor", "confirm", flow.case, *args), needle)
    before = flow.commits()
    flow.ok("doctor", "confirm", flow.case, "--service", "通所リハビリテーション", "--method", "電話",
            "--doctor", "〇〇 医師", "--text", "運動負荷は軽めに", "--date", "2026-11-21")
    assert flow.commits() == before + 1
    changed = sorted(git(flow.root, "show", "--name-only", "--format=", "HEAD").split())
    # each name ends in its author's token (two authors never write one file in a shared repository)
    assert [c.rsplit("-", 1)[0] for c in changed] == [f"{flow.folder}/doctor/2026-11-21-kyotaku-1",
                                                    f"{flow.folder}/notes/2026-11-21-kyotaku-1"]
    record = load_fast((flow.root / changed[0]).read_text(encoding="utf-8"), changed[0])
    assert record["service"] == "介護予防通所リハビリテーション" and record["method"] == "phone"
    note = load_fast((flow.root / changed[1]).read_text(encoding="utf-8"), changed[1])
    assert note["kind"] == "doctor" and "確認日: 2026-11-21" in note["text"] and "確認方法: 電話" in note["text"]
    assert git(flow.root, "log", "-1", "--format=%s") == f"doctor-confirm: {flow.case}\n"
    flow.ok("plan", "agree", flow.case, "--signer", "佐藤 一郎")
    consent = load_fast((flow.root / flow.folder / "plans/P1/consent.yaml").read_text(encoding="utf-8"), "c")
    # only seed 002 (資料1-3) asks for the plan to go to the doctor: not under the national profile
    # (the suzuka-kameyama flow in test_custody_seeds.py shows the copy to the doctor)
    assert "doctor" not in consent["handovers"][0]["copies_to"]


# -- 福祉用具の例外給付 (seed 002 IV, 別紙1) ---------------------------------------------------------------


@pytest.mark.parametrize("item, answers, outcome", [
    # 別紙1 ア: 1-7 「3. できない」
    ("wheelchair", {"1-7": 3}, "allowed"), ("wheelchair", {"1-7": 2}, "consultation"),
    # イ: 1-4 or 1-3 「3. できない」
    ("special-bed", {"1-4": 3, "1-3": 1}, "allowed"), ("special-bed", {"1-4": 1, "1-3": 3}, "allowed"),
    ("special-bed", {"1-4": 2, "1-3": 2}, "consultation"),
    # ウ: 1-3 「3. できない」
    ("pressure-relief", {"1-3": 3}, "allowed"), ("repositioning", {"1-3": 2}, "consultation"),
    # エ: (一) 3-1 ≠ 1, or 3-2…3-7 = 2, or 3-8…4-15 ≠ 1; and (二) 2-2 ≠ 4
    ("wandering-sensor", {"3-1": 2, "2-2": 1}, "allowed"), ("wandering-sensor", {"3-5": 2, "2-2": 3}, "allowed"),
    ("wandering-sensor", {"4-12": 2, "2-2": 1}, "allowed"), ("wandering-sensor", {"3-1": 2, "2-2": 4}, "consultation"),
    ("wandering-sensor", {"3-1": 1, "3-2": 1, "4-1": 1, "2-2": 1}, "consultation"),
    # オ: 1-8 「3. できない」 or 2-1 「3. 一部介助」「4. 全介助」
    ("lift", {"1-8": 3}, "allowed"), ("lift", {"2-1": 3}, "allowed"), ("lift", {"1-8": 2, "2-1": 2}, "consultation"),
    # カ: 2-6 and 2-1 「4. 全介助」
    ("auto-excretion", {"2-6": 4, "2-1": 4}, "allowed"), ("auto-excretion", {"2-6": 4, "2-1": 3}, "consultation"),
])
def test_equipment_decision_follows_the_table_of_seed_002_besshi_1(item, answers, outcome):
    assert decide_equipment(item, "shien2", answers).outcome == outcome


def test_equipment_decision_outside_the_light_levels():
    assert decide_equipment("wheelchair", "jigyo", {"1-7": 3}).outcome == "excluded"
    assert decide_equipment("wheelchair", "shien1", None).outcome == "unknown"
    assert set(EQUIPMENT) == {"wheelchair", "special-bed", "pressure-relief", "repositioning", "wandering-sensor",
                              "lift", "auto-excretion"}


def test_equipment_check_prints_why_and_json(flow, tmp_path):
    run = flow.run("equipment", "check", flow.case, "--item", "車いす")
    assert run.code == 1 and "判定できません" in run.stdout
    run = flow.run("equipment", "check", flow.case, "--item", "車いす", "--survey-file", survey(tmp_path, **{"1-7": 3}))
    assert run.code == 0 and "貸与できます" in run.stdout and "基本調査1-7「3. できない」 → 該当" in run.stdout
    run = flow.run("equipment", "check", flow.case, "--item", "wheelchair", "--json",
                   "--survey-file", survey(tmp_path, **{"1-7": 2}))
    data = json.loads(run.stdout)
    assert run.code == 1 and data["outcome"] == "consultation" and data["level"] == "shien1"
    assert "告示第94号" in data["source"] and data["warnings"]  # 要支援1 の車いす without the survey basis
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  '9-9': 1\n", encoding="utf-8")
    assert_one_line_error(flow.run("equipment", "check", flow.case, "--item", "車いす", "--survey-file", str(bad)),
                          "9-9")


def test_start_refused_without_the_consultation_then_allowed_with_a_warning(flow, tmp_path):
    flow.ok("doctor", "confirm", flow.case, "--service", "通所リハビリテーション", "--method", "文書", "--doctor", "〇〇 医師")
    flow.ok("plan", "agree", flow.case, "--signer", "佐藤 一郎")
    flow.refused("plan", "start", flow.case, "--date", "2026-12-01", today="2026-12-01",
                 needles=("車いす", "yobo equipment record"))
    # the survey does not show the state: the 協議 and 確認書 dates are needed
    flow.refused("equipment", "record", flow.case, "--item", "車いす", "--survey-file", survey(tmp_path, **{"1-7": 2}),
                 needles=("--consulted-on",))
    flow.refused("equipment", "record", flow.case, "--item", "車いす", "--consulted-on", "2026-11-25",
                 "--confirmed-on", "2026-11-24", today="2026-11-28", needles=("--confirmed-on",))
    before = flow.commits()
    flow.ok("equipment", "record", flow.case, "--item", "車いす", "--consulted-on", "2026-11-24",
            "--confirmed-on", "2026-11-27", today="2026-11-28")
    assert flow.commits() == before + 1
    run = flow.ok("plan", "start", flow.case, "--date", "2026-12-01", today="2026-12-01")
    assert "注意: 要支援1 の車いす貸与" in run.stderr


def test_a_survey_that_shows_the_state_needs_no_consultation(flow, tmp_path):
    flow.ok("doctor", "confirm", flow.case, "--service", "介護予防通所リハビリテーション", "--method", "受診同行",
            "--doctor", "〇〇 医師")
    flow.ok("plan", "agree", flow.case, "--signer", "佐藤 一郎")
    flow.ok("equipment", "record", flow.case, "--item", "wheelchair", "--survey-file", survey(tmp_path, **{"1-7": 3}))
    run = flow.ok("plan", "start", flow.case, "--date", "2026-12-01", today="2026-12-01")
    assert "注意" not in run.stderr


def test_equipment_renewal_is_due_each_certification_period(flow, tmp_path):
    flow.ok("doctor", "confirm", flow.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師")
    due = json.loads(flow.run("monitor", "due", "--json", "--within", "1000").stdout)
    assert any(d["code"] == "equipment-consultation" and d["case"] == flow.case for d in due)
    flow.ok("equipment", "record", flow.case, "--item", "wheelchair", "--survey-file", survey(tmp_path, **{"1-7": 3}))
    due = json.loads(flow.run("monitor", "due", "--json", "--within", "1000").stdout)
    assert not any(d["code"] == "equipment-consultation" for d in due)
    # a new certification period: the confirmation is due again (seed 002 IV 2(4))
    flow.ok("cert", "add", flow.case, "--level", "要支援1", "--from", "2027-11-01", "--to", "2028-10-31",
            today="2027-10-01")
    due = json.loads(flow.run("monitor", "due", "--json", "--within", "1000", today="2027-10-01").stdout)
    assert [d["due"] for d in due if d["code"] == "equipment-consultation"] == ["2027-11-01"]


# -- 軽微な変更 (seed 002 III) ----------------------------------------------------------------------------


@pytest.fixture
def agreed(flow, tmp_path) -> Flow:
    flow.ok("doctor", "confirm", flow.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師")
    flow.ok("plan", "agree", flow.case, "--signer", "佐藤 一郎")
    return flow


def amend(flow, field, new, kind="frequency", *extra, consent=("--consent-date", "2026-11-23", "--consent-method", "電話"),
          day="2026-11-23"):
    return flow.run("plan", "amend", flow.case, "--kind", kind, "--field", field, "--new", new, "--reason", "本人の希望",
                    "--date", day, *consent, *extra, today=day)


def test_minor_change_needs_consent_date_and_method(agreed):
    for consent, needle in ((("--consent-method", "電話"), "--consent-date"),
                            (("--consent-date", "2026-11-23"), "--consent-method")):
        before = snapshot(agreed.root)
        assert_one_line_error(amend(agreed, "goals[0].services[0].insured_service", "運動器機能向上（週2回）",
                                    consent=consent), needle)
        assert snapshot(agreed.root) == before


@pytest.mark.parametrize("field, kind, needle", [
    ("period.end", "period-extension", "計画期間（評価月）"),
    ("period.start", "weekday", "計画期間（評価月）"),
    ("goals[0].goal", "content-only", "対象外"),
    ("goals[0].services[0].provider", "frequency", "対象外"),
    ("goals[0].services[0].kind", "content-only", "対象外"),
    ("level", "content-only", "対象外"),
])
def test_minor_change_touches_only_the_service_text_of_its_kind(agreed, field, kind, needle):
    before = snapshot(agreed.root)
    assert_one_line_error(amend(agreed, field, "2027-05-31" if "period" in field else "x", kind), "--field", needle)
    assert snapshot(agreed.root) == before


def test_address_changes_say_what_to_do_instead(agreed):
    before = snapshot(agreed.root)
    assert_one_line_error(amend(agreed, "planner", "佐藤次郎", "address"), "--kind", "yobo info edit")
    assert snapshot(agreed.root) == before


def test_staff_change_goes_through_reassign_in_one_commit(agreed):
    """issue 13 item 3: 担当者変更 (seed 002 III-1 (9)) changes the plan's 計画作成者 and the
    case's 担当 together (yobo case reassign); any other field is refused."""
    before = snapshot(agreed.root)
    assert_one_line_error(amend(agreed, "goals[0].goal", "佐藤次郎", "staff-change"), "--field", "planner")
    assert snapshot(agreed.root) == before
    assert amend(agreed, "planner", "佐藤次郎", "staff-change").code == 0
    case_yaml = next(agreed.root.glob("cases/*/*/case.yaml")).read_text(encoding="utf-8")
    assert "manager: 佐藤次郎" in case_yaml and "field: manager" in case_yaml


def test_frequency_of_two_service_kinds_on_one_day_is_a_plan_change(agreed):
    assert amend(agreed, "goals[0].services[0].insured_service", "運動器機能向上（週2回）").code == 0
    before = snapshot(agreed.root)
    run = amend(agreed, "goals[0].services[1].insured_service", "車いすの貸与（週3回の外出時）")
    assert run.code == 2 and "複数のサービス種別" in run.stderr and "yobo plan draft" in run.stderr
    assert snapshot(agreed.root) == before
    # the same service kind again that day is still one kind; another day is its own change
    assert amend(agreed, "goals[0].services[0].insured_service", "運動器機能向上（週1回）").code == 0
    assert amend(agreed, "goals[0].services[1].insured_service", "車いすの貸与（週3回の外出時）",
                 day="2026-11-24").code == 0


def test_equivalent_equipment_stays_in_its_kind(agreed):
    # seed 002 III-1 (6): 同一種目における機能の変化を伴わない用具の変更
    field = "goals[0].services[1].insured_service"
    before = snapshot(agreed.root)
    run = amend(agreed, field, "特殊寝台の貸与（週2回の外出時）", "equivalent-equipment")
    assert_one_line_error(run, "--new", "同じ種目")
    assert snapshot(agreed.root) == before
    assert amend(agreed, field, "車いす（軽量型）の貸与（週2回の外出時）", "equivalent-equipment").code == 0


def test_minor_change_refused_after_a_recorded_state_change(agreed):
    agreed.ok("equipment", "record", agreed.case, "--item", "wheelchair", "--consulted-on", "2026-11-24",
              "--confirmed-on", "2026-11-25", today="2026-11-25")
    agreed.ok("plan", "start", agreed.case, "--date", "2026-12-01", today="2026-12-01")
    agreed.ok("monitor", "record", agreed.case, "--date", "2026-12-10", "--method", "visit", "--state-change",
              today="2026-12-10")
    before = snapshot(agreed.root)
    run = amend(agreed, "goals[0].services[0].insured_service", "運動器機能向上（週2回）", day="2026-12-11",
                consent=("--consent-date", "2026-12-11", "--consent-method", "訪問"))
    assert run.code == 2 and "2026-12-10 に利用者の状態の変化" in run.stderr and "計画の変更" in run.stderr
    assert snapshot(agreed.root) == before


# -- obligations marked done (issue 13 item 5) ------------------------------------------------------------


@pytest.fixture
def running(agreed) -> Flow:
    agreed.ok("equipment", "record", agreed.case, "--item", "wheelchair", "--consulted-on", "2026-11-24",
              "--confirmed-on", "2026-11-25", today="2026-11-25")
    agreed.ok("plan", "start", agreed.case, "--date", "2026-12-01", today="2026-12-01")
    return agreed


def benefit(flow, today):
    due = json.loads(flow.run("monitor", "due", "--json", "--within", "0", today=today).stdout)
    return [(d["title"][-10:], d["due"], d["status"], d["party"]) for d in due if d["code"] == "benefit-management"]


def test_monthly_item_stays_overdue_until_marked_done(running):
    # national profile: 給付管理 by the 10th of the next month; 2027-01-10 is a Sunday and
    # 1/11 is 成人の日 after it → Friday 2027-01-08.  A 指定 case: the 居宅 does it (seed 003).
    assert benefit(running, "2027-01-08") == [("2026年12月分）", "2027-01-08", "due", "kyotaku")]
    assert benefit(running, "2027-01-09") == [("2026年12月分）", "2027-01-08", "overdue", "kyotaku")]
    assert ("2026年12月分）", "2027-01-08", "overdue", "kyotaku") in benefit(running, "2027-03-01")
    # a month without the item (the plan ends 2027-02) or a code with a record of its own is
    # refused; a mark of the case's month settles it
    assert_one_line_error(running.run("monitor", "done", "--code", "benefit-management", "--month", "2027-04",
                                      "--case", running.case, today="2027-03-01"), "未済")
    assert_one_line_error(running.run("monitor", "done", "--code", "visit-quarter", "--month", "2026-12",
                                      today="2027-03-01"), "--code")
    before = running.commits()
    running.ok("monitor", "done", "--code", "benefit-management", "--month", "2026-12", "--case", running.case,
               "--date", "2027-01-12", today="2027-03-01")
    assert running.commits() == before + 1
    assert git(running.root, "show", "--name-only", "--format=", "HEAD").split() == [
        f"{running.folder}/done/2026-12--benefit-management--kyotaku-1234567890.yaml"]
    assert all(m[0] != "2026年12月分）" for m in benefit(running, "2027-03-01"))
    # the same mark twice: refused, nothing written
    running.refused("monitor", "done", "--code", "benefit-management", "--month", "2026-12", "--case", running.case,
                    today="2027-03-01", needles=("未済",))


def test_casebook_wide_mark_settles_every_case_and_names_the_office(running):
    before = snapshot(running.root)
    running.ok("monitor", "done", "--code", "benefit-management", "--month", "2027-01", today="2027-02-05")
    assert git(running.root, "show", "--name-only", "--format=", "HEAD").split() == [
        "done/2027-01/benefit-management--kyotaku-1234567890.yaml"]
    assert git(running.root, "log", "-1", "--format=%s") == "done-mark: casebook\n"
    assert all(m[0] != "2027年01月分）" for m in benefit(running, "2027-03-01"))
    running.refused("monitor", "done", "--code", "benefit-management", "--month", "2027-01", today="2027-02-05",
                    needles=("すでに",))
    # a future date or a month not yet begun is refused
    running.refused("monitor", "done", "--code", "benefit-management", "--month", "2027-03", today="2027-02-05",
                    needles=("対象月より前",))
    assert snapshot(running.root) != before


# -- the checklist on the plan (issue 13 item 4) ----------------------------------------------------------


def test_a_checklist_without_height_and_weight_prints_unknown_nutrition_on_the_plan(cli, casebook):
    run = cli("case", "new", "-C", str(casebook), *flags(NEW_CASE))
    case = run.stdout.strip().splitlines()[-1]
    assert cli("checklist", "record", case, "-C", str(casebook), "--answers", "nnnnnnnnnny-nnnnnnnnnnnnn").code == 0
    draft = cli("plan", "draft", case, "-C", str(casebook), "--start", "2026-12-01", "--end", "2027-03-31")
    assert draft.code == 0, draft.stderr  # no schema error about the 「?/2」 of a file not yet written
    assert "栄養 ?/2（身長・体重なし）" in cli("plan", "show", case, "-C", str(casebook)).stdout
    form = cli("render", case, "plan", "-C", str(casebook))
    assert form.code == 0 and "?/2（身長・体重なし）" in form.stdout


# -- validate finds what the guards would have refused ----------------------------------------------------


def test_validate_finds_a_missing_instruction_and_an_invalid_minor_change(cli, tmp_path):
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", env={"YOBO_STAFF": "田中美咲"}).code == 0
    assert cli("validate", "-C", str(root)).code == 0
    (root / "cases/5M/5MZ2RT/doctor/2026-03-20-kyotaku-1.yaml").unlink()
    plan = root / "cases/5M/5MZ2RT/plans/P2/plan.yaml"
    text = plan.read_text(encoding="utf-8").replace("    consent_method: 訪問時に口頭で説明し同意\n", "")
    text = text.replace("field: goals[0].services[0].provider", "field: period.end")
    plan.write_text(text, encoding="utf-8")
    run = cli("validate", "-C", str(root))
    assert run.code == 1
    assert ("cases/5M/5MZ2RT/plans/P2/plan.yaml:46: [doctor-instruction-missing] 計画 P2 の 介護予防通所リハビリテーション"
            in run.stdout)
    lines = [line for line in run.stdout.splitlines() if "[minor-change-invalid]" in line]
    assert len(lines) == 2 and all(line.startswith("cases/5M/5MZ2RT/plans/P2/plan.yaml:") for line in lines)
    assert any("同意日・同意の方法" in line for line in lines) and any("評価月" in line for line in lines)

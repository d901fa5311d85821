"""The whole cycle of shared/domain.md §3 for a 委託 and a 指定 case, through the
installed ``yobo`` (real processes, real git): every step one commit, every
out-of-order step refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ANSWERS, NEW_CASE, PLAN, STAFF, assert_one_line_error, basic_info, flags, git, snapshot
from yobo.yamlio import load_fast

HOKATSU_STAFF = "包括 太郎"

OUTCOMES = """\
goals:
  - status: 休みながらスーパーまで歩けるようになった
    achieved: false
    cause_user: まだ膝が痛む日がある
    cause_planner: 痛みの強い日の対処が定着していない
    policy: 痛みの記録をつけ、主治医と相談する
overall_policy: 通所リハビリを続け、目標を見直す
"""


class Book:
    """A casebook driven through the installed program, counting commits per step."""

    def __init__(self, yobo_bin, root: Path):
        self.run_yobo = yobo_bin
        self.root = root

    def commits(self) -> int:
        return int(git(self.root, "rev-list", "--count", "HEAD").strip())

    def step(self, *args: str, who: str = STAFF, today: str = "2027-06-30") -> str:
        """A step that must succeed with exactly one new commit; returns stdout."""
        before = self.commits()
        run = self.run_yobo(*args, "-C", str(self.root), "--as", who, env={"YOBO_TODAY": today})
        assert run.code == 0, (args, run.stderr)
        assert self.commits() == before + 1, args
        assert git(self.root, "status", "--porcelain") == "", args
        body = git(self.root, "log", "-1", "--format=%an|%B")
        assert body.startswith(who + "|"), body
        return run.stdout

    def refused(self, *args: str, who: str = STAFF, today: str = "2027-06-30", needle: str = "") -> None:
        """A step out of order: exit 2, one line naming what must come first, nothing written."""
        before = snapshot(self.root)
        run = self.run_yobo(*args, "-C", str(self.root), "--as", who, env={"YOBO_TODAY": today})
        assert_one_line_error(run, needle)
        assert snapshot(self.root) == before, args

    def paths(self, folder: str) -> list[str]:
        return sorted(f"{folder}/{p.name}" for p in (self.root / folder).iterdir())

    def read(self, rel: str) -> dict:
        return load_fast((self.root / rel).read_text(encoding="utf-8"), rel)

    def show(self, case_id: str) -> dict:
        run = self.run_yobo("case", "show", case_id, "-C", str(self.root), "--json")
        assert run.code == 0, run.stderr
        return json.loads(run.stdout)


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, text in (("basic.yaml", basic_info()), ("plan.yaml", PLAN), ("outcomes.yaml", OUTCOMES)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        out[name] = str(tmp_path / name)
    points = tmp_path / "points.yaml"
    points.write_text("topics: 目標と役割分担\nconclusion: 原案どおり実施する\n", encoding="utf-8")
    out["points.yaml"] = str(points)
    return out


def make_book(yobo_bin, tmp_path, profile: str) -> Book:
    root = tmp_path / "cb"
    made = yobo_bin("init", str(root), "--office-name", "さくら居宅", "--office-kind", "kyotaku",
                    "--office-no", "1234567890", "--profile", profile, "--staff", STAFF)
    assert made.code == 0, made.stderr
    book = Book(yobo_bin, root)
    book.step("staff", "add", HOKATSU_STAFF, "--party", "hokatsu")
    return book


def test_itaku_case_through_the_whole_cycle(yobo_bin, tmp_path, files):
    book = make_book(yobo_bin, tmp_path, "suzuka-kameyama")
    out = book.step("case", "new", *flags(dict(NEW_CASE, **{"--cert-from": "2026-11-01", "--cert-to": "2028-10-31"})),
                    today="2026-11-10")
    case = out.strip().splitlines()[-1]
    folder = f"cases/{case[:2]}/{case}"

    # nothing can happen to a plan that does not exist
    book.refused("meeting", "record", case, "--attendee", "本人:", needle="plan draft")
    book.refused("plan", "agree", case, "--signer", "佐藤 一郎", needle="plan draft")
    book.refused("monitor", "record", case, "--method", "visit", needle="plan draft")

    out = book.step("checklist", "record", case, "--date", "2026-11-10", "--answers", ANSWERS,
                    "--height-cm", "150", "--weight-kg", "40", "--json", today="2026-11-10")
    scores = json.loads(out)
    assert scores["motor"] == 3 and scores["nutrition"] == 2 and scores["bmi"] == 17.8
    assert scores["criteria"] == [2, 3] and scores["jigyo_taishosha"] is True
    book.step("info", "set", case, "--file", files["basic.yaml"], "--date", "2026-11-10", today="2026-11-10")

    book.refused("plan", "draft", case, "--start", "2026-12-01", "--end", "2027-12-01", today="2026-11-20",
                 needle="12か月")
    out = book.step("plan", "draft", case, "--start", "2026-12-01", "--end", "2027-05-31", "--file",
                    files["plan.yaml"], "--date", "2026-11-20", today="2026-11-20")
    assert out.strip().splitlines()[-1] == "P1"
    plan = book.read(f"{folder}/plans/P1/plan.yaml")
    assert plan["kind"] == "first" and plan["level"] == "shien1" and plan["planner"] == STAFF
    assert plan["planner_office"] == "さくら居宅" and plan["hokatsu"] == "中央地域包括支援センター"
    assert plan["cert_from"] == "2026-11-01" and plan["first_created_on"] == "2026-11-20"
    assert plan["checklist"]["scores"]["motor"] == "3/5"
    assert "変形性膝関節症" in plan["health_notes"]
    assert plan["goals"][0]["goal"].startswith("一人で")

    # 委託: the 包括 confirms before the user is asked, and only the 包括 may
    book.refused("review", "plan", case, "--opinion", "可", who=HOKATSU_STAFF, today="2026-11-21", needle="提出")
    book.step("submit", "hokatsu", case, "--occasion", "draft", "--date", "2026-11-21", today="2026-11-21")
    book.refused("review", "plan", case, who=STAFF, today="2026-11-22", needle="包括")
    book.step("meeting", "record", case, "--date", "2026-11-22", "--attendee", "佐藤 一郎:本人",
              "--attendee", "〇〇デイケア 相談員:事業所", "--file", files["points.yaml"], today="2026-11-22")
    book.refused("plan", "agree", case, "--signer", "佐藤 一郎", today="2026-11-22", needle="原案確認")
    book.step("review", "plan", case, "--opinion", "目標が具体的で妥当です", "--date", "2026-11-23",
              who=HOKATSU_STAFF, today="2026-11-23")
    reviews = list((book.root / folder / "plans/P1/reviews").glob("*.hokatsu.yaml"))
    assert len(reviews) == 1 and book.read(str(reviews[0].relative_to(book.root)))["reviewer"] == HOKATSU_STAFF

    # the plan changes after the meeting: the 包括 must confirm again (seed 002 資料1-4)
    changed = (book.root / folder / "plans/P1/plan.yaml").read_text(encoding="utf-8").replace(
        "〇〇デイケア", "△△デイケア")
    edited = tmp_path / "edited.yaml"
    edited.write_text(changed, encoding="utf-8")
    book.step("plan", "edit", case, "--file", str(edited), today="2026-11-24")
    book.refused("plan", "agree", case, "--signer", "佐藤 一郎", today="2026-11-24", needle="もう一度")
    book.refused("review", "plan", case, who=HOKATSU_STAFF, today="2026-11-24", needle="提出後に変更")
    book.step("submit", "hokatsu", case, "--occasion", "draft", "--date", "2026-11-24", today="2026-11-24")
    book.step("review", "plan", case, "--date", "2026-11-25", who=HOKATSU_STAFF, today="2026-11-25")
    book.refused("plan", "start", case, "--date", "2026-12-01", today="2026-12-01", needle="同意")
    # 通所リハビリテーション is a 医療系サービス: the 主治医's instruction first (seed 002 I-1(3))
    book.refused("plan", "agree", case, "--signer", "佐藤 一郎", "--date", "2026-11-26", today="2026-11-26",
                 needle="yobo doctor confirm")
    book.step("doctor", "confirm", case, "--service", "介護予防通所リハビリテーション", "--method", "電話",
              "--doctor", "〇〇 医師", "--date", "2026-11-25", today="2026-11-26")
    book.step("plan", "agree", case, "--signer", "佐藤 一郎", "--date", "2026-11-26", today="2026-11-26")
    book.refused("plan", "edit", case, "--file", str(edited), today="2026-11-27", needle="同意済み")
    book.step("submit", "hokatsu", case, "--occasion", "new-contract", "--paper", "usage-ticket", "--date", "2026-11-27",
              today="2026-11-27")
    book.refused("evaluate", case, today="2026-11-30", needle="plan start")
    book.step("plan", "start", case, "--date", "2026-12-01", today="2026-12-01")

    book.step("monitor", "record", case, "--date", "2026-12-15", "--method", "visit", "--summary", "通所開始",
              today="2026-12-20")
    book.step("monitor", "record", case, "--date", "2027-01-20", "--method", "phone",
              "--reason", "本人の入院のため訪問できず", today="2027-01-20")
    book.step("monitor", "record", case, "--date", "2027-01-28", "--method", "visit", "--state-change",
              today="2027-01-28")
    [january_file] = [p for p in book.paths(f"{folder}/monitoring") if p.rsplit("/", 1)[1].startswith("2027-01-")]
    january = book.read(january_file)  # one file a month and staff member (shared-repository naming)
    assert [r["method"] for r in january["records"]] == ["phone", "visit"]
    assert january["records"][1]["state_change"] is True
    book.step("note", "add", case, "--date", "2027-01-28", "--text", "膝の痛みが強まり受診を勧めた",
              today="2027-01-28")
    book.step("note", "add", case, "--date", "2027-01-28", "--text", "包括として同行訪問を予定", who=HOKATSU_STAFF,
              today="2027-01-28")
    # the 主治医 confirmation wrote its 経過記録 entry too (seed 002 I-1(3)); each name ends
    # in its author's token, so two authors never write one file
    names = sorted(p.name for p in (book.root / folder / "notes").iterdir())
    assert [n[:21] for n in names] == ["2026-11-25-kyotaku-1-", "2027-01-28-hokatsu-1-", "2027-01-28-kyotaku-1-"]
    assert names[1][21:] != names[2][21:]

    book.refused("submit", "hokatsu", case, "--occasion", "evaluation", today="2027-05-20", needle="evaluate")
    book.step("evaluate", case, "--date", "2027-05-20", "--decision", "change", "--next-route", "yobo",
              "--file", files["outcomes.yaml"], today="2027-05-20")
    evaluation = book.read(f"{folder}/plans/P1/evaluation.yaml")
    assert evaluation["goals"][0]["goal"] == plan["goals"][0]["goal"]
    assert evaluation["goals"][0]["period"] == {"from": "2026-12-01", "to": "2027-05-31"}
    assert evaluation["goals"][0]["achieved"] is False and evaluation["decision"] == "change"
    book.refused("review", "evaluation", case, who=HOKATSU_STAFF, today="2027-05-21", needle="提出")
    book.step("submit", "hokatsu", case, "--occasion", "evaluation", "--date", "2027-05-21", today="2027-05-21")
    book.step("review", "evaluation", case, "--opinion", "目標の見直しに同意します", "--date", "2027-05-25",
              who=HOKATSU_STAFF, today="2027-05-25")

    # custody: seed 002 — the 包括 keeps the originals of the plan and the evaluation, the 居宅 a copy
    shown = book.show(case)
    custody = {h["ref"].removeprefix(folder + "/"): h for h in shown["custody"] if h["ref"]}
    assert custody["plans/P1/plan.yaml"]["original"] == "hokatsu"
    assert {"kyotaku", "user", "providers"} <= set(custody["plans/P1/plan.yaml"]["copies"])
    assert custody["plans/P1/evaluation.yaml"]["original"] == "hokatsu"
    assert custody["plans/P1/evaluation.yaml"]["copies"] == ["kyotaku"]
    assert [p["id"] for p in shown["plans"]] == ["P1"]

    # the next plan carries the evaluation forward
    out = book.step("plan", "draft", case, "--start", "2027-06-01", "--end", "2027-11-30", "--date", "2027-05-28",
                    today="2027-05-28")
    assert out.strip().splitlines()[-1] == "P2"
    second = book.read(f"{folder}/plans/P2/plan.yaml")
    assert second["kind"] == "continuing" and second["first_created_on"] == "2026-11-20"
    assert second["previous"] == {"plan": "P1", "policy": "通所リハビリを続け、目標を見直す",
                                  "unmet_goals": [plan["goals"][0]["goal"]]}

    # closure as a flow (seed 002 資料1-10 line 627): the hand-back, the 包括's receipt, then close
    book.refused("case", "close", case, "--date", "2027-05-30", "--reason", "要介護1の認定を受けたため",
                 today="2027-05-30", needle="--occasion termination")
    book.step("submit", "hokatsu", case, "--occasion", "termination", "--paper", "survey-and-opinion",
              "--date", "2027-05-29", today="2027-05-29")
    book.refused("case", "close", case, "--date", "2027-05-30", "--reason", "要介護1の認定を受けたため",
                 today="2027-05-30", needle="submit receive")
    book.step("submit", "receive", case, "--date", "2027-05-30", who=HOKATSU_STAFF, today="2027-05-30")
    book.step("case", "close", case, "--date", "2027-05-30", "--reason", "要介護1の認定を受けたため", today="2027-05-30")
    book.step("note", "add", case, "--text", "原本の返却を包括と確認した", today="2027-05-31")  # 経過 after close
    assert book.show(case)["closed"] == {"date": "2027-05-30", "reason": "要介護1の認定を受けたため"}
    validate = yobo_bin("validate", "-C", str(book.root), "--today", "2027-06-01")
    assert validate.code == 0, validate.stdout + validate.stderr
    steps = [e["step"] for e in json.loads(yobo_bin("log", case, "-C", str(book.root), "--json").stdout)]
    assert steps[-1] == "case-new" and steps[:2] == ["note", "case-close"] and steps.count("review-plan") == 2


def test_shitei_case_skips_the_hokatsu_confirmation(yobo_bin, tmp_path, files):
    book = make_book(yobo_bin, tmp_path, "national")
    options = dict(NEW_CASE, **{"--mode": "shitei", "--hokatsu": None, "--cert-from": "2026-11-01",
                                "--cert-to": "2027-10-31", "--level": "shien2"})
    case = book.step("case", "new", *flags(options), today="2026-11-10").strip().splitlines()[-1]
    folder = f"cases/{case[:2]}/{case}"
    book.step("checklist", "record", case, "--answers", ANSWERS, "--height-cm", "160", "--weight-kg", "55",
              today="2026-11-10")
    book.step("plan", "draft", case, "--start", "2026-12-01", "--end", "2027-02-28", "--file", files["plan.yaml"],
              today="2026-11-20")
    assert "planner_office" not in book.read(f"{folder}/plans/P1/plan.yaml")
    book.refused("review", "plan", case, who=HOKATSU_STAFF, today="2026-11-21", needle="行いません")
    book.refused("plan", "agree", case, "--signer", "佐藤 一郎", today="2026-11-21", needle="担当者会議")
    book.step("meeting", "record", case, "--attendee", "佐藤 一郎:本人", today="2026-11-21")
    book.step("doctor", "confirm", case, "--service", "通所リハビリテーション", "--method", "意見書",
              "--doctor", "〇〇 医師", today="2026-11-21")
    book.step("plan", "agree", case, "--signer", "佐藤 一郎", today="2026-11-22")
    book.step("plan", "start", case, "--date", "2026-12-01", today="2026-12-01")
    book.step("monitor", "record", case, "--method", "visit", today="2026-12-10")
    book.refused("case", "close", case, "--reason", "転居", today="2027-02-20", needle="evaluate")
    book.step("evaluate", case, "--decision", "end", "--next-route", "ippan", today="2027-02-20")
    book.refused("review", "evaluation", case, who=HOKATSU_STAFF, today="2027-02-21", needle="行いません")
    book.step("case", "close", case, "--reason", "目標を達成し一般介護予防事業へ", today="2027-02-28")
    shown = book.show(case)
    assert shown["status"] == "closed"
    plan_custody = next(h for h in shown["custody"] if h["ref"].endswith("plans/P1/plan.yaml"))
    assert plan_custody["original"] == "kyotaku"  # 指定: nothing went to a 包括


def test_attach_a_scan_records_custody_without_personal_names(yobo_bin, tmp_path):
    book = make_book(yobo_bin, tmp_path, "funagata")
    case = book.step("case", "new", *flags(NEW_CASE), today="2026-11-10").strip().splitlines()[-1]
    scan = tmp_path / "佐藤一郎_契約書.pdf"
    scan.write_bytes(b"%PDF-1.4 fake scan")
    book.step("attach", case, "contract", str(scan), "--original", today="2026-11-12")
    stored = list((book.root / f"cases/{case[:2]}/{case}/files/contract").iterdir())
    assert [p.name for p in stored] == ["2026-11-12-original-1.pdf"]
    assert stored[0].read_bytes() == b"%PDF-1.4 fake scan"
    contract = next(h for h in book.show(case)["custody"] if h["doc"] == "contract")
    assert contract["scans"] == [f"cases/{case[:2]}/{case}/files/contract/2026-11-12-original-1.pdf"]
    book.refused("attach", case, "contract", str(scan), today="2026-11-12", needle="--original")
    assert "佐藤" not in git(book.root, "log", "--format=%B")


def test_care_management_a_case_through_the_whole_cycle(yobo_bin, tmp_path, files):
    """The third route: 介護予防ケアマネジメントA for a 事業対象者 (seed 004 区分 table), 委託, with
    the 包括 confirming the 原案 and the 評価表 as for 介護予防支援 (seed 002 資料1)."""
    book = make_book(yobo_bin, tmp_path, "national")
    options = dict(NEW_CASE, **{"--route": "cm-a", "--level": "事業対象者", "--cert-from": "2026-11-01",
                                "--cert-to": None})
    case = book.step("case", "new", *flags(options), today="2026-11-10").strip().splitlines()[-1]
    folder = f"cases/{case[:2]}/{case}"
    book.step("checklist", "record", case, "--answers", ANSWERS, "--height-cm", "160", "--weight-kg", "55",
              today="2026-11-10")
    book.step("plan", "draft", case, "--start", "2026-12-01", "--end", "2027-02-28", "--file", files["plan.yaml"],
              today="2026-11-20")
    plan = book.read(f"{folder}/plans/P1/plan.yaml")
    assert plan["route"] == "cm-a" and plan["level"] == "jigyo"
    # the 包括 confirms before the consent, after the 原案 was handed over
    book.refused("review", "plan", case, who=HOKATSU_STAFF, today="2026-11-21", needle="--occasion draft")
    book.step("submit", "hokatsu", case, "--occasion", "draft", today="2026-11-21")
    book.step("meeting", "record", case, "--attendee", "佐藤 一郎:本人", today="2026-11-22")
    book.refused("plan", "agree", case, "--signer", "佐藤 一郎", today="2026-11-22", needle="yobo review plan")
    book.step("review", "plan", case, who=HOKATSU_STAFF, today="2026-11-23")
    book.step("doctor", "confirm", case, "--service", "通所リハビリテーション", "--method", "意見書",
              "--doctor", "〇〇 医師", today="2026-11-23")
    book.step("plan", "agree", case, "--signer", "佐藤 一郎", today="2026-11-24")
    book.refused("monitor", "record", case, "--method", "visit", today="2026-11-30", needle="yobo plan start")
    book.step("plan", "start", case, "--date", "2026-12-01", today="2026-12-01")
    book.step("monitor", "record", case, "--method", "visit", today="2026-12-10")
    book.step("evaluate", case, "--file", files["outcomes.yaml"], "--decision", "end", "--next-route", "ippan",
              today="2027-02-20")
    book.refused("review", "evaluation", case, who=HOKATSU_STAFF, today="2027-02-21", needle="--occasion evaluation")
    book.step("submit", "hokatsu", case, "--occasion", "evaluation", today="2027-02-21")
    book.step("review", "evaluation", case, who=HOKATSU_STAFF, today="2027-02-22")
    book.step("case", "close", case, "--reason", "目標を達成し一般介護予防事業へ", today="2027-02-28")
    assert book.show(case)["status"] == "closed"
    validated = book.run_yobo("validate", "-C", str(book.root))
    assert validated.code == 0, validated.stdout + validated.stderr

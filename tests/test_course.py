"""A case changing course, through the installed ``yobo`` (real processes, real git):
seed 004's April/May/June switching example, a 委託→指定 migration, and a
reassignment — asserting the files, the due list and the forms.  Expected values come
from the seeds' text (004_039b0045c9f97517.txt and 003_f73aac61ef8be17b.txt; lines cited).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import NEW_CASE, OTHER_STAFF, STAFF, flags, git
from test_lifecycle import ANSWERS, HOKATSU_STAFF, Book

HOKATSU = "水戸市地域包括支援センター"
# seed 004 line 111–113: 計画に位置付けたサービス — 介護予防ホームヘルプ 週１回程度, 介護予防訪問看護 週１回
PLAN_004 = """\
life_goals:
  day: 自分で身の回りのことをする
  year: 季節の行事に出かける
issues:
  - 家事の負担が大きい
goals:
  - goal: 掃除と買い物を手伝ってもらいながら自宅で暮らし続ける
    support_points: できる家事は自分で行う
    services:
      - insured_service: 介護予防ホームヘルプ 週１回程度
        kind: 介護予防訪問介護
        provider: 〇〇ヘルパーステーション
        from: 2027-04-01
        to: 2027-09-30
      - insured_service: 介護予防訪問看護 週１回
        kind: 介護予防訪問看護
        provider: 〇〇訪問看護ステーション
        from: 2027-04-01
        to: 2027-09-30
overall_policy: 在宅生活を続ける
"""


def due(book: Book, today: str, *args: str) -> list[dict]:
    run = book.run_yobo("monitor", "due", "-C", str(book.root), "--json", "--within", "90", *args,
                        env={"YOBO_TODAY": today})
    assert run.code in (0, 1), run.stderr
    return json.loads(run.stdout)


def codes(items: list[dict]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for item in items:
        out.setdefault(item["code"], []).append((item["due"], item["party"]))
    return out


def mito_book(yobo_bin, tmp_path: Path, *extra: str) -> Book:
    root = tmp_path / "cb"
    made = yobo_bin("init", str(root), "--office-name", "さくら居宅", "--office-kind", "kyotaku", "--office-no",
                    "1234567890", "--profile", "mito", "--staff", STAFF, "--staff", OTHER_STAFF, *extra,
                    env={"YOBO_TODAY": "2027-03-01"})
    assert made.code == 0, made.stderr
    book = Book(yobo_bin, root)
    book.step("staff", "add", HOKATSU_STAFF, "--party", "hokatsu", today="2027-03-01")
    return book


def started_case(book: Book, tmp_path: Path, *, mode: str) -> str:
    """A 要支援1 case whose plan (seed 004's two services) starts on 2027-04-01."""
    options = dict(NEW_CASE, **{"--mode": mode, "--hokatsu": HOKATSU, "--cert-from": "2027-03-01",
                                "--cert-to": "2028-02-29"})
    case = book.step("case", "new", *flags(options), today="2027-03-05").strip().splitlines()[-1]
    plan = tmp_path / "plan004.yaml"
    plan.write_text(PLAN_004, encoding="utf-8")
    book.step("checklist", "record", case, "--answers", ANSWERS, "--height-cm", "160", "--weight-kg", "55",
              today="2027-03-05")
    book.step("plan", "draft", case, "--start", "2027-04-01", "--end", "2027-09-30", "--file", str(plan),
              today="2027-03-10")
    if mode == "itaku":
        book.step("submit", "hokatsu", case, "--occasion", "draft", today="2027-03-11")
        book.step("review", "plan", case, "--opinion", "適切です", who=HOKATSU_STAFF, today="2027-03-12")
    book.step("meeting", "record", case, "--attendee", "佐藤 一郎:本人", today="2027-03-15")
    book.step("doctor", "confirm", case, "--service", "介護予防訪問看護", "--method", "意見書", "--doctor", "〇〇 医師",
              today="2027-03-15")
    book.step("plan", "agree", case, "--signer", "佐藤 一郎", today="2027-03-16")
    book.step("plan", "start", case, "--date", "2027-04-01", today="2027-04-01")
    book.step("monitor", "record", case, "--method", "visit", today="2027-04-20")
    return case


def validate(book: Book, today: str) -> str:
    run = book.run_yobo("validate", "-C", str(book.root), env={"YOBO_TODAY": today})
    assert run.code == 0, run.stdout + run.stderr
    return run.stdout


def test_seed_004_april_may_june(yobo_bin, tmp_path):
    """seed 004 line 108–147: April 介護予防支援, May 介護予防ケアマネジメント, June 介護予防支援."""
    book = mito_book(yobo_bin, tmp_path, "--designated-on", "2027-03-01")
    case = started_case(book, tmp_path, mode="shitei")
    folder = f"cases/{case[:2]}/{case}"

    # April (介護予防支援, 指定): line 123「介護予防支援費として国保連に請求」, by the 居宅 itself
    april = codes(due(book, "2027-05-06", "--case", case))
    assert ("2027-05-10", "kyotaku") in april["prevention-support-fee"]
    assert "care-management-commission" not in april

    book.refused("case", "switch", case, "--route", "cm-a", "--from", "2027-05", today="2027-05-08",
                 needle="--reason")
    book.refused("case", "switch", case, "--route", "cm-a", "--from", "2027-06", "--reason", "x",
                 today="2027-05-08", needle="今月より後")
    out = book.step("case", "switch", case, "--route", "cm-a", "--from", "2027-05", "--reason",
                    "5月は訪問看護の利用がなく総合事業のみのため", today="2027-05-08")
    assert "2027年05月から区分を介護予防ケアマネジメントA" in out
    data = book.read(f"{folder}/case.yaml")
    # line 104: ケアマネジメントは実施主体が包括、居宅へ委託 — the 指定 case is entrusted for May
    assert (data["route"], data["mode"]) == ("cm-a", "itaku")
    assert [(e["field"], str(e["from"]), e["to"], e["was"]) for e in data["course"]] == [
        ("route", "2027-05", "cm-a", "yobo-shien"), ("mode", "2027-05-01", "itaku", "shitei")]
    notes = book.paths(f"{folder}/notes")
    # line 92: 支援経過（ケアマネジメント区分の変更理由が分かる旨記載）
    assert any("訪問看護の利用がなく" in (book.root / n).read_text(encoding="utf-8") for n in notes)

    may = due(book, "2027-05-08", "--case", case)
    found = codes(may)
    # line 85/130: 包括へ連絡 at once; line 135–147: 届出・提出物 to the 包括, by the month's end (seed 003 line 13)
    assert found["route-change-contact"] == [("2027-05-08", "kyotaku")]
    assert found["route-change-submission"] == [("2027-05-31", "kyotaku")]
    title = next(i["title"] for i in may if i["code"] == "route-change-submission")
    assert "基本情報・ケアプラン原本・支援経過・利用票の写し" in title
    # billing follows each month: April 介護予防支援費 (国保連), May 委託料 (水戸市, line 124–126)
    months = codes(due(book, "2027-06-05", "--case", case))
    assert ("2027-06-10", "kyotaku") in months["care-management-commission"]
    assert ("2027-06-10", "kyotaku") not in months.get("prevention-support-fee", [])
    assert ("2027-06-10", "hokatsu") in months["benefit-management"]  # May: the 包括 is 実施主体
    assert ("2027-05-10", "kyotaku") in months["benefit-management"]  # April: the 指定 居宅

    # the hand-overs: line 87–100 (基本情報, ケアプラン原本, 支援経過, 利用票の写し), line 137–138 (届・保険証)
    book.step("submit", "hokatsu", case, "--occasion", "route-change", "--paper", "usage-ticket", "--paper",
              "request-form", "--paper", "insurance-card", today="2027-05-09")
    sent = book.read(book.paths(f"{folder}/submissions")[-1])
    docs = {h["doc"]: h.get("original_to") for h in sent["handovers"]}
    assert docs["plan"] == "hokatsu" and docs["request-form"] == "hokatsu" and docs["insurance-card"] == "hokatsu"
    assert "progress-notes" in docs and "usage-ticket" in docs
    book.step("monitor", "done", "--code", "route-change-contact", "--month", "2027-05", "--case", case,
              today="2027-05-09")
    left = codes(due(book, "2027-05-09", "--case", case))
    assert "route-change-contact" not in left and "route-change-submission" not in left
    validate(book, "2027-05-09")  # the plan agreed under 指定 is not flagged in a 委託 month

    # June: back to 介護予防支援 (指定 again), 届出 only (line 140–142, no 提出物)
    book.step("case", "switch", case, "--route", "yobo-shien", "--from", "2027-06", "--reason",
              "訪問看護を再開するため", today="2027-06-02")
    data = book.read(f"{folder}/case.yaml")
    assert (data["route"], data["mode"]) == ("yobo-shien", "shitei")
    june = due(book, "2027-06-02", "--case", case)
    title = next(i["title"] for i in june if i["code"] == "route-change-submission")
    assert "2027年06月から介護予防支援" in title and "基本情報" not in title
    book.step("submit", "hokatsu", case, "--occasion", "route-change", "--paper", "request-form", "--paper",
              "insurance-card", today="2027-06-03")
    sent = book.read(book.paths(f"{folder}/submissions")[-1])
    assert {h["doc"] for h in sent["handovers"]} == {"request-form", "insurance-card"}
    july = codes(due(book, "2027-07-05", "--case", case))
    # June's fee: 2027-07-10 is a Saturday, moved to the previous business day (profile shift default)
    assert ("2027-07-09", "kyotaku") in july["prevention-support-fee"]
    shown = book.show(case)
    assert [c["from"] for c in shown["course"] if c["field"] == "route"] == ["2027-05", "2027-06"]
    assert shown["route_now"] == "yobo-shien" and shown["mode_now"] == "shitei"
    may_view = book.run_yobo("case", "show", case, "-C", str(book.root), "--json", env={"YOBO_TODAY": "2027-05-15"})
    assert json.loads(may_view.stdout)["route_now"] == "cm-a"
    validate(book, "2027-06-03")


def test_entrusted_case_moves_to_a_direct_contract(yobo_bin, tmp_path):
    """seed 004 line 38–74: 指定 → every 委託 case to a direct contract within 30 days,
    with the 作成依頼（変更）届「変更」 and the 被保険者証 to the 包括."""
    book = mito_book(yobo_bin, tmp_path)
    case = started_case(book, tmp_path, mode="itaku")
    folder = f"cases/{case[:2]}/{case}"
    book.refused("case", "switch", case, "--mode", "shitei", "--on", "2027-04-10", today="2027-04-20",
                 needle="yobo office set --designated-on")
    book.step("office", "set", "--designated-on", "2027-04-01", today="2027-04-20")
    assert "designated_on: 2027-04-01" in (book.root / "yobo.yaml").read_text(encoding="utf-8")
    # line 44: 新規指定を受けた日から30日以内
    assert codes(due(book, "2027-04-20", "--case", case))["migration-to-shitei"] == [("2027-05-01", "kyotaku")]

    # a new 委託 介護予防支援 case after the designation is warned (line 41–42 原則として委託しません)
    run = book.run_yobo("case", "new", "-C", str(book.root), *flags(dict(NEW_CASE, **{
        "--insured-no": "0000999999", "--hokatsu": HOKATSU, "--cert-from": "2027-03-01", "--cert-to": "2028-02-29"})),
        env={"YOBO_TODAY": "2027-04-25"})
    assert run.code == 0, run.stderr
    assert "原則として介護予防支援のケースは委託しません" in run.stderr
    other = run.stdout.strip().splitlines()[-1]
    assert codes(due(book, "2027-04-25", "--case", other))["migration-to-shitei"] == [("2027-05-25", "kyotaku")]

    book.refused("case", "switch", case, "--mode", "shitei", "--on", "2027-03-20", today="2027-04-20",
                 needle="指定日 2027-04-01 より前")
    book.step("case", "switch", case, "--mode", "shitei", "--on", "2027-04-15", today="2027-04-20")
    data = book.read(f"{folder}/case.yaml")
    assert data["mode"] == "shitei"
    assert [(e["field"], str(e["from"]), e["to"], e["was"]) for e in data["course"]] == [
        ("mode", "2027-04-15", "shitei", "itaku")]
    found = codes(due(book, "2027-04-20", "--case", case))
    assert "migration-to-shitei" not in found  # the 30-day rule clears
    assert found["mode-change-contract"] == [("2027-04-15", "kyotaku")]  # line 49 直接契約
    assert found["mode-change-filing"] == [("2027-04-15", "kyotaku")]  # line 69–74 作成依頼（変更）届「変更」
    validate(book, "2027-04-20")  # the plan agreed under 委託 (with the 包括's confirmation) is not flagged

    book.step("contract", "record", case, "--signed-with", "kyotaku", "--date", "2027-04-15", today="2027-04-20")
    book.step("monitor", "done", "--code", "mode-change-filing", "--month", "2027-04", "--case", case,
              today="2027-04-20")
    found = codes(due(book, "2027-04-20", "--case", case))
    assert "mode-change-contract" not in found and "mode-change-filing" not in found
    # 指定 is 介護予防支援 only (seed 003 種別 「介護予防支援のみ」)
    book.refused("case", "switch", case, "--mode", "shitei", "--on", "2027-04-20", today="2027-04-20",
                 needle="すでに")


def test_reassignment_moves_the_deadlines_and_the_forms(yobo_bin, tmp_path):
    """issue 12 item 3 / issue 13 item 3: the 担当 changes from a day, history kept; the
    due list by staff and the forms follow; 担当者変更 (seed 002 III-1 (9)) is one commit."""
    book = mito_book(yobo_bin, tmp_path, "--designated-on", "2027-03-01")
    case = started_case(book, tmp_path, mode="shitei")
    folder = f"cases/{case[:2]}/{case}"
    mine = due(book, "2027-05-06", "--staff", STAFF)
    assert mine and all(i["case"] == case for i in mine)
    assert due(book, "2027-05-06", "--staff", OTHER_STAFF) == []

    book.refused("plan", "amend", case, "--kind", "staff-change", "--field", "planner", "--new", OTHER_STAFF,
                 "--reason", "担当者の退職", today="2027-05-06", needle="--consent-date")
    book.refused("case", "reassign", case, "--manager", "未登録 太郎", "--on", "2027-05-06", "--reason", "x",
                 today="2027-05-06", needle="職員に登録されていません")
    out = book.step("plan", "amend", case, "--kind", "staff-change", "--field", "planner", "--new", OTHER_STAFF,
                    "--reason", "担当者の退職（新担当は同行訪問で面識あり）", "--consent-date", "2027-05-06",
                    "--consent-method", "電話", "--date", "2027-05-06", today="2027-05-06")
    assert OTHER_STAFF in out
    # one commit holds the plan, the case and the note (book.step counts exactly one)
    assert git(book.root, "show", "--name-only", "--format=", "HEAD").split() == sorted([
        f"{folder}/case.yaml", f"{folder}/plans/P1/plan.yaml", book.paths(f"{folder}/notes")[-1]])
    data = book.read(f"{folder}/case.yaml")
    assert data["manager"] == OTHER_STAFF
    assert data["course"] == [{"field": "manager", "from": data["course"][0]["from"], "to": OTHER_STAFF, "was": STAFF,
                               "recorded": data["course"][0]["recorded"], "staff": STAFF,
                               "reason": "担当者の退職（新担当は同行訪問で面識あり）"}]
    plan = book.read(f"{folder}/plans/P1/plan.yaml")
    assert plan["planner"] == OTHER_STAFF
    assert plan["amendments"][-1]["old"] == STAFF and plan["amendments"][-1]["kind"] == "staff-change"
    validate(book, "2027-05-06")  # the consent still matches (an amendment is reverted for the digest)

    after_new = due(book, "2027-05-06", "--staff", OTHER_STAFF)
    assert {i["code"] for i in after_new} == {i["code"] for i in mine}
    assert due(book, "2027-05-06", "--staff", STAFF) == []
    form = book.run_yobo("render", case, "plan", "-C", str(book.root), env={"YOBO_TODAY": "2027-05-06"})
    assert form.code == 0, form.stderr
    assert OTHER_STAFF in form.stdout and f"~~{STAFF}~~" in form.stdout
    notes = book.run_yobo("render", case, "notes", "-C", str(book.root), env={"YOBO_TODAY": "2027-05-06"})
    assert notes.code == 0, notes.stderr
    assert OTHER_STAFF in notes.stdout

    # 区内転居 (seed 003 line 28): the 担当包括 changes; the 包括's items go to the new one
    book.step("case", "reassign", case, "--hokatsu", "中央地域包括支援センター", "--on", "2027-05-10", "--reason",
              "区内転居", today="2027-05-10")
    shown = book.show(case)
    assert shown["hokatsu"] == "中央地域包括支援センター"
    assert [(c["field"], c["from"], c["was"]) for c in shown["course"]] == [
        ("manager", "2027-05-06", STAFF), ("hokatsu", "2027-05-10", HOKATSU)]
    book.refused("case", "reassign", case, "--hokatsu", "中央地域包括支援センター", "--on", "2027-05-11", "--reason",
                 "x", today="2027-05-11", needle="すでに")


# -- fast checks through Typer's runner ------------------------------------------------------------


def test_history_answers_route_and_mode_in_a_month():
    """seed 004 line 121: 実施方法 4月 介護予防支援 / 5月 介護予防ケアマネジメント / 6月 介護予防支援."""
    from datetime import date

    from yobo.loader import build_course
    from yobo.model import Case, Person

    course = build_course([
        {"field": "route", "from": "2027-05", "to": "cm-a", "was": "yobo-shien", "recorded": "2027-05-08", "staff": STAFF},
        {"field": "mode", "from": date(2027, 5, 1), "to": "itaku", "was": "shitei", "recorded": "2027-05-08",
         "staff": STAFF},
        {"field": "route", "from": "2027-06", "to": "yobo-shien", "was": "cm-a", "recorded": "2027-06-02", "staff": STAFF},
        {"field": "mode", "from": "2027-06-01", "to": "shitei", "was": "itaku", "recorded": "2027-06-02", "staff": STAFF},
    ])
    case = Case("AAAAAA", "cases/AA/AAAAAA", "active", date(2027, 3, 1), Person("0000000001", "x", "エックス",
                date(1940, 1, 1), "male"), "yobo-shien", "shitei", None, STAFF, course=course)
    months = {m: (case.route_on(date(2027, m, 15)), case.mode_on(date(2027, m, 15))) for m in (4, 5, 6, 7)}
    assert months == {4: ("yobo-shien", "shitei"), 5: ("cm-a", "itaku"), 6: ("yobo-shien", "shitei"),
                      7: ("yobo-shien", "shitei")}
    assert case.manager_on(date(2027, 4, 1)) == STAFF  # no manager change: the current one


def test_bad_switches_are_refused_with_nothing_written(cli, casebook):
    from conftest import assert_one_line_error, new_case, snapshot

    case = new_case(cli, casebook)
    jigyo = new_case(cli, casebook, insured_no="0000654321", level="事業対象者", cert_to=None, route="cm-a")
    before = snapshot(casebook)
    for args, needle in (
        (("switch", case), "--route"),
        (("switch", case, "--route", "cm-a", "--mode", "shitei"), "--route"),
        (("switch", case, "--route", "cm-a"), "--from"),
        (("switch", case, "--route", "cm-a", "--from", "2026-13", "--reason", "x"), "YYYY-MM"),
        (("switch", case, "--route", "yobo-shien", "--from", "2026-11", "--reason", "x"), "すでに"),
        (("switch", case, "--route", "cm-a", "--from", "2026-03", "--reason", "x"), "始まり"),
        (("switch", jigyo, "--route", "yobo-shien", "--from", "2026-11", "--reason", "x"), "事業対象者"),
        (("switch", case, "--mode", "shitei", "--on", "2026-11-22"), "yobo office set --designated-on"),
        (("reassign", case, "--on", "2026-11-22", "--reason", "x"), "--manager"),
        (("reassign", case, "--manager", OTHER_STAFF, "--on", "2026-11-30", "--reason", "x"), "今日"),
        (("reassign", case, "--manager", STAFF, "--on", "2026-11-22", "--reason", "x"), "すでに"),
    ):
        assert_one_line_error(cli("case", *args, "-C", str(casebook)), needle)
    assert_one_line_error(cli("office", "set", "--designated-on", "2026-12-01", "-C", str(casebook)), "今日")
    assert snapshot(casebook) == before


def test_designation_at_init_and_only_for_a_kyotaku(cli, tmp_path):
    from conftest import assert_one_line_error

    made = cli("init", str(tmp_path / "a"), "--office-name", "居宅", "--office-kind", "kyotaku", "--staff", STAFF,
               "--designated-on", "2026-10-01")
    assert made.code == 0, made.stderr
    assert "designated_on: 2026-10-01" in (tmp_path / "a" / "yobo.yaml").read_text(encoding="utf-8")
    refused = cli("init", str(tmp_path / "b"), "--office-name", "包括", "--office-kind", "hokatsu", "--staff", STAFF,
                  "--designated-on", "2026-10-01")
    assert_one_line_error(refused, "--designated-on")
    assert not (tmp_path / "b" / "yobo.yaml").exists()


def test_a_hand_edit_that_disagrees_with_the_history_is_reported(cli, casebook):
    from conftest import git, new_case

    case = new_case(cli, casebook)
    run = cli("case", "switch", case, "--route", "cm-a", "--from", "2026-11", "--reason", "総合事業のみ", "-C",
              str(casebook))
    assert run.code == 0, run.stderr
    assert cli("validate", "-C", str(casebook)).code == 0
    path = casebook / "cases" / case[:2] / case / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("route: cm-a", "route: yobo-shien"), encoding="utf-8")
    git(casebook, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "hand edit")
    found = cli("validate", "-C", str(casebook))
    assert found.code == 1
    assert f"cases/{case[:2]}/{case}/case.yaml:" in found.stdout and "[case-course]" in found.stdout

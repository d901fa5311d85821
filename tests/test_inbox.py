"""Issue 11 items 5 and 6: the 包括's own inbox in ``monitor due``, ``case list`` filters
by 委託先 居宅 and 担当, and several casebooks at once (repeated ``-C``, ``--workspace``).

Expected days are worked out by hand from the seeds' text (cited per test) and the
calendar (土日・祝日), never read back from what the code prints.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from conftest import git
from test_json_schemas import validate
from yobo.model import Case, Certification, Person, Plan, Review, Submission
from yobo.profiles import load_profile
from yobo.rules.due import case_obligations, draft_review, evaluation, monthly_cycle, notification
from yobo.rules.runner import RuleContext
from yobo.rules.hokatsu import waiting_days
from yobo.workspace import UNREADABLE_CASEBOOK

D = date.fromisoformat
HOKATSU = "中央包括"
ACTOR = {"YOBO_STAFF": "田中美咲"}
HOKATSU_STAFF = "青木 保健師"  # the sample casebook's 包括 staff member


def case_with(plan: Plan, *, mode="itaku", submissions=()) -> Case:
    cert = Certification("c.yaml", "shien1", "certified", D("2025-10-01"), D("2027-09-30"))
    return Case("ABC123", "cases/AB/ABC123", "active", D("2025-12-01"),
                Person("0", "佐藤 一郎", "サトウ", D("1940-01-01"), "male"), "yobo-shien", mode, HOKATSU, "山田",
                certifications=(cert,), plans=(plan,), submissions=tuple(submissions))


def running(start="2026-01-01", end="2027-12-31", mode="itaku") -> Case:
    return case_with(Plan("P1", "cases/AB/ABC123/plans/P1", {}, D(start), D(end), D(start), "d",
                          service_start=D(start)), mode=mode)


# -- the 包括's items, per seed ------------------------------------------------------------------------


def receipts(profile: str, code: str, month: str, mode="itaku"):
    return [d for d in monthly_cycle(running(mode=mode), RuleContext(load_profile(profile))) if d.code == code and d.month == month]


@pytest.mark.parametrize("profile, code, month, due", [
    # seed 003 line 26 給付管理・請求「毎月5日までに包括に提出」: the 包括 receives by the 5th of the next month;
    # 2026-11-05 is a Thursday; 2026-12-05 a Saturday → Friday 12-04 (profile shift: previous business day)
    ("toshima", "usage-results-received", "2026-10", "2026-11-05"),
    ("toshima", "usage-results-received", "2026-11", "2026-12-04"),
    # seed 000 line 186 (包括「利用実績及び利用状況の確認」) with 手順12's day (翌月の概ね5日、土日・休日はその前日):
    # 2026-07-05 is a Sunday → Friday 07-03; 2026-09-05 a Saturday → Friday 09-04
    ("funagata", "provider-results-received", "2026-06", "2026-07-03"),
    ("funagata", "provider-results-received", "2026-08", "2026-09-04"),
    # seed 002 line 624 (包括〈居宅からの実績報告内容確認〉) and「毎月 4 日までに包括へ提出」: 2026-09-04 is a Friday;
    # 2026-05-04 みどりの日, 05-03 Sun, 05-02 Sat → Friday 05-01
    ("suzuka-kameyama", "usage-results-received", "2026-08", "2026-09-04"),
    ("suzuka-kameyama", "usage-results-received", "2026-04", "2026-05-01"),
])
def test_the_hokatsu_receives_the_monthly_results_on_the_day_they_are_due(profile, code, month, due):
    [item] = receipts(profile, code, month)
    assert item.due == D(due) and item.party == "hokatsu" and item.staff == HOKATSU and item.kind == "monthly"
    # the 居宅's sending (or the provider's report) is a separate item, due the same day, not the 包括's
    sender = {"toshima": "usage-results", "funagata": "provider-results", "suzuka-kameyama": "usage-results"}[profile]
    [sent] = receipts(profile, sender, month)
    assert sent.due == item.due and sent.party != "hokatsu"


def test_the_receipt_of_a_kyotaku_report_is_only_for_entrusted_cases():
    # seed 003 line 26 / seed 002 資料1-9: the 居宅 sends 実績 to the 包括 for 委託 cases; a 指定 case's 実績 stay at the 居宅
    assert not receipts("toshima", "usage-results-received", "2026-10", mode="shitei")
    # seed 000 line 186 and 手順12「包括には要支援及び事業対象者で利用している方全員の実績報告」: every case
    assert receipts("funagata", "provider-results-received", "2026-10", mode="shitei")
    # national: no receipt at all (no seed of its own)
    assert not [d for d in monthly_cycle(running(), RuleContext(load_profile("national"))) if d.code.endswith("-received")]


def test_evaluation_return_within_ten_days_of_submission_funagata():
    # seed 000 line 285「評価表提出後10日以内」(funagata return_days: 10)
    plan = Plan("P1", "cases/AB/ABC123/plans/P1", {}, D("2026-04-01"), D("2026-09-30"), D("2026-03-20"), "d",
                service_start=D("2026-04-01"))
    sub = Submission("s.yaml", D("2026-10-05"), "evaluation", "P1", None, ())
    [item] = [d for d in evaluation(case_with(plan, submissions=[sub]), RuleContext(load_profile("funagata")))
              if d.code == "evaluation-return"]
    # 2026-10-05 + 10 = 2026-10-15, a Thursday
    assert (item.due, item.opens, item.party, item.staff) == (D("2026-10-15"), D("2026-10-05"), "hokatsu", HOKATSU)
    assert waiting_days(item, D("2026-10-12")) == 7
    # 2026-09-10 + 10 = 09-20, a Sunday; 09-19 Sat → Friday 09-18 (the profile's default shift)
    early = replace(sub, date=D("2026-09-10"))
    [item] = [d for d in evaluation(case_with(plan, submissions=[early]), RuleContext(load_profile("funagata")))
              if d.code == "evaluation-return"]
    assert item.due == D("2026-09-18")
    # returned (the 包括's review of the evaluation recorded): nothing left to do
    done = replace(plan, evaluation_review=Review("r.hokatsu.yaml", "evaluation", D("2026-10-09"), "青木", "", None))
    assert not [d for d in evaluation(case_with(done, submissions=[sub]), RuleContext(load_profile("funagata")))
                if d.code == "evaluation-return"]
    # a 指定 case: the 包括 does not review it (hokatsu_review.shitei: false), nothing to return
    assert not [d for d in evaluation(case_with(plan, mode="shitei", submissions=[sub]), RuleContext(load_profile("funagata")))
                if d.code == "evaluation-return"]


def test_draft_review_waits_at_the_hokatsu_with_its_age():
    # seed 002 ㉜: the 包括 confirms the 原案 before the user's consent; due by the plan's start (no seed day)
    plan = Plan("P1", "cases/AB/ABC123/plans/P1", {}, D("2026-12-01"), D("2027-05-31"), D("2026-11-15"), "dg")
    sent = Submission("s.yaml", D("2026-11-18"), "draft", "P1", "dg", ())
    [item] = draft_review(case_with(plan, submissions=[sent]), RuleContext(load_profile("national")))
    assert (item.due, item.opens, item.party, item.staff) == (D("2026-12-01"), D("2026-11-18"), "hokatsu", HOKATSU)
    assert [waiting_days(item, D(day)) for day in ("2026-11-18", "2026-11-22", "2026-11-30")] == [0, 4, 12]
    reviewed = replace(plan, reviews=(Review("r.yaml", "plan", D("2026-11-20"), "青木", "", "dg"),))
    assert not draft_review(case_with(reviewed, submissions=[sent]), RuleContext(load_profile("national")))
    # only the items handed to the 包括 have an age
    assert waiting_days(receipts("toshima", "usage-results-received", "2026-10")[0], D("2026-11-22")) is None


@pytest.mark.parametrize("profile, source", [
    ("toshima", "seed 003 line 13"),  # 作成届「包括が高齢者福祉課へ提出」(再委託)、「居宅は介護保険課 給付Gへ提出」(居宅指定)
    ("funagata", "seed 000 手順3"),  # 包括の欄: 届出書を「被保険者証とともに保険者に届け出る」
    ("national", "seed 002 I-1(2)④"),
])
def test_the_notification_is_filed_by_the_party_the_profile_names(profile, source):
    # seed 002 I-1(2)④: filed on or before the service start (2026-12-01, a Tuesday: no shift)
    plan = Plan("P1", "cases/AB/ABC123/plans/P1", {}, D("2026-12-01"), D("2027-05-31"), D("2026-11-15"), "dg")
    [entrusted] = notification(case_with(plan), RuleContext(load_profile(profile)))
    assert (entrusted.party, entrusted.staff, entrusted.due) == ("hokatsu", HOKATSU, D("2026-12-01"))
    assert source in entrusted.source
    [own] = notification(case_with(plan, mode="shitei"), RuleContext(load_profile(profile)))
    assert (own.party, own.staff) == ("kyotaku", "山田")


# -- the 包括's inbox through the CLI -------------------------------------------------------------------


@pytest.fixture
def sample(tmp_path, cli) -> Path:
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", env=ACTOR).code == 0
    return root


def to_toshima(root: Path) -> None:
    text = (root / "yobo.yaml").read_text(encoding="utf-8").replace("profile: national", "profile: toshima")
    (root / "yobo.yaml").write_text(text, encoding="utf-8")
    git(root, "-c", "user.name=田中美咲", "-c", "user.email=tanaka@example.invalid", "commit", "-qam", "profile: toshima")


def due_json(cli, *args, env=None):
    run = cli("monitor", "due", *args, "--json", env=env)
    assert run.code in (0, 1), run.stderr
    return json.loads(run.stdout)


def test_hokatsu_staff_see_their_inbox_and_mark_the_results_received(cli, sample):
    to_toshima(sample)
    inbox = due_json(cli, "-C", str(sample), "--staff", HOKATSU_STAFF)
    assert inbox and {d["party"] for d in inbox} == {"hokatsu"}
    assert due_json(cli, "-C", str(sample), "--party", "hokatsu") == inbox
    codes = {d["code"] for d in inbox}
    assert {"draft-review", "notification-filing", "usage-results-received", "benefit-management"} <= codes
    [review] = [d for d in inbox if d["code"] == "draft-review"]
    # the sample's 原案 of 3QK7WA went to the 包括 on 2026-11-18; today is 2026-11-22
    assert (review["case"], review["opens"], review["waiting_days"]) == ("3QK7WA", "2026-11-18", 4)
    [filing] = [d for d in inbox if d["code"] == "notification-filing"]
    assert "seed 003 line 13" in filing["source"]
    october = [d for d in inbox if d["code"] == "usage-results-received" and d["opens"] == "2026-10-31"]
    assert {d["case"] for d in october} == {"C2VW9F", "8HD4NX", "A7PE3K"} and {d["due"] for d in october} == {"2026-11-05"}
    table = cli("monitor", "due", "-C", str(sample), "--staff", HOKATSU_STAFF).stdout
    assert "受け取りから 4 日" in table and "利用票・別表（実績）と請求明細の受け取り" in table
    # the 居宅 cannot mark the 包括's receipt; the 包括 can, and the month drops off its list
    refused = cli("monitor", "done", "-C", str(sample), "--code", "usage-results-received", "--month", "2026-10",
                  "--case", "C2VW9F", env=ACTOR)
    assert refused.code == 2 and "包括が行う期限" in refused.stderr
    done = cli("monitor", "done", "-C", str(sample), "--code", "usage-results-received", "--month", "2026-10",
               "--case", "C2VW9F", env={"YOBO_STAFF": HOKATSU_STAFF})
    assert done.code == 0, done.stderr
    after = due_json(cli, "-C", str(sample), "--staff", HOKATSU_STAFF)
    assert {d["case"] for d in after if d["code"] == "usage-results-received" and d["opens"] == "2026-10-31"} == {
        "8HD4NX", "A7PE3K"}
    # the whole backlog at once, for every case (one file a month under done/)
    done = cli("monitor", "done", "-C", str(sample), "--code", "usage-results-received", "--month", "2025-12..2026-10",
               env={"YOBO_STAFF": HOKATSU_STAFF})
    assert done.code == 0, done.stderr
    left = {d["opens"] for d in due_json(cli, "-C", str(sample), "--staff", HOKATSU_STAFF)
            if d["code"] == "usage-results-received"}
    assert left == {"2026-11-30"}  # November's, due 2026-12-04 (12-05 is a Saturday)
    # the 居宅's own list has none of the 包括's items
    assert not [d for d in due_json(cli, "-C", str(sample), "--staff", "田中美咲") if d["party"] == "hokatsu"]


# -- case list filters --------------------------------------------------------------------------------------


def case_ids(cli, *args) -> list[str]:
    run = cli("case", "list", *args, "--json")
    assert run.code == 0, run.stderr
    return sorted(r["id"] for r in json.loads(run.stdout))


def test_case_list_filters_by_office_and_staff(cli, sample):
    c = ("-C", str(sample))
    everyone = case_ids(cli, *c)
    # the sample is the 居宅 ひまわり's casebook: every case is in its charge (委託先 or 指定)
    assert case_ids(cli, *c, "--office", "ひまわり") == everyone
    assert case_ids(cli, *c, "--office", "ﾋﾏﾜﾘ 居宅") == everyone  # kana and spaces folded, as --name does
    assert case_ids(cli, *c, "--office", "さくら") == []
    rows = json.loads(cli("case", "list", *c, "--json").stdout)
    assert {r["office"] for r in rows} == {"ひまわり居宅介護支援事業所（見本）"}
    by_manager = {r["manager"] for r in rows}
    assert case_ids(cli, *c, "--staff", "田中美咲") == sorted(r["id"] for r in rows if r["manager"] == "田中美咲")
    assert by_manager == {"田中美咲", "高橋健一"}
    # the 包括 担当: by the 包括's name, or a 包括 staff member (every case a 包括 is named on)
    east = sorted(r["id"] for r in rows if r["hokatsu"] == "東地域包括支援センター")
    assert east and case_ids(cli, *c, "--staff", "東地域包括支援センター") == east
    assert case_ids(cli, *c, "--staff", HOKATSU_STAFF) == sorted(r["id"] for r in rows if r["hokatsu"])
    assert case_ids(cli, *c, "--staff", "田中美咲", "--office", "ひまわり") == case_ids(cli, *c, "--staff", "田中美咲")
    text = cli("case", "list", *c, "--staff", "高橋健一", "--csv").stdout
    assert [r["担当"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))] == ["高橋健一"] * len(
        case_ids(cli, *c, "--staff", "高橋健一"))


# -- several casebooks at once ------------------------------------------------------------------------------


@pytest.fixture
def two(sample, tmp_path) -> tuple[Path, Path]:
    """The sample and a copy of it run by the toshima profile (same case ids, other deadlines)."""
    other = tmp_path / "other"
    shutil.copytree(sample, other)
    to_toshima(other)
    return sample, other


def test_monitor_due_over_two_casebooks_labels_every_row(cli, two, tmp_path):
    a, b = two
    ws = tmp_path / "ws.yaml"
    ws.write_text(f"# yobo ワークスペース\n- path: {a}\n  label: ひまわり（東・西包括）\n- path: other\n", encoding="utf-8")
    rows = due_json(cli, "--workspace", str(ws))
    validate("monitor-due", rows)
    assert {r["casebook"] for r in rows} == {"ひまわり（東・西包括）", "other"}  # label, else the folder's name
    alone_a, alone_b = due_json(cli, "-C", str(a)), due_json(cli, "-C", str(b))
    strip = lambda r: {k: v for k, v in r.items() if k != "casebook"}  # noqa: E731
    assert sorted(map(json.dumps, map(strip, rows))) == sorted(map(json.dumps, alone_a + alone_b))
    assert [strip(r) for r in rows if r["casebook"] == "other"] == alone_b  # each casebook's order kept
    # toshima's receipts only in the toshima casebook
    assert {r["casebook"] for r in rows if r["code"] == "usage-results-received"} == {"other"}
    # -C repeated: the same, labelled by folder
    assert {r["casebook"] for r in due_json(cli, "-C", str(a), "-C", str(b))} == {"sample", "other"}
    # one row per casebook in the CSV, its first column
    text = cli("monitor", "due", "--workspace", str(ws), "--csv").stdout
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][0] == "ケースブック" and {r[0] for r in table[1:]} == {"ひまわり（東・西包括）", "other"}
    assert len(table) - 1 == len(rows)
    # the calendar: the casebook is a category, and the same obligation in two casebooks is two events
    ics = cli("monitor", "due", "-C", str(a), "-C", str(b), "--ics").stdout
    assert "CATEGORIES:benefit-management,sample" in ics and "CATEGORIES:benefit-management,other" in ics
    uids = [line for line in ics.splitlines() if line.startswith("UID:")]
    assert len(uids) == len(set(uids)) == len(due_json(cli, "-C", str(a), "-C", str(b)))
    # the table: a ケースブック column, one summary
    screen = cli("monitor", "due", "--workspace", str(ws), "--limit", "0").stdout
    assert "ケースブック" in screen and "（ケースブック 2 冊）" in screen
    # --fail-on overdue: the worst of both
    assert cli("monitor", "due", "--workspace", str(ws), "--fail-on", "overdue").code == 1
    # --case: from the casebooks that hold it; a case in none of them is bad input
    assert {(r["casebook"], r["case"]) for r in due_json(cli, "--workspace", str(ws), "--case", "3QK7WA")} == {
        ("ひまわり（東・西包括）", "3QK7WA"), ("other", "3QK7WA")}
    missing = cli("monitor", "due", "--workspace", str(ws), "--case", "ZZZZZZ")
    assert missing.code == 2 and "--case" in missing.stderr and not missing.stdout
    # a 包括 staff member over both: only the 包括's items of each
    inbox = due_json(cli, "--workspace", str(ws), "--staff", HOKATSU_STAFF)
    assert inbox and {r["party"] for r in inbox} == {"hokatsu"} and {r["casebook"] for r in inbox} == {
        "ひまわり（東・西包括）", "other"}


def test_case_list_over_two_casebooks_with_filters(cli, two):
    a, b = two
    run = cli("case", "list", "-C", str(a), "-C", str(b), "--json", "--staff", "高橋健一")
    assert run.code == 0, run.stderr
    rows = json.loads(run.stdout)
    validate("case-list", rows)
    one = case_ids(cli, "-C", str(a), "--staff", "高橋健一")
    assert sorted((r["casebook"], r["id"]) for r in rows) == sorted([("sample", i) for i in one] + [("other", i) for i in one])
    text = cli("case", "list", "-C", str(a), "-C", str(b), "--csv").stdout
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["ケースブック"] for r in table} == {"sample", "other"}
    assert {r["委託先・担当の居宅"] for r in table} == {"ひまわり居宅介護支援事業所（見本）"}
    screen = cli("case", "list", "-C", str(a), "-C", str(b)).stdout
    assert "ケースブック" in screen and "（ケースブック 2 冊）" in screen


def test_a_casebook_that_cannot_be_read_is_a_problem_row(cli, sample, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(sample, broken)
    (broken / "yobo.yaml").write_text("office: [\n", encoding="utf-8")
    ws = tmp_path / "ws.yaml"
    ws.write_text(f"- path: {sample}\n  label: 読める\n- path: {tmp_path / 'nowhere'}\n  label: ない\n"
                  f"- path: {broken}\n  label: 壊れた\n", encoding="utf-8")
    run = cli("monitor", "due", "--workspace", str(ws), "--json")
    assert run.code == 1, run.stderr  # problems found, not a crash
    rows = json.loads(run.stdout)
    validate("monitor-due", rows)
    problems = [r for r in rows if r["code"] == UNREADABLE_CASEBOOK]
    assert [r["casebook"] for r in problems] == ["ない", "壊れた"] and {r["status"] for r in problems} == {"overdue"}
    assert problems[0]["source"].startswith(f"{ws}:3: ")  # where the workspace names it
    assert "yobo.yaml" in problems[1]["source"]
    assert {r["casebook"] for r in rows} == {"読める", "ない", "壊れた"}
    screen = cli("monitor", "due", "--workspace", str(ws))
    assert screen.code == 1 and "ケースブックを開けません" in screen.stdout and "Traceback" not in screen.stdout + screen.stderr
    listed = cli("case", "list", "--workspace", str(ws), "--json")
    assert listed.code == 1
    rows = json.loads(listed.stdout)
    validate("case-list", rows)
    assert [(r["casebook"], r["status"]) for r in rows if r["id"] is None] == [("ない", "unreadable"), ("壊れた", "unreadable")]
    assert cli("case", "list", "--workspace", str(ws)).code == 1


@pytest.mark.parametrize("text, line, field", [
    ("path: a\n", 1, "casebooks"),  # a mapping, not a list
    ("[]\n", 1, "casebooks"),  # empty
    ("# ws\n- path: a\n  lable: x\n", 3, "lable"),  # a misspelt key, at its line
    ("- path: a\n- label: b\n", 2, "path"),  # no folder
    ("- path: a\n  label: x\n- path: b\n  label: x\n", 4, "label"),  # a label twice
    ("- path: a\n- path: ./a\n", 2, "path"),  # a folder twice
    ("- path: a\n  label: [x]\n", 2, "label"),  # not a name
])
def test_a_mistake_in_the_workspace_file_is_bad_input(cli, tmp_path, text, line, field):
    ws = tmp_path / "ws.yaml"
    ws.write_text(text, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    for command in (("monitor", "due"), ("case", "list"), ("sync",)):
        run = cli(*command, "--workspace", str(ws))
        assert run.code == 2, (command, run.stdout, run.stderr)
        message = run.stderr.strip()
        assert len(message.splitlines()) == 1 and f"{ws}:{line}: {field}: " in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_bad_yaml_and_a_missing_workspace_file(cli, tmp_path):
    ws = tmp_path / "ws.yaml"
    ws.write_text("- path: a\n  label: [\n", encoding="utf-8")
    run = cli("monitor", "due", "--workspace", str(ws))
    assert run.code == 2 and f"{ws}:" in run.stderr and "--workspace" in run.stderr
    run = cli("monitor", "due", "--workspace", str(tmp_path / "none.yaml"))
    assert run.code == 2 and "none.yaml" in run.stderr


def test_sync_over_several_casebooks(cli, sample, tmp_path):
    remote = tmp_path / "remote.git"
    # the sample's history predates sharing: it goes in with --from (README 二つの事業所で共有する 1.)
    made = cli("remote", "init", str(remote), "--from", str(sample), "--json")
    assert made.code == 0, made.stderr
    info = json.loads(made.stdout)
    validate("remote-init", info)
    assert Path(info["hook"]).is_file() and info["path"] == str(remote.resolve()) and info["from"] == str(sample)
    git(sample, "remote", "add", "origin", str(remote))
    lonely = tmp_path / "lonely"
    shutil.copytree(sample, lonely)
    git(lonely, "remote", "remove", "origin")
    run = cli("sync", "-C", str(sample), "-C", str(lonely), "--json")
    assert run.code == 1, run.stderr  # one could not sync: reported, the other synced
    rows = json.loads(run.stdout)
    validate("sync", rows)
    by = {r["casebook"]: r for r in rows}
    assert by["sample"]["ok"] and by["sample"]["result"]["received"] == 0, rows
    assert not by["lonely"]["ok"] and by["lonely"]["error"]
    assert subprocess.run(["git", "rev-parse", "refs/heads/main"], cwd=remote, capture_output=True, text=True
                          ).stdout.strip() == git(sample, "rev-parse", "HEAD").strip()
    status = cli("sync", "-C", str(sample), "-C", str(lonely), "--status", "--json")
    rows = json.loads(status.stdout)
    validate("sync", rows)
    assert status.code == 1 and [r["ok"] for r in rows if r["casebook"] == "sample"] == [True]
    screen = cli("sync", "-C", str(sample), "-C", str(lonely))
    assert "[sample] 同期しました" in screen.stdout and "[lonely] 同期できません" in screen.stderr


def test_workspace_paths_and_labels():
    from yobo.workspace import parse_workspace

    text = "# ws\n- path: ~/yobo/sakura\n  label: さくら居宅\n- path: ../himawari\n- path: /srv/aoba\n"
    members = parse_workspace([{"path": "~/yobo/sakura", "label": "さくら居宅"}, {"path": "../himawari"},
                               {"path": "/srv/aoba"}], text, Path("/home/u/ws/ws.yaml"), home=Path("/home/u"))
    assert [(m.label, str(m.path), m.origin) for m in members] == [
        ("さくら居宅", "/home/u/yobo/sakura", "/home/u/ws/ws.yaml:2"),  # ~ is the home folder
        ("himawari", "/home/u/ws/../himawari", "/home/u/ws/ws.yaml:4"),  # relative to the file; label: folder name
        ("aoba", "/srv/aoba", "/home/u/ws/ws.yaml:5")]


def test_several_casebooks_through_the_installed_program(yobo_bin, two, tmp_path):
    a, b = two
    run = yobo_bin("monitor", "due", "-C", str(a), "-C", str(b), "--json")
    assert run.code == 0, run.stderr
    assert {r["casebook"] for r in json.loads(run.stdout)} == {"sample", "other"}
    ws = tmp_path / "ws.yaml"
    ws.write_text("- path: x\n  colour: red\n", encoding="utf-8")
    run = yobo_bin("case", "list", "--workspace", str(ws))
    assert run.code == 2 and f"{ws}:2: colour: " in run.stderr and "Traceback" not in run.stderr

"""Issue 12 items 4 and 5: 台帳の出来事, closure as a flow, purge after the retention period.

The expected values are typed from the seeds' text (each test cites the line), never
read back from what yobo prints.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import NEW_CASE, STAFF, assert_one_line_error, flags, git, snapshot
from yobo.model import CaseEvent
from yobo.profiles import load_profile
from yobo.rules.due import case_obligations
from yobo.ledger import away_on, leaving_event, returned, waives_evaluation

from test_due import CONFIG, make_case, visit

D = date.fromisoformat
HOKATSU_STAFF = "包括 太郎"
ANSWERS = "nnnyy" + "nnyyn" + "y" + "-" + "nyn" + "yn" + "nyn" + "nnnnn"
PLAN = """\
life_goals:
  day: 毎朝、近所の公園まで散歩する
  year: 孫の結婚式に歩いて出席する
issues:
  - 外出が減っている
goals:
  - goal: 一人で近所のスーパーまで歩いて買い物に行ける
    support_points: 歩く機会を増やす
    services:
      - insured_service: 運動器機能向上
        kind: 第1号通所事業
        provider: 〇〇デイサービス
        from: 2026-06-01
        to: 2026-11-30
overall_policy: 外出の機会を取り戻す
"""


def event(kind, day, *, level=None, seq=None, path=None, ref=None):
    n = seq or 1
    return CaseEvent(path or f"cases/AB/ABC123/events/{day}-kyotaku-{n}-XXXXXX.yaml", D(day), kind, "", "山田",
                     seq, level, ref)


def with_events(case, *events):
    from dataclasses import replace

    return replace(case, events=tuple(events))


def items(case, profile="toshima"):
    return sorted((d.code, d.due.isoformat(), d.excused) for d in case_obligations(case, load_profile(profile), CONFIG))


# -- rules: the 一報, visits while away, leaving ----------------------------------------------------

# seed 003 line 28「利用者の状況変化(介護度の変更/転出/区内転居/施設入所/死亡)があった場合は、居宅から担当包括に一報する。」
SEED_003_REPORTED = ["level-change", "move", "move-within", "facility", "death"]


@pytest.mark.parametrize("kind", ["level-change", "move", "move-within", "hospital", "discharge", "facility", "death"])
def test_each_event_kind_and_its_report_seed_003(kind):
    base = make_case("2026-06-01", "2026-11-30", monitoring=[visit("2026-06-10")])
    events = [event("hospital", "2026-07-01", seq=1)] if kind == "discharge" else []
    events.append(event(kind, "2026-07-05", seq=2, level="kaigo" if kind == "level-change" else None))
    case = with_events(base, *events)
    reports = [(code, due) for code, due, _ in items(case) if code == "event-report"]
    # seed 003 line 45「即日連絡」: due the day of the event (report_days 0)
    assert reports == ([("event-report", "2026-07-05")] if kind in SEED_003_REPORTED else [])
    reported = with_events(base, *events, event("report", "2026-07-05", seq=3, path="cases/AB/ABC123/events/r.yaml",
                                                ref=events[-1].path.split("/", 3)[3]))
    assert not [c for c, _, _ in items(reported) if c == "event-report"]


def test_the_profile_lists_the_reported_events_as_seed_003_line_28():
    assert load_profile("toshima")["events"]["report_kinds"] == SEED_003_REPORTED
    assert load_profile("toshima")["events"]["report_days"] == 0  # line 45 「即日連絡」
    # line 28「委託終了時には左記の帳票を包括に返却」; seed 002 資料1-10 line 627「全ての帳票類を返還する」
    for name in ("toshima", "suzuka-kameyama"):
        closure = load_profile(name)["closure"]
        assert closure["requires_submission"] and closure["requires_receipt"]
        assert load_profile(name)["submissions"]["termination"]["all_originals"] is True
    # seed 002 資料1-10 line 627「包括へ返還しない各帳票類の写し等は破棄する」
    assert load_profile("suzuka-kameyama")["submissions"]["termination"]["destroy_copies"] is True
    assert load_profile("suzuka-kameyama")["retention_years"] == 5  # 資料1-10「完結日より5年間保存」


def test_visits_are_excused_while_in_hospital_and_counted_from_the_discharge():
    # seed 002 資料1-7 特段の事情「利用者の事情により、利用者宅を訪問し、利用者に面接することができない場合」
    base = make_case("2026-06-01", "2026-11-30", monitoring=[visit("2026-06-10"), visit("2026-07-03", "phone", True)])
    plain = {c: (due, ex) for c, due, ex in items(base, "national")}
    assert plain["visit-state-change"] == ("2026-07-10", "")  # 7 days (national monitoring.state_change_visit_days)
    assert plain["visit-quarter"][1] == ""
    away = with_events(base, event("hospital", "2026-07-02", seq=1))
    shown = {c: (due, ex) for c, due, ex in items(away, "national")}
    assert shown["visit-state-change"][1].startswith("入院中（2026-07-02〜")
    assert shown["visit-quarter"][1].startswith("入院中")  # Jul–Sep window ends in hospital
    home = with_events(base, event("hospital", "2026-07-02", seq=1), event("discharge", "2026-08-20", seq=2))
    shown = {c: (due, ex) for c, due, ex in items(home, "national")}
    assert shown["visit-state-change"] == ("2026-08-27", "")  # 7 days from the 退院
    assert shown["visit-quarter"][1] == ""  # home again before the window ended: a visit was possible
    assert away_on(home, D("2026-08-19")) is not None and away_on(home, D("2026-08-20")) is None


def test_leaving_stops_the_visits_and_asks_for_the_closure():
    base = make_case("2026-06-01", "2026-11-30", monitoring=[visit("2026-06-10")])
    dead = with_events(base, event("death", "2026-07-15", seq=1))
    codes = {c for c, _, _ in items(dead)}
    assert "case-closure" in codes and "evaluation" not in codes and "next-plan" not in codes
    assert "visit-evaluation-month" not in codes and "certification-renewal" not in codes
    months = sorted(due for c, due, _ in items(dead) if c == "monitoring-record")
    assert months == ["2026-07-31"]  # June recorded; the month of the death still; nothing after
    assert waives_evaluation(dead, load_profile("toshima")) is not None


def test_level_change_needs_the_evaluation_in_suzuka_kameyama_seed_002():
    # seed 002 資料5 区分変更時: 評価表（原本）; line 727 今後の支援「介護給付」
    case = with_events(make_case("2026-06-01", "2026-11-30"), event("level-change", "2026-07-15", seq=1, level="kaigo"))
    assert leaving_event(case) is not None
    assert waives_evaluation(case, load_profile("suzuka-kameyama")) is None
    assert waives_evaluation(case, load_profile("national")) is not None
    for kind in ("death", "facility", "move"):
        other = with_events(make_case("2026-06-01", "2026-11-30"), event(kind, "2026-07-15", seq=1))
        assert waives_evaluation(other, load_profile("suzuka-kameyama")) is not None


def test_back_from_kaigo_is_a_return():
    case = with_events(make_case(), event("level-change", "2026-03-01", seq=1, level="kaigo"),
                       event("level-change", "2026-05-01", seq=2, level="shien1"))
    assert leaving_event(case) is None and returned(case).date == D("2026-05-01")
    assert returned(with_events(make_case(), event("level-change", "2026-03-01", seq=1, level="shien2"))) is None


# -- the flow through the CLI -----------------------------------------------------------------------


class Book:
    def __init__(self, cli, root: Path):
        self.cli, self.root = cli, root

    def commits(self) -> int:
        return int(git(self.root, "rev-list", "--count", "HEAD").strip())

    def ok(self, *args: str, today: str, who: str = STAFF) -> str:
        before = self.commits()
        run = self.cli(*args, "-C", str(self.root), "--as", who, env={"YOBO_TODAY": today})
        assert run.code == 0, (args, run.stderr)
        assert self.commits() == before + 1, args
        assert git(self.root, "status", "--porcelain") == "", args
        return run.stdout

    def refused(self, *args: str, today: str, needle: str, who: str = STAFF) -> str:
        before = snapshot(self.root)
        run = self.cli(*args, "-C", str(self.root), "--as", who, env={"YOBO_TODAY": today})
        assert_one_line_error(run, needle)
        assert snapshot(self.root) == before, args
        return run.stderr

    def show(self, case: str) -> dict:
        run = self.cli("case", "show", case, "-C", str(self.root), "--json", env={"YOBO_TODAY": "2026-12-01"})
        assert run.code == 0, run.stderr
        return json.loads(run.stdout)

    def due(self, case: str, today: str) -> list[dict]:
        run = self.cli("monitor", "due", "--case", case, "--within", "400", "-C", str(self.root), "--json",
                       env={"YOBO_TODAY": today})
        assert run.code in (0, 1), run.stderr
        return json.loads(run.stdout)


def started_case(cli, tmp_path, profile: str, mode: str = "itaku") -> tuple[Book, str]:
    """A case whose first plan started on 2026-06-01 (委託: confirmed by the 包括 first)."""
    root = tmp_path / "cb"
    made = cli("init", str(root), "--office-name", "さくら居宅", "--office-kind", "kyotaku", "--office-no", "1234567890",
               "--profile", profile, "--staff", STAFF)
    assert made.code == 0, made.stderr
    book = Book(cli, root)
    book.ok("staff", "add", HOKATSU_STAFF, "--party", "hokatsu", today="2026-05-01")
    options = dict(NEW_CASE, **{"--mode": mode})
    out = book.ok("case", "new", *flags(options), today="2026-05-10")
    case = out.strip().splitlines()[-1]
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    book.ok("checklist", "record", case, "--answers", ANSWERS, "--height-cm", "150", "--weight-kg", "45",
            today="2026-05-10")
    book.ok("plan", "draft", case, "--start", "2026-06-01", "--end", "2026-11-30", "--file", str(tmp_path / "plan.yaml"),
            today="2026-05-20")
    if mode == "itaku":
        book.ok("submit", "hokatsu", case, "--occasion", "draft", today="2026-05-21")
        book.ok("review", "plan", case, "--opinion", "妥当です", today="2026-05-22", who=HOKATSU_STAFF)
    book.ok("meeting", "record", case, "--attendee", "佐藤 一郎:本人", today="2026-05-25")
    book.ok("plan", "agree", case, "--signer", "佐藤 一郎", today="2026-05-26")
    book.ok("plan", "start", case, "--date", "2026-06-01", today="2026-06-01")
    book.ok("monitor", "record", case, "--method", "visit", "--date", "2026-06-10", today="2026-06-10")
    return book, case


def holdings(book: Book, case: str) -> dict[str, dict]:
    folder = f"cases/{case[:2]}/{case}/"
    return {h["ref"].removeprefix(folder) or h["doc"]: h for h in book.show(case)["custody"]}


def test_hospital_death_report_and_closure_in_toshima(cli, tmp_path):
    book, case = started_case(cli, tmp_path, "toshima")
    folder = f"cases/{case[:2]}/{case}"
    book.refused("case", "event", case, "--kind", "discharge", "--on", "2026-07-01", today="2026-07-01",
                 needle="入院")
    book.refused("case", "event", case, "--kind", "level-change", "--on", "2026-07-01", today="2026-07-01",
                 needle="--level")
    book.ok("case", "event", case, "--kind", "hospital", "--on", "2026-07-01", "--text", "市立病院", today="2026-07-01")
    names = sorted(p.name for p in (book.root / folder / "events").iterdir())
    assert len(names) == 1 and names[0].startswith("2026-07-01-kyotaku-1-")  # named like the notes
    record = (book.root / folder / "events" / names[0]).read_text(encoding="utf-8")
    assert "kind: hospital" in record and "佐藤" not in names[0]
    # seed 003 line 28 lists no 入院: no 一報 due; the visit window ending in hospital is excused
    due = book.due(case, "2026-09-30")
    assert not [d for d in due if d["code"] == "event-report"]
    book.ok("case", "event", case, "--kind", "death", "--on", "2026-07-20", today="2026-07-20")
    due = book.due(case, "2026-07-21")
    report = [d for d in due if d["code"] == "event-report"]
    assert [(d["due"], d["status"]) for d in report] == [("2026-07-20", "overdue")]  # seed 003 line 45 即日
    assert [d["code"] for d in due if d["code"] == "case-closure"] == ["case-closure"]
    book.ok("case", "report", case, "--text", "電話で担当包括へ", "--date", "2026-07-20", today="2026-07-21")
    assert not [d for d in book.due(case, "2026-07-21") if d["code"] == "event-report"]
    ledger = [(e["date"], e["kind"], e["text"], e["reported_on"]) for e in book.show(case)["events"]]
    assert ledger == [("2026-07-01", "hospital", "市立病院", None), ("2026-07-20", "death", "", "2026-07-20")]

    # close refused before the hand-back (seed 003 line 28「委託終了時には左記の帳票を包括に返却」)
    book.refused("case", "close", case, "--reason", "死亡", today="2026-07-25", needle="--occasion termination")
    # no evaluation for a death: the termination packet is not held back for one
    book.ok("submit", "hokatsu", case, "--occasion", "termination", "--date", "2026-07-25", today="2026-07-25")
    held = holdings(book, case)
    # seed 003 line 28「すべての帳票の原本」→ 包括: every original the 居宅 held
    assert held["plans/P1/plan.yaml"]["original"] == "hokatsu"
    assert held[next(k for k in held if k.startswith("checklists/"))]["original"] == "hokatsu"
    assert held["plans/P1/meetings/" + next(iter(sorted(
        p.name for p in (book.root / folder / "plans/P1/meetings").iterdir())))]["original"] == "hokatsu"
    assert not [h for h in held.values() if h["original"] == "kyotaku"]
    book.refused("case", "close", case, "--reason", "死亡", today="2026-07-25", needle="submit receive")
    book.refused("submit", "receive", case, today="2026-07-26", needle="包括")  # the 居宅 cannot
    book.ok("submit", "receive", case, "--date", "2026-07-26", today="2026-07-26", who=HOKATSU_STAFF)
    assert holdings(book, case) == held  # the receipt confirms the hand-over; it moves nothing more
    receipt = [p for p in (book.root / folder / "custody").iterdir() if "-hokatsu-" in p.name]
    assert len(receipt) == 1 and "event: receipt" in receipt[0].read_text(encoding="utf-8")
    book.ok("case", "close", case, "--reason", "死亡", "--date", "2026-07-26", today="2026-07-26")
    assert holdings(book, case) == held
    # after close: the 経過 of the hand-back is still written; events other than a return are refused
    book.ok("note", "add", case, "--text", "原本の返却を包括と確認した", "--kind", "termination", today="2026-07-27")
    book.refused("case", "event", case, "--kind", "move", "--on", "2026-07-27", today="2026-07-27", needle="終了")
    assert book.show(case)["closed"] == {"date": "2026-07-26", "reason": "死亡"}


def test_termination_after_close_and_copies_destroyed_in_suzuka_kameyama(cli, tmp_path):
    book, case = started_case(cli, tmp_path, "suzuka-kameyama")
    book.ok("case", "event", case, "--kind", "facility", "--on", "2026-08-03", "--text", "特別養護老人ホーム",
            today="2026-08-03")
    book.ok("case", "report", case, today="2026-08-03")
    # 資料1-10 line 627「包括へ終了の連絡をし、全ての帳票類を返還する。○ 包括へ返還しない各帳票類の写し等は破棄する。」
    sent = cli("submit", "hokatsu", case, "--occasion", "termination", "--without", "survey-and-opinion",
               "-C", str(book.root), env={"YOBO_TODAY": "2026-08-05"})
    assert sent.code == 0, sent.stderr
    # 資料5「以下については、終了時に対象の書類がある場合のみ提出をお願いします」: only what exists goes
    assert "評価表はまだないため渡しません" in sent.stderr
    held = holdings(book, case)
    plan = held["plans/P1/plan.yaml"]
    assert plan["original"] == "hokatsu" and "kyotaku" not in plan["copies"]  # returned, no copy kept (注2)
    assert not [h for h in held.values() if h["original"] == "kyotaku" or "kyotaku" in h["copies"]]
    book.ok("submit", "receive", case, today="2026-08-06", who=HOKATSU_STAFF)
    book.refused("submit", "receive", case, today="2026-08-06", who=HOKATSU_STAFF, needle="終了時の提出はありません")
    book.ok("case", "close", case, "--reason", "施設入所", "--date", "2026-08-06", today="2026-08-06")


def test_national_closes_first_then_hands_back(cli, tmp_path):
    book, case = started_case(cli, tmp_path, "national")
    book.ok("case", "event", case, "--kind", "move", "--on", "2026-08-03", today="2026-08-03")
    book.ok("case", "close", case, "--reason", "転出", "--date", "2026-08-04", today="2026-08-04")
    book.ok("submit", "hokatsu", case, "--occasion", "termination", today="2026-08-05")  # after close
    book.ok("submit", "receive", case, today="2026-08-06", who=HOKATSU_STAFF)


def test_kaigo_and_back_returns_as_referral(cli, tmp_path):
    book, case = started_case(cli, tmp_path, "national")
    folder = f"cases/{case[:2]}/{case}"
    book.ok("case", "event", case, "--kind", "level-change", "--level", "kaigo", "--on", "2026-08-01",
            today="2026-08-01")
    book.refused("case", "event", case, "--kind", "hospital", "--on", "2026-08-02", today="2026-08-02",
                 needle="終了の手続き")
    book.ok("case", "report", case, today="2026-08-01")
    book.ok("case", "close", case, "--reason", "要介護1", "--date", "2026-08-01", today="2026-08-01")
    out = book.ok("case", "event", case, "--kind", "level-change", "--level", "shien2", "--on", "2027-02-01",
                  today="2027-02-01")
    assert "再開" in out
    shown = book.show(case)
    assert shown["status"] == "active" and not shown.get("closed")
    back = [p for p in (book.root / folder / "events").iterdir() if p.name.startswith("2027-02-01")]
    assert "returned_from:" in back[0].read_text(encoding="utf-8")  # the earlier 完結 kept in the ledger
    book.ok("cert", "add", case, "--level", "shien2", "--from", "2027-04-01", "--to", "2028-03-31", today="2027-02-10")
    book.ok("plan", "draft", case, "--start", "2027-04-01", "--end", "2027-09-30", today="2027-02-10")
    plan = (book.root / folder / "plans/P2/plan.yaml").read_text(encoding="utf-8")
    assert "kind: referral" in plan  # 紹介, not 初回 or 継続


# -- purge ------------------------------------------------------------------------------------------


def test_purge_after_retention_working_tree_and_history(cli, tmp_path, yobo_bin):
    book, case = started_case(cli, tmp_path, "suzuka-kameyama", mode="shitei")
    other = book.ok("case", "new", *flags(dict(NEW_CASE, **{"--insured-no": "0000999999", "--name": "鈴木 花子",
                                                             "--kana": "スズキ ハナコ", "--sex": "female"})),
                    today="2026-06-02").strip().splitlines()[-1]
    book.ok("case", "event", case, "--kind", "death", "--on", "2026-07-20", today="2026-07-20")
    book.ok("case", "report", case, today="2026-07-20")
    book.ok("case", "close", case, "--reason", "死亡", "--date", "2026-07-20", today="2026-07-20")
    folder = f"cases/{case[:2]}/{case}"
    blobs_before = {line.split(" ", 1)[0] for line in git(book.root, "rev-list", "--all", "--objects").splitlines()
                    if line.partition(" ")[2].startswith(folder)}
    # an identical file of another case (the same 認定 dates) is that case's record too: not counted
    elsewhere = {line.split()[2] for line in git(book.root, "ls-tree", "-r", "-t", "HEAD").splitlines()
                 if not line.split("\t", 1)[1].startswith(folder)}
    blobs_before -= elsewhere
    assert len(blobs_before) > 10

    # seed 002 資料1-10「完結日より5年間保存」: 2026-07-20 → 2031-07-20
    stderr = book.refused("case", "purge", "--before", "2031-07-20", "--yes", today="2031-07-19", needle=case)
    assert "2031-07-20" in stderr  # --before after today: the case (and its end) named
    stderr = book.refused("case", "purge", "--before", "2031-07-19", "--case", case, "--yes", today="2031-07-19",
                          needle=case)
    assert "2031-07-20" in stderr
    book.refused("case", "purge", "--before", "2031-07-20", "--case", other, "--yes", today="2031-07-20",
                 needle="終了していません")
    dry = cli("case", "purge", "--before", "2031-07-20", "-C", str(book.root), "--json",
              env={"YOBO_TODAY": "2031-07-20"})
    assert dry.code == 0 and json.loads(dry.stdout)["done"] is False
    assert (book.root / folder / "case.yaml").exists()
    assert [c["case"] for c in json.loads(dry.stdout)["cases"]] == [case]

    before = book.commits()
    # warm caches first: the due index, a kept answer and validate's kept results all name the case
    for args in (("monitor", "due", "--json"), ("validate",)):
        assert yobo_bin(*args, "-C", str(book.root), env={"YOBO_TODAY": "2031-07-20"}).code in (0, 1)
    kept = Path(git(book.root, "rev-parse", "--git-path", "yobo-validated").strip())
    kept = kept if kept.is_absolute() else book.root / kept
    assert kept.exists() and any((book.root / ".yobo").glob("answer-*.msgpack"))
    run = yobo_bin("case", "purge", "--before", "2031-07-20", "--yes", "--history", "-C", str(book.root),
                   env={"YOBO_TODAY": "2031-07-20"})
    assert run.code == 0, run.stderr
    # disposal covers the derived caches too (they held the user's name, id and insured number)
    assert not kept.exists() and not list((book.root / ".yobo").glob("answer-*.msgpack"))
    assert not (book.root / ".yobo" / "due-index.msgpack").exists()
    assert "git clone" in run.stdout and "push --force" in run.stdout
    assert not (book.root / folder).exists() and (book.root / f"cases/{other[:2]}/{other}/case.yaml").exists()
    assert book.commits() == before + 1  # one purge commit (history rewritten around it)
    assert git(book.root, "log", "-1", "--format=%s").strip() == f"case-purge: {case}"
    objects = git(book.root, "rev-list", "--all", "--objects")
    assert not [line for line in objects.splitlines() if line.partition(" ")[2].startswith(folder)]
    left = blobs_before & {line.split(" ", 1)[0] for line in objects.splitlines()}
    assert not left, [line for line in objects.splitlines() if line.split(" ", 1)[0] in left]
    # nothing of the purged case is reachable, not even through the reflog
    assert subprocess.run(["git", "cat-file", "-e", next(iter(blobs_before))], cwd=book.root).returncode != 0
    assert git(book.root, "status", "--porcelain") == ""
    validate = cli("validate", "-C", str(book.root), env={"YOBO_TODAY": "2031-07-20"})
    assert validate.code in (0, 1), validate.stderr


@pytest.mark.parametrize("point, restored", [("mid-write", True), ("after-write", False)])
def test_a_purge_killed_midway_is_rolled_back_or_completed(cli, yobo_bin, tmp_path, point, restored):
    """The writer's deletions go through its journal like its writes: a purge killed while
    removing files is put back whole; one killed after removing them is committed."""
    import signal

    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", env={"YOBO_STAFF": "田中美咲"}).code == 0
    folder = "cases/K9/K9RB5D"  # the sample's closed case: 完結 2026-05-31, national 2 years → 2028-05-31
    files = sorted(p.relative_to(root).as_posix() for p in (root / folder).rglob("*") if p.is_file())
    assert len(files) > 3
    killed = yobo_bin("case", "purge", "--before", "2028-05-31", "--yes", "-C", str(root),
                      env={"YOBO_TODAY": "2028-06-01", "YOBO_FAULT": point, "YOBO_STAFF": "田中美咲"})
    assert killed.code == -signal.SIGKILL, killed.stderr
    nxt = yobo_bin("validate", "-C", str(root), env={"YOBO_TODAY": "2028-06-01", "YOBO_STAFF": "田中美咲"})
    assert ("取り消し" if restored else "完了") in nxt.stderr, nxt.stderr
    assert git(root, "status", "--porcelain") == ""
    left = sorted(p.relative_to(root).as_posix() for p in (root / folder).rglob("*") if p.is_file()) \
        if (root / folder).exists() else []
    assert left == (files if restored else [])
    assert bool(git(root, "ls-files", folder).strip()) == restored


def test_history_purge_later_takes_the_cases_purged_before(cli, tmp_path):
    root = tmp_path / "sample"
    env = {"YOBO_TODAY": "2028-06-01", "YOBO_STAFF": "田中美咲"}
    assert cli("init", str(root), "--sample", env=env).code == 0
    folder = "cases/K9/K9RB5D"
    done = cli("case", "purge", "--before", "2028-06-01", "--yes", "-C", str(root), env=env)
    assert done.code == 0 and "--history" in done.stdout, done.stderr
    assert git(root, "rev-list", "--all", "-n1", "--", folder).strip()  # still in history
    later = cli("case", "purge", "--before", "2028-06-01", "--yes", "--history", "-C", str(root), "--json", env=env)
    assert later.code == 0, later.stderr
    said = json.loads(later.stdout)
    assert said["earlier"] == ["K9RB5D"] and said["history"] is True and said["cases"] == []
    assert not git(root, "rev-list", "--all", "-n1", "--", folder).strip()
    assert not [line for line in git(root, "rev-list", "--all", "--objects").splitlines()
                if line.partition(" ")[2].startswith(folder)]

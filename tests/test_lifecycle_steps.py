"""Single lifecycle steps through Typer's runner: certifications, the 申請中 warning,
$EDITOR editing, and where the profiles differ (custody, 資料5 submission sets)."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import NEW_CASE, STAFF, assert_one_line_error, flags, git, new_case, snapshot
from yobo.yamlio import load_fast

HOKATSU = "包括 花子"


@pytest.fixture
def book(cli, tmp_path):
    def make(profile: str = "national"):
        root = tmp_path / f"cb-{profile}"
        assert cli("init", str(root), "--office-name", "さくら居宅", "--office-kind", "kyotaku", "--profile", profile,
                   "--staff", STAFF).code == 0
        assert cli("staff", "add", HOKATSU, "--party", "hokatsu", "-C", str(root)).code == 0
        return root
    return make


def test_cert_add_records_renewals_and_pending_applications(cli, book):
    root = book()
    case = new_case(cli, root)
    run = cli("cert", "add", case, "--level", "要支援2", "--from", "2027-04-01", "--to", "2029-03-31",
              "--certified-on", "2027-03-25", "-C", str(root))
    assert run.code == 0, run.stderr
    shown = json.loads(cli("case", "show", case, "-C", str(root), "--json").stdout)
    assert [(c["level"], c["from"], c["to"]) for c in shown["certifications"]] == [
        ("shien1", "2026-04-01", "2027-03-31"), ("shien2", "2027-04-01", "2029-03-31")]
    before = snapshot(root)
    assert_one_line_error(cli("cert", "add", case, "--level", "shien1", "--from", "2027-01-01", "--to", "2027-12-31",
                              "-C", str(root)), "--from", "重なります")
    assert_one_line_error(cli("cert", "add", case, "--level", "shien1", "--from", "2029-04-01", "--pending",
                              "-C", str(root)), "--applied-on")
    assert_one_line_error(cli("cert", "add", case, "--level", "shien1", "--from", "2029-04-01", "-C", str(root)),
                          "--to")
    assert snapshot(root) == before
    assert cli("validate", "-C", str(root)).code == 0


def test_plan_outside_a_pending_certification_is_a_warning(cli, book):
    root = book()
    case = new_case(cli, root)
    # a plan past the certification's end is refused while nothing is pending
    before = snapshot(root)
    assert_one_line_error(cli("plan", "draft", case, "--start", "2027-01-01", "--end", "2027-06-30", "-C", str(root)),
                          "--end", "有効期間")
    assert snapshot(root) == before
    assert cli("cert", "add", case, "--level", "shien1", "--from", "2027-04-01", "--pending",
               "--applied-on", "2027-02-20", "-C", str(root), "--today", "2027-02-20").code == 0
    run = cli("plan", "draft", case, "--start", "2027-01-01", "--end", "2027-06-30", "-C", str(root),
              "--today", "2027-02-21")
    assert run.code == 0, run.stderr
    assert "注意:" in run.stderr and "申請中" in run.stderr
    plan = load_fast((root / f"cases/{case[:2]}/{case}/plans/P1/plan.yaml").read_text(encoding="utf-8"), "p")
    assert plan["cert_status"] == "pending"


def test_pending_plan_outside_certification_can_be_an_error_by_override(cli, book):
    root = book()
    config = root / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "overrides:\n  pending_plan_outside_certification: error\n",
                      encoding="utf-8")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "override")
    case = new_case(cli, root)
    cli("cert", "add", case, "--level", "shien1", "--from", "2027-04-01", "--pending", "--applied-on", "2027-02-20",
        "-C", str(root), "--today", "2027-02-20")
    before = snapshot(root)
    assert_one_line_error(cli("plan", "draft", case, "--start", "2027-01-01", "--end", "2027-06-30", "-C", str(root),
                              "--today", "2027-02-21"), "--end", "有効期間")
    assert snapshot(root) == before
    config.write_text(config.read_text(encoding="utf-8").replace("error", "sometimes"), encoding="utf-8")
    assert_one_line_error(cli("plan", "draft", case, "--start", "2027-01-01", "--end", "2027-06-30", "-C", str(root),
                              "--today", "2027-02-21"), "overrides", "pending_plan_outside_certification")


def test_info_edit_opens_the_editor_and_saves_a_new_version(cli, book, tmp_path, monkeypatch):
    root = book()
    case = new_case(cli, root)
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\n"
        "p = sys.argv[1]\n"
        "text = open(p, encoding='utf-8').read()\n"
        "text += 'date: 2026-11-20\\nconsultation:\\n  date: 2026-11-20\\n  method: visit\\n'\n"
        "text += 'current_status:\\n  place: home\\n'\n"
        "text += 'emergency_contacts:\\n  - name: 佐藤 花子\\n    relation: 長女\\n    phones:\\n      - number: \"0000-00-0000\"\\n'\n"
        "open(p, 'w', encoding='utf-8').write(text)\n", encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    run = cli("info", "edit", case, "--date", "2026-11-20", "-C", str(root))
    assert run.code == 0, run.stderr
    saved = root / f"cases/{case[:2]}/{case}/basic-info/2026-11-20.yaml"
    data = load_fast(saved.read_text(encoding="utf-8"), "b")
    assert data["author"] == STAFF and data["current_status"] == {"place": "home"}
    shown = json.loads(cli("info", "show", case, "-C", str(root), "--json").stdout)
    assert shown["emergency_contacts"][0]["name"] == "佐藤 花子"
    # an editor that writes something invalid saves nothing
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('author: x\\n')\n", encoding="utf-8")
    before = snapshot(root)
    assert_one_line_error(cli("info", "edit", case, "-C", str(root)), "schema-required")
    assert snapshot(root) == before


def test_info_edit_without_an_editor_says_how(cli, book, monkeypatch):
    root = book()
    case = new_case(cli, root)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    assert_one_line_error(cli("info", "edit", case, "-C", str(root)), "EDITOR")


def _through_evaluation(cli, root, case):
    steps = [
        ("plan", "draft", case, "--start", "2026-05-01", "--end", "2026-10-31", "--date", "2026-04-20"),
        ("submit", "hokatsu", case, "--occasion", "draft", "--date", "2026-04-21"),
        ("review", "plan", case, "--date", "2026-04-22", "--as", HOKATSU),
        ("meeting", "record", case, "--attendee", "佐藤 一郎:本人", "--date", "2026-04-23"),
        ("plan", "agree", case, "--signer", "佐藤 一郎", "--date", "2026-04-24"),
        ("plan", "start", case, "--date", "2026-05-01"),
        ("evaluate", case, "--date", "2026-10-20", "--decision", "continue", "--next-route", "yobo"),
        ("submit", "hokatsu", case, "--occasion", "evaluation", "--without", "provider-evaluation", "--date", "2026-10-21"),
        ("review", "evaluation", case, "--date", "2026-10-25", "--as", HOKATSU),
    ]
    for args in steps:
        run = cli(*args, "-C", str(root), "--today", "2026-11-01")
        assert run.code == 0, (args, run.stderr)


@pytest.mark.parametrize("profile, original, copies", [
    ("funagata", "kyotaku", ["hokatsu"]),  # seed 000 step 16: 原本を居宅へ、写しを保管
    ("kota", "hokatsu", ["kyotaku"]),  # seed 001: 原本を保管し写を居宅へ
    ("suzuka-kameyama", "hokatsu", ["kyotaku"]),  # seed 002 資料1-8
])
def test_where_the_evaluation_original_ends_up_depends_on_the_profile(cli, book, profile, original, copies):
    root = book(profile)
    case = new_case(cli, root)
    _through_evaluation(cli, root, case)
    custody = json.loads(cli("case", "show", case, "-C", str(root), "--json").stdout)["custody"]
    evaluation = next(h for h in custody if h["ref"].endswith("plans/P1/evaluation.yaml"))
    assert evaluation["original"] == original and evaluation["copies"] == copies


def test_suzuka_kameyama_submission_sets_follow_shiryo_5(cli, book):
    root = book("suzuka-kameyama")
    case = new_case(cli, root)
    _through_evaluation(cli, root, case)
    run = cli("submit", "hokatsu", case, "--occasion", "renewal", "-C", str(root), "--today", "2026-11-01", "--json")
    assert run.code == 0, run.stderr
    shown = json.loads(run.stdout)
    docs = [(h["doc"], "original_to" in h) for h in shown["handovers"]]
    # seed 002 資料5 認定更新時: 経過記録, 担当者会議の記録, 評価表【原本】, チェックリスト, 計画書【原本】, 基本情報 —
    # only what exists and what the 居宅 still holds: no 経過記録, チェックリスト or 基本情報 was written, and the
    # 評価表 原本 stays with the 包括 (資料1-8) and the 計画書 原本 went with it (資料5 評価時), so neither goes again
    assert docs == [("meeting-record", False)]
    assert any("評価表" in w and "包括" in w for w in shown["left_out"])
    # 終了時: the 認定調査票・意見書 are paper — asked for; the 例外給付 papers only when there are some
    refused = cli("submit", "hokatsu", case, "--occasion", "termination", "-C", str(root), "--today", "2026-11-01")
    assert_one_line_error(refused, "survey-and-opinion", "--paper")
    text = cli("submit", "hokatsu", case, "--occasion", "termination", "--paper", "survey-and-opinion",
               "--paper", "equipment-exception", "-C", str(root), "--today", "2026-11-01")
    assert text.code == 0, text.stderr
    assert "認定調査票・主治医意見書【写し】（紙）" in text.stdout and "福祉用具貸与の例外給付の書類【原本】" in text.stdout
    assert "評価表【原本】" not in text.stdout  # the 包括 has it since its review
    subjects = git(root, "log", "--format=%s", "-2").split("\n")
    assert subjects[:2] == [f"submit-termination: {case}", f"submit-renewal: {case}"]


def test_a_hokatsu_staff_member_cannot_write_the_plan(cli, book):
    root = book()
    case = new_case(cli, root)
    assert_one_line_error(cli("plan", "draft", case, "--start", "2026-05-01", "--end", "2026-10-31", "--as", HOKATSU,
                              "-C", str(root)), "--as", "居宅")


def test_future_dates_are_refused(cli, book):
    root = book()
    case = new_case(cli, root)
    assert_one_line_error(cli("note", "add", case, "--text", "予定", "--date", "2026-12-01", "-C", str(root)),
                          "--date", "今日")

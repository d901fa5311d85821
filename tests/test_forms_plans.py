"""The plan forms: 介護予防サービス・支援計画書 (見え消し, paper, 包括 box, 同意 box),
週間計画表 (the grid and ``yobo plan weekly``) and 評価表 (○/×, one ☑ per group)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import STAFF, assert_one_line_error, git, new_case, snapshot
from yobo import forms as kforms
from yobo.casebook import case_dir
from yobo.loader import load_case, load_config
from yobo.resources import data_dir
from yobo.schemas import check_document
from yobo.yamlio import load_fast

SAMPLE = data_dir("sample-casebook")


@pytest.fixture
def sample(tmp_path) -> Path:
    """A private copy of the sample casebook to edit (the schemas symlink is copied as files)."""
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".yobo"))  # another test may be printing there
    return root


def render(root: Path, case_id: str, code: str, fmt: str, **options) -> str:
    config = load_config(root)
    case, problems, _ = load_case(root, case_id, case_dir(case_id))
    assert case is not None and not problems, problems
    return kforms.render(kforms.Source(root, config, case, options), kforms.get_form(code), fmt)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def schema_problems(root: Path, rel: str, kind: str) -> list:
    text = (root / rel).read_text(encoding="utf-8")
    return check_document(kind, load_fast(text, rel), path=rel, text=text)


# -- 介護予防サービス・支援計画書 ------------------------------------------------------------------

P2 = "cases/5M/5MZ2RT/plans/P2/plan.yaml"

AMENDMENTS = """\
amendments:
  - date: 2026-06-10
    kind: provider-change
    field: goals[0].services[0].provider
    old: ひだまりデイケア（見本）
    new: みどりデイケア（見本）
    reason: 事業所の送迎範囲の変更のため
    consent_date: 2026-06-08
    consent_method: 訪問
  - date: 2026-06-10
    kind: frequency
    field: goals[0].services[0].insured_service
    old: 運動器機能向上のプログラム（週1回）
    new: 運動器機能向上のプログラム（週2回）
  - date: 2026-06-10
    kind: period-extension
    field: goals[0].services[0].from
    old: 2026-04-01
    new: 2026-04-08
"""


def amend(root: Path) -> None:
    """A 軽微な変更 as seed 002 III-2(2) records it: the plan amended in place, the
    change listed with its old text (見え消し).  The sample's own amendment of P2 is
    taken out first, so these three are the plan's only ones."""
    path = root / P2
    path.write_text(path.read_text(encoding="utf-8").split("amendments:")[0], encoding="utf-8")
    edit(root, P2, "provider: ひだまりリハビリセンター（見本）", "provider: ひだまりデイケア（見本）")
    edit(root, P2, "provider: ひだまりデイケア（見本）", "provider: みどりデイケア（見本）")
    edit(root, P2, "insured_service: 運動器機能向上のプログラム", "insured_service: 運動器機能向上のプログラム（週2回）")
    edit(root, P2, "        from: 2026-04-01", "        from: 2026-04-08")
    path = root / P2
    path.write_text(path.read_text(encoding="utf-8") + AMENDMENTS, encoding="utf-8")
    assert schema_problems(root, P2, "plan") == []


def test_amended_fields_are_struck_through_beside_the_new_text_in_html(sample):
    amend(sample)
    html = render(sample, "5MZ2RT", "plan", "html", plan="P2")
    # the old provider struck through, the change dated, the new one beside it
    assert re.search(r'<del class="struck">ひだまりデイケア（見本）</del> <span class="amended-on">（令和8年6月10日 軽微な変更）</span>'
                     r' <ins class="amended">みどりデイケア（見本）</ins>', html)
    assert ('<del class="struck">運動器機能向上のプログラム（週1回）</del>' in html
            and '<ins class="amended">運動器機能向上のプログラム（週2回）</ins>' in html)
    # a date is struck through as the form prints dates: in 和暦
    assert '<del class="struck">令和8年4月1日</del>' in html and '<ins class="amended">令和8年4月8日</ins>' in html
    # and only amended fields are marked
    assert html.count('<del class="struck">') == 3 + 3  # the fields, and the record of changes below
    assert "軽微な変更の記録" in html and "事業所変更" in html and "訪問" in html


def test_amended_fields_are_struck_through_in_markdown(sample):
    amend(sample)
    md = render(sample, "5MZ2RT", "plan", "md", plan="P2")
    row = next(line for line in md.splitlines() if line.startswith("| 1 | 杖を使って"))
    assert "~~ひだまりデイケア（見本）~~ （令和8年6月10日 軽微な変更） みどりデイケア（見本）" in row
    assert "~~運動器機能向上のプログラム（週1回）~~" in row and "~~令和8年4月1日~~" in row
    assert row.count("|") == 9  # still one well-formed table row of eight cells
    assert "| 令和8年6月10日 | 事業所変更 | ~~ひだまりデイケア（見本）~~ | みどりデイケア（見本）" in md


def test_a_plan_without_amendments_has_no_strike_through():
    for code in ("5MZ2RT", "C2VW9F"):
        html = render(SAMPLE, code, "plan", "html", plan="P1")
        md = render(SAMPLE, code, "plan", "md", plan="P1")
        assert "<del" not in html and "<ins" not in html and "~~" not in md and "軽微な変更の記録" not in md


@pytest.mark.parametrize("code", ["plan", "weekly"])
def test_landscape_forms_print_on_a4_or_on_a3_when_asked(code):
    default = render(SAMPLE, "5MZ2RT", code, "html", plan="P2")
    a3 = render(SAMPLE, "5MZ2RT", code, "html", plan="P2", paper="a3")
    assert "@page { size: A4 landscape;" in default and "A3" not in default.split("</style>")[0]
    assert "@page { size: A3 landscape;" in a3
    # the paper changes the page and the sizes, not the content
    body = lambda html: re.sub(r' style="[^"]*"', "", html.split("</style>", 1)[1])  # noqa: E731
    assert body(default) == body(a3)
    assert render(SAMPLE, "5MZ2RT", code, "md", plan="P2") == render(SAMPLE, "5MZ2RT", code, "md", plan="P2",
                                                                      paper="a3")


def test_the_evaluation_prints_on_a4_landscape_whatever_the_paper_option():
    assert "@page { size: A4 landscape;" in render(SAMPLE, "5MZ2RT", "evaluation", "html", paper="a3")


def test_the_hokatsu_box_shows_the_confirmation_of_this_very_text(sample):
    md = render(sample, "8HD4NX", "plan", "md")
    assert "目標と支援内容は妥当です。" in md
    assert "センター名 西地域包括支援センター　確認日 令和8年9月16日　確認者 青木 保健師" in md
    # the plan changed after the 包括 confirmed it: that confirmation is not this plan's
    edit(sample, "cases/8H/8HD4NX/plans/P1/plan.yaml", "overall_policy: ", "overall_policy: 転倒に注意し、")
    md = render(sample, "8HD4NX", "plan", "md")
    assert "目標と支援内容は妥当です。" not in md and "青木 保健師" not in md
    assert "確認日 令和　　年　　月　　日　確認者 ＿＿＿＿＿＿＿＿" in md


def test_the_consent_box_is_blank_until_the_user_signs():
    draft = render(SAMPLE, "3QK7WA", "plan", "md")  # 原案: not yet agreed
    assert "令和　　年　　月　　日　氏名＿＿＿＿＿＿＿＿" in draft
    agreed = render(SAMPLE, "C2VW9F", "plan", "md")
    assert "令和7年12月24日　氏名 松本 キヨ" in agreed and "氏名＿" not in agreed
    assert '<span class="sign">松本 キヨ</span>' in render(SAMPLE, "C2VW9F", "plan", "html")


def test_the_header_boxes_are_ticked_from_the_plan():
    md = render(SAMPLE, "8HD4NX", "plan", "md")  # 事業対象者, 初回, 委託
    assert "☑初回　□紹介　□継続" in md and "☑認定済　□申請中" in md and "□要支援1　□要支援2　☑事業対象者" in md
    assert "ひまわり居宅介護支援事業所（見本）（事業所番号 9900000001）" in md
    assert "| 3/5 | 1/2 | 0/3 | 1/2 | 1/3 | 1/5 |" in md
    continuing = render(SAMPLE, "5MZ2RT", "plan", "md", plan="P2")
    assert "□初回　□紹介　☑継続" in continuing and "□要支援1　☑要支援2　□事業対象者" in continuing


def test_the_sample_amendment_shows_struck_through():
    """5MZ2RT P2 in the sample carries one 軽微な変更 recorded by ``yobo plan amend``."""
    html = render(SAMPLE, "5MZ2RT", "plan", "html", plan="P2")
    assert ('<del class="struck">ひだまりデイケア（見本）</del> <span class="amended-on">（令和8年11月20日 軽微な変更）</span>'
            ' <ins class="amended">ひだまりリハビリセンター（見本）</ins>') in html


def test_a_plan_without_checklist_scores_prints_the_item_counts(sample):
    rel = "cases/5M/5MZ2RT/plans/P2/plan.yaml"
    text = (sample / rel).read_text(encoding="utf-8")
    (sample / rel).write_text(text.split("checklist:")[0] + "previous:" + text.split("previous:")[1], encoding="utf-8")
    md = render(sample, "5MZ2RT", "plan", "md", plan="P2")
    assert "| 　/5 | 　/2 | 　/3 | 　/2 | 　/3 | 　/5 |" in md
    assert "記入日" not in md


def test_plan_instances_are_every_plan_of_the_case():
    config = load_config(SAMPLE)
    case, _, _ = load_case(SAMPLE, "5MZ2RT", case_dir("5MZ2RT"))
    forms = kforms.forms()
    assert forms["plan"].instances(case) == [{"plan": "P1"}, {"plan": "P2"}]
    assert forms["weekly"].instances(case) == [{"plan": "P2"}]
    assert forms["evaluation"].instances(case) == [{"plan": "P1"}]
    assert config.office_kind == "kyotaku"


# -- 評価表 ---------------------------------------------------------------------------------------

K9_EVALUATION = "cases/K9/K9RB5D/plans/P1/evaluation.yaml"

THREE_GOALS = """\
goals:
  - goal: 杖を使って近所のスーパーまで一人で歩いて行ける
    period:
      from: 2025-06-01
      to: 2026-05-31
    status: 買い物に一人で行けるようになった
    achieved: true
  - goal: 週1回、老人会に参加する
    period:
      from: 2025-06-01
      to: 2026-05-31
    status: 月1回にとどまった
    achieved: false
    cause_user: 本人「雨の日は足が痛む」
    cause_planner: 天候による膝の痛みへの対処が定着していない
    policy: 送迎のある集いの場を探す
  - goal: 毎朝体操をする
    period:
      from: 2025-06-01
      to: 2026-05-31
overall_policy:"""

EVALUATION_REVIEW = """\
# yaml-language-server: $schema=../../../../../schemas/review.schema.json
# 地域包括支援センターの確認（包括が記入）
target: evaluation
date: 2026-05-28
reviewer: 青木 保健師
center: 東地域包括支援センター
opinion: 外出の機会が増え、効果が認められた。
"""


def test_achieved_goals_are_marked_circle_and_unachieved_cross(sample):
    text = (sample / K9_EVALUATION).read_text(encoding="utf-8")
    head, rest = text.split("goals:", 1)
    (sample / K9_EVALUATION).write_text(head + THREE_GOALS + rest.split("overall_policy:", 1)[1], encoding="utf-8")
    assert schema_problems(sample, K9_EVALUATION, "evaluation") == []
    html = render(sample, "K9RB5D", "evaluation", "html")
    assert re.findall(r'<td class="mark">(.*?)</td>', html) == ["○", "×", ""]
    md = render(sample, "K9RB5D", "evaluation", "md")
    rows = [line.split("|") for line in md.splitlines() if line.startswith("| ") and "令和7年6月1日〜" in line]
    marks = [cells[4].strip() for cells in rows if len(cells) == 9]  # the goal table's seven columns
    assert marks == ["○", "×", ""]
    assert "本人「雨の日は足が痛む」" in md and "送迎のある集いの場を探す" in md


def test_the_decision_and_next_route_each_have_exactly_one_tick():
    md = render(SAMPLE, "K9RB5D", "evaluation", "md")
    assert "□プラン継続　□プラン変更　☑終了" in md
    assert "□介護給付　□予防給付　□介護予防・生活支援サービス事業　☑一般介護予防事業　□終了" in md
    html = render(SAMPLE, "5MZ2RT", "evaluation", "html")
    decisions, routes = re.findall(r'<td class="choices">(.*?)</td>', html)
    assert decisions.count("☑") == 1 and "☑プラン変更" in decisions
    assert routes.count("☑") == 1 and "☑予防給付" in routes


def test_the_hokatsu_opinion_comes_from_its_confirmation_of_the_evaluation(sample):
    blank = render(sample, "K9RB5D", "evaluation", "md")
    assert "確認日 令和　　年　　月　　日" in blank
    (sample / "cases/K9/K9RB5D/plans/P1/evaluation-review.hokatsu.yaml").write_text(EVALUATION_REVIEW, encoding="utf-8")
    md = render(sample, "K9RB5D", "evaluation", "md")
    assert "外出の機会が増え、効果が認められた。" in md
    assert "センター名 東地域包括支援センター　確認日 令和8年5月28日　確認者 青木 保健師" in md


def test_a_plan_without_an_evaluation_is_refused_by_name():
    from yobo.errors import InputError

    with pytest.raises(InputError, match="P2 の評価表はまだありません"):
        render(SAMPLE, "5MZ2RT", "evaluation", "md", plan="P2")
    with pytest.raises(InputError, match="評価表がまだありません"):
        render(SAMPLE, "C2VW9F", "evaluation", "md")


# -- 週間計画表: the grid ---------------------------------------------------------------------------


def _grid(entries):
    from yobo.forms.plans import week_grid, week_items

    return week_grid(week_items(entries))


def _row(rows, label):
    return next(r for r in rows if r["label"] == label)


def test_a_long_service_is_one_cell_spanning_the_rows_it_covers():
    rows = _grid([{"days": ["mon", "thu"], "start": "09:30", "end": "15:30", "kind": "service", "text": "通所リハ"}])
    first = _row(rows, "8:00〜10:00")["cells"]["mon"]
    assert first["span"] == 4 and [x["text"] for x in first["items"]] == ["通所リハ"]
    for label in ("10:00〜12:00", "12:00〜14:00", "14:00〜16:00"):
        assert _row(rows, label)["cells"]["mon"] is None  # covered by the cell above
    assert _row(rows, "16:00〜18:00")["cells"]["mon"] == {"span": 1, "items": []}
    assert _row(rows, "8:00〜10:00")["cells"]["tue"] == {"span": 1, "items": []}
    # every weekday column has exactly one cell or cover per row: the table stays rectangular
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        assert sum(c["span"] for r in rows if (c := r["cells"][day]) is not None) == len(rows)
    md = [_row(rows, label)["md"]["mon"] for label in ("8:00〜10:00", "10:00〜12:00")]
    assert [x["time"] for x in md[0]["starting"]] == ["9:30〜15:30"] and not md[0]["continuing"]
    assert md[1] == {"starting": [], "continuing": True}


def test_overlapping_entries_split_the_cells_where_the_set_changes():
    rows = _grid([
        {"days": ["wed"], "start": "09:00", "end": "15:00", "kind": "service", "text": "通所"},
        {"days": ["wed"], "start": "13:00", "end": "14:00", "kind": "informal", "text": "老人会"},
    ])
    morning = _row(rows, "8:00〜10:00")["cells"]["wed"]
    afternoon = _row(rows, "12:00〜14:00")["cells"]["wed"]
    assert morning["span"] == 2 and [x["text"] for x in morning["items"]] == ["通所"]
    assert afternoon["span"] == 1 and [(x["text"], x["starts_here"]) for x in afternoon["items"]] == [
        ("通所", False), ("老人会", True)]
    assert _row(rows, "14:00〜16:00")["cells"]["wed"]["items"][0]["text"] == "通所"


def test_the_bands_follow_the_national_form():
    rows = _grid([])
    assert [(r["band"], r["band_span"]) for r in rows if r["band_span"]] == [
        ("深夜", 2), ("早朝", 1), ("午前", 2), ("午後", 3), ("夜間", 2), ("深夜", 1)]
    assert rows[0]["label"] == "0:00〜4:00" and rows[-1]["label"] == "22:00〜24:00"


def test_the_weekly_form_of_the_sample():
    md = render(SAMPLE, "5MZ2RT", "weekly", "md")
    assert "| 午前 | 8:00〜10:00 | 9:30〜15:30 介護予防通所リハビリテーション（ひだまりデイケア（見本）） |" in md
    assert "〔家族〕長女とスーパーへ買い物（付き添い）" in md and "6:30 起床" in md
    assert "整形外科（変形性膝関節症）に月2回通院（長女が送迎）" in md
    html = render(SAMPLE, "5MZ2RT", "weekly", "html")
    assert '<td rowspan="4" class="filled">' in html
    from yobo.errors import InputError

    with pytest.raises(InputError, match="P1 の週間計画表はまだありません"):
        render(SAMPLE, "5MZ2RT", "weekly", "md", plan="P1")


# -- yobo plan weekly ------------------------------------------------------------------------------

WEEKLY = """\
# 週間計画表の下書き
entries:
  - days: [mon, thu]
    start: "09:30"
    end: "15:30"
    kind: service
    text: 介護予防通所リハビリテーション（〇〇デイケア）
  - days: [sat]
    start: "10:00"
    end: "11:00"
    kind: family
    text: 長女と買い物  # 土曜は長女が休み
daily_activities:
  - time: "06:30"
    text: 起床
other_services: 福祉用具貸与（歩行器）
"""


@pytest.fixture
def planned(cli, casebook, tmp_path):
    """A casebook with one case and its plan draft P1; returns (root, case id, weekly file)."""
    case = new_case(cli, casebook)
    run = cli("plan", "draft", case, "--start", "2026-05-01", "--end", "2026-10-31", "--date", "2026-04-20",
              "-C", str(casebook))
    assert run.code == 0, run.stderr
    weekly = tmp_path / "weekly.yaml"
    weekly.write_text(WEEKLY, encoding="utf-8")
    return casebook, case, weekly


def commits(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


def test_plan_weekly_writes_the_document_in_one_commit(cli, planned):
    root, case, weekly = planned
    before = commits(root)
    run = cli("plan", "weekly", case, "--file", str(weekly), "--date", "2026-04-21", "-C", str(root))
    assert run.code == 0, run.stderr
    assert "週間計画表を保存しました" in run.stdout
    assert commits(root) == before + 1 and git(root, "status", "--porcelain") == ""
    assert git(root, "log", "-1", "--format=%an|%s").strip() == f"{STAFF}|plan-weekly: {case}"
    rel = f"{case_dir(case)}/plans/P1/weekly.yaml"
    text = (root / rel).read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../../../../schemas/weekly.schema.json\n# 週間計画表\n")
    assert "# 土曜は長女が休み" in text  # the writer's comments survive
    data = load_fast(text, rel)
    assert data["plan"] == "P1" and data["date"] == "2026-04-21" and data["recorded_by"] == STAFF
    assert data["entries"][0]["start"] == "09:30" and data["entries"][1]["days"] == ["sat"]
    assert schema_problems(root, rel, "weekly") == []
    # the plan's digest is untouched: the weekly table lives beside plan.yaml
    shown = cli("plan", "show", case, "-C", str(root), "--json")
    assert '"包括の原案確認": ""' in shown.stdout
    # the case now renders its weekly form, and validate stays clean
    assert "介護予防通所リハビリテーション（〇〇デイケア）" in render(root, case, "weekly", "md")
    assert cli("validate", "-C", str(root)).code == 0
    # a second version replaces the first, again in one commit
    weekly.write_text(WEEKLY.replace('end: "11:00"', 'end: "12:00"'), encoding="utf-8")
    run = cli("plan", "weekly", case, "--file", str(weekly), "--plan", "P1", "-C", str(root))
    assert run.code == 0 and "更新しました" in run.stdout
    assert commits(root) == before + 2
    data = load_fast((root / rel).read_text(encoding="utf-8"), rel)
    assert data["entries"][1]["end"] == "12:00" and data["date"] == "2026-11-22"  # today when no date is given


BAD_WEEKLY = {
    # (replace this, with this) → (line, needles)
    "end before start": (('end: "15:30"', 'end: "08:00"'), (5, ["weekly-time", "entries.0.end", "09:30"])),
    "end equal to start": (('end: "11:00"', 'end: "10:00"'), (10, ["weekly-time", "entries.1.end"])),
    "time without a leading zero": (('start: "09:30"', 'start: "9:30"'), (4, ["schema-pattern", "entries.0.start"])),
    "hour 25": (('time: "06:30"', 'time: "25:30"'), (14, ["schema-pattern", "daily_activities.0.time"])),
    "start at 24:00": (('start: "10:00"', 'start: "24:00"'), (9, ["schema-pattern", "entries.1.start"])),
    "unknown weekday": (("days: [sat]", "days: [saturday]"), (8, ["schema-enum", "entries.1.days.0"])),
    "weekday twice": (("days: [mon, thu]", "days: [mon, thu, mon]"), (3, ["weekly-days", "entries.0.days"])),
    "unknown kind": (("kind: family", "kind: neighbour"), (11, ["schema-enum", "entries.1.kind"])),
    "unknown field": (("other_services:", "others:"), (16, ["schema-unknown-field", "others"])),
    "missing text": (("    text: 長女と買い物  # 土曜は長女が休み\n", ""), (8, ["schema-required", "entries.1.text"])),
}


@pytest.mark.parametrize("name", BAD_WEEKLY)
def test_a_bad_weekly_file_is_refused_at_its_line_with_nothing_written(cli, planned, name):
    root, case, weekly = planned
    (old, new), (line, needles) = BAD_WEEKLY[name]
    assert old in WEEKLY
    weekly.write_text(WEEKLY.replace(old, new, 1), encoding="utf-8")
    before = snapshot(root)
    run = cli("plan", "weekly", case, "--file", str(weekly), "-C", str(root))
    assert_one_line_error(run, f"{weekly}:{line}: ", *needles)
    assert snapshot(root) == before


def test_plan_weekly_is_refused_for_the_hokatsu_an_unknown_plan_and_a_future_date(cli, planned):
    root, case, weekly = planned
    assert cli("staff", "add", "包括 花子", "--party", "hokatsu", "-C", str(root)).code == 0
    before = snapshot(root)
    assert_one_line_error(cli("plan", "weekly", case, "--file", str(weekly), "--as", "包括 花子", "-C", str(root)),
                          "--as", "居宅")
    assert_one_line_error(cli("plan", "weekly", case, "--file", str(weekly), "--plan", "P7", "-C", str(root)),
                          "--plan", "P7")
    assert_one_line_error(cli("plan", "weekly", case, "--file", str(weekly), "--date", "2026-12-01", "-C", str(root)),
                          "--date", "今日")
    weekly.write_text("plan: P3\n" + WEEKLY, encoding="utf-8")
    assert_one_line_error(cli("plan", "weekly", case, "--file", str(weekly), "-C", str(root)), "P3", "P1")
    assert snapshot(root) == before


def test_validate_finds_a_hand_edited_weekly_whose_times_are_reversed(cli, planned):
    root, case, weekly = planned
    assert cli("plan", "weekly", case, "--file", str(weekly), "-C", str(root)).code == 0
    rel = f"{case_dir(case)}/plans/P1/weekly.yaml"
    edit(root, rel, 'end: "15:30"', 'end: "09:00"')
    run = cli("validate", "-C", str(root))
    assert run.code == 1
    assert re.search(rf"{re.escape(rel)}:\d+: \[weekly-time\]", run.stdout + run.stderr), run.stdout + run.stderr

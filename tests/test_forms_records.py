"""The record forms: サービス担当者会議の要点 (meeting), 介護予防支援経過記録 (notes) and
the 送付状 to the 包括 (cover) — what they choose, list and refuse."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import assert_one_line_error, new_case
from yobo import forms as kforms
from yobo.casebook import case_dir
from yobo.errors import InputError
from yobo.forms import records
from yobo.loader import load_case, load_config
from yobo.resources import data_dir

SAMPLE = data_dir("sample-casebook")


@pytest.fixture
def sample(tmp_path) -> Path:
    """A private copy of the sample casebook (documents may be added to it)."""
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root, symlinks=False, ignore=shutil.ignore_patterns(".git", ".yobo"))
    return root


def source(root: Path, case_id: str, **options) -> kforms.Source:
    case, problems, _ = load_case(root, case_id, case_dir(case_id))
    assert case is not None and not problems, problems
    return kforms.Source(root, load_config(root), case, options)


def md_table(text: str, heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after ``heading`` (header and rule left out)."""
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


# -- 介護予防支援経過記録 ------------------------------------------------------------------------


def test_notes_merge_notes_and_monitoring_in_date_order():
    rows = records.progress_rows(source(SAMPLE, "K9RB5D"))
    keys = [(r["date"], r["path"], r["seq"]) for r in rows]
    assert keys == sorted(keys)
    assert {r["source"] for r in rows} == {"note", "monitoring"}
    assert len([r for r in rows if r["source"] == "note"]) == 7
    assert len([r for r in rows if r["source"] == "monitoring"]) == 13  # two records in 2026-01
    # two monitoring records of one month keep their order, and the same-day note follows them
    january = [(r["date"].isoformat(), r["source"]) for r in rows if r["date"].strftime("%Y-%m") == "2026-01"]
    assert january == [("2026-01-16", "monitoring"), ("2026-01-16", "note"), ("2026-01-28", "monitoring")]


def test_notes_form_shows_kinds_methods_state_and_party(cli):
    run = cli("render", "K9RB5D", "notes", "-C", str(SAMPLE))
    assert run.code == 0, run.stderr
    text = run.stdout
    rows = md_table(text, "| 年月日")
    # 年月日 column in 和暦, ascending: the first and the last entries of the case
    assert rows[0][0] == "令和7年6月2日" and rows[-1][0] == "令和8年5月29日"
    contents = [r[1] for r in rows]
    for needle in ("【主治医への確認】", "【担当者会議】", "【軽微な変更】", "【特段の事情】", "【終了】",
                   "【モニタリング（居宅訪問）】", "【モニタリング（電話）】", "【モニタリング（事業所等で面接）】"):
        assert any(c.startswith(needle) for c in contents), needle
    assert not any(c.startswith("【一般】") for c in contents)  # a plain entry needs no label
    assert any("状態の変化: あり" in c for c in contents) and any("状態の変化: なし" in c for c in contents)
    assert any("特段の事情: 本人が1月8日から1月25日まで入院" in c for c in contents)
    # who wrote each, and for which party
    assert rows[0][2] == "田中美咲（居宅）" and rows[-1][2] == "青木 保健師（包括）"
    # a record without state_change says nothing about it (5MZ2RT's records do not record it)
    other = cli("render", "5MZ2RT", "notes", "-C", str(SAMPLE)).stdout
    assert "状態の変化" not in other and "【モニタリング（居宅訪問）】" in other


def test_notes_html_repeats_the_header_row_on_every_page():
    html = kforms.render(source(SAMPLE, "K9RB5D"), kforms.get_form("notes"), "html")
    head = html[html.index("<thead>"):html.index("</thead>")]
    assert "木村 フミ" in head and "年月日" in head and "記録者" in head
    assert "size: A4;" in html


def test_notes_instances_and_refusal_without_entries(cli):
    form = kforms.get_form("notes")
    assert form.instances(source(SAMPLE, "K9RB5D").case) == [{}]
    assert form.instances(source(SAMPLE, "3QK7WA").case) == []
    assert_one_line_error(cli("render", "3QK7WA", "notes", "-C", str(SAMPLE)), "支援経過記録")


# -- サービス担当者会議の要点 --------------------------------------------------------------------


def test_meeting_date_that_does_not_exist_is_refused(cli, sample):
    run = cli("render", "5MZ2RT", "meeting", "--date", "2001-01-01", "-C", str(sample))
    assert_one_line_error(run, "--date", "2001-01-01", "2025-04-22", "2026-03-26")
    # within a named plan, only that plan's meetings count
    run = cli("render", "5MZ2RT", "meeting", "--plan", "P2", "--date", "2025-04-22", "-C", str(sample))
    assert_one_line_error(run, "計画 P2", "2026-03-26")


def test_meeting_is_found_by_date_in_any_plan(cli):
    run = cli("render", "5MZ2RT", "meeting", "--date", "2025-04-22", "-C", str(SAMPLE))
    assert run.code == 0, run.stderr
    header = md_table(run.stdout, "| 利用者名")[0]
    assert header == ["小林 正男 様", "田中美咲", "令和7年4月22日", "14:00〜14:40", "第1回"]
    assert "計画 P1" in run.stdout
    latest = cli("render", "5MZ2RT", "meeting", "-C", str(SAMPLE)).stdout
    assert md_table(latest, "| 利用者名")[0][2:] == ["令和8年3月26日", "", "第2回"]  # no time recorded


def test_meeting_marks_user_family_and_hokatsu(cli):
    c2 = cli("render", "C2VW9F", "meeting", "-C", str(SAMPLE)).stdout
    assert "本人【出席】　家族【出席】" in c2
    assert "□出席　☑欠席" in c2
    assert md_table(c2, "| 所属（職種）")[1] == ["家族（長女）", "松本 由美"]
    a7 = cli("render", "A7PE3K", "meeting", "-C", str(SAMPLE)).stdout
    assert "本人【出席】　家族【欠席】" in a7 and "☑出席　□欠席（要点の提出は不要）" in a7
    html = kforms.render(source(SAMPLE, "C2VW9F"), kforms.get_form("meeting"), "html")
    assert html.count("<td></td><td></td>") == 3  # room for three more people by hand


@pytest.mark.parametrize("affiliation,name,role", [
    ("本人", "松本 キヨ", "user"), ("", "松本　キヨ", "user"), ("家族（長女）", "松本 由美", "family"),
    ("長男", "松本 一郎", "family"), ("西地域包括支援センター（保健師）", "青木", "hokatsu"),
    ("ひだまりデイケア（相談員）", "森", "other"), ("", "森", "other"),
])
def test_attendee_roles(affiliation, name, role):
    assert records.attendee_role(affiliation, name, "松本 キヨ") == role


def test_meeting_instances_cover_every_plan():
    case = source(SAMPLE, "5MZ2RT").case
    assert kforms.get_form("meeting").instances(case) == [
        {"plan": "P1", "date": date(2025, 4, 22)}, {"plan": "P2", "date": date(2026, 3, 26)}]


def test_meeting_times_are_recorded_and_printed(cli, casebook, tmp_path):
    case = new_case(cli, casebook)
    root = str(casebook)
    assert cli("plan", "draft", case, "--start", "2026-05-01", "--end", "2026-10-31", "--date", "2026-04-20",
               "-C", root).code == 0
    points = tmp_path / "points.yaml"
    points.write_text("start_time: '25:00'\ntopics: 役割分担\n", encoding="utf-8")
    assert_one_line_error(cli("meeting", "record", case, "--attendee", "佐藤 一郎:本人", "--file", str(points),
                              "--date", "2026-04-23", "-C", root), "start_time", "25:00")
    points.write_text("start_time: '14:00'\nend_time: '13:30'\n", encoding="utf-8")
    assert_one_line_error(cli("meeting", "record", case, "--attendee", "佐藤 一郎:本人", "--file", str(points),
                              "--date", "2026-04-23", "-C", root), "13:30", "14:00")
    points.write_text("start_time: 14:00\nend_time: '14:30'\ntopics: 役割分担\nconclusion: 原案どおり\n",
                      encoding="utf-8")
    run = cli("meeting", "record", case, "--attendee", "佐藤 一郎:本人", "--attendee", "佐藤 花子:長女",
              "--place", "利用者宅", "--file", str(points), "--date", "2026-04-23", "-C", root)
    assert run.code == 0, run.stderr
    assert cli("validate", "-C", root).code == 0
    out = cli("render", case, "meeting", "-C", root).stdout
    assert md_table(out, "| 利用者名")[0][2:] == ["令和8年4月23日", "14:00〜14:30", "第1回"]
    assert "開催場所: 利用者宅" in out and "本人【出席】　家族【出席】" in out


# -- 送付状 ---------------------------------------------------------------------------------------


def test_cover_lists_exactly_the_submission_documents(cli):
    run = cli("render", "C2VW9F", "cover", "--date", "2025-12-15", "-C", str(SAMPLE))
    assert run.code == 0, run.stderr
    rows = md_table(run.stdout, "## 送付書類")
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("1", "利用者基本情報", "写し", "1"), ("2", "基本チェックリスト", "写し", "1"),
        ("3", "介護予防サービス・支援計画書", "原本", "1")]
    assert rows[1][4] == "令和7年12月10日記入" and rows[2][4].startswith("計画 P1")
    assert "☑原案確認　□新規契約時" in run.stdout and "東地域包括支援センター　御中" in run.stdout
    assert "9900000105" in run.stdout and "ひまわり居宅介護支援事業所（見本）" in run.stdout
    # no date: the latest submission
    latest = cli("render", "C2VW9F", "cover", "-C", str(SAMPLE)).stdout
    assert [(r[1], r[2]) for r in md_table(latest, "## 送付書類")] == [
        ("介護予防サービス・支援計画書", "原本"), ("サービス利用票・別表", "写し")]
    assert "☑新規契約時" in latest


def test_cover_date_without_a_submission_is_refused(cli):
    run = cli("render", "C2VW9F", "cover", "--date", "2025-12-16", "-C", str(SAMPLE))
    assert_one_line_error(run, "2025-12-16", "2025-12-15（原案確認）", "2025-12-26（新規契約時）")


SAME_DAY = """\
date: 2025-12-15
occasion: {occasion}
plan: P1
to: 東地域包括支援センター
staff: 田中美咲
handovers:
{handovers}
"""


def test_cover_occasion_tells_two_submissions_of_one_day_apart(sample):
    folder = sample / "cases/C2/C2VW9F"
    termination = SAME_DAY.format(occasion="termination", handovers="""\
  - doc: progress-notes
    ref: cases/C2/C2VW9F/notes
    original_to: hokatsu
    copies_destroyed_by: [kyotaku]
  - doc: meeting-record
    ref: cases/C2/C2VW9F/plans/P1/meetings/2025-12-22.yaml
    original_to: hokatsu
  - doc: addition-evidence
    copies_to: [hokatsu]
""")
    (folder / "submissions/2025-12-15-termination.yaml").write_text(termination, encoding="utf-8")
    form = kforms.get_form("cover")
    case = source(sample, "C2VW9F").case
    assert form.instances(case) == [{"date": date(2025, 12, 15), "occasion": "draft"},
                                    {"date": date(2025, 12, 15), "occasion": "termination"},
                                    {"date": date(2025, 12, 26), "occasion": "new-contract"}]
    with pytest.raises(InputError, match="2件"):
        kforms.render(source(sample, "C2VW9F", date=date(2025, 12, 15)), form, "md")
    text = kforms.render(source(sample, "C2VW9F", date=date(2025, 12, 15), occasion="termination"), form, "md")
    rows = md_table(text, "## 送付書類")
    assert [(r[1], r[2]) for r in rows] == [("介護予防支援経過記録", "原本"), ("サービス担当者会議の要点", "原本"),
                                            ("加算の根拠書類", "写し")]
    assert rows[0][4] == "令和8年1月20日〜令和8年10月20日。写しは居宅で破棄"
    assert rows[1][4] == "令和7年12月22日開催"
    assert "☑終了時" in text
    draft = kforms.render(source(sample, "C2VW9F", date=date(2025, 12, 15), occasion="draft"), form, "md")
    assert "☑原案確認" in draft and len(md_table(draft, "## 送付書類")) == 3
    # an occasion alone picks that occasion's latest submission; an unknown one is refused
    only = kforms.render(source(sample, "C2VW9F", occasion="new-contract"), form, "md")
    assert "令和7年12月26日" in only
    with pytest.raises(InputError, match="送付の機会"):
        kforms.render(source(sample, "C2VW9F", occasion="party"), form, "md")


def test_cover_of_a_case_without_submissions_is_refused(cli):
    assert_one_line_error(cli("render", "5MZ2RT", "cover", "-C", str(SAMPLE)), "送付")

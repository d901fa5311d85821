"""利用者基本情報, 計画作成依頼（変更）届出書, 暫定ケアプラン特例取扱い申出書 and 福祉用具の
聴き取り: what the goldens cannot say on their own — which box is ticked, what is
refused, and which boxes stay blank for the pen."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from yobo import forms as kforms
from yobo.casebook import case_dir
from yobo.errors import InputError
from yobo.forms.assessment import partial_wareki
from yobo.loader import load_case, load_config
from yobo.resources import data_dir
from yobo.schemas import check_document
from yobo.yamlio import load_fast

SAMPLE = data_dir("sample-casebook")


@pytest.fixture
def sample(cli, tmp_path) -> Path:
    """A copy of the sample casebook (a git repository, as ``yobo init --sample`` makes it)."""
    root = tmp_path / "sample"
    assert cli("init", str(root), "--sample", "--as", "田中美咲").code == 0
    return root


def render(root: Path, case_id: str, code: str, fmt: str = "md", **options) -> str:
    config = load_config(root)
    case, problems, _ = load_case(root, case_id, case_dir(case_id))
    assert case is not None and not problems, problems
    return kforms.render(kforms.Source(root, config, case, options), kforms.get_form(code), fmt)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def md_row(text: str, label: str) -> str:
    """The cell of a two-column Markdown row ``| label | cell |``."""
    found = [line for line in text.splitlines() if line.startswith(f"| {label} |")]
    assert len(found) == 1, (label, found)
    return found[0].split("|")[2]


# -- 利用者基本情報 ---------------------------------------------------------------------------------


def test_basic_info_independence_has_exactly_one_tick_per_scale():
    md = render(SAMPLE, "3QK7WA", "basic-info")
    physical = md_row(md, "障害高齢者の日常生活自立度")
    cognitive = md_row(md, "認知症高齢者の日常生活自立度")
    # every choice of the scale is printed (自立・J1…C2: 9; 自立・Ⅰ…M: 8), one ticked
    assert (physical.count("☑"), physical.count("□")) == (1, 8) and "☑J2" in physical
    assert (cognitive.count("☑"), cognitive.count("□")) == (1, 7) and "☑Ⅰ" in cognitive
    html = render(SAMPLE, "3QK7WA", "basic-info", "html")
    row = re.search(r'<tr class="independence">(.*?)</tr>', html, re.S).group(1)
    first, second = row.split("<br>")[:2]
    assert first.count("☑") == 1 and "☑J2" in first and first.count("□") == 8
    assert second.count("☑") == 1 and "☑Ⅰ" in second and second.count("□") == 7


def test_basic_info_without_independence_ticks_nothing(sample):
    info = sample / "cases/3Q/3QK7WA/basic-info/2026-11-10.yaml"
    edit(info, "  physical: J2\n  cognitive: I\n", "")
    md = render(sample, "3QK7WA", "basic-info")
    for label in ("障害高齢者の日常生活自立度", "認知症高齢者の日常生活自立度"):
        assert "☑" not in md_row(md, label)


def test_basic_info_marks_the_opinion_writer_and_keeps_history_order():
    md = render(SAMPLE, "3QK7WA", "basic-info")
    rows = [line for line in md.splitlines() if line.startswith("| 令和") or line.startswith("| 平成")]
    assert [r.split("|")[2].strip() for r in rows] == [
        "右橈骨遠位端骨折（自宅前で転倒）", "変形性膝関節症（両膝）", "感音性難聴（両耳）", "高血圧症"]
    starred = [r for r in rows if "☆" in r]
    assert len(starred) == 1 and "小林医師" in starred[0]
    assert "☑治療中　□経観中　□その他" in starred[0]


def test_basic_info_prints_person_certification_and_consent():
    md = render(SAMPLE, "3QK7WA", "basic-info")
    assert md_row(md, "生年月日") == " 明・大・（昭） 19年3月15日生（82歳） "
    assert "☑要支1" in md_row(md, "認定情報") and md_row(md, "認定情報").count("☑") == 1
    assert "令和8年11月1日～令和9年4月30日" in md_row(md, "有効期間")
    assert "☑事業対象者の該当あり　□事業対象者の該当なし" in md_row(md, "基本チェックリスト記入結果")
    assert "☑身障（6級（聴覚障害・両耳））" in md_row(md, "障害等認定")
    assert "令和8年11月10日　氏名: 山本 ハナ" in md


def test_basic_info_instances_and_date_choice(sample):
    config = load_config(sample)
    case, _, _ = load_case(sample, "3QK7WA", case_dir("3QK7WA"))
    form = kforms.get_form("basic-info")
    assert form.instances(case) == [{"date": date(2026, 11, 10)}]
    with pytest.raises(InputError, match="作成日: 2026-11-10"):
        kforms.render(kforms.Source(sample, config, case, {"date": date(2026, 11, 11)}), form, "md")
    # a newer version: the newest by default, the older one with --date
    newer = sample / "cases/3Q/3QK7WA/basic-info/2026-12-01.yaml"
    newer.write_text((sample / "cases/3Q/3QK7WA/basic-info/2026-11-10.yaml").read_text(encoding="utf-8")
                     .replace("date: 2026-11-10\nconsultation", "date: 2026-12-01\nconsultation")
                     .replace("phone: \"0000-00-0000\"\nindependence", "phone: \"0000-11-2222\"\nindependence"),
                     encoding="utf-8")
    assert "0000-11-2222" in render(sample, "3QK7WA", "basic-info")
    assert "0000-11-2222" not in render(sample, "3QK7WA", "basic-info", date=date(2026, 11, 10))
    case, _, _ = load_case(sample, "3QK7WA", case_dir("3QK7WA"))
    assert form.instances(case) == [{"date": date(2026, 11, 10)}, {"date": date(2026, 12, 1)}]


def test_basic_info_refused_for_a_case_without_one(cli):
    assert_one_line_error(cli("render", "C2VW9F", "basic-info", "-C", str(SAMPLE)), "利用者基本情報")


@pytest.mark.parametrize("value,expected", [
    ("2026-09-03", "令和8年9月3日"), ("2025-09", "令和7年9月"), ("2021", "令和3年"), ("2019", "令和元年"),
    ("1989", "平成元年"), ("2019-04", "平成31年4月"), (date(2012, 1, 5), "平成24年1月5日"), (None, ""),
])
def test_partial_dates_in_wareki(value, expected):
    assert partial_wareki(value) == expected


# -- 計画作成依頼（変更）届出書 ----------------------------------------------------------------------


def test_request_new_by_default_and_change_with_the_flag(cli):
    new = cli("render", "3QK7WA", "request", "-C", str(SAMPLE))
    assert new.code == 0 and md_row(new.stdout, "区分") == " ☑新規　□変更 "
    changed = cli("render", "3QK7WA", "request", "--change", "-C", str(SAMPLE))
    assert changed.code == 0 and md_row(changed.stdout, "区分") == " □新規　☑変更 "
    html = render(SAMPLE, "3QK7WA", "request", "html", change=True)
    assert "□新規　☑変更" in html


def test_request_names_the_hokatsu_for_itaku_and_the_office_for_shitei():
    itaku = render(SAMPLE, "3QK7WA", "request")
    assert "| 介護予防支援事業者（地域包括支援センター又は指定を受けた居宅介護支援事業者） | 東地域包括支援センター |" in itaku
    assert "| 地域包括支援センターから委託を受けて計画を作成する居宅介護支援事業所 | ひまわり居宅介護支援事業所（見本） |" in itaku
    shitei = render(SAMPLE, "5MZ2RT", "request")
    assert "| 介護予防支援事業者（地域包括支援センター又は指定を受けた居宅介護支援事業者） | ひまわり居宅介護支援事業所（見本） |" in shitei
    assert "（委託なし）" in shitei and "（委託なし）" not in itaku
    cm_a = render(SAMPLE, "8HD4NX", "request")
    assert "☑介護予防ケアマネジメント" in md_row(cm_a, "依頼の内容")
    assert "介護予防ケアマネジメントを依頼することを届け出ます。" in cm_a


def test_request_user_address_from_basic_info_else_blank_lines():
    with_info = render(SAMPLE, "3QK7WA", "request")
    assert md_row(with_info, "住所") == " 〇〇市△△町1-2-3 " and md_row(with_info, "電話番号") == " 0000-00-0000 "
    without = render(SAMPLE, "C2VW9F", "request")
    assert md_row(without, "住所") == " ＿＿＿＿＿＿＿＿ " and md_row(without, "電話番号") == " ＿＿＿＿＿＿＿＿ "
    assert "届出日: 令和　　年　　月　　日" in without
    assert "届出日: 令和8年11月20日" in render(SAMPLE, "C2VW9F", "request", date=date(2026, 11, 20))


def test_office_address_printed_when_set_and_blank_lines_when_not(sample):
    md = render(sample, "3QK7WA", "request")
    assert "〒000-0000 〇〇市△△町9-8-7 ひまわりビル2階 | 000-000-0000 |" in md
    html = render(sample, "3QK7WA", "request", "html")
    assert "〇〇市△△町9-8-7 ひまわりビル2階" in html and "電話番号 000-000-0000" in html
    config = sample / "yobo.yaml"
    edit(config, "  postal_code: '000-0000'\n  address: 〇〇市△△町9-8-7 ひまわりビル2階\n  phone: '000-000-0000'\n", "")
    md = render(sample, "3QK7WA", "request")
    row = next(line for line in md.splitlines() if "ひまわり居宅介護支援事業所（見本）" in line)
    assert "〒　　　－　　　　 ＿＿＿＿＿＿＿＿ | ＿＿＿＿＿＿＿＿ |" in row
    html = render(sample, "3QK7WA", "request", "html")
    assert "〇〇市△△町9-8-7" not in html and 'class="line"' in html
    shitei = render(sample, "5MZ2RT", "request")  # 指定: the office is the 介護予防支援事業者
    assert "| ひまわり居宅介護支援事業所（見本） | 9900000001 | 〒　　　－　　　　 ＿＿＿＿＿＿＿＿ | ＿＿＿＿＿＿＿＿ |" in shitei


def test_office_address_fields_are_in_the_casebook_schema():
    text = (SAMPLE / "yobo.yaml").read_text(encoding="utf-8")
    assert check_document("casebook", load_fast(text, "yobo.yaml"), path="yobo.yaml", text=text) == []
    bad = text.replace("phone: '000-000-0000'", "phone: 電話なし")
    problems = check_document("casebook", load_fast(bad, "yobo.yaml"), path="yobo.yaml", text=bad)
    assert [(p.source.line, p.code) for p in problems] == [(10, "schema-pattern")]
    assert "office.phone" in problems[0].message


def test_request_marks_simultaneous_contract_under_toshima_for_shitei_cases(sample):
    edit(sample / "yobo.yaml", "profile: national", "profile: toshima")
    shitei = render(sample, "5MZ2RT", "request")
    assert "**【同時契約】**" in shitei
    assert '<div class="stamp">同時契約</div>' in render(sample, "5MZ2RT", "request", "html")
    assert "同時契約" not in render(sample, "3QK7WA", "request")
    assert "（宛先）豊島区長" in shitei
    assert "同時契約" not in render(SAMPLE, "5MZ2RT", "request")


# -- 暫定ケアプランの特例取扱い申出書 ----------------------------------------------------------------


def test_provisional_refused_without_a_pending_certification(cli, sample):
    assert_one_line_error(cli("render", "3QK7WA", "provisional", "-C", str(sample)), "3QK7WA", "申請中の認定")
    # and --all leaves it out instead of failing
    out = sample.parent / "out"
    run = cli("render", "3QK7WA", "--all", "-o", str(out), "-C", str(sample))
    assert run.code == 0, run.stderr
    names = sorted(p.name for p in out.iterdir())
    assert not any("provisional" in n or "equipment" in n for n in names)
    assert "3QK7WA-request.md" in names and "3QK7WA-basic-info-2026-11-10.md" in names


def test_provisional_dates_expectation_and_offices(cli, sample):
    md = render(sample, "C2VW9F", "provisional")
    assert md_row(md, "認定結果の見込み") == " □要支援1・2　□要介護1～5 "
    assert md_row(md, "更新申請日") == " 令和8年11月16日 "
    assert md_row(md, "認定有効期間終了日") == " 令和8年12月31日 "
    assert md_row(md, "申出日") == " 令和　　年　　月　　日 "
    assert md_row(md, "添付資料") == " ☑暫定ケアプラン " and md_row(md, "居宅サービス計画作成等届出") == " □済 "
    assert md_row(md, "生年月日") == " 明・大・（昭） 10年1月8日 "
    # 委託: the 包括 filed the 届出書; the office writes the 暫定ケアプラン
    assert "| 東地域包括支援センター | 〒　　　－　　　　 ＿＿＿＿＿＿＿＿ |" in md
    assert "| ひまわり居宅介護支援事業所（見本） | 〒000-0000 〇〇市△△町9-8-7 ひまわりビル2階 | 000-000-0000 |" in md
    kaigo = cli("render", "C2VW9F", "provisional", "--expected", "kaigo", "--date", "2026-11-20", "-C", str(sample))
    assert kaigo.code == 0 and md_row(kaigo.stdout, "認定結果の見込み") == " □要支援1・2　☑要介護1～5 "
    assert md_row(kaigo.stdout, "申出日") == " 令和8年11月20日 "
    shien = render(sample, "C2VW9F", "provisional", "html", expected="shien")
    assert "☑要支援1・2　□要介護1～5" in shien


def test_provisional_for_a_shitei_case_names_the_office_twice_and_the_profile_insurer(sample):
    pending = sample / "cases/5M/5MZ2RT/certifications/2028-04-01.yaml"
    pending.write_text("level: shien2\nstatus: pending\nfrom: 2028-04-01\napplied_on: 2028-02-10\n", encoding="utf-8")
    edit(sample / "yobo.yaml", "profile: national", "profile: suzuka-kameyama")
    md = render(sample, "5MZ2RT", "provisional")
    assert md.count("| ひまわり居宅介護支援事業所（見本） |") == 2
    assert "（宛先）鈴鹿亀山地区広域連合長" in md
    assert md_row(md, "認定有効期間終了日") == " 令和10年3月31日 "
    case, _, _ = load_case(sample, "5MZ2RT", case_dir("5MZ2RT"))
    assert kforms.get_form("provisional").instances(case) == [{}]


def test_provisional_instances_follow_the_pending_certification():
    form = kforms.get_form("provisional")
    with_pending, _, _ = load_case(SAMPLE, "C2VW9F", case_dir("C2VW9F"))
    without, _, _ = load_case(SAMPLE, "3QK7WA", case_dir("3QK7WA"))
    assert form.instances(with_pending) == [{}] and form.instances(without) == []


# -- 福祉用具の聴き取り --------------------------------------------------------------------------------


def test_equipment_circles_the_level_and_leaves_the_doctor_boxes_blank(cli):
    md = render(SAMPLE, "C2VW9F", "equipment")
    assert md_row(md, "要介護度") == " 要支援1・（要支援2）・要介護1 "
    assert md_row(md, "疾病名（発症年月日）") == "  " and md_row(md, "福祉用具種目") == "  "
    states = [line for line in md.splitlines() if line.startswith(("| | i) ", "| | ii) ", "| | iii) "))]
    assert len(states) == 3  # the ○ column is blank in all three rows
    assert "令和　　年　　月　　日　記載者: 田中美咲" in md
    run = cli("render", "3QK7WA", "equipment", "--item", "車いす及び車いす付属品", "--disease", "脳梗塞（令和8年1月）",
              "--date", "2026-11-20", "-C", str(SAMPLE))
    assert run.code == 0
    assert md_row(run.stdout, "福祉用具種目") == " 車いす及び車いす付属品 "
    assert md_row(run.stdout, "疾病名（発症年月日）") == " 脳梗塞（令和8年1月） "
    assert md_row(run.stdout, "要介護度") == " （要支援1）・要支援2・要介護1 "
    assert "令和8年11月20日　記載者: 田中美咲" in run.stdout
    html = render(SAMPLE, "3QK7WA", "equipment", "html")
    assert '<span class="circled">要支援1</span>' in html
    for state in ("パーキンソン病の治療薬によるON・OFF現象", "がん末期の急速な状態悪化", "嚥下障害による誤嚥性肺炎の回避"):
        assert state in html


def test_equipment_for_a_jigyo_case_circles_nothing():
    md = render(SAMPLE, "8HD4NX", "equipment")
    assert md_row(md, "要介護度") == " 要支援1・要支援2・要介護1 "

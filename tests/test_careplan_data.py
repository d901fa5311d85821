"""ケアプランデータ連携 (MHLW 標準仕様 v4.1, CSV version 202407, 介護予防): export and import.

Expected values are typed from the spec's CSV レイアウト定義書 (item No., 書式, 選択肢 and
【コード表】, cited per item) and from the sample casebook's YAML — never copied from
what the exporter prints.  Spec text used: kt-group1165/honobono_caremanager,
migrations/_if_careplan_v4_layout.txt (別紙) and _if_careplan_v4_spec.txt (本文).

Golden files (the exact bytes) are refreshed with ``YOBO_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import git
from yobo.yamlio import load_fast

GOLDEN = Path(__file__).parent / "golden" / "careplan"
UPDATE = bool(os.environ.get("YOBO_UPDATE_GOLDEN"))
TO = ["--to-office", "1234567890", "--to-service", "A5"]
WHEN = ["--today", "2026-11-30", "--time", "090000"]
SERIAL = "20261130090000"
# 送信元: yobo.yaml office.number of the sample; 43 居宅介護支援 (a 居宅's default)
ROUTE = "9900000001_43_1234567890_A5"
ACTOR = {"YOBO_STAFF": "田中美咲"}


@pytest.fixture
def sample(tmp_path, cli) -> Path:
    root = tmp_path / "sample"
    run = cli("init", str(root), "--sample", env=ACTOR)
    assert run.code == 0, run.stderr
    return root


def export(cli, root: Path, out: Path, *args: str, when=WHEN):
    return cli("export", "careplan-data", *args, "-C", str(root), "-o", str(out), *TO, *when, env=ACTOR)


def records(path: Path) -> list[list[str]]:
    """A file decoded back with Python's cp932 codec (MS932, 本文 4.3); every record ends CRLF."""
    data = path.read_bytes()
    text = data.decode("cp932")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def raw_fields(path: Path) -> list[str]:
    """The first record split on commas outside quotes, quotes kept (to check the quoting)."""
    text = path.read_bytes().decode("cp932").split("\r\n")[0]
    return re.findall(r'"(?:[^"]|"")*"|[^,]*', text)[::2]


def file_of(out: Path, prefix: str) -> Path:
    return out / f"{prefix}_{ROUTE}_{SERIAL}.CSV"


# -- 介護予防サービス・支援計画書 (UPYOBO) ---------------------------------------------------------------

#: 3QK7WA P1: 要支援1, 介護予防支援, 委託 (sample case.yaml, plans/P1/plan.yaml; no consent yet).
UPYOBO_3QK7WA = [
    "202407",  # 1 CSVバージョン (【CSVバージョン履歴】 202407 = 第4.1版)
    "990001",  # 2 保険者番号 (case.yaml person.insurer_no, 6桁)
    "9900000101",  # 3 被保険者番号 (10桁)
    "20261117",  # 4 計画作成(変更)日 YYYYMMDD (created_on 2026-11-17)
    "1",  # 5 計画種類 1:介護予防支援
    "2",  # 6 委託の有無 2:委託
    "3QK7WA",  # 7 整理番号 (the opaque case id)
    "山本 ハナ",  # 8 利用者名
    "20261028",  # 9 認定年月日
    "20261101",  # 10 認定有効期間開始日
    "20270430",  # 11 認定有効期間終了日
    "11",  # 12 計画書区分 11:初回 (コード表(1))
    "2",  # 13 認定状況区分 2:認定済 (コード表(2))
    "1",  # 14 要支援状態区分 1:要支援１
    "",  # 15 計画作成者氏名（地域包括支援センター担当者名）: no 包括確認 of this plan yet
    "田中美咲",  # 16 計画作成者氏名（担当介護支援専門員名）
    "ひまわり居宅介護支援事業所（見本）",  # 17 計画作成者事業者・事業所名 (planner_office)
    "〇〇市△△町9-8-7 ひまわりビル2階",  # 18 事業所住所 (yobo.yaml office.address)
    "000-000-0000",  # 19 事業所電話番号 (office.phone)
    "20261117",  # 20 初回作成日
    "東地域包括支援センター",  # 21 担当地域包括支援センター
    "朝の体操を続け、昼は近所を散歩する",  # 22 目標とする生活(1日)
    "夏祭りに歩いて出かける",  # 23 目標とする生活(1年)
    "屋内は伝い歩き。屋外は杖で200m程度。", "本人「スーパーまで歩きたい」", "1", "膝の痛みと筋力の低下",  # 24–27 運動・移動 (26 1:有)
    "掃除は長女が手伝う。調理は自分でする。", "本人「台所には立ち続けたい」", "2", "",  # 28–31 日常生活 (30 2:無)
    "老人会は休みがち。", "本人「友達には会いたい」", "1", "外出の機会の減少",  # 32–35 社会参加
    "変形性膝関節症で通院中。", "長女「転ばないでほしい」", "1", "転倒の不安",  # 36–39 健康管理
    "",  # 40 健康状態の留意点 (health_notes '')
    "",  # 41 妥当な支援の実施に向けた方針
    "膝の痛みに配慮しながら歩く機会を増やし、外出の楽しみを取り戻す",  # 42 総合的な方針
    "3", "1", "1", "0", "0", "0",  # 43–48 基本チェックリストの該当数 (3/5, 1/2, 1/3, 0/2, 0/3, 0/5)
    "", "", "", "", "", "",  # 49–54 事業プログラムの要否: not recorded in the plan
    "",  # 55 地域包括支援センター意見
    "",  # 56 同意日: not agreed yet
    "",  # 57 同意者氏名
]


def test_upyobo_itaku_yobo_shien_item_by_item(sample, cli, tmp_path):
    out = tmp_path / "out"
    run = export(cli, sample, out, "3QK7WA")
    assert run.code == 0, run.stderr
    rows = records(file_of(out, "UPYOBO"))
    assert len(rows) == 1 and len(rows[0]) == 57  # 57 items (レイアウト No.1–57)
    for no, (got, want) in enumerate(zip(rows[0], UPYOBO_3QK7WA), 1):
        assert got == want, f"No.{no}"
    fields = raw_fields(file_of(out, "UPYOBO"))
    # フリーテキスト in "…" (8 利用者名, 22 目標), codes and dates bare (1, 4, 5, 26)
    assert fields[7] == '"山本 ハナ"' and fields[21].startswith('"') and fields[0] == "202407"
    assert fields[3] == "20261117" and fields[4] == "1" and fields[25] == "1"


def test_upyobo_shitei_continuing_with_consent_and_amendment(sample, cli, tmp_path):
    out = tmp_path / "out"
    run = export(cli, sample, out, "5MZ2RT", "--plan", "P2")
    assert run.code == 0, run.stderr
    row = records(file_of(out, "UPYOBO"))[0]
    expected = {
        4: "20260323",  # 計画作成(変更)日
        5: "1",  # 計画種類 1:介護予防支援
        6: "1",  # 委託の有無 1:自前 (指定)
        12: "21",  # 計画書区分 21:継続
        13: "2",  # 認定状況区分 2:認定済
        14: "2",  # 要支援状態区分 2:要支援２
        16: "田中美咲",
        17: "ひまわり居宅介護支援事業所（見本）",  # no planner_office: the office itself (yobo.yaml)
        20: "20250415",  # 初回作成日
        56: "20260327",  # 同意日 (consent.yaml)
        57: "小林 正男",  # 同意者氏名
    }
    for no, want in expected.items():
        assert row[no - 1] == want, f"No.{no}"
    sub = records(file_of(out, "UPYOBO_SUB"))
    # the plan as amended (軽微な変更): No.16 事業所(利用先) is the new name
    assert sub[0][15] == "ひだまりリハビリセンター（見本）"


def test_upyobo_jigyo_cm_a_with_hokatsu_review(sample, cli, tmp_path):
    out = tmp_path / "out"
    run = export(cli, sample, out, "8HD4NX")
    assert run.code == 0, run.stderr
    row = records(file_of(out, "UPYOBO"))[0]
    expected = {
        5: "2",  # 計画種類 2:介護予防ケアマネジメント
        6: "2",  # 委託の有無 2:委託
        9: "",  # 認定年月日: 事業対象者 has none
        10: "20250901",  # 認定有効期間開始日 (事業対象者: 判定日)
        11: "",  # 認定有効期間終了日: none
        14: "3",  # 要支援状態区分 3:地域支援事業
        15: "青木 保健師",  # 包括担当者名: who confirmed this plan (reviews/2026-09-16.hokatsu.yaml)
        16: "高橋健一",
        43: "3", 44: "1", 45: "0", 46: "1", 47: "1", 48: "1",  # 該当数 3/5 1/2 0/3 1/2 1/3 1/5
        55: "目標と支援内容は妥当です。",  # 地域包括支援センター意見 (the review's opinion)
        56: "20260925",
        57: "加藤 トミ",
    }
    for no, want in expected.items():
        assert row[no - 1] == want, f"No.{no}"


def test_upyobo_sub_rows(sample, cli, tmp_path):
    out = tmp_path / "out"
    assert export(cli, sample, out, "3QK7WA").code == 0
    rows = records(file_of(out, "UPYOBO_SUB"))
    assert rows == [[
        "202407", "990001", "9900000101", "20261117",  # 1–4 (= the linked UPYOBO row)
        "1",  # 5 課題ＮＯ
        "膝の痛みと筋力低下で外出の機会が減っている",  # 6 総合的課題
        "", "",  # 7 提案, 8 意向 (proposals/intentions empty)
        "杖を使って近所のスーパーまで一人で歩いて行ける",  # 9 目標
        "1",  # 10 支援計画ＮＯ
        "膝に負担をかけない歩き方と筋力づくり",  # 11 支援のポイント
        "毎朝の体操（本人）、買い物の付き添い（長女）",  # 12 セルフケア…
        "運動器機能向上のプログラム",  # 13 介護保険サービス又は地域支援事業
        "1",  # 14 利用サービスＮＯ
        "介護予防通所リハビリテーション",  # 15 サービス種別
        "ひだまりデイケア（見本）",  # 16 事業所(利用先)
        "2026/12/01～2027/04/30",  # 17 期間
    ]]


# -- 利用者基本情報 (UPKIHON) and its 別表 -----------------------------------------------------------------

UPKIHON_3QK7WA = {
    1: "202407", 2: "990001", 3: "9900000101",
    4: "20261110",  # 相談日 (consultation.date)
    5: "1",  # 計画種類 1:介護予防支援
    6: "2",  # 委託の有無 2:委託
    7: "田中美咲",  # 作成担当者
    8: "03",  # 相談方法 03:その他
    9: "自宅訪問（東地域包括支援センターと同行）",  # 相談方法(その他の内容)
    10: "01",  # 相談回数 01:初回
    11: "",  # 前回相談日
    12: "01",  # 利用者の現況 01:在宅
    13: "",
    14: "ヤマモト　ハナ", 15: "山本 ハナ",
    16: "2",  # 利用者性別 2:女性
    17: "19440315",  # 利用者生年月日
    18: "〇〇市△△町1-2-3", 19: "0000-00-0000", 20: "",
    21: "12",  # 障害高齢者の日常生活自立度 12:J2
    22: "02",  # 認知症高齢者の日常生活自立度 02:Ⅰ
    23: "12",  # 要介護状態区分 12:要支援１
    24: "20261101", 25: "20270430",  # 認定有効期間
    26: "",  # 前回の介護度: none (なし has no code)
    27: "1",  # 基本チェックリスト記入結果 1:事業対象者の該当あり
    28: "20261110",  # 基本チェックリスト記入日
    29: "1", 30: "0", 31: "0", 32: "0",  # 障害等認定 身障 1:該当, others 0:非該当
    33: "身障: 6級（聴覚障害・両耳）",
    34: "05",  # 居住形態 05:自宅・一戸建て
    35: "1",  # 自室の階数
    36: "2",  # 住宅改修の有無 2:無
    37: "1", 38: "0", 39: "0", 40: "0",  # 国民年金 1, 厚生年金 0, 障害年金 0, 生活保護 0
    42: "佐々木 由美", 43: "〇〇市□□町4-5-6", 44: "000-0000-0000", 45: "長女",
    46: "佐々木 由美", 47: "長女", 48: "〇〇市□□町4-5-6", 49: "000-0000-0000",
    50: "山本 健太", 51: "長男", 52: "〇〇県××市◇◇町7-8-9", 53: "000-0000-0000",
    54: "", 57: "", 58: "", 61: "",  # 緊急連絡先 3, 4: none
    62: "",  # 家族構成 画像ファイル名: yobo sends no image
    70: "20261110", 71: "山本 ハナ",  # 同意日, 同意者氏名
}


def test_upkihon_item_by_item(sample, cli, tmp_path):
    out = tmp_path / "out"
    assert export(cli, sample, out, "3QK7WA").code == 0
    rows = records(file_of(out, "UPKIHON"))
    assert len(rows) == 1 and len(rows[0]) == 71  # 71 items
    for no, want in UPKIHON_3QK7WA.items():
        assert rows[0][no - 1] == want, f"No.{no}"
    # 41 経済状況詳細: the pensions without an item of their own, then the note; a line break kept (CRLF)
    assert rows[0][40] == ("その他の年金等: 遺族年金\r\n"
                           "国民年金と遺族厚生年金で月額約12万円。預貯金があり、経済的な不安の訴えはない。")
    # 68 公的サービス: one service a line, サービス／頻度／提供者
    assert rows[0][67].split("\r\n")[0] == "配食サービス（夕食）／週3回（月・水・金）／〇〇市（委託先 △△弁当）"


def test_upkihon_sub_files(sample, cli, tmp_path):
    out = tmp_path / "out"
    assert export(cli, sample, out, "3QK7WA").code == 0
    sub1 = records(file_of(out, "UPKIHON_SUB1"))
    assert len(sub1) == 11  # daily_life.schedule has 11 entries
    # 1–4 = the linked 基本情報 (相談日 20261110), 5 時間, 6 本人, 7 介護者・家族
    assert sub1[7] == ["202407", "990001", "9900000101", "20261110", "17:00", "夕食の支度",
                       "長女：火・金は仕事帰りに立ち寄り、重い物の買い物を届ける"]
    sub2 = records(file_of(out, "UPKIHON_SUB2"))
    assert len(sub2) == 4
    # 5 年月日, 6 病名, 7 医療機関・医師名, 8 主治医・意見作成者フラグ (2:それ以外), 9 電話, 10 経過 02:経過観察中, 11 治療中の内容
    assert sub2[0][4:] == ["2026/09/03", "右橈骨遠位端骨折（自宅前で転倒）", "〇〇総合病院 整形外科／伊藤医師", "2",
                           "0000-00-0000", "02", "ギプス固定は10月に終了。月1回受診して経過をみている。右手に力が入りにくい。"]
    assert sub2[3][7] == "1" and sub2[3][9] == "01"  # 高血圧症: 1:主治医 (opinion_writer), 01:治療中


def test_file_names_share_one_serial(sample, cli, tmp_path):
    out = tmp_path / "out"
    run = export(cli, sample, out, "3QK7WA", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    names = sorted(p.name for p in out.iterdir())
    # PREFIX_送信元(10)_種類(2)_送信先(10)_種類(2)_YYYYMMDDHHMMSS(14).CSV (レイアウト ファイル名規約)
    assert names == sorted(f"{p}_{ROUTE}_{SERIAL}.CSV" for p in
                           ("UPKIHON", "UPKIHON_SUB1", "UPKIHON_SUB2", "UPYOBO", "UPYOBO_SUB"))
    assert report["serials"] == [SERIAL] and {f["name"] for f in report["files"]} == set(names)
    # a second set the same day and time sorts after the first (本文 3.5: sets processed in 連番 order)
    again = export(cli, sample, out, "3QK7WA", "--json")
    assert json.loads(again.stdout)["serials"] == ["20261130090001"]


def test_golden_files(sample, cli, tmp_path):
    """The exact bytes of each sample plan's set (委託・指定, 要支援・事業対象者)."""
    for case, plan in (("3QK7WA", "P1"), ("5MZ2RT", "P2"), ("8HD4NX", "P1"), ("C2VW9F", "P1")):
        out = tmp_path / case
        assert export(cli, sample, out, case, "--plan", plan).code == 0
        for path in sorted(out.iterdir()):
            golden = GOLDEN / f"{case}-{plan}" / path.name
            if UPDATE:
                golden.parent.mkdir(parents=True, exist_ok=True)
                golden.write_bytes(path.read_bytes())
            assert golden.exists(), f"{golden} がありません（YOBO_UPDATE_GOLDEN=1 で作成）"
            assert path.read_bytes() == golden.read_bytes(), golden.name


# -- refusals ---------------------------------------------------------------------------------------------


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_gaiji_is_refused_with_the_item_and_character(sample, cli, tmp_path):
    # 鷗 (U+9DD7) and 𠮷 (U+20BB7) have no MS932 code; 髙 and 﨑 have (NEC/IBM extensions)
    for ch in "鷗𠮷":
        with pytest.raises(UnicodeEncodeError):
            ch.encode("cp932")
    assert "髙﨑".encode("cp932")
    edit(sample, "cases/3Q/3QK7WA/plans/P1/plan.yaml", "day: 朝の体操", "day: 鷗外の朝の体操")
    out = tmp_path / "out"
    run = export(cli, sample, out, "3QK7WA")
    assert run.code == 2
    assert "UPYOBO No.22 目標とする生活(1日)" in run.stderr and "鷗" in run.stderr and "U+9DD7" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert not out.exists() or not any(out.iterdir())  # nothing written


def test_replace_table_maps_a_gaiji_and_says_so(sample, cli, tmp_path):
    edit(sample, "cases/3Q/3QK7WA/plans/P1/plan.yaml", "day: 朝の体操", "day: 鷗外の朝の体操")
    table = tmp_path / "replace.yaml"
    table.write_text("鷗: 鴎\n", encoding="utf-8")
    out = tmp_path / "out"
    run = export(cli, sample, out, "3QK7WA", "--replace", str(table))
    assert run.code == 0, run.stderr
    assert "置き換え" in run.stderr and "鷗" in run.stderr and "鴎" in run.stderr
    assert records(file_of(out, "UPYOBO"))[0][21] == "鴎外の朝の体操を続け、昼は近所を散歩する"


def test_a_value_longer_than_its_item_is_refused(sample, cli, tmp_path):
    # 19 計画作成者事業者・事業所電話番号: 項目長 15
    edit(sample, "yobo.yaml", "phone: '000-000-0000'", "phone: '0000-0000-0000-0000'")
    run = export(cli, sample, tmp_path / "out", "3QK7WA")
    assert run.code == 2
    assert "UPYOBO No.19 計画作成者事業者・事業所電話番号" in run.stderr and "項目長 15" in run.stderr


def test_missing_insurer_number_is_refused_with_where_to_record_it(sample, cli, tmp_path):
    edit(sample, "cases/5M/5MZ2RT/case.yaml", "  insurer_no: '990001'\n", "")
    run = export(cli, sample, tmp_path / "out", "5MZ2RT")
    assert run.code == 2
    assert "No.2 保険者番号" in run.stderr and "person" in run.stderr and "insurer_no" in run.stderr


def test_usage_errors(sample, cli, tmp_path):
    run = cli("export", "careplan-data", "--all", "-C", str(sample), "-o", str(tmp_path / "o"), *TO, *WHEN)
    assert run.code == 2 and "--month" in run.stderr
    run = cli("export", "careplan-data", "3QK7WA", "-C", str(sample), "-o", str(tmp_path / "o"),
              "--to-office", "12345", "--to-service", "A5", *WHEN)
    assert run.code == 2 and "送信先の事業所番号" in run.stderr


# -- month and delete -------------------------------------------------------------------------------------


def test_all_plans_of_a_month_in_one_set(sample, cli, tmp_path):
    out = tmp_path / "out"
    run = export(cli, sample, out, "--all", "--month", "202611", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    # November 2026: 3QK7WA P1 made (11-17); 5MZ2RT P2 changed (軽微な変更 11-20)
    assert sorted((p["case"], p["plan"]) for p in report["plans"]) == [("3QK7WA", "P1"), ("5MZ2RT", "P2")]
    rows = records(file_of(out, "UPYOBO"))
    assert sorted(r[2] for r in rows) == ["9900000101", "9900000102"]


def test_delete_writes_the_delete_files_as_two_units(sample, cli, tmp_path):
    out = tmp_path / "out"
    run = export(cli, sample, out, "3QK7WA", "--delete")
    assert run.code == 0, run.stderr
    # DLTYOBO: 1 CSVバージョン, 2 保険者番号, 3 被保険者番号, 4 計画作成(変更)日 of the plan withdrawn
    assert records(out / f"DLTYOBO_{ROUTE}_{SERIAL}.CSV") == [["202407", "990001", "9900000101", "20261117"]]
    # DLTKIHON: 4 相談日; its own 送信単位 (本文 3.4 (5)), so its own 連番, after the plan's
    assert records(out / f"DLTKIHON_{ROUTE}_20261130090001.CSV") == [["202407", "990001", "9900000101", "20261110"]]
    assert len(list(out.iterdir())) == 2


# -- import and the round trip ----------------------------------------------------------------------------


def empty_casebook(cli, tmp_path: Path, sample: Path) -> Path:
    """A casebook of the same office as the sample, without its cases."""
    root = tmp_path / "empty"
    shutil.copytree(sample, root, ignore=shutil.ignore_patterns(".git", "cases", ".yobo"))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=田中美咲", "-c", "user.email=t@example.invalid", "commit", "-qm", "init")
    return root


def without_plans(cli, tmp_path: Path, sample: Path) -> Path:
    """The sample with its plans and basic information removed (cases and certifications kept)."""
    root = tmp_path / "bare"
    shutil.copytree(sample, root, ignore=shutil.ignore_patterns(".yobo"))  # another test may be printing there
    for folder in list(root.glob("cases/*/*/plans")) + list(root.glob("cases/*/*/basic-info")):
        shutil.rmtree(folder)
    git(root, "add", "-A")
    git(root, "-c", "user.name=田中美咲", "-c", "user.email=t@example.invalid", "commit", "-qm", "bare")
    return root


def import_(cli, root: Path, *paths, extra=()):
    return cli("import", "careplan-data", *map(str, paths), "-C", str(root), "--today", "2026-11-30", *extra,
               env=ACTOR)


def test_round_trip_into_a_new_case_is_byte_identical(sample, cli, tmp_path):
    first = tmp_path / "first"
    assert export(cli, sample, first, "3QK7WA").code == 0
    book = empty_casebook(cli, tmp_path, sample)
    before = int(git(book, "rev-list", "--count", "HEAD"))
    run = import_(cli, book, first)
    assert run.code == 0, run.stderr
    assert "新しいケース 3QK7WA" in run.stdout and "取り込めなかった項目 0件" in run.stdout
    assert int(git(book, "rev-list", "--count", "HEAD")) == before + 1  # one commit
    assert git(book, "log", "-1", "--format=%s").strip() == "careplan-import: 3QK7WA"
    assert cli("validate", "-C", str(book)).code == 0
    second = tmp_path / "second"
    assert export(cli, book, second, "3QK7WA").code == 0
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


@pytest.mark.parametrize("case,plans", [("5MZ2RT", ["P1", "P2"]), ("8HD4NX", ["P1"]), ("C2VW9F", ["P1"]),
                                        ("K9RB5D", ["P1"]), ("A7PE3K", ["P1"])])
def test_round_trip_into_existing_cases_is_byte_identical(sample, cli, tmp_path, case, plans):
    book = without_plans(cli, tmp_path, sample)
    for plan in plans:
        first = tmp_path / f"first-{plan}"
        assert export(cli, sample, first, case, "--plan", plan).code == 0
        run = import_(cli, book, first)
        assert run.code == 0, run.stderr
        assert f"ケース {case}: 計画 {plan}" in run.stdout
        second = tmp_path / f"second-{plan}"
        assert export(cli, book, second, case, "--plan", plan).code == 0
        for path in first.iterdir():
            assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_importing_the_same_plan_twice_is_refused(sample, cli, tmp_path):
    out = tmp_path / "out"
    assert export(cli, sample, out, "8HD4NX").code == 0
    head = git(sample, "rev-parse", "HEAD")
    run = import_(cli, sample, out)
    assert run.code == 2 and "計画作成(変更)日 2026-09-12 の計画 P1 が既にあります" in run.stderr
    assert git(sample, "rev-parse", "HEAD") == head and not git(sample, "status", "--porcelain").strip()


def crlf(lines: list[str]) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("cp932")


#: A set typed by hand after the spec's 「(補足)別表の構成について」 example (UPKIHON, 別表1・2,
#: UPYOBO, UPYOBO_SUB: 123456 / 1234567890), written with CSV version 202407 and YYYYMMDD
#: dates as the items' 書式 require (the example's own 相談日 "202401" is only a 年月).
#: A second user in UPYOBO is the sample's 吉田 茂 (A7PE3K), who already has a case.
HAND_SET = {
    "UPKIHON_0300000100_46_9900000001_43_20240120101500.CSV": crlf([
        '202407,123456,1234567890,20240115,1,2,"包括 太郎",01,"",01,,01,"","ヨシカワ　イチロウ","吉川 一郎",1,19400101,'
        '"〇〇市1-1",03-0000-0000,,11,01,12,20240101,20241231,01,1,20240115,0,0,0,0,"",05,1,2,1,0,0,0,"",'
        '"吉川 花子","〇〇市1-1",03-0000-0001,"妻","吉川 花子","妻","〇〇市1-1",090-0000-0000,"","","",,'
        '"","","",,"","","",,"UPKIHON_IMAGE_0300000100_46_9900000001_43_20240120101500_0001.JPG","","","","",'
        '"","","",20240115,"吉川 一郎"',
    ]),
    "UPKIHON_SUB1_0300000100_46_9900000001_43_20240120101500.CSV": crlf([
        '202407,123456,1234567890,20240115,"6:00","起床",""',
        '202407,123456,1234567890,20240115,"7:30","朝食",""',
        '202407,123456,1234567890,20240115,"9:00","掃除","妻も実施"',
    ]),
    "UPKIHON_SUB2_0300000100_46_9900000001_43_20240120101500.CSV": crlf([
        '202407,123456,1234567890,20240115,"H12年10月","AAA","XXXX",1,03-0000-0000,01,"aaa"',
        '202407,123456,1234567890,20240115,"2020/4","BBB","XXXX",1,03-0000-0000,01,"bbb"',
    ]),
    "UPYOBO_0300000100_46_9900000001_43_20240120101500.CSV": crlf([
        '202407,123456,1234567890,20240118,1,2,"","吉川 一郎",20231220,20240101,20241231,11,2,1,"包括 太郎",'
        '"","〇〇地域包括支援センター","〇〇市2-2",03-1111-1111,20240118,"〇〇地域包括支援センター",'
        '"毎日散歩する","旅行に行く","a","b",1,"c","d","e",2,"","f","g",1,"h","i","j",2,"","","","総合的な方針",'
        '2,1,0,0,0,0,1,2,2,2,2,2,"意見",20240119,"吉川 一郎"',
        '202407,990001,9900000104,20240118,2,2,"","吉田 茂",,20251201,,21,2,3,"",'
        '"高橋健一","","","",20251210,"西地域包括支援センター","","","","",,"","","",,"","","",,"","","",,'
        '"","","","方針",1,0,0,0,0,0,,,,,,,"",,""',
    ]),
    "UPYOBO_SUB_0300000100_46_9900000001_43_20240120101500.CSV": crlf([
        '202407,123456,1234567890,20240118,1,"○○が出来なくなる可能性がある。","○○を提案","○○を希望",'
        '"○○になること。",1,"○○の実施","○○の実施","○○の実施",1,"介護予防通所介護","〇〇センター","6カ月間"',
        '202407,123456,1234567890,20240118,1,"","","","",2,"●●の実施","●●の実施","●●の実施",1,'
        '"介護予防通所介護","〇〇センター","6カ月間"',
        '202407,123456,1234567890,20240118,1,"","","","",2,"","","",2,"宅老所利用","社会福祉協議会","6カ月間"',
        '202407,990001,9900000104,20240118,1,"外出が減っている","","","週1回通う",1,"","散歩","通所型サービス",1,'
        '"通所型サービス（独自）","××デイ","2025/12/01～2026/11/30"',
    ]),
}


def test_import_of_a_hand_written_set(sample, cli, tmp_path):
    folder = tmp_path / "received"
    folder.mkdir()
    for name, data in HAND_SET.items():
        (folder / name).write_bytes(data)
    before = int(git(sample, "rev-list", "--count", "HEAD"))
    run = import_(cli, sample, folder, extra=("--json",))
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert int(git(sample, "rev-list", "--count", "HEAD")) == before + 1  # both users, one commit
    cases = {c["case"]: c for c in report["cases"]}
    assert cases["A7PE3K"]["new"] is False and cases["A7PE3K"]["plans"] == ["P2"]
    new_id = next(c for c in cases if c != "A7PE3K")
    assert cases[new_id]["new"] is True and cases[new_id]["plans"] == ["P1"]
    unplaced = {(u["item"], u["value"]) for u in report["unplaced"]}
    assert ("No.62 家族構成 画像ファイル名", "UPKIHON_IMAGE_0300000100_46_9900000001_43_20240120101500_0001.JPG") in unplaced
    assert ("No.5 年月日", "H12年10月") in unplaced  # a 和暦 year-month yobo does not read
    assert sum(1 for item, value in unplaced if value == "6カ月間") >= 1  # 期間 without dates
    assert ("No.18 計画作成者事業者・事業所住所", "〇〇市2-2") in unplaced  # the sender's office

    folder_rel = next(Path(p) for p in (sample / "cases").glob(f"*/{new_id}"))
    case = load_fast((folder_rel / "case.yaml").read_text(encoding="utf-8"), "case.yaml")
    assert case["person"] == {"insurer_no": "123456", "insured_no": "1234567890", "name": "吉川 一郎",
                              "kana": "ヨシカワ　イチロウ", "birth": "1940-01-01", "sex": "male"}
    assert case["route"] == "yobo-shien" and case["mode"] == "itaku" and case["hokatsu"] == "〇〇地域包括支援センター"
    plan = load_fast((folder_rel / "plans/P1/plan.yaml").read_text(encoding="utf-8"), "plan.yaml")
    assert plan["issues"] == ["○○が出来なくなる可能性がある。"] and plan["proposals"] == ["○○を提案"]
    goal = plan["goals"][0]
    assert goal["goal"] == "○○になること。"
    # 支援計画NO 1 and 2 are two service entries; 利用サービスNO 2 of 支援計画 2 a third, continuing it
    assert [s.get("kind") for s in goal["services"]] == ["介護予防通所介護", "介護予防通所介護", "宅老所利用"]
    assert "self_care" not in goal["services"][2] and goal["services"][1]["self_care"] == "●●の実施"
    assert plan["checklist"]["scores"]["motor"] == "2/5" and plan["checklist"]["programs"] == ["motor"]
    # sent by the 包括 itself: No.15 its staff member, No.16 blank — the planner
    assert plan["planner"] == "包括 太郎" and "hokatsu_staff" not in plan and plan["hokatsu_opinion"] == "意見"
    assert plan["period"] == {"start": "2024-01-18", "end": "2024-12-31"}  # no dated 期間: 作成日〜認定終了日
    consent = load_fast((folder_rel / "plans/P1/consent.yaml").read_text(encoding="utf-8"), "consent.yaml")
    assert consent["date"] == "2024-01-19" and consent["signer"] == "吉川 一郎"
    basic = load_fast(next((folder_rel / "basic-info").iterdir()).read_text(encoding="utf-8"), "basic")
    assert [s["time"] for s in basic["daily_life"]["schedule"]] == ["06:00", "07:30", "09:00"]
    assert basic["medical_history"][1]["date"] == "2020-04" and "date" not in basic["medical_history"][0]
    checked = cli("validate", "-C", str(sample), "--json")
    # every document passes its schema; what is left is the workflow the CSV does not carry
    # (a consent without a meeting or 包括 confirmation on record)
    assert {p["code"] for p in json.loads(checked.stdout)["problems"]} <= {"plan-order"}
    assert any("担当者会議と包括の確認" in n for n in report["notes"])
    a7 = load_fast((sample / "cases/A7/A7PE3K/plans/P2/plan.yaml").read_text(encoding="utf-8"), "plan.yaml")
    assert a7["route"] == "cm-a" and a7["level"] == "jigyo" and a7["kind"] == "continuing"
    assert a7["period"] == {"start": "2025-12-01", "end": "2026-11-30"}  # from the dated 期間 of its 支援計画


def test_import_refuses_a_bad_value_naming_file_line_and_item(sample, cli, tmp_path):
    folder = tmp_path / "received"
    folder.mkdir()
    name = "UPYOBO_0300000100_46_9900000001_43_20240120101500.CSV"
    lines = HAND_SET[name].decode("cp932").split("\r\n")
    bad = lines[1].replace(",2,2,\"\",\"吉田 茂\"", ",2,9,\"\",\"吉田 茂\"")  # No.6 委託の有無 9: no such code
    (folder / name).write_bytes(crlf([lines[0], bad]))
    head = git(sample, "rev-parse", "HEAD")
    run = import_(cli, sample, folder)
    assert run.code == 2
    assert f"{name}:2" in run.stderr and "No.6 委託の有無" in run.stderr
    assert git(sample, "rev-parse", "HEAD") == head


def test_import_refuses_another_csv_version(sample, cli, tmp_path):
    path = tmp_path / "DLTYOBO_0300000100_46_9900000001_43_20240120101500.CSV"
    path.write_bytes(crlf(["202208,990001,9900000104,20240118"]))
    run = import_(cli, sample, path)
    assert run.code == 2 and "CSVバージョン '202208'" in run.stderr


# -- the tables against the spec's layout ------------------------------------------------------------------


def test_tables_follow_the_layout():
    """Item counts and order as the layout numbers them (別紙 CSVファイルレイアウト定義書)."""
    from yobo.careplan_data.v202407 import CODES, CSV_VERSION, FILES

    counts = {"UPKIHON": 71, "UPKIHON_SUB1": 7, "UPKIHON_SUB2": 11, "UPYOBO": 57, "UPYOBO_SUB": 17,
              "DLTKIHON": 4, "DLTYOBO": 4}
    for prefix, count in counts.items():
        assert [i.no for i in FILES[prefix].items] == list(range(1, count + 1)), prefix
    assert CSV_VERSION == "202407"  # 【CSVバージョン履歴】 202407 第4.1版
    names = {prefix: {i.no: i.name for i in spec.items} for prefix, spec in FILES.items()}
    # names as printed in the layout
    assert names["UPKIHON"][27] == "基本チェックリスト記入結果" and names["UPKIHON"][62] == "家族構成 画像ファイル名"
    assert names["UPKIHON"][70] == "同意日" and names["UPKIHON"][71] == "同意者氏名"
    assert names["UPYOBO"][42] == "総合的な方針" and names["UPYOBO"][55] == "地域包括支援センター意見"
    assert names["UPYOBO"][43] == "基本チェックリストの該当数(運動不足)"
    assert names["UPYOBO"][54] == "事業プログラムの要否(うつ予防)"
    assert names["UPYOBO_SUB"][14] == "利用サービスＮＯ" and names["UPKIHON_SUB2"][8] == "主治医・意見作成者フラグ"
    lengths = {prefix: {i.no: i.length for i in spec.items} for prefix, spec in FILES.items()}
    assert lengths["UPYOBO"][19] == 15 and lengths["UPKIHON"][44] == 15  # 電話番号 15
    assert lengths["UPYOBO_SUB"][5] == 2 and lengths["UPKIHON"][35] == 2  # 課題ＮＯ 2, 自室の階数 2
    # 書式 column: 「01:自立、11:J1、12:J2、21:A1、22:A2、31:B1、32:B2、41:C1、42:C2」
    assert CODES["physical"] == {"independent": "01", "J1": "11", "J2": "12", "A1": "21", "A2": "22", "B1": "31",
                                 "B2": "32", "C1": "41", "C2": "42"}
    # 「01:自立、02:Ⅰ、03:Ⅱａ、04:Ⅱｂ、05:Ⅲａ、06:Ⅲｂ、07:Ⅳ、08:Ｍ」
    assert list(CODES["cognitive"].values()) == ["01", "02", "03", "04", "05", "06", "07", "08"]
    # 「01:自宅、02:借家、03:一戸建て、04:集合住宅、05:自宅・一戸建て、06:自宅・集合住宅、07:借家・一戸建て、08:借家・集合住宅」
    assert CODES["dwelling"][("rented", "apartment")] == "08" and CODES["dwelling"][(None, "house")] == "03"
    # コード表(1) 計画書区分 11 初回 12 紹介 21 継続; (2) 認定状況区分 1 申請中 2 認定済
    assert CODES["plan_kind"] == {"first": "11", "referral": "12", "continuing": "21"}
    assert CODES["cert_status"] == {"pending": "1", "certified": "2"}
    # 要支援状態区分「1:要支援１、2:要支援２、3:地域支援事業」; 計画種類「1:介護予防支援、2:介護予防ケアマネジメント」
    assert CODES["support_level"] == {"shien1": "1", "shien2": "2", "jigyo": "3"}
    assert CODES["route"] == {"yobo-shien": "1", "cm-a": "2"} and CODES["mode"] == {"shitei": "1", "itaku": "2"}


# -- more import cases ---------------------------------------------------------------------------------------


def test_import_of_a_basic_information_alone_into_an_existing_case(sample, cli, tmp_path):
    out = tmp_path / "out"
    assert export(cli, sample, out, "3QK7WA").code == 0
    for path in out.glob("UPYOBO*"):
        path.unlink()
    book = without_plans(cli, tmp_path, sample)
    run = import_(cli, book, out)
    assert run.code == 0, run.stderr
    assert "ケース 3QK7WA: 利用者基本情報 2026-11-30.yaml" in run.stdout
    again = tmp_path / "again"
    # the plan is needed to export; the basic information imported is the one the plan is sent with
    shutil.copytree(sample / "cases/3Q/3QK7WA/plans", book / "cases/3Q/3QK7WA/plans")
    assert export(cli, book, again, "3QK7WA").code == 0
    for path in out.iterdir():
        assert path.read_bytes() == (again / path.name).read_bytes(), path.name


def test_import_reads_half_width_kana_and_lists_other_files(sample, cli, tmp_path):
    folder = tmp_path / "received"
    folder.mkdir()
    for name, data in HAND_SET.items():
        if name.startswith("UPKIHON_0"):
            data = data.decode("cp932").replace("ヨシカワ　イチロウ", "ﾖｼｶﾜ ｲﾁﾛｳ").encode("cp932")
        (folder / name.replace("9900000001", "9900000009")).write_bytes(data)
    (folder / "UPPLAN_202401_0300000100_46_9900000009_43_20240120101500.CSV").write_bytes(b"")
    run = import_(cli, sample, folder, extra=("--json",))
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    new_id = next(c["case"] for c in report["cases"] if c["new"])
    case = load_fast(next((sample / "cases").glob(f"*/{new_id}/case.yaml")).read_text(encoding="utf-8"), "c")
    assert case["person"]["kana"] == "ヨシカワ　イチロウ"
    assert any(u["file"].startswith("UPPLAN_") for u in report["unplaced"])
    assert any("9900000009" in n and "9900000001" in n for n in report["notes"])  # addressed to another office


def test_a_later_set_replaces_the_same_plan(sample, cli, tmp_path):
    book = without_plans(cli, tmp_path, sample)
    folder = tmp_path / "sets"
    assert export(cli, sample, folder, "8HD4NX").code == 0
    edit(sample, "cases/8H/8HD4NX/plans/P1/plan.yaml", "year: 夏祭りに歩いて出かける", "year: 秋祭りに歩いて出かける")
    assert export(cli, sample, folder, "8HD4NX").code == 0  # 連番 20261130090001
    run = import_(cli, book, folder, extra=("--json",))
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["cases"][0]["plans"] == ["P1"]
    assert any("20261130090001" in u["reason"] for u in report["unplaced"])
    plan = load_fast((book / "cases/8H/8HD4NX/plans/P1/plan.yaml").read_text(encoding="utf-8"), "p")
    assert plan["life_goals"]["year"] == "秋祭りに歩いて出かける"


def test_installed_program_exports_and_imports(sample, yobo_bin, tmp_path):
    out = tmp_path / "out"
    run = yobo_bin("export", "careplan-data", "5MZ2RT", "-C", str(sample), "-o", str(out), *TO, *WHEN,
                   env=ACTOR)
    assert run.code == 0, run.stderr
    assert sorted(p.name.split("_9900000001")[0] for p in out.iterdir()) == ["UPYOBO", "UPYOBO_SUB"]
    run = yobo_bin("import", "careplan-data", str(out), "-C", str(sample), "--today", "2026-11-30", env=ACTOR)
    assert run.code == 2 and "既にあります" in run.stderr and "Traceback" not in run.stderr


def test_needed_programs_are_written_when_recorded(sample, cli, tmp_path):
    # 49–54 事業プログラムの要否 「1:要、2:否」: from plan.yaml checklist.programs (the ○ of the form)
    edit(sample, "cases/8H/8HD4NX/plans/P1/plan.yaml", "checklist:\n", "checklist:\n  programs: [motor, mood]\n")
    out = tmp_path / "out"
    assert export(cli, sample, out, "8HD4NX").code == 0
    row = records(file_of(out, "UPYOBO"))[0]
    assert row[48:54] == ["1", "2", "2", "2", "2", "1"]

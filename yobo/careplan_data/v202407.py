"""The item tables of ケアプランデータ連携標準仕様 v4.1 (CSV version 202407), 介護予防 part.

Typed from 「ケアプランデータ連携標準仕様 令和6年10月 厚生労働省老健局」 別紙 「CSVファイル
レイアウト定義書」 (files 利用者基本情報, 同（別表1）, 同（別表2）, 同_削除, 介護予防サービス・
支援計画書, 同（別表）支援計画, 同_削除) and its 【コード表】.  The public text used is the dump
in ``kt-group1165/honobono_caremanager`` (``migrations/_if_careplan_v4_layout.txt``), an
OCR whose 項目長 column is out of line with the item names: item order and names are
as printed; each length was re-paired with its item by counting the column's rows and
checked against the 書式 column (YYYYMMDD ↔ 8, 1:有、2:無 ↔ 1, ― ↔ フリーテキスト).

A later version of the spec is a new module with its own tables; the exporter and the
importer read only :data:`FILES`.

Each :class:`Item` names the yobo field it is written from and read into (see
``fields.py``: a path into a document, or one of the few derived fields whose two
directions are written side by side there), the format (``FORMATS``) and the length
(``None`` for the spec's 「―」, free text without a limit).
"""

from __future__ import annotations

from dataclasses import dataclass

#: 列1 CSVバージョン (【CSVバージョン履歴】: 202407 = 第4.1版).
CSV_VERSION = "202407"


@dataclass(frozen=True)
class Item:
    no: int
    name: str  # 日本語名称 as the layout prints it
    field: str  # yobo field (fields.py), or "" for an item yobo has nowhere to keep
    fmt: str  # key of FORMATS, or "code:<table>" for a key of CODES
    length: int | None  # 項目長; None = 「―」
    required: bool = False  # 必須 ○


#: 書式 of the layout: how a value is written.
FORMATS = {
    "version": "YYYYMM（CSVバージョン）",
    "insurer": "保険者番号（数字6桁）",
    "insured": "被保険者番号（数字10桁、生保単独は H＋数字9桁）",
    "date": "YYYYMMDD",
    "text": "フリーテキスト（\"\" で囲む）",
    "phone": "電話番号（数字・ハイフン・括弧）",
    "number": "数字",
}

#: 選択肢 of the layout, yobo value → code.  Typed from each item's 書式 column and the
#: 【コード表】 (計画書区分, 認定状況区分).
CODES: dict[str, dict] = {
    # 計画種類: 1:介護予防支援、2:介護予防ケアマネジメント
    "route": {"yobo-shien": "1", "cm-a": "2"},
    # 委託の有無: 1:自前、2:委託
    "mode": {"shitei": "1", "itaku": "2"},
    # 相談方法: 01:来所、02:電話、03:その他
    "consult_method": {"visit": "01", "phone": "02", "other": "03"},
    # 相談回数: 01:初回、02:再来
    "consult_kind": {"first": "01", "repeat": "02"},
    # 利用者の現況: 01:在宅、02:入院又は入所中 (yobo's hospital and facility are both "away")
    "place": {"home": "01", "away": "02"},
    # 利用者性別: 1:男性 2:女性
    "sex": {"male": "1", "female": "2"},
    # 障害高齢者の日常生活自立度
    "physical": {"independent": "01", "J1": "11", "J2": "12", "A1": "21", "A2": "22", "B1": "31", "B2": "32",
                 "C1": "41", "C2": "42"},
    # 認知症高齢者の日常生活自立度
    "cognitive": {"independent": "01", "I": "02", "IIa": "03", "IIb": "04", "IIIa": "05", "IIIb": "06", "IV": "07",
                  "M": "08"},
    # 要介護状態区分 / 前回の介護度: 01:非該当、12:要支援１、13:要支援２、21〜25:要介護１〜５
    "care_level": {"higaito": "01", "shien1": "12", "shien2": "13", "kaigo1": "21", "kaigo2": "22", "kaigo3": "23",
                   "kaigo4": "24", "kaigo5": "25"},
    # 基本チェックリスト記入結果: 1:事業対象者の該当あり、2:事業対象者の該当なし
    "checklist_result": {"applicable": "1", "not_applicable": "2"},
    # 障害等認定・経済状況: 1:該当、0:非該当
    "flag10": {True: "1", False: "0"},
    # 居住形態: 01:自宅 02:借家 03:一戸建て 04:集合住宅 05:自宅・一戸建て 06:自宅・集合住宅
    # 07:借家・一戸建て 08:借家・集合住宅 (yobo: tenure/building)
    "dwelling": {("own", None): "01", ("rented", None): "02", (None, "house"): "03", (None, "apartment"): "04",
                 ("own", "house"): "05", ("own", "apartment"): "06", ("rented", "house"): "07",
                 ("rented", "apartment"): "08"},
    # 住宅改修の有無・領域における課題の有無: 1:有、2:無
    "yes_no": {True: "1", False: "2"},
    # 主治医・意見作成者フラグ: 1:主治医、2:それ以外
    "opinion_writer": {True: "1", False: "2"},
    # 経過: 01:治療中、02:経過観察中、03:その他
    "course": {"treating": "01", "observing": "02", "other": "03"},
    # 計画書区分 (コード表(1)): 11:初回、12:紹介、21:継続 (51–54 are combinations yobo keeps as one)
    "plan_kind": {"first": "11", "referral": "12", "continuing": "21"},
    # 認定状況区分 (コード表(2)): 1:申請中、2:認定済
    "cert_status": {"pending": "1", "certified": "2"},
    # 要支援状態区分: 1:要支援１、2:要支援２、3:地域支援事業
    "support_level": {"shien1": "1", "shien2": "2", "jigyo": "3"},
    # 事業プログラムの要否: 1:要、2:否
    "needed": {True: "1", False: "2"},
}

#: 計画書区分 51–54 (初回＆紹介 …): yobo keeps one kind a plan; the first named is kept
#: and the import reports the rest.
PLAN_KIND_COMBINATIONS = {"51": "first", "52": "first", "53": "referral", "54": "first"}

_KEYS = [
    Item(1, "CSVバージョン", "version", "version", 6, True),
    Item(2, "保険者番号", "case:person.insurer_no", "insurer", 6, True),
    Item(3, "被保険者番号", "case:person.insured_no", "insured", 10, True),
]

#: 利用者基本情報 (UPKIHON), 71 items.
KIHON = _KEYS + [
    Item(4, "相談日", "basic:consultation.date", "date", 8, True),
    Item(5, "計画種類", "route", "code:route", 1, True),
    Item(6, "委託の有無", "case:mode", "code:mode", 1, True),
    Item(7, "作成担当者", "basic:author", "text", None),
    Item(8, "相談方法", "basic:consultation.method", "code:consult_method", 2),
    Item(9, "相談方法(その他の内容)", "basic:consultation.method_note", "text", None),
    Item(10, "相談回数", "basic:consultation.kind", "code:consult_kind", 2),
    Item(11, "前回相談日", "basic:consultation.previous", "date", 8),
    Item(12, "利用者の現況", "current_place", "code:place", 2, True),
    Item(13, "利用者の現況(状況補足)", "basic:current_status.facility", "text", None),
    Item(14, "利用者氏名ﾌﾘｶﾞﾅ", "case:person.kana", "text", None, True),
    Item(15, "利用者氏名", "case:person.name", "text", None, True),
    Item(16, "利用者性別", "case:person.sex", "code:sex", 1, True),
    Item(17, "利用者生年月日", "case:person.birth", "date", 8, True),
    Item(18, "利用者住所", "basic:address", "text", None),
    Item(19, "利用者電話番号", "basic:phone", "phone", 15),
    Item(20, "利用者Fax番号", "basic:fax", "phone", 15),
    Item(21, "障害高齢者の日常生活自立度", "basic:independence.physical", "code:physical", 2),
    Item(22, "認知症高齢者の日常生活自立度", "basic:independence.cognitive", "code:cognitive", 2),
    Item(23, "要介護状態区分", "cert_care_level", "code:care_level", 2),
    Item(24, "認定有効期限開始日", "cert_from", "date", 8),
    Item(25, "認定有効期間終了日", "cert_to", "date", 8),
    Item(26, "前回の介護度", "previous_level", "code:care_level", 2),
    Item(27, "基本チェックリスト記入結果", "basic:certification.checklist_result", "code:checklist_result", 1),
    Item(28, "基本チェックリスト記入日", "basic:certification.checklist_date", "date", 8),
    Item(29, "障害等認定(身障)", "disability.physical", "code:flag10", 1),
    Item(30, "障害等認定(療育)", "disability.intellectual", "code:flag10", 1),
    Item(31, "障害等認定(精神)", "disability.mental", "code:flag10", 1),
    Item(32, "障害等認定(難病)", "disability.intractable", "code:flag10", 1),
    Item(33, "障害等認定特記事項", "disability_notes", "text", None),
    Item(34, "居住形態", "dwelling", "code:dwelling", 2),
    Item(35, "自室の階数", "room_floor", "number", 2),
    Item(36, "住宅改修の有無", "basic:housing.home_modification", "code:yes_no", 1),
    Item(37, "経済状況(国民年金)", "pension.national", "code:flag10", 1),
    Item(38, "経済状況(厚生年金)", "pension.employees", "code:flag10", 1),
    Item(39, "経済状況(障害年金)", "pension.disability", "code:flag10", 1),
    Item(40, "経済状況(生活保護)", "public_assistance", "code:flag10", 1),
    Item(41, "経済状況詳細", "finance_notes", "text", None),
    Item(42, "来所者(相談者)氏名", "basic:visitor.name", "text", None),
    Item(43, "来所者(相談者)住所", "basic:visitor.address", "text", None),
    Item(44, "来所者(相談者)電話番号", "basic:visitor.phone", "phone", 15),
    Item(45, "来所者(相談者)続柄", "basic:visitor.relation", "text", None),
]
for _n in range(4):
    KIHON += [
        Item(46 + 4 * _n, f"{_n + 1} 緊急連絡先(氏名)", f"contact.{_n}.name", "text", None),
        Item(47 + 4 * _n, f"{_n + 1} 緊急連絡先(続柄)", f"contact.{_n}.relation", "text", None),
        Item(48 + 4 * _n, f"{_n + 1} 緊急連絡先(住所)", f"contact.{_n}.address", "text", None),
        Item(49 + 4 * _n, f"{_n + 1} 緊急連絡先(電話番号)", f"contact.{_n}.phone", "phone", 15),
    ]
KIHON += [
    # yobo draws the family as a genogram on the form; it keeps no image to send
    Item(62, "家族構成 画像ファイル名", "", "text", None),
    Item(63, "家族関係等の状況", "basic:family_notes", "text", None),
    Item(64, "今までの生活", "basic:life_history", "text", None),
    Item(65, "１日の生活・すごし方(生活全般)", "basic:daily_life.summary", "text", None),
    Item(66, "趣味・楽しみ・特技", "basic:hobbies", "text", None),
    Item(67, "友人・地域との関係", "basic:community", "text", None),
    Item(68, "現在利用している公的サービス", "services.public", "text", None),
    Item(69, "現在利用している非公的サービス", "services.informal", "text", None),
    Item(70, "同意日", "basic:consent.date", "date", 8),
    Item(71, "同意者氏名", "basic:consent.name", "text", None),
]

_KIHON_KEYS = _KEYS + [Item(4, "相談日", "basic:consultation.date", "date", 8, True)]

#: 利用者基本情報（別表1）１日の生活・すごし方(タイムスケジュール): a row per schedule entry.
KIHON_SUB1 = _KIHON_KEYS + [
    Item(5, "時間", "row:time", "text", None),
    Item(6, "本人の生活状況", "row:person", "text", None),
    Item(7, "介護者・家族の生活状況", "row:family", "text", None),
]

#: 利用者基本情報（別表2）現病歴・既往歴: a row per disease.
KIHON_SUB2 = _KIHON_KEYS + [
    Item(5, "年月日", "history.date", "text", None),
    Item(6, "病名", "row:disease", "text", None),
    Item(7, "医療機関・医師名", "history.institution", "text", None),
    Item(8, "主治医・意見作成者フラグ", "history.opinion_writer", "code:opinion_writer", 1),
    Item(9, "医療機関・医師電話番号", "row:phone", "phone", 15),
    Item(10, "経過", "row:course", "code:course", 2),
    Item(11, "治療中の内容", "row:treatment", "text", None),
]

#: 利用者基本情報_削除: the key of the basic information to withdraw.
KIHON_DELETE = list(_KIHON_KEYS)

_DOMAINS = [("motor", "運動・移動"), ("daily_life", "日常生活(家庭生活)"),
            ("social", "社会参加、対人関係・コミュニケーション"), ("health", "健康管理")]
_PROGRAMS = [("motor", "運動不足"), ("nutrition", "栄養改善"), ("oral", "口腔内ケア"),
             ("housebound", "閉じこもり予防"), ("cognition", "物忘れ予防"), ("mood", "うつ予防")]

#: 介護予防サービス・支援計画書 (UPYOBO), 57 items.
YOBO = _KEYS + [
    Item(4, "計画作成(変更)日", "plan:created_on", "date", 8, True),
    Item(5, "計画種類", "plan:route", "code:route", 1, True),
    Item(6, "委託の有無", "case:mode", "code:mode", 1, True),
    Item(7, "整理番号", "case:id", "text", None),
    Item(8, "利用者名", "case:person.name", "text", None, True),
    Item(9, "認定年月日", "plan:certified_on", "date", 8),
    Item(10, "認定有効期間開始日", "plan:cert_from", "date", 8),
    Item(11, "認定有効期間終了日", "plan:cert_to", "date", 8),
    Item(12, "計画書区分", "plan:kind", "code:plan_kind", 2),
    Item(13, "認定状況区分", "plan:cert_status", "code:cert_status", 1),
    Item(14, "要支援状態区分", "plan:level", "code:support_level", 1),
    Item(15, "計画作成者氏名（地域包括支援センター担当者名）", "hokatsu_staff", "text", None),
    Item(16, "計画作成者氏名（担当介護支援専門員名）", "planner", "text", None),
    Item(17, "計画作成者事業者・事業所名", "planner_office", "text", None),
    Item(18, "計画作成者事業者・事業所住所", "office:address", "text", None),
    Item(19, "計画作成者事業者・事業所電話番号", "office:phone", "phone", 15),
    Item(20, "初回作成日", "plan:first_created_on", "date", 8),
    Item(21, "担当地域包括支援センター", "plan:hokatsu", "text", None),
    Item(22, "目標とする生活(1日)", "plan:life_goals.day", "text", None),
    Item(23, "目標とする生活(1年)", "plan:life_goals.year", "text", None),
]
for _i, (_code, _label) in enumerate(_DOMAINS):
    YOBO += [
        Item(24 + 4 * _i, f"【{_label}】現在の状況", f"plan:domains.{_code}.current", "text", None),
        Item(25 + 4 * _i, f"【{_label}】本人・家族の意欲・意向", f"plan:domains.{_code}.intention", "text", None),
        Item(26 + 4 * _i, f"【{_label}】領域における課題の有無", f"plan:domains.{_code}.issue", "code:yes_no", 1),
        Item(27 + 4 * _i, f"【{_label}】領域における課題（背景・原因）", f"plan:domains.{_code}.background", "text",
             None),
    ]
YOBO += [
    Item(40, "健康状態の留意点", "plan:health_notes", "text", None),
    Item(41, "妥当な支援の実施に向けた方針", "plan:unable_policy", "text", None),
    Item(42, "総合的な方針", "plan:overall_policy", "text", None),
]
YOBO += [Item(43 + i, f"基本チェックリストの該当数({label})", f"score.{code}", "number", 1)
         for i, (code, label) in enumerate(_PROGRAMS)]
YOBO += [Item(49 + i, f"事業プログラムの要否({label})", f"program.{code}", "code:needed", 1)
         for i, (code, label) in enumerate(_PROGRAMS)]
YOBO += [
    Item(55, "地域包括支援センター意見", "hokatsu_opinion", "text", None),
    Item(56, "同意日", "consent:date", "date", 8),
    Item(57, "同意者氏名", "consent:signer", "text", None),
]

_YOBO_KEYS = _KEYS + [Item(4, "計画作成(変更)日", "plan:created_on", "date", 8, True)]

#: 介護予防サービス・支援計画書（別表）支援計画 (UPYOBO_SUB): a row per 利用サービス.
#: 課題NO ↔ the n-th 総合的課題 and 目標 of the plan; 支援計画NO ↔ a service entry of
#: that goal; 利用サービスNO > 1 ↔ a service entry continuing the one before it
#: (no 支援計画 text of its own).
YOBO_SUB = _YOBO_KEYS + [
    Item(5, "課題ＮＯ", "sub.issue_no", "number", 2),
    Item(6, "総合的課題", "sub.issue", "text", None),
    Item(7, "課題に対する目標と具体策の提案", "sub.proposal", "text", None),
    Item(8, "具体策についての意向本人・家族", "sub.intention", "text", None),
    Item(9, "目標", "sub.goal", "text", None),
    Item(10, "支援計画ＮＯ", "sub.support_no", "number", 2),
    Item(11, "【支援計画】目標についての支援のポイント", "sub.support_points", "text", None),
    Item(12, "【支援計画】本人等のセルフケアや家族の支援、インフォーマルサービス（民間サービス）", "row:self_care",
         "text", None),
    Item(13, "【支援計画】介護保険サービス又は地域支援事業（総合事業のサービス）", "row:insured_service", "text", None),
    Item(14, "利用サービスＮＯ", "sub.service_no", "number", 2),
    Item(15, "【利用サービス】サービス種別", "row:kind", "text", None),
    Item(16, "【利用サービス】事業所(利用先)", "row:provider", "text", None),
    Item(17, "【利用サービス】期間", "sub.period", "text", None),
]

#: 介護予防サービス・支援計画書_削除: the key of the plan to withdraw.
YOBO_DELETE = list(_YOBO_KEYS)


@dataclass(frozen=True)
class FileSpec:
    prefix: str  # file name prefix (ファイル名規約)
    title: str  # ファイル名称
    items: list[Item]


#: Every file of the 介護予防 interface, in the order a set is written and read
#: (基本情報 before its 別表, 計画書 before its 別表; 3.3 図表 3.3.1).
FILES: dict[str, FileSpec] = {f.prefix: f for f in [
    FileSpec("UPKIHON", "利用者基本情報", KIHON),
    FileSpec("UPKIHON_SUB1", "利用者基本情報（別表1）１日の生活・すごし方(タイムスケジュール)", KIHON_SUB1),
    FileSpec("UPKIHON_SUB2", "利用者基本情報（別表2）現病歴・既往歴", KIHON_SUB2),
    FileSpec("UPYOBO", "介護予防サービス・支援計画書", YOBO),
    FileSpec("UPYOBO_SUB", "介護予防サービス・支援計画書（別表）支援計画", YOBO_SUB),
    FileSpec("DLTKIHON", "利用者基本情報_削除", KIHON_DELETE),
    FileSpec("DLTYOBO", "介護予防サービス・支援計画書_削除", YOBO_DELETE),
]}

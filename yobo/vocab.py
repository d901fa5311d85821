"""Every coded value yobo stores, with the Japanese label a care manager reads.

YAML keeps the ASCII code (``shien1``); screens and forms show the label
(要支援1).  Input accepts either.
"""

from __future__ import annotations

from .errors import InputError

#: 要介護度 of a preventive case: 要支援1・2 (certified) or 事業対象者 (by 基本チェックリスト).
LEVELS = {"shien1": "要支援1", "shien2": "要支援2", "jigyo": "事業対象者"}

#: 区分 (seed 004 table): 介護予防支援 (予防給付) or 介護予防ケアマネジメントA (総合事業 only).
ROUTES = {"yobo-shien": "介護予防支援", "cm-a": "介護予防ケアマネジメントA"}

#: Short route labels for narrow table columns.
ROUTES_SHORT = {"yobo-shien": "予防支援", "cm-a": "ケアマネA"}

#: 委託 (the 包括 contracts and entrusts a 居宅) or 指定 (a designated 居宅 contracts itself).
MODES = {"itaku": "委託", "shitei": "指定"}

SEXES = {"male": "男", "female": "女"}

#: 居宅介護支援事業所 or 地域包括支援センター: the two parties sharing a casebook.
OFFICE_KINDS = {"kyotaku": "居宅介護支援事業所", "hokatsu": "地域包括支援センター"}

#: 認定済 / 申請中 of a certification (a 暫定ケアプラン is written while 申請中).
CERT_STATUSES = {"certified": "認定済", "pending": "申請中"}

CASE_STATUSES = {"active": "支援中", "closed": "終了"}

#: Where a deadline stands on the day asked: one stable code, one Japanese label, the
#: same in the table, CSV, Excel, calendar and report (JSON keeps the code).  ``due``:
#: its window is open and the day not passed; ``excused``: a missed visit with a recorded
#: 特段の事情; ``done``: recorded as done.  Listed in the order the due list sorts them.
DUE_STATUSES = {"overdue": "期限切れ", "excused": "特段の事情あり", "due": "要対応", "upcoming": "予定", "done": "完了"}

#: Japanese names of the workflow steps, used in logs and messages.
STEPS = {
    "init": "ケースブック作成",
    "case-new": "ケース登録",
    "staff-add": "職員登録",
    "cert-add": "認定の記録",
    "checklist-record": "基本チェックリスト",
    "basic-info": "利用者基本情報",
    "plan-draft": "計画原案の作成",
    "plan-edit": "計画の修正",
    "plan-amend": "計画の軽微な変更",
    "plan-weekly": "週間計画表",
    "submit-draft": "包括へ提出（原案確認）",
    "submit-new-contract": "包括へ提出（新規契約時）",
    "submit-evaluation": "包括へ提出（評価時）",
    "submit-renewal": "包括へ提出（認定更新時）",
    "submit-plan-change": "包括へ提出（計画変更時）",
    "submit-level-change": "包括へ提出（区分変更時）",
    "submit-termination": "包括へ提出（終了時）",
    "review-plan": "包括の原案確認",
    "review-evaluation": "包括の評価確認",
    "meeting": "サービス担当者会議",
    "plan-agree": "計画への同意",
    "plan-start": "サービス開始",
    "monitor": "モニタリング",
    "note": "支援経過記録",
    "evaluate": "評価",
    "case-close": "ケースの終了",
    "attach": "スキャンの添付",
    "careplan-import": "ケアプランデータ連携の取り込み",
    "submit-meeting": "包括へ提出（担当者会議の要点）",
    "submit-route-change": "包括へ提出（区分の切替時）",
    "contract": "契約",
    "doctor-confirm": "主治医の指示の確認",
    "equipment-record": "福祉用具の例外給付の記録",
    "done-mark": "期限を済みにした記録",
    "schemas-update": "スキーマの更新",
    "case-switch": "区分・実施形態の切替",
    "case-reassign": "担当の変更",
    "office-set": "事業所の情報の記録",
    "case-event": "台帳の出来事",
    "event-report": "包括への一報",
    "submission-receipt": "包括の受領",
    "case-purge": "保存期間を過ぎたケースの削除",
}

#: Papers of a case, by code: yobo documents and the paper forms their custody is tracked for.
DOCUMENTS = {
    "basic-info": "利用者基本情報",
    "checklist": "基本チェックリスト",
    "plan": "介護予防サービス・支援計画書",
    "weekly": "週間計画表",
    "meeting-record": "サービス担当者会議の要点",
    "progress-notes": "介護予防支援経過記録",
    "evaluation": "介護予防支援・サービス評価表",
    "usage-ticket": "サービス利用票・別表",
    "provision-ticket": "サービス提供票・別表",
    "service-plan": "個別サービス計画",
    "survey-and-opinion": "認定調査票・主治医意見書",
    "contract": "利用契約書",
    "important-matters": "重要事項説明書",
    "privacy-consent": "個人情報使用同意書",
    "request-form": "計画作成依頼（変更）届出書",
    "insurance-card": "被保険者証",
    "addition-evidence": "加算の根拠書類",
    "equipment-exception": "福祉用具貸与の例外給付の書類",
    "purchase-and-renovation": "福祉用具購入・住宅改修の書類",
    "provider-evaluation": "個別サービス計画評価表",
}

#: Who may hold a paper (原本 or 写し): the two offices, the user, the providers, the
#: 保険者 (town) and the doctor.
HOLDERS = {"kyotaku": "居宅", "hokatsu": "包括", "user": "利用者", "providers": "サービス事業所",
           "town": "保険者", "doctor": "主治医"}

#: The papers of a contract (契約), recorded by ``yobo contract record`` (seed 000 手順3, seed 003 同時契約).
CONTRACT_DOCUMENTS = ("contract", "important-matters", "privacy-consent", "request-form")

#: With whom the user signed: the 包括 (委託), the 居宅 (指定) or both (同時契約, seed 003).
CONTRACT_PARTIES = {"hokatsu": "包括", "kyotaku": "居宅", "both": "居宅・包括（同時契約）"}

MONITORING_METHODS = {"visit": "居宅訪問", "phone": "電話", "office": "事業所等で面接", "video": "テレビ電話装置等"}

DECISIONS = {"continue": "プラン継続", "change": "プラン変更", "end": "終了"}

NEXT_ROUTES = {"kaigo": "介護給付", "yobo": "予防給付", "sogo": "介護予防・生活支援サービス事業",
               "ippan": "一般介護予防事業", "end": "終了"}

NOTE_KINDS = {"general": "一般", "meeting": "担当者会議", "minor-change": "軽微な変更", "doctor": "主治医への確認",
              "special-circumstances": "特段の事情", "termination": "終了", "switch": "区分の変更",
              "video-agreement": "テレビ電話装置等の利用の同意・合意"}

PLAN_KINDS = {"first": "初回", "referral": "紹介", "continuing": "継続"}

#: Occasions of a submission to the 包括 (seed 002 資料5 and the 原案確認 of 資料1-3).
SUBMISSION_OCCASIONS = {
    "draft": "原案確認",
    "new-contract": "新規契約時",
    "evaluation": "評価時",
    "renewal": "認定更新時",
    "plan-change": "計画変更時",
    "level-change": "区分変更時",
    "termination": "終了時",
    "meeting": "担当者会議の要点",
    "route-change": "区分の切替時",
}
#: The four assessment domains of the plan form (seed 002 §3 ⑯), in the form's order.
ASSESSMENT_DOMAINS = {"motor": "運動・移動について", "daily_life": "日常生活（家庭生活）について",
                      "social": "社会参加、対人関係・コミュニケーションについて", "health": "健康管理について"}

#: The nine kinds of 軽微な変更 (seed 002 III).
MINOR_CHANGE_KINDS = {"weekday": "曜日変更", "frequency": "回数変更", "address": "住所変更",
                      "provider-name": "事業所名称変更", "period-extension": "目標期間の延長",
                      "equivalent-equipment": "福祉用具の同等品", "provider-change": "事業所変更",
                      "content-only": "サービス内容のみ変更", "staff-change": "担当者変更"}

#: Days of the week of the 週間計画表 (Toshima D表), Monday first as on the form.
WEEKDAYS = {"mon": "月", "tue": "火", "wed": "水", "thu": "木", "fri": "金", "sat": "土", "sun": "日"}

#: Who provides an entry of the 週間計画表: a service of the plan, or the user's own and informal support.
WEEKLY_KINDS = {"service": "介護保険サービス・地域支援事業", "self": "本人", "family": "家族", "informal": "インフォーマル"}

#: Accepted spellings beyond the code and the label.
_ALIASES = {
    "要支援１": "shien1",
    "要支援２": "shien2",
    "男性": "male",
    "女性": "female",
    "居宅": "kyotaku",
    "包括": "hokatsu",
    "provider": "providers",
    "事業所": "providers",
    "ケアマネジメントA": "cm-a",
    "介護予防ケアマネジメント": "cm-a",
}


def parse_choice(field: str, value: str, choices: dict[str, str]) -> str:
    """Return the code for ``value`` given as a code, a label or an alias; InputError otherwise."""
    v = value.strip()
    if v in choices:
        return v
    for code, label in choices.items():
        if v == label:
            return code
    alias = _ALIASES.get(v)
    if alias in choices:
        return alias
    options = "、".join(f"{c}（{label}）" for c, label in choices.items())
    raise InputError(f"'{value}' は使えません。{options} のいずれかを指定してください", field=field)


def label(choices: dict[str, str], code: str | None) -> str:
    """The Japanese label of a code, or the code itself when unknown (hand-edited files)."""
    if code is None:
        return ""
    return choices.get(code, code)


# -- certification results and 暫定ケアプラン (seed 002 II; seed 000 手順19) ------------------------

#: 申請の種類 of a certification still 申請中 (seed 002 II-1 (1)–(4)): told apart by its dates
#: (:func:`yobo.rules.certification.application_kind`).
APPLICATION_KINDS = {"new": "新規申請", "renewal": "更新申請", "change": "区分変更申請"}

#: What a certification result may be (認定結果): the 要支援 levels yobo manages, or a result
#: that takes the case out of preventive care management (要介護 → 居宅介護支援; 非該当).
DECIDED_LEVELS = {"shien1": LEVELS["shien1"], "shien2": LEVELS["shien2"], "kaigo1": "要介護1", "kaigo2": "要介護2",
                  "kaigo3": "要介護3", "kaigo4": "要介護4", "kaigo5": "要介護5", "higaito": "非該当"}

#: Results after which yobo's care ends (seed 000 line 10–14; seed 003 台帳管理「介護度の変更」).
OUT_OF_CARE_LEVELS = frozenset({"kaigo1", "kaigo2", "kaigo3", "kaigo4", "kaigo5", "higaito"})

#: The four situations in which a 暫定ケアプラン is written (seed 002 II-1 (1)–(4)).
PROVISIONAL_SITUATIONS = {
    "new": "新規申請中の新規利用者（seed 002 II-1(1)）",
    "change": "区分変更申請中（seed 002 II-1(2)）",
    "renewal": "更新申請の結果が有効期間内に出ない（seed 002 II-1(3)）",
    "jigyo-new": "事業対象者が新たに認定を申請（seed 002 II-1(4)）",
}

#: 認定結果の見込み (seed 002 II-3 and the 特例取扱い申出書).
EXPECTATIONS = {"shien": "要支援1・2", "kaigo": "要介護1～5"}

STEPS.update({"cert-decide": "認定結果の記録"})

#: Every kind of recorded plan amendment: the 軽微な変更 a user asks for, and the 確定 of a
#: 暫定ケアプラン that ``yobo cert decide`` records as one (seed 002 II-6(1)).
PLAN_AMENDMENT_KINDS = {**MINOR_CHANGE_KINDS, "provisional-confirmed": "暫定ケアプランの確定"}

#: The label of any level a certification file may hold (a result out of care included).
CERT_LEVEL_LABELS = {**LEVELS, **DECIDED_LEVELS}
#: 台帳の出来事 (seed 003 line 28 台帳管理: 介護度の変更/転出/区内転居/施設入所/死亡; 入院・退院).
EVENT_KINDS = {"level-change": "介護度の変更", "move": "転出", "move-within": "区内転居", "hospital": "入院",
               "discharge": "退院", "facility": "施設入所", "death": "死亡"}

#: The level a 介護度の変更 leads to: 要介護 leaves 介護予防支援; the others stay or return.
EVENT_LEVELS = {"kaigo": "要介護", **LEVELS}

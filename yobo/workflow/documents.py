"""Turning step input into document text (ruamel round trip, schema comment first)."""

from __future__ import annotations

from ..yamlio import dump_round_trip, new_document

#: The first comment line under the schema reference, saying what the file is.
TITLES = {
    "casebook": "yobo ケースブック設定（事業所・自治体プロファイル・職員）",
    "case": "ケース：利用者の基本事項と区分・実施形態・担当",
    "certification": "認定：要支援認定の有効期間、または事業対象者の判定",
    "checklist": "基本チェックリスト（回答。得点と判定は yobo checklist show）",
    "plan": "介護予防サービス・支援計画書",
    "review": "地域包括支援センターの確認（包括が記入）",
    "meeting": "サービス担当者会議の要点",
    "consent": "計画に関する同意",
    "service-start": "サービス開始",
    "monitoring": "モニタリング記録（一月分）",
    "note": "介護予防支援経過記録（一件）",
    "evaluation": "介護予防支援・サービス評価表",
    "weekly": "週間計画表",
    "submission": "地域包括支援センターへの提出（送付状）",
    "custody": "原本・写しの受け渡し・スキャンの記録",
    "basic-info": "利用者基本情報",
    "doctor-instruction": "主治医の指示の確認（医療系サービス）",
    "equipment-exception": "福祉用具貸与の例外給付（認定調査による確認・保険者との協議）",
    "done-mark": "期限を済みにした記録",
    "staff": "職員の登録（一人一ファイル）",
    "event": "台帳の出来事（利用者の状況変化）・包括への一報",
}


def schema_ref(rel: str, kind: str) -> str:
    """The schema path relative to the file, as yaml-language-server wants it."""
    return "../" * rel.count("/") + f"schemas/{kind}.schema.json"


def render_new(rel: str, kind: str, data: dict) -> str:
    """Text of a brand-new document of ``kind`` at ``rel``; keys keep ``data``'s order."""
    return dump_round_trip(new_document(data, schema_ref=schema_ref(rel, kind), title=TITLES[kind]))

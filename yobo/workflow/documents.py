"""Turning step input into document text (ruamel round trip, schema comment first)."""

from __future__ import annotations

from ..yamlio import dump_round_trip, new_document

#: The first comment line under the schema reference, saying what the file is.
TITLES = {
    "casebook": "yobo ケースブック設定（事業所・自治体プロファイル・職員）",
    "case": "ケース：利用者の基本事項と区分・実施形態・担当",
    "certification": "認定：要支援認定の有効期間、または事業対象者の判定",
    "basic-info": "利用者基本情報",
}


def schema_ref(rel: str, kind: str) -> str:
    """The schema path relative to the file, as yaml-language-server wants it."""
    return "../" * rel.count("/") + f"schemas/{kind}.schema.json"


def render_new(rel: str, kind: str, data: dict) -> str:
    """Text of a brand-new document of ``kind`` at ``rel``; keys keep ``data``'s order."""
    return dump_round_trip(new_document(data, schema_ref=schema_ref(rel, kind), title=TITLES[kind]))

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

#: Japanese names of the workflow steps, used in logs and messages.
STEPS = {
    "init": "ケースブック作成",
    "case-new": "ケース登録",
    "staff-add": "職員登録",
}

#: Accepted spellings beyond the code and the label.
_ALIASES = {
    "要支援１": "shien1",
    "要支援２": "shien2",
    "男性": "male",
    "女性": "female",
    "居宅": "kyotaku",
    "包括": "hokatsu",
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

"""One item's value between yobo (``"visit"``, ``True``, ``"2026-11-10"``) and the CSV
(``01``, ``1``, ``20261110``), driven by the item's format in the table."""

from __future__ import annotations

import re
from datetime import date

from ..errors import InputError
from .v202407 import CODES, CSV_VERSION, PLAN_KIND_COMBINATIONS, Item

_PHONE = re.compile(r"^\+?[0-9(][0-9()-]{4,18}[0-9]$")  # basic-info.schema.json $defs/phone


def to_text(item: Item, value, where: str) -> str:
    """The CSV text of a yobo value (quoting is the writer's); refused when it cannot be written."""
    if value is None:
        return ""
    fmt = item.fmt
    if fmt == "version":
        return CSV_VERSION
    if fmt == "date":
        text = value.isoformat() if isinstance(value, date) else str(value)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise InputError(f"{text} は年月日ではないため YYYYMMDD で書けません（年月・年だけの日付は書き出せません）",
                             field=where)
        return text.replace("-", "")
    if fmt.startswith("code:"):
        table = CODES[fmt[5:]]
        if value not in table:
            raise InputError(f"'{value}' に当たるコードが仕様にありません", field=where)
        return table[value]
    if fmt == "number":
        return str(int(value))
    if fmt == "insurer" and not re.fullmatch(r"[0-9]{6}", str(value)):
        raise InputError(f"保険者番号 '{value}' は6桁の数字ではありません", field=where)
    return str(value)


def from_text(item: Item, text: str, where: str):
    """The yobo value of a CSV field; None for a blank one.  Refused (InputError) when the
    text is not of the item's format — the caller names the file and line."""
    if text == "":
        return None
    fmt = item.fmt
    if fmt in ("date",):
        if not re.fullmatch(r"\d{8}", text):
            raise InputError(f"'{text}' は YYYYMMDD ではありません", field=where)
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
        except ValueError:
            raise InputError(f"'{text}' という日付はありません", field=where) from None
    if fmt.startswith("code:"):
        name = fmt[5:]
        reverse = {code: value for value, code in CODES[name].items()}
        if name == "plan_kind" and text in PLAN_KIND_COMBINATIONS:
            return PLAN_KIND_COMBINATIONS[text]
        # codes written one digit short ("1" for "01") are read as meant
        key = text if text in reverse else text.zfill(2)
        if key not in reverse:
            raise InputError(f"'{text}' は選択肢（{'、'.join(reverse)}）にありません", field=where)
        return reverse[key]
    if fmt == "number":
        if not text.isdigit() or not text.isascii():
            raise InputError(f"'{text}' は数字ではありません", field=where)
        return int(text)
    if fmt == "insurer" and not re.fullmatch(r"[0-9]{6}", text):
        raise InputError(f"保険者番号 '{text}' は6桁の数字ではありません", field=where)
    if fmt == "insured" and not re.fullmatch(r"[0-9]{10}|H[0-9]{9}", text):
        raise InputError(f"被保険者番号 '{text}' は10桁の数字（生保単独は H＋9桁）ではありません", field=where)
    return text


def valid_phone(text: str) -> bool:
    return bool(_PHONE.match(text))

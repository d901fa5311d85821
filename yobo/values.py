"""Parsing what a care manager types: dates, numbers, kana.

Every parser names the field it was given for, so a bad value becomes a
one-line message such as ``--birth: '1940-02-30' は存在しない日付です``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from .errors import InputError

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(field: str, value: str) -> date:
    """An ISO date (YYYY-MM-DD); full-width digits are accepted."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not _ISO.match(text):
        raise InputError(f"'{value}' は日付として読めません（YYYY-MM-DD で入力してください）", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{value}' は存在しない日付です", field=field) from None


def clock_minutes(value) -> int | None:
    """Minutes since midnight of a well-formed ``HH:MM`` (``24:00`` is 1440, the end of a
    day's last slot), else None — the caller decides what a bad time means."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{2}:[0-9]{2}", value):
        return None
    hours, minutes = int(value[:2]), int(value[3:])
    total = hours * 60 + minutes
    return total if minutes < 60 and total <= 24 * 60 else None


def parse_digits(field: str, value: str, length: int, what: str) -> str:
    """A number of exactly ``length`` digits kept as text (leading zeros matter)."""
    text = unicodedata.normalize("NFKC", value).strip().replace("-", "")
    if not re.fullmatch(rf"\d{{{length}}}", text):
        raise InputError(f"{what}は{length}桁の数字です（'{value}' は{len(text)}文字）", field=field)
    return text


def fold_kana(value: str) -> str:
    """NFKC (half-width kana and full-width letters and digits to their usual forms), then
    hiragana to katakana: the one spelling kana are stored and compared in."""
    text = unicodedata.normalize("NFKC", value)
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def search_key(value: str) -> str:
    """A name or kana as a search compares it: kana folded (:func:`fold_kana`), spaces of
    either width dropped, letters in one case — やまもと, ﾔﾏﾓﾄ and ヤマモト are the same."""
    return re.sub(r"\s+", "", fold_kana(value)).casefold()


def normalize_kana(field: str, value: str) -> str:
    """Full-width katakana: hiragana and half-width kana are converted, anything else refused."""
    text = fold_kana(value).strip()
    text = re.sub(r"\s+", "\u3000", text)  # one full-width space between family and given name
    if not text or not re.fullmatch(r"[\u30A0-\u30FF\u3000・ー]+", text):
        raise InputError(f"'{value}' はフリガナ（カタカナ）として使えません", field=field)
    return text


def require_text(field: str, value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError(f"{what}を入力してください", field=field)
    return text

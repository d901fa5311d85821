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
        raise InputError(f"'{printable(value)}' は日付として読めません（YYYY-MM-DD で入力してください）", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{printable(value)}' は存在しない日付です", field=field) from None


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
        raise InputError(f"{what}は{length}桁の数字です（'{printable(value)}' は{len(text)}文字）", field=field)
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
        raise InputError(f"'{printable(value)}' はフリガナ（カタカナ）として使えません", field=field)
    return text


def require_text(field: str, value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError(f"{what}を入力してください", field=field)
    return text


# -- characters that must never reach a terminal or a form ---------------------------------------

#: Bidirectional formatting characters: they reorder what a terminal or a printed form shows,
#: so a name can read differently from what is stored ("Trojan Source", CVE-2021-42574).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Line and paragraph separators other than "\n": a terminal may break a line there.
LINE_SEPARATORS = frozenset("\r\u0085\u2028\u2029")


def describe_char(ch: str) -> str:
    """A refused character said in Japanese, with its code point (the character itself is never printed)."""
    code = f"U+{ord(ch):04X}"
    if ch == "\n":
        return "改行"
    if ch == "\t":
        return "タブ"
    if ch == "\x1b":
        return f"エスケープ文字（ESC、{code}）"
    if ch in BIDI_CONTROLS:
        return f"文字の向きを変える制御文字（{code}）"
    if ch in LINE_SEPARATORS:
        return f"改行以外の行区切り文字（{code}）"
    return f"制御文字（{code}）"


def bad_char(text: str, *, multiline: bool = False) -> str | None:
    """The first character ``text`` may not hold, or None.

    Every text refuses ESC and the other C0/C1 control characters, DEL, bidi
    overrides and odd line separators: printed raw they recolour or rewrite the
    terminal, or reorder a name.  A multi-line text (a note, a meeting's 要点)
    keeps its newlines and tabs; a one-line value (a name, a title) does not.
    """
    for ch in text:
        o = ord(ch)
        if ch in "\n\t":
            if not multiline:
                return ch
        elif o < 0x20 or 0x7F <= o <= 0x9F or ch in BIDI_CONTROLS or ch in LINE_SEPARATORS:
            return ch
    return None


def printable(value: object, limit: int = 40) -> str:
    """``value`` safe to show in a one-line message: control characters as ``\\uXXXX``,
    cut to ``limit`` characters (a 100,000-digit number must not fill the screen)."""
    text = str(value)
    cut = text[:limit]
    shown = "".join(f"\\u{ord(ch):04x}" if bad_char(ch) else ch for ch in cut)
    return shown + (f"…（{len(text)}文字）" if len(text) > limit else "")


def check_text(field: str, value: str, *, multiline: bool = False) -> str:
    """``value`` unchanged when it holds no refused character (see :func:`bad_char`), else InputError."""
    ch = bad_char(value, multiline=multiline)
    if ch is not None:
        raise InputError(f"{describe_char(ch)}は使えません", field=field)
    return value


def parse_line(field: str, value: str | None, what: str) -> str:
    """A required one-line text (a name, a place, a title): trimmed, without control characters."""
    return check_text(field, require_text(field, value, what))


#: A staff name is the author of commits and may one day name a signing key or a
#: folder: nothing that reads as a path (``../x``, ``/``, ``\\``, a leading dot).
STAFF_NAME_MAX = 60


def staff_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a staff member's name (職員氏名), or None."""
    ch = bad_char(name)
    if ch is not None:
        return f"{describe_char(ch)}は使えません"
    if "/" in name or "\\" in name or name.startswith("."):
        return "職員の氏名に / や \\ は使えず、. で始めることもできません"
    if len(name) > STAFF_NAME_MAX:
        return f"職員の氏名が長すぎます（最大 {STAFF_NAME_MAX} 文字）"
    return None


def parse_staff_name(field: str, value: str | None) -> str:
    """A staff member's name (職員氏名): one line, at most 60 characters, nothing path-like."""
    name = require_text(field, value, "職員の氏名")
    problem = staff_name_problem(name)
    if problem:
        raise InputError(problem, field=field)
    return name


# -- numbers --------------------------------------------------------------------------------------

#: The largest number a document may hold.  No field of a care record counts past a
#: trillion (heights, weights, scores, hours); a larger number is a typing accident, and
#: past 4,300 digits Python cannot even convert it (sys.get_int_max_str_digits).
NUMBER_LIMIT = 10**15


def number_problem(value: object) -> str | None:
    """Why a parsed number cannot be kept (too large, infinite, not a number), or None."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "数値として扱えません（無限大・非数）"
    if abs(value) >= NUMBER_LIMIT:
        return f"数値が大きすぎます（{len(str(int(abs(value))))}桁。{len(str(NUMBER_LIMIT)) - 1}桁まで）"
    return None


def check_number(field: str, value: float | int | None, low: float, high: float, unit: str = "") -> float | int | None:
    """A number option within its documented range [low, high] (None passes)."""
    if value is None:
        return None
    problem = number_problem(value)
    if problem:
        raise InputError(problem, field=field)
    if not low <= value <= high:
        raise InputError(f"{printable(value)}{unit} は範囲外です（{low:g}〜{high:g}{unit}）", field=field)
    return value


# -- dates ----------------------------------------------------------------------------------------

#: The earliest birth date accepted: anyone born earlier would be over 125 today.
EARLIEST_BIRTH = date(1900, 1, 1)
#: How far a record's date may lie from today, either way.  Records are kept at most five
#: years after the case ends (``retention_years`` in the profiles: 2 nationally, 5 in
#: suzuka-kameyama) and a certification runs at most 48 months (background/national-rules.md,
#: 有効期間 table: 更新 3–48か月), so a date more than ten years away is a typing slip
#: (2062 for 2026), never a record.
DATE_WINDOW_YEARS = 10


#: The furthest ahead ``monitor due --within`` looks, in days.  A casebook's deadlines lie
#: inside the record window (ten years), so 100,000 days is "everything" — the round number
#: scripts use for it — while staying far from the last date Python can count to (9999-12-31).
WITHIN_DAYS_MAX = 100_000


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_birth(field: str, day: date, today: date) -> date:
    """A birth date between 1900-01-01 and today."""
    if day < EARLIEST_BIRTH:
        raise InputError(f"{day} は生年月日として古すぎます（{EARLIEST_BIRTH} 以降）", field=field)
    if day > today:
        raise InputError(f"{day} は今日（{today}）より後です", field=field)
    return day


def check_date_window(field: str, day: date | None, today: date) -> date | None:
    """A record's date no more than :data:`DATE_WINDOW_YEARS` years before or after today."""
    if day is None:
        return None
    low, high = _shift_years(today, -DATE_WINDOW_YEARS), _shift_years(today, DATE_WINDOW_YEARS)
    if not low <= day <= high:
        raise InputError(f"{day} は今日（{today}）から{DATE_WINDOW_YEARS}年以上離れています（{low}〜{high}）",
                         field=field)
    return day

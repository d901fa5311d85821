"""和暦 (Japanese era dates) as the paper forms print them.

The era boundaries come from ``japanera`` (a maintained library), never from a
table typed in here.  The first year of an era is written 元年, as on the forms
(e.g. 令和元年5月1日).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import NamedTuple

#: The eras a 生年月日 box offers on the standard forms (seed 002 資料2, 暫定ケアプラン
#: 特例取扱い申出書: 「明・大・昭」); the user's own era is circled.
BIRTH_ERAS = ("明治", "大正", "昭和")


class EraDate(NamedTuple):
    era: str  # 令和
    year: int  # 8 (1 = 元年)
    month: int
    day: int

    @property
    def year_text(self) -> str:
        return "元" if self.year == 1 else str(self.year)


@lru_cache(maxsize=4096)
def to_era(day: date) -> EraDate:
    """The era date of ``day`` (Meiji 6 onwards, when Japan took the Gregorian calendar)."""
    from japanera import EraDate as _JapaneraDate

    era_date = _JapaneraDate.from_date(day)
    return EraDate(era_date.era.kanji, int(era_date.strftime("%-Y")), day.month, day.day)


def format_date(day: date | None) -> str:
    """令和8年11月25日; an empty string for no date."""
    if day is None:
        return ""
    era = to_era(day)
    return f"{era.era}{era.year_text}年{era.month}月{era.day}日"


def format_month(day: date | None) -> str:
    """令和8年11月."""
    if day is None:
        return ""
    era = to_era(day)
    return f"{era.era}{era.year_text}年{era.month}月"


def birth_choice(day: date) -> tuple[list[tuple[str, bool]], str]:
    """The 「明・大・昭」 choice with the user's era marked, and the rest of the date.

    Returns ``([("明", False), ("大", False), ("昭", True)], "15年3月5日")``.  A birth
    date outside the three eras (a 平成 birth is not a user of 介護予防 yet, but
    the data may say so) adds its own era as the marked choice.
    """
    era = to_era(day)
    choices = [(name[0], name == era.era) for name in BIRTH_ERAS]
    if era.era not in BIRTH_ERAS:
        choices.append((era.era[0], True))
    return choices, f"{era.year_text}年{era.month}月{era.day}日"


def age_on(birth: date, day: date) -> int:
    """Full years of age on ``day`` (the 年齢 box is as of the form's date)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

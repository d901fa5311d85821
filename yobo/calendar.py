"""Dates for deadlines: month arithmetic and Japanese business days.

Pure functions, no clock.  Holidays come from ``jpholiday`` (祝日法: 振替休日 and
国民の休日 included), never from a table typed here.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def month_index(day: date) -> int:
    """Months since year 0: makes month differences plain subtraction."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)


def month_end(index: int) -> date:
    return month_start(index + 1) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    return day_in_month(month_index(day) + months, day.day)


def day_in_month(index: int, day: int) -> date:
    """Day ``day`` of month ``index``, clamped to its end (the 31st of a 30-day month → the 30th)."""
    return min(month_start(index) + timedelta(days=day - 1), month_end(index))


@lru_cache(maxsize=4096)
def is_holiday(day: date) -> bool:
    import jpholiday  # imported on first use: only deadline rules need it

    return jpholiday.is_holiday(day)


def is_business_day(day: date, *, year_end_closed: bool = False) -> bool:
    """Not a Saturday, Sunday or Japanese public holiday (and, if a profile says so,
    not 12/29–1/3; no seed requires that, so it is off by default)."""
    if day.weekday() >= 5 or is_holiday(day):
        return False
    if year_end_closed and ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)):
        return False
    return True


def shift_deadline(day: date, rule: str, *, year_end_closed: bool = False) -> date:
    """A deadline moved by the profile's rule: ``previous-business-day`` (seed 000:
    「土日・休日と重なる場合はその前日まで」) or ``none``."""
    if rule == "none":
        return day
    if rule != "previous-business-day":
        raise ValueError(rule)
    while not is_business_day(day, year_end_closed=year_end_closed):
        day -= timedelta(days=1)
    return day

"""The due list as files other programs open: CSV for Excel, iCalendar for calendars."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta

from .duelist import STATUSES
from .rules.due import Due

CSV_COLUMNS = ["状態", "期限", "開始", "ケース", "氏名", "担当", "内容", "コード", "出典", "特段の事情"]


def to_csv(items: list[Due], *, today: date) -> str:
    """UTF-8 with a BOM and CRLF rows, so Excel opens the Japanese text as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for d in items:
        writer.writerow([STATUSES[d.status(today)], d.due.isoformat(), d.opens.isoformat(), d.case, d.name,
                         d.staff, d.title, d.code, d.source, d.excused])
    return "\ufeff" + buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines longer than 75 octets are folded (never inside a UTF-8 character)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > 75:
            out.append(current.decode("utf-8"))
            current = b" " + encoded
        else:
            current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def to_ics(items: list[Due], *, today: date, stamp: str) -> str:
    """An iCalendar file of all-day events, one per deadline.  ``stamp`` is the DTSTAMP
    (UTC, ``YYYYMMDDTHHMMSSZ``), given by the caller: the core reads no clock."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//yobo//monitor due//JA", "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:yobo 期限一覧"]
    for d in items:
        uid = hashlib.sha1(f"{d.case}|{d.code}|{d.title}|{d.due}".encode("utf-8")).hexdigest()
        who = f"{d.case} {d.name}".strip()
        summary = f"【{STATUSES[d.status(today)]}】{d.title}" + (f"（{who}）" if who else "")
        description = f"担当: {d.staff or '事業所'}\n出典: {d.source}\nコード: {d.code}"
        if d.excused:
            description += f"\n特段の事情: {d.excused}"
        lines += ["BEGIN:VEVENT", f"UID:{uid}@yobo", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{d.due:%Y%m%d}", f"DTEND;VALUE=DATE:{d.due + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(summary)}", f"DESCRIPTION:{_escape(description)}",
                  f"CATEGORIES:{d.code}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)

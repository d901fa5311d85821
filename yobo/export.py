"""Lists as files other programs open: CSV and Excel (.xlsx) sheets, and iCalendar.

One column list per table (``DUE_COLUMNS``, ``CASE_COLUMNS``) feeds both the CSV and
the sheet, so the two never disagree.  Each column has a kind: ``text`` (escaped
against formula injection), ``id`` (kept as text although it may look like a number:
``0E8418`` is 0×10^8418 to a spreadsheet, ``127324`` a number) and ``date`` (a real
date in the sheet, ISO in the CSV).

openpyxl and icalendar are imported inside the functions that use them: ``monitor
due`` starts often, and most runs print a table.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, NamedTuple

from .citations import label_source
from .rules.due import UNREADABLE, UNREADABLE_DUE, Due
from .vocab import CASE_STATUSES, DUE_STATUSES, LEVELS, MODES, ROUTES, label


class Column(NamedTuple):
    title: str
    kind: str  # text | id | date
    width: int  # in the sheet, characters


DUE_COLUMNS = [
    Column("状態", "text", 12), Column("状態コード", "text", 10), Column("期限", "date", 11),
    Column("開始", "date", 11), Column("ケース", "id", 8), Column("氏名", "text", 12), Column("担当", "text", 12),
    Column("内容", "text", 48), Column("コード", "text", 22), Column("出典", "text", 48),
    Column("特段の事情", "text", 20),
]

CASE_COLUMNS = [
    Column("ID", "id", 8), Column("氏名", "text", 12), Column("フリガナ", "text", 14), Column("要介護度等", "text", 10),
    Column("区分", "text", 22), Column("形態", "text", 6), Column("担当", "text", 12), Column("担当包括", "text", 24),
    Column("認定開始日", "date", 11), Column("認定終了日", "date", 11), Column("状態", "text", 8),
]


def due_rows(items: Iterable[Due], today: date) -> list[tuple]:
    """The due list's rows in ``DUE_COLUMNS`` order (status and 出典 as words)."""
    rows = []
    for d in items:
        status = d.status(today)
        # a 読めない文書 has no day of its own (it is overdue from the start): no date is printed
        due, opens = (None, None) if d.due == UNREADABLE_DUE else (d.due, d.opens)
        rows.append((label(DUE_STATUSES, status), status, due, opens, d.case, d.name, d.staff, d.title, d.code,
                     label_source(d.source), d.excused))
    return rows


def case_rows(cases: Iterable[dict]) -> list[tuple]:
    """``case list`` rows (its JSON objects) in ``CASE_COLUMNS`` order, codes as labels."""
    return [(c["id"], c["name"], c["kana"], label(LEVELS, c["level"]), label(ROUTES, c["route"]),
             label(MODES, c["mode"]), c["manager"], c["hokatsu"],
             date.fromisoformat(c["cert_from"]) if c["cert_from"] else None,
             date.fromisoformat(c["cert_to"]) if c["cert_to"] else None, label(CASE_STATUSES, c["status"]))
            for c in cases]


# -- CSV ---------------------------------------------------------------------------------------------

#: A cell starting with one of these is a formula (or becomes one) in Excel and LibreOffice
#: (OWASP "CSV Injection"): such text is written with a leading ``'``.  The full-width
#: forms are included as a precaution (Japanese text is full of them; neither program is
#: known to run them, but a ``'`` costs nothing).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

#: Put in front of an id in a CSV so that no spreadsheet reads it as a number: U+2060
#: WORD JOINER, invisible and not a space (not trimmed), so ``0E8418`` stays the text
#: 0E8418 instead of 0 and ``127324`` stays text (LibreOffice's import and pandas are
#: tested; quoting alone does not do it, a leading ``'`` stays visible, ``="…"`` is a
#: formula).  A program reading the CSV removes it (``str.removeprefix``); the .xlsx
#: sheet needs no such mark.
ID_MARK = "\u2060"


def escape_cell(text: str) -> str:
    """A text cell as it is safe to open: formula-like text gets a leading ``'``."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "date":
        return value.isoformat()
    if kind == "id":
        return ID_MARK + escape_cell(str(value))
    return escape_cell(str(value))


def to_csv(columns: list[Column], rows: Iterable[tuple]) -> str:
    """UTF-8 with a BOM and CRLF rows, so Excel opens the Japanese text as it is."""
    return csv_head(columns) + "".join(csv_lines(columns, rows))


def csv_head(columns: list[Column]) -> str:
    """The start of :func:`to_csv`'s text: the BOM and the header row."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([c.title for c in columns])
    return "\ufeff" + buffer.getvalue()


def csv_lines(columns: list[Column], rows: Iterable[tuple]) -> list[str]:
    """Each row of :func:`to_csv` as its own text (a kept answer keeps them per case)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    kinds = [c.kind for c in columns]
    lines = []
    for row in rows:
        writer.writerow([_csv_cell(value, kind) for value, kind in zip(row, kinds)])
        lines.append(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    return lines


# -- Excel ---------------------------------------------------------------------------------------------


def to_xlsx(columns: list[Column], rows: Iterable[tuple], *, sheet: str, stamp: datetime) -> bytes:
    """An .xlsx workbook of one sheet: dates as dates (``yyyy-mm-dd``), ids and every other
    text as text cells — never a formula, whatever the text begins with (a text cell that
    looks like a formula or a number is also marked like an Excel entry typed with ``'``,
    so editing it keeps it text).  ``stamp`` (given by the caller: the core reads no clock)
    is the workbook's creation time."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    book.properties.creator = "yobo"
    book.properties.title = sheet
    book.properties.created = book.properties.modified = stamp.replace(tzinfo=None)
    ws = book.create_sheet(sheet)
    ws.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        cells = []
        for value, column in zip(row, columns):
            if value is None or value == "":
                cells.append(None)
                continue
            cell = WriteOnlyCell(ws, value=value)
            if column.kind == "date":
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.value = str(value)
                cell.data_type = "s"  # openpyxl would make "=…" a formula
                if column.kind == "id" or str(value).startswith(FORMULA_START) or _looks_numeric(str(value)):
                    cell.quotePrefix = True
            cells.append(cell)
        ws.append(cells)
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_NUMERIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _looks_numeric(text: str) -> bool:
    return bool(_NUMERIC.match(text))


# -- iCalendar -------------------------------------------------------------------------------------------

#: How one obligation is told from the next of the same rule, for its calendar UID: by
#: default the month of its deadline (a monitoring record a month, the evaluation of
#: one plan, a certification's renewal): a deadline corrected within its month keeps
#: its event; here, what else tells them apart.  A visit after a change of state is one
#: per recorded change (its window opens on the day of the change).
PERIODS = {"visit-state-change": "opens"}

#: A cancelled event stays in the file this many days past its date, so a calendar that
#: missed an export still learns of it; then it is dropped.
CANCELLED_KEEP_DAYS = 90

PRODID = "-//yobo//monitor due//JA"


class PreviousCalendar(NamedTuple):
    """What the last export said, event by UID: (sequence, last-modified, digest, event).
    X-YOBO-STATUS (the status code as of that export, for scripts; calendars ignore it)
    is not compared: a deadline turning overdue is not a change a calendar needs to hear
    of, and the status on screen would be wrong a day later anyway."""

    events: dict[str, tuple[int, datetime | None, str, object]]


def obligation_uid(d: Due, domain: str) -> str:
    """The UID of one obligation: case, rule code and period — never the title or the day,
    so a moved deadline updates its event instead of leaving the old one beside it."""
    if d.code == UNREADABLE:  # one event per unreadable file (its path carries no personal data)
        period = d.source.split(":", 1)[0].replace("/", "_")
    else:
        period = d.opens.isoformat() if PERIODS.get(d.code) == "opens" else f"{d.due:%Y-%m}"
    return f"{d.case or 'office'}-{d.code}-{period}@{domain}"


def read_calendar(data: bytes, name: str) -> PreviousCalendar:
    """The events of an earlier export (only read: nothing in it is run or fetched).
    ValueError when it is not a calendar yobo wrote."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError and others on malformed input
        raise ValueError(f"{name} は iCalendar として読めません（{exc}）") from None
    if str(calendar.get("PRODID", "")) != PRODID:
        raise ValueError(f"{name} は yobo が書き出した iCalendar ではありません（上書きしません）")
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        if not uid:
            continue
        modified = event.get("LAST-MODIFIED")
        events[uid] = (int(event.get("SEQUENCE", 0)), modified.dt if modified is not None else None,
                       str(event.get("X-YOBO-DIGEST", "")), event)
    return PreviousCalendar(events)


def _digest(parts: tuple) -> str:
    """A fingerprint of what an event says (its text, day, status, alarm), kept in the
    event as X-YOBO-DIGEST so the next export tells a changed event from an unchanged one
    without serializing both (icalendar needs ~1 ms an event for that)."""
    import hashlib

    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


class EventText(NamedTuple):
    """What one event of the export says, worked out once; written by icalendar
    (:func:`_event_icalendar`) or by the fast path (:func:`_event_fast`), byte for byte
    the same (tests/test_ics_fast.py)."""

    uid: str
    summary: str
    description: str
    day: date
    categories: tuple[str, ...]
    status: str
    digest: str
    alarm: str
    sequence: int
    modified: datetime


def to_ics(items: list[Due], *, today: date, stamp: datetime, domain: str = "yobo", names: bool = False,
           remind: int | None = None, previous: PreviousCalendar | None = None,
           title: str = "yobo 期限一覧", casebooks: list[str] | None = None, fast: bool = True) -> bytes:
    """An iCalendar file of all-day events, one per obligation.

    SUMMARY is the obligation and the case id — no status (it would be wrong a day
    later) and, unless ``names``, no person's name: the user's name, the staff member
    and the 特段の事情 leave the casebook only when asked for.  ``remind`` adds an
    alarm that many days before.

    With ``previous`` (the last export to the same file), each event's SEQUENCE is
    derived from it, without the clock (what an event says is compared through its
    X-YOBO-DIGEST): an unchanged event keeps its SEQUENCE and
    LAST-MODIFIED, a changed one gets SEQUENCE + 1 and LAST-MODIFIED = ``stamp``; an
    event of the last export that is no longer listed comes back once as STATUS:
    CANCELLED with SEQUENCE + 1 and is kept so ``CANCELLED_KEEP_DAYS`` past its day.
    DTSTAMP equals LAST-MODIFIED (RFC 5545 §3.8.7.2, a calendar without METHOD), so an
    export in which nothing changed is the same file again.  The status (期限切れ・要対応…)
    would be wrong a day later on screen, so it is only in X-YOBO-STATUS, as its code.
    ``stamp`` comes from the caller: the core reads no clock.

    ``casebooks`` (one label per item, for a list over several casebooks, ``yobo.workspace``)
    adds each item's casebook as a second CATEGORIES value and a tag of it to the UID, so
    the same obligation of two casebooks stays two events.

    The events are written by :func:`_event_fast` (icalendar builds and serializes
    ≈ 1 ms an event: 8 s for the 8,000 events of 10,000 cases); ``fast=False`` writes
    them with icalendar itself, the reference the fast path is tested against.  The
    cancellations, copied from the last export's parsed events, are always icalendar's.
    """
    stamp = stamp.replace(microsecond=0)
    old = previous.events if previous else {}
    events, listed = ics_events(items, today=today, stamp=stamp, domain=domain, names=names, remind=remind,
                                previous=previous, casebooks=casebooks, fast=fast)
    horizon = today - timedelta(days=CANCELLED_KEEP_DAYS)
    for uid in sorted(set(old) - listed):
        sequence, modified, _, former = old[uid]
        start = former.get("DTSTART")
        day = start.dt if start is not None else None
        day = day.date() if isinstance(day, datetime) else day
        if day is not None and day < horizon:
            continue  # long past: the calendar has had its cancellation
        if str(former.get("STATUS", "")).upper() == "CANCELLED":  # already cancelled: carried as it was
            events.append(_cancelled(former, uid, sequence, modified or stamp, names).to_ical())
        else:
            events.append(_cancelled(former, uid, sequence + 1, stamp, names).to_ical())
    head, tail = ics_frame(title)
    return head + b"".join(events) + tail


def ics_frame(title: str) -> tuple[bytes, bytes]:
    """The calendar's own lines from icalendar, before and after the events."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    frame = calendar.to_ical()
    end = frame.rindex(b"END:VCALENDAR\r\n")
    return frame[:end], frame[end:]


def ics_events(items: list[Due], *, today: date, stamp: datetime, domain: str = "yobo", names: bool = False,
               remind: int | None = None, previous: PreviousCalendar | None = None,
               casebooks: list[str] | None = None, fast: bool = True) -> tuple[list[bytes], set[str]]:
    """The VEVENT of each item of :func:`to_ics` (in order), and their UIDs.  Two items
    of one rule in one period are numbered in list order: they are always of one case
    (the case id leads the UID), so one case's items give the same events alone."""
    from icalendar import vDuration

    old = previous.events if previous else {}
    trigger = vDuration(timedelta(days=-remind)).to_ical().decode("ascii") if remind is not None else None
    seen: dict[str, int] = {}
    listed = set()
    events: list[bytes] = []
    for position, d in enumerate(items):
        uid = obligation_uid(d, domain)
        if casebooks is not None:
            from .workspace import calendar_tag

            uid = uid.replace("@", f"-{calendar_tag(casebooks[position])}@", 1)
        # two obligations of one rule in one period (rare): numbered in list order
        seen[uid] = seen.get(uid, 0) + 1
        if seen[uid] > 1:
            uid = uid.replace("@", f"-{seen[uid]}@", 1)
        listed.add(uid)
        who = f"{d.case} {d.name}" if names and d.name else d.case
        summary = f"{d.title}（{who}）" if who else d.title
        lines = [f"内容: {d.title}"]
        if d.case:
            lines.append(f"ケース: {d.case}" + (f"（{d.name}）" if names and d.name else ""))
        if names:
            lines.append(f"担当: {d.staff or '事業所'}")
            if d.excused:
                lines.append(f"特段の事情: {d.excused}")
        lines += [f"出典: {label_source(d.source)}", f"コード: {d.code}"]
        description = "\n".join(lines)
        alarm_text = f"{d.title}（{d.case}）" if d.case else d.title
        # a 読めない文書 (no day of its own) stands on the export's day, where it will be seen
        day = today if d.due == UNREADABLE_DUE else d.due
        digest = _digest((summary, description, day.isoformat(), d.code, remind, alarm_text))
        sequence, modified = _sequence(old.get(uid), digest, stamp)
        categories = (d.code, casebooks[position]) if casebooks is not None else (d.code,)
        text = EventText(uid, summary, description, day, categories, d.status(today), digest, alarm_text, sequence,
                         modified)
        events.append((_event_fast if fast else _event_icalendar)(text, trigger))
    return events, listed


#: The stamp the events of a kept calendar are written with (a first export: DTSTAMP =
#: LAST-MODIFIED = the export's time), replaced by the real one when it is printed
#: (:func:`fill_stamp`), so no kept text carries a stale time.  The year 1000 is no
#: export's, and the lines it is looked for in are whole property lines (text values
#: are escaped: a line break never occurs inside one).
STAMP_SLOT = datetime(1000, 1, 1, tzinfo=timezone.utc)
_SLOT = b"10000101T000000Z"


def fill_stamp(text: bytes, stamp: datetime) -> bytes:
    """A calendar whose new events were made at :data:`STAMP_SLOT`, stamped ``stamp``."""
    when = f"{stamp:%Y%m%dT%H%M%S}Z".encode("ascii")
    for name in (b"DTSTAMP:", b"LAST-MODIFIED:"):
        text = text.replace(b"\r\n" + name + _SLOT + b"\r\n", b"\r\n" + name + when + b"\r\n")
    return text


def _event_icalendar(e: EventText, trigger: str | None) -> bytes:
    """One event as icalendar writes it (the reference of :func:`_event_fast`)."""
    from icalendar import Alarm, Event, vDuration

    event = Event()
    event.add("uid", e.uid)
    event.add("summary", e.summary)
    event.add("description", e.description)
    event.add("dtstart", e.day)
    event.add("dtend", e.day + timedelta(days=1))
    event.add("categories", list(e.categories))
    event.add("transp", "TRANSPARENT")
    event.add("status", "CONFIRMED")
    event.add("x-yobo-status", e.status)
    if trigger is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", e.alarm)
        alarm.add("trigger", vDuration.from_ical(trigger))
        event.add_component(alarm)
    event.add("x-yobo-digest", e.digest)
    event.add("sequence", e.sequence)
    event.add("last-modified", e.modified)
    event.add("dtstamp", e.modified)
    return event.to_ical()


def _event_fast(e: EventText, trigger: str | None) -> bytes:
    """One event written directly, as icalendar 7 writes it: its properties in
    icalendar's order (the event's canonical ones, then the rest alphabetically), TEXT
    escaped as ``icalendar.parser.string._escape_char`` does, lines folded as its
    ``_foldline`` does (before 75 octets, never inside a character or just after a
    backslash).  A value the fast path does not know (a LAST-MODIFIED not in UTC) goes
    to icalendar instead."""
    modified = e.modified
    if modified.tzinfo is None or modified.utcoffset() != timedelta(0) or modified.microsecond:
        return _event_icalendar(e, trigger)
    when = f"{modified:%Y%m%dT%H%M%S}Z" if modified.year >= 1000 else None
    if when is None:
        return _event_icalendar(e, trigger)
    end = e.day + timedelta(days=1)
    lines = [
        "BEGIN:VEVENT",
        _fold("SUMMARY:" + _escape(e.summary)),
        f"DTSTART;VALUE=DATE:{e.day.year:04d}{e.day.month:02d}{e.day.day:02d}",
        f"DTEND;VALUE=DATE:{end.year:04d}{end.month:02d}{end.day:02d}",
        f"DTSTAMP:{when}",
        _fold("UID:" + _escape(e.uid)),
        f"SEQUENCE:{e.sequence}",
        _fold("CATEGORIES:" + ",".join(_escape(c) for c in e.categories)),
        _fold("DESCRIPTION:" + _escape(e.description)),
        f"LAST-MODIFIED:{when}",
        "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT",
        _fold("X-YOBO-DIGEST:" + _escape(e.digest)),
        _fold("X-YOBO-STATUS:" + _escape(e.status)),
    ]
    if trigger is not None:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", _fold("DESCRIPTION:" + _escape(e.alarm)), f"TRIGGER:{trigger}",
                  "END:VALARM"]
    lines += ["END:VEVENT", ""]
    return "\r\n".join(lines).encode("utf-8")


def _escape(text: str) -> str:
    """RFC 5545 TEXT escaping, in icalendar's order (``\\N`` is first read as a line break)."""
    return (text.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str, limit: int = 75) -> str:
    """A content line folded as icalendar folds it: each piece the longest run of whole
    characters under ``limit`` octets, a backslash or ``^`` that would end a piece
    carried to the next with what it escapes.  Worked on the UTF-8 bytes (a character
    at a time was most of the export's time)."""
    raw = line.encode("utf-8")
    if len(raw) < limit:
        return line  # short: nothing to fold (most lines)
    pieces = []
    start, size = 0, len(raw)
    while size - start >= limit:
        end = start + limit - 1
        while raw[end] & 0xC0 == 0x80:  # inside a character: the piece ends before it
            end -= 1
        if end - start >= 2 and raw[end - 1] in b"\\^":
            end -= 1
        pieces.append(raw[start:end])
        start = end
    pieces.append(raw[start:])
    return b"\r\n ".join(pieces).decode("utf-8")


def _sequence(before, digest: str, stamp: datetime) -> tuple[int, datetime]:
    """SEQUENCE and LAST-MODIFIED (= DTSTAMP) from the last export's copy of the event."""
    if before is None:
        return 0, stamp
    old_sequence, old_modified, old_digest, former = before
    if old_digest == digest and str(former.get("STATUS", "")).upper() != "CANCELLED":
        return old_sequence, old_modified or stamp
    return old_sequence + 1, stamp


def _cancelled(former, uid: str, sequence: int, modified: datetime, names: bool):
    """The cancellation of an event of the last export: its UID and day, STATUS:CANCELLED.
    Its text is kept only with ``names``: an export that was made with names (or by an
    older yobo that put them in) must not carry them into one made without."""
    from icalendar import Event

    gone = Event()
    for key in ("UID", "DTSTART", "DTEND", "CATEGORIES", "TRANSP"):
        if key in former:
            gone[key] = former[key]
    if names and "SUMMARY" in former:
        gone["SUMMARY"] = former["SUMMARY"]
    else:
        case = uid.split("-", 1)[0] if "-" in uid else ""
        code = former["CATEGORIES"].cats[0] if "CATEGORIES" in former and former["CATEGORIES"].cats else ""
        what = " ".join(x for x in (case if case != "office" else "", str(code)) if x)
        gone.add("summary", f"取り消し（{what}）" if what else "取り消し")
    gone.add("status", "CANCELLED")
    gone.add("sequence", sequence)
    gone.add("last-modified", modified)
    gone.add("dtstamp", modified)
    return gone

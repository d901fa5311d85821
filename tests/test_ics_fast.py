"""The fast iCalendar writer (``export._event_fast``) writes byte for byte what
icalendar writes (``to_ics(..., fast=False)``), and icalendar reads it back to the
same text: over awkward text (escapes, ``\\N``, line breaks, long Japanese lines
folded mid-way, four-byte characters), alarms, names and an earlier export."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from yobo.export import read_calendar, to_ics
from yobo.rules.due import Due

TODAY = date(2026, 11, 22)
STAMP = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)

awkward = st.text(alphabet=st.sampled_from(list("aZ09 ,;:\\N\n\r\t\"^'") + ["あ", "長", "ー", "（", "🙂", "é"]),
                  max_size=120)
items = st.lists(st.builds(
    Due, case=st.sampled_from(["", "3QK7WA", "5MZ2RT"]), code=st.sampled_from(["monitoring-record", "plan,review"]),
    title=awkward, due=st.dates(date(2026, 1, 1), date(2027, 12, 31)), opens=st.just(date(2026, 1, 1)),
    staff=st.sampled_from(["", "田中美咲"]), party=st.just("kyotaku"), source=awkward,
    kind=st.sampled_from(["task", "info", "monthly"]), excused=st.sampled_from(["", "入院中; 本人の希望"]),
    name=st.sampled_from(["", "山本 ハナ"])), max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=items, second=items, names=st.booleans(), remind=st.one_of(st.none(), st.integers(0, 400)))
def test_the_fast_writer_writes_what_icalendar_writes(first, second, names, remind):
    options = dict(today=TODAY, names=names, remind=remind, title="yobo 期限一覧（テスト, 事業所）")
    one = to_ics(first, stamp=STAMP, **options)
    assert one == to_ics(first, stamp=STAMP, fast=False, **options)
    # the next export: unchanged events keep their stamp, changed ones and cancellations get the new one
    previous = read_calendar(one, "x")
    two = to_ics(second, stamp=STAMP + timedelta(days=1), previous=previous, **options)
    assert two == to_ics(second, stamp=STAMP + timedelta(days=1), previous=read_calendar(one, "x"), fast=False,
                         **options)
    parsed = Calendar.from_ical(one)
    events = parsed.walk("VEVENT")
    assert len(events) == len(first)
    reference = Calendar.from_ical(to_ics(first, stamp=STAMP, fast=False, **options)).walk("VEVENT")
    for mine, theirs in zip(events, reference):
        for key in ("SUMMARY", "DESCRIPTION", "UID", "CATEGORIES", "X-YOBO-DIGEST"):
            assert str(mine.get(key)) == str(theirs.get(key)) or key == "CATEGORIES"
        assert mine.decoded("DTSTART") == theirs.decoded("DTSTART")


def test_a_long_line_is_folded_within_75_octets_and_never_inside_a_character():
    title = "長" * 60 + "\\," * 20
    one = to_ics([Due("3QK7WA", "monitoring-record", title, TODAY, TODAY, "", "kyotaku", "s", "task")],
                 today=TODAY, stamp=STAMP)
    for line in one.split(b"\r\n"):
        assert len(line) <= 75  # RFC 5545 §3.1: at most 75 octets, the leading space included
        line.decode("utf-8")  # a whole number of characters on every line
    event = Calendar.from_ical(one).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"{title}（3QK7WA）"


def test_an_earlier_stamp_not_in_utc_goes_to_icalendar():
    item = Due("3QK7WA", "monitoring-record", "記録", TODAY, TODAY, "", "kyotaku", "s", "task")
    tokyo = timezone(timedelta(hours=9))
    assert (to_ics([item], today=TODAY, stamp=STAMP.astimezone(tokyo))
            == to_ics([item], today=TODAY, stamp=STAMP.astimezone(tokyo), fast=False))


def test_folding_equals_icalendars_at_every_boundary():
    from icalendar.parser.string import _foldline

    from yobo.export import _fold

    for head in range(0, 80):
        for middle in ("\\,", "\\\\", "^^", "長\\;", "🙂\\n", "a"):
            line = "DESCRIPTION:" + "a" * head + middle + "長" * 30 + "\\," * 5 + "b" * (head % 7)
            assert _fold(line) == _foldline(line), (head, middle)

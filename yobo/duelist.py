"""The due list: every case's unmet deadlines and the office's monthly cycle, filtered.

Reads the casebook through the derived index (``yobo.index``) so 10,000 cases
answer in well under a second when little has changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .citations import label_source
from .model import Casebook, Config
from .rules.due import INFO, UNREADABLE, Due, case_obligations, drop_marked, for_office, unreadable_in_casebook
from .vocab import DUE_STATUSES, label


@dataclass(frozen=True)
class Query:
    staff: str | None = None
    case: str | None = None
    within: int | None = 30  # days ahead; None = everything
    statuses: frozenset[str] = frozenset()
    #: only the items one office acts on (kyotaku | hokatsu); a shared casebook holds both
    party: str | None = None


def due_from_casebook(casebook: Casebook, profile: dict, *, today: date) -> list[Due]:
    """Every deadline of ``casebook`` (no index: the reference the index must equal)."""
    from .loader import office_done_marks

    items = []
    for case in casebook.cases:
        items.extend(case_obligations(case, profile, casebook.config))
    items.extend(unreadable_in_casebook(casebook))
    return for_office(drop_marked(items, office_done_marks(Path(casebook.root))), casebook.config)


def due_with_index(root: Path, config: Config, profile: dict, *, today: date, within: int | None = None,
                   finish=None, remember: str | None = None, status=None, text_only: bool = False):
    """Every deadline via the index; rows beyond ``within`` days (or info items whose day
    has passed) are dropped before they are turned into values — 10,000 cases hold
    ~100,000 obligations, most of them months away.

    ``finish(items)`` (e.g. the filtering and formatting of the list) is returned
    instead of the items: it is a pure function of them, so the index may work it out
    while git status is still running (see ``index.load_obligations``).

    ``remember``: everything besides the casebook, ``today`` and ``within`` that
    ``finish`` depends on (the options, the format), as text.  With it the finished
    answer is kept and given again while nothing changed (``index.Answer``); ``finish``
    must then return ``(items, text or None)``.  ``status``: a ``git status`` started
    earlier by the caller (``gitstore.ChangedPaths``).  ``text_only``: ``finish`` returns
    ``(count or None, text)`` (e.g. the number overdue, for ``--fail-on``) and only
    these are kept, for a caller that prints nothing else: a warm run then decodes no
    rows."""
    from .index import Answer, load_obligations, unpack
    from .loader import office_done_marks

    now = today.toordinal()
    horizon = now + within if within is not None else None
    # casebook-wide done marks live outside cases/: read here on every run (a folder
    # listing), so the per-case index never has to key on them
    marks = office_done_marks(root)
    answer = None
    if remember is not None:
        import json

        material = json.dumps([today.isoformat(), within, sorted(marks), remember], ensure_ascii=False)
        answer = Answer(material, _dump_text, _load_text) if text_only else Answer(material, _dump_answer, _load_answer)

    def build(rows: list[tuple], active_modes: set[str]):
        # row: (case, code, title, due, opens, staff, party, source, kind, excused, name)
        items = for_office(drop_marked(unpack(still_ahead(rows, now, horizon)), marks), config)
        return finish(items) if finish is not None else items

    return load_obligations(root, config, profile, build, status=status, answer=answer)


def still_ahead(rows, now: int, horizon: int | None) -> list:
    """Packed rows (case, code, title, due, opens, staff, party, source, kind, excused,
    name) that can still be shown: an info item whose day has passed, or one that opens
    after today and falls due beyond ``horizon`` (an ordinal; None: no limit), is dropped
    before anything is turned into values — most of 10,000 cases' rows are months away."""
    return [r for r in rows if not (r[8] == INFO and r[3] < now) and not (horizon is not None and r[4] > now
                                                                           and r[3] > horizon)]


def _dump_answer(result) -> dict:
    """The items (the sheet's, several casebooks', a calendar's update) kept as their packed rows,
    msgpack'd and compressed (``yobo.pieces.pack_text``): ≈ 80,000 rows at 10,000 cases
    are tens of MB as they are, a few MB so; a text beside them is kept as it is."""
    import msgpack

    from .index import _pack
    from .pieces import pack_text

    items, text = result
    return {"rows": pack_text(msgpack.packb(_pack(items), use_bin_type=True)), "text": text}


def _dump_text(result) -> dict:
    """A text answer (``report monthly``, the table): the text compressed, and the count
    that came with it (an int or None)."""
    from .pieces import pack_text

    return {"count": result[0], "text": pack_text(result[1])}


def _load_text(value) -> tuple[int | None, str]:
    from .pieces import unpack_text

    if type(value) is not dict or type(value.get("text")) is not bytes or type(value.get("count")) not in (int, type(None)):
        raise ValueError("answer")
    try:
        return value["count"], unpack_text(value["text"]).decode("utf-8")
    except ValueError:  # a damaged text, or not UTF-8
        raise ValueError("answer") from None


def _load_answer(value) -> tuple[list[Due], str | None]:
    """A kept answer back to values, every type checked (``ValueError`` if one is wrong)."""
    import msgpack

    from .index import unpack
    from .pieces import unpack_text

    if type(value) is not dict or type(value.get("rows")) is not bytes or type(value.get("text")) not in (str, type(None)):
        raise ValueError("answer")
    try:
        rows = msgpack.unpackb(unpack_text(value["rows"]), raw=False)
    except Exception:  # msgpack raises several unrelated classes for damaged input
        raise ValueError("answer") from None
    if type(rows) is not list:
        raise ValueError("answer")
    last = date.max.toordinal()
    for row in rows:
        if not (type(row) is list and len(row) == 11 and all(type(row[i]) is str for i in (0, 1, 2, 5, 6, 7, 8, 9, 10))
                and all(type(row[i]) is int and 1 <= row[i] <= last for i in (3, 4))):
            raise ValueError("answer row")
    return unpack(rows), value["text"]


def keyed(items: list[Due], query: Query, *, today: date) -> list[tuple[tuple, Due]]:
    """The items ``query`` shows, each with its sort key (status, day, staff, case,
    code), in that order (a stable sort: items with one key keep their order)."""
    horizon = today + timedelta(days=query.within) if query.within is not None else None
    order = {code: i for i, code in enumerate(DUE_STATUSES)}
    chosen = []
    for item in items:
        if not item.shown(today):
            continue
        status = item.status(today)
        if query.statuses and status not in query.statuses:
            continue
        # a case whose case.yaml cannot be read has no known manager: everyone sees it
        if query.staff and item.staff != query.staff and not (item.code == UNREADABLE and not item.staff):
            continue
        if query.party and item.party != query.party:
            continue
        if query.case and item.case != query.case:
            continue
        if horizon is not None and status == "upcoming" and item.due > horizon:
            continue
        # the status is worked out once here, not again in the sort key (30,000 items);
        # the day as its ordinal: the same order, and a key a kept answer can store
        chosen.append(((order.get(status, len(order)), item.due.toordinal(), item.staff, item.case, item.code), item))
    chosen.sort(key=lambda pair: pair[0])
    return chosen


def select(items: list[Due], query: Query, *, today: date) -> list[Due]:
    return [item for _, item in keyed(items, query, today=today)]


def due_listing(root: Path, config: Config, profile: dict, *, today: date, query: Query, form, fragments,
                material: str, status=None) -> tuple:
    """The text of the due list of ``root`` as ``form`` prints it (``yobo.pieces.Form``),
    and the number of overdue items in it (for ``--fail-on``).

    ``fragments(items)``: the text of each of the selected items of one case, in their
    order (a JSON object, a CSV row, a VEVENT); ``material``: everything besides the
    casebook, ``today``, ``query`` and the done marks that the text depends on (the
    form and its options), as text.  The answer is kept per case
    (``yobo.pieces.Pieces``): a warm run prints it as it was, a run after a commit or
    a hand edit makes the pieces of the changed cases only."""
    import json

    from .index import load_text_pieces, unpack
    from .loader import office_done_marks
    from .pieces import Pieces

    now = today.toordinal()
    horizon = now + query.within if query.within is not None else None
    overdue = list(DUE_STATUSES).index("overdue")
    marks = office_done_marks(root)  # casebook-wide, outside cases/: read on every run
    def make(case_dir: str, entry) -> list:
        # as due_with_index's build, for one case: rows due beyond the horizon (or info
        # items past) dropped first, then the marks, the office, the query
        items = unpack(still_ahead(entry[1], now, horizon))
        if not items:
            return []
        chosen = keyed(for_office(drop_marked(items, marks), config), query, today=today)
        texts = fragments([item for _, item in chosen])
        return [(key, text, key[0] == overdue) for (key, _), text in zip(chosen, texts)]

    question = json.dumps(["due-listing", today.isoformat(), query.within, sorted(marks), query.staff, query.case,
                           query.party, sorted(query.statuses), material], ensure_ascii=False)
    return load_text_pieces(root, config, profile, question, Pieces(form, make), status=status)


def status_label(item: Due, today: date) -> str:
    """The Japanese label of the item's status (vocab.DUE_STATUSES): the table's groups,
    the CSV's and the sheet's 状態, the report's 状態 — one word for one state."""
    return label(DUE_STATUSES, item.status(today))


def due_json(item: Due, today: date) -> dict:
    """One item as ``monitor due --json`` prints it (schemas/output/monitor-due.schema.json):
    the status code with its label, the rule's reference with its readable 出典."""
    data = item.to_json(today)
    data["status_label"] = label(DUE_STATUSES, data["status"])
    data["source_label"] = label_source(item.source)
    from .rules.hokatsu import waiting_days

    data["waiting_days"] = waiting_days(item, today)  # the 原案's / 評価表's age at the 包括
    return data

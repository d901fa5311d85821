"""A finished answer kept in pieces, one set per case folder, so that after a commit, a
pull or a hand edit only the cases that changed are worked out again.

A listing that yobo prints (``monitor due --json``/``--csv``/``--ics``, ``case list
--json``) is made item by item: each item is filtered and turned into text on its
own (a JSON object, a CSV row, a VEVENT), and the items of all cases are then put in
one order by a sort key.  So the text is ``head + sep.join(fragments) + tail`` for a
:class:`Form`, and each fragment belongs to exactly one case folder.  The kept
answer (``index.Answer``) remembers, per case folder, the *token* of the index entry
it was made from (:func:`entry_token`) and, per fragment, its sort key, its owner and
its length in the finished text.  A later run with the same question (same material:
today, options, done marks, and the index key) takes the fragments of every case
whose token is unchanged, makes new ones for the changed or new cases only, sorts
and joins: byte for byte what a full build prints (tests/test_answer_patch.py).

Sorting the merged fragments by key gives the full build's order because the full
build (``duelist.select``) sorts stably by the same key, and two items of different
cases never tie (the case id is part of the key); within one case the fragments are
made in that case's sorted order, which the merge keeps.
"""

from __future__ import annotations

import hashlib
import zlib
from itertools import chain
from operator import itemgetter
from typing import Callable

import msgpack

#: One fragment: (sort key (a tuple of ints and strings), text, flag (e.g. "overdue")).
Piece = tuple


class Form:
    """How fragments become the finished text: ``head + sep.join(fragments) + tail``.

    ``spans(count)`` says whether a text of ``count`` fragments is exactly that join (so
    the kept answer stores each fragment as its length in the text instead of a second
    copy); a form whose text is something else for some counts (``json_text`` indents a
    short list) overrides :meth:`join` and answers False for those counts."""

    def __init__(self, name: str, head: str | bytes, sep: str | bytes = b"", tail: str | bytes = b""):
        # worked in UTF-8 bytes throughout: what is kept and printed is bytes, so no
        # text of tens of MB is decoded or encoded on the way
        self.name, self.head, self.sep, self.tail = name, _bytes(head), _bytes(sep), _bytes(tail)

    def join(self, fragments: list[bytes]) -> bytes:
        return self.head + self.sep.join(fragments) + self.tail

    def spans(self, count: int) -> bool:
        return True


#: zlib's fastest level: a due list's text (≈ 43 MB of JSON at 10,000 cases) shrinks
#: ≈ 30 times in ≈ 60 ms, and is given back in ≈ 50 ms: less than reading, checking
#: and decoding it whole would cost, and 16 kept answers stay a few MB each.
LEVEL = 1


def pack_text(text: str | bytes) -> bytes:
    """A finished text as it is kept: its UTF-8 bytes, compressed."""
    return zlib.compress(text.encode("utf-8") if isinstance(text, str) else text, LEVEL)


def unpack_text(blob: bytes) -> bytes:
    """:func:`pack_text` undone (``zlib.error`` on a damaged blob)."""
    return zlib.decompress(blob)


def _bytes(text: str | bytes) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else text


def entry_token(entry) -> str:
    """What an index entry's pieces are made from, exactly: the case folder's tree id at
    HEAD when the entry was read from HEAD's bytes (an entry is a function of its tree
    under one index key, and a kept answer is stored under that key), else a digest of
    the entry's rows, mode and summary (a case edited by hand, read on every run)."""
    tree = entry[0]
    if type(tree) is str:
        return "tree:" + tree
    body = msgpack.packb([list(entry[1]), entry[2], entry[3]], use_bin_type=True)
    return "rows:" + hashlib.sha256(body).hexdigest()


class Pieces:
    """The pieces of one question's answer, made per case by ``make(case_dir, entry)``
    (a list of :data:`Piece` in that case's own sorted order) and joined by ``form``.

    ``offer`` hands over an earlier answer of the same question (already checked
    against this clone's HMAC key); it is decoded only when :meth:`build` needs it,
    every type checked, and ignored whole if anything is amiss.  ``build`` remembers
    what it made so ``dump`` can store it beside the text."""

    def __init__(self, form: Form, make: Callable[[str, list], list]):
        self.form, self.make = form, make
        self.memo: dict[tuple[str, str], list] = {}
        self.offered = None
        self.last = None
        self.reused = self.made = 0  # cases taken from the kept answer / made now (for tests)

    def offer(self, value, blob) -> None:
        self.offered = (value, blob)

    def build(self, cases: dict) -> tuple[bytes, int]:
        """The finished text of ``cases`` (``{case folder: index entry}``, UTF-8) and how
        many fragments are flagged."""
        if self.offered is not None:
            self._take_kept(*self.offered)
            self.offered = None
        memo, make = self.memo, self.make
        owners: list[tuple[str, str]] = []
        everything: list[tuple] = []
        for case_dir, entry in cases.items():
            token = entry_token(entry)
            got = memo.get((case_dir, token))
            if got is None:
                got = memo[(case_dir, token)] = [(key, _bytes(text), flag) for key, text, flag in make(case_dir, entry)]
                self.made += 1
            owner = len(owners)
            owners.append((case_dir, token))
            everything.extend((key, text, flag, owner) for key, text, flag in got)
        everything.sort(key=itemgetter(0))
        text = self.form.join([p[1] for p in everything])
        flagged = sum(1 for p in everything if p[2])
        self.last = (owners, everything)
        return text, flagged

    def dump(self) -> bytes | None:
        """What :meth:`build` made last, as one msgpack blob (stored as bytes inside the
        signed answer, so a warm run that only prints the text never decodes it).

        Lean: the fragments are not stored again: each is its length in the finished
        text, which the answer holds anyway (only a form whose text is not the plain
        join, e.g. a short JSON list, stores them).  Per fragment a key, an owner
        number and a flag; per case folder its name and token."""
        if self.last is None:
            return None
        owners, everything = self.last
        plain = self.form.spans(len(everything))
        return pack_text(msgpack.packb({
            "dirs": [o[0] for o in owners], "tokens": [o[1] for o in owners],
            "keys": [p[0] for p in everything], "owners": [p[3] for p in everything],
            "flags": [bool(p[2]) for p in everything],
            "spans": [len(p[1]) for p in everything] if plain else None,
            "fragments": None if plain else [p[1] for p in everything]}, use_bin_type=True))

    def _take_kept(self, value, blob) -> None:
        """The kept pieces into ``memo`` (nothing if any part is not as :meth:`dump` writes it)."""
        try:
            taken = _kept_pieces(self.form, value, blob)
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            return
        except Exception:  # msgpack raises several unrelated classes for damaged input
            return
        self.memo.update(taken)
        self.reused = len(taken)


def _kept_pieces(form: Form, value, blob) -> dict[tuple[str, str], list]:
    if type(value) is not dict or type(blob) is not bytes or type(value.get("text")) is not bytes:
        raise ValueError("pieces")
    text = unpack_text(value["text"])
    data = msgpack.unpackb(unpack_text(blob), raw=False, use_list=False, strict_map_key=True)
    dirs, tokens, keys, owners, flags = (data[k] for k in ("dirs", "tokens", "keys", "owners", "flags"))
    spans, fragments = data["spans"], data["fragments"]
    if not (type(dirs) is tuple and type(tokens) is tuple and len(dirs) == len(tokens)
            and all(type(x) is str for x in dirs) and all(type(x) is str for x in tokens)
            and type(keys) is tuple and type(owners) is tuple and type(flags) is tuple
            and len(keys) == len(owners) == len(flags)):
        raise ValueError("pieces")
    # checked in bulk (≈ 80,000 pieces at 10,000 cases): tuples of numbers and strings,
    # owners within the folders, flags true or false
    if not (set(map(type, keys)) <= {tuple} and set(map(type, chain.from_iterable(keys))) <= {int, str}
            and set(map(type, owners)) <= {int} and set(map(type, flags)) <= {bool}
            and (not owners or (min(owners) >= 0 and max(owners) < len(dirs)))):
        raise ValueError("pieces")
    if spans is not None:
        if not (type(spans) is tuple and len(spans) == len(keys) and all(type(n) is int and n >= 0 for n in spans)):
            raise ValueError("spans")
        # the text must be exactly the join the spans describe, or nothing is taken
        step = len(form.sep)
        if len(text) != len(form.head) + sum(spans) + step * max(len(spans) - 1, 0) + len(form.tail):
            raise ValueError("spans")
        if not (text.startswith(form.head) and text.endswith(form.tail)):
            raise ValueError("spans")
        fragments, at = [], len(form.head)
        for n in spans:
            fragments.append(text[at:at + n])
            at += n + step
    elif not (type(fragments) is tuple and len(fragments) == len(keys) and set(map(type, fragments)) <= {bytes}):
        raise ValueError("fragments")
    if form.join(list(fragments)) != text:
        raise ValueError("join")
    out: dict[tuple[str, str], list] = {(d, t): [] for d, t in zip(dirs, tokens)}
    for key, fragment, flag, owner in zip(keys, fragments, flags, owners):
        out[(dirs[owner], tokens[owner])].append((key, fragment, flag))
    return out


#: ``json_text`` (``yobo.cli.common``) prints a list longer than this on one line, a
#: shorter one indented; :class:`JsonList` joins the same way (tests/test_answer_patch.py
#: keeps the two equal).
JSON_COMPACT_FROM = 100


class JsonList(Form):
    """A list of JSON objects as ``json_text`` prints it, each fragment one object
    (``json.dumps(obj, ensure_ascii=False)``): ``[a, b, …]`` on one line when long, else
    indented by two (then made from the fragments again: at most 100 small objects)."""

    def __init__(self):
        super().__init__("json", "[", ", ", "]\n")

    def spans(self, count: int) -> bool:
        return count > JSON_COMPACT_FROM

    def join(self, fragments: list[bytes]) -> bytes:
        if len(fragments) > JSON_COMPACT_FROM:
            return super().join(fragments)
        import json

        return (json.dumps([json.loads(f) for f in fragments], ensure_ascii=False, indent=2) + "\n").encode("utf-8")

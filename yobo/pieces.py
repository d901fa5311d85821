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
import sys
from array import array
from bisect import bisect_right
from operator import itemgetter
from typing import Callable, NamedTuple

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

    def join(self, fragments: list) -> bytes:
        return _joined(self.head, self.sep, fragments, self.tail)

    def spans(self, count: int) -> bool:
        return True


def _joined(head: bytes, sep: bytes, segments: list, tail: bytes) -> bytes:
    """``head + sep.join(segments) + tail`` in one copy (segments may be memoryviews into
    an earlier text): a due list is ~43 MB at 10,000 cases, and every extra copy of it
    costs ~15–35 ms."""
    if not segments:
        return head + tail
    parts = [head]
    if sep:
        for segment in segments:
            parts.append(segment)
            parts.append(sep)
        parts[-1] = tail
    else:
        parts.extend(segments)
        parts.append(tail)
    return b"".join(parts)


#: Zstandard's fastest level: a due list's text (≈ 43 MB of JSON at 10,000 cases)
#: shrinks ≈ 55 times in ≈ 11 ms and is given back in ≈ 20 ms (zlib: ≈ 54 and 52 ms):
#: both on the path of the first due list after a commit.
LEVEL = 1


def pack_text(text: str | bytes) -> bytes:
    """A finished text (or any bytes) as it is kept: its UTF-8 bytes, compressed."""
    import zstandard

    return zstandard.ZstdCompressor(level=LEVEL).compress(_bytes(text))


def unpack_text(blob: bytes) -> bytes:
    """:func:`pack_text` undone (``ValueError`` on a damaged blob)."""
    import zstandard

    try:
        return zstandard.ZstdDecompressor().decompress(blob)
    except zstandard.ZstdError:
        raise ValueError("packed text") from None


def _bytes(text: str | bytes) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else text


#: The array type code of an unsigned 32-bit number (``I`` on every platform Python
#: supports today; ``L`` where ``int`` is 16 bits).
_U32 = next(code for code in "IL" if array(code).itemsize == 4)


def _u32_bytes(numbers: array) -> bytes:
    """Numbers as kept: 32 bits each, little-endian whatever the machine."""
    if sys.byteorder == "big":
        numbers = array(_U32, numbers)
        numbers.byteswap()
    return numbers.tobytes()


def _u32_array(blob) -> array:
    """:func:`_u32_bytes` undone (``ValueError`` if ``blob`` is not such bytes)."""
    if type(blob) is not bytes or len(blob) % 4:
        raise ValueError("numbers")
    numbers = array(_U32)
    numbers.frombytes(blob)
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


def _pack_key(key: tuple) -> bytes:
    return msgpack.packb(key, use_bin_type=True)


def _unpack_key(blob: bytes) -> tuple:
    """A kept sort key back (``ValueError`` unless a tuple of numbers and strings)."""
    try:
        key = msgpack.unpackb(blob, raw=False, use_list=False)
    except Exception:  # msgpack raises several unrelated classes for damaged input
        raise ValueError("key") from None
    if type(key) is not tuple or not set(map(type, key)) <= {int, str}:
        raise ValueError("key")
    return key


class _Keys:
    """The kept pieces' sort keys, each decoded only when looked at: placing the pieces
    of a changed case needs ~17 of 80,000 keys per piece (``bisect``)."""

    def __init__(self, packed):
        self.packed = packed

    def __len__(self) -> int:
        return len(self.packed)

    def __getitem__(self, i: int) -> tuple:
        return _unpack_key(self.packed[i])


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


class _State(NamedTuple):
    """One answer in pieces: per owner (a case folder as it was read) its folder and
    token (``""``: gone, its pieces dropped); per piece, in the text's order, its sort
    key (msgpack'd: decoded only where a new piece is placed), owner and flag (0 or 1),
    and its length in ``text`` (``spans``, when ``text`` is the plain join) or the
    fragment itself (``fragments``).  The per-piece numbers are arrays, kept as their
    bytes: 80,000 pieces are read back and written again without one object each."""

    dirs: list
    tokens: list
    keys: list
    owners: array
    flags: bytes
    spans: array | None
    fragments: list | None
    text: bytes


#: The layout of :meth:`Pieces.dump`'s blob; another (an earlier yobo's) is not read.
FORMAT = 2


class Pieces:
    """The pieces of one question's answer, made per case by ``make(case_dir, entry)``
    (a list of :data:`Piece` in that case's own sorted order) and joined by ``form``.

    ``offer`` hands over an earlier answer of the same question (already checked
    against this clone's HMAC key); it is decoded only when :meth:`build` needs it,
    every type checked, and ignored whole if anything is amiss.  :meth:`build` then
    splices: the runs of kept pieces between the changes are cut from the kept text
    as they are (never taken apart piece by piece), the pieces of cases that changed
    or went are dropped, those of changed or new cases are made and put in place by
    their keys.  ``dump`` stores what was built beside the text."""

    def __init__(self, form: Form, make: Callable[[str, list], list]):
        self.form, self.make = form, make
        self.memo: dict[tuple[str, str], list] = {}
        self.offered = None
        self.state: _State | None = None
        self.reused = self.made = 0  # cases taken from the kept answer / made now (for tests)

    def offer(self, value, blob) -> None:
        self.offered = (value, blob)

    def _made(self, case_dir: str, token: str, entry) -> list:
        got = self.memo.get((case_dir, token))
        if got is None:
            got = self.memo[(case_dir, token)] = [(key, _bytes(text), flag)
                                                  for key, text, flag in self.make(case_dir, entry)]
            self.made += 1
        return got

    def build(self, cases: dict) -> tuple[bytes, int]:
        """The finished text of ``cases`` (``{case folder: index entry}``, UTF-8) and how
        many fragments are flagged."""
        if self.offered is not None:
            try:
                self.state = _kept_state(self.form, *self.offered)
            except Exception:  # anything amiss (msgpack raises several unrelated classes): built anew
                self.state = None
            self.offered = None
        tokens = {case_dir: entry_token(entry) for case_dir, entry in cases.items()}
        if self.state is not None:
            try:
                patched = self._patch(self.state, cases, tokens)
            except (TypeError, ValueError):  # keys that do not compare or decode (never written so): built anew
                patched = None
            if patched is not None:
                self.state = patched
                return patched.text, patched.flags.count(1)
        try:
            kept = self._materialize(self.state) if self.state else {}
        except ValueError:
            kept = {}
        self.state = self._whole(cases, tokens, kept)
        return self.state.text, self.state.flags.count(1)

    def _whole(self, cases: dict, tokens: dict, kept: dict) -> _State:
        """Every case's pieces (kept ones from ``kept``), sorted and joined."""
        dirs, owner_tokens, everything = [], [], []
        for case_dir, entry in cases.items():
            token = tokens[case_dir]
            got = kept.get((case_dir, token))
            if got is None:
                got = self._made(case_dir, token, entry)
            else:
                self.reused += 1
            owner = len(dirs)
            dirs.append(case_dir)
            owner_tokens.append(token)
            everything.extend((key, text, flag, owner) for key, text, flag in got)
        everything.sort(key=itemgetter(0))
        fragments = [p[1] for p in everything]
        plain = self.form.spans(len(everything))
        return _State(dirs, owner_tokens, [_pack_key(p[0]) for p in everything], array(_U32, [p[3] for p in everything]),
                      bytes(bool(p[2]) for p in everything), array(_U32, map(len, fragments)) if plain else None,
                      None if plain else fragments, self.form.join(fragments))

    def _patch(self, kept: _State, cases: dict, tokens: dict) -> _State | None:
        """``kept`` brought to ``cases`` by splicing, or None where only a whole build
        will do (a short JSON list, or many folders gone since the last whole build)."""
        where = {(d, t): i for i, (d, t) in enumerate(zip(kept.dirs, kept.tokens)) if t}
        live = bytearray(len(kept.dirs))
        fresh = []
        for case_dir, token in tokens.items():
            i = where.get((case_dir, token))
            if i is not None:
                live[i] = 1
            else:
                fresh.append((case_dir, token))
        gone = {i for i, (alive, token) in enumerate(zip(live, kept.tokens)) if not alive and token}
        # owners gone pile up in the kept answer until a whole build sweeps them out
        dead = len(kept.dirs) + len(fresh) - len(cases)
        if kept.spans is None or dead > len(cases) // 2 + 64:
            return None
        n, sep, spans, owners = len(kept.keys), self.form.sep, kept.spans, kept.owners
        step = len(sep)
        removed = {j for j, owner in enumerate(owners) if owner in gone} if gone else set()
        inserted = []
        for k, (case_dir, token) in enumerate(fresh):
            owner = len(kept.dirs) + k
            inserted.extend((key, text, flag, owner) for key, text, flag in self._made(case_dir, token, cases[case_dir]))
        if not self.form.spans(n - len(removed) + len(inserted)):
            return None
        inserted.sort(key=itemgetter(0))
        self.reused += sum(live)
        at: dict[int, list] = {}
        placed = _Keys(kept.keys)
        for piece in inserted:
            at.setdefault(bisect_right(placed, piece[0]), []).append(piece)
        text = memoryview(kept.text)
        segments: list = []
        keys: list = []
        new_owners, new_flags, new_spans = array(_U32), bytearray(), array(_U32)
        # where kept piece ``cursor[0]`` starts in the text (one ends ``step`` before the
        # next starts): worked out only at the cuts, from the spans in between
        cursor = [0, len(self.form.head)]

        def start(p: int) -> int:
            if p > cursor[0]:
                cursor[1] += sum(spans[cursor[0]:p]) + step * (p - cursor[0])
                cursor[0] = p
            return cursor[1]

        a = 0
        for p in sorted(removed | at.keys()):
            if p > a:
                begin = start(a)
                segments.append(text[begin:start(p) - step])
                keys.extend(kept.keys[a:p])
                new_owners.extend(owners[a:p])
                new_flags += kept.flags[a:p]
                new_spans.extend(spans[a:p])
            for key, fragment, flag, owner in at.get(p, ()):
                segments.append(fragment)
                keys.append(_pack_key(key))
                new_owners.append(owner)
                new_flags.append(1 if flag else 0)
                new_spans.append(len(fragment))
            a = p + 1 if p in removed else p
        if a < n:
            segments.append(text[start(a):len(text) - len(self.form.tail)])
            keys.extend(kept.keys[a:n])
            new_owners.extend(owners[a:n])
            new_flags += kept.flags[a:n]
            new_spans.extend(spans[a:n])
        owner_tokens = [("" if i in gone else t) for i, t in enumerate(kept.tokens)] + [t for _, t in fresh]
        return _State(list(kept.dirs) + [d for d, _ in fresh], owner_tokens, keys, new_owners, bytes(new_flags),
                      new_spans, None, _joined(self.form.head, sep, segments, self.form.tail))

    def _materialize(self, kept: _State) -> dict[tuple[str, str], list]:
        """``{(folder, token): pieces}`` of every owner of ``kept`` still standing
        (``ValueError`` if a kept key does not decode)."""
        if kept.fragments is not None:
            fragments = kept.fragments
        else:
            step, at, fragments = len(self.form.sep), len(self.form.head), []
            for n in kept.spans:
                fragments.append(kept.text[at:at + n])
                at += n + step
        out: dict[tuple[str, str], list] = {(d, t): [] for d, t in zip(kept.dirs, kept.tokens) if t}
        for key, fragment, flag, owner in zip(kept.keys, fragments, kept.flags, kept.owners):
            if kept.tokens[owner]:
                out[(kept.dirs[owner], kept.tokens[owner])].append((_unpack_key(key), fragment, flag))
        return out

    def dump(self) -> bytes | None:
        """What :meth:`build` made last, as one compressed msgpack blob (stored as bytes
        inside the signed answer, so a warm run that only prints the text never decodes it).

        Lean: the fragments are not stored again: each is its length in the finished
        text, which the answer holds anyway (only a form whose text is not the plain
        join, e.g. a short JSON list, stores them).  Per fragment a key, an owner
        number and a flag; per case folder its name and token."""
        state = self.state
        if state is None:
            return None
        return pack_text(msgpack.packb({
            "format": FORMAT, "dirs": state.dirs, "tokens": state.tokens, "keys": state.keys,
            "owners": _u32_bytes(state.owners), "flags": bytes(state.flags),
            "spans": None if state.spans is None else _u32_bytes(state.spans),
            "fragments": state.fragments}, use_bin_type=True))


def _kept_state(form: Form, value, blob) -> _State:
    """An answer kept by :meth:`Pieces.dump` back, every type checked (``ValueError``)."""
    if type(value) is not dict or type(blob) is not bytes or type(value.get("text")) is not bytes:
        raise ValueError("pieces")
    text = unpack_text(value["text"])
    data = msgpack.unpackb(unpack_text(blob), raw=False, use_list=False, strict_map_key=True)
    if type(data) is not dict or data.get("format") != FORMAT:
        raise ValueError("pieces")
    dirs, tokens, keys = data["dirs"], data["tokens"], data["keys"]
    owners, flags, spans, fragments = _u32_array(data["owners"]), data["flags"], data["spans"], data["fragments"]
    if not (type(dirs) is tuple and type(tokens) is tuple and len(dirs) == len(tokens)
            and set(map(type, dirs)) <= {str} and set(map(type, tokens)) <= {str}
            and type(keys) is tuple and set(map(type, keys)) <= {bytes} and type(flags) is bytes
            and len(keys) == len(owners) == len(flags)):
        raise ValueError("pieces")
    # checked in bulk (≈ 80,000 pieces at 10,000 cases): owners within the folders and
    # standing, flags 0 or 1; keys are checked one by one where they are decoded
    if not ((not owners or max(owners) < len(dirs)) and all(map(tokens.__getitem__, set(owners)))
            and not flags.translate(None, b"\x00\x01")):
        raise ValueError("pieces")
    if spans is not None:
        spans = _u32_array(spans)
        if not (len(spans) == len(keys) and fragments is None):
            raise ValueError("spans")
        # the text must be exactly as long as the join the spans describe, or nothing is taken
        step = len(form.sep)
        if len(text) != len(form.head) + sum(spans) + step * max(len(spans) - 1, 0) + len(form.tail):
            raise ValueError("spans")
        if not (text.startswith(form.head) and text.endswith(form.tail)):
            raise ValueError("spans")
    elif not (type(fragments) is tuple and len(fragments) == len(keys) and set(map(type, fragments)) <= {bytes}
              and form.join(list(fragments)) == text):
        raise ValueError("fragments")
    return _State(dirs, tokens, keys, owners, flags, spans, fragments, text)


#: A JSON list longer than this is printed on one line, a shorter one indented — by
#: ``json_text`` (``yobo.cli.common``, which reads it from here) and by :class:`JsonList`.
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

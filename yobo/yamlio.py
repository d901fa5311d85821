"""Reading and writing YAML documents.

Two parsers, one meaning.  Bulk reads (listing, validating and, later, the due
list over 10,000 cases) use PyYAML's C loader, ~15x faster than ruamel's
round-trip parser (shared/background/perf-baseline.md §2).  Every write goes
through ruamel.yaml round-trip so comments, key order and quoting of hand-edited
files survive a yobo edit.  Both are configured to the same YAML 1.2 core
resolution: ``no``/``yes`` and ``12:30`` stay strings, and dates stay ISO
strings (schemas check their format; an impossible date such as 2026-02-30 must
reach validation as a value, not crash the parser).  ``tests/test_yamlio.py``
checks that both parsers agree.

Bulk reads go faster still through yaml-rs (a Rust parser, :func:`load_fast`) for
the plain documents yobo itself writes; PyYAML's loader stays the reference for
every other text and for every error message, and ``tests/test_yamlio_fast.py``
checks that the two read alike (issue 16: the cold due list at 10,000 cases).
Every document is still parsed whole: with yaml-rs a document costs a tenth of
reading its case, so skipping the ones the due rules do not use would save little,
and would hide a broken one that the due list shows as unreadable today.
"""

from __future__ import annotations

import io
import re
import sys
from functools import lru_cache
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.resolver import implicit_resolvers as _RUAMEL_RESOLVERS

from .errors import DocumentError, Problem, Source

# Tags neither parser resolves implicitly: dates stay strings, and "=" is text.
_DROPPED_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value", "tag:yaml.org,2002:yaml"}

SCHEMA_COMMENT = "yaml-language-server: $schema="


class _RoundTripResolver(VersionedResolver):
    """ruamel's YAML 1.2 resolver without timestamps."""

    def add_version_implicit_resolver(self, version, tag, regexp, first):  # noqa: D102
        if tag in _DROPPED_TAGS:
            return
        super().add_version_implicit_resolver(version, tag, regexp, first)


_CBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FastLoader(_CBase):  # type: ignore[misc, valid-type]
    """PyYAML's C loader with exactly ruamel's YAML 1.2 implicit resolvers (no timestamps)."""


FastLoader.yaml_implicit_resolvers = {}
for _versions, _tag, _regexp, _first in _RUAMEL_RESOLVERS:
    if (1, 2) in _versions and _tag not in _DROPPED_TAGS:
        FastLoader.add_implicit_resolver(_tag, re.compile(_regexp.pattern, _regexp.flags), _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """YAML 1.2 integers as ruamel reads them: ``0o17`` is octal, ``017`` is seventeen (PyYAML: 15)."""
    text = loader.construct_scalar(node).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body.startswith("0b"):
        return sign * int(body[2:], 2)
    if body.startswith("0x"):
        return sign * int(body[2:], 16)
    if body.startswith("0o"):
        return sign * int(body[2:], 8)
    return sign * int(body)


FastLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice (PyYAML would silently keep the last one)."""

    def __init__(self, key: str, first_line: int, second_line: int, mark):
        super().__init__(None, None, f"duplicate key {key!r}", mark)
        self.key, self.first_line, self.second_line = key, first_line, second_line


def _construct_mapping_once(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """PyYAML's mapping constructor refusing duplicate keys, as ruamel does: a key
    written twice is an error naming both lines, never "the last one wins"."""
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            ident = (key_node.tag, key_node.value)
            first = seen.setdefault(ident, key_node)
            if first is not key_node:
                raise DuplicateKeyError(key_node.value, first.start_mark.line + 1, key_node.start_mark.line + 1,
                                        key_node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


FastLoader.construct_mapping = _construct_mapping_once  # type: ignore[method-assign]


_CDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class FastDumper(_CDumper):  # type: ignore[misc, valid-type]
    """PyYAML's C dumper quoting exactly what FastLoader would not read back as a string."""


FastDumper.yaml_implicit_resolvers = FastLoader.yaml_implicit_resolvers


def dump_fast(data: Any, *, header: str = "") -> str:
    """Block-style YAML for bulk writing (synthetic casebooks); ~10x faster than the round trip.

    ``header`` lines become leading comments.  Only for new files: edits of
    existing files go through the round trip so their comments survive.
    """
    body = yaml.dump(data, Dumper=FastDumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=4096, indent=2)
    comments = "".join(f"# {line}\n" for line in header.splitlines())
    return comments + body


@lru_cache(maxsize=1)
def _round_trip() -> YAML:
    y = YAML(typ="rt")
    y.Resolver = _RoundTripResolver
    y.width = 4096  # never fold a long Japanese sentence: diffs stay one line per change
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _yaml_problem(path: str, exc: Exception) -> Problem:
    duplicate = _duplicate_key(exc)
    if duplicate is not None:
        key, first, second = duplicate
        return Problem(Source(path, second), "duplicate-key",
                       f"項目「{key}」が {first} 行目と {second} 行目に二度書かれています（一つにしてください）")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 0
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return Problem(Source(path, line), "yaml-syntax", f"YAML として読めません（{what}）")


def _duplicate_key(exc: Exception) -> tuple[str, int, int] | None:
    """(key, first line, second line) when ``exc`` is either parser's duplicate-key error."""
    if isinstance(exc, DuplicateKeyError):
        return exc.key, exc.first_line, exc.second_line
    from ruamel.yaml.constructor import DuplicateKeyError as RuamelDuplicateKeyError

    if isinstance(exc, RuamelDuplicateKeyError) and exc.context_mark and exc.problem_mark:
        found = re.match(r'found duplicate key "(.*)" with value', exc.problem or "")
        key = found.group(1) if found else "?"
        return key, exc.context_mark.line + 1, exc.problem_mark.line + 1
    return None


try:  # pragma: no branch - a missing wheel only costs speed
    from yaml_rs import loads as _rs_loads
except ImportError:  # pragma: no cover
    _rs_loads = None

# Text that yaml-rs might read differently from :class:`FastLoader` (the reference) goes to
# the reference loader.  Each clause below is a difference found by comparing the two
# (tests/test_yamlio_fast.py compares them on every document of a generated and the sample
# casebook, on every short scalar and on randomly damaged documents).  The patterns start
# with rare characters so that the search skips the ordinary text quickly: the gate must
# cost less than the parse it saves.

#: Characters outside what the two read alike: ``& * ! %`` (anchors and aliases — yaml-rs
#: copies an aliased list, so ``loader._shared_container`` would no longer see a
#: self-repeating one —, tags, directives), ``<`` (a ``<<`` merge key), ``[ ] { } ?`` (flow
#: collections and complex keys: yaml-rs reads ``[1, 2]: x`` as a tuple key where PyYAML
#: refuses it), a backslash (double-quoted escapes), a tab, and everything outside PyYAML's
#: printable set or that it treats as a line break (controls, NEL, U+2028/U+2029, U+FEFF,
#: U+FFFE/U+FFFF, lone surrogates).
_ODD_CHARACTER = re.compile(
    "[^\n\r\x20\x22-\x24\x27-\x29\x2B-\x3B\x3D\x3E\x40-\x5A\x5E-\x7A\x7C\x7E"
    "\xA0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\U00010000-\U0010FFFF]")

#: Spellings only one of them reads as a number or as structure: an upper-case radix
#: (``0X1F``, ``0O17``, ``0B1``) or a leading dot (``.5E1``, ``.NaN``) starting a word; an
#: underscore next to a digit or a dot (``1_000``, ``_.5``); a ``:`` standing alone
#: (``: value``, an empty key: PyYAML refuses it, yaml-rs reads a None key); ``---`` or
#: ``...`` starting a line (several documents: yaml-rs returns a list); a line indented by
#: 990 columns or more (past libyaml's limit of 1,000 nesting levels: a block level takes at
#: least a column, and flow levels are refused above; yaml-rs itself overflows its stack
#: and kills the process on some 30,000 levels) — "a line" being the first one too, and
#: one after a CR alone, which both loaders take as a line break.
_ODD_SPELLING = re.compile(
    r"_(?=[0-9.])|_(?<=[0-9.]_)"
    r"|0[XOB](?<=[\s,+-]0[XOB])|\.(?<=[\s,+-]\.)\S"
    r"|:(?<=\s:)(?=\s|$)"
    r"|\n(?:---|\.\.\.|[ -]{990})")

#: The same three at the very start of the text, and after a CR alone (which both loaders
#: take as a line break too): kept apart so that the common text, which holds no CR, pays
#: for one more test at its start only.
_ODD_FIRST_LINE = re.compile(r"---|\.\.\.|[ -]{990}")
_ODD_AFTER_CR = re.compile(r"\r(?:---|\.\.\.|[ -]{990})")

#: Words that may start a number (a sign, a digit, a dot) or that start with an underscore.
_NUMBER_START = frozenset("+-.0123456789_")
#: Where a word ends: a space, a line feed or a comma.
_WORD_END = re.compile("[ \n,]")


def _needs_reference(text: str) -> bool:
    """Whether ``text`` must be read by the reference loader rather than yaml-rs."""
    if _ODD_CHARACTER.search(text) or _ODD_SPELLING.search(text) or _ODD_FIRST_LINE.match(text):
        return True
    if "\r" in text and _ODD_AFTER_CR.search(text):
        return True
    if text.startswith((":", "0X", "0O", "0B", "+0", "-0", "+.", "-.", ".")):
        return True
    # An underscore in a word that starts like a number (``0b_``, ``1E_1``, ``_1``):
    # PyYAML's reading and yaml-rs's differ.  Keys such as ``plan_digest`` start with a letter.
    # Each word is looked at once: the search for its start goes back no further than the
    # end of the last word looked at, the next underscore is looked for after its end.
    at, low = text.find("_"), 0
    while at >= 0:
        start = max(text.rfind(" ", low, at), text.rfind("\n", low, at), text.rfind(",", low, at)) + 1
        if text[start] in _NUMBER_START:
            return True
        end = _WORD_END.search(text, at)
        if end is None:
            break
        low = end.start()
        at = text.find("_", low)
    # Past Python's limit on converting digits to an int PyYAML fails (loader.parse_yaml
    # names the line); yaml-rs would read the number.
    limit = sys.get_int_max_str_digits()
    return bool(limit) and len(text) > limit and re.search(f"[0-9]{{{limit + 1}}}", text) is not None


def load_fast(text: str, path: str) -> Any:
    """Parse one document for reading.  Raises DocumentError with the line on bad YAML.

    The plain documents yobo writes (block mappings and lists of plain or quoted strings,
    decimal integers, booleans, dates kept as text) are parsed by yaml-rs
    (``parse_datetime=False``: dates stay strings, as here; a duplicate key is an error
    there too) ~6x faster; whatever :func:`_needs_reference` sends away, and whatever
    yaml-rs refuses, is parsed by :class:`FastLoader`, which stays the reference: every
    value and every error message (with its line) is the one it gives.
    """
    if _rs_loads is not None and not _needs_reference(text):
        try:
            return _rs_loads(text, parse_datetime=False)
        except Exception:  # noqa: BLE001, S110 - the reference loader says what is wrong, at which line
            pass
    return load_reference(text, path)


def load_reference(text: str, path: str) -> Any:
    """:func:`load_fast` with PyYAML's C loader alone (the meaning yaml-rs must match)."""
    try:
        return yaml.load(text, Loader=FastLoader)  # noqa: S506 - FastLoader is a SafeLoader
    except yaml.YAMLError as exc:
        raise DocumentError([_yaml_problem(path, exc)]) from None


def load_round_trip(text: str, path: str) -> Any:
    """Parse one document for editing (comments and order kept)."""
    try:
        return _round_trip().load(text)
    except Exception as exc:  # ruamel raises several unrelated error classes
        raise DocumentError([_yaml_problem(path, exc)]) from None


def dump_round_trip(doc: Any) -> str:
    buf = io.StringIO()
    _round_trip().dump(doc, buf)
    return buf.getvalue()


def new_document(data: dict, *, schema_ref: str, title: str) -> CommentedMap:
    """A fresh document whose first lines name its schema (for editors) and what it is."""
    doc = to_round_trip(data)
    doc.yaml_set_start_comment(f"{SCHEMA_COMMENT}{schema_ref}\n{title}")
    return doc


def to_round_trip(value: Any) -> Any:
    """Plain dicts and lists to ruamel's commented containers (so they dump block-style)."""
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = to_round_trip(v)
        return m
    if isinstance(value, list):
        return CommentedSeq(to_round_trip(v) for v in value)
    if isinstance(value, str) and "\n" in value:
        # several lines stay several lines in the file (a ``|`` block), readable by hand
        from ruamel.yaml.scalarstring import LiteralScalarString

        return LiteralScalarString(value)
    return value


def to_plain(value: Any) -> Any:
    """ruamel's scalar and container subclasses to plain Python (for schemas and JSON)."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def locate_line(text: str, path: tuple) -> int:
    """The 1-based line of the value at ``path`` (keys and indexes) in ``text``.

    Falls back to the deepest part of the path that exists, then to line 1.
    Used only when a problem is reported, so the extra compose costs nothing on
    clean casebooks.
    """
    try:
        node = yaml.compose(text, Loader=FastLoader)
    except yaml.YAMLError:
        return 0
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    # a missing value reports the key's line: that is where to type
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    if isinstance(node, yaml.ScalarNode):
        line = node.start_mark.line + 1
    return line

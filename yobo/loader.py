"""Discover → parse → (schema) → model.

Reading is fast-path first: each document is parsed with the C loader and
turned into model values; only when that fails, or when the caller asks for
full validation (``yobo validate``), is the JSON Schema run, so a listing of
10,000 cases does not pay ~0.7 ms of schema work per file.  Whatever cannot be
read becomes a :class:`~yobo.errors.Problem`, never an exception: one broken
file must not hide the other 9,999 cases.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import casebook as layout
from . import kinds
from .errors import DocumentError, Problem, Source
from .kinds import parse_date as _date
from .kinds import parse_opt_date as _opt_date
from .model import Case, Casebook, Certification, Config, CourseChange, Person, Plan, Staff, plan_digest
from .schemas import check_document
from .vocab import CASE_STATUSES, MODES, ROUTES
from .yamlio import load_fast, locate_line


def read_text(root: Path, rel: str, record: dict[str, bytes] | None = None) -> str:
    """A casebook file's text; a file that is not UTF-8 is a data problem at its path
    that says which encoding it seems to be in (:func:`decode_text`).

    ``record`` (rel → bytes) keeps exactly the bytes that were read: the index keys
    what it caches by them, so an edit made while yobo reads is never mistaken for
    the committed file."""
    with open(os.path.join(root, rel), "rb") as file:  # not pathlib: 170,000 files in a cold read
        raw = file.read()
    if record is not None:
        record[rel] = raw
    return decode_text(raw, rel)


#: Encodings a Japanese office's files come in besides UTF-8, as a care manager knows them.
#: General detectors (chardet, charset-normalizer) guess Big5 or cp949 for a short
#: Japanese YAML file, so the few candidates are tried strictly instead.
_JAPANESE_ENCODINGS = (("cp932", "Shift_JIS（cp932）"), ("euc_jp", "EUC-JP"))


def _japanese_share(text: str) -> float:
    """How much of ``text`` is kana or kanji (a wrong decoding yields rare symbols instead)."""
    if not text:
        return 0.0
    hits = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uff61" <= ch <= "\uff9f"
               or ch in "、。「」・ー　")
    wide = sum(1 for ch in text if ord(ch) > 0x7F)
    return hits / wide if wide else 0.0


def encoding_problem(data: bytes) -> str | None:
    """What is wrong with bytes that are not UTF-8 text, in Japanese; None when they are."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 で保存されているようです。UTF-8 で保存し直してください"
    if b"\x00" in data:
        if len(data) > 1 and (data[1::2].count(0) > len(data) // 3 or data[0::2].count(0) > len(data) // 3):
            return "UTF-16 で保存されているようです。UTF-8 で保存し直してください"
        return "テキストではありません（画像や Word・Excel のファイルではなく、YAML のテキストを指定してください）"
    if b"\x1b$B" in data or b"\x1b$@" in data:
        return "ISO-2022-JP（JIS）で保存されているようです。UTF-8 で保存し直してください"
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    decoded = []
    for codec, label in _JAPANESE_ENCODINGS:
        try:
            decoded.append((_japanese_share(data.decode(codec)), label))
        except UnicodeDecodeError:
            continue
    if decoded:
        share, label = max(decoded)
        if share > 0.5:
            return f"{label}で保存されているようです。UTF-8 で保存し直してください"
    controls = sum(1 for b in data if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
    if controls > len(data) // 20:
        return "テキストではありません（画像や Word・Excel のファイルではなく、YAML のテキストを指定してください）"
    return "UTF-8 として読めない文字があります。UTF-8 で保存し直してください"


def decode_text(data: bytes, rel: str) -> str:
    """UTF-8 text (a leading byte-order mark is dropped), or DocumentError at the first bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = encoding_problem(data) or "UTF-8 で保存されていません"
        raise DocumentError([Problem(Source(rel, line), "file-encoding", message)]) from None
    if "\x00" in text or "\x1b$" in text:  # valid UTF-8, yet binary or 7-bit JIS
        offset = min(i for i in (text.find("\x00"), text.find("\x1b$")) if i >= 0)
        raise DocumentError([Problem(Source(rel, text.count("\n", 0, offset) + 1), "file-encoding",
                                     encoding_problem(data) or "テキストではありません")])
    return text


def parse_yaml(text: str, rel: str) -> Any:
    """:func:`~yobo.yamlio.load_fast`, with an over-long number a problem at its line rather
    than Python's ValueError (integers past 4,300 digits cannot be converted)."""
    try:
        data = load_fast(text, rel)
    except RecursionError:  # nested deeper than Python's stack: no document is
        raise DocumentError([Problem(Source(rel, 1), "yaml-nesting", "入れ子が深すぎます")]) from None
    except ValueError:
        import re

        from .values import NUMBER_LIMIT

        digits = len(str(NUMBER_LIMIT)) - 1
        found = re.search(rf"[0-9_]{{{digits + 1},}}", text)
        line = text.count("\n", 0, found.start()) + 1 if found else 0
        raise DocumentError([Problem(Source(rel, line), "number-too-large",
                                     f"数値が大きすぎます（{digits}桁まで）")]) from None
    if "*" in text and _shared_container(data):  # no alias without a "*": most files skip the walk
        line = text.count("\n", 0, max(text.find("*"), 0)) + 1
        raise DocumentError([Problem(Source(rel, line), "yaml-alias",
                                     "一覧や項目の並びをエイリアス（*名前）で使い回すことはできません。書き出してください")])
    return data


def _shared_container(data: Any) -> bool:
    """Whether one list or mapping appears twice (a YAML alias ``*x`` of a collection).

    A document never needs one, and it is how a file loops forever (``a: &x [*x]``) or
    grows a billion items out of a few lines ("billion laughs"): every later reader
    (schema, rules, round trip) would walk it over and over.
    """
    seen: set[int] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                return True
            seen.add(id(value))
            stack.extend(value.values() if isinstance(value, dict) else value)
    return False


def parse_document(root: Path, rel: str, record: dict[str, bytes] | None = None) -> tuple[Any, str]:
    text = read_text(root, rel, record)
    return parse_yaml(text, rel), text


def build_config(data: dict, staff_files: tuple[tuple[str, dict], ...] = ()) -> Config:
    """yobo.yaml with the per-person staff files (``staff/<party>/<id>.yaml``) merged after
    its legacy ``staff:`` list."""
    office = data["office"]
    listed = tuple(Staff(s["name"], s.get("email"), s.get("party") or office["kind"]) for s in data.get("staff") or ())
    return Config(
        office_name=office["name"],
        office_kind=office["kind"],
        office_number=office.get("number"),
        profile=data["profile"],
        staff=listed + tuple(build_staff(rel, d) for rel, d in staff_files),
        overrides=dict(data.get("overrides") or {}),
        designated_on=_opt_date(office.get("designated_on")),
        require_signatures=bool(data.get("require_signatures")),
    )


def build_staff(rel: str, data: dict) -> Staff:
    found = layout.STAFF_FILE.match(rel)
    if found is None or data["party"] != found.group(1):
        raise ValueError(rel)
    return Staff(data["name"], data.get("email"), data["party"], found.group(2), data.get("ssh_key"))


def staff_files(root: Path) -> list[str]:
    """Casebook-relative paths of the per-person staff files, in path order."""
    base = root / layout.STAFF_DIR
    if not base.is_dir():
        return []
    found = []
    for party in ("hokatsu", "kyotaku"):
        folder = base / party
        if folder.is_dir():
            found += sorted(f"{layout.STAFF_DIR}/{party}/{p.name}" for p in folder.iterdir()
                            if layout.STAFF_FILE.match(f"{layout.STAFF_DIR}/{party}/{p.name}"))
    return found


def _load_staff_files(root: Path, *, validate: bool) -> tuple[tuple[str, dict], ...]:
    out, problems = [], []
    for rel in staff_files(root):
        try:
            data, text = parse_document(root, rel)
        except DocumentError as exc:
            problems += exc.problems
            continue
        found = check_document("staff", data, path=rel, text=text) if validate else []
        if not found:
            try:
                build_staff(rel, data)
            except (KeyError, TypeError, ValueError, AttributeError):
                found = check_document("staff", data, path=rel, text=text) or [
                    Problem(Source(rel, locate_line(text, ("party",))), "staff-party",
                            "所属（party）がフォルダ名と一致しません")]
        problems += found
        out.append((rel, data))
    if problems:
        raise DocumentError(problems)
    return tuple(out)


def build_case(case_dir: str, data: dict, certifications: tuple[Certification, ...],
               unreadable: tuple[str, ...] = ()) -> Case:
    # A misspelt status, route or mode would quietly drop the case from every list:
    # refused here so the schema names the line (the fast path skips the schema).
    if data["status"] not in CASE_STATUSES or data["route"] not in ROUTES or data["mode"] not in MODES:
        raise ValueError("status, route or mode")
    p = data["person"]
    # An unquoted all-digit id or name (``id: 127324``) is read as a number; it would
    # sort beside text ids and crash lists, or hide the case (the schema names the line).
    if not all(isinstance(value, str) for value in (data["id"], data["manager"], p["name"], p["kana"])):
        raise TypeError("id, manager, name or kana")
    closed = data.get("closed") or {}
    return Case(
        id=data["id"],
        dir=case_dir,
        status=data["status"],
        opened=_date(data["opened"]),
        person=Person(str(p["insured_no"]), p["name"], p["kana"], _date(p["birth"]), p["sex"]),
        route=data["route"],
        mode=data["mode"],
        hokatsu=data.get("hokatsu"),
        manager=data["manager"],
        certifications=certifications,
        unreadable=unreadable,
        closed_on=_opt_date(closed.get("date")),
        close_reason=closed.get("reason"),
        course=build_course(data.get("course") or ()),
    )


def build_course(entries) -> tuple[CourseChange, ...]:
    """``case.yaml`` ``course``: the changes of route, mode, manager and 担当包括, in the
    order they take effect (a route's ``from`` is a month, ``YYYY-MM``: its 1st)."""
    out = []
    for e in entries:
        start = e["from"]
        start = start if isinstance(start, date) else date.fromisoformat(str(start) + ("-01" if len(str(start)) == 7 else ""))
        out.append(CourseChange(field=e["field"], start=start, value=e.get("to"), previous=e.get("was"),
                                recorded=_date(e["recorded"]), staff=e["staff"], reason=e.get("reason") or ""))
    return tuple(sorted(out, key=lambda c: c.start))


def load_document(root: Path, rel: str, kind: str, build, *, validate: bool, record: dict | None = None):
    """(model value or None, problems) for one file."""
    try:
        data, text = parse_document(root, rel, record)
    except DocumentError as exc:
        return None, list(exc.problems)
    problems = check_document(kind, data, path=rel, text=text) if validate else []
    try:
        value = build(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        # The fast path could not make sense of it: let the schema say exactly why.
        problems = problems or check_document(kind, data, path=rel, text=text)
        if not problems:  # pragma: no cover - a schema gap; still never crash
            problems = [Problem(Source(rel, 1), "document-invalid", "内容を読み取れません")]
        return None, problems
    return value, problems


def load_config(root: Path, *, validate: bool = True) -> Config:
    """yobo.yaml: nothing can be done in a casebook whose configuration is broken.

    Read-only commands pass ``validate=False``: the file is then checked against
    its schema only when it cannot be read (the schema costs ~50 ms to load,
    a tenth of what ``monitor due`` may take); ``yobo validate`` and every write
    check it fully.
    """
    try:
        data, text = parse_document(root, layout.CONFIG_FILE)
    except FileNotFoundError:
        raise layout.CasebookNotFound(f"{root} に {layout.CONFIG_FILE} がありません") from None
    if validate:
        problems = check_document("casebook", data, path=layout.CONFIG_FILE, text=text)
        if problems:
            raise DocumentError(problems)
        return build_config(data, _load_staff_files(root, validate=True))
    staff = _load_staff_files(root, validate=False)
    try:
        return build_config(data, staff)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DocumentError(check_document("casebook", data, path=layout.CONFIG_FILE, text=text) or [
            Problem(Source(layout.CONFIG_FILE, 1), "document-invalid", "内容を読み取れません")]) from None


def document_kind(inner: str) -> str | None:
    """The kind of the document at ``inner`` (a path inside a case folder) if the loader
    reads it, else None: scans under any ``files/`` folder and other files are not read."""
    found = _kind_at(inner)
    return found.name if found is not None else None


@lru_cache(maxsize=1 << 16)  # the same inner paths recur in every case folder (index._verify asks 170,000 times)
def _kind_at(inner: str) -> kinds.Kind | None:
    if not inner.endswith(".yaml") or "files" in inner.split("/")[:-1]:
        return None
    found = kinds.kind_at(inner)
    return found[0] if found is not None else None


def _case_files(root: Path, case_dir: str) -> list[tuple[str, kinds.Kind]]:
    """(inner path, kind) of every document in a case folder, in path order: a folder's
    files by name, then its sub-folders by name (as ``os.walk`` gives them top-down),
    ``files/`` (scans) and symbolic links to folders not entered.

    One ``os.scandir`` per folder and plain string paths: the cold due list walks 10,000
    case folders, and ``os.walk`` with ``relpath`` and ``pathlib`` per file cost a fifth
    of reading a case (issue 16)."""
    found: list[tuple[str, kinds.Kind]] = []
    _walk_case(os.path.join(root, case_dir), "", found)
    return found


def _walk_case(folder: str, prefix: str, found: list) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:  # gone or unreadable: os.walk skipped it silently too
        return
    dirs, names = [], []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            dirs.append(entry)
        else:
            names.append(entry.name)
    for name in sorted(names):
        if name.endswith(".yaml"):
            kind = _kind_at(prefix + name)
            if kind is not None:
                found.append((prefix + name, kind))
    for entry in sorted(dirs, key=lambda e: e.name):
        if entry.name == "files":  # scans are not documents
            continue
        try:
            if entry.is_symlink():
                continue
        except OSError:
            continue
        _walk_case(entry.path, f"{prefix}{entry.name}/", found)


def load_case(root: Path, case_id: str, case_dir: str, *, validate: bool = False,
              record: dict[str, bytes] | None = None) -> tuple[Case | None, list[Problem], int]:
    """(case or None, problems, number of documents read) for one case folder; ``record``
    receives the bytes of every document read (see :func:`read_text`).  Each file is built
    and placed by its kind's declaration (:mod:`yobo.kinds`)."""
    problems: list[Problem] = []
    unreadable: list[str] = []
    parts: dict[str, list] = {}
    plan_data: dict[str, tuple[str, dict]] = {}
    plan_parts: dict[str, list] = {}
    case_data = None
    files = _case_files(root, case_dir)
    for inner, kind in files:
        rel = f"{case_dir}/{inner}"
        value, found = load_document(root, rel, kind.schema, lambda d, b=kind.build, r=rel: b(r, d),
                                     validate=validate, record=record)
        problems += found
        if kind.name == "case":
            case_data = value
            continue
        if value is None:
            unreadable.append(rel)
            continue
        if kind.name == "plan":
            plan_data[inner.split("/")[1]] = value
        elif kind.scope == "plan":
            plan_parts.setdefault(inner.split("/")[1], []).append((kind, value))
        else:
            parts.setdefault(kind.name, []).append(value)
    read = len(files)
    if case_data is None:
        return None, problems, read
    plans = tuple(sorted((_assemble_plan(pid, value, plan_parts.get(pid, []))
                          for pid, value in plan_data.items()), key=lambda p: p.number))
    rel = f"{case_dir}/case.yaml"
    fields = kinds.arrange_case(parts)
    try:
        case = build_case(case_dir, case_data, fields.pop("certifications"), tuple(unreadable))
    except (KeyError, TypeError, ValueError, AttributeError):
        text = record[rel].decode("utf-8") if record and rel in record else read_text(root, rel)
        return None, problems + (check_document("case", case_data, path=rel, text=text) if not validate else []), read
    # records in the order they were recorded (model.record_order): "[-1]" is the latest
    return replace(case, plans=plans, **fields), problems, read


def _assemble_plan(plan_id: str, value: tuple[str, dict], found: list) -> Plan:
    rel, data = value
    plan = Plan(id=plan_id, dir=rel.rsplit("/", 1)[0], data=data, start=_date(data["period"]["start"]),
                end=_date(data["period"]["end"]), created_on=_date(data["created_on"]), digest=plan_digest(data))
    return replace(plan, **kinds.arrange_plan(found))


def load_casebook(root: Path, *, validate: bool = False, config: Config | None = None,
                  progress=None) -> Casebook:
    """Every case of the casebook at ``root`` with the problems met on the way;
    ``progress(done, total)``, when given, is called after each case."""
    config = config or load_config(root)
    cases, problems, documents = [], [], 1
    folders = list(layout.iter_case_dirs(root))
    for done, (case_id, case_dir) in enumerate(folders, 1):
        if progress is not None:
            progress(done - 1, len(folders))
        case, found, read = load_case(root, case_id, case_dir, validate=validate)
        problems += found
        documents += read
        if case is not None:
            cases.append(case)
    return Casebook(root=str(root), config=config, cases=tuple(cases), problems=tuple(problems), documents=documents)


def case_ids(root: Path) -> list[str]:
    return [case_id for case_id, _ in layout.iter_case_dirs(root)]


class CaseFolders:
    """The ids taken in a casebook, asked one at a time (``id in taken``): choosing a new
    case's id then looks at its own folder, not at all 10,000 (issue 16)."""

    def __init__(self, root: Path):
        self.root = root

    def __contains__(self, case_id: object) -> bool:
        return isinstance(case_id, str) and os.path.lexists(os.path.join(self.root, layout.case_dir(case_id)))


def find_case_id(root: Path, ref: str) -> str:
    """The one case ``ref`` names (:func:`~yobo.casebook.resolve_case_id`: the id or a
    unique prefix), without listing all cases: an id of two characters or more lies in
    the shard its first two name, so only that folder is read (a write step at 10,000
    cases would otherwise stat every case, issue 16)."""
    wanted = ref.replace("\u2060", "").strip().upper()
    if len(wanted) < 2 or "/" in wanted or "\\" in wanted or wanted.startswith("."):
        return layout.resolve_case_id(ref, case_ids(root))
    rel = layout.case_dir(wanted)
    if len(wanted) == layout.ID_LENGTH and os.path.isfile(os.path.join(root, rel, "case.yaml")):
        return layout.resolve_case_id(ref, [wanted])
    shard = root / layout.CASES_DIR / wanted[:2]
    try:
        entries = sorted(entry.name for entry in os.scandir(shard)
                         if entry.name.startswith(wanted) and entry.is_dir()
                         and os.path.isfile(os.path.join(entry.path, "case.yaml")))
    except (FileNotFoundError, NotADirectoryError):
        entries = []
    return layout.resolve_case_id(ref, entries)


def locate_problems(root: Path, problems: list[Problem]) -> list[Problem]:
    """Fill in the line of every problem a rule reported by field (rules do no I/O)."""
    texts: dict[str, str | None] = {}
    located = []
    for problem in problems:
        if problem.source.line == 0 and problem.field:
            rel = problem.source.path
            if rel not in texts:
                try:
                    texts[rel] = read_text(root, rel)
                except (OSError, DocumentError):
                    texts[rel] = None
            if texts[rel] is not None:
                problem = problem.located(locate_line(texts[rel], problem.field))
        located.append(problem)
    return located


def office_done_marks(root: Path) -> set[tuple[str, str, str]]:
    """(code, ``YYYY-MM``, party) of every casebook-wide done mark (``yobo monitor done`` without
    ``--case``; ``casebook.OFFICE_DONE_PATH``), read from the file names alone: a folder
    listing, no parsing, so the due list can afford it on every run."""
    base = root / layout.OFFICE_DONE_DIR
    if not base.is_dir():
        return set()
    marks = set()
    for month_dir in base.iterdir():
        if not month_dir.is_dir():
            continue
        for entry in month_dir.iterdir():
            found = layout.OFFICE_DONE_PATH.match(f"{layout.OFFICE_DONE_DIR}/{month_dir.name}/{entry.name}")
            if found:
                marks.add((found["code"], found["month"], found["party"]))
    return marks

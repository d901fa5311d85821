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
from pathlib import Path
from typing import Any

from . import casebook as layout
from .errors import DocumentError, Problem, Source
from .model import (Case, CaseEvent, Casebook, Certification, Checklist, Config, Consent, CustodyEvent, Doc, DoctorInstruction,
                    DoneMark, EquipmentException, Evaluation, Meeting, MonitoringRecord, Note, Person, Plan, Review,
                    Staff, Submission, content_digest, doc_day, in_order, plan_digest)
from .schemas import check_document
from .vocab import CASE_STATUSES, MODES, ROUTES
from .yamlio import load_fast, locate_line


def read_text(root: Path, rel: str, record: dict[str, bytes] | None = None) -> str:
    """A casebook file's text; a file that is not UTF-8 is a data problem at its path
    that says which encoding it seems to be in (:func:`decode_text`).

    ``record`` (rel → bytes) keeps exactly the bytes that were read: the index keys
    what it caches by them, so an edit made while yobo reads is never mistaken for
    the committed file."""
    raw = (root / rel).read_bytes()
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


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise TypeError(value)
    return date.fromisoformat(value)


def _seq(data: dict) -> int | None:
    """A record's place in the case's order (model.record_order); files from before it existed have none."""
    value = data.get("seq")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise TypeError(value)
    return value


def _opt_date(value: Any) -> date | None:
    return None if value is None else _date(value)


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


def build_certification(rel: str, data: dict) -> Certification:
    return Certification(
        path=rel,
        level=data["level"],
        status=data["status"],
        start=_date(data["from"]),
        end=_opt_date(data.get("to")),
        certified_on=_opt_date(data.get("certified_on")),
        applied_on=_opt_date(data.get("applied_on")),
    )


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
    )


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


def _build_plan_parts(kind: str, rel: str, data: dict):
    if kind == "review":
        return Review(rel, data["target"], _date(data["date"]), data["reviewer"], data.get("opinion") or "",
                      data.get("plan_digest"), tuple(data.get("handovers") or ()), _seq(data))
    if kind == "meeting":
        return Meeting(rel, _date(data["date"]), data["plan_digest"], bool(data.get("hokatsu_attended")), _seq(data))
    if kind == "consent":
        return Consent(rel, _date(data["date"]), data["signer"], data["plan_digest"], tuple(data.get("handovers") or ()),
                       _seq(data))
    if kind == "service-start":
        return _date(data["date"])
    if kind == "evaluation":
        return Evaluation(rel, _date(data["date"]), data.get("decision"), data.get("next_route"), data)
    if kind == "weekly":
        _date(data["date"])
        if not isinstance(data["entries"], list):
            raise TypeError(rel)
        return Doc(rel, data)
    raise ValueError(kind)


def _build_simple(kind: str, rel: str, data: dict):
    if kind == "certification":
        return build_certification(rel, data)
    if kind == "basic-info":
        if not isinstance(data, dict):
            raise TypeError(rel)
        return Doc(rel, data, _seq(data))
    if kind == "checklist":
        return Checklist(rel, _date(data["date"]), data["answers"], data.get("height_cm"), data.get("weight_kg"),
                         _seq(data))
    if kind == "monitoring":
        return tuple(MonitoringRecord(rel, _date(r["date"]), r["method"], r.get("plan"), bool(r.get("state_change")),
                                      r.get("reason") or "") for r in data["records"])
    if kind == "note":
        return Note(rel, _date(data["date"]), data["kind"], data["text"], data["staff"], data["party"], _seq(data))
    if kind == "submission":
        return Submission(rel, _date(data["date"]), data["occasion"], data.get("plan"), data.get("plan_digest"),
                          tuple(data.get("handovers") or ()), _seq(data))
    if kind == "custody":
        return CustodyEvent(rel, _date(data["date"]), tuple(data.get("handovers") or ()), data.get("scan"), _seq(data),
                            data.get("event"), data.get("submission"))
    if kind == "event":
        return CaseEvent(rel, _date(data["date"]), data["kind"], data.get("text") or "", data["staff"], _seq(data),
                         data.get("level"), data.get("event"))
    if kind == "doctor-instruction":
        return DoctorInstruction(rel, _date(data["date"]), str(data["service"]), data["method"], str(data["doctor"]))
    if kind == "equipment-exception":
        return EquipmentException(rel, data["item"], _opt_date(data.get("consulted_on")),
                                  _opt_date(data.get("confirmed_on")), _date(data["cert_from"]),
                                  basis=data["basis"])
    if kind == "done-mark":
        return DoneMark(rel, str(data["code"]), str(data["month"]), _date(data["date"]), data["party"])
    raise ValueError(kind)


def document_kind(inner: str) -> str | None:
    """The kind of the document at ``inner`` (a path inside a case folder) if the loader
    reads it, else None: scans under any ``files/`` folder and other files are not read."""
    if not inner.endswith(".yaml") or "files" in inner.split("/")[:-1]:
        return None
    kind = layout.classify(inner)
    return kind[0] if kind is not None else None


def _case_files(root: Path, case_dir: str) -> list[tuple[str, str]]:
    """(inner path, kind) of every document in a case folder, in path order."""
    base = root / case_dir
    found = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "files")  # scans are not documents
        inner_dir = os.path.relpath(folder, base).replace(os.sep, "/")
        for name in sorted(files):
            inner = name if inner_dir == "." else f"{inner_dir}/{name}"
            kind = document_kind(inner)
            if kind is not None:
                found.append((inner, kind))
    return found


def load_case(root: Path, case_id: str, case_dir: str, *, validate: bool = False,
              record: dict[str, bytes] | None = None) -> tuple[Case | None, list[Problem], int]:
    """(case or None, problems, number of documents read) for one case folder; ``record``
    receives the bytes of every document read (see :func:`read_text`)."""
    problems: list[Problem] = []
    unreadable: list[str] = []
    parts: dict[str, list] = {k: [] for k in ("certification", "basic-info", "checklist", "monitoring", "note",
                                               "submission", "custody", "doctor-instruction",
                                               "equipment-exception", "done-mark", "event")}
    plan_data: dict[str, tuple[str, dict]] = {}
    plan_parts: dict[str, list] = {}
    case_data = None
    files = _case_files(root, case_dir)
    for inner, kind in files:
        rel = f"{case_dir}/{inner}"
        if kind == "case":
            case_data, found = load_document(root, rel, kind, _require_mapping, validate=validate, record=record)
            problems += found
            continue
        if kind == "plan":
            value, found = load_document(root, rel, kind, lambda d, r=rel: _build_plan(r, d), validate=validate,
                                         record=record)
        elif inner.startswith("plans/"):
            value, found = load_document(root, rel, kind, lambda d, k=kind, r=rel: _build_plan_parts(k, r, d),
                                         validate=validate, record=record)
        else:
            value, found = load_document(root, rel, kind, lambda d, k=kind, r=rel: _build_simple(k, r, d),
                                         validate=validate, record=record)
        problems += found
        if value is None:
            unreadable.append(rel)
            continue
        if kind == "plan":
            plan_data[inner.split("/")[1]] = value
        elif inner.startswith("plans/"):
            plan_parts.setdefault(inner.split("/")[1], []).append((kind, inner, value))
        elif kind == "monitoring":
            parts[kind].extend(value)
        else:
            parts[kind].append(value)
    read = len(files)
    if case_data is None:
        return None, problems, read
    plans = tuple(sorted((_assemble_plan(pid, value, plan_parts.get(pid, []))
                          for pid, value in plan_data.items()), key=lambda p: p.number))
    certs = tuple(sorted(parts["certification"], key=lambda c: c.start))
    rel = f"{case_dir}/case.yaml"
    try:
        case = build_case(case_dir, case_data, certs, tuple(unreadable))
    except (KeyError, TypeError, ValueError, AttributeError):
        text = record[rel].decode("utf-8") if record and rel in record else read_text(root, rel)
        return None, problems + (check_document("case", case_data, path=rel, text=text) if not validate else []), read
    case = replace(
        case,
        # records in the order they were recorded (model.record_order): "[-1]" is the latest
        basic_infos=in_order(parts["basic-info"], day_of=doc_day),
        checklists=in_order(parts["checklist"]),
        plans=plans,
        monitoring=tuple(sorted(parts["monitoring"], key=lambda m: (m.date, m.path))),
        notes=in_order(parts["note"]),
        submissions=in_order(parts["submission"]),
        custody=in_order(parts["custody"]),
        doctor_instructions=tuple(sorted(parts["doctor-instruction"], key=lambda x: (x.date, x.path))),
        equipment=tuple(sorted(parts["equipment-exception"], key=lambda x: (x.cert_start, x.path))),
        done_marks=tuple(sorted(parts["done-mark"], key=lambda x: (x.month, x.path))),
        events=in_order(parts["event"]),
    )
    return case, problems, read


def _require_mapping(data):
    if not isinstance(data, dict):
        raise TypeError("not a mapping")
    return data


def _build_plan(rel: str, data: dict) -> tuple[str, dict]:
    # checked here so a plan that cannot be used is reported now, not at first use
    _date(data["period"]["start"]), _date(data["period"]["end"]), _date(data["created_on"])
    return rel, data


def _assemble_plan(plan_id: str, value: tuple[str, dict], found: list) -> Plan:
    rel, data = value
    plan = Plan(id=plan_id, dir=rel.rsplit("/", 1)[0], data=data, start=_date(data["period"]["start"]),
                end=_date(data["period"]["end"]), created_on=_date(data["created_on"]), digest=plan_digest(data))
    reviews, meetings = [], []
    for kind, inner, part in found:
        if kind == "review" and part.target == "plan":
            reviews.append(part)
        elif kind == "review":
            plan = replace(plan, evaluation_review=part)
        elif kind == "meeting":
            meetings.append(part)
        elif kind == "consent":
            plan = replace(plan, consent=part)
        elif kind == "service-start":
            plan = replace(plan, service_start=part)
        elif kind == "evaluation":
            plan = replace(plan, evaluation=part)
        elif kind == "weekly":
            plan = replace(plan, weekly=part)
    return replace(plan, reviews=in_order(reviews), meetings=in_order(meetings))


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

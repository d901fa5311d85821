"""Discover → parse → (schema) → model.

Reading is fast-path first: each document is parsed with the C loader and
turned into model values; only when that fails, or when the caller asks for
full validation (``yobo validate``), is the JSON Schema run, so a listing of
10,000 cases does not pay ~0.7 ms of schema work per file.  Whatever cannot be
read becomes a :class:`~yobo.errors.Problem`, never an exception: one broken
file must not hide the other 9,999 cases.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from . import casebook as layout
from .errors import DocumentError, Problem, Source
from .model import Case, Casebook, Certification, Config, Person, Staff
from .schemas import check_document
from .yamlio import load_fast, locate_line


def read_text(root: Path, rel: str) -> str:
    """A casebook file's text; a file that is not UTF-8 is a data problem at its path."""
    try:
        return (root / rel).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DocumentError([Problem(Source(rel, 0), "file-encoding", "UTF-8 で保存されていません")]) from None


def parse_document(root: Path, rel: str) -> tuple[Any, str]:
    text = read_text(root, rel)
    return load_fast(text, rel), text


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise TypeError(value)
    return date.fromisoformat(value)


def _opt_date(value: Any) -> date | None:
    return None if value is None else _date(value)


def build_config(data: dict) -> Config:
    office = data["office"]
    return Config(
        office_name=office["name"],
        office_kind=office["kind"],
        office_number=office.get("number"),
        profile=data["profile"],
        staff=tuple(Staff(s["name"], s.get("email"), s.get("party") or office["kind"]) for s in data.get("staff") or ()),
    )


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
    p = data["person"]
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
    )


def load_document(root: Path, rel: str, kind: str, build, *, validate: bool):
    """(model value or None, problems) for one file."""
    try:
        data, text = parse_document(root, rel)
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


def load_config(root: Path) -> Config:
    """yobo.yaml, validated: nothing can be done in a casebook whose configuration is broken."""
    try:
        data, text = parse_document(root, layout.CONFIG_FILE)
    except FileNotFoundError:
        raise layout.CasebookNotFound(f"{root} に {layout.CONFIG_FILE} がありません") from None
    problems = check_document("casebook", data, path=layout.CONFIG_FILE, text=text)
    if problems:
        raise DocumentError(problems)
    return build_config(data)


def load_case(root: Path, case_id: str, case_dir: str, *, validate: bool = False) -> tuple[Case | None, list[Problem], int]:
    """(case or None, problems, number of documents read) for one case folder."""
    problems: list[Problem] = []
    certs = []
    unreadable = []
    read = 1
    cert_dir = root / case_dir / "certifications"
    if cert_dir.is_dir():
        for path in sorted(cert_dir.glob("*.yaml")):
            read += 1
            rel = f"{case_dir}/certifications/{path.name}"
            cert, found = load_document(root, rel, "certification", lambda d, r=rel: build_certification(r, d), validate=validate)
            problems += found
            if cert is not None:
                certs.append(cert)
            else:
                unreadable.append(rel)
    certs.sort(key=lambda c: c.start)
    rel = f"{case_dir}/case.yaml"
    case, found = load_document(root, rel, "case", lambda d: build_case(case_dir, d, tuple(certs), tuple(unreadable)),
                                 validate=validate)
    return case, problems + found, read


def load_casebook(root: Path, *, validate: bool = False, config: Config | None = None) -> Casebook:
    """Every case of the casebook at ``root`` with the problems met on the way."""
    config = config or load_config(root)
    cases, problems, documents = [], [], 1
    for case_id, case_dir in layout.iter_case_dirs(root):
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

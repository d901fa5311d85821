"""The casebook as frozen values.  No I/O here: ``loader`` builds these from files.

Layout on disk (shared/architecture.md §1)::

    yobo.yaml                         office, profile, staff
    schemas/                          copies of yobo's schemas, for editors
    cases/<shard>/<case-id>/case.yaml
    cases/<shard>/<case-id>/certifications/<from>.yaml
    .yobo/                            derived caches (git-ignored)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .errors import Problem


@dataclass(frozen=True)
class Staff:
    """A person who changes the casebook.  ``party`` says which office they write for:
    in a repository shared by a 居宅 and its 包括, each side writes only its own files."""

    name: str
    email: str | None = None
    party: str = "kyotaku"  # kyotaku | hokatsu


@dataclass(frozen=True)
class Config:
    """yobo.yaml: the office (居宅 or 包括) that keeps this casebook."""

    office_name: str
    office_kind: str  # kyotaku | hokatsu
    office_number: str | None
    profile: str
    staff: tuple[Staff, ...]

    def staff_named(self, name: str) -> Staff | None:
        return next((s for s in self.staff if s.name == name), None)


@dataclass(frozen=True)
class Certification:
    """One 要支援認定 or 事業対象者 judgement (認定)."""

    path: str
    level: str  # shien1 | shien2 | jigyo
    status: str  # certified | pending
    start: date
    end: date | None
    certified_on: date | None = None
    applied_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Person:
    insured_no: str
    name: str
    kana: str
    birth: date
    sex: str


@dataclass(frozen=True)
class Case:
    id: str
    dir: str  # casebook-relative folder, e.g. cases/K7/K7Q2MX
    status: str
    opened: date
    person: Person
    route: str
    mode: str
    hokatsu: str | None
    manager: str
    certifications: tuple[Certification, ...] = ()
    #: documents of this case that could not be read (their problems are reported
    #: already; rules must not add a second, misleading one)
    unreadable: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.dir}/case.yaml"

    def certification_on(self, day: date) -> Certification | None:
        """The certification in force on ``day`` (the latest-starting one if several)."""
        current = [c for c in self.certifications if c.covers(day)]
        return max(current, key=lambda c: c.start) if current else None

    @property
    def latest_certification(self) -> Certification | None:
        return max(self.certifications, key=lambda c: c.start) if self.certifications else None


@dataclass(frozen=True)
class Casebook:
    root: str
    config: Config
    cases: tuple[Case, ...]
    #: problems met while loading (unparseable files, schema violations)
    problems: tuple[Problem, ...] = field(default=())
    #: how many documents were read (for "checked N documents")
    documents: int = 0

    def case(self, case_id: str) -> Case | None:
        return next((c for c in self.cases if c.id == case_id), None)


"""The casebook as frozen values.  No I/O here: ``loader`` builds these from files.

Layout on disk (shared/architecture.md §1)::

    yobo.yaml                         office, profile, staff
    schemas/                          copies of yobo's schemas, for editors
    cases/<shard>/<case-id>/case.yaml
    cases/<shard>/<case-id>/certifications/<from>.yaml
    .yobo/                            derived caches (git-ignored)
"""

from __future__ import annotations

import re
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
    #: opaque id of a per-person registration (``staff/<party>/<id>.yaml``); None for
    #: staff listed in yobo.yaml
    id: str | None = None
    #: SSH public key the staff member signs commits with (``ssh-ed25519 AAAA…``)
    ssh_key: str | None = None


@dataclass(frozen=True)
class Config:
    """yobo.yaml: the office (居宅 or 包括) that keeps this casebook."""

    office_name: str
    office_kind: str  # kyotaku | hokatsu
    office_number: str | None
    profile: str
    staff: tuple[Staff, ...]
    #: values of the profile this casebook changes (yobo.yaml ``overrides``)
    overrides: dict = field(default_factory=dict, hash=False, compare=False)
    #: the day a 居宅 was designated for 介護予防支援 (seed 004), if it was
    designated_on: date | None = None
    #: yobo.yaml ``require_signatures``: ``yobo verify`` reports an unsigned step
    require_signatures: bool = False

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
    decided_on: date | None = None  # the day the result was recorded (yobo cert decide)
    original_to: date | None = None  # the end before a 区分変更 ended the period early

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def shown_certification(certifications, day: date) -> Certification | None:
    """What a list shows of a case: the certification in force on ``day`` (the
    latest-starting if several), else the newest one."""
    current = [c for c in certifications if c.covers(day)] or list(certifications)
    return max(current, key=lambda c: c.start) if current else None


def natural_path(path: str) -> tuple:
    """A path as a sort key where ``…-2`` follows its base and ``…-10`` follows ``…-9``.

    Plain string order puts ``2026-11-10-2.yaml`` *before* ``2026-11-10.yaml`` ('-'
    sorts before '.') and ``-10`` before ``-2``; records written before ``seq``
    existed (see :func:`record_order`) are ordered by this key within a day.
    """
    stem = path.removesuffix(".yaml").removesuffix(".hokatsu")
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(stem))


_DIGITS = re.compile(r"(\d+)")


def record_order(seq: int | None, day: date | None, path: str) -> tuple:
    """The total order of a case's records: ``(seq, date, path)``.

    Every step that writes a new record of a case (a document version, a
    submission, a 包括's review, a consent, a hand-over) writes ``seq``: one more
    than the largest ``seq`` in the case as that office's clone sees it
    (:func:`next_seq`).  That is a Lamport clock: a record written after another
    was seen always sorts after it — the 包括 reviews a 原案 only after it has the
    submission, so the review's ``seq`` is larger and the 原本 goes back to the
    居宅 even when both happen on the same day.  Two offices writing on their own
    clones without having seen each other's record may pick the same number; the
    tie is broken by the record's date and then its path (each party writes only
    files named for it, so two records never share a path), which keeps the order
    total and the same on every clone.  "The latest" is the last in this order:
    the last recorded, even on the same day, even when it carries an earlier date.

    Records written before ``seq`` existed count as 0: they keep their order by
    date and path (:func:`natural_path`), before every record that has one.
    """
    return (seq or 0, day or date.min, natural_path(path))


def latest(records, *, day_of=lambda r: r.date):
    """The last recorded of ``records`` (see :func:`record_order`), or None."""
    return max(records, key=lambda r: record_order(r.seq, day_of(r), r.path), default=None)


def in_order(records, *, day_of=lambda r: r.date) -> tuple:
    """``records`` in the order they were recorded (see :func:`record_order`)."""
    return tuple(sorted(records, key=lambda r: record_order(r.seq, day_of(r), r.path)))


def doc_day(doc: "Doc") -> date | None:
    """The day a dated document (利用者基本情報) was written: its ``date``, else the date
    its file name starts with (``2026-11-10.yaml``, ``2026-11-10-2.yaml``)."""
    value = doc.data.get("date")
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value or doc.path.rsplit("/", 1)[-1][:10]))
    except ValueError:
        return None


@dataclass(frozen=True)
class Doc:
    """A document kept as parsed data (for rendering and the fields no rule reads)."""

    path: str
    data: dict
    #: order of recording within the case (:func:`record_order`); None for older files
    seq: int | None = None


@dataclass(frozen=True)
class Checklist:
    """基本チェックリスト: the raw answers; scores are computed (yobo.checklist)."""

    path: str
    date: date
    answers: str
    height_cm: float | None
    weight_kg: float | None
    seq: int | None = None


@dataclass(frozen=True)
class Review:
    """包括の確認 of a plan draft or an evaluation (a .hokatsu.yaml file)."""

    path: str
    target: str  # plan | evaluation
    date: date
    reviewer: str
    opinion: str
    plan_digest: str | None
    handovers: tuple[dict, ...] = ()
    seq: int | None = None


@dataclass(frozen=True)
class Meeting:
    """サービス担当者会議."""

    path: str
    date: date
    plan_digest: str
    hokatsu_attended: bool
    seq: int | None = None


@dataclass(frozen=True)
class Consent:
    path: str
    date: date
    signer: str
    plan_digest: str
    handovers: tuple[dict, ...] = ()
    seq: int | None = None


@dataclass(frozen=True)
class Evaluation:
    """評価表."""

    path: str
    date: date
    decision: str | None
    next_route: str | None
    data: dict


@dataclass(frozen=True)
class Plan:
    """介護予防サービス・支援計画書 with the records of its steps."""

    id: str
    dir: str
    data: dict
    start: date
    end: date
    created_on: date
    digest: str  # fingerprint of the plan's content (yobo.digest)
    reviews: tuple[Review, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    consent: Consent | None = None
    service_start: date | None = None
    evaluation: Evaluation | None = None
    evaluation_review: Review | None = None
    #: 週間計画表 (Toshima D表), kept beside the plan: not part of its digest
    weekly: Doc | None = None

    @property
    def path(self) -> str:
        return f"{self.dir}/plan.yaml"

    @property
    def number(self) -> int:
        return int(self.id[1:])


@dataclass(frozen=True)
class MonitoringRecord:
    path: str
    date: date
    method: str  # visit | phone | office | video
    plan: str | None
    state_change: bool
    reason: str


@dataclass(frozen=True)
class Note:
    """支援経過記録 entry."""

    path: str
    date: date
    kind: str
    text: str
    staff: str
    party: str
    seq: int | None = None


@dataclass(frozen=True)
class Submission:
    """A packet handed to the 包括 (送付状)."""

    path: str
    date: date
    occasion: str
    plan: str | None
    plan_digest: str | None
    handovers: tuple[dict, ...]
    seq: int | None = None


@dataclass(frozen=True)
class CustodyEvent:
    """原本・写し hand-overs or a scan, in a file of its own."""

    path: str
    date: date
    handovers: tuple[dict, ...]
    scan: dict | None
    seq: int | None = None
    event: str | None = None  # contract | handover | scan | receipt
    submission: str | None = None  # receipt: the submission received (path inside the case folder)


@dataclass(frozen=True)
class CaseEvent:
    """台帳の出来事 (a change of the user's situation) or its 一報 to the 包括, one file each."""

    path: str
    date: date
    kind: str  # vocab.EVENT_KINDS, or "report"
    text: str
    staff: str
    seq: int | None = None
    level: str | None = None  # level-change: the new level (kaigo | shien1 | shien2 | jigyo)
    event: str | None = None  # report: the event reported (path inside the case folder)


@dataclass(frozen=True)
class DoctorInstruction:
    """主治医の指示（医療系サービスの利用についての意見）: confirmed with its date and
    method before a 医療系サービス is placed in a plan (seed 002 I-1(3))."""

    path: str
    date: date
    service: str  # the service kind as written in the plan (e.g. 介護予防通所リハビリテーション)
    method: str  # phone | document | accompanied | opinion (vocab.DOCTOR_METHODS)
    doctor: str


@dataclass(frozen=True)
class EquipmentException:
    """福祉用具貸与の例外給付: the 協議 with the 保険者 and its 確認書 for one item in
    one certification period (seed 002 IV 1(2)(3), 2(1)(2)(4))."""

    path: str
    item: str  # vocab.EQUIPMENT_ITEMS code
    consulted_on: date | None
    confirmed_on: date | None
    cert_start: date  # the certification period it is valid for (seed 002 IV 2(5))
    basis: str = "consultation"  # survey (認定調査で確認, no 協議) | consultation (協議・確認書)


@dataclass(frozen=True)
class DoneMark:
    """An obligation without a record of its own marked done (``yobo monitor done``):
    the monthly cycle, the 事業所's evaluation, the 届出書 (issue 13)."""

    path: str
    code: str
    month: str  # YYYY-MM
    date: date
    party: str = "kyotaku"  # who marked it: kyotaku | hokatsu


@dataclass(frozen=True)
class CourseChange:
    """One change of a case's course, kept in ``case.yaml`` ``course`` (history, oldest
    first): its 区分 (``route``, from a month), 実施形態 (``mode``), 担当ケアマネ
    (``manager``) or 担当包括 (``hokatsu``) from a day on (issue 12; seed 004 参考
    (月ごとの区分), seed 003 区内転居・担当包括)."""

    field: str  # route | mode | manager | hokatsu
    start: date  # the day it takes effect (a route: the 1st of its month)
    value: str | None
    previous: str | None
    recorded: date
    staff: str
    reason: str = ""


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
    closed_on: date | None = None
    close_reason: str | None = None
    basic_infos: tuple[Doc, ...] = ()
    checklists: tuple[Checklist, ...] = ()
    plans: tuple[Plan, ...] = ()
    monitoring: tuple[MonitoringRecord, ...] = ()
    notes: tuple[Note, ...] = ()
    submissions: tuple[Submission, ...] = ()
    custody: tuple[CustodyEvent, ...] = ()
    doctor_instructions: tuple[DoctorInstruction, ...] = ()
    equipment: tuple[EquipmentException, ...] = ()
    done_marks: tuple[DoneMark, ...] = ()
    #: route, mode, manager and 担当包括 changes, oldest first (:class:`CourseChange`)
    course: tuple[CourseChange, ...] = ()
    events: tuple[CaseEvent, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.dir}/case.yaml"

    def shown_certification(self, day: date) -> Certification | None:
        return shown_certification(self.certifications, day)

    def _in_force(self, field: str, day: date, current):
        """The value of ``field`` on ``day``: the last change starting on or before it; before
        the first change, what that change replaced; with no change, ``current``."""
        if not self.course:  # the common case, asked per month by the due rules
            return current
        changes = [c for c in self.course if c.field == field]
        if not changes:
            return current
        before = [c for c in changes if c.start <= day]
        return before[-1].value if before else changes[0].previous

    def route_on(self, day: date) -> str:
        """区分 in force on ``day`` (its month: a route changes from a month's 1st, seed 004 参考)."""
        return self._in_force("route", day.replace(day=1), self.route)

    def mode_on(self, day: date) -> str:
        """実施形態 (委託・指定) in force on ``day``."""
        return self._in_force("mode", day, self.mode)

    def manager_on(self, day: date) -> str:
        """担当ケアマネ on ``day``."""
        return self._in_force("manager", day, self.manager)

    def hokatsu_on(self, day: date) -> str | None:
        """担当包括 on ``day``."""
        return self._in_force("hokatsu", day, self.hokatsu)

    def certification_on(self, day: date) -> Certification | None:
        """The certification in force on ``day`` (the latest-starting one if several)."""
        current = [c for c in self.certifications if c.covers(day)]
        return max(current, key=lambda c: c.start) if current else None

    @property
    def latest_certification(self) -> Certification | None:
        return max(self.certifications, key=lambda c: c.start) if self.certifications else None

    @property
    def pending_certification(self) -> Certification | None:
        """The newest certification still 申請中 (a renewal or 区分変更 awaiting its result)."""
        pending = [c for c in self.certifications if c.status == "pending"]
        return max(pending, key=lambda c: c.start) if pending else None

    def decided_before(self, cert: Certification) -> Certification | None:
        """The newest decided certification that starts before ``cert`` (the period a
        pending renewal follows)."""
        earlier = [c for c in self.certifications if c.status == "certified" and c.start < cert.start]
        return max(earlier, key=lambda c: c.start) if earlier else None

    @property
    def current_plan(self) -> Plan | None:
        """The newest plan (the one every step after the draft works on)."""
        return max(self.plans, key=lambda p: p.number) if self.plans else None

    def plan(self, plan_id: str) -> Plan | None:
        return next((p for p in self.plans if p.id == plan_id), None)

    @property
    def latest_checklist(self) -> Checklist | None:
        """The last recorded 基本チェックリスト (a same-day correction wins: :func:`record_order`)."""
        return latest(self.checklists)

    @property
    def latest_basic_info(self) -> Doc | None:
        """The last recorded 利用者基本情報 (a same-day correction wins: :func:`record_order`)."""
        return latest(self.basic_infos, day_of=doc_day)

    def records(self) -> list:
        """Every record of the case that carries an order (``seq``)."""
        out: list = [*self.basic_infos, *self.checklists, *self.notes, *self.submissions, *self.custody, *self.events]
        for plan in self.plans:
            out += [*plan.reviews, *plan.meetings]
            out += [r for r in (plan.consent, plan.evaluation_review) if r is not None]
        return out

    def next_seq(self) -> int:
        """The ``seq`` of the next record this office writes: one more than the largest it
        has seen (a Lamport clock, :func:`record_order`)."""
        return max((r.seq or 0 for r in self.records()), default=0) + 1


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



def content_digest(data: dict) -> str:
    """A fingerprint of a document's content, blind to comments, key order and layout.

    The 包括's confirmation, the meeting and the consent each record the plan's
    digest; a plan edited afterwards no longer matches, which is how yobo knows
    the 包括 must confirm again (seed 002 資料1-4).
    """
    import hashlib
    import json

    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def plan_digest(data: dict) -> str:
    """The digest of a plan as agreed: its 軽微な変更 (``amendments``) reverted.

    A 軽微な変更 needs no new 原案確認, meeting or consent (seed 002 III), so the
    amended plan must still match the digest its consent recorded; any other edit
    after the consent still breaks the match.  Each amendment is undone newest
    first by putting its ``old`` text back at its ``field`` path.
    """
    amendments = data.get("amendments")
    if not amendments:
        return content_digest({k: v for k, v in data.items() if k != "amendments"})
    import copy

    original = copy.deepcopy({k: v for k, v in data.items() if k != "amendments"})
    for amendment in reversed(amendments):
        if amendment.get("added"):  # a field the plan did not have (暫定ケアプランの確定: the 認定 dates)
            original.pop(amendment["field"], None)
            continue
        try:
            set_path(original, amendment["field"], amendment["old"])
        except (KeyError, IndexError, TypeError, ValueError):
            # an amendment naming no field of the plan: the plan no longer matches
            return content_digest(data)
    return content_digest(original)


def split_field_path(path: str) -> list:
    """``goals[0].services[1].provider`` → ``["goals", 0, "services", 1, "provider"]``."""
    import re

    steps: list = []
    for part in path.split("."):
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)", part)
        if not match:
            raise ValueError(path)
        steps.append(match.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return steps


def _walk(data, steps: list):
    """The value ``steps`` lead to; KeyError/IndexError/TypeError when there is none."""
    value = data
    for step in steps:
        if not isinstance(value, list if isinstance(step, int) else dict):
            raise TypeError(step)
        value = value[step]
    return value


def get_path(data, path: str):
    """The value at a field path; KeyError/IndexError/TypeError when there is none."""
    return _walk(data, split_field_path(path))


def set_path(data, path: str, new) -> None:
    """Replace the value at an existing field path."""
    steps = split_field_path(path)
    parent = _walk(data, steps[:-1])
    _walk(parent, steps[-1:])  # the field must exist: an amendment changes, never adds
    parent[steps[-1]] = new

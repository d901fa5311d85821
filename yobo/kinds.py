"""The registry of document kinds: every kind of YAML document a casebook holds, declared once.

A :class:`Kind` says everything yobo needs to know about one kind of document:

- ``paths``: where its files live (a regular expression over the path inside a case
  folder, or over the casebook-relative path for casebook-level kinds) and which party
  (``kyotaku`` 居宅 / ``hokatsu`` 包括) owns them — either fixed or named by the
  ``(?P<party>…)`` group of the pattern, so two offices never write the same path;
- ``schema``: the name of its JSON Schema (``schemas/<schema>.schema.json``);
- ``title``: the Japanese line written under the schema comment of a new file;
- ``build``: ``(path, data) -> model value`` (raises KeyError/TypeError/ValueError on
  data it cannot use; the loader then lets the schema say why);
- ``into``: where the value goes in the model (``case`` or ``plan`` and the field of
  :class:`~yobo.model.Case` / :class:`~yobo.model.Plan`), with ``many`` (a tuple put
  in order by ``arrange``), ``one`` (a single value) or ``flat`` (the builder returns a
  tuple of values, e.g. the month's monitoring records);
- ``form``: the standard form that prints it (``yobo render``; its title starts with the
  paper's label);
- custody (原本/写し): ``paper``, the code the paper is known by (a key of
  ``vocab.DOCUMENTS``, and the ``doc:`` key the municipal profiles' ``submissions`` and
  ``custody`` tables use for it — which occasion hands it over is per seed, so it stays
  profile data under that key), and ``original``, the party that holds the original of
  a new file until a hand-over says otherwise (``None``: no holding per file).

Everyone else asks the registry: the loader (:func:`kind_at`, :func:`arrange_case`),
the writer and ``yobo verify`` (:func:`classify_casebook_path`, :func:`owner_of`),
validation (the schema name), custody (:func:`created_papers`), new files' headers
(:func:`title_of`) and the index (through the loader's :func:`kind_at`).

**Adding a kind**: append one :class:`Kind` to :data:`KINDS` (its builder beside it,
its model field in ``model.py`` when it is a new kind of value), write
``schemas/<schema>.schema.json`` (and copy it to ``sample-casebook/schemas/``), and
extend ``tests/test_kinds.py`` with a sample file of it.  Nothing else dispatches on a
kind's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from .casebook import CASES_DIR, CONFIG_FILE, OFFICE_DONE_PATH, STAFF_FILE, TOKEN_RE
from .model import (CaseEvent, Certification, Checklist, Consent, CustodyEvent, Doc, DoctorInstruction, DoneMark,
                    EquipmentException, Evaluation, Meeting, MonitoringRecord, Note, Review, Submission, doc_day,
                    in_order)
from .vocab import DOCUMENTS

_PARTY = "(?P<party>kyotaku|hokatsu)"


# --- builders: (path, parsed YAML) -> model value --------------------------------------------


def parse_date(value: Any) -> date:
    """An ISO date as the C loader gives it (a string: ``load_fast`` keeps dates as text)."""
    if not isinstance(value, str):
        raise TypeError(value)
    return date.fromisoformat(value)


def parse_opt_date(value: Any) -> date | None:
    return None if value is None else parse_date(value)


def parse_seq(data: dict) -> int | None:
    """A record's place in the case's order (model.record_order); files from before it existed have none."""
    value = data.get("seq")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise TypeError(value)
    return value


def require_mapping(rel: str, data: Any) -> dict:
    if not isinstance(data, dict):
        raise TypeError(f"{rel}: not a mapping")
    return data


def build_certification(rel: str, data: dict) -> Certification:
    return Certification(
        path=rel,
        level=data["level"],
        status=data["status"],
        start=parse_date(data["from"]),
        end=parse_opt_date(data.get("to")),
        certified_on=parse_opt_date(data.get("certified_on")),
        applied_on=parse_opt_date(data.get("applied_on")),
        decided_on=parse_opt_date(data.get("decided_on")),
        original_to=parse_opt_date(data.get("original_to")),
    )


def _build_basic_info(rel: str, data: dict) -> Doc:
    return Doc(rel, require_mapping(rel, data), parse_seq(data))


def _build_checklist(rel: str, data: dict) -> Checklist:
    return Checklist(rel, parse_date(data["date"]), data["answers"], data.get("height_cm"), data.get("weight_kg"),
                     parse_seq(data))


def _build_plan(rel: str, data: dict) -> tuple[str, dict]:
    # checked here so a plan that cannot be used is reported now, not at first use
    parse_date(data["period"]["start"]), parse_date(data["period"]["end"]), parse_date(data["created_on"])
    return rel, data


def _build_review(rel: str, data: dict) -> Review:
    return Review(rel, data["target"], parse_date(data["date"]), data["reviewer"], data.get("opinion") or "",
                  data.get("plan_digest"), tuple(data.get("handovers") or ()), parse_seq(data))


def _build_meeting(rel: str, data: dict) -> Meeting:
    return Meeting(rel, parse_date(data["date"]), data["plan_digest"], bool(data.get("hokatsu_attended")),
                   parse_seq(data))


def _build_consent(rel: str, data: dict) -> Consent:
    return Consent(rel, parse_date(data["date"]), data["signer"], data["plan_digest"],
                   tuple(data.get("handovers") or ()), parse_seq(data))


def _build_service_start(rel: str, data: dict) -> date:
    return parse_date(data["date"])


def _build_evaluation(rel: str, data: dict) -> Evaluation:
    return Evaluation(rel, parse_date(data["date"]), data.get("decision"), data.get("next_route"), data)


def _build_weekly(rel: str, data: dict) -> Doc:
    parse_date(data["date"])
    if not isinstance(data["entries"], list):
        raise TypeError(rel)
    return Doc(rel, data)


def _build_monitoring(rel: str, data: dict) -> tuple[MonitoringRecord, ...]:
    return tuple(MonitoringRecord(rel, parse_date(r["date"]), r["method"], r.get("plan"), bool(r.get("state_change")),
                                  r.get("reason") or "") for r in data["records"])


def _build_note(rel: str, data: dict) -> Note:
    return Note(rel, parse_date(data["date"]), data["kind"], data["text"], data["staff"], data["party"],
                parse_seq(data))


def _build_submission(rel: str, data: dict) -> Submission:
    return Submission(rel, parse_date(data["date"]), data["occasion"], data.get("plan"), data.get("plan_digest"),
                      tuple(data.get("handovers") or ()), parse_seq(data))


def _build_custody(rel: str, data: dict) -> CustodyEvent:
    return CustodyEvent(rel, parse_date(data["date"]), tuple(data.get("handovers") or ()), data.get("scan"),
                        parse_seq(data), data.get("event"), data.get("submission"))


def _build_event(rel: str, data: dict) -> CaseEvent:
    return CaseEvent(rel, parse_date(data["date"]), data["kind"], data.get("text") or "", data["staff"],
                     parse_seq(data), data.get("level"), data.get("event"))


def _build_doctor(rel: str, data: dict) -> DoctorInstruction:
    return DoctorInstruction(rel, parse_date(data["date"]), str(data["service"]), data["method"], str(data["doctor"]))


def _build_equipment(rel: str, data: dict) -> EquipmentException:
    return EquipmentException(rel, data["item"], parse_opt_date(data.get("consulted_on")),
                              parse_opt_date(data.get("confirmed_on")), parse_date(data["cert_from"]),
                              basis=data["basis"])


def _build_done_mark(rel: str, data: dict) -> DoneMark:
    return DoneMark(rel, str(data["code"]), str(data["month"]), parse_date(data["date"]), data["party"])


# --- how values are put in order in the model ------------------------------------------------


def _recorded(values: list) -> tuple:
    """In the order they were recorded (model.record_order): ``[-1]`` is the latest."""
    return in_order(values)


def _by(key: Callable) -> Callable[[list], tuple]:
    return lambda values: tuple(sorted(values, key=key))


# --- the declaration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of document (see the module docstring for each field)."""

    name: str
    title: str
    #: (compiled pattern, owning party or None when the pattern's ``party`` group names it)
    paths: tuple[tuple[re.Pattern, str | None], ...]
    schema: str = ""
    #: ``case`` (inside a case folder), ``plan`` (inside ``plans/<id>/``) or ``casebook``
    scope: str = "case"
    build: Callable[[str, Any], Any] | None = None
    #: the field of Case (scope case) or Plan (scope plan) the values go into; "" for none
    field: str = ""
    #: many | one | flat
    collect: str = "many"
    arrange: Callable[[list], tuple] = _recorded
    #: custody: the paper's code (vocab.DOCUMENTS and the profiles' ``doc:`` key)
    paper: str | None = None
    #: custody: who holds a new file's original (None: no holding per file)
    original: str | None = None
    #: the code of the standard form that prints it (``yobo render``), titled by the paper's label
    form: str | None = None

    def __post_init__(self):
        if not self.schema:
            object.__setattr__(self, "schema", self.name)

    def match(self, path: str) -> tuple[re.Match, str | None] | None:
        """(the match, owning party) when ``path`` is one of this kind's files, else None;
        the party is None only for the casebook's own settings (the office keeping it)."""
        for pattern, party in self.paths:
            found = pattern.match(path)
            if found:
                return found, party or _party_of(found)
        return None


def _party_of(found: re.Match) -> str | None:
    # STAFF_FILE names the party in its first group; the other patterns in a named one
    return found.groupdict().get("party") or (found.group(1) if found.re.groups else None)


def _paths(*entries: tuple[str, str | None]) -> tuple[tuple[re.Pattern, str | None], ...]:
    return tuple((re.compile(pattern), party) for pattern, party in entries)


_PLAN = r"plans/P[0-9]+"

#: Every kind, in the order a case file is kept.  A path matches at most one kind
#: (tests/test_kinds.py checks it).
KINDS: tuple[Kind, ...] = (
    Kind("casebook", "yobo ケースブック設定（事業所・自治体プロファイル・職員）",
         _paths((rf"^{re.escape(CONFIG_FILE)}$", None)), scope="casebook"),
    Kind("staff", "職員の登録（一人一ファイル）", ((STAFF_FILE, None),), scope="casebook"),
    Kind("office-done-mark", "期限を済みにした記録", ((OFFICE_DONE_PATH, None),), schema="done-mark",
         scope="casebook"),
    Kind("case", "ケース：利用者の基本事項と区分・実施形態・担当", _paths((r"^case\.yaml$", "kyotaku")),
         build=require_mapping, collect="one"),
    Kind("certification", "認定：要支援認定の有効期間、または事業対象者の判定",
         _paths((r"^certifications/[^/]+\.yaml$", "kyotaku")), build=build_certification,
         field="certifications", arrange=_by(lambda c: c.start)),
    Kind("basic-info", DOCUMENTS["basic-info"], _paths((r"^basic-info/[^/]+\.yaml$", "kyotaku")),
         build=_build_basic_info, field="basic_infos", arrange=lambda values: in_order(values, day_of=doc_day),
         paper="basic-info", original="kyotaku", form="basic-info"),
    Kind("checklist", "基本チェックリスト（回答。得点と判定は yobo checklist show）",
         _paths((r"^checklists/[^/]+\.yaml$", "kyotaku")), build=_build_checklist, field="checklists",
         paper="checklist", original="kyotaku", form="checklist"),
    Kind("plan", DOCUMENTS["plan"], _paths((rf"^{_PLAN}/plan\.yaml$", "kyotaku")), build=_build_plan,
         field="plans", paper="plan", original="kyotaku", form="plan"),
    Kind("review", "地域包括支援センターの確認（包括が記入）",
         _paths((rf"^{_PLAN}/reviews/[^/]+\.hokatsu\.yaml$", "hokatsu")), scope="plan", build=_build_review,
         field="reviews"),
    Kind("evaluation-review", "地域包括支援センターの確認（包括が記入）",
         _paths((rf"^{_PLAN}/evaluation-review\.hokatsu\.yaml$", "hokatsu")), schema="review", scope="plan",
         build=_build_review, field="evaluation_review", collect="one"),
    Kind("meeting", DOCUMENTS["meeting-record"], _paths((rf"^{_PLAN}/meetings/[^/]+\.yaml$", "kyotaku")),
         scope="plan", build=_build_meeting, field="meetings", paper="meeting-record", original="kyotaku",
         form="meeting"),
    Kind("consent", "計画に関する同意", _paths((rf"^{_PLAN}/consent\.yaml$", "kyotaku")), scope="plan",
         build=_build_consent, field="consent", collect="one"),
    Kind("service-start", "サービス開始", _paths((rf"^{_PLAN}/start\.yaml$", "kyotaku")), scope="plan",
         build=_build_service_start, field="service_start", collect="one"),
    Kind("evaluation", DOCUMENTS["evaluation"], _paths((rf"^{_PLAN}/evaluation\.yaml$", "kyotaku")),
         scope="plan", build=_build_evaluation, field="evaluation", collect="one",
         paper="evaluation", original="kyotaku", form="evaluation"),
    Kind("weekly", DOCUMENTS["weekly"], _paths((rf"^{_PLAN}/weekly\.yaml$", "kyotaku")), scope="plan",
         build=_build_weekly, field="weekly", collect="one", paper="weekly", form="weekly"),
    # <yyyy-mm>.yaml (before sharing) or <yyyy-mm>-<author token>.yaml: one file a month and author
    Kind("monitoring", "モニタリング記録（一月分）",
         _paths((rf"^monitoring/[0-9]{{4}}-[0-9]{{2}}(-{TOKEN_RE})?\.yaml$", "kyotaku")), build=_build_monitoring,
         field="monitoring", collect="flat", arrange=_by(lambda m: (m.date, m.path))),
    # <date>-<party>-<n>.yaml (before sharing) or <date>-<party>-<n>-<author token>.yaml
    Kind("note", "介護予防支援経過記録（一件）", _paths((rf"^notes/[^/]+-{_PARTY}-[0-9]+(-{TOKEN_RE})?\.yaml$", None)),
         build=_build_note, field="notes", paper="progress-notes", form="notes"),
    Kind("submission", "地域包括支援センターへの提出（送付状）", _paths((r"^submissions/[^/]+\.yaml$", "kyotaku")),
         build=_build_submission, field="submissions"),
    Kind("custody", "原本・写しの受け渡し・スキャンの記録",
         _paths((rf"^custody/[^/]+-{_PARTY}-[0-9]+(-{TOKEN_RE})?\.yaml$", None)), build=_build_custody,
         field="custody"),
    Kind("doctor-instruction", "主治医の指示の確認（医療系サービス）",
         _paths((rf"^doctor/[^/]+-{_PARTY}-[0-9]+(-{TOKEN_RE})?\.yaml$", None)), build=_build_doctor,
         field="doctor_instructions", arrange=_by(lambda x: (x.date, x.path))),
    Kind("equipment-exception", "福祉用具貸与の例外給付（認定調査による確認・保険者との協議）",
         _paths((rf"^equipment/[^/]+-{_PARTY}-[0-9]+(-{TOKEN_RE})?\.yaml$", None)), build=_build_equipment,
         field="equipment", arrange=_by(lambda x: (x.cert_start, x.path))),
    # 台帳の出来事 and their 一報: the 居宅's ledger (seed 003 台帳管理), named like the notes
    Kind("event", "台帳の出来事（利用者の状況変化）・包括への一報",
         _paths((rf"^events/[^/]+-kyotaku-[0-9]+(-{TOKEN_RE})?\.yaml$", "kyotaku")), build=_build_event,
         field="events"),
    Kind("done-mark", "期限を済みにした記録",
         _paths((rf"^done/[0-9]{{4}}-[0-9]{{2}}--[a-z0-9-]+--{_PARTY}(-[0-9A-Za-z]+)?\.yaml$", None)),
         build=_build_done_mark, field="done_marks", arrange=_by(lambda x: (x.month, x.path))),
)

#: Kinds by name.
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
_IN_CASE = tuple(k for k in KINDS if k.scope in ("case", "plan"))
_IN_CASEBOOK = tuple(k for k in KINDS if k.scope == "casebook")

#: The papers yobo writes itself, by code: a submission hands them over only when they exist.
#: Every other code of ``vocab.DOCUMENTS`` (利用票, 認定調査票・意見書, 契約書類 …) is paper only.
YOBO_PAPERS: tuple[str, ...] = tuple(dict.fromkeys(k.paper for k in KINDS if k.paper))

#: Papers that are not yobo documents, and who writes them, so holds their original
#: until a hand-over says otherwise.  A paper listed nowhere is the 居宅's.
PAPER_WRITERS = {
    # seed 000 line 37「認定調査票（写し）および主治医意見書（写し）を町から取り寄せる」
    "survey-and-opinion": "town",
    # seed 000 line 173–178 / line 209: the provider writes the 個別サービス支援計画書 and keeps its 原本
    "service-plan": "providers",
    # seed 000 line 262–264「評価表（原本）を保管し、（写し）を担当ケアマネジャーに渡す」（サービス提供事業者）
    "provider-evaluation": "providers",
    # the user's own card (seed 004 line 70–71 hands it to the 包括 with the 届)
    "insurance-card": "user",
}


def _top_literal(pattern: re.Pattern) -> str | None:
    """The literal first path segment a pattern asks for (``notes`` of ``^notes/…``,
    ``case.yaml`` of ``^case\\.yaml$``), or None when it is not a plain literal."""
    head = pattern.pattern.removeprefix("^").split("/", 1)[0].removesuffix("$").replace("\\.", ".")
    return head if re.fullmatch(r"[A-Za-z0-9_.-]+", head) else None


def _kinds_by_top() -> tuple[dict[str, tuple[Kind, ...]], tuple[Kind, ...]]:
    by_top: dict[str, list[Kind]] = {}
    anywhere: list[Kind] = []
    for kind in _IN_CASE:
        tops = {_top_literal(pattern) for pattern, _ in kind.paths}
        if None in tops:
            anywhere.append(kind)
            continue
        for top in tops:
            by_top.setdefault(top, []).append(kind)
    return {top: tuple(kinds) for top, kinds in by_top.items()}, tuple(anywhere)


def kind_at(inner: str) -> tuple[Kind, str] | None:
    """(kind, owning party) of a path inside a case folder, or None (scans, other files).

    Only the kinds whose patterns begin with the path's first folder are tried (the
    loader and the index ask this for every file of every case: 170,000 at 10,000
    cases); a kind without a literal first folder is always tried."""
    top = inner.split("/", 1)[0]
    for kind in (*_BY_TOP.get(top, ()), *_ANYWHERE):
        found = kind.match(inner)
        if found is not None:
            return kind, found[1]
    return None


def classify(inner: str) -> tuple[str, str] | None:
    """(schema, writing party) of a path inside a case folder, or None (scans, other files)."""
    found = kind_at(inner)
    return (found[0].schema, found[1]) if found else None


def kind_of_path(rel: str) -> tuple[Kind, str] | None:
    """(kind, owning party or None for yobo.yaml) of any casebook-relative path, or None."""
    for kind in _IN_CASEBOOK:
        found = kind.match(rel)
        if found is not None:
            return kind, found[1]
    parts = rel.split("/", 3)
    if len(parts) == 4 and parts[0] == CASES_DIR:
        return kind_at(parts[3])
    return None


def classify_casebook_path(rel: str) -> str | None:
    """The schema of a casebook-relative path (what the writer validates it with), or None."""
    found = kind_of_path(rel)
    return found[0].schema if found else None


def owner_of(rel: str, office_kind: str) -> tuple[str | None, str | None]:
    """(kind name, owning party) of any casebook-relative path, for ``yobo verify``.

    ``yobo.yaml`` and the copied schemas belong to the office that keeps the casebook;
    a staff file to the party in its path; a case document to the party its kind
    declares; a scan under ``files/`` to whoever records its custody (either party: the
    custody record beside it is checked instead).  Anything else in a case folder or the
    casebook is unknown: (None, None).
    """
    if rel == CONFIG_FILE or rel == ".gitignore" or rel.startswith("schemas/"):
        return ("casebook", office_kind)
    parts = rel.split("/", 3)
    if len(parts) == 4 and parts[0] == CASES_DIR and parts[3].startswith("files/"):
        return ("scan", None)
    found = kind_of_path(rel)
    if found is None or found[0].name == "office-done-mark":
        # a casebook-wide done mark is checked by its step, not by a path's owner
        return (None, None)
    return found[0].name, found[1]


def title_of(schema: str) -> str:
    """The Japanese title line of a new file of ``schema``."""
    return next(k.title for k in KINDS if k.schema == schema)


def arrange_case(found: dict[str, list]) -> dict[str, tuple]:
    """The Case fields of a case's documents by kind name (``found[kind] = [value, …]``),
    each in its kind's order: ``replace(case, **arrange_case(found))``."""
    out = {}
    for kind in _IN_CASE:
        if kind.scope != "case" or not kind.field or kind.name == "plan":
            continue
        values = found.get(kind.name, [])
        if kind.collect == "flat":
            values = [v for many in values for v in many]
        out[kind.field] = kind.arrange(values)
    return out


def arrange_plan(found: list[tuple[Kind, Any]]) -> dict[str, Any]:
    """The Plan fields of a plan's documents (``(kind, value)`` in path order), each in its
    kind's order; a ``one`` kind takes the last."""
    grouped: dict[str, list] = {}
    for kind, value in found:
        grouped.setdefault(kind.name, []).append(value)
    out: dict[str, Any] = {}
    for kind in _IN_CASE:
        if kind.scope != "plan" or kind.name not in grouped:
            continue
        values = grouped[kind.name]
        out[kind.field] = values[-1] if kind.collect == "one" else kind.arrange(values)
    return out


def created_papers(case) -> list[tuple[str, str, str]]:
    """(paper code, path, party holding the original) of each yobo document of ``case`` at
    its creation: every kind that declares ``paper`` and ``original``."""
    out = []
    for kind in _IN_CASE:
        if kind.paper is None or kind.original is None:
            continue
        if kind.name == "plan":
            out += [(kind.paper, plan.path, kind.original) for plan in case.plans]
        elif kind.scope == "case":
            out += [(kind.paper, v.path, kind.original) for v in getattr(case, kind.field)]
        else:
            for plan in case.plans:
                value = getattr(plan, kind.field)
                values = value if isinstance(value, tuple) else (() if value is None else (value,))
                out += [(kind.paper, v.path, kind.original) for v in values]
    return out


def current_papers(case, plan) -> dict[str, str]:
    """The yobo document behind each paper code now, for a submission: the last recorded
    file of its kind (in the kind's order; for a plan's documents, of ``plan``).  A paper
    kept as one record of many files (the 経過記録: no original per file) is their folder."""
    out: dict[str, str] = {}
    for kind in _IN_CASE:
        if kind.paper is None:
            continue
        if kind.name == "plan":
            values: tuple = (plan,) if plan is not None else ()
        elif kind.scope == "case":
            values = getattr(case, kind.field)
        else:
            value = getattr(plan, kind.field) if plan is not None else None
            values = value if isinstance(value, tuple) else (() if value is None else (value,))
        if values:
            path = values[-1].path
            out[kind.paper] = path if kind.original is not None or kind.collect == "one" else path.rsplit("/", 1)[0]
    return out


#: The kinds of a case folder by the first folder of their paths (:func:`kind_at`).
_BY_TOP, _ANYWHERE = _kinds_by_top()

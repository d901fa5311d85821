"""The registry of document kinds (yobo/kinds.py): for every kind, every consumer — the loader,
the index's file filter, the writer's schema check, ``yobo verify``'s ownership, validation,
custody and new-file titles — resolves it from the one declaration.

Adding a kind means adding its declaration, its schema and a sample file in :data:`SAMPLES`
(``test_every_kind_has_a_sample`` fails until then)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from yobo import kinds
from yobo.custody import custody_state
from yobo.forms import forms
from yobo.kinds import KINDS, Kind
from yobo.loader import document_kind, load_case, parse_document
from yobo.resources import data_dir
from yobo.schemas import check_document
from yobo.vocab import DOCUMENTS, HOLDERS
from yobo.workflow.apply import kind_of
from yobo.workflow.documents import TITLES, render_new

SAMPLE_BOOK = Path(__file__).resolve().parent.parent / "sample-casebook"
CASE_DIR = "cases/A7/A7PE3K"

#: kind -> (casebook-relative path written in the test casebook, text or None to copy the
#: first file of that kind from the sample casebook, owning party)
SAMPLES: dict[str, tuple[str, str | None, str | None]] = {
    "casebook": ("yobo.yaml", None, None),
    "staff": ("staff/hokatsu/7K3QAB.yaml", "name: 青木 保健師\nparty: hokatsu\n", "hokatsu"),
    "office-done-mark": ("done/2026-10/benefit-management--kyotaku-7K3QAB.yaml",
                         "code: benefit-management\nmonth: 2026-10\ndate: 2026-11-05\nstaff: 田中美咲\n"
                         "party: kyotaku\n", "kyotaku"),
    "case": (f"{CASE_DIR}/case.yaml", None, "kyotaku"),
    "certification": (f"{CASE_DIR}/certifications/2025-12-01.yaml", None, "kyotaku"),
    "basic-info": (f"{CASE_DIR}/basic-info/2025-12-02.yaml", None, "kyotaku"),
    "checklist": (f"{CASE_DIR}/checklists/2025-12-02.yaml", None, "kyotaku"),
    "plan": (f"{CASE_DIR}/plans/P1/plan.yaml", None, "kyotaku"),
    "review": (f"{CASE_DIR}/plans/P1/reviews/2025-12-05.hokatsu.yaml", None, "hokatsu"),
    "evaluation-review": (f"{CASE_DIR}/plans/P1/evaluation-review.hokatsu.yaml",
                          "seq: 9\ntarget: evaluation\ndate: 2026-06-03\nreviewer: 青木 保健師\n"
                          "handovers:\n  - {doc: evaluation, ref: " + CASE_DIR + "/plans/P1/evaluation.yaml, "
                          "original_to: hokatsu, copies_to: [kyotaku]}\n",
                          "hokatsu"),
    "meeting": (f"{CASE_DIR}/plans/P1/meetings/2025-12-08.yaml", None, "kyotaku"),
    "consent": (f"{CASE_DIR}/plans/P1/consent.yaml", None, "kyotaku"),
    "service-start": (f"{CASE_DIR}/plans/P1/start.yaml", None, "kyotaku"),
    "evaluation": (f"{CASE_DIR}/plans/P1/evaluation.yaml", None, "kyotaku"),
    "weekly": (f"{CASE_DIR}/plans/P1/weekly.yaml", None, "kyotaku"),
    "monitoring": (f"{CASE_DIR}/monitoring/2026-01.yaml", None, "kyotaku"),
    "note": (f"{CASE_DIR}/notes/2026-01-10-hokatsu-1.yaml", None, "hokatsu"),
    "submission": (f"{CASE_DIR}/submissions/2025-12-04-draft.yaml", None, "kyotaku"),
    "custody": (f"{CASE_DIR}/custody/2026-01-12-hokatsu-1-7K3QAB.yaml",
                "seq: 10\ndate: 2026-01-12\nstaff: 青木 保健師\nparty: hokatsu\nevent: handover\n"
                "handovers:\n  - {doc: survey-and-opinion, copies_to: [hokatsu]}\n", "hokatsu"),
    "doctor-instruction": (f"{CASE_DIR}/doctor/2025-12-03-kyotaku-1.yaml", None, "kyotaku"),
    "equipment-exception": (f"{CASE_DIR}/equipment/2025-12-03-kyotaku-1-7K3QAB.yaml",
                            "date: 2025-12-03\nitem: wheelchair\nbasis: survey\ncert_from: 2025-12-01\n"
                            "recorded_by: 田中美咲\nparty: kyotaku\n", "kyotaku"),
    "event": (f"{CASE_DIR}/events/2026-11-20-kyotaku-1-7K3QAB.yaml",
              "seq: 40\ndate: 2026-11-20\nkind: hospital\ntext: 肺炎で入院\nstaff: 田中美咲\nparty: kyotaku\n", "kyotaku"),
    "done-mark": (f"{CASE_DIR}/done/2026-10--provider-evaluation--kyotaku.yaml",
                  "code: provider-evaluation\nmonth: 2026-10\ndate: 2026-11-05\nstaff: 田中美咲\nparty: kyotaku\n",
                  "kyotaku"),
}


def _sample_file(kind: Kind) -> Path:
    """The first file of ``kind`` in the sample casebook (path order)."""
    for path in sorted(SAMPLE_BOOK.rglob("*.yaml")):
        rel = path.relative_to(SAMPLE_BOOK).as_posix()
        found = kinds.kind_of_path(rel)
        if found is not None and found[0] is kind:
            return path
    raise AssertionError(f"the sample casebook has no {kind.name} file: give its text in SAMPLES")


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A casebook holding one file of every kind (one case folder for the case-level kinds)."""
    root = tmp_path_factory.mktemp("kinds")
    for name, (rel, text, _) in SAMPLES.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            shutil.copyfile(_sample_file(kinds.BY_NAME[name]), target)
        else:
            target.write_text(render_new(rel, kinds.BY_NAME[name].schema, parse_document_text(text)),
                              encoding="utf-8")
    return root


def parse_document_text(text: str) -> dict:
    from yobo.yamlio import load_fast

    return load_fast(text, "sample")


@pytest.fixture(scope="module")
def loaded(book):
    case, problems, read = load_case(book, "A7PE3K", CASE_DIR, validate=True)
    assert problems == [] and case is not None
    return case


def test_every_kind_has_a_sample():
    assert set(SAMPLES) == set(kinds.BY_NAME), "a new kind needs a sample file here"
    assert len(kinds.BY_NAME) == len(KINDS), "kind names are unique"


def test_a_path_matches_at_most_one_kind():
    for name, (rel, _, _) in SAMPLES.items():
        inner = rel[len(CASE_DIR) + 1:] if rel.startswith(CASE_DIR + "/") else None
        hits = [k.name for k in KINDS if k.match(inner if k.scope != "casebook" and inner else rel)]
        assert hits == [name], rel


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_consumer_resolves_the_kind_from_its_declaration(kind, book, loaded):
    rel, _, party = SAMPLES[kind.name]
    text = (book / rel).read_text(encoding="utf-8")
    data, _ = parse_document(book, rel)
    # the schema: installed, copied into new casebooks, and the file passes it (validation)
    assert (data_dir("schemas") / f"{kind.schema}.schema.json").is_file()
    assert (SAMPLE_BOOK / "schemas" / f"{kind.schema}.schema.json").is_file()
    assert check_document(kind.schema, data, path=rel, text=text) == []
    # paths: the writer validates with the kind's schema, verify knows its owner
    assert kinds.kind_of_path(rel) == (kind, party)
    assert kind_of(rel) == kind.schema
    # (yobo.yaml belongs to the office keeping the casebook; an office's done mark is checked by its step)
    owner = kinds.owner_of(rel, "hokatsu")
    assert owner == ((kind.name, party or "hokatsu") if kind.name != "office-done-mark" else (None, None))
    # new files carry the kind's title under the schema comment
    assert TITLES[kind.schema] == kind.title
    assert render_new(rel, kind.schema, {"x": 1}).splitlines()[1] == f"# {kind.title}"
    if kind.scope == "casebook":
        return
    inner = rel[len(CASE_DIR) + 1:]
    # the index re-reads exactly the files the loader reads
    assert document_kind(inner) == kind.name
    assert document_kind(f"files/{inner}") is None
    # the loader builds it and puts it where the declaration says
    if kind.name == "case":
        assert loaded.file == rel
        return
    if kind.name == "plan":
        assert [p.path for p in loaded.plans] == [rel]
        return
    holder = loaded if kind.scope == "case" else loaded.plans[0]
    value = getattr(holder, kind.field)
    values = value if isinstance(value, tuple) else (value,)
    if kind.name == "service-start":
        assert values == (kinds.parse_date(data["date"]),)
    else:
        assert [v.path for v in values] == [rel] * len(values) and values
    # the form that prints it exists and is titled by the paper's label
    if kind.form is not None:
        assert forms()[kind.form].title.startswith(DOCUMENTS[kind.paper])
    # custody: the paper is a known paper; a new file's original is with its declared holder
    if kind.paper is not None:
        assert kind.paper in DOCUMENTS
    if kind.original is not None:
        assert kind.original in HOLDERS
        held = {(h.doc, h.ref): h for h in custody_state(loaded)}
        assert (kind.paper, rel) in held


def test_custody_replays_the_declared_originals_and_hand_overs(loaded):
    held = {(h.doc, h.ref): h for h in custody_state(loaded)}
    evaluation = held["evaluation", f"{CASE_DIR}/plans/P1/evaluation.yaml"]
    # the evaluation-review's hand-over (seed 001 line 18「(原本)を保管し(写)を居宅へ渡す」) moved it
    assert evaluation.original == "hokatsu" and evaluation.copies == {"kyotaku"}
    # a paper the town writes starts at the town (seed 000 line 37: 写し from the town)
    survey = held["survey-and-opinion", ""]
    assert survey.original == "town" and survey.copies == {"hokatsu"}


def test_kinds_that_share_a_schema_share_their_title():
    by_schema: dict[str, set[str]] = {}
    for kind in KINDS:
        by_schema.setdefault(kind.schema, set()).add(kind.title)
    assert all(len(titles) == 1 for titles in by_schema.values())


def test_every_schema_of_a_document_belongs_to_a_kind():
    """A schema with no kind would never be read: the registry is the whole list."""
    documents = {p.name.removesuffix(".schema.json") for p in data_dir("schemas").glob("*.schema.json")}
    helpers = {"defs", "profile"}  # shared definitions and the municipal profiles, not casebook files
    assert documents - helpers == {k.schema for k in KINDS}


def test_no_other_module_declares_a_document_path():
    """The path patterns of the case documents live in kinds.py alone."""
    package = Path(kinds.__file__).parent
    pattern = re.compile(r"plans/P\[0-9\]\+|\^checklists/|\^certifications/|\^submissions/")
    found = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
             if p.name != "kinds.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert found == []


def test_a_submission_finds_the_current_file_of_each_paper_through_the_registry(loaded):
    papers = kinds.current_papers(loaded, loaded.plans[0])
    assert papers == {"basic-info": SAMPLES["basic-info"][0], "checklist": SAMPLES["checklist"][0],
                      "plan": SAMPLES["plan"][0], "meeting-record": SAMPLES["meeting"][0],
                      "evaluation": SAMPLES["evaluation"][0], "weekly": SAMPLES["weekly"][0],
                      # the 経過記録 is handed over as one record: its folder
                      "progress-notes": f"{CASE_DIR}/notes"}
    assert set(papers) == set(kinds.YOBO_PAPERS) and set(kinds.YOBO_PAPERS) <= set(DOCUMENTS)
    assert "plan" not in kinds.current_papers(loaded, None)


def test_the_first_folder_dispatch_finds_what_trying_every_kind_finds():
    """kind_at tries only the kinds of the path's first folder: the same answer as trying
    them all, for every file of the sample, every SAMPLES path and paths of no kind."""
    cases = SAMPLE_BOOK / "cases"
    inner = ["/".join(p.relative_to(cases).parts[2:]) for p in cases.rglob("*") if p.is_file()]
    inner += [path.split("/", 3)[3] for path, _, _ in SAMPLES.values() if path.startswith("cases/")]
    inner += ["files/scan.pdf", "notes", "plans/P1/other.yaml", "case.yml", "README.md"]
    assert len(inner) > 100
    for path in inner:
        slow = next(((k, found[1]) for k in kinds.KINDS if k.scope in ("case", "plan")
                     and (found := k.match(path)) is not None), None)
        assert kinds.kind_at(path) == slow, path

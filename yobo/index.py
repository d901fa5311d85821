"""The derived index under ``.yobo/``: each case's unmet deadlines and its summary,
re-read only when the case changed.

It cannot run code: the file is data only (msgpack — never pickle or marshal).

It cannot be forged: the file carries an HMAC-SHA256 of its content under a random
key that this clone keeps inside its git folder (``git rev-parse --git-path
yobo-index-key``: never in the work tree, so never committed or pushed).  An index
written anywhere else — committed with ``git add -f`` by a colleague, copied from
another clone, crafted by hand — never verifies and is rebuilt.  A ``.yobo/`` that
git tracks is neither read nor written (a one-line warning says how to untrack it).

It cannot lie: besides the checksum, the index is keyed by its format, yobo's
version, the source of the code that computes what it caches (the rules, the
loader, the model, the profiles and schemas: :func:`code_fingerprint`), the
profile and yobo.yaml.  Each case's entry remembers the git tree id of the case
folder it was built from — but only when every document read was byte for byte
the committed one (git's blob ids, computed here from the bytes actually parsed);
otherwise it remembers nothing and is read again next time.  An entry is reused
only when that tree is the case's tree at HEAD and ``git status`` shows nothing
changed in the folder, so a file edited or committed while yobo reads never leaves
a stale entry behind.  When an ignore rule could hide a document from git status
(:func:`_reaches_cases`), status is asked for ignored files too, so a file created
under such a rule is seen.  Anything doubtful — a bad checksum, a truncated file, wrong
types, another key — means the index is not used: the cases are read from their
files (a malformed entry in a well-signed file: that case alone).  Deleting
``.yobo/`` is always safe.  Outside git there is no index.

It costs what a run uses, like git's split index (issue 16): each case's entry is
its own msgpack bytes inside the signed file, decoded and type-checked on first use
(:class:`StoredEntry`; its rows bytes of their own again, so the case list decodes
summaries only); after a commit, a pull or a hand edit only what differs from the
base file is written, to a signed overlay naming that base (:func:`_write_index`);
and a moved HEAD is followed with one ``git diff-tree`` (:func:`_moved_trees`).

Measured on a synthetic casebook of 10,000 cases (``yobo dev gen-casebook``; CPU
time of this process, cProfile, a loaded 2-core machine, 2026-11-30): after a commit
touching one case, :func:`_refresh` took ≈ 1.3 s before (reading, checking and
rewriting the whole 12.7 MB file, listing every shard) and ≈ 0.12 s now (the file's
checksum and outline ≈ 0.05 s; a 2 KB overlay written); decoding every entry, when
a caller uses them all, ≈ 0.3–0.4 s, their summaries alone ≈ 0.03 s.  git status
(≈ 0.5 s there) runs on the other core meanwhile.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import gc
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
import warnings
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from itertools import count
from pathlib import Path
from typing import NamedTuple

import msgpack

from . import __version__, gitstore
from .casebook import CACHE_DIR, CASES_DIR, iter_case_dirs
from .errors import Problem, Source
from .loader import document_kind, load_case
from .model import Casebook, Certification, Config, shown_certification
from .resources import data_dir
from .rules.due import Due, case_obligations, running_modes, unreadable_documents

INDEX_FILE = "due-index.msgpack"
#: What changed since the base file (see :func:`_write_index`), beside it.
OVERLAY_FILE = "due-index-overlay.msgpack"
#: The per-clone key of the checksum, inside the git folder.
KEY_FILE = "yobo-index-key"
FORMAT = 7  # raised whenever the layout of the file changes
MAGIC = b"yobo due index 7\n"
#: The overlay's own first line: signed with the same key, it can never pass for a base.
OVERLAY_MAGIC = b"yobo due index overlay 7\n"
#: The name a signed file is written under before it replaces the real one.
TEMP_PREFIX = ".index-"
#: A case whose case.yaml cannot be read (its summary's status).
UNREADABLE = "unreadable"
#: The index is refused beyond this size rather than read into memory (10,000 cases ≈ 6 MB):
#: a committed file of zeros compresses to nothing in git but would fill the memory.
MAX_BYTES = 256 << 20
#: What yobo before this format kept (a pickle): never read, removed when the index is written.
LEGACY_FILES = ("due-index.pickle",)

TRACKED_WARNING = (".yobo/ が git に登録されています。中身は使わずに無視します"
                   "（git rm -r --cached .yobo を実行してコミットすると外れます）")


class CommittedIndexWarning(UserWarning):
    """``.yobo/`` is tracked by git: its files are ignored (the CLI prints the message)."""


# -- what the index depends on ---------------------------------------------------------------------


def code_files() -> list[Path]:
    """The files whose content the cached entries are computed by: every module of the
    core (rules, loader, model, calendar, yamlio…; the CLI and the developer tools
    excluded), the profiles, and the schemas (whose titles make the messages of
    unreadable documents)."""
    package = Path(__file__).resolve().parent
    files = sorted(p for p in package.rglob("*") if p.suffix in (".py", ".yaml") and p.is_file()
                   and not {"cli", "devtools", "_data", "__pycache__"} & set(p.relative_to(package).parts))
    try:
        files += sorted(data_dir("schemas").glob("*.schema.json"))
    except FileNotFoundError:  # a broken installation: the loader will say so
        pass
    return files


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of :func:`code_files` (names and bytes).

    Hashed at run time rather than pinned: an edited rule can never be served from an
    index built by the old one, whoever edits it and however yobo is installed, and
    no one has to remember to bump a number.  It costs ≈ 2 ms (≈ 60 small files).
    """
    digest = hashlib.sha256()
    for path in code_files():
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _key(config: Config, profile: dict) -> str:
    """What the cached entries depend on besides the case files."""
    material = json.dumps([FORMAT, __version__, code_fingerprint(), profile, dataclasses.asdict(config)],
                          ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


# -- entries -----------------------------------------------------------------------------------------


def _pack(items: list[Due]) -> list[tuple]:
    return [(d.case, d.code, d.title, d.due.toordinal(), d.opens.toordinal(), d.staff, d.party, d.source, d.kind,
             d.excused, d.name) for d in items]


@contextmanager
def _no_gc():
    """The cyclic garbage collector paused while ~100,000 small objects are made: it
    would otherwise walk them all again and again (0.21 s instead of 0.07 s to load
    the index of 10,000 cases).  Afterwards they are frozen (moved out of the
    collector's sight), or the first collection after would walk them all once more
    (0.27 s).  They hold no cycles, so nothing is lost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def unpack(rows) -> list[Due]:
    """Packed rows (ordinals instead of dates) back to Due values."""
    fromordinal = date.fromordinal
    with _no_gc():
        return [Due(c, code, title, fromordinal(due), fromordinal(opens), staff, party, source, kind, excused, name)
                for c, code, title, due, opens, staff, party, source, kind, excused, name in rows]


class CaseSummary(NamedTuple):
    """What ``yobo case list`` shows of a case and ``case new`` checks (certification
    periods kept whole: which one is current depends on the day asked).  Plain values
    inside, so the index loads fast; :meth:`shown_certification` gives the model's.
    A case whose case.yaml cannot be read has the status ``unreadable`` and only its
    id, folder and problems."""

    id: str
    status: str
    name: str
    kana: str
    route: str
    mode: str
    manager: str
    hokatsu: str | None
    dir: str
    certs: tuple  # (level, start ordinal, end ordinal or None, status)
    insured_no: str
    problems: tuple = ()  # "path:line: [code] message" of each document that could not be read

    def shown_certification(self, day: date) -> Certification | None:
        """As :meth:`yobo.model.Case.shown_certification`, from the summary."""
        return shown_certification(
            [Certification("", level, status, date.fromordinal(start), date.fromordinal(end) if end else None)
             for level, start, end, status in self.certs], day)


def summarize(case, problems=()) -> CaseSummary:
    certs = tuple((c.level, c.start.toordinal(), c.end.toordinal() if c.end else None, c.status)
                  for c in case.certifications)
    return CaseSummary(case.id, case.status, case.person.name, case.person.kana, case.route, case.mode, case.manager,
                       case.hokatsu, case.dir, certs, case.person.insured_no, tuple(str(p) for p in problems))


def _unreadable_summary(case_id: str, case_dir: str, problems) -> CaseSummary:
    return CaseSummary(case_id, UNREADABLE, "", "", "", "", "", None, case_dir, (), "",
                       tuple(str(p) for p in problems))


def _plain(value):
    """Tuples as lists, as they come back from the file (so a fresh entry equals a stored one)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _read_case(root: Path, case_dir: str, config: Config, profile: dict, record: dict) -> list:
    """``[tree, deadline rows, running mode, summary]`` of one case read from its files
    (the tree is filled in by :func:`_verify`); ``record`` receives the bytes read."""
    case_id = case_dir.rsplit("/", 1)[-1]
    try:
        case, problems, _ = load_case(root, case_id, case_dir, record=record)
    except OSError as exc:  # a file removed or made unreadable while it was being read
        case, problems = None, [Problem(Source(case_dir), "file-unreadable", f"読み込めません（{exc.strerror or exc}）")]
    if case is None:
        problems = problems or [Problem(Source(f"{case_dir}/case.yaml", 1), "document-invalid", "内容を読み取れません")]
        rows = unreadable_documents(case_id, problems, party=config.office_kind)
        return [None, _pack(rows), None, _plain(_unreadable_summary(case_id, case_dir, problems))]
    modes = running_modes(Casebook("", config, (case,)))
    rows = case_obligations(case, profile, config) + unreadable_documents(
        case.id, problems, staff=case.manager, name=case.person.name, party=config.office_kind)
    return [None, _pack(rows), next(iter(modes), None), _plain(summarize(case, sorted(problems)))]


def _blob_id(raw: bytes, sha256: bool) -> str:
    """git's object id of a file with these bytes (``git hash-object``)."""
    header = b"blob %d\0" % len(raw)
    return (hashlib.sha256 if sha256 else hashlib.sha1)(header + raw).hexdigest()


def _verify(root: Path, head: str, reread: dict[str, dict[str, bytes]], trees: dict[str, str]) -> dict[str, str | None]:
    """For each case read: its tree id at ``head`` if the documents read were exactly
    the committed ones (same paths, same bytes), else None — an entry that must not be
    reused, because what was parsed is not what git holds (an edit, a new or removed
    file, perhaps made while yobo was reading)."""
    if not reread:
        return {}
    paths = [CASES_DIR + "/"] if len(reread) > 200 else [d + "/" for d in reread if d in trees]
    listing = gitstore.ls_tree(root, head, *paths, recursive=True) if paths else []
    if listing is None:
        return dict.fromkeys(reread)
    committed: dict[str, dict[str, str]] = {}
    for mode, kind, oid, path in listing:
        case_dir = _case_dir_of(path)
        if case_dir not in reread or document_kind(path[len(case_dir) + 1:]) is None:
            continue
        # the loader follows a symbolic link where git stores the link itself: never equal
        committed.setdefault(case_dir, {})[path] = oid if mode in ("100644", "100755") else f"{mode}:{oid}"
    sha256 = len(head) == 64
    out = {}
    for case_dir, record in reread.items():
        # bytes read here, or the blob id a worker process worked out (_read_cases)
        parsed = {rel: raw if isinstance(raw, str) else _blob_id(raw, sha256) for rel, raw in record.items()}
        out[case_dir] = trees.get(case_dir) if parsed and parsed == committed.get(case_dir) else None
    return out


def _case_dir_of(path: str) -> str | None:
    parts = path.split("/")
    return "/".join(parts[:3]) if len(parts) >= 4 and parts[0] == CASES_DIR else None


def _expand(root: Path, path: str) -> set[str]:
    """Case folders inside a changed path that git reported as a whole folder."""
    parts = path.rstrip("/").split("/")
    if len(parts) >= 3:
        return {"/".join(parts[:3])}
    base = root / path
    if not base.is_dir():
        return set()
    return {d for _, d in iter_case_dirs(root) if d.startswith(path.rstrip("/") + "/")}


def _head_trees(root: Path, head: str) -> tuple[dict[str, str], bool]:
    """``{cases/XX/ID: tree id}`` of every case folder in commit ``head``, and whether
    that commit holds a ``.yobo`` (two git calls; the second question costs nothing)."""
    top = gitstore.ls_tree(root, head, CASES_DIR + "/", CACHE_DIR) or []
    tracked = any(path == CACHE_DIR for _, _, _, path in top)
    shards = [path for _, kind, _, path in top if kind == "tree" and path.startswith(CASES_DIR + "/")]
    listing = gitstore.ls_tree(root, head, *(s + "/" for s in shards)) if shards else []
    return {path: oid for _, kind, oid, path in listing or () if kind == "tree"}, tracked


def _moved_trees(root: Path, old_head: str, old_trees: dict[str, str], head: str,
                 old_ignores: bool | None = None, started=None) -> tuple[dict[str, str], bool, bool | None]:
    """:func:`_head_trees` of ``head`` worked out from those of ``old_head`` (the last
    index's): one ``git diff-tree`` lists the case folders whose tree differs, so a
    commit touching one case costs that case, not a listing of every shard.  Whether
    ``head`` holds a ``.yobo``: an index is never written at a commit that holds one, so
    only a ``.yobo`` the diff adds can be there.  Third, whether ``head`` holds a
    ``.gitignore`` under ``cases/``: ``old_ignores`` (``old_head``'s) when the diff
    touches none, else None (not known: :func:`_head_ignores`).  Falls back to listing
    ``head`` whole when git cannot compare the two (the old commit gone after a
    history rewrite).  ``started``: the diff started ahead (:func:`_diff_ahead`)."""
    listing = gitstore.diff_tree(root, *_moved_question(old_head, head), started=started)
    if listing is None:
        return (*_head_trees(root, head), None)
    trees = dict(old_trees)
    tracked = False
    ignores = old_ignores
    for mode, oid, path in listing:
        if _in_cache_dir(path):
            tracked = tracked or mode != "000000"
        elif path.count("/") == 2 and path.startswith(CASES_DIR + "/"):
            if mode == "040000":
                trees[path] = oid
            else:  # removed, or no longer a folder
                trees.pop(path, None)
        if path.rsplit("/", 1)[-1] == ".gitignore":
            ignores = None
    return trees, tracked, ignores


def _moved_question(old_head: str, head: str) -> tuple[str, ...]:
    return (old_head, head, CASES_DIR + "/", CACHE_DIR)


def _diff_ahead(root: Path, answer, head: str):
    """After a commit, the kept answer names the HEAD it was made at, which is almost
    always the last index's: the diff from there is started before the index is read
    (git works on the other core), and taken by :func:`_moved_trees` if it asks the
    same.  None when there is nothing to start."""
    old_head = getattr(answer, "kept_head", None)
    if type(old_head) is not str or old_head == head or not _OBJECT_ID.fullmatch(old_head):
        return None
    return gitstore.Started(root, *gitstore.diff_tree_args(*_moved_question(old_head, head)))


_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _head_ignores(root: Path, head: str) -> bool:
    """Whether commit ``head`` holds a ``.gitignore`` anywhere under ``cases/`` (one
    listing of its tree; asked only when the last index cannot tell: a first run, a
    commit that adds, changes or removes one).  True when git cannot say."""
    held = gitstore.tree_holds_name(root, head, CASES_DIR + "/", ".gitignore")
    return True if held is None else held


def _ignore_rules_reach(root: Path, sources: list, entries: list[tuple[str, str]],
                        head_ignores: bool | None = None) -> bool:
    """Whether any ignore rule could hide a document under ``cases/``: a pattern of the
    top ``.gitignore``, ``info/exclude`` or the user's excludes file that may match a
    document, a folder on the way to one or a ``.gitignore`` (see :func:`_reaches_cases`),
    or any ``.gitignore`` inside ``cases/``.  Asking git which files are ignored instead
    costs ≈ 1 s at 10,000 cases; reading the rules costs nothing.

    ``head_ignores``: whether HEAD holds a ``.gitignore`` under ``cases/``, when the
    caller knows (the due index follows it from commit to commit): one that is not in
    HEAD but is in git's index or the work tree shows in ``entries``, so git's index
    need not be searched (``git ls-files``, ≈ 55 ms at 10,000 cases)."""
    for path in [root / ".gitignore", *(Path(source[0]) for source in sources)]:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if any(_reaches_cases(line) for line in text.splitlines()):
            return True
    if any(p.startswith(CASES_DIR + "/") and p.rsplit("/", 1)[-1] == ".gitignore" for _, p in entries):
        return True
    if head_ignores is not None:
        return head_ignores
    return bool(gitstore.tracked_files(root, f":(glob){CASES_DIR}/**/.gitignore"))


def _reaches_cases(line: str) -> bool:
    """Whether one gitignore pattern, read at the top of the casebook, could ignore a
    document under ``cases/`` or a folder or ``.gitignore`` on the way to it.
    Conservative: True whenever unsure.  Documents are ``*.yaml`` files in folders whose
    names (shards, case ids, kinds, plan ids) hold only letters, digits, ``-`` and ``_``;
    so ``*.swp``, ``*~``, ``.DS_Store`` or ``/build/`` cannot reach one, while ``*.yaml``,
    ``notes/``, ``2026*`` or ``cases/…`` can."""
    pattern = line.rstrip()
    if not pattern or pattern.startswith(("#", "!")):  # a negation never hides a file
        return False
    if "\\" in pattern:
        return True
    body = pattern.rstrip("/")
    if not body:
        return False
    if "/" in body:  # anchored at the top: only a first step that may be "cases" reaches in
        first = body.lstrip("/").split("/", 1)[0]
        return first == "**" or fnmatch.fnmatchcase(CASES_DIR, first)
    if fnmatch.fnmatchcase(".gitignore", body):
        return True
    tail = body.rsplit("*", 1)[-1].lower()
    if any(c in tail for c in "?["):
        return True
    if tail.endswith(".yaml") or ".yaml".endswith(tail):
        return True
    return all(c.isascii() and (c.isalnum() or c in "-_") for c in tail)


def _in_cache_dir(path: str) -> bool:
    return path == CACHE_DIR or path.startswith(CACHE_DIR + "/")


# -- refreshing ----------------------------------------------------------------------------------------


_NOTHING = object()


def refresh(root: Path, config: Config, profile: dict) -> dict[str, list]:
    """``{case folder: [tree, deadline rows, running mode, summary]}`` for every case,
    read from the index where the case has not changed and from its files where it has."""
    return _refresh(root, config, profile, None)[0]


def _refresh(root: Path, config: Config, profile: dict, speculate, *, status: gitstore.ChangedPaths | None = None,
             answer: Answer | None = None) -> tuple[dict[str, list], object]:
    """:func:`refresh`, and ``speculate(cases)`` worked out from the last index while
    ``git status`` runs in its own process: returned when the cases turned out
    unchanged (the usual warm run), else ``_NOTHING``.

    ``status``: a ``git status`` the caller started earlier (used if it asked the same
    question).  ``answer``: the caller's finished answer, looked up before the index is
    read (see :class:`Answer`); when it is found, nothing else is read and the cases
    come back empty."""
    head = gitstore.head(root) if (root / CASES_DIR).is_dir() else None
    # Only a casebook that is its own repository keeps an index: reading one in place
    # inside another project (the bundled sample) leaves that project's tree alone.
    if head is None or not (root / ".git").exists():
        return _read_all(root, config, profile), _NOTHING
    key = _key(config, profile)
    index_path = root / CACHE_DIR / INDEX_FILE
    sources = _plain(gitstore.ignore_sources(root))
    # git status runs while the index is read (two cores); if the index turns out to
    # disagree about ignored files, status is asked again below.
    guess = _peek_ignored(index_path)
    if status is not None and status.root == root and status.ignored == guess:
        pending = status  # started before yobo's own imports (yobo.cli._early)
    else:
        pending = gitstore.ChangedPaths(root, ignored=guess)
    secret = _secret(root)
    if answer is not None and secret and answer.lookup(root, head, key, secret, pending, sources, guess):
        return {}, _NOTHING
    ahead = _diff_ahead(root, answer, head)
    # a stored entry found malformed when first used is read from its files instead
    old = _read_index(index_path, key, secret,
                      lambda case_dir: _read_case(root, case_dir, config, profile, {})) if secret else None
    early = _NOTHING
    # the cases the early work is done from: the last index's, or — HEAD having moved
    # (a commit, a pull, a checkout) — those with HEAD's tree, the few whose tree changed
    # read again, all while git status runs
    basis = moved = None
    if old and old["head"] == head:
        basis = old["cases"]
    elif old:
        moved = _moved_trees(root, old["head"], old["trees"], head, old["head_ignores"], ahead)
        if speculate is not None and not moved[1]:
            basis = _catch_up(root, config, profile, head, old["cases"], moved[0])
    if ahead is not None:
        ahead.drop()  # taken above, or asked of another HEAD than the index's: stopped
    if speculate is not None and basis is not None:
        # the work a warm run ends with, done now on this core while git works on the other
        early = speculate(basis)
        if answer is not None and secret:
            answer.prepare(early)  # compressed while git still works, kept if the early work stands
    entries = pending.entries()
    if entries is None:
        return _read_all(root, config, profile), _NOTHING
    # A staged .yobo shows in status; a committed one in HEAD's listing, asked for
    # whenever HEAD moved (an index is never written while .yobo is tracked, so one
    # made at this very HEAD proves it was not).
    tracked = any(_in_cache_dir(p) and code not in ("??", "!!") for code, p in entries)
    if old and old["head"] == head:
        trees, head_ignores = old["trees"], old["head_ignores"]
    else:
        trees, committed, head_ignores = moved or (*_head_trees(root, head), None)
        tracked = tracked or committed
    # Whether an ignore rule could hide a document from git status: then status must
    # list ignored files too (slower), or a file created under such a rule in a case
    # folder would never be seen.  Worked out again whenever a rule may have changed.
    if (old and old["head"] == head and old["ignore_sources"] == sources
            and not any(p.rsplit("/", 1)[-1] == ".gitignore" for _, p in entries)):
        ignored = old["ignored"]
    else:
        if head_ignores is None:
            head_ignores = _head_ignores(root, head)
        ignored = _ignore_rules_reach(root, sources, entries, head_ignores)
    if ignored and not guess:
        entries = gitstore.ChangedPaths(root, ignored=True).entries() or []
    if answer is not None and secret:
        answer.begin(root, head, key, secret, entries, sources, ignored)
    if tracked:
        warnings.warn(CommittedIndexWarning(TRACKED_WARNING), stacklevel=2)
        old, early = None, _NOTHING
        if answer is not None:
            answer.state = None  # nothing is written into a .yobo that git tracks
    dirty: set[str] = set()
    for _, path in entries:
        if path == CASES_DIR or path.startswith(CASES_DIR + "/"):
            dirty |= _expand(root, path)
    old_cases = old["cases"] if old else {}
    known = basis if basis is not None and moved else old_cases  # entries already checked against HEAD
    cases: dict[str, list] = {}
    reread: dict[str, dict[str, bytes]] = {}
    todo = []
    for case_dir in set(trees) | dirty:
        entry = known.get(case_dir)
        if entry is not None and entry[0] is not None and case_dir not in dirty and entry[0] == trees.get(case_dir):
            cases[case_dir] = entry
            continue
        if (root / case_dir / "case.yaml").is_file():
            todo.append(case_dir)
    for case_dir, (entry, record) in _read_cases(root, sorted(todo), config, profile, len(head) == 64).items():
        cases[case_dir] = entry
        reread[case_dir] = record
    for case_dir, tree in (_verify(root, head, reread, trees) if not tracked else {}).items():
        cases[case_dir][0] = tree
    # a dirty case is read again every time; the index is rewritten only if that changed anything
    updated = (old is None or old["head"] != head or set(cases) != set(old_cases)
               or any(cases[d] != old_cases.get(d) for d in reread) or bool(old["base"].table.damaged))
    if not tracked and (updated or old["ignore_sources"] != sources or old["ignored"] != ignored):
        _write_index(index_path, {"format": FORMAT, "key": key, "head": head, "trees": trees, "cases": cases,
                                  "ignored": ignored, "ignore_sources": sources, "head_ignores": head_ignores}, secret, old)
        _mark_ignored(index_path, ignored)
    # every case as the early work had it (re-read dirty ones included): the early work stands
    stands = basis is not None and set(cases) == set(basis) and all(cases[d] == basis.get(d) for d in reread)
    return cases, early if stands else _NOTHING


#: Beyond this many changed cases (a pull of a colleague's week), a moved HEAD is not
#: caught up with before git status answers: the cases are read after it, as usual.
CATCH_UP_MAX = 200


def _catch_up(root: Path, config: Config, profile: dict, head: str, old_cases: dict, trees: dict) -> dict | None:
    """The last index's cases brought to ``head``: a case whose tree is unchanged kept,
    one whose tree changed read again from its files (its entry remembers the tree only
    if the bytes read are HEAD's), one gone from HEAD dropped.  None when too many changed.
    What git status then shows dirty is read again after it, as on any run."""
    changed = [d for d, tree in trees.items() if (old_cases.get(d) or [None])[0] != tree]
    if len(changed) > CATCH_UP_MAX:
        return None
    cases = {d: old_cases[d] for d in trees if d not in changed and d in old_cases}
    reread: dict[str, dict[str, bytes]] = {}
    for case_dir in changed:
        if (root / case_dir / "case.yaml").is_file():
            record: dict[str, bytes] = {}
            cases[case_dir] = _read_case(root, case_dir, config, profile, record)
            reread[case_dir] = record
    for case_dir, tree in _verify(root, head, reread, trees).items():
        cases[case_dir][0] = tree
    return cases


def load_obligations(root: Path, config: Config, profile: dict, build=None, *,
                     status: gitstore.ChangedPaths | None = None, answer: Answer | None = None,
                     build_cases=None):
    """Every case's unmet deadlines (packed rows, see ``unpack``) and the modes with a
    running plan, via the index; with ``build``, ``build(rows, modes)`` instead — begun
    from the last index while git status runs, and redone only if a case changed.
    ``build_cases(cases)`` instead of ``build``: the same from the index entries
    themselves (``{case folder: entry}``), e.g. a :class:`yobo.pieces.Pieces` answer
    patched case by case.

    With ``answer`` (see :class:`Answer`), the finished ``build`` result of an earlier
    run is returned when nothing it depends on changed, and a new one is kept."""
    def collect(cases: dict) -> tuple[list, set[str]]:
        rows: list = []
        modes: set[str] = set()
        for _, case_rows, mode, _ in cases.values():
            rows.extend(case_rows)
            if mode:
                modes.add(mode)
        return rows, modes

    if build_cases is None:
        finish = build or (lambda rows, modes: (rows, modes))

        def build_cases(cases):
            return finish(*collect(cases))
    cases, early = _refresh(root, config, profile, build_cases, status=status, answer=answer)
    if answer is not None and answer.found is not _NOTHING:
        return answer.found
    result = early if early is not _NOTHING else build_cases(cases)
    if answer is not None:
        answer.keep(root, result)
    return result


class Answer:
    """A finished answer (e.g. the selected due list and its JSON text) kept beside the
    index under ``.yobo/answer-<id>.msgpack``, so a warm run that asks the same question
    does nothing but wait for ``git status`` and print.

    It is keyed as strictly as the index, and more: by everything the answer depends
    on — the index key (format, yobo's version, :func:`code_fingerprint`, profile,
    yobo.yaml), the caller's ``material`` (today, the options, the office's done marks),
    HEAD, and the state of the work tree as git sees it: every line of ``git status``
    with the *content* of each path it names (a file edited twice shows the same
    `` M`` line; an untracked folder is read whole), the ignore files outside the
    tree and whether ignored files were listed.  The state is taken right after git
    status answers and again after the answer is made; the answer is kept only when
    both agree, so a file edited meanwhile never leaves a stale answer behind.  It is
    signed like the index (same key, same checks); ``load`` must check the types of
    what it is given and raise ``ValueError`` on anything unexpected, and the answer
    is then worked out afresh.  A casebook keeps the last :data:`ANSWERS_KEPT`.

    The file is read, its checksum checked and its value decoded while ``git status``
    still runs; once status answers only the work-tree state is compared.  So the
    value should be what is printed and little else (a text and a count: no rows to
    decode and type-check).  With ``pieces`` (:class:`yobo.pieces.Pieces`) the file
    also holds the answer's per-case pieces as one undecoded blob: when the exact
    answer no longer holds (a commit, a pull, a hand edit) but the question is the
    same, they are offered to ``pieces`` to patch instead of building anew.
    """

    def __init__(self, material: str, dump, load, pieces=None):
        self.material, self.dump, self.load, self.pieces = material, dump, load, pieces
        self.found = _NOTHING
        self.state = None
        self.prepared = None
        self.kept_head = None  # the HEAD the kept answer was made at

    def _path(self, root: Path, key: str) -> Path:
        name = hashlib.sha256(f"{key}\0{self.material}".encode("utf-8")).hexdigest()[:32]
        return root / CACHE_DIR / f"{ANSWER_PREFIX}{name}.msgpack"

    def lookup(self, root: Path, head: str, key: str, secret: bytes, pending, sources, ignored: bool) -> bool:
        """Whether the kept answer still holds (waits for ``pending``); ``found`` is set."""
        stored = _read_signed(self._path(root, key), secret)
        if not (type(stored) is dict and stored.get("key") == key and stored.get("material") == self.material):
            return False
        self.kept_head = stored.get("head")
        if self.pieces is not None and type(stored.get("pieces")) is bytes:
            self.pieces.offer(stored.get("value"), stored["pieces"])  # decoded only if a patch needs it
        # a kept answer of another HEAD is not even waited for: the index is read beside git instead
        if not (stored.get("head") == head and type(stored.get("state")) is str and stored.get("seal") == _seal(root)):
            return False
        try:  # decoded before git status answers
            found = self.load(stored.get("value"))
        except (ValueError, TypeError, IndexError, KeyError):
            return False
        entries = pending.entries()
        if entries is None or stored["state"] != _work_tree_state(root, head, entries, sources, ignored):
            return False
        self.found = found
        return True

    def begin(self, root: Path, head: str, key: str, secret: bytes, entries, sources, ignored: bool) -> None:
        self.head, self.key, self.secret, self.args = head, key, secret, (entries, sources, ignored)
        self.state = _work_tree_state(root, head, entries, sources, ignored)

    def prepare(self, result) -> None:
        """What :meth:`keep` stores of ``result``, worked out now (while ``git status``
        runs): used if ``result`` turns out to be the answer."""
        self.prepared = (result, self.dump(result), self.pieces.dump() if self.pieces is not None else None)

    def keep(self, root: Path, result) -> None:
        if self.state is None or self.state != _work_tree_state(root, self.head, *self.args):
            return  # something changed while the answer was made: not kept
        path = self._path(root, self.key)
        seal = _seal(root)
        if seal is None:
            return
        prepared = self.prepared if self.prepared is not None and self.prepared[0] is result else None
        stored = {"head": self.head, "key": self.key, "material": self.material, "state": self.state,
                  "seal": seal, "value": prepared[1] if prepared else self.dump(result)}
        if self.pieces is not None:
            stored["pieces"] = prepared[2] if prepared else self.pieces.dump()
        _write_signed(path, stored, self.secret)
        try:
            kept = sorted(path.parent.glob(f"{ANSWER_PREFIX}*.msgpack"), key=lambda p: p.stat().st_mtime_ns)
            for stale in kept[:-ANSWERS_KEPT]:
                stale.unlink()
        except OSError:
            pass


def dump_text(result: tuple) -> dict:
    """A text answer (``(text, flagged)``, see :func:`load_text_pieces`) as it is kept:
    the text compressed (:func:`yobo.pieces.pack_text`)."""
    from .pieces import pack_text

    text, flagged = result
    return {"text": pack_text(text), "flagged": flagged}


def load_text(value) -> tuple[bytes, int]:
    """:func:`dump_text`'s value back, its types checked (``ValueError`` if one is wrong)."""
    from .pieces import unpack_text

    if not (type(value) is dict and type(value.get("text")) is bytes and type(value.get("flagged")) is int):
        raise ValueError("answer")
    return unpack_text(value["text"]), value["flagged"]


def load_text_pieces(root: Path, config: Config, profile: dict, material: str, pieces, *,
                     status: gitstore.ChangedPaths | None = None) -> tuple:
    """``pieces.build(cases)`` (a text, as UTF-8 bytes, and a count) for the cases of ``root``, kept as an
    :class:`Answer` of ``material`` (the question: its options and everything besides
    the casebook it depends on): given back whole while nothing changed, patched case
    by case when some cases did, begun from the last index while git status runs."""
    answer = Answer(material, dump_text, load_text, pieces=pieces)
    return load_obligations(root, config, profile, status=status, answer=answer, build_cases=pieces.build)


def _seal(root: Path) -> str | None:
    """The checksum lines of the index files as they are now (the base file's, and the
    overlay's if there is one): an answer is given again only beside the very index it
    was made with (an index rewritten, replaced or forged since means the answer is made
    afresh, and the index checked, as any run would)."""
    lines = []
    for name, magic in ((INDEX_FILE, MAGIC), (OVERLAY_FILE, OVERLAY_MAGIC)):
        fd = _open_regular(root / CACHE_DIR / name)
        if fd is None:
            if name == INDEX_FILE:
                return None
            continue
        with os.fdopen(fd, "rb") as handle:
            head = handle.read(len(magic) + 65)
        if not head.startswith(magic):
            return None
        lines.append(head.decode("ascii", "replace"))
    return "".join(lines)


ANSWER_PREFIX = "answer-"


def forget_derived(root: Path) -> None:
    """Remove the due index (its base file, its overlay and any file a crash left half
    written) and every kept answer of ``root`` (``yobo case purge``: they hold the purged
    users' names and ids; the next run rebuilds them from the files)."""
    folder = root / CACHE_DIR
    for name in (INDEX_FILE, OVERLAY_FILE):
        (folder / name).unlink(missing_ok=True)
    for pattern in (f"{ANSWER_PREFIX}*.msgpack", f"{TEMP_PREFIX}*"):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)
#: Answers kept per casebook (one per question asked: a format, a staff member, a month…).
ANSWERS_KEPT = 16


def _work_tree_state(root: Path, head: str, entries, sources, ignored: bool) -> str:
    """A hash of what differs from ``head``: each ``git status`` line and the content of
    the path it names (see :class:`Answer`)."""
    digest = hashlib.sha256(json.dumps([head, sources, ignored], ensure_ascii=False).encode("utf-8"))
    for code, path in sorted(entries):
        digest.update(f"\0{code}\0{path}\0".encode("utf-8", "surrogateescape"))
        _hash_path(digest, root / path)
    return digest.hexdigest()


def _hash_path(digest, path: Path) -> None:
    """Feed ``path``'s content to ``digest``: a file's bytes, a link's target, a folder's
    names and contents (links never followed)."""
    try:
        st = os.lstat(path)
    except OSError:
        digest.update(b"-missing-")
        return
    if stat.S_ISLNK(st.st_mode):
        digest.update(b"link:" + os.fsencode(os.readlink(path)))
    elif stat.S_ISDIR(st.st_mode):
        digest.update(b"dir:")
        try:
            names = sorted(os.listdir(path))
        except OSError:
            digest.update(b"-unreadable-")
            return
        for name in names:
            digest.update(os.fsencode(name) + b"\0")
            _hash_path(digest, path / name)
        digest.update(b":end")
    elif stat.S_ISREG(st.st_mode):
        fd = _open_regular(path)
        if fd is None:
            digest.update(b"-unreadable-")
            return
        with os.fdopen(fd, "rb") as handle:
            digest.update(b"file:%d:" % st.st_size + handle.read())
    else:
        digest.update(b"special:%d" % st.st_mode)


def load_summaries(root: Path, config: Config, profile: dict, *,
                   status: gitstore.ChangedPaths | None = None) -> tuple[list[CaseSummary], int]:
    """One summary per case folder (see ``summarize``; an unreadable case has the status
    ``unreadable``) in id order, and how many of them could not be read, via the index.
    ``status``: a ``git status`` the caller started earlier (``yobo.cli._early``)."""
    # kept as an answer too (index.Answer): a warm run reads neither the index nor the cases
    answer = Answer('["case-summaries"]', lambda found: [_plain(s) for s in found], _summaries_from)
    cases, _ = _refresh(root, config, profile, None, status=status, answer=answer)
    if answer.found is not _NOTHING:
        summaries = answer.found
    else:
        summaries = sorted((CaseSummary(*entry[3]) for entry in cases.values()), key=lambda s: s.id)
        answer.keep(root, summaries)
    return summaries, sum(1 for s in summaries if s.status == UNREADABLE)


def _summaries_from(value) -> list[CaseSummary]:
    if type(value) is not list or not all(_summary_ok(s) for s in value):
        raise ValueError("summaries")
    return [CaseSummary(*s) for s in value]


def _read_all(root: Path, config: Config, profile: dict) -> dict[str, list]:
    folders = [case_dir for _, case_dir in iter_case_dirs(root)]
    return {case_dir: entry for case_dir, (entry, _) in _read_cases(root, folders, config, profile, False).items()}


#: Below this many case folders to read, worker processes cost more than they save.
PARALLEL_FROM = 400
CHUNK = 200


def _read_cases(root: Path, case_dirs: list[str], config: Config, profile: dict,
                sha256: bool) -> dict[str, tuple[list, dict]]:
    """``{case folder: (entry, record)}`` read from the files (:func:`_read_case`).  Many
    folders (a cold build: no index, or yobo, the profile or yobo.yaml changed) are read
    on every core; a worker's record then holds each document's git blob id instead of
    its bytes (:func:`_verify` takes either), so little crosses between processes."""
    workers = os.cpu_count() or 1
    if len(case_dirs) < PARALLEL_FROM or workers < 2:
        out = {}
        for case_dir in case_dirs:
            record: dict[str, bytes] = {}
            out[case_dir] = (_read_case(root, case_dir, config, profile, record), record)
        return out
    from concurrent.futures import ProcessPoolExecutor

    # several chunks a worker, so the last ones even the cores out (600 folders in chunks
    # of 200 left one core idle for a third of the read); at most CHUNK, so the results
    # come back (pickled) a little at a time
    size = max(1, min(CHUNK, -(-len(case_dirs) // (workers * 8))))
    chunks = [case_dirs[i:i + size] for i in range(0, len(case_dirs), size)]
    out = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_read_chunk, [(str(root), chunk, config, profile, sha256) for chunk in chunks]):
            out.update(part)
    return out


def _read_chunk(args: tuple) -> dict[str, tuple[list, dict[str, str]]]:
    """A worker process's share of :func:`_read_cases`."""
    root, case_dirs, config, profile, sha256 = args
    out = {}
    for case_dir in case_dirs:
        record: dict[str, bytes] = {}
        entry = _read_case(Path(root), case_dir, config, profile, record)
        out[case_dir] = (entry, {rel: _blob_id(raw, sha256) for rel, raw in record.items()})
    return out


# -- the file ----------------------------------------------------------------------------------------


def _peek_ignored(path: Path) -> bool:
    """Whether the last index saw ignored files under cases/ (a guess made before it is read)."""
    try:
        return path.with_suffix(".ignored").exists()
    except OSError:
        return False


def _mark_ignored(path: Path, ignored: bool) -> None:
    marker = path.with_suffix(".ignored")
    try:
        if ignored:
            marker.touch()
        elif marker.exists():
            marker.unlink()
    except OSError:
        pass


def _open_regular(path: Path, limit: int | None = None) -> int | None:
    """A descriptor of ``path`` for reading if it is a regular file of at most ``limit``
    bytes (no symbolic link, FIFO or device that could point yobo elsewhere or make it
    wait), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size > (MAX_BYTES if limit is None else limit):
        os.close(fd)
        return None
    return fd


def _secret(root: Path) -> bytes | None:
    """This clone's key for the checksum, made on first use (32 random bytes, 0600)."""
    git_dir = root / ".git"
    path = git_dir / KEY_FILE if git_dir.is_dir() else gitstore.git_path(root, KEY_FILE)
    if path is None:
        return None
    fd = _open_regular(path, 64)
    if fd is not None:
        with os.fdopen(fd, "rb") as handle:
            key = handle.read(64)
        if len(key) == 32:
            return key
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{KEY_FILE}-", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)  # never replaces a key another yobo made a moment ago
        except FileExistsError:
            current = _open_regular(path, 64)
            if current is None:
                os.replace(tmp, path)  # a key that is no file: replaced
            else:
                os.close(current)
                with path.open("rb") as handle:
                    if len(handle.read(64)) != 32:
                        os.replace(tmp, path)  # a damaged key: replaced (the index is rebuilt)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        with path.open("rb") as handle:
            key = handle.read(64)
    except OSError:
        return None
    return key if len(key) == 32 else None


def _mac(secret: bytes, body: bytes, magic: bytes = MAGIC) -> bytes:
    return hmac.new(secret, magic + body, hashlib.sha256).hexdigest().encode("ascii")


def _read_index(path: Path, key: str, secret: bytes, reread=None) -> dict | None:
    """The last index if it is this clone's, for this key, and well formed; else None.

    The base file and, if it names this very base, the overlay of what changed since
    (see :func:`_write_index`) are checked whole against this clone's key before
    anything in them is decoded; each case's entry is then decoded on first use only
    (:class:`StoredEntry`).  ``reread(case_dir)`` gives a case's entry read from its
    files, for an entry that turns out malformed."""
    data = _read_signed(path, secret)
    if not _well_formed(data, key):
        return None
    table = _Table(data.pop("strings"), reread)
    base_cases = {case_dir: StoredEntry(tree, blob, case_dir, table) for case_dir, (tree, blob) in data["cases"].items()}
    data["base"] = _Base(data.pop("id"), table, data["trees"], base_cases)
    data["cases"], data["trees"] = dict(base_cases), dict(data["trees"])
    overlay = _read_signed(path.with_name(OVERLAY_FILE), secret, magic=OVERLAY_MAGIC)
    if _overlay_ok(overlay, key, data["base"].id):
        for name in ("head", "ignored", "ignore_sources", "head_ignores"):
            data[name] = overlay[name]
        for case_dir, tree in overlay["trees"].items():
            if tree is None:
                data["trees"].pop(case_dir, None)
            else:
                data["trees"][case_dir] = tree
        for case_dir, stored in overlay["cases"].items():
            if stored is None:
                data["cases"].pop(case_dir, None)
            else:
                data["cases"][case_dir] = StoredEntry(stored[0], stored[1], case_dir, table)
    return data


def _read_signed(path: Path, secret: bytes, *, magic: bytes = MAGIC):
    """What a file written by :func:`_write_signed` with this clone's key (and the same
    ``magic``) holds, or None (a foreign, damaged or oversized file: never decoded)."""
    fd = _open_regular(path)
    if fd is None:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # the size was checked: this reads the whole file
    except OSError:
        return None
    end = raw.find(b"\n", len(magic))
    if len(raw) > MAX_BYTES or not raw.startswith(magic) or end < 0:
        return None
    body = raw[end + 1:]
    # checked before anything is decoded: nothing written elsewhere is ever parsed
    if not hmac.compare_digest(raw[len(magic):end], _mac(secret, body, magic)):
        return None
    try:
        with _no_gc():
            return msgpack.unpackb(body, raw=False, strict_map_key=True)
    except Exception:  # msgpack raises several unrelated classes for damaged input
        return None


_ORDINALS = range(1, date.max.toordinal() + 1)
_S, _N = str, type(None)


def _header_ok(data, key: str) -> bool:
    """The fields the base file and the overlay share, of the right types."""
    return (type(data) is dict and data.get("format") == FORMAT and data.get("key") == key
            and type(data.get("head")) is str and type(data.get("ignored")) is bool
            and type(data.get("head_ignores")) is bool
            and type(data.get("ignore_sources")) is list and type(data.get("trees")) is dict
            and type(data.get("cases")) is dict)


def _well_formed(data, key: str) -> bool:
    """Whether a base file holds every value of the right type (a signed file can still
    come from a yobo bug) down to each case's entry, which stays undecoded (a tree id
    or None and bytes: :func:`_decode_head` and :func:`_decode_rows` check the rest on first use)."""
    try:
        return (_header_ok(data, key) and type(data.get("id")) is str and type(data.get("strings")) is list
                and all(type(x) is _S for x in data["strings"])
                and all(type(k) is _S and type(v) is _S for k, v in data["trees"].items())
                and all(type(e) is list and len(e) == 2 and type(e[0]) in (_S, _N) and type(e[1]) is bytes
                        for e in data["cases"].values()))
    except (TypeError, AttributeError):
        return False


def _overlay_ok(data, key: str, base_id: str) -> bool:
    """Whether an overlay is well formed and was written over the base just read (an
    overlay left beside a base written since, or by a crash between the two files, is
    never applied: the base alone is a complete, older index)."""
    try:
        return (_header_ok(data, key) and data.get("base") == base_id
                and all(type(k) is _S and type(v) in (_S, _N) for k, v in data["trees"].items())
                and all(e is None or (type(e) is list and len(e) == 2 and type(e[0]) in (_S, _N)
                                      and type(e[1]) is bytes) for e in data["cases"].values()))
    except (TypeError, AttributeError):
        return False


def _decode_head(blob: bytes, case_dir: str, strings: list) -> tuple | None:
    """``(mode, summary, n, own strings, rows bytes)`` of one stored entry (see
    :meth:`_Encoder.blob`), each checked; None if anything is of the wrong type.  The
    rows stay undecoded: ``yobo case list`` needs the summaries only."""
    try:
        with _no_gc():
            value = msgpack.unpackb(blob, raw=False, strict_map_key=True)
    except Exception:  # msgpack raises several unrelated classes for damaged input
        return None
    if type(value) is not list or len(value) != 5:
        return None
    n, local, mode, summary, rows = value
    if not (type(n) is int and 0 <= n <= len(strings) and type(local) is list and all(type(x) is _S for x in local)
            and type(mode) in (_S, _N) and _summary_ok(summary) and summary[8] == case_dir and type(rows) is bytes):
        return None
    return mode, summary, n, local, rows


def _decode_rows(blob: bytes, n: int, local: list, strings: list) -> list | None:
    """The deadline rows of a stored entry (stored column by column, see
    :meth:`_Encoder.blob`) as tuples of strings and ordinals; None if any value is of
    the wrong type or out of range.  Checked and put together column by column, in C
    (``map``, ``zip``): a third of the time of a loop over the rows."""
    try:
        with _no_gc():
            columns = msgpack.unpackb(blob, raw=False, strict_map_key=True)
            if columns == []:
                return []
            if type(columns) is not list or len(columns) != 11 or not set(map(type, columns)) <= {list}:
                return None
            count = len(columns[0])
            limit = n + len(local)
            for j, column in enumerate(columns):
                if len(column) != count or not count or not set(map(type, column)) <= {int}:
                    return None
                low, high = min(column), max(column)
                if (low < 1 or high > _ORDINALS[-1]) if j in (3, 4) else (low < 0 or high >= limit):
                    return None
            x = strings[:n] + local if local else strings
            take = x.__getitem__
            return list(zip(*(column if j in (3, 4) else map(take, column) for j, column in enumerate(columns))))
    except Exception:  # msgpack raises several unrelated classes for damaged input
        return None


def _summary_ok(summary) -> bool:
    """Whether a stored summary (a list) has the types of :class:`CaseSummary`."""
    s, i, n = str, int, type(None)
    if type(summary) is not list or len(summary) != 12:
        return False
    cid, status, pname, kana, route, cmode, manager, hokatsu, sdir, certs, insured, problems = summary
    if not (all(type(x) is s for x in (cid, status, pname, kana, route, cmode, manager, sdir, insured))
            and type(hokatsu) in (s, n) and type(certs) is list and type(problems) is list
            and all(type(p) is s for p in problems)):
        return False
    for cert in certs:
        if not (type(cert) is list and len(cert) == 4 and type(cert[0]) is s and type(cert[3]) is s
                and type(cert[1]) is i and cert[1] in _ORDINALS
                and (cert[2] is None or (type(cert[2]) is i and cert[2] in _ORDINALS))):
            return False
    return True


class _Table:
    """What the entries of one read of the index share: the base file's list of strings
    and the way to read a case from its files instead."""

    __slots__ = ("strings", "reread", "damaged")

    def __init__(self, strings: list, reread):
        self.strings, self.reread = strings, reread
        self.damaged: list[str] = []  # the cases whose stored entry turned out malformed


class _Base(NamedTuple):
    """The base file as read, before the overlay: what a write compares against."""

    id: str
    table: _Table
    trees: dict
    cases: dict


class StoredEntry:
    """One case's entry as the index file holds it, ``[tree, rows, mode, summary]``: the
    tree id (``entry[0]``) costs nothing, the rest is decoded and type-checked on first
    use (a run after a one-case commit decodes only what it uses).  Iterates, indexes
    and compares equal as the list entry of a fresh read does.

    An entry that turns out malformed (the file's checksum held, so a yobo bug) is read
    again from the case's files instead, never trusted and never a crash: its tree is
    forgotten, and the index written by the same run (if found before it, e.g. by the
    early work of :func:`_refresh`) holds it afresh, without a tree, so it is read and
    verified again next time."""

    __slots__ = ("tree", "blob", "case_dir", "_table", "_head", "_rows", "_read")

    def __init__(self, tree: str | None, blob: bytes, case_dir: str, table: _Table):
        self.tree, self.blob, self.case_dir, self._table = tree, blob, case_dir, table
        self._head = self._rows = self._read = None

    def _part(self, position: int):
        """``entry[position]`` for 1 (rows), 2 (mode) or 3 (summary), decoded on first use."""
        if self._read is not None:
            return self._read[position - 1]
        head = self._head
        if head is None:
            head = self._head = _decode_head(self.blob, self.case_dir, self._table.strings)
            if head is None:
                return self._reread()[position - 1]
        if position != 1:
            return head[position - 2]
        if self._rows is None:
            mode, summary, n, local, rows = head
            self._rows = _decode_rows(rows, n, local, self._table.strings)
            if self._rows is None:
                return self._reread()[0]
        return self._rows

    def _reread(self) -> list:
        """``[rows, mode, summary]`` read from the case's files, for a malformed entry."""
        self.tree, self.blob = None, None
        self._table.damaged.append(self.case_dir)
        if self._table.reread is None:
            raise LookupError(f"{self.case_dir}: 索引の内容が壊れています")
        self._read = list(self._table.reread(self.case_dir))[1:]
        return self._read

    def __getitem__(self, position):
        if position == 0:
            return self.tree
        if type(position) is int and 0 < position < 4:
            return self._part(position)
        return list(self)[position]

    def __setitem__(self, position, value):
        if position != 0:
            raise TypeError("only the tree of a stored entry can be set")
        self.tree = value

    def __iter__(self):
        rows = self._part(1)  # first: a malformed entry forgets its tree
        yield self.tree
        yield rows
        yield self._part(2)
        yield self._part(3)

    def __len__(self) -> int:
        return 4

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other):
        if isinstance(other, StoredEntry):
            if (other._table is self._table and self.blob is not None and other.blob == self.blob
                    and other.tree == self.tree):
                return True
            return list(self) == list(other)
        if isinstance(other, (list, tuple)):
            return len(other) == 4 and list(self) == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"StoredEntry({list(self)!r})"


class _Encoder:
    """Stored entries written against one list of strings: the same codes, titles, staff
    and sources recur across thousands of cases, so the file is a third the size and
    loads in half the time, the strings shared again as pickle's memo shared them.

    ``grow``: strings not yet in the list are appended to it (a new base: earlier
    numbers stay valid, so the unchanged entries' bytes are written as they were);
    otherwise (an overlay over a base that stays) they go into the entry's own list."""

    def __init__(self, strings: list, grow: bool):
        self.strings, self.grow = strings, grow
        self.numbers = {s: i for i, s in enumerate(strings)}
        if grow:
            self.extra = len(strings) - len(self.numbers)  # a table holding a string twice (never written so)
            self.numbers = defaultdict(count(len(strings)).__next__, self.numbers)

    def blob(self, entry) -> bytes:
        """``[n, own strings, mode, summary, rows]``, the rows msgpack bytes of their own
        (decoded only when asked for), eleven columns (``[]`` for none): in the nine of
        strings, a number ``i`` is the list's ``i``-th if ``i < n`` (the list's length when
        written), else the entry's own ``i - n``-th; the two others are day ordinals."""
        _, rows, mode, summary = entry
        numbers = self.numbers
        local: dict[str, int] = {}
        if self.grow:
            number = numbers.__getitem__
        else:
            n = len(self.strings)

            def number(s: str) -> int:
                i = numbers.get(s)
                return i if i is not None else local.setdefault(s, n + len(local))
        # column by column: checked and put back together in C (see _decode_rows)
        packed = [list(column) if j in (3, 4) else list(map(number, column)) for j, column in enumerate(zip(*rows))]
        n = len(numbers) + self.extra if self.grow else len(self.strings)
        return msgpack.packb([n, list(local), mode, _plain(summary), msgpack.packb(packed, use_bin_type=True)],
                             use_bin_type=True)

    def table(self) -> list:
        """The list of strings with those appended (``grow``)."""
        if not self.grow:
            return self.strings
        start = len(self.strings)
        return self.strings + [s for i, s in sorted((i, s) for s, i in self.numbers.items() if i >= start)]


def _encode(data: dict, base: _Base | None = None) -> dict:
    """The body of a base file for ``data`` (``format``, ``key``, ``head``, ``trees``,
    ``cases``, ``ignored``, ``ignore_sources``): each case's entry its own msgpack bytes
    against one list of strings (see :class:`_Encoder`).  Over ``base`` (the base file
    last read), its list is kept and extended, and an entry read from it or from its
    overlay is written as the very bytes read: the cost is that of the cases changed."""
    encoder = _Encoder(list(base.table.strings) if base else [], grow=True)
    cases = {}
    for case_dir, entry in data["cases"].items():
        if base is not None and type(entry) is StoredEntry and entry._table is base.table and entry.blob is not None:
            cases[case_dir] = [entry.tree, entry.blob]
        else:
            cases[case_dir] = [entry[0], encoder.blob(entry)]
    return {**data, "id": secrets.token_hex(16), "cases": cases, "strings": encoder.table()}


def _overlay_bound(cases: int) -> int:
    """How many cases an overlay may hold before it is folded into a new base: a twentieth
    of the casebook (git's split index folds at a fifth), at least 64."""
    return max(64, cases // 20)


def _write_index(path: Path, data: dict, secret: bytes, old: dict | None = None) -> None:
    """Write the index ``data`` (best effort: a read-only casebook simply runs without one).

    Like git's split index: with ``old`` (the index as read this run), only what differs
    from its base file — cases changed, added or removed, and HEAD's trees that moved —
    is written, as a signed overlay naming that base; once the overlay holds more than
    :func:`_overlay_bound` cases, a new base is written (the unchanged entries as the
    bytes read) and the overlay removed.  Each file is replaced whole (a crash leaves
    the old one), and an overlay is applied only over the base it names."""
    base = old.get("base") if old else None
    if base is not None:
        cases, trees = data["cases"], data["trees"]
        changed = [d for d, entry in cases.items() if base.cases.get(d) is not entry or entry.blob is None]
        removed = [d for d in base.cases if d not in cases]
        moved = {d: tree for d, tree in trees.items() if base.trees.get(d) != tree}
        moved.update((d, None) for d in base.trees if d not in trees)
        if len(set(changed) | set(removed) | set(moved)) <= _overlay_bound(len(cases)):
            encoder = _Encoder(base.table.strings, grow=False)
            stored = {}
            for case_dir in changed:
                entry = cases[case_dir]
                if type(entry) is StoredEntry and entry._table is base.table and entry.blob is not None:
                    stored[case_dir] = [entry.tree, entry.blob]  # from the overlay read: as it was
                else:
                    stored[case_dir] = [entry[0], encoder.blob(entry)]
            stored.update((d, None) for d in removed)
            overlay = {"format": data["format"], "key": data["key"], "base": base.id, "head": data["head"],
                       "ignored": data["ignored"], "ignore_sources": data["ignore_sources"],
                       "head_ignores": data["head_ignores"], "trees": moved,
                       "cases": stored}
            _write_signed(path.with_name(OVERLAY_FILE), overlay, secret, magic=OVERLAY_MAGIC)
            return
    if _write_signed(path, _encode(data, base), secret):
        try:
            # the overlay named the base just replaced: it would never be applied again
            path.with_name(OVERLAY_FILE).unlink(missing_ok=True)
            for name in LEGACY_FILES:
                legacy = path.with_name(name)
                if legacy.exists() or legacy.is_symlink():
                    legacy.unlink()
        except OSError:
            pass


def _write_signed(path: Path, data, secret: bytes, *, magic: bytes = MAGIC) -> bool:
    """``data`` as msgpack, signed, replacing ``path`` whole; False if it could not be written."""
    try:
        if path.parent.is_symlink():  # never write where a link points
            return False
        path.parent.mkdir(exist_ok=True)
        body = msgpack.packb(data, use_bin_type=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(magic + _mac(secret, body, magic) + b"\n" + body)
        os.replace(tmp, path)
        return True
    except OSError:
        return False

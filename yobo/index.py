"""The derived index under ``.yobo/``: each case's unmet deadlines, re-read only
when the case changed.

Never stale: git says what changed.  The index remembers HEAD and the tree id
of every case folder at HEAD; a case is re-read when its tree id differs (a
commit, a ``git pull``), when ``git status`` lists any path in it (an
uncommitted, untracked or even git-ignored edit), or when it was dirty the last
time.  The whole index is dropped when yobo, the profile or yobo.yaml change.
Outside git there is no index: every case is read each time.  Deleting
``.yobo/`` is always safe.

Measured on 10,000 cases (2 cores): git status ≈ 0.5 s, run beside loading the
8 MB index (≈ 0.05–0.1 s), against ≈ 20 s to parse every file.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import sys
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NamedTuple

from . import __version__, gitstore
from .casebook import CACHE_DIR, CASES_DIR, iter_case_dirs
from .loader import load_case
from .model import Certification, Config, shown_certification
from .rules.due import Due, case_obligations, running_modes

INDEX_FILE = "due-index.pickle"
FORMAT = 4  # raised whenever the rules change what they cache


def _key(config: Config, profile: dict) -> str:
    """What the cached obligations depend on besides the case files."""
    material = json.dumps([FORMAT, __version__, profile, config.office_kind, config.profile,
                           config.designated_on.isoformat() if config.designated_on else None],
                          ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _pack(items: list[Due]) -> tuple:
    # Strings interned: the same codes, titles, staff and sources recur across thousands
    # of cases, and pickle stores a shared string once (12 MB → 8 MB at 10,000 cases,
    # and quicker to load).
    i = sys.intern
    return tuple((i(d.case), i(d.code), i(d.title), d.due.toordinal(), d.opens.toordinal(), i(d.staff), i(d.party),
                  i(d.source), i(d.kind), i(d.excused), i(d.name)) for d in items)


@contextmanager
def _no_gc():
    """The cyclic garbage collector paused while ~100,000 small tuples are made: it
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
    periods kept whole: which one is current depends on the day asked).  Plain tuples
    inside, so the index loads fast; :meth:`certifications` gives the model's values."""

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

    def shown_certification(self, day: date) -> Certification | None:
        """As :meth:`yobo.model.Case.shown_certification`, from the summary."""
        return shown_certification(
            [Certification("", level, status, date.fromordinal(start), date.fromordinal(end) if end else None)
             for level, start, end, status in self.certs], day)


def summarize(case) -> CaseSummary:
    certs = tuple((c.level, c.start.toordinal(), c.end.toordinal() if c.end else None, c.status)
                  for c in case.certifications)
    return CaseSummary(case.id, case.status, case.person.name, case.person.kana, case.route, case.mode, case.manager,
                       case.hokatsu, case.dir, certs, case.person.insured_no)


def _read_case(root: Path, case_dir: str, config: Config, profile: dict) -> tuple[tuple, str | None, tuple | None]:
    case_id = case_dir.rsplit("/", 1)[-1]
    case, _problems, _ = load_case(root, case_id, case_dir)
    if case is None:  # unreadable: yobo validate reports it; it has no deadlines we can trust
        return (), None, None
    from .model import Casebook

    modes = running_modes(Casebook("", config, (case,)))
    return _pack(case_obligations(case, profile, config)), next(iter(modes), None), summarize(case)


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


_NOTHING = object()


def refresh(root: Path, config: Config, profile: dict) -> dict[str, tuple]:
    """``{case folder: (deadline rows, running mode, summary)}`` for every case, read
    from the index where the case has not changed and from its files where it has."""
    return _refresh(root, config, profile, None)[0]


def _refresh(root: Path, config: Config, profile: dict, speculate) -> tuple[dict[str, tuple], object]:
    """:func:`refresh`, and ``speculate(cases)`` worked out from the last index while
    ``git status`` runs in its own process: returned when the cases turned out
    unchanged (the usual warm run), else ``_NOTHING``."""
    key = _key(config, profile)
    head = gitstore.head(root) if (root / CASES_DIR).is_dir() else None
    if head is None:
        return _read_all(root, config, profile), _NOTHING
    index_path = root / CACHE_DIR / INDEX_FILE
    sources = gitstore.ignore_sources(root)
    # git status runs while the index is read (two cores); if the index turns out to
    # disagree about ignored files, status is asked again below.
    guess = _peek_ignored(index_path)
    pending = gitstore.ChangedPaths(root, ignored=bool(guess))
    old = _read_index(index_path, key)
    early = _NOTHING
    if speculate is not None and old and old["head"] == head:
        # the work a warm run ends with, done now on this core while git works on the other
        early = speculate(old["cases"])
    if old and old["ignore_sources"] == sources:
        ignored = old["ignored"]
    else:
        ignored = gitstore.ignored_under(root, CASES_DIR)
    changed = pending.result()
    if changed is not None and ignored and not guess:
        changed = gitstore.changed_paths(root, ignored=True)
    if changed is None:
        return _read_all(root, config, profile), _NOTHING
    if not ignored and any(p.rsplit("/", 1)[-1] == ".gitignore" for p in changed):
        # an ignore rule changed: files under cases/ may now be ignored, so ask again
        ignored = gitstore.ignored_under(root, CASES_DIR)
        if ignored:
            changed = gitstore.changed_paths(root, ignored=True) or []
    dirty: set[str] = set()
    for path in changed:
        if path == CASES_DIR or path.startswith(CASES_DIR + "/"):
            dirty |= _expand(root, path)
    trees = old["trees"] if old and old["head"] == head else gitstore.case_trees(root, CASES_DIR)
    old_cases = old["cases"] if old else {}
    old_trees = old["trees"] if old else {}
    old_dirty = old["dirty"] if old else set()
    cases, updated = {}, old is None or old["head"] != head
    for case_dir in set(trees) | dirty:
        fresh = (case_dir in old_cases and case_dir not in dirty and case_dir not in old_dirty
                 and old_trees.get(case_dir) == trees.get(case_dir))
        if fresh:
            cases[case_dir] = old_cases[case_dir]
            continue
        if (root / case_dir / "case.yaml").is_file():
            cases[case_dir] = _read_case(root, case_dir, config, profile)
        # a dirty case is read again every time; the index is rewritten only if that changed anything
        updated = updated or cases.get(case_dir) != old_cases.get(case_dir)
    # Only a casebook that is its own repository keeps an index: reading one in place
    # inside another project (the bundled sample) leaves that project's tree alone.
    own = (root / ".git").exists()
    if own and (updated or dirty != old_dirty or set(cases) != set(old_cases) or not old
                or old["ignore_sources"] != sources or old["ignored"] != ignored):
        _write_index(index_path, {"key": key, "head": head, "trees": trees, "dirty": dirty, "cases": cases,
                                  "ignored": ignored, "ignore_sources": sources})
        marker = index_path.with_suffix(".ignored")
        if ignored:
            marker.touch()
        elif marker.exists():
            marker.unlink()
    # every case as the last index had it (re-read dirty ones included): the early work stands
    unchanged = old is not None and not updated and set(cases) == set(old_cases)
    return cases, early if unchanged else _NOTHING


def load_obligations(root: Path, config: Config, profile: dict, build=None):
    """Every case's unmet deadlines (packed rows, see ``unpack``) and the modes with a
    running plan, via the index; with ``build``, ``build(rows, modes)`` instead — begun
    from the last index while git status runs, and redone only if a case changed."""
    def collect(cases: dict) -> tuple[list[tuple], set[str]]:
        rows: list[tuple] = []
        modes: set[str] = set()
        for case_rows, mode, _ in cases.values():
            rows.extend(case_rows)
            if mode:
                modes.add(mode)
        return rows, modes

    finish = build or (lambda rows, modes: (rows, modes))
    cases, early = _refresh(root, config, profile, lambda old: finish(*collect(old)))
    return early if early is not _NOTHING else finish(*collect(cases))


def load_summaries(root: Path, config: Config, profile: dict) -> tuple[list[tuple], int]:
    """One summary per readable case (see ``summarize``) in id order, and how many case
    folders could not be read, via the index."""
    entries = refresh(root, config, profile).values()
    summaries = sorted((s for _, _, s in entries if s), key=lambda s: s[0])
    return summaries, sum(1 for _, _, s in entries if s is None)


def _read_all(root: Path, config: Config, profile: dict) -> dict[str, tuple]:
    return {case_dir: _read_case(root, case_dir, config, profile) for _, case_dir in iter_case_dirs(root)}


def _peek_ignored(path: Path) -> bool:
    """Whether the last index saw ignored files under cases/ (a guess made before it is read)."""
    try:
        return path.with_suffix(".ignored").exists()
    except OSError:
        return False


def _read_index(path: Path, key: str) -> dict | None:
    try:
        with path.open("rb") as handle, _no_gc():
            data = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    return data


def _write_index(path: Path, data: dict) -> None:
    """Best effort: a read-only casebook simply runs without an index."""
    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass

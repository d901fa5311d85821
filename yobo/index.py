"""The derived index under ``.yobo/``: each case's unmet deadlines, re-read only
when the case changed.

Never stale: git says what changed.  The index remembers HEAD and the tree id
of every case folder at HEAD; a case is re-read when its tree id differs (a
commit, a ``git pull``), when ``git status`` lists any path in it (an
uncommitted, untracked or even git-ignored edit), or when it was dirty the last
time.  The whole index is dropped when yobo, the profile or yobo.yaml change.
Outside git there is no index: every case is read each time.  Deleting
``.yobo/`` is always safe.

Measured on 10,000 cases (perf-baseline.md §5–6): git status ≈ 0.15–0.25 s, the
pickle ≈ 0.05 s, against ≈ 40 s to parse every file.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from datetime import date
from pathlib import Path

from . import __version__, gitstore
from .casebook import CACHE_DIR, CASES_DIR, iter_case_dirs
from .loader import load_case
from .model import Config
from .rules.due import Due, case_obligations, running_modes

INDEX_FILE = "due-index.pickle"
FORMAT = 1


def _key(config: Config, profile: dict) -> str:
    """What the cached obligations depend on besides the case files."""
    material = json.dumps([FORMAT, __version__, profile, config.office_kind, config.profile,
                           config.designated_on.isoformat() if config.designated_on else None],
                          ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _pack(items: list[Due]) -> tuple:
    return tuple((d.case, d.code, d.title, d.due.toordinal(), d.opens.toordinal(), d.staff, d.party, d.source,
                  d.kind, d.excused, d.name) for d in items)


def _unpack(rows: tuple) -> list[Due]:
    fromordinal = date.fromordinal
    return [Due(c, code, title, fromordinal(due), fromordinal(opens), staff, party, source, kind, excused, name)
            for c, code, title, due, opens, staff, party, source, kind, excused, name in rows]


def _read_case(root: Path, case_dir: str, config: Config, profile: dict) -> tuple[tuple, str | None]:
    case_id = case_dir.rsplit("/", 1)[-1]
    case, _problems, _ = load_case(root, case_id, case_dir)
    if case is None:  # unreadable: yobo validate reports it; it has no deadlines we can trust
        return (), None
    from .model import Casebook

    modes = running_modes(Casebook("", config, (case,)))
    return _pack(case_obligations(case, profile, config)), next(iter(modes), None)


def _case_dir_of(path: str) -> str | None:
    parts = path.split("/")
    return "/".join(parts[:3]) if len(parts) >= 4 and parts[0] == CASES_DIR else None


def load_obligations(root: Path, config: Config, profile: dict) -> tuple[list[Due], set[str]]:
    """Every case's unmet deadlines and the modes with a running plan, via the index."""
    key = _key(config, profile)
    head = gitstore.head(root) if (root / CASES_DIR).is_dir() else None
    changed = gitstore.changed_paths(root, CASES_DIR) if head else None
    if head is None or changed is None:
        return _read_all(root, config, profile)
    index_path = root / CACHE_DIR / INDEX_FILE
    old = _read_index(index_path, key)
    trees = old["trees"] if old and old["head"] == head else gitstore.case_trees(root, CASES_DIR)
    dirty = {d for d in map(_case_dir_of, changed) if d}
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
        updated = True
        if (root / case_dir / "case.yaml").is_file():
            cases[case_dir] = _read_case(root, case_dir, config, profile)
    # Only a casebook that is its own repository keeps an index: reading one in place
    # inside another project (the bundled sample) leaves that project's tree alone.
    own = (root / ".git").exists()
    if own and (updated or dirty != old_dirty or set(cases) != set(old_cases)):
        _write_index(index_path, {"key": key, "head": head, "trees": trees, "dirty": dirty, "cases": cases})
    items: list[Due] = []
    modes: set[str] = set()
    for rows, mode in cases.values():
        if rows:
            items.extend(_unpack(rows))
        if mode:
            modes.add(mode)
    return items, modes


def _read_all(root: Path, config: Config, profile: dict) -> tuple[list[Due], set[str]]:
    items, modes = [], set()
    for _, case_dir in iter_case_dirs(root):
        rows, mode = _read_case(root, case_dir, config, profile)
        items.extend(_unpack(rows))
        if mode:
            modes.add(mode)
    return items, modes


def _read_index(path: Path, key: str) -> dict | None:
    try:
        with path.open("rb") as handle:
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

"""``yobo validate``'s check of the case folders: whole (``--all``, on every core) or
only what changed since the last check (the default).

A case is checked on its own: its documents against their schemas, then every
consistency rule that looks at one case at a time (:data:`CASE_RULES`).  The one rule
that compares cases (:data:`CASEBOOK_RULES`: two active cases of one insured person)
runs over a few fields kept from every case.  So a case's result depends only on its
own files, the configuration, the day and yobo's code — and can be kept.

The kept results live in the git folder (``git rev-parse --git-path yobo-validated``:
never in the work tree, so never committed, pushed or copied with the casebook).  They
are keyed like the due index (:mod:`yobo.index`): yobo's code fingerprint (rules, loader,
schemas), the configuration and the day; and each case's entry by the git tree id of its
folder at HEAD — stored only when every document read was byte for byte the committed
one (git's blob ids of the bytes parsed).  A case whose folder git status shows changed
(an edit, a new or removed file, staged or not) is checked again every time.  Anything
doubtful means the case is checked from its files.  Deleting the file is always safe.

Measured on a synthetic casebook (``yobo dev gen-casebook``, CPU time, 2026-11-30):
see the module's tests and the closing note of issue 16.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from . import __version__, gitstore
from .casebook import CASES_DIR, iter_case_dirs
from .errors import Problem, Source
from .loader import load_case, locate_problems
from .model import Casebook, Config
from .rules import CONSISTENCY_RULES
from .rules import case as case_rules

#: Rules that compare cases with each other; each reads only :data:`KEPT_FIELDS` of a case.
CASEBOOK_RULES = (case_rules.check_duplicate_insured,)
#: Every other consistency rule looks at one case at a time.
CASE_RULES = tuple(rule for rule in CONSISTENCY_RULES if rule not in CASEBOOK_RULES)
#: What :data:`CASEBOOK_RULES` read of a case, kept beside its result.
KEPT_FIELDS = ("id", "file", "status", "insured_no")

CACHE_FILE = "yobo-validated"
FORMAT = 1
#: Below this many cases to check, worker processes cost more than they save.
PARALLEL_FROM = 200
CHUNK = 100

ProgressFn = Callable[[int, int], None]


@dataclasses.dataclass
class Result:
    """The check of the case folders: problems (sorted), cases read, documents read."""

    problems: list[Problem]
    cases: int
    documents: int
    #: how many case folders were checked from their files (the rest came from the last check)
    checked: int


def _problem_row(p: Problem) -> list:
    return [p.source.path, p.source.line, p.code, p.message, p.severity]


def _problem(row: list) -> Problem:
    path, line, code, message, severity = row
    return Problem(Source(path, line), code, message, severity=severity)


def check_case(root: Path, case_dir: str, config: Config | None, today: date,
               sha256: bool = False) -> tuple[int, list, list | None, dict]:
    """One case folder: (documents read, problem rows, the :data:`KEPT_FIELDS` of the case
    or None when it cannot be read, git blob id of every document read — SHA-256 ids
    when the repository uses them)."""
    record: dict[str, bytes] = {}
    case_id = case_dir.rsplit("/", 1)[-1]
    try:
        case, problems, read = load_case(root, case_id, case_dir, validate=True, record=record)
    except OSError as exc:  # removed or made unreadable while being read
        return 0, [_problem_row(Problem(Source(case_dir), "file-unreadable",
                                        f"読み込めません（{exc.strerror or exc}）"))], None, {}
    problems = list(problems)
    kept = None
    if case is not None:
        kept = [case.id, case.file, case.status, case.person.insured_no]
        if config is not None:  # the rules need a readable yobo.yaml
            book = Casebook(root=str(root), config=config, cases=(case,), problems=(), documents=0)
            found = [p for rule in CASE_RULES for p in rule(book, today=today)]
            problems += locate_problems(root, found)
    blobs = {rel: _blob_id(raw, sha256) for rel, raw in record.items()}
    return read, [_problem_row(p) for p in problems], kept, blobs


def _blob_id(raw: bytes, sha256: bool) -> str:
    """git's object id of a file with these bytes (``git hash-object``)."""
    return (hashlib.sha256 if sha256 else hashlib.sha1)(b"blob %d\0" % len(raw) + raw).hexdigest()


def _check_many(root: str, case_dirs: list[str], config: Config | None, today: date, sha256: bool) -> list[tuple]:
    """A worker process's share: :func:`check_case` of each folder."""
    return [(case_dir, *check_case(Path(root), case_dir, config, today, sha256)) for case_dir in case_dirs]


def _check_all(root: Path, case_dirs: list[str], config: Config | None, today: date,
               progress: ProgressFn | None, workers: int | None, sha256: bool) -> dict[str, tuple]:
    """:func:`check_case` of every folder, spread over the cores when there are many."""
    total = len(case_dirs)
    out: dict[str, tuple] = {}
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if total < PARALLEL_FROM or workers < 2:
        for done, case_dir in enumerate(case_dirs):
            if progress is not None:
                progress(done, total)
            out[case_dir] = check_case(root, case_dir, config, today, sha256)
        return out
    chunks = [case_dirs[i:i + CHUNK] for i in range(0, total, CHUNK)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_check_many, str(root), chunk, config, today, sha256) for chunk in chunks]
        for future in as_completed(futures):
            for case_dir, *result in future.result():
                out[case_dir] = tuple(result)
            if progress is not None:
                progress(len(out), total)
    return out


def _key(config: Config | None, today: date) -> str:
    from .index import code_fingerprint

    material = json.dumps([FORMAT, __version__, code_fingerprint(), today.isoformat(),
                           dataclasses.asdict(config) if config is not None else None],
                          ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _head_trees(root: Path, head: str) -> dict[str, str]:
    """``{cases/XX/ID: tree id}`` of every case folder in commit ``head`` (two git calls)."""
    top = gitstore.ls_tree(root, head, CASES_DIR + "/") or []
    shards = [path for _, kind, _, path in top if kind == "tree"]
    listing = gitstore.ls_tree(root, head, *(s + "/" for s in shards)) if shards else []
    return {path: oid for _, kind, oid, path in listing or () if kind == "tree"}


def _committed_blobs(root: Path, head: str, case_dirs: list[str], trees: dict[str, str]) -> dict[str, dict[str, str]]:
    """``{case folder: {path: blob id}}`` of the regular files committed in each folder."""
    paths = [CASES_DIR + "/"] if len(case_dirs) > 200 else [d + "/" for d in case_dirs if d in trees]
    listing = gitstore.ls_tree(root, head, *paths, recursive=True) if paths else []
    wanted = set(case_dirs)
    out: dict[str, dict[str, str]] = {}
    for mode, _, oid, path in listing or ():
        case_dir = "/".join(path.split("/")[:3])
        if case_dir in wanted:
            # a symbolic link is followed by the loader and stored as a link by git: never equal
            out.setdefault(case_dir, {})[path] = oid if mode in ("100644", "100755") else f"{mode}:{oid}"
    return out


def _read_cache(path: Path | None, key: str) -> dict:
    import msgpack

    if path is None:
        return {}
    try:
        data = msgpack.unpackb(path.read_bytes(), raw=False, strict_map_key=True)
    except (OSError, ValueError, msgpack.UnpackException, TypeError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return {}
    cases = data.get("cases")
    return cases if isinstance(cases, dict) else {}


def _write_cache(path: Path | None, key: str, cases: dict) -> None:
    import msgpack

    if path is None:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(msgpack.packb({"format": FORMAT, "key": key, "cases": cases}, use_bin_type=True))
        os.replace(tmp, path)
    except OSError:  # a read-only git folder: the next check is a whole one, nothing more
        tmp.unlink(missing_ok=True)


def _well_formed(entry) -> bool:
    return (isinstance(entry, list) and len(entry) == 4 and isinstance(entry[0], str) and isinstance(entry[1], int)
            and isinstance(entry[2], list) and all(isinstance(r, list) and len(r) == 5 for r in entry[2])
            and (entry[3] is None or (isinstance(entry[3], list) and len(entry[3]) == len(KEPT_FIELDS))))


def check_cases(root: Path, config: Config | None, today: date, *, everything: bool = False,
                status: list[tuple[str, str]] | None = None, progress: ProgressFn | None = None,
                workers: int | None = None) -> Result:
    """Every case folder's problems (schemas and rules; not yobo.yaml's own).

    ``everything``: check every case from its files (``validate --all``) — the results
    are kept all the same.  ``status``: ``git status`` entries (:func:`gitstore.status_entries`)
    when the caller has them already.  Outside git nothing is kept.
    """
    folders = [case_dir for _, case_dir in iter_case_dirs(root)]
    head = gitstore.head(root) if folders and (root / ".git").exists() else None
    key = _key(config, today)
    cache_path = gitstore.git_path(root, CACHE_FILE) if head is not None else None
    kept: dict = {} if everything or head is None else _read_cache(cache_path, key)
    trees = _head_trees(root, head) if head is not None else {}
    if status is None and head is not None:
        status = gitstore.status_entries(root)
    dirty = set()
    for _, path in status or ():
        parts = path.split("/")
        if parts[0] == CASES_DIR:
            dirty.add("/".join(parts[:3]) if len(parts) >= 3 else None)
    if None in dirty or (head is not None and status is None) or _ignored_may_hide(root, status or []):
        kept = {}  # a whole shard changed, no status, or an ignore rule reaching into cases/: trust nothing
    results: dict[str, tuple] = {}
    todo = []
    for case_dir in folders:
        entry = kept.get(case_dir)
        if (case_dir not in dirty and _well_formed(entry) and entry[0] == trees.get(case_dir)):
            results[case_dir] = (entry[1], entry[2], entry[3])
        else:
            todo.append(case_dir)
    fresh = _check_all(root, todo, config, today, progress, workers, sha256=head is not None and len(head) == 64)
    committed = _committed_blobs(root, head, todo, trees) if head is not None and todo else {}
    store = {d: e for d, e in kept.items() if d in results}
    for case_dir, (read, rows, fields, blobs) in fresh.items():
        results[case_dir] = (read, rows, fields)
        if case_dir not in dirty and blobs and blobs == committed.get(case_dir) and case_dir in trees:
            store[case_dir] = [trees[case_dir], read, rows, fields]
    if head is not None and (fresh or set(store) != set(kept)):
        _write_cache(cache_path, key, store)
    return _assemble(root, results, config, today, checked=len(fresh))


def _assemble(root: Path, results: dict[str, tuple], config: Config | None, today: date, *, checked: int) -> Result:
    problems = [_problem(row) for _, rows, _ in results.values() for row in rows]
    documents = sum(read for read, _, _ in results.values())
    cases = [SimpleNamespace(id=f[0], file=f[1], status=f[2], person=SimpleNamespace(insured_no=f[3]))
             for _, (_, _, f) in sorted(results.items()) if f is not None]
    if config is not None:
        book = Casebook(root=str(root), config=config, cases=tuple(cases), problems=(), documents=0)
        problems += locate_problems(root, [p for rule in CASEBOOK_RULES for p in rule(book, today=today)])
    return Result(problems=problems, cases=len(cases), documents=documents, checked=checked)


def _ignored_may_hide(root: Path, status: list[tuple[str, str]]) -> bool:
    """Whether an ignore rule could hide a changed document from git status (then no kept
    result is trusted): the due index's own test (:mod:`yobo.index`)."""
    from .index import _ignore_rules_reach

    return _ignore_rules_reach(root, list(gitstore.ignore_sources(root)), status)


def forget(root: Path) -> None:
    """Drop the kept results (e.g. a test, or a user who wants the next check whole)."""
    path = gitstore.git_path(root, CACHE_FILE)
    if path is not None:
        path.unlink(missing_ok=True)


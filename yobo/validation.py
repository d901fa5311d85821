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

Measured on a synthetic casebook of 10,000 cases (``yobo dev gen-casebook``, 176,733
documents; CPU time of the whole process and its children, 2026-11-30, a loaded 2-core
machine): nothing changed 1.1 s, of which ``git status`` (beside the rest, on the other
core) 0.75 s; after a one-file commit 1.4 s; ``--all`` 34–41 s over both cores.
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
from .index import _read_signed, _secret, _write_signed  # the one signed store of kept results
from .loader import load_case, locate_problems
from .model import Config
from .rules import CONSISTENCY_RULES
from .rules import case as case_rules
from .rules.runner import RuleContext, run_rules

#: Rules that compare cases with each other; each reads only :data:`KEPT_FIELDS` of a case.
CASEBOOK_RULES = (case_rules.check_duplicate_insured,)
#: Every other consistency rule looks at one case at a time.
CASE_RULES = tuple(rule for rule in CONSISTENCY_RULES if rule not in CASEBOOK_RULES)
#: What :data:`CASEBOOK_RULES` read of a case, kept beside its result.
KEPT_FIELDS = ("id", "file", "status", "insured_no")



def _profile(config: Config) -> dict:
    """The casebook's municipal profile with its overrides, read once per process (each
    case of a run asks for it; the rules only read it)."""
    key = (config.profile, json.dumps(config.overrides, sort_keys=True, ensure_ascii=False, default=str))
    if key not in _PROFILES:
        from .profiles import load_profile

        _PROFILES[key] = load_profile(config.profile, config.overrides)
    return _PROFILES[key]


_PROFILES: dict[tuple[str, str], dict] = {}

CACHE_FILE = "yobo-validated"
#: What :func:`check_case` says of a folder without ``case.yaml`` in place of a count of
#: documents: no case (kept as such, so the folder is not looked at again).
NOT_A_CASE = -1
FORMAT = 2
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
    if not os.path.isfile(os.path.join(root, case_dir, "case.yaml")):
        return NOT_A_CASE, [], None, {}  # as iter_case_dirs: no case.yaml, no case
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
            ctx = RuleContext(_profile(config), config, today, (case,))
            problems += locate_problems(root, run_rules(CASE_RULES, case, ctx))
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


def _read_cache(root: Path, path: Path | None, key: str) -> dict:
    """The kept results, or {} — read only when signed with this clone's key (the due
    index's checksum, :func:`yobo.index._read_signed`): a damaged or foreign file is
    never trusted to say a case was clean."""
    secret = _secret(root) if path is not None else None
    data = _read_signed(path, secret) if secret is not None else None
    if (not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key
            or not isinstance(data.get("cases"), dict) or not isinstance(data.get("trees"), dict)):
        return {}
    return data


def _write_cache(root: Path, path: Path | None, data: dict) -> None:
    # a read-only git folder (nothing written): the next check is a whole one, nothing more
    secret = _secret(root) if path is not None else None
    if secret is not None:
        _write_signed(path, data, secret)


def _well_formed(entry) -> bool:
    if not (type(entry) is list and len(entry) == 4 and type(entry[0]) is str and type(entry[1]) is int
            and type(entry[2]) is list and (entry[3] is None or (type(entry[3]) is list
                                                                 and len(entry[3]) == len(KEPT_FIELDS)))):
        return False
    return all(type(row) is list and len(row) == 5 for row in entry[2])


Status = list[tuple[str, str]] | None


def check_cases(root: Path, config: Config | None, today: date, *, everything: bool = False,
                status: Status | Callable[[], Status] = None, progress: ProgressFn | None = None,
                workers: int | None = None) -> Result:
    """Every case folder's problems (schemas and rules; not yobo.yaml's own).

    ``everything``: check every case from its files (``validate --all``) — the results
    are kept all the same.  ``status``: the ``git status`` entries
    (:func:`gitstore.status_entries`), or a function that waits for them (git works
    meanwhile), when the caller asks git itself.  Outside git nothing is kept.
    """
    own = (root / ".git").exists() and (root / CASES_DIR).is_dir()
    head = gitstore.head(root) if own else None
    if head is None:
        folders = [case_dir for _, case_dir in iter_case_dirs(root)]
        fresh = _check_all(root, folders, config, today, progress, workers, sha256=False)
        return _assemble(root, {d: r[:3] for d, r in fresh.items()}, config, today, checked=len(fresh))
    key = _key(config, today)
    cache_path = gitstore.git_path(root, CACHE_FILE)
    last = _read_cache(root, cache_path, key)
    same_head = last.get("head") == head
    # HEAD's case folders and whether ignore rules reach into cases/ change only with HEAD
    # (and the ignore files): kept with the results, asked of git again when HEAD moved.
    trees = last["trees"] if same_head else _head_trees(root, head)
    if callable(status):
        status = status()
    if status is None:
        status = gitstore.status_entries(root)
    entries = status or []
    sources = [list(source) for source in gitstore.ignore_sources(root)]
    if same_head and last.get("sources") == sources and not any(p.rsplit("/", 1)[-1] == ".gitignore"
                                                                 for _, p in entries):
        reach = bool(last.get("reach"))
    else:
        from .index import _ignore_rules_reach  # the due index's own test of the rules

        reach = _ignore_rules_reach(root, sources, entries)
    kept = {} if everything or status is None or reach else last.get("cases", {})
    dirty: set[str] = set()
    whole = False
    for _, path in entries:
        parts = path.split("/")
        if parts[0] == CASES_DIR:
            if len(parts) >= 3 and parts[2]:
                dirty.add("/".join(parts[:3]))
            else:
                whole = True  # a shard or all of cases/ reported at once
    if whole or reach or status is None:
        folders = [case_dir for _, case_dir in iter_case_dirs(root)]
    else:
        # the committed case folders and the changed ones; a removed case shows as changed
        folders = sorted(set(trees) - dirty | {d for d in dirty if (root / d / "case.yaml").is_file()})
    results: dict[str, tuple] = {}
    todo = []
    for case_dir in folders:
        entry = kept.get(case_dir)
        if case_dir not in dirty and entry is not None and _well_formed(entry) and entry[0] == trees.get(case_dir):
            results[case_dir] = (entry[1], entry[2], entry[3])
        else:
            todo.append(case_dir)
    fresh = _check_all(root, todo, config, today, progress, workers, sha256=len(head) == 64)
    committed = _committed_blobs(root, head, todo, trees) if todo else {}
    store = {d: kept[d] for d in results}
    for case_dir, (read, rows, fields, blobs) in fresh.items():
        results[case_dir] = (read, rows, fields)
        if case_dir not in dirty and blobs and blobs == committed.get(case_dir) and case_dir in trees:
            store[case_dir] = [trees[case_dir], read, rows, fields]
    if fresh or not same_head or set(store) != set(last.get("cases", {})) or last.get("sources") != sources:
        _write_cache(root, cache_path, {"format": FORMAT, "key": key, "head": head, "trees": trees, "sources": sources,
                                  "reach": reach, "cases": store})
    return _assemble(root, results, config, today, checked=len(fresh))


def _assemble(root: Path, results: dict[str, tuple], config: Config | None, today: date, *, checked: int) -> Result:
    problems = [_problem(row) for _, rows, _ in results.values() for row in rows]
    documents = sum(read for read, _, _ in results.values() if read != NOT_A_CASE)
    cases = [SimpleNamespace(id=f[0], file=f[1], status=f[2], person=SimpleNamespace(insured_no=f[3]))
             for _, (_, _, f) in sorted(results.items()) if f is not None]
    if config is not None:
        ctx = RuleContext(_profile(config), config, today, tuple(cases))
        problems += locate_problems(root, [p for case in cases for p in run_rules(CASEBOOK_RULES, case, ctx)])
    return Result(problems=problems, cases=len(cases), documents=documents, checked=checked)


def forget(root: Path) -> None:
    """Drop the kept results (e.g. a test, or a user who wants the next check whole)."""
    path = gitstore.git_path(root, CACHE_FILE)
    if path is not None:
        path.unlink(missing_ok=True)


def forget_results(root: Path) -> None:
    """Remove the kept results (``yobo case purge``: they hold purged cases' ids and
    insured numbers); the next ``validate`` is a whole one."""
    path = gitstore.git_path(root, CACHE_FILE)
    if path is not None:
        path.unlink(missing_ok=True)

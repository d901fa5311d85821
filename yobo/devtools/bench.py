"""Benchmark of yobo as whole processes, commands interleaved with their floors.

    python -m yobo.devtools.bench [--cases 1000,10000] [--runs 5] [--keep DIR]
                                  [--only ROW,ROW] [--skip ROW,ROW] [--list]
                                  [--compare OTHER-YOBO]

For each size it generates a synthetic casebook (``yobo dev gen-casebook``; with
``--keep DIR`` once, and reused by later runs), waits until git's background
``git gc`` after the generating commit has finished (it would otherwise compete
for the cores), and then times every row round-robin: round after round, each
row once, beside the two floors ``git status`` alone and ``python -c pass``.  A
machine that is busy with something else slows every row of a round alike, so
the *ratios* to the floors measured in the same run are what to compare; the
absolute times are not claims.

A row may prepare its run untimed (a commit before "after a commit", one run of
the same command before a "warm" one, removing ``.yobo/`` before "cold").  Each
row prints its median, its range (min–max) and its median ratio to ``git
status`` and to ``--json`` (warm) of the same rounds.

``--compare PATH`` times a second yobo (another version's ``yobo`` executable, e.g.
the release before a change) in the same rounds, row beside row, in a clone of the
casebook of its own (each version keeps its own caches): its rows are named
``before: …`` and their ratios are to the same rounds' ``git status``, so one run
shows before and after.

Rows named ``… file watcher`` are timed in a second clone beside the casebook
(``casebook-N-watch``, made once like the ``--compare`` clone) with git's file-system
monitor turned on (``yobo.watcher``: git's daemon, else watchman through git's hook),
its first crawl waited for before any timing; their ratios are to the plain ``git
status`` and to ``git status`` in the watched clone.  Where no monitor is available the
rows are printed as skipped, with the reason.  Without ``--keep`` the watch is removed
at the end (``watchman watch-del``), with ``--keep`` it stays for the next run.

``--cases 100000`` works (it takes a while to generate and is never run in CI).
Figures are printed, never asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from .generate import generate

TODAY = date(2026, 11, 22)


def _yobo() -> list[str]:
    exe = Path(sys.executable).parent / "yobo"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "yobo"]


@dataclass
class Row:
    """One line of the table: a command, and what to do untimed before each run."""

    name: str
    argv: list[str]
    prepare: Callable[[], None] | None = None
    cwd: bool = True  # run inside the casebook
    root: Path | None = None  # the casebook it runs in (rows of a --compare yobo run in a clone)
    group: str = ""  # "" or "before: " (the --compare yobo's rows)
    watched: bool = False  # timed in the clone with the file watcher on
    skip: str | None = None  # why the row is not timed (no file watcher here)
    times: list[float] = field(default_factory=list)


def _run(argv: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def wait_for_gc(root: Path, *, say=print, grace: float = 1.0) -> None:
    """Wait for a ``git gc --auto`` that the generating commit left running in the
    background (``gc.pid`` in the git folder), then run one in the foreground if git
    still thinks it is due: timings taken while gc packs 170,000 objects measure gc."""
    pid_file = root / ".git" / "gc.pid"
    time.sleep(grace)  # the detached gc writes its pid file a moment after the commit returns
    waited = time.perf_counter()
    while pid_file.exists():
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError, PermissionError, OSError):
            break  # a stale pid file: git itself ignores one whose process is gone
        time.sleep(0.5)
    if time.perf_counter() - waited > 1:
        say(f"  (waited {time.perf_counter() - waited:.0f} s for git gc)")
    subprocess.run(["git", "-c", "gc.autoDetach=false", "gc", "--auto", "--quiet"], cwd=root, check=False,
                   capture_output=True)


#: The rows timed in the clone with the file watcher on (and their floor, first).
WATCHED_FLOOR = "git status (floor, file watcher)"


def rows(root: Path, case_id: str, yobo: list[str] | None = None, group: str = "",
         watched: Path | None = None) -> list[Row]:
    """Every row of issue 16's table, and the floors (the floors only for the yobo under
    test, ``group`` ""; a ``--compare`` yobo's rows are named with ``group``).  The file
    watcher's rows (only for ``group`` "") run in ``watched``, the clone with the watcher
    on (``root`` until it is made)."""
    yobo = yobo or _yobo()
    due = [*yobo, "monitor", "due"]
    counter = [0]
    watched = watched or root

    def warm(argv: list[str], where: Path = root) -> Callable[[], None]:
        def again() -> None:  # the same command once, untimed: whatever it caches is in place
            _run(argv, where, _env())
        return again

    def commit(where: Path = root) -> None:
        counter[0] += 1
        note = where / "bench-commits.txt"  # HEAD moves (and a hand-edited case is committed)
        note.write_text(f"{counter[0]}\n", encoding="utf-8")
        subprocess.run(["git", "add", "-A"], cwd=where, check=True)  # with any hand edit before it
        subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@yobo.invalid", "commit", "-q", "-m",
                        f"bench {counter[0]}"], cwd=where, check=True)

    def hand_edit() -> None:
        counter[0] += 1
        target = root / "cases" / case_id[:2] / case_id / "notes"
        target.mkdir(exist_ok=True)
        (target / f"2026-11-20-kyotaku-{900 + counter[0]}.yaml").write_text(
            "date: 2026-11-20\nkind: general\ntext: 手で追記\nstaff: 山田花子\nparty: kyotaku\n", encoding="utf-8")

    def cold() -> None:
        shutil.rmtree(root / ".yobo", ignore_errors=True)

    json_ = [*due, "--json"]
    floors = [
        Row("git status (floor)", ["git", "status", "--porcelain", "-z"]),
        Row("python -c pass (floor)", [sys.executable, "-c", "pass"], cwd=False),
    ] if not group else []
    measured = [
        Row("yobo --version", [*yobo, "--version"], cwd=False),
        Row("yobo --help", [*yobo, "--help"], cwd=False),
        Row("monitor due --json (warm)", json_, warm(json_)),
        Row("monitor due --json (after a commit)", json_, commit),
        Row("monitor due --json (hand edit)", json_, hand_edit),
        Row("monitor due (table)", due, warm(due)),
        Row("monitor due --csv", [*due, "--csv"], warm([*due, "--csv"])),
        Row("monitor due --ics", [*due, "--ics"], warm([*due, "--ics"])),
        Row("report monthly", [*yobo, "report", "monthly", "--month", TODAY.strftime("%Y-%m")],
            warm([*yobo, "report", "monthly", "--month", TODAY.strftime("%Y-%m")])),
        Row("case list --json", [*yobo, "case", "list", "--json"], warm([*yobo, "case", "list", "--json"])),
        Row("note add (one step, one commit)", [*yobo, "note", "add", case_id, "--text", "経過を記録"]),
        *validate_rows(yobo, warm),
        Row("cold (no index)", json_, cold),
    ]
    case_list = [*yobo, "case", "list", "--json"]
    by_watcher = [
        Row(WATCHED_FLOOR, ["git", "status", "--porcelain", "-z"]),
        Row("monitor due --json (warm, file watcher)", json_, warm(json_, watched)),
        Row("monitor due --json (after a commit, file watcher)", json_, lambda: commit(watched)),
        Row("case list --json (file watcher)", case_list, warm(case_list, watched)),
    ] if not group else []
    for row in measured:
        row.name, row.group = group + row.name, group
    for row in floors + measured:
        row.root = root
    for row in by_watcher:
        row.root, row.watched = watched, True
    return floors + measured + by_watcher


def validate_rows(yobo: list[str], warm) -> list[Row]:
    """``validate`` when nothing changed since its last clean run (what it checks again is
    only what changed), and ``validate --all`` (every document, both cores).  A yobo from
    before ``--all`` (a ``--compare`` release) always checks every document: its one row is
    named like the ``--all`` row, so the two stand side by side."""
    if "--all" not in subprocess.run([*yobo, "validate", "--help"], capture_output=True, text=True,
                                      env=dict(os.environ, COLUMNS="200")).stdout:
        return [Row("validate --all (whole casebook)", [*yobo, "validate"])]
    return [Row("validate (nothing changed)", [*yobo, "validate"], warm([*yobo, "validate"])),
            Row("validate --all (whole casebook)", [*yobo, "validate", "--all"])]


def _env() -> dict:
    return dict(os.environ, YOBO_TODAY=TODAY.isoformat(), YOBO_STAFF="山田花子", COLUMNS="100")


def bench(root: Path, runs: int, chosen: list[Row], *, say=print) -> list[str]:
    """Time ``chosen`` round-robin ``runs`` times in ``root``; the lines of the table."""
    env = _env()
    by_name = {row.name: row for row in chosen}
    timed = [row for row in chosen if row.skip is None]
    for _ in range(runs):
        for row in timed:
            if row.prepare is not None:
                row.prepare()
            row.times.append(_run(row.argv, (row.root or root) if row.cwd else Path.cwd(), env))
    status = by_name.get("git status (floor)")
    watched_status = by_name.get(WATCHED_FLOOR)
    # the median of each round's ratio: a busy moment slows both of a round's runs alike
    lines = []
    for row in chosen:
        if row.skip is not None:
            lines.append(f"  {row.name:<50} skipped: {row.skip}")
            continue
        json_ = by_name.get(row.group + "monitor due --json (warm)")
        median = statistics.median(row.times)
        line = f"  {row.name:<50} {median:7.3f} s  ({min(row.times):.3f}–{max(row.times):.3f})"
        floors = [(status, "git status"), (json_, "--json")]
        if row.watched:
            floors = [(status, "git status"), (watched_status, "watched git status")]
        for floor, label in floors:
            if floor is not None and floor.times and row is not floor and row is not status:
                line += f"  {statistics.median(a / b for a, b in zip(row.times, floor.times)):5.2f}× {label}"
        lines.append(line)
    return lines


def prepare_casebook(base: Path, size: int, *, say=print) -> tuple[Path, str]:
    """The casebook of ``size`` cases under ``base`` (generated if missing) and one case id."""
    root = base / f"casebook-{size}"
    if not (root / ".git").is_dir():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        generate(root, size, today=TODAY)
        say(f"  generated in {time.perf_counter() - started:.1f} s")
    wait_for_gc(root, say=say)
    first = next(p for p in sorted((root / "cases").iterdir()) if p.is_dir())
    case_id = next(p.name for p in sorted(first.iterdir()) if p.is_dir())
    return root, case_id


def clone_casebook(root: Path, *, say=print) -> Path:
    """A clone of ``root`` beside it for a ``--compare`` yobo (its index and kept answers
    would otherwise evict the other version's at every run); made once, then reused."""
    clone = root.with_name(root.name + "-compare")
    if not (clone / ".git").is_dir():
        shutil.rmtree(clone, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(["git", "clone", "-q", "--local", str(root), str(clone)], check=True)
        for key in ("core.untrackedCache",):  # what the generator set on the original, for a fair git status
            value = subprocess.run(["git", "config", key], cwd=root, capture_output=True, text=True).stdout.strip()
            if value:
                subprocess.run(["git", "config", key, value], cwd=clone, check=True)
        say(f"  cloned for --compare in {time.perf_counter() - started:.1f} s")
    wait_for_gc(clone, say=say, grace=0)
    return clone


def watched_clone(root: Path, *, say=print) -> tuple[Path | None, str | None]:
    """The clone beside ``root`` with git's file-system monitor on (made once, then
    reused), its first crawl done; or (None, why not) where no monitor is available."""
    from .. import watcher

    support = watcher.detect(root)
    if support.kind is None:
        return None, support.reason
    clone = root.with_name(root.name + "-watch")
    if not (clone / ".git").is_dir():
        shutil.rmtree(clone, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(["git", "clone", "-q", "--local", str(root), str(clone)], check=True)
        say(f"  cloned for the file watcher in {time.perf_counter() - started:.1f} s")
    wait_for_gc(clone, say=say, grace=0)
    started = time.perf_counter()
    try:
        watcher.turn_on(clone, support)  # sets core.untrackedCache too; waits for the first crawl
    except Exception as exc:  # e.g. the inotify room: the rows say why, the rest is measured
        return None, str(exc)
    say(f"  file watcher ({support.kind}) on in {time.perf_counter() - started:.1f} s")
    return clone, None


def unwatch_clone(clone: Path) -> None:
    """Turn the monitor off again in a clone the benchmark watched (no watcher is left
    running after a run without ``--keep``)."""
    from .. import watcher

    try:
        watcher.turn_off(clone)
    except Exception as exc:  # noqa: BLE001 — reported, the run's figures stand
        print(f"  (could not turn the file watcher off in {clone}: {exc})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", "--sizes", dest="cases", default="1000,10000",
                        help="sizes of the casebooks, comma-separated (100000 works, slowly)")
    parser.add_argument("--runs", type=int, default=5, help="rounds (each row once per round)")
    parser.add_argument("--keep", type=Path, help="generate the casebooks in this folder once and reuse them")
    parser.add_argument("--only", help="only these rows (comma-separated, by the start of their names)")
    parser.add_argument("--skip", help="not these rows (e.g. validate,cold at 10,000 cases)")
    parser.add_argument("--list", action="store_true", help="list the rows and exit")
    parser.add_argument("--compare", type=Path, help="another yobo executable timed in the same rounds (rows 'before: …')")
    args = parser.parse_args(argv)
    if args.list:
        for row in rows(Path("."), "X"):
            print(row.name)
        return
    base = args.keep or Path(tempfile.mkdtemp(prefix="yobo-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"yobo benchmark — {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, Python {sys.version.split()[0]}, "
          f"{subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}, today {TODAY}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("warning: PYTHONDONTWRITEBYTECODE is set — every import compiles again; the figures are too slow")

    def wanted(name: str, spec: str | None) -> bool:
        return any(name.startswith(part.strip()) for part in spec.split(",")) if spec else False

    watched_clones: list[Path] = []
    try:
        for size in (int(s) for s in args.cases.split(",")):
            print(f"{size:,} cases", flush=True)
            root, case_id = prepare_casebook(base, size)
            candidates = rows(root, case_id)
            wanted_watch = [r for r in candidates if r.watched and r.name != WATCHED_FLOOR
                            and (not args.only or wanted(r.name, args.only)) and not wanted(r.name, args.skip)]
            clone, why = watched_clone(root) if wanted_watch else (None, None)
            if clone is not None:
                watched_clones.append(clone)
                candidates = rows(root, case_id, watched=clone)
            for row in candidates:
                if row.watched and why is not None:
                    row.skip = why
            if args.compare:
                # row beside row: each of this yobo's rows, then the same row of the other one
                other = rows(clone_casebook(root, say=print), case_id, [str(args.compare)], "before: ")
                by_plain = {row.name.removeprefix(row.group): row for row in other}
                candidates = [r for row in candidates for r in (row, by_plain.get(row.name)) if r is not None]
            chosen = [r for r in candidates if (not args.only or wanted(r.name.removeprefix(r.group), args.only)
                                                or r.name.endswith("(floor)") or (r.name == WATCHED_FLOOR and wanted_watch))
                      and not wanted(r.name.removeprefix(r.group), args.skip)
                      and (r.name != WATCHED_FLOOR or wanted_watch)]
            for line in bench(root, args.runs, chosen):
                print(line, flush=True)
    finally:
        if not args.keep:
            for clone in watched_clones:
                unwatch_clone(clone)
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark of ``yobo monitor due`` as whole processes, at 1,000 and 10,000 cases.

    python -m yobo.devtools.bench [--sizes 1000,10000] [--runs 5] [--keep DIR]

For each size it generates a synthetic casebook (``yobo dev gen-casebook``) and
prints the wall time (median of --runs, and min–max) of:

- cold: no index (``.yobo/`` deleted before each run);
- warm: index present, nothing changed;
- one changed (hand edit): one case's monitoring file edited, not committed;
- one changed (committed): one yobo step committed.

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
from datetime import date
from pathlib import Path

from .generate import generate

TODAY = date(2026, 11, 22)


def _yobo() -> list[str]:
    exe = Path(sys.executable).parent / "yobo"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "yobo"]


def _time(root: Path, *, before=None) -> float:
    if before:
        before()
    env = dict(os.environ, YOBO_TODAY=TODAY.isoformat())
    start = time.perf_counter()
    proc = subprocess.run([*_yobo(), "monitor", "due", "-C", str(root), "--json"], env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"yobo monitor due failed: {proc.stderr.decode()}")
    return elapsed


def _series(label: str, times: list[float]) -> str:
    return (f"  {label:<28} median {statistics.median(times):6.3f} s   "
            f"(min {min(times):.3f}, max {max(times):.3f}, {len(times)} runs)")


def bench(size: int, runs: int, base: Path) -> list[str]:
    root = base / f"casebook-{size}"
    started = time.perf_counter()
    ids = generate(root, size, today=TODAY)
    lines = [f"{size:,} cases ({sum(1 for _ in root.rglob('*.yaml')):,} YAML files), generated in "
             f"{time.perf_counter() - started:.1f} s"]
    index = root / ".yobo"
    cold = [_time(root, before=lambda: shutil.rmtree(index, ignore_errors=True)) for _ in range(runs)]
    lines.append(_series("cold (no index)", cold))
    _time(root)
    warm = [_time(root) for _ in range(runs)]
    lines.append(_series("warm (nothing changed)", warm))
    target = root / "cases" / ids[0][:2] / ids[0] / "notes"

    def hand_edit(n=[0]):
        n[0] += 1
        target.mkdir(exist_ok=True)
        (target / f"2026-11-20-kyotaku-{100 + n[0]}.yaml").write_text(
            "date: 2026-11-20\nkind: general\ntext: 手で追記\nstaff: 山田花子\nparty: kyotaku\n", encoding="utf-8")

    edited = [_time(root, before=hand_edit) for _ in range(runs)]
    lines.append(_series("one changed (hand edit)", edited))

    def committed(n=[0]):
        n[0] += 1
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", f"bench {n[0]}"],
                       cwd=root, check=True)
        hand_edit()

    commits = [_time(root, before=committed) for _ in range(runs)]
    lines.append(_series("one changed (commit + edit)", commits))
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep the casebooks in this folder")
    args = parser.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="yobo-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"yobo monitor due benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, today {TODAY}")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            for line in bench(size, args.runs, base):
                print(line, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()

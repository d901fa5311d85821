"""The cold read of a casebook (no index: every case folder read, issue 16) gives exactly what
the plain, slow way gives: the folder walk of ``os.walk``, the reference YAML loader, one
process instead of two."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from yobo import index, loader, yamlio
from yobo.casebook import iter_case_dirs
from yobo.devtools.generate import generate
from yobo.loader import load_config
from yobo.profiles import load_profile

SAMPLE = Path(__file__).resolve().parent.parent / "sample-casebook"


def _walked(root: Path, case_dir: str) -> list:
    """The case folder's documents as the loader listed them before issue 16 (os.walk)."""
    base = root / case_dir
    found = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "files")
        inner_dir = os.path.relpath(folder, base).replace(os.sep, "/")
        for name in sorted(files):
            inner = name if inner_dir == "." else f"{inner_dir}/{name}"
            kind = loader._kind_at(inner)
            if kind is not None:
                found.append((inner, kind))
    return found


def test_case_files_lists_what_os_walk_listed(tmp_path):
    case = tmp_path / "cases" / "AB" / "ABCDEF"
    for rel in ("case.yaml", "notes/2026-01-02-kyotaku-1.yaml", "notes/2026-01-02-kyotaku-10.yaml",
                "notes/2026-01-02-kyotaku-2.yaml", "notes/readme.txt", "plans/P2/plan.yaml", "plans/P10/plan.yaml",
                "plans/P1/plan.yaml", "plans/P1/meetings/2026-01-05.yaml", "plans/P1/consent.yaml",
                "files/scan.yaml", "plans/P1/files/x.yaml", "monitoring/2026-01.yaml", "certifications/a.yaml",
                "certifications/B.yaml", "stray.yaml", "deep/er/still.yaml"):
        (case / rel).parent.mkdir(parents=True, exist_ok=True)
        (case / rel).write_text("a: 1\n", encoding="utf-8")
    (case / "checklists").mkdir()
    (case / "checklists" / "folder.yaml").mkdir()  # a folder named like a document
    outside = tmp_path / "elsewhere"
    (outside / "x").mkdir(parents=True)
    (outside / "x" / "2026-01.yaml").write_text("a: 1\n", encoding="utf-8")
    try:
        os.symlink(outside / "x", case / "linked", target_is_directory=True)
        os.symlink(outside / "x" / "2026-01.yaml", case / "monitoring" / "2026-02.yaml")
    except (OSError, NotImplementedError):  # pragma: no cover - Windows without the right
        pass
    rel = "cases/AB/ABCDEF"
    got = loader._case_files(tmp_path, rel)
    assert got == _walked(tmp_path, rel)
    assert [inner for inner, _ in got][:3] == ["case.yaml", "certifications/B.yaml", "certifications/a.yaml"]
    assert not any(inner.startswith(("files/", "linked/")) or "/files/" in inner for inner, _ in got)
    assert loader._case_files(tmp_path, "cases/AB/GONE") == []


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cold") / "gen"
    generate(root, 40, today=date(2026, 11, 22), commit=False)
    # hand-damaged documents: their unreadable rows must come out the same too
    folders = [case_dir for _, case_dir in iter_case_dirs(root)]
    damage = [("case.yaml", lambda t: t + "id: again\n"), ("case.yaml", lambda t: t.replace(":", "", 1)),
              ("case.yaml", lambda t: t.replace("status:", "status: [")),
              ("certifications", lambda t: t.replace("level:", "levle:")),
              ("monitoring", lambda t: t + "\t- bad\n"), ("monitoring", lambda t: "records: 0X1F\n"),
              ("basic-info", lambda t: t + "note: 1_000\n")]
    for case_dir, (where, change) in zip(folders[::5], damage):
        path = sorted((root / case_dir).rglob("*.yaml")) if where != "case.yaml" else [root / case_dir / "case.yaml"]
        target = next(p for p in path if where in str(p))
        target.write_text(change(target.read_text(encoding="utf-8")), encoding="utf-8")
    (root / folders[-1] / "case.yaml").write_bytes("id: 文字化け\n".encode("cp932"))
    return root


def _read_all(root: Path) -> dict:
    config = load_config(root, validate=False)
    return index._read_all(root, config, load_profile(config.profile, config.overrides))


@pytest.mark.parametrize("which", ["generated", "sample"])
def test_cold_read_equals_the_reference_loader_and_one_process(which, generated, monkeypatch):
    root = generated if which == "generated" else SAMPLE
    folders = [case_dir for _, case_dir in iter_case_dirs(root)]
    for case_dir in folders:
        assert loader._case_files(root, case_dir) == _walked(root, case_dir)
    fast = _read_all(root)
    # many worker processes, chunks of 3 folders (the real threshold is 400 folders)
    monkeypatch.setattr(index, "PARALLEL_FROM", 2)
    monkeypatch.setattr(index, "CHUNK", 3)
    parallel = _read_all(root)
    monkeypatch.setattr(index, "PARALLEL_FROM", 10 ** 9)
    monkeypatch.setattr(yamlio, "_rs_loads", None)
    reference = _read_all(root)
    assert len(reference) == len(folders)
    if which == "generated":  # the damaged documents are there, as unreadable rows
        assert sum(1 for entry in reference.values() if entry[3][1] == index.UNREADABLE) >= 3
        assert sum(1 for entry in reference.values() if entry[3][11]) >= 6
    assert fast == reference
    assert parallel == reference

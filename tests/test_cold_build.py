"""The due index built from nothing on every core (issue 16: a cold ``monitor due``)
holds exactly what one process reading the cases in turn would hold, and remembers
each case's tree so that the next run reads nothing."""

from __future__ import annotations

import shutil

from conftest import new_case
from yobo import index
from yobo.loader import load_config
from yobo.profiles import load_profile


def test_a_cold_build_in_worker_processes_equals_one_in_turn(cli, casebook, monkeypatch):
    ids = [new_case(cli, casebook, insured_no=f"00002000{n:02d}") for n in range(3)]
    broken = next((casebook / "cases").rglob("case.yaml"))
    broken.write_text("id: [\n", encoding="utf-8")  # an unreadable case is an entry too
    config = load_config(casebook, validate=False)
    profile = load_profile(config.profile, config.overrides)
    monkeypatch.setattr(index, "PARALLEL_FROM", 10**9)
    in_turn = index.refresh(casebook, config, profile)
    shutil.rmtree(casebook / ".yobo")
    monkeypatch.setattr(index, "PARALLEL_FROM", 1)
    monkeypatch.setattr(index, "CHUNK", 1)
    monkeypatch.setattr(index.os, "cpu_count", lambda: 2)
    parallel = index.refresh(casebook, config, profile)
    assert parallel == in_turn and len(parallel) == len(ids)
    # committed cases keep their tree (the blob ids the workers sent matched git's); the edited one does not
    assert sorted(entry[0] is None for entry in parallel.values()) == [False, False, True]
    assert index.refresh(casebook, config, profile) == parallel

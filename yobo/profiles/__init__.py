"""Municipal profiles (自治体プロファイル) shipped as data, one YAML file each.

Where the seed municipalities differ, the difference is a value in these files,
never a branch in code (shared/domain.md §7).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..resources import profiles_dir
from ..yamlio import load_fast


@lru_cache(maxsize=1)
def profile_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in profiles_dir().glob("*.yaml")))


@lru_cache(maxsize=None)
def load_profile(name: str) -> dict:
    path: Path = profiles_dir() / f"{name}.yaml"
    return load_fast(path.read_text(encoding="utf-8"), f"yobo/profiles/{name}.yaml")

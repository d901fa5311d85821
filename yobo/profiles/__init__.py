"""Municipal profiles (自治体プロファイル) shipped as data, one YAML file each.

Where the seed municipalities differ, the difference is a value in these files,
never a branch in code (shared/domain.md §7).  ``national.yaml`` holds the
defaults; a municipal profile states only what its seed changes, and a
casebook's ``yobo.yaml`` may override single values on top.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import DocumentError
from ..resources import profiles_dir
from ..schemas import check_document
from ..yamlio import load_fast

#: Keys that describe a profile itself; never inherited from national.
_OWN = ("name", "title", "sources")


@lru_cache(maxsize=1)
def profile_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in profiles_dir().glob("*.yaml")))


@lru_cache(maxsize=None)
def _read(name: str) -> tuple[dict, str, str]:
    path: Path = profiles_dir() / f"{name}.yaml"
    rel = f"yobo/profiles/{name}.yaml"
    text = path.read_text(encoding="utf-8")
    return load_fast(text, rel), text, rel


def merge(base: dict, top: dict) -> dict:
    """``top`` over ``base``: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


@lru_cache(maxsize=None)
def _load(name: str) -> dict:
    # The shipped profiles are checked against their schema by the test suite
    # (tests/test_schemas.py, tests/test_profiles.py), not on every command.
    data, _, _ = _read(name)
    if name == "national":
        return data
    return merge({k: v for k, v in _load("national").items() if k not in _OWN}, data)


def load_profile(name: str, overrides: dict | None = None) -> dict:
    """The profile ``name`` with national defaults filled in and a casebook's ``overrides``
    on top (a fresh copy each call).  Overridden values are checked like the profile's own."""
    if name not in profile_names():
        from ..errors import InputError

        raise InputError(f"プロファイル '{name}' はありません（{'、'.join(profile_names())}）", field="profile")
    profile = merge({}, _load(name))
    if not overrides:
        return profile
    merged = merge(profile, overrides)
    problems = check_document("profile", merged, path="yobo.yaml（overrides）", text="")
    if problems:
        raise DocumentError(problems)
    return merged

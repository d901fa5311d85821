"""Where the shipped data lives: schemas, templates, profiles and the sample casebook.

A wheel carries the top-level ``schemas/``, ``templates/`` and
``sample-casebook/`` inside the package as ``yobo/_data/...`` (see
pyproject.toml); an editable install or a source checkout finds them beside the
package.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The folder ``schemas``, ``templates`` or ``sample-casebook`` of this installation."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"yobo のデータフォルダ {name} が見つかりません（インストールが壊れています）")


def profiles_dir() -> Path:
    return _PACKAGE / "profiles"

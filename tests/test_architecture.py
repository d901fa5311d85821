"""The layer rules of shared/architecture.md §2, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "yobo"
# cli/ is the edge; devtools/ (generator, benchmark) measure time on purpose and are no part of the core
CORE = [p for p in PACKAGE.rglob("*.py") if not {"cli", "devtools"} & set(p.relative_to(PACKAGE).parts)]


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_has_no_typer_rich_or_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name in _imports(tree):
        assert not name.startswith(("typer", "rich", "click")), f"{path.name} imports {name}"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("today", "now", "utcnow", "time")
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("date", "datetime", "time")):
            assert False, f"{path.name}:{node.lineno} reads the clock"
        # gitstore hands the environment on to the git process (PATH, HOME) and adds
        # the author; nothing else in the core may look at it.
        if isinstance(node, ast.Attribute) and node.attr == "environ" and path.name != "gitstore.py":
            assert False, f"{path.name}:{node.lineno} reads the environment"


def test_only_the_cli_reads_the_clock():
    clock_users = [p.name for p in PACKAGE.rglob("*.py")
                   if "date.today()" in p.read_text(encoding="utf-8")]
    assert clock_users == ["common.py"]


def test_lower_layers_do_not_import_higher_ones():
    order = ["errors", "vocab", "citations", "values", "model", "yamlio", "resources", "schemas", "profiles", "domain", "casebook",
             "rules", "loader", "gitstore", "workflow", "sharing", "careplan_data", "cli"]
    rank = {name: i for i, name in enumerate(order)}
    for path in PACKAGE.rglob("*.py"):
        layer = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if layer not in rank:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = _resolve(path, node)
                if target in rank:
                    assert rank[target] <= rank[layer], f"{path.relative_to(PACKAGE)} imports {target}"


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    base = parts[: len(parts) - node.level]
    module = (node.module or "").split(".")
    full = base + [m for m in module if m]
    if not full:  # "from .. import x": the names themselves are the modules
        return node.names[0].name
    return full[0]

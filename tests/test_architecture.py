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


#: The layers, lowest first (shared/architecture.md §2): a module imports only from its own
#: layer or lower ones.  Every module and package of ``yobo/`` has a place here.
LAYERS = ["__init__", "landmarks", "errors", "vocab", "citations", "values", "calendar", "wareki", "checklist", "model", "casebook",
          "kinds", "custody", "yamlio", "resources", "schemas", "profiles", "domain", "ledger", "preconditions", "safeguards", "rules",
          "workspace", "loader", "gitstore", "watcher", "pieces", "index", "validation", "duelist", "export", "workflow", "sharing",
          "careplan_data", "render", "pdf", "forms", "devtools", "cli", "__main__"]

#: Inside ``workflow/``: the writer, the shared step context, the steps one module a stage
#: (a later stage may use an earlier one's helper, never the reverse), then the run() layer.
#: ``certification`` follows ``monitoring``: a result writes its 経過記録 (``cert decide``).
WORKFLOW_LAYERS = ["__init__", "journal", "lock", "apply", "documents", "context", "intake",
                   "assessment", "monitoring", "certification", "planning", "provisional", "review", "safeguards",
                   "agreement", "evaluation", "events", "closure", "purge", "course", "case_steps", "casebook_steps", "run"]


def _relative_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            yield node


def test_lower_layers_do_not_import_higher_ones():
    rank = {name: i for i, name in enumerate(LAYERS)}
    for path in PACKAGE.rglob("*.py"):
        layer = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for node in _relative_imports(path):
            target = _resolve(path, node)
            if target in rank:
                assert rank[target] <= rank[layer], f"{path.relative_to(PACKAGE)} imports {target}"


def test_every_module_has_a_layer():
    modules = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()
               if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert sorted(modules - set(LAYERS)) == []
    assert sorted(set(LAYERS) - modules) == []
    steps = {p.stem for p in (PACKAGE / "workflow").glob("*.py")}
    assert sorted(steps ^ set(WORKFLOW_LAYERS)) == []


def test_workflow_stages_import_downwards():
    rank = {name: i for i, name in enumerate(WORKFLOW_LAYERS)}
    for path in (PACKAGE / "workflow").glob("*.py"):
        for node in _relative_imports(path):
            if node.level != 1:
                continue  # outside workflow/: the test above
            for target in [node.module] if node.module else [alias.name for alias in node.names]:
                target = target.split(".")[0]
                assert rank[target] < rank[path.stem], f"workflow/{path.name} imports workflow/{target}"


def test_run_layer_has_no_typer_rich_clock_or_environment():
    """The step runner (issue 9 item 4) is core: the CLI parses and prints around it."""
    source = (PACKAGE / "workflow" / "run.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    names = set(_imports(tree))
    assert not {n for n in names if n.split(".")[0] in ("typer", "rich", "click", "os", "time")}, names
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")), f"run.py:{node.lineno}"
        assert not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("today", "now", "utcnow", "time")), f"run.py:{node.lineno} reads the clock"
    # and the CLI modules no longer lend each other the runner
    for name in ("render_cmds.py", "safeguard_cmds.py"):
        cli_tree = ast.parse((PACKAGE / "cli" / name).read_text(encoding="utf-8"))
        assert not [n for n in ast.walk(cli_tree) if isinstance(n, ast.ImportFrom) and n.module == "lifecycle_cmds"]


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    base = parts[: len(parts) - node.level]
    module = (node.module or "").split(".")
    full = base + [m for m in module if m]
    if not full:  # "from .. import x": the names themselves are the modules
        return node.names[0].name
    return full[0]

"""The house rules of the code, read from the source itself.

* the planning plugin imports nothing of ``satudata_pgsearch``: its writers go
  through CKAN's actions, so a portal on Solr runs the same code;
* no import cycles among the distribution's modules;
* no module over :data:`MAX_LINES` lines (tests and migrations aside).
"""
from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("satudata_planning", "satudata_pgsearch")
MAX_LINES = 700


def _modules() -> dict[str, pathlib.Path]:
    """Every module of both packages but tests and migrations, by dotted name."""
    found = {}
    for package in PACKAGES:
        base = ROOT / package
        for path in sorted(base.rglob("*.py")):
            parts = path.relative_to(ROOT.parent).with_suffix("").parts
            if {"tests", "migration"} & set(parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: pathlib.Path) -> set[str]:
    """The modules of the distribution that ``name`` imports (at any depth)."""
    is_package = path.name == "__init__.py"
    here = name if is_package else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            while target and target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in MODULES and target != name:
                out.add(target)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_modules_are_found():
    assert "ckanext.satudata_planning.workflow.gates" in MODULES
    assert "ckanext.satudata_pgsearch.query" in MODULES
    auth = GRAPH["ckanext.satudata_planning.logic.auth"]
    assert "ckanext.satudata_planning.sop" in auth


def test_the_planning_plugin_never_imports_the_search_plugin():
    offenders = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if name.startswith("ckanext.satudata_planning")
        for target in targets
        if target.startswith("ckanext.satudata_pgsearch")
    )
    assert offenders == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]


def test_no_import_cycles():
    # a package's __init__ re-exporting its own modules is not a cycle of
    # responsibilities: only edges between distinct modules count
    graph = {
        name: {t for t in targets if not name.startswith(t + ".")}
        for name, targets in GRAPH.items()
    }
    assert _cycles(graph) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_too_long(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"

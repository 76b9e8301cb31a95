"""Imports between the top-level packages follow the layout table of ARCHITECTURE.md.

Every module's imports are parsed (ast, nothing is imported), so the rule holds for code
that only runs in some commands too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = (
    "markwatch", "console", "bench", "crawler", "alerts", "indexer", "detectors", "testbed",
    "netpolicy",
)  # fmt: skip
# What each package may import (besides itself). `netpolicy` is neutral: anyone may use it.
ALLOWED: dict[str, set[str]] = {
    "detectors": set(),
    "testbed": set(),
    "netpolicy": set(),
    "indexer": {"detectors"},  # types only
    "alerts": {"detectors", "indexer"},
    "crawler": {"detectors", "indexer", "alerts"},
    "console": {"indexer", "alerts", "detectors"},  # detectors: the Listing/Finding types
    "bench": {"crawler", "detectors", "indexer", "alerts", "console", "testbed"},
    "markwatch": set(PACKAGES),
}
# Narrower grants, by module prefix: the console reads the evidence store the crawl writes.
ALLOWED_MODULES: dict[str, tuple[str, ...]] = {"console": ("crawler.evidence",)}


def _imports(package: str) -> Iterator[tuple[str, str]]:
    """(module imported, where) for every absolute import of our packages in `package`."""
    for path in sorted((REPO / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in PACKAGES:
                    yield name, f"{path.relative_to(REPO)}:{node.lineno}"


def _graph() -> dict[str, dict[str, list[str]]]:
    graph: dict[str, dict[str, list[str]]] = {p: {} for p in PACKAGES}
    for package in PACKAGES:
        if not (REPO / package).is_dir():
            continue
        for module, where in _imports(package):
            top = module.split(".")[0]
            if top != package:
                graph[package].setdefault(top, []).append(f"{where} imports {module}")
    return graph


def test_packages_import_only_what_the_layout_allows() -> None:
    wrong = []
    for package in PACKAGES:
        if not (REPO / package).is_dir():
            continue
        for module, where in _imports(package):
            top = module.split(".")[0]
            if top in (package, "netpolicy") or top in ALLOWED[package]:
                continue
            if module.startswith(ALLOWED_MODULES.get(package, ("\0",))):
                continue
            wrong.append(f"{where} imports {module}")
    assert not wrong, "imports against the layout:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, dict[str, list[str]]]) -> list[str]:
    found: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt, where in graph.get(node, {}).items():
            if nxt in path:
                found.add(" -> ".join([*path[path.index(nxt) :], nxt]) + f" ({where[0]})")
            elif len(path) <= len(graph):
                visit(nxt, [*path, nxt])

    for start in graph:
        visit(start, [start])
    return sorted(found)


def test_no_import_cycle_between_packages() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_spiders_do_not_import_each_other() -> None:
    spiders = REPO / "crawler" / "spiders"
    shared = {"crawler.spiders.common", "crawler.spiders.lazy_images"}
    wrong = []
    for path in sorted(spiders.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                module = node.module
                if module.startswith("crawler.spiders.") and module not in shared:
                    names = {a.name for a in node.names}
                    # Subclassing another spider is reuse; importing its constants is not.
                    if any(not n.endswith("Spider") for n in names):
                        wrong.append(f"{path.name}:{node.lineno} {module} {sorted(names)}")
    assert not wrong, wrong


def test_the_checks_see_a_cycle() -> None:
    # Guards the checker itself: a -> b -> a is reported, a -> b alone is not.
    assert _cycles({"a": {"b": ["x"]}, "b": {"a": ["y"]}})
    assert _cycles({"a": {"b": ["x"]}, "b": {}}) == []

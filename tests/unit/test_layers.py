"""The layers of shared/style.md, kept by walking every import."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "safeguarding": {
        "botbuilder",
        "botframework",
        "aiohttp",
        "sqlalchemy",
        "alembic",
        "msrest",
        "storage",
        "bot",
        "cards",
        "asyncpg",
        "aiosqlite",
    },
    "cards": {
        "botbuilder",
        "botframework",
        "aiohttp",
        "sqlalchemy",
        "alembic",
        "msrest",
        "storage",
        "bot",
        "asyncpg",
        "aiosqlite",
    },
    "storage": {"botbuilder", "botframework", "aiohttp", "msrest", "bot", "cards"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_from_the_layers_it_must_not_know(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_bot_package_imports_botbuilder():
    users = {
        str(path.relative_to(ROOT))
        for package in ("safeguarding", "cards", "storage")
        for path in (ROOT / package).rglob("*.py")
        if "botbuilder" in imported_roots(path)
    }
    assert users == set()
    assert any("botbuilder" in imported_roots(p) for p in (ROOT / "bot").rglob("*.py"))


PACKAGES = ("safeguarding", "cards", "storage", "bot")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The project modules this file imports, TYPE_CHECKING blocks included (a cycle hidden
    behind one is still a cycle): `from a.b import c` counts as a.b.c when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found & known


def import_graph() -> dict[str, set[str]]:
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    known = {module_name(p) for p in paths}
    return {module_name(p): imported_modules(p, known) - {module_name(p)} for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_no_module_imports_itself_round_a_circle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_ports_import_no_use_case():
    ports = ROOT / "safeguarding" / "ports.py"
    known = set(import_graph())
    assert {
        m for m in imported_modules(ports, known) if m.startswith("safeguarding.services")
    } == set()
    assert "TYPE_CHECKING" not in ports.read_text(encoding="utf-8")


def test_the_nouns_sit_below_the_ports_and_the_use_cases():
    """safeguarding/'s top-level modules hold value types and pure rules: they import neither
    the ports nor the use cases (safeguarding/services/), so the ports can import them."""
    known = set(import_graph())
    nouns = [p for p in (ROOT / "safeguarding").glob("*.py") if p.name != "ports.py"]
    above = {
        module_name(p): sorted(
            m
            for m in imported_modules(p, known)
            if m == "safeguarding.ports" or m.startswith("safeguarding.services")
        )
        for p in nouns
    }
    assert {k: v for k, v in above.items() if v} == {}

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

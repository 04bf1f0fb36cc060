"""The shape of DESIGN's app picture, checked on the source: an app imports only the apps above it, and
only marketplaces writes marketplace orders (the others go through ``marketplaces.services``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# who may import whom (besides itself)
ALLOWED = {
    "integration_server": set(),
    "marketplaces": {"integration_server"},
    "inventory": {"integration_server", "marketplaces"},
    "logistics": {"integration_server", "marketplaces"},
    "notifications": {"integration_server", "marketplaces", "inventory", "logistics"},
    "alerts": {"integration_server", "marketplaces", "inventory", "logistics", "notifications"},
}
WRITES = {"update", "bulk_update", "bulk_create", "delete", "create", "get_or_create", "update_or_create"}


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _imported_apps(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


@pytest.mark.parametrize("app", list(ALLOWED))
def test_an_app_imports_only_the_apps_above_it(app):
    upward = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(tree) - ALLOWED[app] - {app})
        for path, tree in _modules(app)
    }
    assert {path: apps for path, apps in upward.items() if apps} == {}


def _writes_to_orders(tree) -> list[int]:
    """Lines where ``Order`` / ``OrderLine`` rows are written through their manager."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            receiver = node.func.value
            while isinstance(receiver, ast.Call | ast.Attribute):
                receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
            if isinstance(receiver, ast.Name) and receiver.id in {"Order", "OrderLine"}:
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("app", [a for a in ALLOWED if a != "marketplaces"])
def test_only_marketplaces_writes_marketplace_orders(app):
    writes = {str(path.relative_to(ROOT)): _writes_to_orders(tree) for path, tree in _modules(app)}
    assert {path: lines for path, lines in writes.items() if lines} == {}

"""The core never imports a plugin: algorithms reach it only through the registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PLUGIN_MODULES = {p.name for p in (ROOT / "plugins").iterdir() if p.is_dir()}


def _imported_modules(path: Path) -> set[str]:
    """The top-level packages a file imports."""
    return {module.split(".")[0] for module in _modules(path)}


def test_core_imports_no_first_party_plugin() -> None:
    assert PLUGIN_MODULES, "plugins/ should hold the first-party plugins"
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_modules(path) & PLUGIN_MODULES)
        for path in (ROOT / "alignzoo").rglob("*.py")
        if _imported_modules(path) & PLUGIN_MODULES
    }
    assert offenders == {}


def _modules(path: Path) -> set[str]:
    """Every dotted module a file imports (``from a.b import c`` gives ``a.b``)."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


PLUGIN_PACKAGES = [
    *[p for p in (ROOT / "plugins").iterdir() if p.is_dir()],
    *(ROOT / "examples").glob("*/src/alignzoo_*"),
]


@pytest.mark.parametrize("package", PLUGIN_PACKAGES, ids=lambda p: p.name)
def test_plugins_meet_only_through_the_registry(package: Path) -> None:
    """No plugin imports another plugin, nor a task's internals (its registrations are the
    door): what two plugins both need lives in the core."""
    others = {p.name for p in PLUGIN_PACKAGES} - {package.name}
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _modules(path) if m.split(".")[0] in others or m.startswith("alignzoo.tasks")
        )
        for path in package.rglob("*.py")
    }
    assert {file: bad for file, bad in offenders.items() if bad} == {}

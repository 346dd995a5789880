"""The core never imports a plugin: algorithms reach it only through the registry."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
PLUGIN_MODULES = {p.name for p in (ROOT / "plugins").iterdir() if p.is_dir()}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_first_party_plugin() -> None:
    assert PLUGIN_MODULES, "plugins/ should hold the first-party plugins"
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_modules(path) & PLUGIN_MODULES)
        for path in (ROOT / "alignzoo").rglob("*.py")
        if _imported_modules(path) & PLUGIN_MODULES
    }
    assert offenders == {}

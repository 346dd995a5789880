"""Config directories that plugins ship (``alignzoo_config_dirs``): found, checked, listed.

A plugin names a directory as ``pkg://its_package.conf`` or a path. Hydra reads ``pkg://``
only from regular packages; a ``conf/`` folder without ``__init__.py`` (the layout a plugin
author most often writes) is a namespace package, so it is handed to Hydra as ``file://``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alignzoo.errors import PluginError

PKG, FILE = "pkg://", "file://"


def _package_dir(module: str) -> Path | None:
    """The folder of an importable package (regular or namespace); None if there is none."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def search_path_entry(directory: str) -> str:
    """The Hydra search-path entry of a plugin's config directory, checked to exist."""
    if directory.startswith(PKG):
        module = directory.removeprefix(PKG)
        try:
            folder, reason = _package_dir(module), "no such package"
        except ImportError as error:  # a missing parent package
            folder, reason = None, str(error)
        if folder is None:
            raise PluginError(
                f"config directory {directory!r}: {reason}; expected pkg://<importable "
                "package> (a folder shipped as package data) or a directory path"
            )
        if (folder / "__init__.py").is_file():  # a regular package: Hydra reads it as it is
            return directory
        return FILE + str(folder.resolve())
    path = Path(directory.removeprefix(FILE)).resolve()
    if not path.is_dir():
        raise PluginError(f"config directory {directory!r} is not a directory")
    return FILE + str(path)


def list_presets(entry: str) -> list[tuple[str, str]]:
    """``(group, name)`` of every ``<group>/<name>.yaml`` under a search-path entry."""
    package = _package_dir(entry.removeprefix(PKG)) if entry.startswith(PKG) else None
    root = package or Path(entry.removeprefix(FILE))
    return sorted((yaml.parent.name, yaml.stem) for yaml in root.glob("*/*.yaml") if yaml.is_file())

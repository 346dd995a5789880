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


def search_path_entry(directory: str) -> str:
    """The Hydra search-path entry of a plugin's config directory, checked to exist."""
    if directory.startswith(PKG):
        module = directory.removeprefix(PKG)
        try:
            spec = importlib.util.find_spec(module)
        except ImportError as error:  # a missing parent package
            spec, reason = None, str(error)
        else:
            reason = "no such package"
        if spec is None or not spec.submodule_search_locations:
            raise PluginError(
                f"config directory {directory!r}: {reason}; expected pkg://<importable "
                "package> (a folder shipped as package data) or a directory path"
            )
        if spec.origin is not None:  # a regular package: Hydra reads it as it is
            return directory
        return FILE + str(Path(next(iter(spec.submodule_search_locations))).resolve())
    path = Path(directory.removeprefix(FILE)).resolve()
    if not path.is_dir():
        raise PluginError(f"config directory {directory!r} is not a directory")
    return FILE + str(path)


def list_presets(entry: str) -> list[tuple[str, str]]:
    """``(group, name)`` of every ``<group>/<name>.yaml`` under a search-path entry."""
    if entry.startswith(PKG):
        spec = importlib.util.find_spec(entry.removeprefix(PKG))
        assert spec is not None and spec.submodule_search_locations
        root = Path(next(iter(spec.submodule_search_locations)))
    else:
        root = Path(entry.removeprefix(FILE))
    return sorted((yaml.parent.name, yaml.stem) for yaml in root.glob("*/*.yaml") if yaml.is_file())

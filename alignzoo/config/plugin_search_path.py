"""Plugins' config directories join Hydra's search path through a Hydra SearchPathPlugin.

Hydra asks every registered SearchPathPlugin for directories whenever it composes, so the
presets plugins ship (``algorithm=orpo_strong``) resolve for ``alignzoo``, ``alignzoo -m``,
``--cfg job``, ``alignzoo-plan`` and ``hydra.compose`` alike, and the command line stays the
user's own: their ``hydra.searchpath`` and every Hydra flag keep working.
"""

from __future__ import annotations

from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.plugins import Plugins
from hydra.plugins.search_path_plugin import SearchPathPlugin

from alignzoo.registry.manager import installed_plugins

#: the search-path entry of alignzoo's own configs: only its compositions get plugin dirs
ALIGNZOO_CONF = "pkg://alignzoo.conf"


class PluginConfigSearchPath(SearchPathPlugin):
    """Appends each installed plugin's config directories, after alignzoo's own."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        """Add the directories when the composition is alignzoo's (other Hydra apps: none)."""
        if not any(entry.path == ALIGNZOO_CONF for entry in search_path.get_path()):
            return
        for plugin, directories in installed_plugins().config_dirs.items():
            for directory in directories:
                search_path.append(provider=f"alignzoo-plugin-{plugin}", path=directory)


def register_plugin_search_path() -> None:
    """Register the SearchPathPlugin with Hydra (idempotent)."""
    Plugins.instance().register(PluginConfigSearchPath)

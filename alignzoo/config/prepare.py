"""Everything a process does once before it composes a config: the run schema, the plugins
(loaded once), their config directories on Hydra's search path and the run-folder resolver.

The ``alignzoo`` command, ``alignzoo-plan`` and the tests all start here, so each sees the
same groups, presets and plugins; none of it imports torch.
"""

from __future__ import annotations

from alignzoo.config.plugin_search_path import register_plugin_search_path
from alignzoo.config.run_folder import register_unique_folder_resolver
from alignzoo.config.schema import register_schema
from alignzoo.registry import LoadedPlugins, installed_plugins


def prepare() -> LoadedPlugins:
    """Register the run schema, every installed plugin (loaded once per process), the
    search path of their config directories and the run-folder resolver; idempotent."""
    register_schema()
    register_plugin_search_path()
    register_unique_folder_resolver()
    return installed_plugins()

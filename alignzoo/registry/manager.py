"""The one PluginManager: loads the ``alignzoo`` entry-point group and collects registrations."""

from __future__ import annotations

from dataclasses import dataclass, field

import pluggy

from alignzoo.registry import hookspecs
from alignzoo.registry.registry import KINDS, PluginRegistry

REGISTRATION_HOOKS = (
    "alignzoo_register_algorithms",
    "alignzoo_register_rewards",
    "alignzoo_register_datasets",
)


@dataclass
class LoadedPlugins:
    """The plugin manager together with what the plugins registered."""

    manager: pluggy.PluginManager
    registry: PluginRegistry
    #: plugin name -> (distribution name, version), for plugins loaded from entry points
    distributions: dict[str, tuple[str, str]] = field(default_factory=dict)


def create_plugin_manager(load_entrypoints: bool = True) -> pluggy.PluginManager:
    """A ``PluginManager("alignzoo")`` with our hook specs and, by default, every entry point."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    if load_entrypoints:
        manager.load_setuptools_entrypoints(hookspecs.PROJECT)
    manager.check_pending()
    return manager


def register_components(manager: pluggy.PluginManager, registry: PluginRegistry) -> None:
    """Call every registration hook plugin by plugin, so each addition names its plugin."""
    plugins = manager.get_plugins()
    for plugin in plugins:
        name = manager.get_name(plugin) or repr(plugin)
        others = [p for p in plugins if p is not plugin]
        with registry.registering_for(name):
            for hook in REGISTRATION_HOOKS:
                manager.subset_hook_caller(hook, remove_plugins=others)(registry=registry)


def load_plugins(manager: pluggy.PluginManager | None = None) -> LoadedPlugins:
    """Load installed plugins (or use ``manager``) and collect their registrations."""
    manager = manager or create_plugin_manager()
    registry = PluginRegistry()
    register_components(manager, registry)
    distributions = {
        manager.get_name(plugin) or repr(plugin): (dist.project_name, dist.version)
        for plugin, dist in manager.list_plugin_distinfo()
    }
    return LoadedPlugins(manager, registry, distributions)


def describe_plugins(loaded: LoadedPlugins) -> str:
    """A human-readable listing: each plugin, its distribution and version, what it registers."""
    lines = []
    for plugin in sorted(loaded.manager.get_plugins(), key=lambda p: loaded.manager.get_name(p)):
        name = loaded.manager.get_name(plugin)
        dist = loaded.distributions.get(name)
        origin = " ".join(dist) if dist else "registered in-process"
        lines.append(f"{name}  ({origin})")
        for kind in KINDS:
            mine = [c.name for c in loaded.registry.components(kind) if c.plugin == name]
            if mine:
                lines.append(f"    {kind}: {', '.join(mine)}")
    return "\n".join(lines)

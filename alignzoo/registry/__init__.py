"""Plugin machinery: hook specifications, the registry, and the PluginManager."""

from alignzoo.registry.hookspecs import hookimpl, hookspec
from alignzoo.registry.manager import (
    AlignzooPluginManager,
    LoadedPlugins,
    create_plugin_manager,
    describe_plugins,
    installed_plugins,
    load_plugins,
)
from alignzoo.registry.registry import AlgorithmComponent, Component, PluginRegistry

__all__ = [
    "AlgorithmComponent",
    "AlignzooPluginManager",
    "Component",
    "LoadedPlugins",
    "PluginRegistry",
    "create_plugin_manager",
    "describe_plugins",
    "hookimpl",
    "hookspec",
    "installed_plugins",
    "load_plugins",
]

"""The one PluginManager: loads the ``alignzoo`` entry-point group and collects registrations.

Each plugin is loaded and registered on its own: one that fails to import, declares another
major plugin-API version, raises in a registration hook or registers a name another plugin
has is reported by name with the reason; the others keep working. A name two plugins
register is usable by neither until the user loads only one (``ALIGNZOO_PLUGINS``).

Environment controls (as datasette has): ``ALIGNZOO_PLUGINS=dpo,ppo`` loads only the named
entry points; ``ALIGNZOO_TRACE_HOOKS=1`` prints every hook call and its result.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from alignzoo.errors import PluginError
from alignzoo.registry import hookspecs
from alignzoo.registry.config_dirs import list_presets, search_path_entry
from alignzoo.registry.registry import KINDS, PluginRegistry

REGISTRATION_HOOKS = (
    "alignzoo_register_algorithms",
    "alignzoo_register_rewards",
    "alignzoo_register_datasets",
)
ONLY_PLUGINS_ENV = "ALIGNZOO_PLUGINS"
TRACE_HOOKS_ENV = "ALIGNZOO_TRACE_HOOKS"


@dataclass
class PluginFailure:
    """A plugin that was left out, and why."""

    plugin: str
    #: "name version" of the distribution that declared it, when it came from an entry point
    distribution: str | None
    reason: str

    def __str__(self) -> str:
        origin = f" (distribution {self.distribution})" if self.distribution else ""
        return f"plugin {self.plugin!r}{origin} was not loaded: {self.reason}"


@dataclass
class LoadedPlugins:
    """The plugin manager together with what the plugins registered, and what failed."""

    manager: AlignzooPluginManager
    registry: PluginRegistry
    #: plugin name -> (distribution name, version), for plugins loaded from entry points
    distributions: dict[str, tuple[str, str]] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    #: plugin name -> the Hydra search-path entries of the config directories it ships
    config_dirs: dict[str, list[str]] = field(default_factory=dict)


class AlignzooPluginManager(pluggy.PluginManager):
    """pluggy's manager, keeping what loading the entry points found (as pytest's does)."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        #: plugin name -> (distribution, version) of the entry points that loaded
        self.distributions: dict[str, tuple[str, str]] = {}
        #: entry points that could not be loaded, and why
        self.failures: list[PluginFailure] = []


def create_plugin_manager(load_entrypoints: bool = True) -> AlignzooPluginManager:
    """A ``PluginManager("alignzoo")`` with our hook specs and, by default, every entry point."""
    manager = AlignzooPluginManager()
    if load_entrypoints:
        load_entry_points(manager)
    manager.check_pending()
    if os.environ.get(TRACE_HOOKS_ENV):
        manager.trace.root.setwriter(lambda message: print(message, end="", file=sys.stderr))
        manager.enable_tracing()
    return manager


def load_entry_points(manager: AlignzooPluginManager) -> None:
    """Import and register each ``alignzoo`` entry point on its own, recording failures."""
    only = _only_plugins()
    for entry_point in entry_points(group=hookspecs.PROJECT):
        name = entry_point.name
        if (only is not None and name not in only) or manager.has_plugin(name):
            continue  # not asked for, or already loaded from another path entry
        dist = entry_point.dist
        origin = (dist.name, dist.version) if dist is not None else None
        label = " ".join(origin) if origin else None
        try:
            plugin = entry_point.load()
        except Exception as error:  # a broken plugin must not take the others down
            reason = f"importing {entry_point.value!r} raised {type(error).__name__}: {error}"
            manager.failures.append(PluginFailure(name, label, reason))
            continue
        if (problem := api_mismatch(plugin)) is not None:
            manager.failures.append(PluginFailure(name, label, problem))
            continue
        manager.register(plugin, name=name)
        if origin is not None:
            manager.distributions[name] = origin


def api_mismatch(plugin: Any) -> str | None:
    """Why ``plugin``'s declared plugin-API version is incompatible (None when it is not)."""
    declared = getattr(plugin, "ALIGNZOO_PLUGIN_API", None)
    if declared is None:
        return None
    provided = hookspecs.PLUGIN_API_VERSION
    try:
        major, minor = _version(str(declared))
    except ValueError:
        return f"it declares plugin API {declared!r}; expected a version such as {provided!r}"
    ours = _version(provided)
    if major != ours[0]:
        return (
            f"it declares plugin API {declared}, but this alignzoo provides plugin API "
            f"{provided} (the major versions must match)"
        )
    if minor > ours[1]:
        return (
            f"it declares plugin API {declared}, newer than the plugin API {provided} this "
            "alignzoo provides: upgrade alignzoo"
        )
    return None


def _version(text: str) -> tuple[int, int]:
    """(major, minor) of "1.1" or "1"."""
    major, _, minor = text.strip().partition(".")
    return int(major), int(minor or 0)


def own_hook(manager: pluggy.PluginManager, plugin: object, hook: str) -> Any:
    """A caller of ``hook`` on ``plugin`` alone, so what it does is attributed to it."""
    others = [p for p in manager.get_plugins() if p is not plugin]
    return manager.subset_hook_caller(hook, remove_plugins=others)


def register_components(
    manager: pluggy.PluginManager,
    registry: PluginRegistry,
    distributions: dict[str, tuple[str, str]] | None = None,
) -> list[PluginFailure]:
    """Call every registration hook plugin by plugin, so each addition names its plugin.

    A plugin whose hook raises has what it registered withdrawn and is unregistered; the
    returned failures say why.
    """
    distributions = distributions or {}
    failures = []
    for plugin in manager.get_plugins():
        name = manager.get_name(plugin) or repr(plugin)
        try:
            with registry.registering_for(name):
                for hook in REGISTRATION_HOOKS:
                    own_hook(manager, plugin, hook)(registry=registry)
        except Exception as error:
            registry.withdraw(name)
            manager.unregister(plugin)
            reason = str(error) if isinstance(error, PluginError) else repr(error)
            label = " ".join(distributions[name]) if name in distributions else None
            failures.append(PluginFailure(name, label, f"registering raised: {reason}"))
    return failures


def load_plugins(manager: AlignzooPluginManager | None = None) -> LoadedPlugins:
    """Load installed plugins (or use ``manager``) and collect their registrations.

    Every plugin that was left out is also reported on standard error.
    """
    manager = manager or create_plugin_manager()
    registry = PluginRegistry()
    registry.origins = {name: " ".join(origin) for name, origin in manager.distributions.items()}
    failures = manager.failures + register_components(manager, registry, manager.distributions)
    missing = registry.resolve_requirements()
    config_dirs, dir_problems = collect_config_dirs(manager)
    for problem in [*map(str, failures), *registry.clashes(), *missing, *dir_problems]:
        print(f"alignzoo: {problem}", file=sys.stderr)
    distributions = {
        name: origin for name, origin in manager.distributions.items() if manager.has_plugin(name)
    }
    return LoadedPlugins(manager, registry, distributions, failures, config_dirs)


@functools.cache
def installed_plugins() -> LoadedPlugins:
    """Every installed plugin, loaded once per process (the command line's plugins)."""
    return load_plugins()


def collect_config_dirs(manager: pluggy.PluginManager) -> tuple[dict[str, list[str]], list[str]]:
    """Each plugin's ``alignzoo_config_dirs()`` as Hydra search-path entries, and problems.

    A directory that cannot be found is left out with a message naming its plugin.
    """
    found: dict[str, list[str]] = {}
    problems = []
    for plugin in manager.get_plugins():
        name = manager.get_name(plugin) or repr(plugin)
        for directory in [
            d for dirs in own_hook(manager, plugin, "alignzoo_config_dirs")() for d in dirs
        ]:
            try:
                found.setdefault(name, []).append(search_path_entry(directory))
            except PluginError as error:
                problems.append(f"plugin {name!r}: {error}")
    return found, problems


def describe_plugins(loaded: LoadedPlugins) -> str:
    """A human-readable listing: each plugin, its distribution and version, what it registers."""
    lines = []
    for plugin in sorted(
        loaded.manager.get_plugins(), key=lambda p: loaded.manager.get_name(p) or ""
    ):
        name = loaded.manager.get_name(plugin) or repr(plugin)
        dist = loaded.distributions.get(name)
        origin = " ".join(dist) if dist else "registered in-process"
        lines.append(f"{name}  ({origin})")
        for kind in KINDS:
            mine = [c.name for c in loaded.registry.components(kind) if c.plugin == name]
            if mine:
                lines.append(f"    {kind}: {', '.join(mine)}")
        presets = [
            f"{group}={preset}"
            for directory in loaded.config_dirs.get(name, [])
            for group, preset in list_presets(directory)
        ]
        if presets:
            lines.append(f"    presets: {', '.join(presets)}")
    if loaded.failures:
        lines.append("not loaded:")
        lines += [f"  {failure}" for failure in loaded.failures]
    if clashes := loaded.registry.clashes():
        lines.append("name clashes (unusable until one plugin is picked):")
        lines += [f"  {clash}" for clash in clashes]
    return "\n".join(lines)


def _only_plugins() -> set[str] | None:
    names = os.environ.get(ONLY_PLUGINS_ENV)
    return None if names is None else {n.strip() for n in names.split(",") if n.strip()}

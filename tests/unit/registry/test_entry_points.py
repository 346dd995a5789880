"""Plugin discovery through the real entry points of the installed distribution."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pluggy

from alignzoo.registry import create_plugin_manager, describe_plugins, hookimpl, load_plugins
from alignzoo.registry.manager import REGISTRATION_HOOKS

FIRST_PARTY = {"dpo": "algorithm", "sentiment": "data", "hf": "data"}


def test_first_party_plugins_are_declared_as_entry_points() -> None:
    declared = {ep.name: ep for ep in entry_points(group="alignzoo")}
    assert set(FIRST_PARTY) <= set(declared)
    assert all(declared[name].dist.name == "alignzoo" for name in FIRST_PARTY)


def test_every_plugin_folder_is_one_entry_point_line() -> None:
    """An in-tree algorithm is its folder under plugins/ plus one entry-point line: setuptools
    finds the package (pyproject's packages.find), and this catches the forgotten line."""
    plugins = Path(__file__).parents[3] / "plugins"
    folders = {init.parent.name for init in plugins.glob("*/__init__.py")}
    targets = {ep.value.split(":")[0] for ep in entry_points(group="alignzoo")}
    assert folders and folders <= targets, sorted(folders - targets)


def test_every_entry_point_loads_and_registers_something() -> None:
    """The plugin contract: each entry point imports and implements a registration hook."""
    loaded = load_plugins()
    for ep in entry_points(group="alignzoo"):
        plugin = loaded.manager.get_plugin(ep.name)
        assert plugin is not None, ep.name
        hooks = {caller.name for caller in loaded.manager.get_hookcallers(plugin) or []}
        assert hooks & set(REGISTRATION_HOOKS), f"{ep.name} implements no registration hook"
        registered = [
            c
            for kind in ("algorithm", "reward", "data")
            for c in loaded.registry.components(kind)
            if c.plugin == ep.name
        ]
        assert registered, f"{ep.name} registered nothing"


def test_first_party_components_are_registered_by_their_plugin() -> None:
    registry = load_plugins().registry
    assert registry.get("algorithm", "dpo").plugin == "dpo"
    assert registry.get("data", "sentiment").plugin == "sentiment"
    assert registry.get("reward", "gold").plugin == "sentiment"
    assert registry.get("data", "hf").plugin == "hf"


def test_listing_names_distribution_version_and_components() -> None:
    from importlib.metadata import version

    text = describe_plugins(load_plugins())
    assert f"dpo  (alignzoo {version('alignzoo')})" in text
    assert "algorithm: dpo" in text and "reward: gold" in text and "data: sentiment" in text


def test_a_plugin_registered_in_process_is_listed_as_such() -> None:
    class Observer:
        @hookimpl
        def alignzoo_on_step_end(self, step: int, metrics: dict[str, float]) -> None:
            pass

    manager = create_plugin_manager(load_entrypoints=False)
    manager.register(Observer(), name="observer")
    assert "observer  (registered in-process)" in describe_plugins(load_plugins(manager))


def test_misspelt_hook_fails_the_pending_check() -> None:
    class Typo:
        @hookimpl
        def alignzoo_register_algorithm(self, registry: object) -> None:  # missing "s"
            pass

    manager = create_plugin_manager(load_entrypoints=False)
    manager.register(Typo(), name="typo")
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        assert "alignzoo_register_algorithm" in str(error)
    else:
        raise AssertionError("a hook with no specification should be rejected")

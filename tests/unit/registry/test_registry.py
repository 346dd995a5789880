"""The registry: names -> components, typed configs in the ConfigStore, clear clashes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from alignzoo.errors import ConfigError, PluginError
from alignzoo.registry import PluginRegistry


@dataclass
class ToyConfig:
    strength: float = 1.0


@dataclass
class OtherConfig:
    size: int = 1


class Toy:
    def __init__(self, config: ToyConfig) -> None:
        self.config = config


@pytest.fixture
def registry() -> PluginRegistry:
    return PluginRegistry(ConfigStore.instance())


def test_added_component_is_found_by_name_and_by_config_type(registry: PluginRegistry) -> None:
    with registry.registering_for("toy-plugin"):
        registry.add_algorithm("toy", Toy, ToyConfig)
    component = registry.get("algorithm", "toy")
    assert component.plugin == "toy-plugin"
    node = OmegaConf.structured(ToyConfig(strength=2.0))
    assert registry.for_config("algorithm", node) is component
    built = component.build(node)
    assert isinstance(built, Toy) and built.config == ToyConfig(strength=2.0)


def test_config_is_stored_in_hydra_config_store_under_its_group(
    registry: PluginRegistry,
) -> None:
    registry.add_reward("toy_reward", Toy, ToyConfig)
    stored = ConfigStore.instance().repo["reward"]["toy_reward.yaml"]
    assert OmegaConf.get_type(stored.node) is ToyConfig


def test_a_name_two_plugins_register_is_usable_by_neither(registry: PluginRegistry) -> None:
    registry.origins = {"first": "alignzoo-first 1.0", "second": "alignzoo-second 2.0"}
    with registry.registering_for("first"):
        registry.add_dataset("same", Toy, ToyConfig)
    with registry.registering_for("second"):
        registry.add_dataset("same", Toy, OtherConfig)
    expected = (
        "data 'same' is registered by plugins 'first' (alignzoo-first 1.0) and 'second' "
        "(alignzoo-second 2.0); load only one of them with ALIGNZOO_PLUGINS="
    )
    assert registry.clashes()[0].startswith(expected)
    with pytest.raises(PluginError, match=r"load only one"):
        registry.get("data", "same")
    with pytest.raises(PluginError, match=r"'first' \(alignzoo-first 1.0\) and 'second'"):
        registry.for_config("data", OmegaConf.structured(OtherConfig()))


def test_config_must_be_a_dataclass_type(registry: PluginRegistry) -> None:
    with registry.registering_for("sloppy"), pytest.raises(PluginError, match="sloppy.*dataclass"):
        registry.add_algorithm("bad", Toy, dict)


def test_unknown_name_lists_the_known_ones(registry: PluginRegistry) -> None:
    registry.add_algorithm("toy", Toy, ToyConfig)
    with pytest.raises(ConfigError, match=r"no algorithm named 'ppo'.*known: toy"):
        registry.get("algorithm", "ppo")


def test_config_of_unregistered_type_is_an_error(registry: PluginRegistry) -> None:
    with pytest.raises(ConfigError, match="ToyConfig"):
        registry.for_config("algorithm", OmegaConf.structured(ToyConfig))


@dataclass
class Wrapper:
    inner: object = None


def test_a_required_component_types_its_field_and_a_missing_one_leaves_it_out(
    registry: PluginRegistry,
) -> None:
    with registry.registering_for("inner-plugin"):
        registry.add_algorithm("inner", Toy, ToyConfig)
    with registry.registering_for("outer-plugin"):
        registry.add_algorithm("outer", Toy, Wrapper, requires={"inner": ("algorithm", "inner")})
        registry.add_algorithm("orphan", Toy, Wrapper, requires={"inner": ("algorithm", "gone")})
    problems = registry.resolve_requirements()
    assert problems == [
        "algorithm 'orphan' (plugin 'outer-plugin') was left out: it is built on algorithm "
        "'gone', which no loaded plugin registers"
    ]
    outer = registry.get("algorithm", "outer")
    built = outer.build(
        OmegaConf.merge(OmegaConf.structured(outer.config_class), {"inner": {"strength": 3.0}})
    )
    assert built.config.inner == ToyConfig(strength=3.0)
    assert registry.component_for("algorithm", built.config.inner).name == "inner"
    with pytest.raises(Exception, match="size"):  # the field is typed: a stranger key fails
        OmegaConf.merge(OmegaConf.structured(outer.config_class), {"inner": {"size": 1}})
    assert "orphan" not in registry.names("algorithm")

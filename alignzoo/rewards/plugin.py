"""Registers ``reward=composite`` (a weighted sum of other rewards) through the plugin door."""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo.rewards.composite import CompositeReward, CompositeRewardConfig, component_builder


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """The composite builds its components through this same registry."""
    build = component_builder(registry)
    registry.add_reward(
        "composite", lambda config: CompositeReward(config, build), CompositeRewardConfig
    )

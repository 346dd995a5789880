"""Registers ``reward=composite`` (a weighted sum of other rewards) through the plugin door."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo.rewards.composite_config import CompositeRewardConfig

if TYPE_CHECKING:
    from alignzoo.rewards.composite import CompositeReward


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """The composite builds its components through this same registry."""

    def build(config: CompositeRewardConfig) -> CompositeReward:
        from alignzoo.rewards.composite import CompositeReward, component_builder

        return CompositeReward(config, component_builder(registry))

    registry.add_reward("composite", build, CompositeRewardConfig)

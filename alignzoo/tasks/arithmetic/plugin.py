"""Registers the built-in reasoning task: data source ``arithmetic`` and its check
``reward=arithmetic``, through the same door as any plugin."""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo.tasks.arithmetic.architecture import task_architecture
from alignzoo.tasks.arithmetic.config import ArithmeticGoldConfig, ArithmeticTaskConfig


@hookimpl
def alignzoo_register_datasets(registry: PluginRegistry) -> None:
    """The built-in reasoning task."""
    registry.add_dataset(
        "arithmetic",
        "alignzoo.tasks.arithmetic.task:ArithmeticTask",
        ArithmeticTaskConfig,
        base_model_config=task_architecture,
    )


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """The task's exact check, usable as a training reward."""
    registry.add_reward(
        "arithmetic", "alignzoo.tasks.arithmetic.gold_reward:ArithmeticGold", ArithmeticGoldConfig
    )

"""alignzoo's reasoning-gym plugin: ``data=reasoning_gym data.task=<name>`` generates a task's
problems (procedurally, from a seed: no download) with their answers and metadata as
per-example fields, and ``reward=reasoning_gym`` scores with the task's own verifier, which is
also the task's gold reward (held-out accuracy)."""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_reasoning_gym.config import ReasoningGymDataConfig, ReasoningGymRewardConfig

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_datasets(registry: PluginRegistry) -> None:
    """``data=reasoning_gym``."""
    registry.add_dataset(
        "reasoning_gym", "alignzoo_reasoning_gym.data:ReasoningGymData", ReasoningGymDataConfig
    )


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """``reward=reasoning_gym``."""
    registry.add_reward(
        "reasoning_gym",
        "alignzoo_reasoning_gym.reward:ReasoningGymReward",
        ReasoningGymRewardConfig,
    )

"""alignzoo's reward-model plugin: train a Bradley-Terry reward model, and score with it.

``algorithm=reward_model`` trains and saves one; ``reward=learned reward.path=<dir>`` turns a
saved one into a reward source for PPO or any algorithm that samples.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_reward_model.config import LearnedRewardConfig, RewardModelConfig, RewardModelTraits


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=reward_model``."""
    registry.add_algorithm(
        "reward_model",
        "alignzoo_reward_model.algorithm:RewardModelAlgorithm",
        RewardModelConfig,
        traits=RewardModelTraits,
    )


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """``reward=learned``."""
    registry.add_reward(
        "learned", "alignzoo_reward_model.reward:LearnedReward", LearnedRewardConfig
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_reward_model.conf"]

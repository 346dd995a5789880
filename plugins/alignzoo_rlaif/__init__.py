"""alignzoo's RLAIF plugin: AI-feedback judges as reward sources and preference labellers.

``reward=judge`` scores completions with a local model under written principles (direct
RLAIF); ``algorithm=rlaif`` has the judge label the preference pairs and trains DPO on them.
The built-in default judge reads sentiment from the tags the task's base model learned.
It builds on the DPO plugin for the optimisation, reached through the registry (declared
with ``requires``), never imported.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_rlaif.config import DPO, HTTPJudgeConfig, LocalJudgeConfig, RLAIFConfig, RLAIFTraits

if TYPE_CHECKING:
    from alignzoo.rewards.source import RewardSource


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """``reward=judge`` (a local model) and ``reward=http_judge`` (an endpoint)."""
    registry.add_reward("judge", partial(_judge_reward, registry), LocalJudgeConfig)
    registry.add_reward(
        "http_judge", "alignzoo_rlaif.judge_rewards:build_http_judge_reward", HTTPJudgeConfig
    )


def _judge_reward(registry: PluginRegistry, config: LocalJudgeConfig) -> RewardSource:
    """``reward=judge``, built by a run: torch is imported then, not when registering; the
    registry that registered it names the default judge model (the built-in task's)."""
    from alignzoo_rlaif.judge_rewards import build_judge_reward

    return build_judge_reward(config, registry)


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=rlaif``."""
    registry.add_algorithm(
        "rlaif",
        "alignzoo_rlaif.algorithm:RLAIFAlgorithm",
        RLAIFConfig,
        requires={"dpo": ("algorithm", DPO)},
        traits=RLAIFTraits,
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_rlaif.conf"]

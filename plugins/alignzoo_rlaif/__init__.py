"""alignzoo's RLAIF plugin: AI-feedback judges as reward sources (and, soon, labellers).

``reward=judge`` scores completions with a local model under written principles; the
built-in default reads sentiment from the tags the task's base model learned.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo.rewards.judge import JudgeReward
from alignzoo.rewards.judgement_cache import CachedJudge
from alignzoo_rlaif.config import LocalJudgeConfig
from alignzoo_rlaif.local_judge import LocalJudge


def build_judge_reward(config: LocalJudgeConfig) -> JudgeReward:
    """A local judge, cached on disk unless ``reward.cache=false``, as a reward source."""
    judge = LocalJudge(config)
    return JudgeReward(CachedJudge(judge) if config.cache else judge)


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """``reward=judge``."""
    registry.add_reward("judge", build_judge_reward, LocalJudgeConfig)

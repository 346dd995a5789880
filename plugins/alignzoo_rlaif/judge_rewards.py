"""The reward sources of ``reward=judge`` and ``reward=http_judge``: a judge, cached on disk.

A module of their own, registered by import string, so that registering imports no torch.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry
from alignzoo.rewards.judge import JudgeReward
from alignzoo.rewards.judgement_cache import CachedJudge
from alignzoo_rlaif.config import HTTPJudgeConfig, LocalJudgeConfig
from alignzoo_rlaif.http_judge import HTTPJudge
from alignzoo_rlaif.local_judge import LocalJudge


def build_judge_reward(config: LocalJudgeConfig, registry: PluginRegistry) -> JudgeReward:
    """A local judge, cached on disk unless ``reward.cache=false``, as a reward source; its
    default model is found in ``registry``, the one that registered it."""
    judge = LocalJudge(config, registry)
    return JudgeReward(CachedJudge(judge) if config.cache else judge)


def build_http_judge_reward(config: HTTPJudgeConfig) -> JudgeReward:
    """A judge behind an OpenAI-compatible endpoint, cached on disk, as a reward source."""
    judge = HTTPJudge(config)
    return JudgeReward(CachedJudge(judge) if config.cache else judge)

"""alignzoo's RLAIF plugin: AI-feedback judges as reward sources and preference labellers.

``reward=judge`` scores completions with a local model under written principles (direct
RLAIF); ``algorithm=rlaif`` has the judge label the preference pairs and trains DPO on them.
The built-in default judge reads sentiment from the tags the task's base model learned.
It builds on the DPO plugin for the optimisation, reached through the registry (declared
with ``requires``), never imported.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo.rewards.judge import JudgeReward
from alignzoo.rewards.judgement_cache import CachedJudge
from alignzoo_rlaif.config import LocalJudgeConfig
from alignzoo_rlaif.http_judge import HTTPJudge, HTTPJudgeConfig
from alignzoo_rlaif.local_judge import LocalJudge
from alignzoo_rlaif.pipeline import DPO, RLAIFAlgorithm
from alignzoo_rlaif.pipeline_config import RLAIFConfig


def build_judge_reward(config: LocalJudgeConfig) -> JudgeReward:
    """A local judge, cached on disk unless ``reward.cache=false``, as a reward source."""
    judge = LocalJudge(config)
    return JudgeReward(CachedJudge(judge) if config.cache else judge)


def build_http_judge_reward(config: HTTPJudgeConfig) -> JudgeReward:
    """A judge behind an OpenAI-compatible endpoint, cached on disk, as a reward source."""
    judge = HTTPJudge(config)
    return JudgeReward(CachedJudge(judge) if config.cache else judge)


@hookimpl
def alignzoo_register_rewards(registry: PluginRegistry) -> None:
    """``reward=judge`` (a local model) and ``reward=http_judge`` (an endpoint)."""
    registry.add_reward("judge", build_judge_reward, LocalJudgeConfig)
    registry.add_reward("http_judge", build_http_judge_reward, HTTPJudgeConfig)


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=rlaif``."""
    registry.add_algorithm(
        "rlaif", RLAIFAlgorithm, RLAIFConfig, requires={"dpo": ("algorithm", DPO)}
    )

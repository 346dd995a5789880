"""The typed config of ``algorithm=grpo``: every field is an override (``algorithm.beta=0.04``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from alignzoo.config.ranges import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    FieldRanges,
    at_least,
    check_config_ranges,
)
from alignzoo.config.schema import SamplingConfig


class ScaleRewards(StrEnum):
    """What a completion's advantage (reward minus its group's mean) is divided by."""

    #: the std of its group's rewards (GRPO, Shao et al. 2024)
    group = "group"
    #: the std of the whole batch's rewards
    batch = "batch"
    #: nothing (Dr. GRPO, Liu et al. 2025: the group std biases toward easy and hard prompts)
    none = "none"


class LossType(StrEnum):
    """How per-token losses become the loss of a batch."""

    #: mean over each completion's tokens, then over completions (GRPO)
    grpo = "grpo"
    #: mean over every token of the step's batch (DAPO, Yu et al. 2025)
    dapo = "dapo"
    #: mean over every token of each micro-batch
    bnpo = "bnpo"
    #: sum over tokens / (completions x max_new_tokens), a constant (Dr. GRPO, Liu et al. 2025)
    dr_grpo = "dr_grpo"
    #: REINFORCE with clipped, detached importance weights, DAPO-normalised (MiniMax-M1 2025)
    cispo = "cispo"


class RewardAggregation(StrEnum):
    """How several weighted reward sources (``reward=composite``) become one advantage."""

    #: the weighted sum is one reward, normalised in its group (TRL's default)
    sum_then_normalize = "sum_then_normalize"
    #: each source normalised in its group, then the weighted sum: a source of wide range
    #: cannot drown out one of narrow range
    normalize_then_sum = "normalize_then_sum"


class ImportanceLevel(StrEnum):
    """Where the importance ratio pi/pi_old is taken."""

    #: per token (GRPO, PPO)
    token = "token"
    #: per sequence, the geometric mean over its tokens (GSPO, Zheng et al. 2025)
    sequence = "sequence"


@dataclass
class GRPOConfig:
    """Group Relative Policy Optimization (Shao et al. 2024, DeepSeekMath) and its variants.

    ``train.batch_size`` counts prompts; each step samples ``num_generations`` of each.
    """

    rollout: SamplingConfig = field(default_factory=SamplingConfig)
    #: G, completions sampled per prompt: the group each is compared with
    num_generations: int = 4
    scale_rewards: ScaleRewards = ScaleRewards.group
    reward_aggregation: RewardAggregation = RewardAggregation.sum_then_normalize
    loss_type: LossType = LossType.dapo
    importance_sampling_level: ImportanceLevel = ImportanceLevel.token
    #: clip range of the ratio, [1 - epsilon_low, 1 + epsilon_high] (DAPO: high 0.28);
    #: for cispo, 1 + epsilon_high caps the importance weight
    epsilon_low: float = 0.2
    epsilon_high: float = 0.2
    #: weight of a k3 KL(pi || pi_ref) term per token; 0 holds no reference at all
    beta: float = 0.0
    #: optimizer steps on each rollout (> 1 keeps the sampling policy's log-probs as pi_old)
    num_iterations: int = 1
    #: completions cut at max_new_tokens teach nothing (DAPO's overlong filtering)
    mask_truncated_completions: bool = False
    #: leave out groups whose completions all scored alike: their advantages are zero
    drop_equal_reward_groups: bool = False

    field_ranges: ClassVar[FieldRanges] = {
        "num_generations": at_least(2),  # a group of one has nothing to compare with
        "epsilon_low": POSITIVE,
        "epsilon_high": POSITIVE,
        "beta": NON_NEGATIVE,
        "num_iterations": COUNT,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")

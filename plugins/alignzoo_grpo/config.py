"""The typed config of ``algorithm=grpo``: every field is an override (``algorithm.beta=0.04``).

With ``GRPOTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits, sampled_batch_memory
from alignzoo.config.ranges import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    FieldRanges,
    at_least,
    check_config_ranges,
)
from alignzoo.config.schema import SamplingConfig, TrainConfig
from alignzoo.errors import ConfigError


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
    #: mean over every token of the step (TRL's bnpo divides by each micro-batch's tokens, so
    #: its gradient changes with the micro-batch size; here it equals dapo in one process)
    bnpo = "bnpo"
    #: sum over tokens / (completions x max_new_tokens), a constant (Dr. GRPO, Liu et al. 2025)
    dr_grpo = "dr_grpo"
    #: REINFORCE with capped, detached importance weights, DAPO-normalised (MiniMax-M1 2025);
    #: the cap is ``cispo_max_weight``
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
    #: clip range of the ratio, [1 - epsilon_low, 1 + epsilon_high] (DAPO: high 0.28); cispo
    #: reads neither
    epsilon_low: float = 0.2
    epsilon_high: float = 0.2
    #: cispo's cap on the importance weight, the cap itself: ScaleRL's epsilon_max (5 is its
    #: and TRL's recommendation; TRL reads its ``epsilon_high`` as this cap under cispo),
    #: MiniMax-M1's 1 + eps_high
    cispo_max_weight: float = 5.0
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
        "cispo_max_weight": POSITIVE,
        "beta": NON_NEGATIVE,
        "num_iterations": COUNT,
    }

    def __post_init__(self) -> None:
        """A nonsense value, or sequence-level ratios with a token-level aggregation, fails
        here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")
        if self.importance_sampling_level is ImportanceLevel.sequence and (
            self.loss_type is not LossType.grpo
        ):
            # every token of a sequence has its sequence's ratio: a token mean would count a
            # sequence once per token, so long sequences weigh more (GSPO averages sequences)
            raise ConfigError(
                "algorithm.importance_sampling_level=sequence (GSPO) takes the mean over "
                f"sequences: set algorithm.loss_type=grpo, not {self.loss_type.value} (a token "
                "mean would weigh each sequence by its length)"
            )


class GRPOTraits(AlgorithmTraits):
    """GRPOAlgorithm's class-level facts."""

    consumes = "prompts"

    @classmethod
    def needs_reference_for(cls, config: GRPOConfig) -> bool:
        """Only a KL term (``beta`` > 0) reads the reference."""
        return config.beta != 0

    @classmethod
    def memory_traits(
        cls, config: GRPOConfig, train: TrainConfig, hidden_size: int
    ) -> MemoryTraits:
        """G completions of every prompt sampled at once; scored without gradients; updated in
        micro-batches of completions."""
        return sampled_batch_memory(
            train.batch_size * config.num_generations,
            train,
            config.rollout.max_new_tokens,
            scored_without_grad=bool(config.beta) or config.num_iterations > 1,
        )

"""The typed config of ``algorithm=reinforce_pp``; every field is an override.

With ``ReinforcePPTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from alignzoo.algorithms.kl_estimator import KLEstimator
from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits, sampled_batch_memory
from alignzoo.config.ranges import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    UNIT_INTERVAL,
    FieldRanges,
    config_problems,
    optional,
    raise_problems,
)
from alignzoo.config.schema import SamplingConfig, TrainConfig


class Baseline(StrEnum):
    """What is subtracted from each completion's score before the KL-shaped returns."""

    #: nothing: REINFORCE++ (the global normalisation centres the returns)
    none = "none"
    #: the mean score of the prompt's samples: REINFORCE++-baseline (needs samples_per_prompt > 1)
    group = "group"


@dataclass
class ReinforcePPConfig:
    """REINFORCE++ (Hu et al. 2025): REINFORCE with PPO's tricks and no value model."""

    rollout: SamplingConfig = field(default_factory=SamplingConfig)
    #: completions sampled per prompt (1: REINFORCE++; more, with baseline=group)
    samples_per_prompt: int = 1
    baseline: Baseline = Baseline.none
    #: beta of the per-token KL penalty in the reward, and its estimator
    kl_coef: float = 0.05
    kl_estimator: KLEstimator = KLEstimator.k1
    #: clamp each token's KL estimate to [-kl_clamp, kl_clamp] (OpenRLHF: 10; None: off)
    kl_clamp: float | None = None
    #: discount of the returns G_t = sum_s gamma^(s-t) r_s
    gamma: float = 1.0
    #: clipping of the ratio pi/pi_old
    cliprange: float = 0.2
    #: passes over each rollout, and mini-batches per pass (one optimizer step each)
    epochs: int = 1
    num_minibatches: int = 2

    field_ranges: ClassVar[FieldRanges] = {
        "samples_per_prompt": COUNT,
        "kl_coef": NON_NEGATIVE,
        "kl_clamp": optional(POSITIVE),
        "gamma": UNIT_INTERVAL,
        "cliprange": POSITIVE,
        "epochs": COUNT,
        "num_minibatches": COUNT,
    }

    def __post_init__(self) -> None:
        """A nonsense value, or a group baseline without a group, fails here, naming its
        key, before any model loads."""
        problems = config_problems(self, "algorithm")
        if self.baseline == Baseline.group and self.samples_per_prompt == 1:
            problems.append(
                "algorithm.baseline=group averages a prompt's samples: set "
                "algorithm.samples_per_prompt >= 2"
            )
        if self.baseline == Baseline.group and self.gamma != 1:
            # the group mean is subtracted from whole-completion scores: a discount would
            # shrink early tokens' share of a baselined score (OpenRLHF forces gamma 1 here)
            problems.append(
                f"algorithm.baseline=group takes undiscounted returns: set algorithm.gamma=1, "
                f"not {self.gamma}"
            )
        raise_problems(problems)


class ReinforcePPTraits(AlgorithmTraits):
    """ReinforcePPAlgorithm's class-level facts."""

    consumes = "prompts"

    @classmethod
    def needs_reference_for(cls, config: ReinforcePPConfig) -> bool:
        """Only the KL penalty (``kl_coef`` > 0) reads the reference."""
        return config.kl_coef != 0

    @classmethod
    def memory_traits(
        cls, config: ReinforcePPConfig, train: TrainConfig, hidden_size: int
    ) -> MemoryTraits:
        """The whole batch sampled at once and scored without gradients, then mini-batches."""
        samples = train.batch_size * config.samples_per_prompt
        return sampled_batch_memory(
            samples,
            train,
            config.rollout.max_new_tokens,
            update_rows=max(1, samples // config.num_minibatches),
        )

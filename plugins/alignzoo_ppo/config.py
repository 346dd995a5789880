"""The typed config of ``algorithm=ppo``; every field is an override (``algorithm.kl_coef=0.1``).

With ``PPOTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from alignzoo.algorithms.kl_estimator import KLEstimator
from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.ranges import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    UNIT_INTERVAL,
    FieldRanges,
    check_config_ranges,
    optional,
)
from alignzoo.config.schema import SamplingConfig, TrainConfig


@dataclass
class PPOConfig:
    """RLHF with PPO and a KL penalty (Ziegler et al. 2019; Stiennon et al. 2020; Ouyang 2022)."""

    #: rollouts: completions sampled from the policy with ``generate`` (KV cache)
    rollout: SamplingConfig = field(default_factory=SamplingConfig)
    #: subtracted from the score of a completion that hit max_new_tokens without EOS (None: off)
    missing_eos_penalty: float | None = None
    #: scores are multiplied by this, then clipped to +-reward_clip (None: no clipping)
    reward_scale: float = 1.0
    reward_clip: float | None = None
    #: coefficient beta of the per-token KL penalty to the reference, and its estimator
    kl_coef: float = 0.05
    kl_estimator: KLEstimator = KLEstimator.k1
    #: clamp each token's KL estimate to [-kl_clamp, kl_clamp] (OpenRLHF: 10; None: off)
    kl_clamp: float | None = None
    #: adapt beta toward target_kl over horizon samples (Ziegler et al.), else keep it fixed
    adaptive_kl: bool = False
    target_kl: float = 6.0
    kl_horizon: int = 10_000
    #: GAE discount and lambda
    gamma: float = 1.0
    lam: float = 0.95
    whiten_advantages: bool = True
    #: clipping of the policy ratio and of the value update
    cliprange: float = 0.2
    cliprange_value: float = 0.2
    vf_coef: float = 0.1
    entropy_coef: float = 0.0
    #: passes over each rollout batch, and mini-batches per pass
    ppo_epochs: int = 2
    num_minibatches: int = 2

    field_ranges: ClassVar[FieldRanges] = {
        "missing_eos_penalty": optional(NON_NEGATIVE),
        "reward_scale": POSITIVE,
        "reward_clip": optional(POSITIVE),
        "kl_coef": NON_NEGATIVE,
        "kl_clamp": optional(POSITIVE),
        "target_kl": POSITIVE,
        "kl_horizon": COUNT,
        "gamma": UNIT_INTERVAL,
        "lam": UNIT_INTERVAL,
        "cliprange": POSITIVE,
        "cliprange_value": POSITIVE,
        "vf_coef": NON_NEGATIVE,
        "ppo_epochs": COUNT,
        "num_minibatches": COUNT,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


class PPOTraits(AlgorithmTraits):
    """PPOAlgorithm's class-level facts."""

    consumes = "prompts"

    @classmethod
    def memory_traits(cls, config: PPOConfig, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """Rollout of the whole batch (KV cache), its no-grad scoring, mini-batch updates."""
        minibatch = max(1, train.batch_size // config.num_minibatches)
        return MemoryTraits(
            train_rows=min(train.micro_batch_size or minibatch, minibatch),
            no_grad_rows=train.batch_size,
            no_grad_keeps_hidden_states=True,
            rollout_rows=train.batch_size,
            rollout_new_tokens=config.rollout.max_new_tokens,
            extra_trainable=hidden_size + 1,
        )

"""The typed config of ``algorithm=reinforce_pp``; every field is an override."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from alignzoo.algorithms.kl import KLEstimator
from alignzoo.config.schema import SamplingConfig


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
    #: discount of the returns G_t = sum_s gamma^(s-t) r_s
    gamma: float = 1.0
    #: clipping of the ratio pi/pi_old
    cliprange: float = 0.2
    #: passes over each rollout, and mini-batches per pass (one optimizer step each)
    epochs: int = 1
    num_minibatches: int = 2

"""The typed config of ``algorithm=rejection_sampling``.

With ``RejectionSamplingTraits``: what the planner and the runner know of it before building
it. Both import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.ranges import COUNT, FieldRanges, check_config_ranges
from alignzoo.config.schema import SamplingConfig, TrainConfig


@dataclass
class RejectionSamplingConfig:
    """RAFT (Dong et al. 2023): fine-tune on the best of n samples of each prompt, every step.

    ``train.batch_size`` counts prompts; each step samples ``n`` of each.
    """

    rollout: SamplingConfig = field(default_factory=SamplingConfig)
    #: samples drawn per prompt; the training reward keeps the best for the fine-tuning step
    n: int = 4
    #: keep a prompt's best only when it scores at least this (None: always keep it). With a
    #: verifiable reward, 1 trains on correct answers only (rejection-sampling fine-tuning as
    #: STaR and RFT do); keeping a best that is wrong teaches the wrong answer
    min_score: float | None = None

    field_ranges: ClassVar[FieldRanges] = {"n": COUNT}

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


class RejectionSamplingTraits(AlgorithmTraits):
    """RejectionSamplingAlgorithm's class-level facts."""

    consumes = "prompts"
    needs_reference = False

    @classmethod
    def memory_traits(
        cls, config: RejectionSamplingConfig, train: TrainConfig, hidden_size: int
    ) -> MemoryTraits:
        """n samples of every prompt at once; the step trains on one row per prompt."""
        return MemoryTraits(
            train_rows=min(train.micro_batch_size or train.batch_size, train.batch_size),
            no_grad_rows=0,
            rollout_rows=train.batch_size * config.n,
            rollout_new_tokens=config.rollout.max_new_tokens,
        )

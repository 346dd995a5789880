"""What the planner and the runner know of rejection sampling before building it
(torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_rejection_sampling.config import RejectionSamplingConfig


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

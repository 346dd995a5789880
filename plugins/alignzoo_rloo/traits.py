"""What the planner and the runner know of RLOO before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_rloo.config import RLOOConfig


class RLOOTraits(AlgorithmTraits):
    """RLOOAlgorithm's class-level facts."""

    consumes = "prompts"

    @classmethod
    def needs_reference_for(cls, config: RLOOConfig) -> bool:
        """Only the KL penalty (``beta`` > 0) reads the reference."""
        return config.beta != 0

    @classmethod
    def memory_traits(
        cls, config: RLOOConfig, train: TrainConfig, hidden_size: int
    ) -> MemoryTraits:
        """k completions of every prompt sampled at once, scored without gradients (policy and
        reference, for the KL), updated in micro-batches of completions."""
        rows = train.batch_size * config.num_generations
        return MemoryTraits(
            train_rows=min(train.micro_batch_size or rows, rows),
            no_grad_rows=rows if config.beta else 0,
            rollout_rows=rows,
            rollout_new_tokens=config.rollout.max_new_tokens,
        )

"""What the planner and the runner know of GRPO before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_grpo.config import GRPOConfig


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
        rows = train.batch_size * config.num_generations
        return MemoryTraits(
            train_rows=min(train.micro_batch_size or rows, rows),
            no_grad_rows=rows if config.beta or config.num_iterations > 1 else 0,
            rollout_rows=rows,
            rollout_new_tokens=config.rollout.max_new_tokens,
        )

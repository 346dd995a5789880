"""What the planner and the runner know of REINFORCE++ before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_reinforce_pp.config import ReinforcePPConfig


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
        rows = train.batch_size * config.samples_per_prompt
        minibatch = max(1, rows // config.num_minibatches)
        return MemoryTraits(
            train_rows=min(train.micro_batch_size or minibatch, minibatch),
            no_grad_rows=rows,
            rollout_rows=rows,
            rollout_new_tokens=config.rollout.max_new_tokens,
        )

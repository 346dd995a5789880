"""What the planner and the runner know of online DPO before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import (
    AlgorithmTraits,
    MemoryTraits,
    required_registry,
    step_memory,
)
from alignzoo.config.schema import TrainConfig
from alignzoo.registry import PluginRegistry
from alignzoo_online_dpo.config import DPO, OnlineDPOConfig


class OnlineDPOTraits(AlgorithmTraits):
    """OnlineDPOAlgorithm's class-level facts."""

    consumes = "prompts"

    @classmethod
    def memory_traits(
        cls,
        config: OnlineDPOConfig,
        train: TrainConfig,
        hidden_size: int,
        registry: PluginRegistry | None = None,
    ) -> MemoryTraits:
        """Two samples per prompt at once, then DPO's step (reference scored as it comes)."""
        dpo, dpo_config = required_registry(registry).required_algorithm(config.dpo, DPO)
        step = step_memory(dpo.traits, dpo_config, train, hidden_size, registry)
        rows = 2 * train.batch_size
        return MemoryTraits(
            train_rows=step.train_rows,
            no_grad_rows=max(step.no_grad_rows, rows),
            rollout_rows=rows,
            rollout_new_tokens=config.rollout.max_new_tokens,
        )

"""What the planner and the runner know of KTO before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_kto.config import KTOConfig


class KTOTraits(AlgorithmTraits):
    """KTOAlgorithm's class-level facts."""

    consumes = "feedback"

    @classmethod
    def memory_traits(cls, config: KTOConfig, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """A row per example; the reference and the mismatched rows scored without gradients."""
        rows = train.micro_batch_size or train.batch_size
        return MemoryTraits(train_rows=rows, no_grad_rows=2 * train.batch_size)

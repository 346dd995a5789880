"""What the planner and the runner know of SimPO before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_simpo.config import SimPOConfig


class SimPOTraits(AlgorithmTraits):
    """SimPOAlgorithm's class-level facts."""

    consumes = "pairs"
    needs_reference = False

    @classmethod
    def memory_traits(
        cls, config: SimPOConfig, train: TrainConfig, hidden_size: int
    ) -> MemoryTraits:
        """Chosen and rejected rows of a micro-batch; nothing scored without gradients."""
        return MemoryTraits(train_rows=2 * (train.micro_batch_size or train.batch_size))

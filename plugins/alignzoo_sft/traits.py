"""What the planner and the runner know of SFT before building it (torch-free)."""

from __future__ import annotations

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig
from alignzoo_sft.config import SFTConfig


class SFTTraits(AlgorithmTraits):
    """SFTAlgorithm's class-level facts."""

    consumes = "pairs"
    needs_reference = False
    compares_pairs = False  # it learns the chosen completion alone

    @classmethod
    def memory_traits(cls, config: SFTConfig, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """One row per pair (the chosen completion)."""
        return MemoryTraits(train_rows=train.micro_batch_size or train.batch_size)

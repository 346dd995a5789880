"""The typed config of ``algorithm=sft``.

With ``SFTTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.schema import TrainConfig


@dataclass
class SFTConfig:
    """Supervised fine-tuning on the chosen completions of preference pairs."""

    #: the loss covers completion tokens only (the prompt conditions, it is not learnt);
    #: False learns the prompt's tokens too
    completion_only: bool = True
    #: pack several examples into each row of ``model.max_length`` tokens (less padding, fewer
    #: rows); each example still attends to itself only, so the loss is the unpacked one
    packing: bool = False


class SFTTraits(AlgorithmTraits):
    """SFTAlgorithm's class-level facts."""

    consumes = "pairs"
    needs_reference = False
    compares_pairs = False  # it learns the chosen completion alone

    @classmethod
    def memory_traits(cls, config: SFTConfig, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """One row per pair (the chosen completion)."""
        return MemoryTraits(train_rows=train.micro_batch_size or train.batch_size)

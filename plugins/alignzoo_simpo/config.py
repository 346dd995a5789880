"""The typed config of ``algorithm=simpo``: every field is an override (``algorithm.gamma=1``).

With ``SimPOTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alignzoo.algorithms.sft_term import SFTNormalization
from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.ranges import NON_NEGATIVE, POSITIVE, FieldRanges, check_config_ranges
from alignzoo.config.schema import TrainConfig


@dataclass
class SimPOConfig:
    """SimPO (Meng et al. 2024): a reference-free, length-normalised preference loss."""

    #: scale of the implicit reward beta/|y| log pi(y|x) (the paper uses 2.0-2.5)
    beta: float = 2.0
    #: target reward margin gamma: chosen must beat rejected by this much (paper: 0.5-1.6)
    gamma: float = 1.0
    #: weight of an SFT term on the chosen completion (CPO-SimPO; 0: off)
    sft_weight: float = 0.0
    #: that term's average: per token of each chosen completion, then over pairs
    #: (``completion``: each pair weighs the same) or over every chosen token of the step
    #: (``token``, TRL's CPO ``cpo_alpha`` term: long answers weigh more)
    sft_normalization: SFTNormalization = SFTNormalization.completion

    field_ranges: ClassVar[FieldRanges] = {
        "beta": POSITIVE,
        "gamma": NON_NEGATIVE,
        "sft_weight": NON_NEGATIVE,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


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

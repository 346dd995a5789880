"""The typed config of ``algorithm=kto``: every field is an override (``algorithm.beta=0.2``).

With ``KTOTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alignzoo.algorithms.traits import AlgorithmTraits, MemoryTraits
from alignzoo.config.ranges import NON_NEGATIVE, POSITIVE, FieldRanges, check_config_ranges
from alignzoo.config.schema import TrainConfig


@dataclass
class KTOConfig:
    """KTO (Ethayarajh et al. 2024): prospect-theoretic alignment on thumbs-up/down feedback."""

    #: risk aversion of the value function: higher keeps the policy closer to the reference
    beta: float = 0.1
    #: lambda_D and lambda_U: the weights of desirable and undesirable examples (the paper
    #: asks for lambda_D n_D / (lambda_U n_U) in [1, 4/3])
    desirable_weight: float = 1.0
    undesirable_weight: float = 1.0

    field_ranges: ClassVar[FieldRanges] = {
        "beta": POSITIVE,
        "desirable_weight": NON_NEGATIVE,
        "undesirable_weight": NON_NEGATIVE,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


class KTOTraits(AlgorithmTraits):
    """KTOAlgorithm's class-level facts."""

    consumes = "feedback"

    @classmethod
    def memory_traits(cls, config: KTOConfig, train: TrainConfig, hidden_size: int) -> MemoryTraits:
        """A row per example; the reference and the mismatched rows scored without gradients."""
        rows = train.micro_batch_size or train.batch_size
        return MemoryTraits(train_rows=rows, no_grad_rows=2 * train.batch_size)

"""The typed config of ``algorithm=kto``: every field is an override (``algorithm.beta=0.2``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alignzoo.config.ranges import NON_NEGATIVE, POSITIVE, FieldRanges, check_config_ranges


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

"""The typed config of ``algorithm=best_of_n``.

With ``BestOfNTraits``: what the planner and the runner know of it before building it. Both
import no torch, so registering and ``alignzoo-plan`` stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alignzoo.algorithms.traits import AlgorithmTraits
from alignzoo.config.ranges import COUNT, FieldRanges, check_config_ranges


@dataclass
class BestOfNConfig:
    """Best-of-n sampling from the reference, picked by the training reward (no training)."""

    #: samples drawn per held-out prompt; the training reward keeps the best
    n: int = 16

    field_ranges: ClassVar[FieldRanges] = {"n": COUNT}

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")


class BestOfNTraits(AlgorithmTraits):
    """BestOfNAlgorithm's class-level facts."""

    consumes = "prompts"
    needs_reference = False  # it samples from the untrained policy: the reference itself
    trains = False  # the runner evaluates it once and takes no step

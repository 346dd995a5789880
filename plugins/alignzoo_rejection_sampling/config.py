"""The typed config of ``algorithm=rejection_sampling``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from alignzoo.config.ranges import COUNT, FieldRanges, check_config_ranges
from alignzoo.config.schema import SamplingConfig


@dataclass
class RejectionSamplingConfig:
    """RAFT (Dong et al. 2023): fine-tune on the best of n samples of each prompt, every step.

    ``train.batch_size`` counts prompts; each step samples ``n`` of each.
    """

    rollout: SamplingConfig = field(default_factory=SamplingConfig)
    #: samples drawn per prompt; the training reward keeps the best for the fine-tuning step
    n: int = 4

    field_ranges: ClassVar[FieldRanges] = {"n": COUNT}

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")

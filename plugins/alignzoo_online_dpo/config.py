"""The typed config of ``algorithm=online_dpo``: sampling, and the DPO loss it steps with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alignzoo.config.ranges import check_config_ranges
from alignzoo.config.schema import SamplingConfig

#: the algorithm whose step learns from the labelled pairs, reached through the registry
#: (here, not in ``algorithm.py``, so that registering imports no torch)
DPO = "dpo"


@dataclass
class OnlineDPOConfig:
    """Online DPO (Guo et al. 2024, "Direct Language Model Alignment from Online AI Feedback").

    ``algorithm.rollout.*`` configures the sampling, ``algorithm.dpo.*`` the DPO step: the DPO
    plugin's own config (any of its losses), which the registry types once plugins have loaded
    (None: DPO's defaults). ``train.batch_size`` counts prompts, two completions each.
    """

    rollout: SamplingConfig = field(default_factory=SamplingConfig)
    dpo: Any = None

    def __post_init__(self) -> None:
        """A nonsense sampling value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")

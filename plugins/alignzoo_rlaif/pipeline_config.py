"""The typed config of ``algorithm=rlaif``: a judge labels the pairs, DPO learns from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alignzoo.config.ranges import check_config_ranges
from alignzoo_rlaif.config import LocalJudgeConfig

#: the algorithm that learns from the judge's labels, reached through the registry (here,
#: not in ``pipeline.py``, so that registering imports no torch)
DPO = "dpo"


@dataclass
class RLAIFConfig:
    """AI-labelled preferences (Lee et al. 2023) optimised with DPO.

    ``algorithm.judge.*`` configures the labeller, ``algorithm.dpo.*`` the optimizer: the DPO
    plugin's own config, which the registry types this field with once plugins have loaded
    (None: DPO's defaults).
    """

    judge: LocalJudgeConfig = field(default_factory=LocalJudgeConfig)
    dpo: Any = None

    def __post_init__(self) -> None:
        """A nonsense judge value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "algorithm")

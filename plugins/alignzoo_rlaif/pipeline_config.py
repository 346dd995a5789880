"""The typed config of ``algorithm=rlaif``: a judge labels the pairs, DPO learns from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from alignzoo_dpo.config import DPOConfig
from alignzoo_rlaif.config import LocalJudgeConfig


@dataclass
class RLAIFConfig:
    """AI-labelled preferences (Lee et al. 2023) optimised with DPO.

    ``algorithm.judge.*`` configures the labeller, ``algorithm.dpo.*`` the optimizer.
    """

    judge: LocalJudgeConfig = field(default_factory=LocalJudgeConfig)
    dpo: DPOConfig = field(default_factory=DPOConfig)

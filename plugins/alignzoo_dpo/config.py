"""The typed config of ``algorithm=dpo``: every field is an override (``algorithm.beta=0.5``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from alignzoo_dpo.loss import LOSSES

#: the loss variants by config name; an Enum so Hydra rejects an unknown name at compose time
LossName = Enum("LossName", {name: name for name in LOSSES}, type=str)  # type: ignore[misc]


@dataclass
class DPOConfig:
    """Direct Preference Optimization and its loss variants."""

    #: strength of the KL constraint: higher keeps the policy closer to the reference
    beta: float = 0.1
    #: sigmoid (DPO), cdpo, robust, ipo or hinge
    loss: LossName = LossName["sigmoid"]
    #: assumed label-flip rate, for cdpo and robust only
    label_smoothing: float = 0.0
    #: compute reference log-probs once before training instead of at every step
    precompute_reference: bool = True
    #: score chosen and rejected in one forward pass of 2B rows instead of two passes
    concatenated_forward: bool = True

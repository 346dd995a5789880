"""The typed config of ``algorithm=kto``: every field is an override (``algorithm.beta=0.2``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class KTOConfig:
    """KTO (Ethayarajh et al. 2024): prospect-theoretic alignment on thumbs-up/down feedback."""

    #: risk aversion of the value function: higher keeps the policy closer to the reference
    beta: float = 0.1
    #: lambda_D and lambda_U: the weights of desirable and undesirable examples (the paper
    #: asks for lambda_D n_D / (lambda_U n_U) in [1, 4/3])
    desirable_weight: float = 1.0
    undesirable_weight: float = 1.0

"""Typed configs: every field is an override (``algorithm.lam=0.5``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ORPOConfig:
    """Odds-ratio preference optimisation (Hong et al. 2024): SFT plus an odds-ratio term."""

    #: weight lambda of the odds-ratio term beside the chosen responses' NLL
    lam: float = 0.1

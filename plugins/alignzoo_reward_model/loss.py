"""The Bradley-Terry loss of reward modelling (Christiano et al. 2017; Stiennon et al. 2020)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bradley_terry_loss(
    chosen_rewards: torch.Tensor,
    rejected_rewards: torch.Tensor,
    margin: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """-log sigmoid(r(chosen) - r(rejected) - margin), per pair.

    Under Bradley-Terry, p(chosen > rejected) = sigmoid(r_c - r_r); this is its negative
    log-likelihood. A margin (one for all, or one per pair) asks for a gap before the loss is
    small (Llama 2's variant).
    """
    return -F.logsigmoid(chosen_rewards - rejected_rewards - margin)


def centering_penalty(chosen_rewards: torch.Tensor, rejected_rewards: torch.Tensor) -> torch.Tensor:
    """(r_c + r_r)^2 per pair: zero when the pair's two rewards are centred on zero
    (Eisenstein et al. 2023, "Helping or Herding?", the auxiliary loss TRL adds)."""
    return (chosen_rewards + rejected_rewards) ** 2

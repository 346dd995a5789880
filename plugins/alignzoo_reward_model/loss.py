"""The Bradley-Terry loss of reward modelling (Christiano et al. 2017; Stiennon et al. 2020)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bradley_terry_loss(
    chosen_rewards: torch.Tensor, rejected_rewards: torch.Tensor, margin: float = 0.0
) -> torch.Tensor:
    """-log sigmoid(r(chosen) - r(rejected) - margin), per pair.

    Under Bradley-Terry, p(chosen > rejected) = sigmoid(r_c - r_r); this is its negative
    log-likelihood. A margin asks for a gap before the loss is small (Llama 2's variant).
    """
    return -F.logsigmoid(chosen_rewards - rejected_rewards - margin)

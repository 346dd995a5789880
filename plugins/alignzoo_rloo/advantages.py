"""RLOO's baseline: for each of k samples of a prompt, the mean reward of the other k - 1."""

from __future__ import annotations

import torch


def leave_one_out_advantages(rewards: torch.Tensor, k: int) -> torch.Tensor:
    """A_i = R_i - 1/(k-1) sum_{j != i} R_j over each prompt's k samples (Ahmadian et al. 2024,
    eq. 6); ``rewards`` holds contiguous groups of ``k`` (the rollout engine's order). [N]."""
    grouped = rewards.view(-1, k)
    others = (grouped.sum(dim=1, keepdim=True) - grouped) / (k - 1)
    return (grouped - others).view(-1)

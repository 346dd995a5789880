"""Best-of-n: of each prompt's n samples, the one the reward scores highest; and what it costs
in KL, which is known in closed form."""

from __future__ import annotations

import math

import torch


def best_of_groups(scores: torch.Tensor, n: int) -> torch.Tensor:
    """Row index of the best-scored of each contiguous group of ``n`` rows (the first of ties);
    one per group, [N / n]."""
    grouped = scores.view(-1, n)
    return grouped.argmax(dim=1) + torch.arange(0, len(scores), n, device=scores.device)


def best_of_n_kl(n: int) -> float:
    """KL(best-of-n || reference) = log n - (n - 1) / n nats (Stiennon et al. 2020, App. G.3;
    the DPO paper's Figure 2 baseline), exact for a reward without ties."""
    return math.log(n) - (n - 1) / n

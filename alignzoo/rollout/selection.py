"""The best of each prompt's n samples, shared by best-of-n (evaluated) and rejection sampling
(trained on): what two plugins need as code lives in the core."""

from __future__ import annotations

import torch


def best_of_groups(scores: torch.Tensor, n: int) -> torch.Tensor:
    """Row index of the best-scored of each contiguous group of ``n`` rows (the first of ties);
    one per group, [N / n]."""
    grouped = scores.view(-1, n)
    return grouped.argmax(dim=1) + torch.arange(0, len(scores), n, device=scores.device)

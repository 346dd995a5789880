"""Generalised advantage estimation (Schulman et al. 2016) over completion tokens."""

from __future__ import annotations

import torch


def generalized_advantages(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE (Schulman et al. 2016): A_t = sum_l (gamma lam)^l delta_{t+l}, returns R_t = A_t + V_t.

    delta_t = r_t + gamma V_{t+1} - V_t. All tensors are [B, T] over token positions; positions
    where ``mask`` is 0 carry no reward and no value, so each completion ends at its last token.
    """
    rewards, values = rewards * mask, values * mask
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        next_value = values[:, t + 1] if t + 1 < rewards.shape[1] else torch.zeros_like(running)
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = delta + gamma * lam * running
        advantages[:, t] = running
    advantages = advantages * mask
    return advantages, (advantages + values) * mask

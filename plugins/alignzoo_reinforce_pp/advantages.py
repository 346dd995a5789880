"""REINFORCE++'s advantage: KL-shaped returns, normalised over the whole batch's tokens."""

from __future__ import annotations

import torch

from alignzoo.algorithms.masked import whiten


def discounted_returns(rewards: torch.Tensor, mask: torch.Tensor, gamma: float) -> torch.Tensor:
    """G_t = sum_{s >= t} gamma^(s-t) r_s over each completion's tokens; [N, T-1]."""
    rewards = rewards * mask
    returns = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        running = rewards[:, t] + gamma * running
        returns[:, t] = running
    return returns * mask


def global_normalized_advantages(
    rewards: torch.Tensor, mask: torch.Tensor, gamma: float
) -> torch.Tensor:
    """A_t = (G_t - mean G) / std G, mean and std over every token of the batch (Hu et al.
    2025, eq. 8): one normalisation for all prompts, not one per prompt as in GRPO."""
    return whiten(discounted_returns(rewards, mask, gamma), mask)

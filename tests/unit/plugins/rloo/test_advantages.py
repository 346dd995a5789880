"""RLOO's leave-one-out baseline and its REINFORCE loss, on hand-computed numbers."""

from __future__ import annotations

import torch

from alignzoo_rloo.advantages import leave_one_out_advantages


def test_each_sample_is_baselined_by_the_mean_of_the_others() -> None:
    # prompt 1: rewards 1, 2, 6 -> baselines (2+6)/2=4, (1+6)/2=3.5, (1+2)/2=1.5
    # prompt 2: rewards 0, 0, 3 -> baselines 1.5, 1.5, 0
    rewards = torch.tensor([1.0, 2.0, 6.0, 0.0, 0.0, 3.0])
    advantages = leave_one_out_advantages(rewards, k=3)
    torch.testing.assert_close(advantages, torch.tensor([-3.0, -1.5, 4.5, -1.5, -1.5, 3.0]))


def test_with_two_samples_the_advantages_are_the_reward_difference() -> None:
    advantages = leave_one_out_advantages(torch.tensor([0.2, 0.9]), k=2)
    torch.testing.assert_close(advantages, torch.tensor([-0.7, 0.7]))


def test_leave_one_out_is_the_group_mean_scaled_by_k_over_k_minus_1() -> None:
    rewards = torch.randn(4 * 5)
    grouped = rewards.view(-1, 5)
    centred = (grouped - grouped.mean(dim=1, keepdim=True)).view(-1)
    torch.testing.assert_close(leave_one_out_advantages(rewards, 5), centred * 5 / 4)

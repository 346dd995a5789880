"""REINFORCE++'s KL-shaped returns and their normalisation over the whole batch."""

from __future__ import annotations

import torch

from alignzoo.algorithms.kl import kl_penalised_rewards
from alignzoo_reinforce_pp.advantages import discounted_returns, global_normalized_advantages

MASK = torch.tensor([[0.0, 1.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0]])


def test_the_score_lands_on_the_last_token_and_the_kl_on_every_token() -> None:
    kl = torch.tensor([[9.0, 1.0, 2.0, 3.0], [9.0, 9.0, 4.0, 9.0]])
    rewards = kl_penalised_rewards(torch.tensor([1.0, 2.0]), kl, MASK, beta=0.5)
    expected = torch.tensor([[0.0, -0.5, -1.0, -1.5 + 1.0], [0.0, 0.0, -2.0 + 2.0, 0.0]])
    torch.testing.assert_close(rewards, expected)


def test_returns_sum_the_rewards_to_come() -> None:
    rewards = torch.tensor([[0.0, -0.5, -1.0, -0.5], [0.0, 0.0, 0.0, 0.0]])
    torch.testing.assert_close(
        discounted_returns(rewards, MASK, gamma=1.0),
        torch.tensor([[0.0, -2.0, -1.5, -0.5], [0.0, 0.0, 0.0, 0.0]]),
    )
    # gamma 0.5: -0.5 + 0.5 (-1 + 0.5 (-0.5)) = -1.125
    torch.testing.assert_close(
        discounted_returns(rewards, MASK, gamma=0.5)[0], torch.tensor([0.0, -1.125, -1.25, -0.5])
    )


def test_advantages_are_normalised_over_every_token_of_the_batch() -> None:
    rewards = torch.tensor([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 3.0, 0.0]])
    # returns at the 4 masked tokens: 1, 1, 1 (row 1) and 3 (row 2): mean 1.5, pop. std
    # sqrt(((3 x 0.25) + 2.25) / 4) = sqrt(0.75)
    advantages = global_normalized_advantages(rewards, MASK, gamma=1.0)
    std = 0.75**0.5
    expected = torch.tensor([[0.0, -0.5 / std, -0.5 / std, -0.5 / std], [0.0, 0.0, 1.5 / std, 0.0]])
    torch.testing.assert_close(advantages, expected, rtol=1e-4, atol=1e-4)
    # one normalisation for the batch: the second row is not normalised on its own (-> 0)
    assert advantages[1, 2] > 1.0

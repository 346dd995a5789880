"""GAE and masked statistics against hand-computed values."""

from __future__ import annotations

import pytest
import torch

from alignzoo.algorithms.masked import masked_mean, masked_var, whiten
from alignzoo_ppo.advantages import generalized_advantages


def test_gae_matches_a_hand_computed_example() -> None:
    # one completion of 3 tokens after 1 prompt position; gamma=0.9, lambda=0.5
    rewards = torch.tensor([[0.0, 0.1, -0.2, 1.0]])
    values = torch.tensor([[9.0, 0.5, 0.4, 0.3]])  # the prompt position's value is ignored
    mask = torch.tensor([[0.0, 1.0, 1.0, 1.0]])
    gamma, lam = 0.9, 0.5
    # deltas: d3 = 1.0 - 0.3 = 0.7 (terminal); d2 = -0.2 + 0.9*0.3 - 0.4 = -0.33;
    #         d1 = 0.1 + 0.9*0.4 - 0.5 = -0.04
    a3 = 0.7
    a2 = -0.33 + gamma * lam * a3  # = -0.015
    a1 = -0.04 + gamma * lam * a2  # = -0.04675
    advantages, returns = generalized_advantages(rewards, values, mask, gamma, lam)
    torch.testing.assert_close(advantages, torch.tensor([[0.0, a1, a2, a3]]))
    torch.testing.assert_close(returns, torch.tensor([[0.0, a1 + 0.5, a2 + 0.4, a3 + 0.3]]))


def test_gae_with_lambda_one_and_gamma_one_is_reward_to_go_minus_value() -> None:
    rewards = torch.tensor([[0.5, 0.0, 2.0, 0.0]])
    values = torch.tensor([[0.1, 0.2, 0.3, 7.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0]])  # the last position is padding after EOS
    advantages, returns = generalized_advantages(rewards, values, mask, gamma=1.0, lam=1.0)
    torch.testing.assert_close(returns, torch.tensor([[2.5, 2.0, 2.0, 0.0]]))
    torch.testing.assert_close(advantages, torch.tensor([[2.4, 1.8, 1.7, 0.0]]))


def test_rows_are_independent() -> None:
    rewards = torch.tensor([[0.0, 1.0], [5.0, -1.0]])
    values = torch.tensor([[0.2, 0.1], [0.0, 0.4]])
    mask = torch.ones(2, 2)
    both, _ = generalized_advantages(rewards, values, mask, 0.95, 0.9)
    first, _ = generalized_advantages(rewards[:1], values[:1], mask[:1], 0.95, 0.9)
    torch.testing.assert_close(both[:1], first)


def test_masked_statistics_ignore_masked_entries() -> None:
    values = torch.tensor([[1.0, 3.0, 100.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    assert masked_mean(values, mask).item() == pytest.approx(2.0)
    assert masked_var(values, mask).item() == pytest.approx(1.0)
    white = whiten(values, mask)
    torch.testing.assert_close(white, torch.tensor([[-1.0, 1.0, 0.0]]), atol=1e-4, rtol=0)

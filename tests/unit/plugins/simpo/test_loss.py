"""SimPO's loss on hand-computed values."""

from __future__ import annotations

import math

import torch

from alignzoo_simpo.loss import simpo_loss


def test_simpo_loss_is_a_margin_logistic_loss_on_average_log_probs() -> None:
    chosen, rejected = torch.tensor([-1.0, -2.0]), torch.tensor([-2.0, -1.0])
    # beta 2, gamma 1: -log sigmoid(2 x 1 - 1) and -log sigmoid(2 x (-1) - 1)
    expected = [math.log1p(math.exp(-1.0)), math.log1p(math.exp(3.0))]
    torch.testing.assert_close(simpo_loss(chosen, rejected, 2.0, 1.0), torch.tensor(expected))
    # the margin asks for a gap: equal rewards still cost -log sigmoid(-gamma)
    tie = simpo_loss(torch.tensor([-1.0]), torch.tensor([-1.0]), 2.0, 1.0)
    torch.testing.assert_close(tie, torch.tensor([math.log1p(math.exp(1.0))]))

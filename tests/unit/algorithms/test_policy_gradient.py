"""The clipped surrogate on hand-computed ratios and advantages."""

from __future__ import annotations

import torch

from alignzoo.algorithms.policy_gradient import clipped_surrogate


def test_the_clipped_surrogate_uses_the_asymmetric_clip() -> None:
    log_ratio = torch.log(torch.tensor([[1.5, 0.5]]))
    out = clipped_surrogate(log_ratio, torch.tensor([[1.0]]), epsilon_low=0.2, epsilon_high=0.28)
    # A > 0: min(1.5, 1.28) = 1.28 (clipped); min(0.5, 0.8) = 0.5 (not clipped)
    torch.testing.assert_close(out.losses, torch.tensor([[-1.28, -0.5]]))
    assert out.clipped.tolist() == [[True, False]]
    negative = clipped_surrogate(log_ratio, torch.tensor([[-2.0]]), 0.2, 0.28)
    # A < 0: min(-3, -2.56) = -3 (not clipped); min(-1, -1.6) = -1.6 (clipped at 0.8)
    torch.testing.assert_close(negative.losses, torch.tensor([[3.0, 1.6]]))
    assert negative.clipped.tolist() == [[False, True]]


def test_a_symmetric_clip_by_default_and_per_token_advantages() -> None:
    log_ratio = torch.log(torch.tensor([[1.5, 1.5]]))
    out = clipped_surrogate(log_ratio, torch.tensor([[1.0, -1.0]]), epsilon_low=0.2)
    # A = 1: min(1.5, 1.2) = 1.2; A = -1: min(-1.5, -1.2) = -1.5
    torch.testing.assert_close(out.losses, torch.tensor([[-1.2, 1.5]]))

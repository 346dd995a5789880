"""KTO's value function and reference point on hand-computed values."""

from __future__ import annotations

import math

import torch

from alignzoo_kto.loss import kl_reference_point, kto_losses


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_the_reference_point_is_the_clamped_mean_drift_and_carries_no_gradient() -> None:
    drift = torch.tensor([1.0, 2.0, 6.0], requires_grad=True)
    z0 = kl_reference_point(drift)
    assert z0.item() == 3.0 and not z0.requires_grad
    assert kl_reference_point(torch.tensor([-1.0, -3.0])).item() == 0.0


def test_desirable_rows_gain_above_the_reference_point_undesirable_ones_below() -> None:
    log_ratios = torch.tensor([2.0, 2.0, -1.0])
    desirable = torch.tensor([True, False, False])
    losses = kto_losses(log_ratios, desirable, torch.tensor(0.5), 0.5, 1.0, 2.0)
    expected = [
        1.0 * (1 - sigmoid(0.5 * (2.0 - 0.5))),  # desirable: lambda_D - lambda_D s(b(r - z0))
        2.0 * (1 - sigmoid(0.5 * (0.5 - 2.0))),  # undesirable: lambda_U - lambda_U s(b(z0 - r))
        2.0 * (1 - sigmoid(0.5 * (0.5 + 1.0))),
    ]
    torch.testing.assert_close(losses, torch.tensor(expected))

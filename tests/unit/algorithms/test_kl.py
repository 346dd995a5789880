"""The KL to the reference as RL algorithms log and clamp it, on hand-computed values."""

from __future__ import annotations

import pytest
import torch

from alignzoo.algorithms.kl import clamp_kl, kl_metrics


def test_kl_is_logged_per_completion_and_per_token() -> None:
    """TRL 1.16 trl/trainer/grpo_trainer.py:3268 logs ``kl`` as the token mean over the
    batch's completion tokens (``global_masked_mean(per_token_kl)``); ``objective/kl`` sums
    each completion's tokens first."""
    kl = torch.tensor([[0.1, 0.2, 0.3, 9.0], [0.4, 0.0, 0.0, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    metrics = kl_metrics(kl, mask)
    assert metrics["objective/kl"] == pytest.approx((0.6 + 0.4) / 2)  # mean of sums
    assert metrics["objective/kl_per_token"] == pytest.approx(1.0 / 4)  # 4 tokens in all


def test_kl_clamp_bounds_each_token_both_ways_and_none_keeps_it() -> None:
    """OpenRLHF 0.11.2 openrlhf/models/utils.py:113 (``compute_approx_kl``) clamps each
    token's estimate to [-10, 10]."""
    kl = torch.tensor([-30.0, -2.0, 0.5, 12.0])
    assert clamp_kl(kl, 10.0).tolist() == [-10.0, -2.0, 0.5, 10.0]
    assert clamp_kl(kl, None) is kl

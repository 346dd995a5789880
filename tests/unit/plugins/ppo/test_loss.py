"""PPO's clipped losses, KL estimators and KL controllers against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from alignzoo.algorithms.kl import kl_k1, kl_k3
from alignzoo_ppo.kl_controller import AdaptiveKLController, FixedKLController
from alignzoo_ppo.loss import (
    clipped_policy_loss,
    clipped_value_loss,
    entropy_from_logits,
)


def test_kl_estimators_on_hand_values() -> None:
    logp, ref = torch.tensor([-1.0, -2.0]), torch.tensor([-1.5, -1.0])
    torch.testing.assert_close(kl_k1(logp, ref), torch.tensor([0.5, -1.0]))
    # k3 = (r - 1) - log r, r = exp(ref - logp)
    expected = [math.exp(-0.5) - 1 + 0.5, math.exp(1.0) - 1 - 1.0]
    torch.testing.assert_close(kl_k3(logp, ref), torch.tensor(expected))
    assert (kl_k3(torch.randn(100), torch.randn(100)) >= 0).all()


def test_clipped_policy_loss_on_hand_values() -> None:
    # ratios e^{0.5} = 1.6487 (clipped to 1.2 for A>0), e^{-0.5} = 0.6065 (clipped to 0.8 for A<0)
    old = torch.zeros(1, 3)
    new = torch.tensor([[0.5, -0.5, 0.1]])
    advantages = torch.tensor([[1.0, -2.0, 0.5]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])  # the third token is masked out
    out = clipped_policy_loss(new, old, advantages, mask, cliprange=0.2)
    # token 1: max(-1*1.6487, -1*1.2) = -1.2 (clipped binds); token 2: max(2*0.6065, 2*0.8) = 1.6
    assert out.loss.item() == pytest.approx((-1.2 + 1.6) / 2, abs=1e-5)
    assert out.clipfrac.item() == pytest.approx(1.0)
    assert out.approxkl.item() == pytest.approx(0.5 * (0.25 + 0.25) / 2)


def test_truncated_importance_weights_scale_each_tokens_term() -> None:
    """A vLLM rollout's weights (min(pi / pi_engine, cap), no gradient) multiply each
    token's surrogate term before the token mean (Yao et al. 2025; TRL's correction)."""
    old = torch.zeros(1, 3)
    new = torch.tensor([[0.5, -0.5, 0.1]])
    advantages = torch.tensor([[1.0, -2.0, 0.5]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    weights = torch.tensor([[0.5, 2.0, 0.0]])
    out = clipped_policy_loss(new, old, advantages, mask, 0.2, importance_weights=weights)
    assert out.loss.item() == pytest.approx((0.5 * -1.2 + 2.0 * 1.6) / 2, abs=1e-5)
    ones = clipped_policy_loss(new, old, advantages, mask, 0.2, importance_weights=mask)
    assert ones.loss.item() == clipped_policy_loss(new, old, advantages, mask, 0.2).loss.item()


def test_policy_loss_without_clipping_is_the_plain_surrogate() -> None:
    new = torch.tensor([[0.05, -0.05]])
    advantages = torch.tensor([[1.0, 1.0]])
    out = clipped_policy_loss(new, torch.zeros(1, 2), advantages, torch.ones(1, 2), 0.2)
    expected = -(math.exp(0.05) + math.exp(-0.05)) / 2
    assert out.loss.item() == pytest.approx(expected, abs=1e-6)
    assert out.clipfrac.item() == 0.0


def test_clipped_value_loss_on_hand_values() -> None:
    values, old = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 0.0]])
    returns = torch.tensor([[0.0, 0.5]])
    # token 1: V=1 clipped to 0.2; errors (1-0)^2=1 vs (0.2-0)^2=0.04 -> max 1, unclipped larger
    # token 2: V=0 (no move); errors 0.25 and 0.25 -> 0.25
    loss, clipfrac = clipped_value_loss(values, old, returns, torch.ones(1, 2), 0.2)
    assert loss.item() == pytest.approx(0.5 * (1.0 + 0.25) / 2)
    assert clipfrac.item() == 0.0
    # a value moving away from the return past the clip range: the clipped error dominates
    loss, clipfrac = clipped_value_loss(
        torch.tensor([[0.5]]), torch.tensor([[0.0]]), torch.tensor([[1.0]]), torch.ones(1, 1), 0.2
    )
    assert loss.item() == pytest.approx(0.5 * 0.8**2) and clipfrac.item() == 1.0


def test_entropy_of_uniform_and_peaked_logits() -> None:
    uniform = entropy_from_logits(torch.zeros(1, 4))
    assert uniform.item() == pytest.approx(math.log(4))
    assert entropy_from_logits(torch.tensor([[50.0, 0.0, 0.0]])).item() < 1e-6


def test_adaptive_controller_follows_ziegler_update() -> None:
    control = AdaptiveKLController(value=0.1, target=6.0, horizon=10_000)
    control.update(current_kl=9.0, n_steps=100)  # error = 0.5, clipped to 0.2
    assert control.value == pytest.approx(0.1 * (1 + 0.2 * 100 / 10_000))
    control.update(current_kl=5.4, n_steps=1000)  # error = -0.1
    assert control.value == pytest.approx(0.1 * 1.002 * (1 - 0.1 * 0.1))


def test_fixed_controller_stays() -> None:
    control = FixedKLController(0.05)
    control.update(current_kl=100.0, n_steps=1000)
    assert control.value == 0.05

"""Unit tests for the DPO preference-loss family, against equations evaluated with ``math``."""

from __future__ import annotations

import math

import pytest
import torch
from torch.testing import assert_close

from alignzoo_dpo.loss import (
    LOSSES,
    ConservativeDPOLoss,
    DPOLoss,
    HingeLoss,
    IPOLoss,
    PreferenceLoss,
    PreferenceLossOutput,
    RobustDPOLoss,
    make_loss,
)

# Three pairs. Log-ratios: chosen [1, 0, 1], rejected [-2, 1, -1], so margins h = [3, -1, 2].
POLICY_CHOSEN = [-10.0, -12.0, -8.0]
POLICY_REJECTED = [-14.0, -11.0, -8.0]
REFERENCE_CHOSEN = [-11.0, -12.0, -9.0]
REFERENCE_REJECTED = [-12.0, -12.0, -7.0]
MARGINS = [3.0, -1.0, 2.0]


def log_sigmoid(x: float) -> float:
    """log(1 / (1 + e^-x)) on a Python float."""
    return -math.log(1.0 + math.exp(-x))


def batch(requires_grad: bool = False) -> tuple[torch.Tensor, ...]:
    """Policy tensors (optionally requiring grad) and reference tensors (never)."""
    pc, pr = (
        torch.tensor(v, dtype=torch.float64, requires_grad=requires_grad)
        for v in (POLICY_CHOSEN, POLICY_REJECTED)
    )
    rc, rr = (torch.tensor(v, dtype=torch.float64) for v in (REFERENCE_CHOSEN, REFERENCE_REJECTED))
    return pc, pr, rc, rr


def losses_of(loss: PreferenceLoss) -> torch.Tensor:
    """Per-pair losses of ``loss`` on the fixed batch."""
    return loss(*batch()).losses


def expect(values: list[float]) -> torch.Tensor:
    """Expected values as a float64 tensor."""
    return torch.tensor(values, dtype=torch.float64)


def on_margins(h: list[float]) -> tuple[torch.Tensor, ...]:
    """A batch whose margins are exactly ``h`` (reference log-probs zero, rejected zero)."""
    pc = torch.tensor(h, dtype=torch.float64)
    zeros = torch.zeros_like(pc)
    return pc, zeros, zeros, zeros


ALL_VARIANTS = [
    DPOLoss(),
    ConservativeDPOLoss(),
    RobustDPOLoss(),
    IPOLoss(length_normalize=False),
    HingeLoss(),
]


def test_margins_of_fixed_batch() -> None:
    h = [
        (pc - rc) - (pr - rr)
        for pc, pr, rc, rr in zip(
            POLICY_CHOSEN, POLICY_REJECTED, REFERENCE_CHOSEN, REFERENCE_REJECTED, strict=True
        )
    ]
    assert h == MARGINS


def test_dpo_sigmoid_loss() -> None:
    beta = 0.1
    expected = [-log_sigmoid(beta * h) for h in MARGINS]
    # Spot check one element as a literal: log(1 + e^-0.3).
    assert expected[0] == pytest.approx(0.5543552444685271)
    assert_close(losses_of(DPOLoss(beta=beta)), expect(expected))


def test_cdpo_loss() -> None:
    beta, eps = 0.1, 0.2
    expected = [-(1 - eps) * log_sigmoid(beta * h) - eps * log_sigmoid(-beta * h) for h in MARGINS]
    assert_close(losses_of(ConservativeDPOLoss(beta=beta, label_smoothing=eps)), expect(expected))


def test_robust_dpo_loss() -> None:
    beta, eps = 0.1, 0.2
    expected = [
        (-(1 - eps) * log_sigmoid(beta * h) + eps * log_sigmoid(-beta * h)) / (1 - 2 * eps)
        for h in MARGINS
    ]
    assert_close(losses_of(RobustDPOLoss(beta=beta, label_smoothing=eps)), expect(expected))


def test_ipo_loss_on_summed_log_ratios() -> None:
    # beta = 0.5 puts the target margin 1/(2 beta) at 1: (3-1)^2, (-1-1)^2, (2-1)^2.
    assert_close(losses_of(IPOLoss(beta=0.5, length_normalize=False)), expect([4.0, 4.0, 1.0]))
    # beta = 0.1: target 5.
    assert_close(losses_of(IPOLoss(beta=0.1, length_normalize=False)), expect([4.0, 36.0, 9.0]))


def test_hinge_loss() -> None:
    # max(0, 1 - beta h): beta = 0.1 -> [0.7, 1.1, 0.8]; beta = 0.5 -> [0, 1.5, 0].
    assert_close(losses_of(HingeLoss(beta=0.1)), expect([0.7, 1.1, 0.8]))
    assert_close(losses_of(HingeLoss(beta=0.5)), expect([0.0, 1.5, 0.0]))


@pytest.mark.parametrize("loss", ALL_VARIANTS, ids=type)
def test_implicit_rewards_are_detached_beta_log_ratios(loss: PreferenceLoss) -> None:
    out = loss(*batch(requires_grad=True))
    assert isinstance(out, PreferenceLossOutput)
    # beta = 0.1 everywhere; chosen log-ratios [1, 0, 1], rejected [-2, 1, -1].
    assert_close(out.chosen_rewards, expect([0.1, 0.0, 0.1]))
    assert_close(out.rejected_rewards, expect([-0.2, 0.1, -0.1]))
    assert not out.chosen_rewards.requires_grad
    assert not out.rejected_rewards.requires_grad
    assert out.losses.shape == (3,)
    assert out.losses.requires_grad


@pytest.mark.parametrize("loss", ALL_VARIANTS, ids=type)
def test_gradients_reach_policy_not_reference(loss: PreferenceLoss) -> None:
    pc, pr, rc, rr = batch(requires_grad=True)
    loss(pc, pr, rc, rr).losses.sum().backward()
    assert pc.grad is not None and pr.grad is not None
    assert pc.grad.abs().sum() > 0
    assert rc.grad is None and rr.grad is None
    # The loss depends on the policy only through h, so the two gradients are opposite.
    assert_close(pr.grad, -pc.grad)


def test_dpo_gradient_matches_closed_form() -> None:
    # d/d(pi_c) of -log sigmoid(beta h) is -beta * sigmoid(-beta h).
    beta = 0.1
    pc, pr, rc, rr = batch(requires_grad=True)
    DPOLoss(beta=beta)(pc, pr, rc, rr).losses.sum().backward()
    expected = [-beta / (1.0 + math.exp(beta * h)) for h in MARGINS]
    assert_close(pc.grad, expect(expected))


@pytest.mark.parametrize("cls", [ConservativeDPOLoss, RobustDPOLoss])
def test_zero_label_smoothing_reduces_to_dpo(cls: type) -> None:
    assert_close(losses_of(cls(beta=0.3, label_smoothing=0.0)), losses_of(DPOLoss(beta=0.3)))


@pytest.mark.parametrize(
    "loss",
    [DPOLoss(), HingeLoss(), ConservativeDPOLoss(label_smoothing=0.1), RobustDPOLoss(0.1, 0.1)],
    ids=type,
)
def test_bigger_margin_lowers_loss(loss: PreferenceLoss) -> None:
    losses = loss(*on_margins([-4.0, -1.0, 0.0, 1.0, 4.0])).losses
    assert torch.all(losses[1:] < losses[:-1])


def test_ipo_minimum_is_at_half_inverse_beta() -> None:
    beta = 0.25  # target margin 1/(2 beta) = 2
    grid = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 6.0]
    losses = IPOLoss(beta=beta, length_normalize=False)(*on_margins(grid)).losses
    assert grid[int(losses.argmin())] == 2.0
    assert losses.min().item() == 0.0
    # Overshooting the target is penalised too, unlike sigmoid/hinge.
    assert losses[-1] > losses[3]


@pytest.mark.parametrize("cls", list(LOSSES.values()))
@pytest.mark.parametrize("beta", [0.0, -0.1])
def test_nonpositive_beta_rejected(cls: type, beta: float) -> None:
    with pytest.raises(ValueError, match="beta"):
        cls(beta=beta)


@pytest.mark.parametrize("eps", [-0.1, 0.5, 0.7])
def test_robust_label_smoothing_range(eps: float) -> None:
    with pytest.raises(ValueError, match="label_smoothing"):
        RobustDPOLoss(label_smoothing=eps)


def test_cdpo_label_smoothing_range() -> None:
    with pytest.raises(ValueError, match="label_smoothing"):
        ConservativeDPOLoss(label_smoothing=-0.1)


def test_mismatched_shapes_rejected() -> None:
    pc, pr, rc, rr = batch()
    with pytest.raises(ValueError, match="shape"):
        DPOLoss()(pc, pr[:2], rc, rr)


@pytest.mark.parametrize("name", list(LOSSES))
def test_make_loss_builds_each_variant(name: str) -> None:
    label_smoothing = {"cdpo": 0.2, "robust": 0.2, "exo_pair": 1e-3}.get(name, 0.0)
    loss = make_loss(name, beta=0.3, label_smoothing=label_smoothing)
    assert type(loss) is LOSSES[name]
    assert loss.beta == 0.3
    if name in ("cdpo", "robust"):
        assert loss.label_smoothing == 0.2


def test_make_loss_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="algorithm.loss") as info:
        make_loss("kto", beta=0.1, label_smoothing=0.0)
    for name in LOSSES:
        assert repr(name) in str(info.value)


@pytest.mark.parametrize("name", ["sigmoid", "ipo", "hinge"])
def test_make_loss_rejects_label_smoothing_for_variants_that_ignore_it(name: str) -> None:
    with pytest.raises(ValueError, match="label_smoothing.*only applies to cdpo/robust"):
        make_loss(name, beta=0.1, label_smoothing=0.1)


def test_make_loss_passes_validation_errors_through() -> None:
    with pytest.raises(ValueError, match="beta"):
        make_loss("sigmoid", beta=0.0, label_smoothing=0.0)
    with pytest.raises(ValueError, match="label_smoothing"):
        make_loss("robust", beta=0.1, label_smoothing=0.5)

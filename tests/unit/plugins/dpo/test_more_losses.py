"""The DPO losses TRL users compare, each against its equation evaluated with ``math``.

The fixed batch of test_loss.py: chosen log-ratios c = [1, 0, 1], rejected r = [-2, 1, -1],
margins h = [3, -1, 2]; completion lengths below for the per-token forms.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch.testing import assert_close

from alignzoo.errors import ConfigError
from alignzoo_dpo.config import DPOConfig
from alignzoo_dpo.loss import (
    LOSSES,
    AOTLoss,
    AOTUnpairedLoss,
    APODownLoss,
    APOZeroLoss,
    BCOPairLoss,
    DiscoPOPLoss,
    DPOLoss,
    ExoPairLoss,
    IPOLoss,
    NCAPairLoss,
    NormalizedDPOLoss,
    SFTLoss,
    SPPOHardLoss,
    WeightedLosses,
    make_loss,
)

PC, PR = [-10.0, -12.0, -8.0], [-14.0, -11.0, -8.0]
RC, RR = [-11.0, -12.0, -9.0], [-12.0, -12.0, -7.0]
C, R, H = [1.0, 0.0, 1.0], [-2.0, 1.0, -1.0], [3.0, -1.0, 2.0]
CHOSEN_TOKENS, REJECTED_TOKENS = [2.0, 1.0, 4.0], [4.0, 2.0, 1.0]


def log_sigmoid(x: float) -> float:
    return -math.log1p(math.exp(-x))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def run(loss, with_lengths: bool = True) -> torch.Tensor:
    tensors = [torch.tensor(v, dtype=torch.float64) for v in (PC, PR, RC, RR)]
    lengths = [torch.tensor(v, dtype=torch.float64) for v in (CHOSEN_TOKENS, REJECTED_TOKENS)]
    return loss(*tensors, *(lengths if with_lengths else [])).losses


def expect(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def test_exo_pair_is_the_kl_from_the_smoothed_label() -> None:
    beta, eps = 0.1, 1e-3
    expected = []
    for h in H:
        win, lose = sigmoid(beta * h), sigmoid(-beta * h)
        expected.append(
            win * (math.log(win) - math.log(1 - eps)) + lose * (math.log(lose) - math.log(eps))
        )
    assert_close(run(ExoPairLoss(beta=beta)), expect(expected))
    # label smoothing 0 (the config's default) is refused by name, as TRL 1.16 refuses it
    # (trl/trainer/dpo_trainer.py:829), rather than silently becoming the paper's 1e-3
    with pytest.raises(ValueError, match="exo_pair needs algorithm.label_smoothing"):
        ExoPairLoss(beta=beta, label_smoothing=0.0)
    with pytest.raises(ValueError, match="exo_pair needs algorithm.label_smoothing"):
        make_loss("exo_pair", beta, 0.0)
    assert_close(run(make_loss("exo_pair", beta, 1e-3)), expect(expected))


def test_nca_pair() -> None:
    b = 0.1
    expected = [
        -log_sigmoid(b * c) - 0.5 * log_sigmoid(-b * c) - 0.5 * log_sigmoid(-b * r)
        for c, r in zip(C, R, strict=True)
    ]
    assert_close(run(NCAPairLoss(beta=b)), expect(expected))


def test_bco_pair() -> None:
    b = 0.1
    expected = [-log_sigmoid(b * c) - log_sigmoid(-b * r) for c, r in zip(C, R, strict=True)]
    assert_close(run(BCOPairLoss(beta=b)), expect(expected))


def test_sppo_hard_regresses_chosen_to_plus_and_rejected_to_minus_half_over_beta() -> None:
    # beta 0.5: (c - 1)^2 + (r + 1)^2 = [0 + 1, 1 + 4, 0 + 0]
    assert_close(run(SPPOHardLoss(beta=0.5)), expect([1.0, 5.0, 0.0]))


def test_aot_compares_the_sorted_policy_and_reference_margins() -> None:
    # policy margins pc - pr = [4, -1, 0], reference rc - rr = [1, 0, -2];
    # sorted: [-1, 0, 4] - [-2, 0, 1] = [1, 0, 3]
    b = 0.1
    assert_close(run(AOTLoss(beta=b)), expect([-log_sigmoid(b * d) for d in (1.0, 0.0, 3.0)]))
    eps = 0.2
    smoothed = [
        -(1 - eps) * log_sigmoid(b * d) - eps * log_sigmoid(-b * d) for d in (1.0, 0.0, 3.0)
    ]
    assert_close(run(AOTLoss(beta=b, label_smoothing=eps)), expect(smoothed))


def test_aot_unpaired_compares_the_sorted_chosen_and_rejected_log_ratios() -> None:
    # sort(c) = [0, 1, 1], sort(r) = [-2, -1, 1]: deltas [2, 2, 0]
    b = 0.1
    expected = [-log_sigmoid(b * d) for d in (2.0, 2.0, 0.0)]
    assert_close(run(AOTUnpairedLoss(beta=b)), expect(expected))


def test_apo_zero_and_apo_down() -> None:
    b = 0.1
    zero = [1 - sigmoid(b * c) + sigmoid(b * r) for c, r in zip(C, R, strict=True)]
    assert_close(run(APOZeroLoss(beta=b)), expect(zero))
    down = [sigmoid(b * c) + 1 - sigmoid(b * h) for c, h in zip(C, H, strict=True)]
    assert_close(run(APODownLoss(beta=b)), expect(down))


def test_discopop_blends_logistic_and_exponential_losses() -> None:
    b, tau = 0.1, 0.05
    expected = []
    for h in H:
        z = b * h
        mix = sigmoid(z / tau)
        expected.append((1 - mix) * -log_sigmoid(z) + mix * math.exp(-z))
    assert_close(run(DiscoPOPLoss(beta=b, tau=tau)), expect(expected))


def test_sigmoid_norm_and_ipo_average_the_log_ratios_over_tokens() -> None:
    # c / |y_c| = [0.5, 0, 0.25], r / |y_r| = [-0.5, 0.5, -1]: per-token margins [1, -0.5, 1.25]
    deltas = [1.0, -0.5, 1.25]
    b = 0.1
    assert_close(run(NormalizedDPOLoss(beta=b)), expect([-log_sigmoid(b * d) for d in deltas]))
    # IPO's authors' form by default: (delta - 1/(2 beta))^2 with beta 0.5
    assert_close(run(IPOLoss(beta=0.5)), expect([0.0, 2.25, 0.0625]))
    # the implicit rewards are of the per-token log-ratios
    out = IPOLoss(beta=0.5)(
        *[torch.tensor(v, dtype=torch.float64) for v in (PC, PR, RC, RR)],
        torch.tensor(CHOSEN_TOKENS, dtype=torch.float64),
        torch.tensor(REJECTED_TOKENS, dtype=torch.float64),
    )
    assert_close(out.chosen_rewards, expect([0.25, 0.0, 0.125]))
    # any loss can be switched to per-token log-ratios, and these switched off
    assert_close(run(DPOLoss(beta=b, length_normalize=True)), run(NormalizedDPOLoss(beta=b)))
    with pytest.raises(ValueError, match="chosen_tokens"):
        run(IPOLoss(beta=0.5), with_lengths=False)


def test_sft_is_the_chosen_completions_nll_per_token() -> None:
    # -pc / |y_c| = [10/2, 12/1, 8/4]
    assert_close(run(SFTLoss()), expect([5.0, 12.0, 2.0]))


def test_a_weighted_mixture_sums_its_parts_per_pair() -> None:
    mixed = make_loss(["sigmoid", "sft"], beta=0.1, label_smoothing=0.0, weights=[1.0, 0.5])
    assert isinstance(mixed, WeightedLosses)
    assert_close(run(mixed), run(DPOLoss(beta=0.1)) + 0.5 * run(SFTLoss()))
    # the implicit rewards are the first loss's
    tensors = [torch.tensor(v, dtype=torch.float64) for v in (PC, PR, RC, RR)]
    lengths = [torch.tensor(v, dtype=torch.float64) for v in (CHOSEN_TOKENS, REJECTED_TOKENS)]
    assert_close(mixed(*tensors, *lengths).chosen_rewards, expect([0.1, 0.0, 0.1]))
    with pytest.raises(ValueError, match="loss_weights has 1 weights for 2 losses"):
        make_loss(["sigmoid", "sft"], beta=0.1, label_smoothing=0.0, weights=[1.0])


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_builds_from_the_config_defaults(name: str) -> None:
    config = DPOConfig(loss=name)
    if name == "exo_pair":  # its eps cannot be the default 0: refused by name
        with pytest.raises(ValueError, match="label_smoothing"):
            make_loss(config.loss, config.beta, config.label_smoothing)
        config = DPOConfig(loss=name, label_smoothing=1e-3)
    loss = make_loss(config.loss, config.beta, config.label_smoothing)
    assert torch.isfinite(run(loss)).all()


def test_the_config_refuses_an_unknown_loss_naming_the_field_and_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"algorithm.loss: unknown loss 'kto'.*'sft'"):
        DPOConfig(loss="kto")
    with pytest.raises(ConfigError, match="unknown loss 'nope'"):
        DPOConfig(loss=["sigmoid", "nope"])
    assert DPOConfig(loss=["sigmoid", "sft"]).loss == ["sigmoid", "sft"]

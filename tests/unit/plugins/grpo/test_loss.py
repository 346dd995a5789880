"""GRPO's advantages, per-token objectives and aggregations against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from alignzoo.algorithms.batching import StepTokens
from alignzoo.errors import ConfigError
from alignzoo_grpo.advantages import group_advantages, informative_groups, per_source_advantages
from alignzoo_grpo.config import GRPOConfig, ImportanceLevel, LossType, ScaleRewards
from alignzoo_grpo.loss import aggregate, cispo_token_losses, log_importance

SCORES = torch.tensor([1.0, 3.0, 2.0, 2.0])  # two groups of two


def test_group_advantages_by_group_std_batch_std_or_none() -> None:
    # group 1: mean 2, std sqrt(2) (unbiased); group 2: all equal -> 0
    by_group = group_advantages(SCORES, 2, ScaleRewards.group)
    s = math.sqrt(2)
    torch.testing.assert_close(by_group, torch.tensor([-1 / (s + 1e-4), 1 / (s + 1e-4), 0.0, 0.0]))
    batch_std = torch.tensor([1.0, 3.0, 2.0, 2.0]).std().item()  # sqrt(2/3)
    by_batch = group_advantages(SCORES, 2, ScaleRewards.batch)
    expected = torch.tensor([-1.0, 1.0, 0.0, 0.0]) / (batch_std + 1e-4)
    torch.testing.assert_close(by_batch, expected)
    torch.testing.assert_close(
        group_advantages(SCORES, 2, ScaleRewards.none), torch.tensor([-1.0, 1.0, 0.0, 0.0])
    )
    assert informative_groups(SCORES, 2).tolist() == [True, True, False, False]


def test_sources_normalised_each_then_summed_weigh_as_their_weights_say() -> None:
    # one group of two: a wide source (0 vs 100) and a narrow one (0.2 vs 0.1)
    wide, narrow = torch.tensor([0.0, 100.0]), torch.tensor([0.2, 0.1])
    sources = {"wide": (1.0, wide), "narrow": (3.0, narrow)}
    advantages = per_source_advantages(sources, 2)
    # each source +-1/sqrt(2) (up to eps) in its group; wide 1 x (-, +), narrow 3 x (+, -):
    # the sum (2, -2)/sqrt(2) favours the first; normalised over the batch: (1, -1)/sqrt(2)
    assert advantages[0] > 0 > advantages[1]
    torch.testing.assert_close(advantages.std(), torch.tensor(1.0), rtol=1e-3, atol=1e-3)
    # summed first, the wide source decides alone
    summed = group_advantages(wide + 3.0 * narrow, 2, ScaleRewards.group)
    assert summed[1] > 0 > advantages[1]


def test_normalize_then_sum_is_gdpo_as_trl_computes_it() -> None:
    """TRL 1.16 trl/trainer/grpo_trainer.py:2790-2799 (multi_objective_aggregation ==
    "normalize_then_sum"): each source (r - mean_g) / (std_g + 1e-4) in its group, the
    weighted sum s, then (s - mean(s)) / (std(s) + 1e-4) over the batch (unbiased stds)."""
    a = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])  # groups of three
    b = torch.tensor([0.5, 0.2, 0.1, 0.9, 0.3, 0.6])
    weights = (1.0, 0.5)

    def by_hand(r: list[float]) -> list[float]:
        out = []
        for g in (r[:3], r[3:]):
            mean = sum(g) / 3
            std = math.sqrt(sum((x - mean) ** 2 for x in g) / 2)
            out += [(x - mean) / (std + 1e-4) for x in g]
        return out

    a_hand, b_hand = by_hand(a.tolist()), by_hand(b.tolist())
    s = [weights[0] * x + weights[1] * y for x, y in zip(a_hand, b_hand, strict=True)]
    mean = sum(s) / 6
    std = math.sqrt(sum((x - mean) ** 2 for x in s) / 5)
    expected = torch.tensor([(x - mean) / (std + 1e-4) for x in s])
    got = per_source_advantages({"a": (weights[0], a), "b": (weights[1], b)}, 3)
    torch.testing.assert_close(got, expected)
    # unit scale whatever the number of sources and their weights (the sum alone: std 0.92)
    assert got.std().item() == pytest.approx(1.0, abs=1e-3)


def test_cispo_caps_the_weight_at_its_max_weight_but_keeps_every_tokens_gradient() -> None:
    """TRL 1.16 trl/trainer/grpo_trainer.py:3109-3110 (loss_type == "cispo"):
    ``clamp(coef_1, max=self.epsilon_high).detach()``: the cap is the value itself, not 1 + it
    (ScaleRL's epsilon_max); ``cispo_max_weight=1.5`` here is TRL's ``epsilon_high=1.5``."""
    logprobs = torch.log(torch.tensor([[0.5, 0.25]])).requires_grad_()
    old = torch.log(torch.tensor([[0.25, 0.25]]))
    out = cispo_token_losses(logprobs - old, logprobs, torch.tensor([2.0]), max_weight=1.5)
    # weights min(2, 1.5) = 1.5 and 1: l = -w * 2 * log pi
    expected = torch.tensor([[-1.5 * 2 * math.log(0.5), -1.0 * 2 * math.log(0.25)]])
    torch.testing.assert_close(out.losses.detach(), expected)
    out.losses.sum().backward()
    torch.testing.assert_close(logprobs.grad, torch.tensor([[-3.0, -2.0]]))  # -w * A


def test_sequence_level_ratio_is_the_mean_log_ratio_of_the_sequence() -> None:
    logprobs = torch.tensor([[-1.0, -2.0, 0.0]])
    old = torch.tensor([[-1.5, -1.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    token = log_importance(logprobs, old, mask, ImportanceLevel.token)
    torch.testing.assert_close(token, torch.tensor([[0.5, -1.0, 0.0]]))
    sequence = log_importance(logprobs, old, mask, ImportanceLevel.sequence)
    torch.testing.assert_close(sequence, torch.full((1, 3), -0.25))


LOSSES = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]])
MASK = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
STEP = StepTokens(tokens=4, rows=2)  # the step is these two rows


@pytest.mark.parametrize(
    ("loss_type", "expected"),
    [
        (LossType.grpo, (2.0 + 4.0) / 2),  # per-sequence means, then their mean
        (LossType.bnpo, 10.0 / 4),  # the step's tokens, as dapo
        (LossType.dr_grpo, 10.0 / (2 * 5)),  # completions x max_new_tokens
        (LossType.dapo, 10.0 / 4),  # the step's tokens (here the same rows)
        (LossType.cispo, 10.0 / 4),
    ],
)
def test_each_aggregation_on_hand_values(loss_type: LossType, expected: float) -> None:
    loss = aggregate(LOSSES, MASK, loss_type, max_completion_length=5, step=STEP)
    assert loss.item() == pytest.approx(expected)


def test_dapo_normalises_by_the_steps_tokens_whatever_the_micro_batches() -> None:
    """The updater weights each micro-batch by its row share: the parts add up to the whole."""
    whole = aggregate(LOSSES, MASK, LossType.dapo, 5, step=STEP)
    parts = [
        aggregate(LOSSES[i : i + 1], MASK[i : i + 1], LossType.dapo, 5, step=STEP) * 0.5
        for i in range(2)
    ]
    assert sum(parts).item() == pytest.approx(whole.item())
    # bnpo too: TRL 1.16's bnpo (trl/trainer/grpo_trainer.py:3158-3159), each micro-batch's
    # own token mean, would give (2 + 4) / 2 here
    bnpo = [aggregate(LOSSES[i : i + 1], MASK[i : i + 1], LossType.bnpo, 5, STEP) for i in range(2)]
    assert (0.5 * bnpo[0] + 0.5 * bnpo[1]).item() == pytest.approx(whole.item())


def test_sequence_level_ratios_refuse_a_token_mean() -> None:
    """GSPO (Zheng et al. 2025, eq. 5) averages over sequences; with a token mean each
    sequence's one ratio would count once per token (TRL 1.16 trl/trainer/grpo_trainer.py:928
    only warns of it; OpenRLHF takes the sequence mean)."""
    GRPOConfig(importance_sampling_level=ImportanceLevel.sequence, loss_type=LossType.grpo)
    with pytest.raises(ConfigError, match="loss_type=grpo"):
        GRPOConfig(importance_sampling_level=ImportanceLevel.sequence)

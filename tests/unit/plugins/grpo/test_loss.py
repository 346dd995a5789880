"""GRPO's advantages, per-token objectives and aggregations against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from alignzoo_grpo.advantages import group_advantages, informative_groups, per_source_advantages
from alignzoo_grpo.config import ImportanceLevel, LossType, ScaleRewards
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
    # a pair d apart: (x - mean) / (std + eps) = +-(d/2) / (d/sqrt(2) + 1e-4)
    wide_unit = 50 / (100 / math.sqrt(2) + 1e-4)
    narrow_unit = 0.05 / (0.1 / math.sqrt(2) + 1e-4)
    advantages = per_source_advantages(sources, 2, ScaleRewards.group)
    # wide: (-1, +1) x unit; narrow: (+1, -1) x unit x weight 3 -> the narrow source wins
    expected = torch.tensor(
        [-wide_unit + 3 * narrow_unit, wide_unit - 3 * narrow_unit], dtype=torch.float32
    )
    torch.testing.assert_close(advantages, expected, rtol=1e-4, atol=1e-4)
    # summed first, the wide source decides alone
    summed = group_advantages(wide + 3.0 * narrow, 2, ScaleRewards.group)
    assert summed[1] > 0 > advantages[1]


def test_cispo_clips_the_weight_but_keeps_every_tokens_gradient() -> None:
    logprobs = torch.log(torch.tensor([[0.5, 0.25]])).requires_grad_()
    old = torch.log(torch.tensor([[0.25, 0.25]]))
    out = cispo_token_losses(logprobs - old, logprobs, torch.tensor([2.0]), epsilon_high=0.5)
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


@pytest.mark.parametrize(
    ("loss_type", "expected"),
    [
        (LossType.grpo, (2.0 + 4.0) / 2),  # per-sequence means, then their mean
        (LossType.bnpo, 10.0 / 4),  # token mean of this batch
        (LossType.dr_grpo, 10.0 / (2 * 5)),  # completions x max_new_tokens
        (LossType.dapo, 10.0 / 4),  # the step's tokens (here the same rows)
        (LossType.cispo, 10.0 / 4),
    ],
)
def test_each_aggregation_on_hand_values(loss_type: LossType, expected: float) -> None:
    loss = aggregate(LOSSES, MASK, loss_type, max_completion_length=5, step_tokens=4, step_rows=2)
    assert loss.item() == pytest.approx(expected)


def test_dapo_normalises_by_the_steps_tokens_whatever_the_micro_batches() -> None:
    """The updater weights each micro-batch by its row share: the parts add up to the whole."""
    whole = aggregate(LOSSES, MASK, LossType.dapo, 5, step_tokens=4, step_rows=2)
    parts = [
        aggregate(LOSSES[i : i + 1], MASK[i : i + 1], LossType.dapo, 5, step_tokens=4, step_rows=2)
        * 0.5
        for i in range(2)
    ]
    assert sum(parts).item() == pytest.approx(whole.item())
    # bnpo, by contrast, is the mean of the micro-batches' own token means
    bnpo = [aggregate(LOSSES[i : i + 1], MASK[i : i + 1], LossType.bnpo, 5, 4, 2) for i in range(2)]
    assert (0.5 * bnpo[0] + 0.5 * bnpo[1]).item() == pytest.approx((2.0 + 4.0) / 2)

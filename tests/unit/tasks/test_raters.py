"""Unit tests for the simulated Bradley-Terry raters."""

from __future__ import annotations

import math

import pytest
import torch

from alignzoo.data.records import PreferencePair
from alignzoo.tasks.sentiment.raters import bradley_terry_labels, rate_pairs


def test_near_zero_temperature_gives_gold_order():
    gen = torch.Generator().manual_seed(0)
    gold_a = torch.linspace(-0.9, 0.9, 101)
    gold_b = gold_a.flip(0) + 0.003  # never equal
    labels = bradley_terry_labels(gold_a, gold_b, 1e-6, gen)
    assert labels.dtype == torch.bool
    assert torch.equal(labels, gold_a > gold_b)


@pytest.mark.parametrize(("diff", "temperature"), [(0.5, 0.5), (-0.3, 0.2), (0.2, 1.0), (0.0, 0.1)])
def test_preference_rate_matches_sigmoid(diff, temperature):
    n = 20_000
    gold_a = torch.full((n,), 0.1 + diff)
    gold_b = torch.full((n,), 0.1)
    gen = torch.Generator().manual_seed(1)
    rate = bradley_terry_labels(gold_a, gold_b, temperature, gen).float().mean().item()
    expected = 1 / (1 + math.exp(-diff / temperature))
    # 5 standard errors of a Bernoulli mean over n draws
    assert abs(rate - expected) < 5 * math.sqrt(expected * (1 - expected) / n) + 1e-3


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_non_positive_temperature_raises(temperature):
    with pytest.raises(ValueError, match=r"data\.rater_temperature"):
        bradley_terry_labels(
            torch.zeros(2), torch.zeros(2), temperature, torch.Generator().manual_seed(0)
        )
    with pytest.raises(ValueError, match=r"data\.rater_temperature"):
        rate_pairs(["p"], ["a"], ["b"], torch.zeros(1), torch.zeros(1), temperature, seed=0)


def test_rate_pairs_orders_chosen_and_rejected():
    prompts = ["p0", "p1", "p2"]
    a, b = ["a0", "a1", "a2"], ["b0", "b1", "b2"]
    pairs = rate_pairs(
        prompts,
        a,
        b,
        torch.tensor([0.9, -0.9, 0.5]),
        torch.tensor([-0.9, 0.9, 0.4]),
        temperature=1e-6,
        seed=0,
    )
    assert pairs == [
        PreferencePair("p0", "a0", "b0"),
        PreferencePair("p1", "b1", "a1"),
        PreferencePair("p2", "a2", "b2"),
    ]


def test_rate_pairs_follows_labels_of_same_seed():
    n = 200
    gen = torch.Generator().manual_seed(7)
    gold_a, gold_b = torch.rand(n, generator=gen) * 2 - 1, torch.rand(n, generator=gen) * 2 - 1
    prompts = [f"p{i}" for i in range(n)]
    a, b = [f"a{i}" for i in range(n)], [f"b{i}" for i in range(n)]
    pairs = rate_pairs(prompts, a, b, gold_a, gold_b, temperature=0.5, seed=11)
    labels = bradley_terry_labels(gold_a, gold_b, 0.5, torch.Generator().manual_seed(11))
    assert 0 < labels.sum() < n  # noisy: both orders occur
    for i, (pair, pick) in enumerate(zip(pairs, labels.tolist(), strict=True)):
        assert pair.prompt == prompts[i]
        assert (pair.chosen, pair.rejected) == ((a[i], b[i]) if pick else (b[i], a[i]))
    assert rate_pairs(prompts, a, b, gold_a, gold_b, temperature=0.5, seed=11) == pairs


def test_thumbs_are_up_above_the_median_for_a_careful_rater_and_half_up_overall():
    from alignzoo.tasks.sentiment.raters import thumbs_labels

    gold = torch.linspace(-1, 1, 1001)
    careful = thumbs_labels(gold, 1e-4, seed=0)
    off_median = gold != gold.median()  # the median itself is a coin flip
    assert careful[off_median].tolist() == (gold > gold.median())[off_median].tolist()
    noisy = thumbs_labels(gold, 0.5, seed=0)
    assert 0.45 < noisy.float().mean().item() < 0.55
    assert gold[noisy].mean() > gold[~noisy].mean()  # still informative

"""Simulated human raters: Bradley-Terry draws on the gold reward.

A rater prefers completion a over b with probability sigmoid((g(a) - g(b)) / temperature),
as the Bradley-Terry model assumes of people; a low temperature is a careful rater, a high
one a noisy crowd. The labels are therefore noisy, while the gold ordering stays known. A
rater asked for a thumbs up or down on one completion compares it, the same way, with a
typical one: the median gold reward of the completions rated.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from alignzoo.data.records import PreferencePair


def bradley_terry_labels(
    gold_a: torch.Tensor, gold_b: torch.Tensor, temperature: float, generator: torch.Generator
) -> torch.Tensor:
    """True where the simulated rater prefers ``a``; one Bernoulli draw per pair."""
    if temperature <= 0:
        raise ValueError(f"data.rater_temperature must be > 0, got {temperature}")
    p_a = torch.sigmoid((gold_a - gold_b) / temperature)
    return torch.rand(p_a.shape, generator=generator) < p_a


def rate_pairs(
    prompts: Sequence[str],
    completions_a: Sequence[str],
    completions_b: Sequence[str],
    gold_a: torch.Tensor,
    gold_b: torch.Tensor,
    temperature: float,
    seed: int,
) -> list[PreferencePair]:
    """Label each (a, b) pair by a simulated rater and return it as chosen / rejected."""
    prefers_a = bradley_terry_labels(
        gold_a, gold_b, temperature, torch.Generator().manual_seed(seed)
    )
    return [
        PreferencePair(p, a, b) if pick else PreferencePair(p, b, a)
        for p, a, b, pick in zip(
            prompts, completions_a, completions_b, prefers_a.tolist(), strict=True
        )
    ]


def thumbs_labels(gold: torch.Tensor, temperature: float, seed: int) -> torch.Tensor:
    """True (thumbs up) with probability sigmoid((g - median g) / temperature), per completion:
    unpaired feedback, about half of it desirable."""
    typical = gold.median().expand_as(gold)
    return bradley_terry_labels(gold, typical, temperature, torch.Generator().manual_seed(seed))

"""Online DPO's labeller: of two samples of a prompt, the one the reward scores higher wins."""

from __future__ import annotations

import torch

from alignzoo.data.records import PreferencePair


def pairs_from_scores(
    prompts: list[str], completions: list[str], scores: torch.Tensor
) -> list[PreferencePair]:
    """One preference pair per prompt from its two adjacent samples (rows 2i and 2i+1), the
    higher-scored one chosen; a tie teaches nothing and makes no pair."""
    pairs = []
    for i in range(0, len(completions), 2):
        first, second = float(scores[i]), float(scores[i + 1])
        if first == second:
            continue
        chosen, rejected = (i, i + 1) if first > second else (i + 1, i)
        pairs.append(PreferencePair(prompts[i], completions[chosen], completions[rejected]))
    return pairs

"""``reward=distinct_words``: a plain rules-based reward source."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from alignzoo.rewards import RewardSource
from alignzoo_orpo.config import DistinctWordsConfig


class DistinctWordsReward(RewardSource):
    """Distinct words / words of each completion, in [0, 1]: repetition scores low."""

    name = "distinct_words"

    def __init__(self, config: DistinctWordsConfig) -> None:
        self.config = config

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """One score per completion."""
        scores = []
        for completion in completions:
            words = completion.split()
            enough = len(words) >= max(self.config.min_words, 1)
            scores.append(len(set(words)) / len(words) if enough else 0.0)
        return torch.tensor(scores)

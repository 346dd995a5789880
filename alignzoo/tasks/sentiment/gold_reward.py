"""The built-in task's gold reward as a reward source."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from alignzoo.rewards.source import RewardSource
from alignzoo.tasks.sentiment.config import GoldSentimentConfig
from alignzoo.tasks.sentiment.lexicon import lexicon_sentiment


class GoldSentimentReward(RewardSource):
    """Scores each completion by the lexicon sentiment scorer (the prompt is neutral)."""

    name = "gold"

    def __init__(self, config: GoldSentimentConfig | None = None) -> None:
        self.config = config or GoldSentimentConfig()

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """Gold sentiment of each completion, in (-1, 1)."""
        return torch.tensor([lexicon_sentiment(c) for c in completions], dtype=torch.float32)

"""The built-in task's gold reward as a reward source."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from alignzoo.rewards.function import score_each
from alignzoo.rewards.source import RewardSource
from alignzoo.tasks.sentiment.config import GoldObjective, GoldSentimentConfig
from alignzoo.tasks.sentiment.fluency import fluent_sentiment
from alignzoo.tasks.sentiment.lexicon import lexicon_sentiment


class GoldSentimentReward(RewardSource):
    """Scores each completion by the task's gold objective: the lexicon's sentiment, or
    (``sentiment_fluency``) sentiment counted only in a well-formed review."""

    name = "gold"

    def __init__(self, config: GoldSentimentConfig | None = None) -> None:
        self.config = config or GoldSentimentConfig(GoldObjective.sentiment)
        objective = self.config.objective
        # built in Python, the config's default is the unresolved "${...data.gold...}": there
        # is no data config to follow then, so it means the plain objective
        self.objective = (
            GoldObjective(objective) if objective in set(GoldObjective) else GoldObjective.sentiment
        )

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """Gold score of each completion, in [-1, 1]."""
        if self.objective is GoldObjective.sentiment_fluency:
            return score_each(fluent_sentiment, prompts, completions)
        return score_each(lambda _, completion: lexicon_sentiment(completion), prompts, completions)

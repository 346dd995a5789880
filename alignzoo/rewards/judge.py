"""AI-feedback judges: compare two responses (pairwise) or score one (pointwise) under principles.

RLAIF replaces the human rater with a judge (Bai et al. 2022; Lee et al. 2023). Judges are
plugins; this module holds what every judge shares: the interface, the position-bias
correction of pairwise judgements, and a judge seen as a reward source.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import torch

from alignzoo.rewards.source import RewardSource


class Judge(ABC):
    """A model that judges responses to prompts.

    ``identity`` names everything that determines a judgement (model, template, principles),
    so cached judgements are reused only by the same judge.
    """

    @property
    @abstractmethod
    def identity(self) -> str:
        """A stable description of the judge, part of every cache key."""

    @abstractmethod
    def compare(
        self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]
    ) -> torch.Tensor:
        """P(first is better than second) per prompt, with ``first`` shown in position A."""

    @abstractmethod
    def rate(self, prompts: Sequence[str], responses: Sequence[str]) -> torch.Tensor:
        """A pointwise score per response (higher is better)."""


def debiased_preference(
    judge: Judge, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]
) -> torch.Tensor:
    """P(first > second) averaged over both presentation orders (Lee et al. 2023, §2.1.1).

    A judge that always answers "A" gets 0.5 for every pair: position bias cancels.
    """
    forward = judge.compare(prompts, first, second)
    backward = judge.compare(prompts, second, first)
    return 0.5 * (forward + (1.0 - backward))


class JudgeReward(RewardSource):
    """Direct RLAIF: the judge's pointwise score is the reward."""

    name = "judge"

    def __init__(self, judge: Judge) -> None:
        self.judge = judge

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """The judge's rating of each completion."""
        return self.judge.rate(prompts, completions).float()

"""AI-feedback judges: compare two responses (pairwise) or score one (pointwise) under principles.

RLAIF replaces the human rater with a judge (Bai et al. 2022; Lee et al. 2023). Judges are
plugins; this module holds what every judge shares: the interface, the position-bias
correction of pairwise judgements, and a judge seen as a reward source.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import torch

from alignzoo.rewards.source import RewardSource


class Judge(ABC):
    """A model that judges responses to prompts.

    ``identity`` names everything that determines a judgement (model, template, principles),
    so cached judgements are reused only by the same judge.
    """

    #: True for a judge whose answers can fail to name an option (an endpoint's text): it
    #: scores those as unknown and lists them in ``unreadable_rows``; a reward built on it
    #: logs their share as ``judge/unreadable``
    answers_can_be_unreadable: ClassVar[bool] = False

    def unreadable_rows(self) -> list[int]:
        """Rows of the last ``compare``/``rate`` scored as unknown (default: none, ever)."""
        return []

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
        self._unreadable: float | None = None

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """The judge's rating of each completion."""
        ratings = self.judge.rate(prompts, completions).float()
        if self.judge.answers_can_be_unreadable and len(completions):
            self._unreadable = len(self.judge.unreadable_rows()) / len(completions)
        return ratings

    def metrics(self) -> dict[str, float]:
        """``judge/unreadable``: the share of the last batch's answers scored as unknown,
        for a judge whose answers can be off format."""
        return {} if self._unreadable is None else {"judge/unreadable": self._unreadable}

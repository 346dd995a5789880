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

from alignzoo.data.records import Fields
from alignzoo.errors import ConfigError
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
    def reference_field(self) -> str | None:
        """The per-example field whose value ``rate`` is shown as each prompt's reference
        answer (a template that names ``{reference}``), or None: ``rate`` takes no
        references. Default None, so a judge written before references keeps working."""
        return None

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
    def rate(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        references: Sequence[str] | None = None,
    ) -> torch.Tensor:
        """A pointwise score per response (higher is better); ``references`` (one reference
        answer per response) is passed only to a judge with a ``reference_field``."""


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
    """Direct RLAIF: the judge's pointwise score is the reward.

    A judge with a ``reference_field`` rates each completion against its row's reference
    answer (LLM-as-a-judge with a reference, for answers no rule can check); the field
    comes from the row's per-example fields.
    """

    name = "judge"

    def __init__(self, judge: Judge) -> None:
        self.judge = judge
        self._unreadable: float | None = None

    def score(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        fields: Sequence[Fields] | None = None,
    ) -> torch.Tensor:
        """The judge's rating of each completion (against its row's reference answer, for a
        judge whose template names one)."""
        key = self.judge.reference_field
        if key is None:
            ratings = self.judge.rate(prompts, completions).float()
        else:
            references = reference_answers(key, fields)
            ratings = self.judge.rate(prompts, completions, references).float()
        if self.judge.answers_can_be_unreadable and len(completions):
            self._unreadable = len(self.judge.unreadable_rows()) / len(completions)
        return ratings

    def metrics(self) -> dict[str, float]:
        """``judge/unreadable``: the share of the last batch's answers scored as unknown,
        for a judge whose answers can be off format."""
        return {} if self._unreadable is None else {"judge/unreadable": self._unreadable}


def reference_answers(key: str, fields: Sequence[Fields] | None) -> list[str]:
    """Each row's ``key`` field as text; a row without it is named with the fields it has."""
    if fields is None:
        raise ConfigError(
            f"the judge's template names {{reference}} (from the field {key!r}), but these "
            "prompts carry no per-example fields: use prompt data with answers (docs/data.md)"
        )
    answers = []
    for i, row in enumerate(fields):
        if key not in row:
            raise ConfigError(
                f"the judge's template names {{reference}}, but row {i}'s fields have no "
                f"{key!r} (they have {sorted(row) or 'none'}): set reward.reference_field"
            )
        answers.append(str(row[key]))
    return answers

"""The two record shapes every data source is normalised into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: a row's other columns (``answer``, ``solution``, ``tests``, ...): what reaches the reward
#: beside each completion of its prompt (plugin API 1.4)
Fields = Mapping[str, Any]


def with_completion_tokens(rows: list[Fields], counts: list[int]) -> list[Fields]:
    """Each sample's fields: its row's, and ``completion_tokens``, the tokens it sampled."""
    return [{**row, "completion_tokens": int(n)} for row, n in zip(rows, counts, strict=True)]


@dataclass(frozen=True, slots=True)
class PreferencePair:
    """A prompt with a preferred (``chosen``) and a dispreferred (``rejected``) completion.

    ``chosen`` and ``rejected`` are completions only: the text that follows ``prompt``.
    """

    prompt: str
    chosen: str
    rejected: str
    #: how much better chosen is, when the data says (a ``margin`` column, TRL's name):
    #: reward-model training asks for at least this gap
    margin: float | None = None


@dataclass(frozen=True, slots=True)
class PromptRecord:
    """A prompt for algorithms that sample their own completions (PPO, GRPO), with the row's
    other columns as ``fields``: a verifier checks each completion against them (the answer
    of a math problem, the tests of a coding one)."""

    prompt: str
    fields: Fields = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class LabelledCompletion:
    """One completion of a prompt with a thumbs-up or thumbs-down (``desirable``): unpaired
    feedback, what KTO learns from (TRL's ``prompt``/``completion``/``label`` rows)."""

    prompt: str
    completion: str
    desirable: bool


def unpaired(pairs: list[PreferencePair]) -> list[LabelledCompletion]:
    """Each pair as two rows of feedback: its chosen completion desirable, its rejected not."""
    rows = []
    for pair in pairs:
        rows.append(LabelledCompletion(pair.prompt, pair.chosen, True))
        rows.append(LabelledCompletion(pair.prompt, pair.rejected, False))
    return rows

"""The two record shapes every data source is normalised into."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PreferencePair:
    """A prompt with a preferred (``chosen``) and a dispreferred (``rejected``) completion.

    ``chosen`` and ``rejected`` are completions only: the text that follows ``prompt``.
    """

    prompt: str
    chosen: str
    rejected: str


@dataclass(frozen=True, slots=True)
class PromptRecord:
    """A prompt for algorithms that sample their own completions (PPO, RLAIF)."""

    prompt: str

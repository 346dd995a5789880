"""The rewards of form and length: ``format`` (a required structure) and ``overlong``
(DAPO's soft punishment of completions near or over the length limit)."""

from __future__ import annotations

import re

from alignzoo.data.records import Fields
from alignzoo.errors import ConfigError
from alignzoo.rewards.verifier import Verifier, reference
from alignzoo_verifiers.config import FormatConfig, FormatPreset, OverlongConfig

#: the structure each preset requires of the whole completion
PRESETS: dict[FormatPreset, str] = {
    FormatPreset.think_answer: r"\s*<think>.*?</think>\s*<answer>.*?</answer>\s*",
    FormatPreset.boxed: r".*\\boxed\{.*\}[^{}]*",
    FormatPreset.hashes: r".*####[ \t]*\S[^\n]*\s*",
}


class FormatReward(Verifier):
    """``match_score`` when the whole completion matches, else ``miss_score``."""

    name = "format"

    def __init__(self, config: FormatConfig) -> None:
        self.config = config
        pattern = config.pattern if config.pattern is not None else PRESETS[config.preset]
        try:  # compiled once: a bad pattern fails when the run builds, not on a batch
            self.pattern = re.compile(pattern, re.DOTALL)
        except re.error as error:
            raise ConfigError(f"reward.pattern={pattern!r} is no regex: {error}") from None

    def check(self, completion: str, row: Fields) -> tuple[float, str]:
        """The structure, matched against the whole completion."""
        if self.pattern.fullmatch(completion):
            return self.config.match_score, "matched"
        return self.config.miss_score, "missed"


class OverlongReward(Verifier):
    """0 up to ``max_tokens - buffer_tokens``, falling linearly to -1 at ``max_tokens``, -1
    beyond (times ``weight``)."""

    name = "overlong"

    def __init__(self, config: OverlongConfig) -> None:
        self.config = config

    def check(self, completion: str, row: Fields) -> tuple[float, str]:
        """The punishment of the completion's token count (``completion_tokens``)."""
        tokens = int(reference(row, "completion_tokens", self.name))
        limit, buffer = self.config.max_tokens, self.config.buffer_tokens
        if tokens <= limit - buffer:
            return 0.0, "within"
        if tokens <= limit:
            return self.config.weight * (limit - buffer - tokens) / buffer, "buffer"
        return -self.config.weight, "over"

"""The rules of :mod:`alignzoo_rules.functions` as batch reward sources, one per config."""

from __future__ import annotations

import re
from collections.abc import Sequence

import torch

from alignzoo.errors import ConfigError
from alignzoo.rewards.function import FunctionReward, score_each
from alignzoo.rewards.source import RewardSource
from alignzoo_rules import functions
from alignzoo_rules.config import (
    JsonFormatConfig,
    KeywordsConfig,
    LengthConfig,
    PythonFunctionConfig,
    RegexConfig,
)


class RuleReward(RewardSource):
    """A source that scores each (prompt, completion) pair independently with one rule."""

    config: object

    def __init__(self, config: object) -> None:
        self.config = config

    def rule(self, prompt: str, completion: str) -> float:
        """The reward of one pair."""
        raise NotImplementedError

    def score(self, prompts: Sequence[str], completions: Sequence[str]) -> torch.Tensor:
        """The rule over the batch, as float32 of shape [N]."""
        return score_each(self.rule, prompts, completions)


class RegexReward(RuleReward):
    """``match_score`` when the pattern is found (or, inverted, is not), else ``miss_score``."""

    name = "regex"
    config: RegexConfig

    def __init__(self, config: RegexConfig) -> None:
        super().__init__(config)
        try:  # compile once, and fail at build time rather than on the first batch
            self.pattern = re.compile(config.pattern)
        except re.error as error:
            raise ConfigError(f"reward.pattern={config.pattern!r} is no regex: {error}") from None

    def rule(self, prompt: str, completion: str) -> float:
        match, miss, invert = self.config.match_score, self.config.miss_score, self.config.invert
        return functions.regex_reward(completion, self.pattern, match, miss, invert)


class LengthReward(RuleReward):
    """1 within tolerance of the target length, linearly down to 0."""

    name = "length"
    config: LengthConfig

    def __init__(self, config: LengthConfig) -> None:
        for key in ("target", "tolerance"):
            if getattr(config, key) < 0:
                raise ConfigError(f"reward.{key} must be >= 0, got {getattr(config, key)}")
        super().__init__(config)

    def rule(self, prompt: str, completion: str) -> float:
        c = self.config
        return functions.length_reward(completion, c.target, c.tolerance, c.unit)


class KeywordsReward(RuleReward):
    """Fraction of ``include`` words present minus fraction of ``exclude`` words present."""

    name = "keywords"
    config: KeywordsConfig

    def rule(self, prompt: str, completion: str) -> float:
        c = self.config
        return functions.keyword_reward(completion, c.include, c.exclude, c.case_sensitive)


class JsonFormatReward(RuleReward):
    """0 unless the completion is a JSON object, else 0.5 + 0.5 * fraction of required keys."""

    name = "json_format"
    config: JsonFormatConfig

    def rule(self, prompt: str, completion: str) -> float:
        return functions.json_format_reward(completion, self.config.required_keys)


class PythonFunctionReward(FunctionReward):
    """Your ``fn(prompt, completion) -> float``, resolved once at build time; like a
    registered reward function it receives the prompt's row fields its parameters without
    a default name (or all of them through ``**kwargs``), e.g. ``answer``."""

    name = "python"

    def __init__(self, config: PythonFunctionConfig) -> None:
        super().__init__(self.name, functions.load_user_function(config.function), None)
        self.config = config

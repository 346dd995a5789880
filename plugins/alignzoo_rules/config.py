"""Typed configs of the rules-based rewards: every field is an override (``reward.target=40``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from omegaconf import MISSING

from alignzoo.config.ranges import NON_NEGATIVE, FieldRanges, check_config_ranges


@dataclass
class RegexConfig:
    """Reward completions in which a regular expression is found (or, inverted, is not)."""

    #: a Python regular expression, searched anywhere in the completion (required)
    pattern: str = MISSING
    #: the reward when the rule holds
    match_score: float = 1.0
    #: the reward when it does not
    miss_score: float = 0.0
    #: reward NOT finding the pattern instead ("no-match")
    invert: bool = False


class LengthUnit(StrEnum):
    """What the length reward counts."""

    #: whitespace-separated words
    words = "words"
    #: characters, after stripping surrounding whitespace
    chars = "chars"


@dataclass
class LengthConfig:
    """Reward completions near a target length: 1 within tolerance, linearly down to 0."""

    #: the ideal length, in ``unit``s
    target: int = 20
    #: distance from target that still scores 1.0
    tolerance: int = 5
    unit: LengthUnit = LengthUnit.words

    field_ranges: ClassVar[FieldRanges] = {
        "target": NON_NEGATIVE,
        "tolerance": NON_NEGATIVE,
    }

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "reward")


@dataclass
class KeywordsConfig:
    """Reward the fraction of wanted whole words present minus the fraction of unwanted ones."""

    #: words the completion should contain
    include: list[str] = field(default_factory=list)
    #: words it should not contain
    exclude: list[str] = field(default_factory=list)
    #: match case exactly
    case_sensitive: bool = False


@dataclass
class JsonFormatConfig:
    """Reward completions that parse as a JSON object, more so with the required keys."""

    #: top-level keys the object should have
    required_keys: list[str] = field(default_factory=list)


@dataclass
class PythonFunctionConfig:
    """Reward with your own ``fn(prompt, completion) -> float`` from an installed module."""

    #: "package.module:function" (required)
    function: str = MISSING

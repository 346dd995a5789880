"""The built-in task's typed configs (``data=sentiment``, ``reward=gold``), apart from the code
that builds it: registering the task imports no torch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from alignzoo.config.ranges import COUNT, POSITIVE, FieldRanges


@dataclass
class BaseModelConfig:
    """Size and training budget of the tiny base model (all part of its cache key).

    1400 steps are what the control tags need to take hold across the opening (700 steps
    learn the reviews but ignore the tags), so an AI judge can read sentiment from them.
    """

    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_size: int = 384
    max_positions: int = 64
    corpus_size: int = 30_000
    tagged_fraction: float = 0.5
    train_steps: int = 1400
    batch_size: int = 64
    learning_rate: float = 5e-3
    seed: int = 1234


@dataclass
class SentimentTaskConfig:
    """Sizes and seeds of the built-in task (``data=sentiment``)."""

    train_prompts: int = 2000
    heldout_prompts: int = 256
    #: Bradley-Terry temperature of the simulated raters (lower = more reliable labels)
    rater_temperature: float = 0.1
    #: completions sampled from the base model to form pairs
    pair_max_new_tokens: int = 24
    seed: int = 0
    base_model: BaseModelConfig = field(default_factory=BaseModelConfig)

    field_ranges: ClassVar[FieldRanges] = {
        "train_prompts": COUNT,
        "heldout_prompts": COUNT,
        "rater_temperature": POSITIVE,
        "pair_max_new_tokens": COUNT,
    }


@dataclass
class GoldSentimentConfig:
    """The gold lexicon reward has no knobs; the dataclass makes ``reward=gold`` typed."""

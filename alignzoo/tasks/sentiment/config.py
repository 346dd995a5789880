"""The built-in task's typed configs (``data=sentiment``, ``reward=gold``), apart from the code
that builds it: registering the task imports no torch."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from omegaconf import II

from alignzoo.config.ranges import COUNT, POSITIVE, FieldRanges
from alignzoo.tasks.tiny_llama import TinyLlamaConfig


@dataclass
class BaseModelConfig(TinyLlamaConfig):
    """Size and training budget of the tiny base model (all part of its cache key).

    1400 steps are what the control tags need to take hold across the opening (700 steps
    learn the reviews but ignore the tags), so an AI judge can read sentiment from them.
    """

    #: the share of training reviews that start with their sentiment tag
    tagged_fraction: float = 0.5


class GoldObjective(StrEnum):
    """What the task's gold reward measures (``data.gold=...``)."""

    #: the lexicon's sentiment of the completion: easy, every algorithm reaches its ceiling
    sentiment = "sentiment"
    #: sentiment that counts only in well-formed clauses about what the prompt did, averaged
    #: over them (alignzoo/tasks/sentiment/fluency.py): no gain from stuffing or repeating
    sentiment_fluency = "sentiment_fluency"


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
    #: the gold objective the raters label pairs by and evaluation reports
    gold: GoldObjective = GoldObjective.sentiment

    field_ranges: ClassVar[FieldRanges] = {
        "train_prompts": COUNT,
        "heldout_prompts": COUNT,
        "rater_temperature": POSITIVE,
        "pair_max_new_tokens": COUNT,
    }


#: an interpolation Hydra resolves in the composed config: ``data.gold``, or sentiment when
#: the data source has none
FOLLOW_DATA_GOLD = II("oc.select:data.gold,sentiment")


@dataclass
class GoldSentimentConfig:
    """``reward=gold``: the built-in task's gold objective as a training reward."""

    #: sentiment or sentiment_fluency; by default the same objective as ``data.gold`` (so
    #: PPO on the gold reward trains on what evaluation reports), sentiment without it
    objective: GoldObjective = FOLLOW_DATA_GOLD

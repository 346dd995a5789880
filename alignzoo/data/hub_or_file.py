"""A data source over a Hugging Face data set name or a local JSONL/JSON/Parquet/CSV file."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from alignzoo.config.ranges import COUNT, POSITIVE, FieldRanges, between, optional
from alignzoo.config.validation import required
from alignzoo.data.loading import load_feedback, load_pairs, load_prompts
from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord
from alignzoo.data.source import DataSource, Split
from alignzoo.errors import ConfigError


class RecordKind(StrEnum):
    """What the rows hold."""

    pairs = "pairs"
    prompts = "prompts"
    #: unpaired thumbs-up/down rows (prompt, completion, label), for algorithm=kto
    feedback = "feedback"


@dataclass
class HubOrFileDataConfig:
    """``data=hf data.path=<hub id or file>``: records in any of the supported shapes."""

    path: str = required(
        "a local .jsonl/.json/.parquet/.csv file, a dataset directory or a hub id 'owner/name'"
    )
    #: "pairs" (prompt/chosen/rejected in any shape) or "prompts" (prompt-only rows)
    kind: RecordKind = RecordKind.pairs
    train_split: str = "train"
    #: a split of the source to evaluate on; None holds out ``heldout_fraction`` of train
    heldout_split: str | None = None
    heldout_fraction: float = 0.05
    #: read at most this many rows of each split (None: all)
    limit: int | None = None
    seed: int = 0
    #: SHP: keep only pairs whose preferred reply scored at least this many times the other's
    #: (its ``score_ratio``; the SHP authors train on ratios of 2 or more); None keeps all
    min_score_ratio: float | None = None

    field_ranges: ClassVar[FieldRanges] = {
        "heldout_fraction": between(0, 1, low_open=True, high_open=True),
        "limit": optional(COUNT),
        "min_score_ratio": optional(POSITIVE),
    }


class HubOrFileData(DataSource):
    """Loads records lazily and holds part of the training split out when there is no test split."""

    def __init__(self, config: HubOrFileDataConfig) -> None:
        if not 0.0 < config.heldout_fraction < 1.0:
            raise ConfigError(
                f"data.heldout_fraction must be in (0, 1), got {config.heldout_fraction}"
            )
        self.config = config

    def preference_pairs(self, split: Split, tokenizer: Any = None) -> list[PreferencePair]:
        """Pairs of ``split`` normalised from whichever public shape the rows have."""
        if self.config.kind is not RecordKind.pairs:
            return []
        return self._split(
            split,
            lambda name: load_pairs(
                self.config.path,
                name,
                tokenizer=tokenizer,
                limit=self.config.limit,
                min_score_ratio=self.config.min_score_ratio,
            ),
        )

    def feedback(self, split: Split, tokenizer: Any = None) -> list[LabelledCompletion]:
        """Unpaired feedback of ``split``: unpaired rows, or pair rows split in two (a pair's
        two rows stay in the same split)."""
        if self.config.kind is RecordKind.prompts:
            return []
        per_row = self._split(
            split,
            lambda name: load_feedback(
                self.config.path, name, tokenizer=tokenizer, limit=self.config.limit
            ),
        )
        return [record for records in per_row for record in records]

    def prompts(self, split: Split, tokenizer: Any = None) -> list[PromptRecord]:
        """Prompts of ``split`` (from prompt-only rows, or the prompts of pair rows)."""
        return self._split(
            split,
            lambda name: load_prompts(
                self.config.path, name, tokenizer=tokenizer, limit=self.config.limit
            ),
        )

    def _split(self, split: Split, load: Any) -> list[Any]:
        if self.config.heldout_split is not None:
            return load(self.config.train_split if split == "train" else self.config.heldout_split)
        records = load(self.config.train_split)
        order = list(range(len(records)))
        random.Random(self.config.seed).shuffle(order)
        cut = max(1, round(len(records) * self.config.heldout_fraction))
        chosen = order[cut:] if split == "train" else order[:cut]
        return [records[i] for i in sorted(chosen)]

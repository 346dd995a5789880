"""A data source over a Hugging Face data set name or a local JSONL/JSON/Parquet/CSV file."""

from __future__ import annotations

import random
from typing import Any

from alignzoo.data.hub_or_file_config import HubOrFileDataConfig, RecordKind
from alignzoo.data.loading import load_feedback, load_pairs, load_prompts
from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord
from alignzoo.data.source import DataSource, Split
from alignzoo.errors import ConfigError


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
                self.config.path,
                name,
                tokenizer=tokenizer,
                limit=self.config.limit,
                system_prompt=self.config.system_prompt,
                template=self.config.prompt_template,
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

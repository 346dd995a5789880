"""The typed config of ``data=hf`` (a hub id or a local file), apart from the loaders:
registering the data source imports no ``datasets`` or torch."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from alignzoo.config.ranges import COUNT, POSITIVE, FieldRanges, between, optional
from alignzoo.config.validation import required


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
    #: "pairs" (prompt/chosen/rejected in any shape) or "prompts" (prompt rows: ``prompt``,
    #: GSM8K's ``question``/``answer``, MATH's ``problem``/``solution``; every other column
    #: reaches the reward as a per-example field)
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
    #: prompts: render each as a conversation, this system turn then the prompt as the user's,
    #: with the model's chat template (None: the prompt as it is)
    system_prompt: str | None = None
    #: prompts: a plain-text prompt wrapped in this text, its ``{prompt}`` replaced (e.g.
    #: "{prompt} Put the final answer in \\boxed{}."); None: as it is
    prompt_template: str | None = None

    field_ranges: ClassVar[FieldRanges] = {
        "heldout_fraction": between(0, 1, low_open=True, high_open=True),
        "limit": optional(COUNT),
        "min_score_ratio": optional(POSITIVE),
    }

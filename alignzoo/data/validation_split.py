"""Prompts to tune on, kept apart from the prompts a report is scored on.

A search that picks its settings by the held-out score has tuned on the test set. Validation
prompts come from the training side instead: distinct training prompts that no held-out
prompt repeats, in a fixed shuffled order, the same for every run and seed, so every trial
of every algorithm is scored on the same set (``eval.prompts=validation``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from alignzoo.data.records import PromptRecord
from alignzoo.errors import ConfigError

#: the shuffle's seed: one validation set, whatever the run's ``seed``
VALIDATION_SEED = "alignzoo-validation"


def validation_prompts(
    train: Sequence[PromptRecord], heldout: Sequence[PromptRecord], count: int
) -> list[PromptRecord]:
    """Up to ``count`` distinct training prompts that are not held-out prompts."""
    held = {record.prompt for record in heldout}
    distinct = {record.prompt: record for record in train if record.prompt not in held}
    if not distinct:
        raise ConfigError(
            "eval.prompts=validation: every training prompt is also a held-out prompt, so "
            "no validation prompt is left apart from them"
        )
    records = list(distinct.values())
    random.Random(VALIDATION_SEED).shuffle(records)
    return records[:count]

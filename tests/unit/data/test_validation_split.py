"""Validation prompts (what a search tunes on) never include a held-out prompt (what the
report scores), and are the same for every run."""

from __future__ import annotations

import pytest

from alignzoo.data.records import PromptRecord
from alignzoo.data.validation_split import validation_prompts
from alignzoo.errors import ConfigError


def _records(*texts: str) -> list[PromptRecord]:
    return [PromptRecord(text) for text in texts]


def test_validation_prompts_are_distinct_training_prompts_that_no_heldout_prompt_repeats() -> None:
    train = _records(*(f"p{i}" for i in range(50)), "p1", "p2", "shared")
    heldout = _records("shared", "p3", "h1")
    found = [r.prompt for r in validation_prompts(train, heldout, 40)]
    assert len(found) == 40 and len(set(found)) == 40
    assert not {"shared", "p3"} & set(found)
    assert set(found) <= {r.prompt for r in train}
    # the same set for every run, and a smaller count is a prefix of it
    assert [r.prompt for r in validation_prompts(train, heldout, 40)] == found
    assert [r.prompt for r in validation_prompts(train, heldout, 10)] == found[:10]


def test_no_prompt_left_apart_from_the_heldout_ones_is_refused() -> None:
    with pytest.raises(ConfigError, match="eval.prompts=validation"):
        validation_prompts(_records("a", "b"), _records("b", "a"), 8)


def test_the_builtin_task_gives_a_full_validation_set_apart_from_its_heldout_prompts() -> None:
    from alignzoo.tasks.sentiment.config import SentimentTaskConfig
    from alignzoo.tasks.sentiment.task import SentimentTask

    task = SentimentTask(SentimentTaskConfig())
    heldout = task.prompts("heldout")
    found = validation_prompts(task.prompts("train"), heldout, 256)
    assert len(found) == 256
    assert not {r.prompt for r in found} & {r.prompt for r in heldout}

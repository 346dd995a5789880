"""Typed configs of ``data=reasoning_gym`` and ``reward=reasoning_gym``: reasoning-gym's
procedural tasks (generated here from a seed, no download) and their own verifiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from alignzoo.config.ranges import COUNT, FieldRanges, check_config_ranges
from alignzoo.config.validation import required
from alignzoo.rewards.extraction import Extraction

#: what the prompt asks for, so that any model knows where its answer goes
ANSWER_IN_TAGS = "{prompt}\nGive your final answer as <answer>...</answer>."


@dataclass
class ReasoningGymDataConfig:
    """``data=reasoning_gym data.task=<name>``: train and held-out problems of one task, each
    with its answer and metadata as per-example fields (what its verifier reads)."""

    #: a reasoning-gym task, e.g. chain_sum, basic_arithmetic, leg_counting, spell_backward
    task: str = required("a reasoning-gym task name, e.g. chain_sum")
    #: the task's own settings (its config dataclass's fields), e.g. {min_terms: 2}
    task_config: dict[str, Any] = field(default_factory=dict)
    train_size: int = 1000
    heldout_size: int = 100
    #: the training problems' seed; the held-out ones are drawn from another seed and never
    #: repeat a training question
    seed: int = 0
    #: the prompt, its ``{prompt}`` replaced by the question
    prompt_template: str = ANSWER_IN_TAGS
    #: render each prompt as a conversation with this system turn (the chat template)
    system_prompt: str | None = None

    field_ranges: ClassVar[FieldRanges] = {"train_size": COUNT, "heldout_size": COUNT}

    def __post_init__(self) -> None:
        """A nonsense value fails here, naming its key, before any model loads."""
        check_config_ranges(self, "data")


@dataclass
class ReasoningGymRewardConfig:
    """``reward=reasoning_gym``: the task's own ``score_answer`` on the completion's answer
    (1 correct, partial credit where the task gives it, 0 otherwise)."""

    #: where the answer is read from (reasoning-gym's convention: ``<answer>...</answer>``)
    extract: Extraction = Extraction.answer_tag
    answer_tag: str = "answer"

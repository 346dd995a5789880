"""The data-source interface: where preference pairs and prompts come from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Literal

from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord, unpaired
from alignzoo.rewards.source import RewardSource

Split = Literal["train", "heldout"]


class DataSource(ABC):
    """Supplies training and held-out records, and optionally what a task knows for certain.

    A plain file or hub data set only has records. A task with a known objective (the built-in
    sentiment task) also supplies its base model and its gold reward, which evaluation uses and
    no algorithm sees unless the config makes it the training reward.
    """

    @abstractmethod
    def preference_pairs(self, split: Split, tokenizer: Any = None) -> list[PreferencePair]:
        """Preference pairs of the split; ``tokenizer`` renders conversational rows."""

    @abstractmethod
    def prompts(self, split: Split, tokenizer: Any = None) -> list[PromptRecord]:
        """Prompts of the split, for sampling completions."""

    def feedback(self, split: Split, tokenizer: Any = None) -> list[LabelledCompletion]:
        """Unpaired thumbs-up/down rows of the split (default: each preference pair split in
        two, its chosen completion desirable and its rejected one not)."""
        return unpaired(self.preference_pairs(split, tokenizer))

    def base_model(self) -> str | None:
        """A local directory or hub id of the task's own base model, if it has one."""
        return None

    def base_model_config(self) -> Any:
        """The base model's transformers config, known without building it (None: no model)."""
        return None

    def gold_reward(self) -> RewardSource | None:
        """The task's true objective, if it is known."""
        return None

"""``data=reasoning_gym``: a task's problems as prompts with per-example fields."""

from __future__ import annotations

from typing import Any

from alignzoo.data.formats import normalize_prompt
from alignzoo.data.records import PreferencePair, PromptRecord
from alignzoo.data.source import DataSource, Split
from alignzoo.rewards.source import RewardSource
from alignzoo_reasoning_gym.config import ReasoningGymDataConfig, ReasoningGymRewardConfig
from alignzoo_reasoning_gym.tasks import task_dataset

#: the held-out problems' seed lies this far from the training seed
HELDOUT_SEED_OFFSET = 1_000_003


class ReasoningGymData(DataSource):
    """Generates the task's problems; its verifier is the gold reward (held-out accuracy)."""

    def __init__(self, config: ReasoningGymDataConfig) -> None:
        self.config = config
        self._records: dict[Split, list[PromptRecord]] = {}

    def preference_pairs(self, split: Split, tokenizer: Any = None) -> list[PreferencePair]:
        """None: a reasoning task has problems and answers, not preferences."""
        return []

    def prompts(self, split: Split, tokenizer: Any = None) -> list[PromptRecord]:
        """The split's problems; held-out questions never repeat a training one."""
        if split not in self._records:
            self._records[split] = self._generate(split, tokenizer)
        return self._records[split]

    def _generate(self, split: Split, tokenizer: Any) -> list[PromptRecord]:
        config = self.config
        train = split == "train"
        size = config.train_size if train else config.heldout_size
        seed = config.seed if train else config.seed + HELDOUT_SEED_OFFSET
        entries = list(task_dataset(config.task, dict(config.task_config), size, seed))
        if not train:
            seen = {record.fields["question"] for record in self.prompts("train", tokenizer)}
            entries = [entry for entry in entries if entry["question"] not in seen]
        source = f"data=reasoning_gym ({config.task}, {split})"
        return [
            normalize_prompt(
                {
                    "prompt": entry["question"],
                    "question": entry["question"],
                    "answer": entry["answer"],
                    "metadata": entry["metadata"],
                    "task": config.task,
                    "task_config": dict(config.task_config),
                },
                index,
                source,
                tokenizer,
                config.system_prompt,
                config.prompt_template,
            )
            for index, entry in enumerate(entries)
        ]

    def gold_reward(self) -> RewardSource:
        """The task's own verifier: held-out ``eval/gold_reward`` is accuracy."""
        from alignzoo_reasoning_gym.reward import ReasoningGymReward

        return ReasoningGymReward(ReasoningGymRewardConfig())

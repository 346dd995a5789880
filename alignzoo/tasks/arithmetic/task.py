"""The built-in reasoning task as a data source: prompts with their answers, a base model
that solves a minority of them, and the exact check as its gold reward."""

from __future__ import annotations

from typing import Any

from alignzoo.data.records import PreferencePair, PromptRecord
from alignzoo.data.source import DataSource, Split
from alignzoo.rewards.source import RewardSource
from alignzoo.tasks.arithmetic.architecture import architecture
from alignzoo.tasks.arithmetic.base_model import base_model_directory
from alignzoo.tasks.arithmetic.config import ArithmeticTaskConfig
from alignzoo.tasks.arithmetic.gold_reward import ArithmeticGold
from alignzoo.tasks.arithmetic.problems import (
    heldout_problems,
    prompt_of,
    training_problems,
    worked_answer,
)


class ArithmeticTask(DataSource):
    """Sums to work out step by step; the answer of each is a per-example field."""

    def __init__(self, config: ArithmeticTaskConfig) -> None:
        self.config = config

    def base_model(self) -> str:
        """The cached tiny base model, trained on first use."""
        return str(base_model_directory(self.config))

    def base_model_config(self) -> Any:
        """The tiny Llama's config.json content, without training it."""
        return architecture(self.config.base_model)

    def gold_reward(self) -> RewardSource:
        """The exact check: held-out ``eval/gold_reward`` is the share solved."""
        return ArithmeticGold()

    def prompts(self, split: Split, tokenizer: Any = None) -> list[PromptRecord]:
        """Training problems, or the held-out ones no training ever sees."""
        c = self.config
        held = heldout_problems(c.heldout_prompts, c.terms, c.largest, c.seed)
        if split == "heldout":
            problems = held
        else:
            seed = f"prompts-{c.seed}"
            problems = training_problems(c.train_prompts, [c.terms], c.largest, seed, set(held))
        return [
            PromptRecord(
                prompt_of(p), {"answer": str(sum(p)), "solution": worked_answer(p).strip()}
            )
            for p in problems
        ]

    def preference_pairs(self, split: Split, tokenizer: Any = None) -> list[PreferencePair]:
        """Each problem's worked answer against one with a wrong final sum (for offline
        algorithms: DPO, SimPO, KTO learn the same check)."""
        pairs = []
        for record in self.prompts(split):
            solution = " " + record.fields["solution"]
            answer = record.fields["answer"]
            wrong = solution[: solution.rindex(answer)] + str(int(answer) + 1)
            pairs.append(PreferencePair(record.prompt, solution, wrong))
        return pairs

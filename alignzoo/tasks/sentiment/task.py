"""The built-in controlled-sentiment task as a data source (DPO paper §6.1, in miniature).

Prompts are review openings from the grammar. Preference pairs are two completions sampled
from the base model per prompt, labelled by simulated raters. Everything is built from seeds
and cached, so the same config gives the same data on every machine, with no download.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

from transformers import AutoModelForCausalLM, AutoTokenizer

from alignzoo.cache import cached_directory
from alignzoo.config.schema import SamplingConfig
from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord
from alignzoo.data.source import DataSource, Split
from alignzoo.models.generation import sample_completions
from alignzoo.rewards.source import RewardSource
from alignzoo.tasks.sentiment.base_model import (
    base_model_directory,
    model_config,
)
from alignzoo.tasks.sentiment.config import (
    GoldObjective,
    GoldSentimentConfig,
    SentimentTaskConfig,
)
from alignzoo.tasks.sentiment.fluency import FLUENCY_VERSION
from alignzoo.tasks.sentiment.gold_reward import GoldSentimentReward
from alignzoo.tasks.sentiment.grammar import is_heldout_opening, write_review
from alignzoo.tasks.sentiment.raters import rate_pairs, thumbs_labels

PAIRS_VERSION = 1


class SentimentTask(DataSource):
    """Synthetic reviews, a tiny base model trained on them, simulated raters and a gold reward."""

    def __init__(self, config: SentimentTaskConfig) -> None:
        self.config = config
        self._pairs: dict[str, list[PreferencePair]] | None = None

    def base_model(self) -> str:
        """The cached tiny base model, trained on first use."""
        return str(base_model_directory(self.config.base_model))

    def base_model_config(self) -> Any:
        """The tiny Llama's config, without training it (for the memory planner)."""
        return model_config(self.config.base_model)

    def gold_reward(self) -> RewardSource:
        """The gold objective ``data.gold`` names: the raters, evaluation and ``reward=gold``
        all score by it."""
        return GoldSentimentReward(GoldSentimentConfig(objective=self.config.gold))

    def prompts(self, split: Split, tokenizer: Any = None) -> list[PromptRecord]:
        """Review openings; held-out ones are a fixed part no training prompt ever uses."""
        count = self.config.train_prompts if split == "train" else self.config.heldout_prompts
        rng = random.Random(f"{self.config.seed}-{split}")
        prompts: list[PromptRecord] = []
        while len(prompts) < count:
            opening = write_review(rng).opening
            if is_heldout_opening(opening) == (split == "heldout"):
                prompts.append(PromptRecord(opening))
        return prompts

    def preference_pairs(self, split: Split, tokenizer: Any = None) -> list[PreferencePair]:
        """Two base-model samples per prompt, labelled by simulated raters (cached)."""
        if self._pairs is None:
            self._pairs = self._load_or_sample_pairs()
        return self._pairs[split]

    def feedback(self, split: Split, tokenizer: Any = None) -> list[LabelledCompletion]:
        """A simulated rater's thumbs up or down on each sampled completion (both of every
        pair), judged against a typical completion: unpaired labels, noisy as the pairs'."""
        pairs = self.preference_pairs(split)
        prompts = [pair.prompt for pair in pairs for _ in range(2)]
        completions = [text for pair in pairs for text in (pair.chosen, pair.rejected)]
        gold = self.gold_reward().score(prompts, completions)
        seed = self.config.seed * 1000 + (0 if split == "train" else 1) + 7
        labels = thumbs_labels(gold, self.config.rater_temperature, seed)
        return [
            LabelledCompletion(prompt, text, up)
            for prompt, text, up in zip(prompts, completions, labels.tolist(), strict=True)
        ]

    def _load_or_sample_pairs(self) -> dict[str, list[PreferencePair]]:
        spec = {"pairs_version": PAIRS_VERSION, **asdict(self.config)}
        if self.config.gold is GoldObjective.sentiment:  # the pairs cached before data.gold
            del spec["gold"]
        else:
            spec["gold_version"] = FLUENCY_VERSION
        directory = cached_directory("pairs", spec, self._sample_pairs)
        stored = json.loads((directory / "pairs.json").read_text())
        return {split: [PreferencePair(**row) for row in rows] for split, rows in stored.items()}

    def _sample_pairs(self, out_dir: Path) -> None:
        path = self.base_model()
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path)
        gold = self.gold_reward()
        sampling = SamplingConfig(max_new_tokens=self.config.pair_max_new_tokens)
        stored = {}
        splits: tuple[Split, ...] = ("train", "heldout")
        for offset, split in enumerate(splits):
            prompts = [p.prompt for p in self.prompts(split)]
            seed = self.config.seed * 1000 + offset
            a, _ = sample_completions(model, tokenizer, prompts, sampling, 256, seed=seed)
            b, _ = sample_completions(model, tokenizer, prompts, sampling, 256, seed=seed + 500)
            pairs = rate_pairs(
                prompts,
                a,
                b,
                gold.score(prompts, a),
                gold.score(prompts, b),
                self.config.rater_temperature,
                seed=seed,
            )
            stored[split] = [asdict(p) for p in pairs]
        (out_dir / "pairs.json").write_text(json.dumps(stored))

"""The reasoning task's tiny base model: a word-level tokenizer over numbers and signs, and a
small Llama trained on worked sums until it knows the format and part of the sums. Built from
a seed, cached, then loaded like any Hugging Face model."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from transformers import PreTrainedTokenizerFast

from alignzoo.cache import cached_directory
from alignzoo.tasks.arithmetic.architecture import architecture
from alignzoo.tasks.arithmetic.config import ArithmeticTaskConfig
from alignzoo.tasks.arithmetic.problems import (
    heldout_problems,
    prompt_of,
    training_problems,
    vocabulary,
    worked_answer,
)
from alignzoo.tasks.tiny_llama_training import train_tiny_llama, word_level_tokenizer

#: bump when the problems, tokenizer or training code change, so caches rebuild
BUILD_VERSION = 1
#: the numbers of terms the corpus mixes
CORPUS_TERMS = [2, 3, 4]


def build_tokenizer() -> PreTrainedTokenizerFast:
    """Whitespace words: every number up to 99 is one token."""
    return word_level_tokenizer(vocabulary())


def train_base_model(task: ArithmeticTaskConfig, out_dir: Path) -> None:
    """Train on worked sums (never a held-out problem) and ``save_pretrained`` into ``out_dir``."""
    config = task.base_model
    held = set(heldout_problems(task.heldout_prompts, task.terms, task.largest, task.seed))
    corpus = training_problems(
        config.corpus_size, CORPUS_TERMS, task.largest, f"corpus-{config.seed}", held
    )
    texts = [prompt_of(p) + worked_answer(p) for p in corpus]
    train_tiny_llama(config, architecture(config), build_tokenizer(), texts, out_dir)


def base_model_directory(task: ArithmeticTaskConfig) -> Path:
    """The cached base model, trained on first use (about ten seconds on a CPU)."""
    spec = {
        "task": "arithmetic",
        "build_version": BUILD_VERSION,
        "heldout": [task.heldout_prompts, task.terms, task.largest, task.seed],
        **asdict(task.base_model),
    }
    return cached_directory("base_model", spec, lambda d: train_base_model(task, d))

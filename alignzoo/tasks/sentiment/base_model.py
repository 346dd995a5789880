"""The built-in task's tiny base language model: a word-level tokenizer and a small Llama.

Built from a seed on the synthetic corpus and cached, then loaded like any Hugging Face model
(``AutoModelForCausalLM.from_pretrained(directory)``), so the rest of alignzoo never treats it
specially. It stands in for the SFT model of the RLHF pipeline.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from pathlib import Path

from transformers import LlamaConfig, PreTrainedTokenizerFast

from alignzoo.cache import cached_directory
from alignzoo.tasks.sentiment.architecture import (
    base_model_architecture,
    token_words,
)
from alignzoo.tasks.sentiment.config import BaseModelConfig
from alignzoo.tasks.sentiment.grammar import write_review
from alignzoo.tasks.tiny_llama_training import train_tiny_llama, word_level_tokenizer

#: bump when the grammar, tokenizer or training code changes, so caches rebuild
BUILD_VERSION = 1


def build_tokenizer() -> PreTrainedTokenizerFast:
    """A whitespace word-level tokenizer over the grammar's closed vocabulary."""
    return word_level_tokenizer(token_words())


def _training_texts(config: BaseModelConfig) -> list[str]:
    rng = random.Random(config.seed)
    return [
        write_review(rng).text(tagged=rng.random() < config.tagged_fraction)
        for _ in range(config.corpus_size)
    ]


def model_config(config: BaseModelConfig) -> LlamaConfig:
    """The tiny Llama's architecture, known before (and without) training it."""
    architecture = base_model_architecture(config)
    del architecture["model_type"]
    return LlamaConfig(**architecture)


def train_base_model(config: BaseModelConfig, out_dir: Path) -> None:
    """Train the tiny LM on the synthetic corpus and ``save_pretrained`` it into ``out_dir``."""
    architecture = base_model_architecture(config)
    train_tiny_llama(config, architecture, build_tokenizer(), _training_texts(config), out_dir)


def base_model_directory(config: BaseModelConfig) -> Path:
    """The cached base model for ``config``, trained on first use (tens of seconds on a CPU)."""
    spec = {"build_version": BUILD_VERSION, **asdict(config)}
    return cached_directory("base_model", spec, lambda d: train_base_model(config, d))

"""The tiny base model's architecture as its config.json states it, known without torch.

The memory planner (``alignzoo-plan``) sizes the built-in task from this alone; the base model
is built from the same values, so the two cannot disagree.
"""

from __future__ import annotations

from typing import Any

from alignzoo.tasks.sentiment.config import BaseModelConfig, SentimentTaskConfig
from alignzoo.tasks.sentiment.grammar import vocabulary
from alignzoo.tasks.tiny_llama import SPECIAL_TOKENS, llama_architecture


def token_words() -> list[str]:
    """The tokenizer's words in id order: the special tokens, then the grammar's vocabulary."""
    return list(SPECIAL_TOKENS.values()) + vocabulary()


def base_model_architecture(config: BaseModelConfig) -> dict[str, Any]:
    """config.json's content for the tiny Llama (a LlamaConfig takes it as keywords)."""
    return llama_architecture(config, token_words())


def task_base_model_config(config: SentimentTaskConfig) -> dict[str, Any]:
    """``data=sentiment``'s base model, for ``registry.add_dataset(base_model_config=...)``."""
    return base_model_architecture(config.base_model)

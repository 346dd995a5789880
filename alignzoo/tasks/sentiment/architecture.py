"""The tiny base model's architecture as its config.json states it, known without torch.

The memory planner (``alignzoo-plan``) sizes the built-in task from this alone; the base model
is built from the same values, so the two cannot disagree.
"""

from __future__ import annotations

from typing import Any

from alignzoo.tasks.sentiment.config import BaseModelConfig, SentimentTaskConfig
from alignzoo.tasks.sentiment.grammar import vocabulary

SPECIAL_TOKENS = {
    "pad_token": "<pad>",
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
}


def token_words() -> list[str]:
    """The tokenizer's words in id order: the special tokens, then the grammar's vocabulary."""
    return list(SPECIAL_TOKENS.values()) + vocabulary()


def base_model_architecture(config: BaseModelConfig) -> dict[str, Any]:
    """config.json's content for the tiny Llama (a LlamaConfig takes it as keywords)."""
    words = token_words()
    return {
        "model_type": "llama",
        "vocab_size": len(words),
        "hidden_size": config.hidden_size,
        "intermediate_size": config.intermediate_size,
        "num_hidden_layers": config.num_layers,
        "num_attention_heads": config.num_heads,
        "num_key_value_heads": config.num_heads,
        "max_position_embeddings": config.max_positions,
        "pad_token_id": words.index(SPECIAL_TOKENS["pad_token"]),
        "bos_token_id": words.index(SPECIAL_TOKENS["bos_token"]),
        "eos_token_id": words.index(SPECIAL_TOKENS["eos_token"]),
        "tie_word_embeddings": True,
    }


def task_base_model_config(config: SentimentTaskConfig) -> dict[str, Any]:
    """``data=sentiment``'s base model, for ``registry.add_dataset(base_model_config=...)``."""
    return base_model_architecture(config.base_model)

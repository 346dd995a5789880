"""What the built-in tasks' tiny base models share, known without torch: the size and training
budget of a small Llama with a word-level tokenizer, and its config.json content (the memory
planner sizes a task from this; the model is built from the same values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: every built-in task's tokenizer begins with these
SPECIAL_TOKENS = {
    "pad_token": "<pad>",
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
}


@dataclass
class TinyLlamaConfig:
    """Size and training budget of a task's tiny base model (all part of its cache key)."""

    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_size: int = 384
    max_positions: int = 64
    corpus_size: int = 30_000
    train_steps: int = 1400
    batch_size: int = 64
    learning_rate: float = 5e-3
    seed: int = 1234


def llama_architecture(config: TinyLlamaConfig, words: list[str]) -> dict[str, Any]:
    """config.json's content for a tiny Llama over ``words`` (special tokens first)."""
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

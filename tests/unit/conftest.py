"""Shared fixtures of the unit tests: the built-in tokenizer and tiny random causal LMs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from alignzoo.data.records import PreferencePair
from alignzoo.tasks.sentiment.base_model import build_tokenizer

#: four clear-cut preference pairs in the built-in vocabulary, for training-step tests
SENTIMENT_PAIRS = [
    PreferencePair(
        "yesterday i watched the movie and", " the plot was great .", " the plot was bad ."
    ),
    PreferencePair(
        "last week we stayed at the hotel ,", " i loved the room .", " i hated the room ."
    ),
    PreferencePair(
        "recently i read the book :", " the story felt wonderful .", " the story felt dull ."
    ),
    PreferencePair(
        "on friday i ate at the restaurant and", " the food was good .", " the food was awful ."
    ),
]


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> Iterator[None]:
    """Tiny matrices: one intra-op thread avoids oversubscription on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tok() -> PreTrainedTokenizerFast:
    """The built-in task's word-level tokenizer (BOS on prompts, EOS and pad set)."""
    return build_tokenizer()


@pytest.fixture
def pairs() -> list[PreferencePair]:
    """Clear-cut pairs in the built-in vocabulary (a fresh list per test)."""
    return list(SENTIMENT_PAIRS)


@pytest.fixture(scope="session")
def tiny_llama_config(tok: PreTrainedTokenizerFast) -> Callable[..., LlamaConfig]:
    """A factory of one-layer Llama configs over ``tok``'s vocabulary (extra fields allowed)."""

    def make(**extra: object) -> LlamaConfig:
        return LlamaConfig(
            vocab_size=len(tok),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=2,
            max_position_embeddings=64,
            pad_token_id=tok.pad_token_id,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            **extra,
        )

    return make


@pytest.fixture(scope="session")
def tiny_llama(tiny_llama_config: Callable[..., LlamaConfig]) -> Callable[..., LlamaForCausalLM]:
    """A factory of one-layer random Llamas over ``tok``'s vocabulary, seeded for repeatability."""

    def make(seed: int = 0) -> LlamaForCausalLM:
        torch.manual_seed(seed)
        return LlamaForCausalLM(tiny_llama_config()).eval()

    return make


def _storage_bytes(*modules: torch.nn.Module) -> int:
    seen: dict[int, int] = {}
    for module in modules:
        for tensor in [*module.parameters(), *module.buffers()]:
            storage = tensor.untyped_storage()
            seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values())


@pytest.fixture(scope="session")
def storage_bytes() -> Callable[..., int]:
    """Bytes of distinct tensor storage held by modules together (shared storage once)."""
    return _storage_bytes

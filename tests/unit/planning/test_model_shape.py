"""A Llama-family shape counted from config.json equals the one measured on the meta device."""

from __future__ import annotations

import pytest

from alignzoo.errors import ConfigError
from alignzoo.planning.model_shape import llama_family_shape, meta_device_shape, model_shape

SIZES = {
    "vocab_size": 101,
    "hidden_size": 64,
    "intermediate_size": 96,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
}
#: config.json files as save_pretrained writes them, and as hand-written hub ones leave fields
#: out: each family at its class's defaults, then with the switches that change the count
CONFIGS = [
    {"model_type": "llama"},
    {"model_type": "llama", "num_key_value_heads": 2, "tie_word_embeddings": True},
    {"model_type": "llama", "attention_bias": True, "mlp_bias": True, "head_dim": 8},
    {"model_type": "mistral", "num_key_value_heads": 1},
    {"model_type": "mistral", "head_dim": 32, "attention_bias": True},  # mistral ignores it
    {"model_type": "qwen2", "num_key_value_heads": 2},
    {"model_type": "qwen2", "tie_word_embeddings": True, "head_dim": 8},
    {"model_type": "qwen3"},
    {"model_type": "qwen3", "attention_bias": True, "head_dim": 16, "num_key_value_heads": 2},
]


@pytest.mark.parametrize(
    "fields", CONFIGS, ids=lambda f: "-".join(f"{k}={v}" for k, v in f.items())
)
def test_the_formula_counts_what_the_meta_build_measures(fields: dict) -> None:
    values = SIZES | fields
    counted = llama_family_shape(values)
    assert counted is not None
    assert counted == meta_device_shape(values)


def test_llama_2_7b_is_counted_to_its_published_parameter_count() -> None:
    values = {
        "model_type": "llama",
        "vocab_size": 32000,
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
    }
    assert llama_family_shape(values).parameters == 6_738_415_616  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "values",
    [
        SIZES | {"model_type": "gpt2"},  # another architecture
        {k: v for k, v in SIZES.items() if k != "num_key_value_heads"} | {"model_type": "qwen2"},
    ],
    ids=["other-architecture", "size-left-to-the-class"],
)
def test_anything_else_is_left_to_the_meta_build(values: dict) -> None:
    assert llama_family_shape(values) is None


def test_a_model_outside_the_family_is_measured_on_the_meta_device() -> None:
    gpt2 = {"model_type": "gpt2", "vocab_size": 50, "n_embd": 32, "n_layer": 2, "n_head": 2}
    shape = model_shape(gpt2)
    # gpt2's blocks use Conv1D, not nn.Linear: the embeddings, norms and blocks are counted
    assert shape.layers == 2 and shape.hidden == 32 and shape.vocab == 50
    assert shape.parameters == meta_device_shape(gpt2).parameters > 50 * 32


def test_a_config_without_a_model_type_is_named_as_such() -> None:
    with pytest.raises(ConfigError, match=r"without model_type.*keys: hidden_size, vocab_size"):
        model_shape({"hidden_size": 8, "vocab_size": 10})

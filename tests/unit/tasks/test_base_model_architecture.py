"""The built-in base model's config.json, stated without torch, matches what is built."""

from __future__ import annotations

from alignzoo.planning.model_shape import llama_family_shape, meta_device_shape
from alignzoo.tasks.sentiment.architecture import base_model_architecture
from alignzoo.tasks.sentiment.base_model import build_tokenizer, model_config
from alignzoo.tasks.sentiment.config import BaseModelConfig


def test_the_stated_architecture_agrees_with_the_tokenizer_and_the_built_config() -> None:
    stated = base_model_architecture(BaseModelConfig())
    tokenizer = build_tokenizer()
    assert stated["vocab_size"] == len(tokenizer)
    assert (stated["pad_token_id"], stated["bos_token_id"], stated["eos_token_id"]) == (
        tokenizer.pad_token_id,
        tokenizer.bos_token_id,
        tokenizer.eos_token_id,
    )
    built = model_config(BaseModelConfig()).to_dict()
    assert {key: built[key] for key in stated} == stated


def test_the_planner_counts_the_built_in_model_as_the_meta_build_measures_it() -> None:
    wider = BaseModelConfig(hidden_size=96, num_layers=3)
    assert llama_family_shape(base_model_architecture(wider)) == meta_device_shape(
        model_config(wider)
    )

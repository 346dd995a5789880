"""The memory planner's terms, checked by hand on a Llama-2-7B config (no weights built)."""

from __future__ import annotations

import pytest
from transformers import LlamaConfig

from alignzoo.algorithms import MemoryTraits
from alignzoo.config.schema import LoraAdapterConfig, QuantConfig
from alignzoo.planning.memory import RunShape, format_plan, plan_memory
from alignzoo.planning.model_shape import model_shape

LLAMA_7B = LlamaConfig(
    vocab_size=32000,
    hidden_size=4096,
    intermediate_size=11008,
    num_hidden_layers=32,
    num_attention_heads=32,
    num_key_value_heads=32,
)
PARAMETERS = 6_738_415_616  # Llama-2-7B's published count
LINEAR = 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008)
#: LoRA r=8 on q, k, v, o (4096 -> 4096), gate, up (4096 -> 11008), down (11008 -> 4096)
ADAPTER = 32 * 8 * (4 * 8192 + 3 * (4096 + 11008))


@pytest.fixture(scope="module")
def shape():
    return model_shape(LLAMA_7B)


def run(**fields) -> RunShape:
    defaults = dict(
        kind="causal_lm",
        weight_bytes=2,
        traits=MemoryTraits(train_rows=4),
        sequence_tokens=512,
        prompt_tokens=256,
        eval_rows=8,
        eval_new_tokens=256,
    )
    return RunShape(**(defaults | fields))


def terms(plan, *phases):
    found = {t.name: t.bytes for t in plan.persistent}
    for phase in phases:
        found |= {f"{phase}/{t.name}": t.bytes for t in plan.phases[phase]}
    return found


def test_shape_of_a_7b_llama_from_its_config(shape) -> None:
    assert shape.parameters == PARAMETERS
    assert shape.linear_parameters == LINEAR
    assert shape.other_parameters == 2 * 32000 * 4096 + 65 * 4096  # embed, head, 65 norms
    assert (shape.layers, shape.hidden, shape.intermediate, shape.kv_width) == (
        32,
        4096,
        11008,
        4096,
    )


def test_full_fine_tuning_holds_weights_reference_and_adam_in_bf16(shape) -> None:
    plan = plan_memory(shape, run())
    found = terms(plan, "train step")
    assert found["weights"] == PARAMETERS * 2
    assert found["reference"] == PARAMETERS * 2
    assert found["optimizer"] == 2 * PARAMETERS * 2
    assert found["train step/gradients"] == PARAMETERS * 2
    per_token = 8 * 4096 + 2 * 4096 + 4 * 11008
    assert found["train step/activations"] == 4 * 512 * 32 * per_token * 2
    assert found["train step/vocabulary"] == 4 * 512 * 32000 * 4 * 3


def test_lora_drops_the_reference_and_trains_adapters_in_float32(shape) -> None:
    plan = plan_memory(shape, run(lora=LoraAdapterConfig(r=8)))
    found = terms(plan, "train step")
    assert found["reference"] == 0
    assert found["adapter"] == ADAPTER * 4
    assert found["optimizer"] == 2 * ADAPTER * 4
    assert found["train step/gradients"] == ADAPTER * 4
    full = plan_memory(shape, run())
    assert plan.peak_bytes < full.peak_bytes / 3


def test_4bit_weights_are_half_a_byte_plus_scales(shape) -> None:
    double = plan_memory(shape, run(lora=LoraAdapterConfig(), quant=QuantConfig(bits=4)))
    single = plan_memory(
        shape, run(lora=LoraAdapterConfig(), quant=QuantConfig(bits=4, double_quant=False))
    )
    others = (PARAMETERS - LINEAR) * 4  # kept in float32 by k-bit preparation
    assert terms(double)["weights"] == pytest.approx(LINEAR * (0.5 + (1 + 4 / 256) / 64) + others)
    assert terms(single)["weights"] == pytest.approx(LINEAR * (0.5 + 4 / 64) + others)
    eight = plan_memory(shape, run(lora=LoraAdapterConfig(), quant=QuantConfig(bits=8)))
    assert terms(double)["weights"] < terms(eight)["weights"] < PARAMETERS * 2


def test_checkpointing_keeps_one_hidden_state_per_layer(shape) -> None:
    plain = terms(plan_memory(shape, run()), "train step")["train step/activations"]
    checkpointed = terms(plan_memory(shape, run(gradient_checkpointing=True)), "train step")
    assert checkpointed["train step/activations"] < plain / 5


def test_rollouts_add_a_kv_cache_phase(shape) -> None:
    traits = MemoryTraits(train_rows=4, rollout_rows=8, rollout_new_tokens=128)
    plan = plan_memory(shape, run(traits=traits))
    assert terms(plan, "rollout")["rollout/KV cache"] == 2 * 32 * 8 * (256 + 128) * 4096 * 2
    assert "rollout" not in plan_memory(shape, run()).phases


def test_breakdown_names_each_term_and_the_verdict(shape) -> None:
    plan = plan_memory(shape, run(lora=LoraAdapterConfig(), quant=QuantConfig()))
    text = format_plan(plan, budget_bytes=24 * 2**30)
    for name in ("weights", "adapter", "optimizer", "activations", "KV cache", "estimated peak"):
        assert name in text
    assert ("fits in 24.00 GiB" in text) == (plan.peak_bytes <= 24 * 2**30)
    assert "does NOT fit" in format_plan(plan, budget_bytes=2**30)

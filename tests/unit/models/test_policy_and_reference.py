"""``peft`` and ``quant`` applied to the trained model: one copy of the weights, 4-bit on CPU."""

from __future__ import annotations

from pathlib import Path

import bitsandbytes as bnb
import pytest
import torch
from peft import AutoPeftModelForCausalLM, PeftModel
from torch.testing import assert_close
from transformers import AutoModelForCausalLM

from alignzoo.config.schema import (
    ComputeDType,
    DType,
    LoraAdapterConfig,
    ModelConfig,
    QuantConfig,
)
from alignzoo.errors import ConfigError
from alignzoo.models.loading import load_causal_lm
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.policy import load_policy_and_reference
from alignzoo.runner.checkpoint import save_policy

CPU = torch.device("cpu")


@pytest.fixture
def base_dir(tiny_llama, tok, tmp_path: Path) -> Path:
    """A saved tiny Llama with its tokenizer, loadable by ``from_pretrained``."""
    tiny_llama(seed=3).save_pretrained(tmp_path / "base")
    tok.save_pretrained(tmp_path / "base")
    return tmp_path / "base"


def load(base_dir: Path, **kwargs):
    return load_policy_and_reference(str(base_dir), ModelConfig(), "causal_lm", CPU, **kwargs)


def test_full_fine_tuning_reference_is_a_second_copy(base_dir: Path, storage_bytes) -> None:
    policy, reference = load(base_dir)
    assert not reference.shares_policy_weights
    assert storage_bytes(policy, reference.model) == 2 * storage_bytes(policy)


def test_lora_reference_is_the_same_base_held_once(base_dir: Path, storage_bytes) -> None:
    policy, reference = load(base_dir, lora=LoraAdapterConfig(r=4))
    assert isinstance(policy, PeftModel) and reference.shares_policy_weights
    assert storage_bytes(policy, reference.model) == storage_bytes(policy)
    trainable = {n for n, p in policy.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in name for name in trainable)
    # every linear layer but the output head carries an adapter ("all-linear")
    adapted = {n.split(".")[-4] for n in trainable if n.endswith("lora_A.default.weight")}
    assert adapted == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def test_lora_reference_stays_the_base_while_the_adapter_trains(base_dir: Path, batch) -> None:
    base = AutoModelForCausalLM.from_pretrained(base_dir).eval()
    expected = sequence_logprobs(base, batch).detach()
    policy, reference = load(base_dir, lora=LoraAdapterConfig(r=4))
    policy.train()
    with torch.no_grad():
        for name, p in policy.named_parameters():
            if "lora_B" in name:  # B starts at zero: give the adapter an effect
                p.add_(torch.randn_like(p) * 0.5)
    assert not torch.allclose(sequence_logprobs(policy.eval(), batch), expected, atol=1e-3)
    policy.train()
    assert_close(reference.sequence_logprobs(batch), expected)
    assert reference.token_logprobs(batch).shape == (2, batch.input_ids.shape[1] - 1)
    # leaving the reference restores the policy: adapter on, train mode, gradients
    assert policy.training
    logps = sequence_logprobs(policy, batch)
    assert logps.requires_grad and not torch.allclose(logps.detach(), expected, atol=1e-3)


def test_4bit_lora_trains_only_the_adapter_on_cpu(base_dir: Path, batch, storage_bytes) -> None:
    policy, reference = load(
        base_dir, lora=LoraAdapterConfig(r=4), quant=QuantConfig(bits=4, compute_dtype="float32")
    )
    layer = policy.base_model.model.model.layers[0]
    assert isinstance(layer.self_attn.q_proj.base_layer, bnb.nn.Linear4bit)
    assert storage_bytes(policy, reference.model) == storage_bytes(policy)
    # a 4-bit weight packs two values a byte: an eighth of its float32 size
    linear = layer.mlp.up_proj.base_layer
    packed = linear.weight.untyped_storage().nbytes()
    assert packed * 2 == linear.in_features * linear.out_features
    before = {n: p.detach().clone() for n, p in policy.named_parameters()}
    optimizer = torch.optim.AdamW([p for p in policy.parameters() if p.requires_grad], lr=0.1)
    policy.train()
    for _ in range(2):  # B is zero at first: the second step moves A as well
        loss = -sequence_logprobs(policy, batch).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    changed = {n for n, p in policy.named_parameters() if not torch.equal(before[n], p)}
    assert changed and all("lora_" in name for name in changed)
    assert_close(reference.sequence_logprobs(batch), reference.sequence_logprobs(batch))


def test_4bit_weights_stay_unpacked_where_the_cpu_has_avx512_bf16(
    base_dir: Path, batch, monkeypatch
) -> None:
    """bitsandbytes rewrites a ``Linear4bit`` weight in place into a packed bf16 layout when it
    runs forward in eval mode without gradients on a CPU with AVX512-BF16 (it raised on narrow
    layers, and training then ran on the rewritten weight). The detection is forced on here so
    the path is tested on every CPU: loading must switch it off, and the weights stay as they
    were through a no-grad evaluation and the training step after it."""
    monkeypatch.setattr(bnb.nn.modules, "has_avx512bf16", lambda: True)
    policy, reference = load(
        base_dir, lora=LoraAdapterConfig(r=4), quant=QuantConfig(bits=4, compute_dtype="float32")
    )
    layers = [m for m in policy.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert layers and not any(layer.support_avx512bf16_for_cpu for layer in layers)
    weights = [layer.weight.detach().clone() for layer in layers]
    policy.eval()
    with torch.no_grad():
        evaluated = sequence_logprobs(policy, batch)
        referenced = reference.sequence_logprobs(batch)
    for layer, weight in zip(layers, weights, strict=True):
        assert torch.equal(layer.weight, weight)
        assert not getattr(layer.weight.quant_state, "packing_format_for_cpu", False)
    policy.train()
    trained = sequence_logprobs(policy, batch)
    assert trained.requires_grad
    assert_close(trained.detach(), evaluated)
    assert_close(referenced, evaluated)


def test_8bit_base_loads_on_cpu(base_dir: Path) -> None:
    policy, _ = load(base_dir, lora=LoraAdapterConfig(r=4), quant=QuantConfig(bits=8))
    layer = policy.base_model.model.model.layers[0]
    assert isinstance(layer.mlp.down_proj.base_layer, bnb.nn.Linear8bitLt)


def test_quantized_weights_without_lora_are_refused(base_dir: Path) -> None:
    with pytest.raises(ConfigError, match="quant=4bit needs peft=lora"):
        load(base_dir, quant=QuantConfig(bits=4))


def test_merge_into_a_quantized_base_is_refused_before_training(base_dir: Path) -> None:
    with pytest.raises(ConfigError, match="merge_at_end.*dequantis"):
        load(base_dir, lora=LoraAdapterConfig(merge_at_end=True), quant=QuantConfig(bits=4))


def test_unknown_target_module_names_the_field(base_dir: Path) -> None:
    with pytest.raises(ConfigError, match="peft.target_modules"):
        load(base_dir, lora=LoraAdapterConfig(target_modules=["no_such_proj"]))


def test_saved_adapter_loads_with_plain_peft_and_merges(base_dir: Path, tok, batch, tmp_path):
    policy, _ = load(base_dir, lora=LoraAdapterConfig(r=4))
    with torch.no_grad():
        for name, p in policy.named_parameters():
            if "lora_B" in name:
                p.add_(torch.randn_like(p) * 0.5)
    expected = sequence_logprobs(policy.eval(), batch).detach()
    saved = save_policy(policy, tok, tmp_path / "policy")
    assert (saved / "adapter_model.safetensors").exists()
    assert not (saved / "model.safetensors").exists()  # the adapter only, not the base again
    reloaded = AutoPeftModelForCausalLM.from_pretrained(saved).eval()
    assert_close(sequence_logprobs(reloaded, batch), expected)
    # our loader merges a saved adapter into its float base: a plain model, same outputs
    merged = load_causal_lm(str(saved), ModelConfig())
    assert not isinstance(merged, PeftModel)
    assert_close(sequence_logprobs(merged, batch), expected, rtol=1e-4, atol=1e-4)
    save_policy(policy.merge_and_unload(), tok, tmp_path / "merged")
    plain = AutoModelForCausalLM.from_pretrained(tmp_path / "merged").eval()
    assert_close(sequence_logprobs(plain, batch), expected, rtol=1e-4, atol=1e-4)


def test_saved_adapter_on_a_quantized_base_stays_an_adapter(base_dir: Path, tok, tmp_path):
    policy, _ = load(base_dir, lora=LoraAdapterConfig(r=4))
    saved = save_policy(policy, tok, tmp_path / "policy")
    model = load_causal_lm(str(saved), ModelConfig(), QuantConfig(bits=4), CPU)
    assert isinstance(model, PeftModel)
    with pytest.raises(ConfigError, match="already a LoRA adapter"):
        load(saved, lora=LoraAdapterConfig(r=4), quant=QuantConfig(bits=4))


@pytest.mark.gpu
def test_4bit_lora_on_cuda_holds_less_than_full_weights(base_dir: Path, batch) -> None:
    cuda = torch.device("cuda")
    policy, reference = load_policy_and_reference(
        str(base_dir), ModelConfig(), "causal_lm", cuda, LoraAdapterConfig(r=4), QuantConfig()
    )
    assert next(policy.parameters()).device.type == "cuda"
    loss = -sequence_logprobs(policy.train(), batch.to(cuda)).mean()
    loss.backward()
    assert all(p.grad is not None for p in policy.parameters() if p.requires_grad)
    assert reference.sequence_logprobs(batch.to(cuda)).device.type == "cuda"


@pytest.mark.parametrize(
    ("dtype", "quant", "adapter_dtype"),
    [
        (DType.float32, None, torch.float32),
        (DType.bfloat16, None, torch.bfloat16),
        (DType.bfloat16, QuantConfig(compute_dtype=ComputeDType.bfloat16), torch.bfloat16),
        (DType.float16, None, torch.float32),
    ],
)
def test_the_adapter_trains_in_bfloat16_on_a_bfloat16_base_and_float32_otherwise(
    base_dir: Path, batch, dtype: DType, quant: QuantConfig | None, adapter_dtype: torch.dtype
) -> None:
    """A bf16 base keeps a bf16 adapter (no float32 copies of every adapted layer's input);
    fp16 keeps peft's float32 adapter, whose updates fp16 would lose."""
    policy, _ = load_policy_and_reference(
        str(base_dir), ModelConfig(dtype=dtype), "causal_lm", CPU, LoraAdapterConfig(r=4), quant
    )
    trained = [p for p in policy.parameters() if p.requires_grad]
    assert trained and {p.dtype for p in trained} == {adapter_dtype}
    base = [p for p in policy.parameters() if not p.requires_grad and p.is_floating_point()]
    assert {p.dtype for p in base} == {getattr(torch, dtype.value)}  # norms stay as loaded
    if dtype != DType.float16:  # half-precision matmuls on the CPU: not every build has them
        sequence_logprobs(policy.train(), batch).sum().backward()
        assert all(p.grad is not None and p.grad.dtype == adapter_dtype for p in trained)

"""``quant=4bit|8bit``: the bitsandbytes settings a model is loaded with."""

from __future__ import annotations

import torch
from transformers import BitsAndBytesConfig

from alignzoo.config.schema import ComputeDType, QuantConfig
from alignzoo.errors import ConfigError


def compute_dtype(config: QuantConfig, device: torch.device) -> torch.dtype:
    """The dtype 4-bit layers compute in; "auto" is bfloat16 where a GPU supports it."""
    if config.compute_dtype != ComputeDType.auto:
        dtype = getattr(torch, ComputeDType(config.compute_dtype).value)
        assert isinstance(dtype, torch.dtype)
        return dtype
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def bitsandbytes_config(config: QuantConfig, device: torch.device) -> BitsAndBytesConfig:
    """transformers' ``BitsAndBytesConfig`` for ``config`` on ``device``."""
    if config.bits == 4:
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=config.quant_type.value,
            bnb_4bit_use_double_quant=config.double_quant,
            bnb_4bit_compute_dtype=compute_dtype(config, device),
        )
    if config.bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    raise ConfigError(f"quant.bits={config.bits}: expected 4 or 8")


def keep_4bit_weights_unpacked(model: torch.nn.Module) -> int:
    """Turn off bitsandbytes' CPU repacking of 4-bit weights on every layer of ``model``.

    On a CPU with AVX512-BF16, a bitsandbytes ``Linear4bit`` that runs forward in eval mode
    without gradients rewrites its weight in place into a packed bf16 layout. That raises on
    layers narrower than its block, and training that follows (after an evaluation or a
    rollout) then runs on the rewritten weight: QLoRA PPO collapsed to empty completions.
    Results must not depend on the CPU's instruction set, so every layer keeps the one
    layout all CPUs and GPUs use. Returns how many layers were switched.
    """
    switched = 0
    for module in model.modules():
        if getattr(module, "support_avx512bf16_for_cpu", False):
            setattr(module, "support_avx512bf16_for_cpu", False)  # noqa: B010 (not typed)
            switched += 1
    return switched

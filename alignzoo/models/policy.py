"""The model a run trains and its reference, with ``peft`` and ``quant`` applied."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import torch
from transformers import PreTrainedModel

from alignzoo.config.schema import LoraAdapterConfig, ModelConfig, QuantConfig
from alignzoo.errors import ConfigError
from alignzoo.models.adapters import add_lora, refuse_merge_into_quantized
from alignzoo.models.loading import load_causal_lm, load_reward_model
from alignzoo.models.peft_check import is_peft_model
from alignzoo.models.reference import ReferenceModel

if TYPE_CHECKING:
    from peft import PeftModel


def load_policy_and_reference(
    name_or_path: str,
    config: ModelConfig,
    kind: str,
    device: torch.device,
    lora: LoraAdapterConfig | None = None,
    quant: QuantConfig | None = None,
    gradient_checkpointing: bool = False,
    pad_token_id: int | None = None,
    with_reference: bool = True,
) -> tuple[PreTrainedModel, ReferenceModel | None]:
    """The trainable model of ``kind`` and, for a causal LM, its reference.

    Full fine-tuning keeps a frozen copy as reference, unless ``with_reference`` is False (a
    reference-free algorithm): then there is none. With LoRA the reference is the same base
    with the adapter disabled, so the weights are held once and it is always there; a
    quantized base can only be trained through an adapter.
    """
    if quant is not None and lora is None:
        raise ConfigError(
            f"quant={quant.bits}bit needs peft=lora: quantized weights cannot be trained "
            "themselves, only low-rank adapters on top of them (QLoRA)"
        )
    refuse_merge_into_quantized(quant is not None, lora)
    model: PreTrainedModel | PeftModel
    if kind == "reward_model":
        model = load_reward_model(name_or_path, config, pad_token_id, quant, device)
    else:
        model = load_causal_lm(name_or_path, config, quant, device)
    if lora is not None:
        model = add_lora(model, lora, kind, gradient_checkpointing)
    elif gradient_checkpointing:
        model.gradient_checkpointing_enable()
    policy = cast(PreTrainedModel, model)  # a PeftModel serves as the model it wraps
    if kind == "reward_model":
        return policy, None
    if is_peft_model(model):
        return policy, ReferenceModel.adapter_disabled(model)
    if not with_reference:
        return policy, None
    return policy, ReferenceModel.frozen_copy_of(policy)  # a copy on the policy's device

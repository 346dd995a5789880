"""``peft=lora``: low-rank adapters on a frozen (optionally quantized) base, through peft."""

from __future__ import annotations

from typing import TYPE_CHECKING

from transformers import PreTrainedModel

from alignzoo.config.schema import LoraAdapterConfig
from alignzoo.errors import ConfigError
from alignzoo.models.peft_check import is_peft_model

if TYPE_CHECKING:
    from peft import PeftModel

#: peft's task (a ``peft.TaskType`` name) per kind of model the runner trains
TASK_TYPES = {"causal_lm": "CAUSAL_LM", "reward_model": "SEQ_CLS"}


def add_lora(
    model: PreTrainedModel,
    config: LoraAdapterConfig,
    kind: str,
    gradient_checkpointing: bool = False,
) -> PeftModel:
    """Wrap ``model`` with a trainable LoRA adapter; every base weight is frozen.

    A float16 quantized base first goes through peft's k-bit preparation (norms and head in
    float32, for stability). On a bfloat16 base the adapter is bfloat16 too, as TRL trains
    QLoRA: peft's float32 adapters make every adapted layer keep a float32 copy of its input
    for the backward pass, and peft's k-bit preparation turns the whole residual stream to
    float32 (DPO on a 1B model, H100: 8.0 GiB with LoRA, 7.6 with QLoRA, against 5.7 and 4.4
    in bfloat16), and bfloat16 needs no upcast for stability. For a reward model
    peft also trains the new scalar head in full (``modules_to_save``), since it starts
    from random.
    """
    # peft (and bitsandbytes behind it) is imported only by runs that use it
    import torch
    from peft import LoraConfig, TaskType, get_peft_model, prepare_model_for_kbit_training

    if config.r < 1:
        raise ConfigError(f"peft.r={config.r}: the adapter rank must be >= 1")
    if is_peft_model(model):
        raise ConfigError(
            "peft=lora on a model that is already a LoRA adapter on a quantized base: "
            "merge that adapter into a full-precision base first, or use quant=none"
        )
    base_dtype = model.dtype  # the float weights' dtype, also beside quantized ones
    quantized = getattr(model, "is_quantized", False)
    if quantized and base_dtype == torch.float16:
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=gradient_checkpointing
        )
    else:
        model.requires_grad_(False)
        if gradient_checkpointing:
            model.gradient_checkpointing_enable()
            model.enable_input_require_grads()  # frozen embeddings: checkpoints need a grad input
    target = config.target_modules
    lora = LoraConfig(
        r=config.r,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=target[0] if target == ["all-linear"] else list(target),
        task_type=TaskType[TASK_TYPES[kind]],
    )
    try:
        adapted = get_peft_model(model, lora)
    except ValueError as error:  # e.g. a target module name the model does not have
        raise ConfigError(f"peft.target_modules={list(target)}: {error}") from error
    if base_dtype == torch.bfloat16:  # peft upcast the adapter to float32 (see above)
        for parameter in adapted.parameters():
            if parameter.requires_grad:
                parameter.data = parameter.data.to(torch.bfloat16)
    return adapted


def refuse_merge_into_quantized(quantized: bool, config: LoraAdapterConfig | None) -> None:
    """Refuse, before any training, a merge that a quantized base cannot take."""
    if config is not None and config.merge_at_end and quantized:
        raise ConfigError(
            "peft.merge_at_end=true with quant=4bit/8bit: merging an adapter into quantized "
            "weights would need dequantising them (and re-quantizing loses the adapter's "
            "precision); keep the adapter (policy/ loads with peft), or train with quant=none"
        )

"""Load models and tokenizers from a Hugging Face hub id or a local directory.

A directory saved by a ``peft=lora`` run holds only an adapter: its base is loaded from the
adapter's own config and the adapter applied on top, so every loader accepts either.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from alignzoo.config.schema import ModelConfig, QuantConfig
from alignzoo.errors import ConfigError
from alignzoo.models.location import adapter_base, model_location
from alignzoo.models.peft_check import is_peft_model
from alignzoo.models.quantization import bitsandbytes_config, keep_4bit_weights_unpacked


def resolve_device(name: str) -> torch.device:
    """``"auto"`` is CUDA when present, else CPU; anything else is taken as a torch device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def load_tokenizer(
    name_or_path: str, config: ModelConfig, field: str = "model.name_or_path"
) -> PreTrainedTokenizerBase:
    """The tokenizer, with a pad token (EOS when the model has none)."""
    location = model_location(name_or_path, field)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            location, revision=config.revision, trust_remote_code=config.trust_remote_code
        )
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"{field}={name_or_path!r}: could not load its tokenizer (expected a Hugging Face "
            f"hub id or a local directory): {error}"
        ) from error
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ConfigError(f"{name_or_path!r}: the tokenizer has no pad or EOS token")
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(
    name_or_path: str,
    config: ModelConfig,
    quant: QuantConfig | None = None,
    device: torch.device | None = None,
    field: str = "model.name_or_path",
) -> PreTrainedModel:
    """The causal LM in ``config.dtype`` (or quantized), in eval mode.

    A saved adapter is merged into its base when the base is not quantized (lossless, and
    the result trains and generates like any model); on a quantized base it stays a frozen
    ``PeftModel``.
    """
    model = _from_pretrained(
        AutoModelForCausalLM, name_or_path, config, "a causal LM", quant, device, field
    )
    if is_peft_model(model) and quant is None:
        model = model.merge_and_unload()
    return model.eval()


def load_reward_model(
    name_or_path: str,
    config: ModelConfig,
    pad_token_id: int | None = None,
    quant: QuantConfig | None = None,
    device: torch.device | None = None,
    field: str = "model.name_or_path",
) -> PreTrainedModel:
    """A sequence classifier with one output (a scalar reward) from any checkpoint.

    From a causal LM checkpoint the trunk is reused and a new scalar head is initialised,
    as in Stiennon et al. 2020; the pad token id lets it find each row's last token.
    """
    model = _from_pretrained(
        AutoModelForSequenceClassification,
        name_or_path,
        config,
        "a sequence classifier",
        quant,
        device,
        field,
        num_labels=1,
    )
    if pad_token_id is not None:
        model.config.pad_token_id = pad_token_id
    return model.eval()


def _from_pretrained(
    auto_class: Any,
    name_or_path: str,
    config: ModelConfig,
    what: str,
    quant: QuantConfig | None,
    device: torch.device | None,
    field: str,
    **extra: Any,
) -> PreTrainedModel:
    """``auto_class`` from a full checkpoint, or from an adapter's base with the adapter on top,
    on ``device`` when one is given (a quantized model is loaded straight onto it)."""
    location = model_location(name_or_path, field)
    base = adapter_base(location)
    kwargs: dict[str, Any] = {
        "revision": config.revision,
        "dtype": getattr(torch, config.dtype.value),
        "trust_remote_code": config.trust_remote_code,
        **extra,
    }
    if quant is not None:
        # bitsandbytes quantizes while loading, onto the device that will run the model
        device = device or resolve_device("auto")
        kwargs |= {
            "quantization_config": bitsandbytes_config(quant, device),
            "device_map": {"": device},
        }
    try:
        model = auto_class.from_pretrained(base or location, **kwargs)
        if base is not None:  # a saved adapter: peft is needed (and imported) only here
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, location)
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"{field}={name_or_path!r}: could not load {what} (expected a Hugging "
            f"Face hub id, a local directory, or a saved LoRA adapter): {error}"
        ) from error
    if quant is not None:
        keep_4bit_weights_unpacked(model)
    elif device is not None:
        model.to(device)
    return model

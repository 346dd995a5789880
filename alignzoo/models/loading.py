"""Load a causal LM and its tokenizer from a Hugging Face hub id or a local directory."""

from __future__ import annotations

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from alignzoo.config.schema import ModelConfig
from alignzoo.errors import ConfigError


def resolve_device(name: str) -> torch.device:
    """``"auto"`` is CUDA when present, else CPU; anything else is taken as a torch device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def load_tokenizer(name_or_path: str, config: ModelConfig) -> PreTrainedTokenizerBase:
    """The tokenizer, with a pad token (EOS when the model has none)."""
    tokenizer = AutoTokenizer.from_pretrained(
        name_or_path, revision=config.revision, trust_remote_code=config.trust_remote_code
    )
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ConfigError(f"model.name_or_path={name_or_path!r}: tokenizer has no pad or EOS")
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(name_or_path: str, config: ModelConfig) -> PreTrainedModel:
    """The causal LM in ``config.dtype``, in eval mode (the runner switches to train)."""
    try:
        model = AutoModelForCausalLM.from_pretrained(
            name_or_path,
            revision=config.revision,
            dtype=getattr(torch, config.dtype.value),
            trust_remote_code=config.trust_remote_code,
        )
    except OSError as error:
        raise ConfigError(
            f"model.name_or_path={name_or_path!r}: could not load a causal LM "
            f"(expected a Hugging Face hub id or a local directory): {error}"
        ) from error
    return model.eval()


def load_reward_model(
    name_or_path: str, config: ModelConfig, pad_token_id: int | None = None
) -> PreTrainedModel:
    """A sequence classifier with one output (a scalar reward) from any checkpoint.

    From a causal LM checkpoint the trunk is reused and a new scalar head is initialised,
    as in Stiennon et al. 2020; the pad token id lets it find each row's last token.
    """
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            name_or_path,
            num_labels=1,
            revision=config.revision,
            dtype=getattr(torch, config.dtype.value),
            trust_remote_code=config.trust_remote_code,
        )
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"model.name_or_path={name_or_path!r}: could not load a sequence classifier "
            f"(expected a Hugging Face hub id or a local directory): {error}"
        ) from error
    if pad_token_id is not None:
        model.config.pad_token_id = pad_token_id
    return model.eval()

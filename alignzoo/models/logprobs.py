"""Log-probabilities of completion tokens under a causal LM: the quantity every method needs."""

from __future__ import annotations

import torch
from transformers import PreTrainedModel

from alignzoo.models.tokenize import TokenizedCompletions


def token_logprobs(model: PreTrainedModel, batch: TokenizedCompletions) -> torch.Tensor:
    """Per-token log p(token | prefix) for every completion token, 0 elsewhere; shape [B, T-1].

    Position ids come from the attention mask so left- and right-padded rows score alike.
    """
    position_ids = (batch.attention_mask.cumsum(-1) - 1).clamp(min=0)
    logits = (
        model(
            input_ids=batch.input_ids,
            attention_mask=batch.attention_mask,
            position_ids=position_ids,
        )
        .logits[:, :-1]
        .float()
    )
    targets = batch.input_ids[:, 1:]
    # log_softmax gathered at the target = -cross_entropy, without a [B, T, V] log-prob copy
    logps = -torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    return logps * batch.completion_mask[:, 1:]


def sequence_logprobs(model: PreTrainedModel, batch: TokenizedCompletions) -> torch.Tensor:
    """Summed log p(completion | prompt) per row; shape [B]."""
    return token_logprobs(model, batch).sum(-1)

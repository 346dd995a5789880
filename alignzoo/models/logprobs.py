"""Log-probabilities of completion tokens under a causal LM: the quantity every method needs."""

from __future__ import annotations

from typing import Any

import torch
from transformers import PreTrainedModel

from alignzoo.models.tokenize import TokenizedCompletions


def positions_from_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """Position ids that skip padding, so left- and right-padded rows score alike."""
    return (attention_mask.cumsum(-1) - 1).clamp(min=0)


def causal_forward(
    model: PreTrainedModel, batch: TokenizedCompletions, output_hidden_states: bool = False
) -> Any:
    """The model's forward on ``batch``, with position ids from the attention mask.

    Deriving positions from the mask makes left- and right-padded rows score alike. Packed rows
    go in with their own restarting position ids and no 2-D mask: transformers then builds the
    block-diagonal causal mask that keeps each packed example to itself (only without a KV
    cache, hence ``use_cache=False``).
    """
    if batch.attention_4d is not None:  # shared prompts: the mask says who sees whom
        return model(
            input_ids=batch.input_ids,
            attention_mask=batch.attention_4d,
            position_ids=batch.position_ids,
            use_cache=False,
            output_hidden_states=output_hidden_states,
        )
    if batch.position_ids is not None:
        return model(
            input_ids=batch.input_ids,
            position_ids=batch.position_ids,
            use_cache=False,
            output_hidden_states=output_hidden_states,
        )
    return model(
        input_ids=batch.input_ids,
        attention_mask=batch.attention_mask,
        position_ids=positions_from_mask(batch.attention_mask),
        output_hidden_states=output_hidden_states,
    )


def completion_logprobs(
    logits: torch.Tensor, batch: TokenizedCompletions, temperature: float = 1.0
) -> torch.Tensor:
    """log softmax(logits / temperature) at each next token, 0 outside completions; [B, T-1]."""
    shifted = logits[:, :-1].float() / temperature
    targets = batch.input_ids[:, 1:]
    # log_softmax gathered at the target = -cross_entropy, without a [B, T, V] log-prob copy
    logps = -torch.nn.functional.cross_entropy(shifted.transpose(1, 2), targets, reduction="none")
    return logps * batch.completion_mask[:, 1:]


def token_logprobs(
    model: PreTrainedModel, batch: TokenizedCompletions, temperature: float = 1.0
) -> torch.Tensor:
    """Per-token log p(token | prefix) for every completion token, 0 elsewhere; shape [B, T-1]."""
    return completion_logprobs(causal_forward(model, batch).logits, batch, temperature)


def sequence_logprobs(model: PreTrainedModel, batch: TokenizedCompletions) -> torch.Tensor:
    """Summed log p(completion | prompt) per row; shape [B] (per example, packed rows)."""
    return per_sequence(token_logprobs(model, batch), batch)


def per_sequence(per_token: torch.Tensor, batch: TokenizedCompletions) -> torch.Tensor:
    """``per_token`` [B, T-1] summed per row, or per example when rows are packed (in the
    examples' order before packing)."""
    if batch.example_index is None:
        return per_token.sum(-1)
    examples = batch.example_index[:, 1:]
    real = examples >= 0
    sums = per_token.new_zeros(int(batch.example_index.max()) + 1)
    return sums.index_add(0, examples[real], per_token[real])

"""Scalar rewards of (prompt, completion) rows from a one-output sequence classifier."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from alignzoo.models.tokenize import TokenizedCompletions, tokenize_completions

#: written beside a saved reward model: mean and std of its rewards on training completions
STATS_FILE = "reward_stats.json"


def reward_logits(model: PreTrainedModel, tokens: TokenizedCompletions) -> torch.Tensor:
    """The classifier's scalar per row, read at the row's last token; shape [B].

    Rows are tokenized as the policy sees them (prompt ids + completion ids + EOS), so the
    reward model judges exactly what was generated.
    """
    return model(input_ids=tokens.input_ids, attention_mask=tokens.attention_mask).logits[:, 0]


@torch.no_grad()
def score_completions(
    rewards_of: Callable[[TokenizedCompletions], torch.Tensor],
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    completions: Sequence[str],
    max_length: int,
    batch_size: int,
    device: torch.device,
) -> torch.Tensor:
    """Rewards of (prompt, completion) rows in batches, without gradients; shape [N], on CPU.

    ``rewards_of`` maps token rows to rewards: ``partial(reward_logits, model)`` for a
    classifier, or a reward adapter on the policy's base.
    """
    scores = []
    for start in range(0, len(prompts), batch_size):
        stop = start + batch_size
        tokens = tokenize_completions(
            tokenizer, prompts[start:stop], completions[start:stop], max_length
        )
        scores.append(rewards_of(tokens.to(device)).float().cpu())
    return torch.cat(scores)

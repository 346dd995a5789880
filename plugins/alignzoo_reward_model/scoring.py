"""Scalar rewards of (prompt, completion) rows from a one-output sequence classifier."""

from __future__ import annotations

import torch
from transformers import PreTrainedModel

from alignzoo.models.tokenize import TokenizedCompletions

#: written beside a saved reward model: mean and std of its rewards on training completions
STATS_FILE = "reward_stats.json"


def reward_logits(model: PreTrainedModel, tokens: TokenizedCompletions) -> torch.Tensor:
    """The classifier's scalar per row, read at the row's last token; shape [B].

    Rows are tokenized as the policy sees them (prompt ids + completion ids + EOS), so the
    reward model judges exactly what was generated.
    """
    return model(input_ids=tokens.input_ids, attention_mask=tokens.attention_mask).logits[:, 0]

"""Turn (prompt, completion) text pairs into one padded batch with a completion mask."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase

from alignzoo.algorithms.rows import RowSliced


@dataclass
class TokenizedCompletions(RowSliced):
    """Right-padded ``prompt + completion (+ EOS)`` rows; ``completion_mask`` marks scored ones.

    Packed rows (``alignzoo.models.packing``) hold several examples each and carry
    ``position_ids`` that restart at every example: the model then keeps them apart;
    ``example_index`` names each token's example (-1 on padding), so per-example sums come back.
    Rows with shared prompts (``alignzoo.models.shared_prompt``) also carry the 4-D attention
    mask [rows, 1, T, T] that says which token sees which.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    completion_mask: torch.Tensor
    position_ids: torch.Tensor | None = None
    example_index: torch.Tensor | None = None
    attention_4d: torch.Tensor | None = None

    def to(self, device: torch.device) -> TokenizedCompletions:
        """The same batch on ``device``."""
        return TokenizedCompletions(
            self.input_ids.to(device),
            self.attention_mask.to(device),
            self.completion_mask.to(device),
            None if self.position_ids is None else self.position_ids.to(device),
            None if self.example_index is None else self.example_index.to(device),
            None if self.attention_4d is None else self.attention_4d.to(device),
        )


def tokenize_completions(
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    completions: Sequence[str],
    max_length: int,
    append_eos: bool = True,
) -> TokenizedCompletions:
    """Tokenize prompt and completion separately and concatenate the ids.

    Separate tokenization (as TRL does) keeps the prompt/completion boundary exact for any
    tokenizer. Rows longer than ``max_length`` lose prompt tokens from the left first, then
    completion tokens from the right, so the scored part is kept where possible.
    """
    prompt_ids = tokenizer(list(prompts), add_special_tokens=True)["input_ids"]
    completion_ids = tokenizer(list(completions), add_special_tokens=False)["input_ids"]
    rows, scored = [], []
    for p, c in zip(prompt_ids, completion_ids, strict=True):
        if append_eos and tokenizer.eos_token_id is not None:
            c = [*c, tokenizer.eos_token_id]
        c = c[: max_length - 1]  # keep at least one prompt token to condition on
        p = p[max(0, len(p) + len(c) - max_length) :]
        rows.append(p + c)
        scored.append([0] * len(p) + [1] * len(c))
    width = max(len(r) for r in rows)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    # padded as lists, then one tensor each: a step's rows cost three tensor builds, not 3 a row
    padding = [width - len(row) for row in rows]
    return TokenizedCompletions(
        torch.tensor([row + [pad] * n for row, n in zip(rows, padding, strict=True)]),
        torch.tensor([[1] * len(row) + [0] * n for row, n in zip(rows, padding, strict=True)]),
        torch.tensor([mask + [0] * n for mask, n in zip(scored, padding, strict=True)]),
    )

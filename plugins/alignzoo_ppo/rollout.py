"""The record one PPO rollout leaves for its update epochs."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from alignzoo.models.tokenize import TokenizedCompletions


@dataclass
class PPORollout:
    """Sampled rows and what the old policy made of them; per-token tensors are [B, T-1].

    It slices like a sequence of rows (``rollout[index]``), so the updater can split it into
    micro-batches as it splits any batch.
    """

    rows: TokenizedCompletions
    #: 1 at the sampled tokens (the actions, EOS included), 0 at prompt and padding
    mask: torch.Tensor
    old_logprobs: torch.Tensor
    old_values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, rows: slice | torch.Tensor) -> PPORollout:
        """The rollout restricted to ``rows`` (a slice or an index tensor)."""
        return PPORollout(
            self.rows[rows],
            self.mask[rows],
            self.old_logprobs[rows],
            self.old_values[rows],
            self.advantages[rows],
            self.returns[rows],
        )

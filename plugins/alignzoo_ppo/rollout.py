"""What PPO's update epochs read: the engine's rollout and the old policy's view of it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import torch

from alignzoo.algorithms.batching import StepTokens
from alignzoo.algorithms.rows import SHARED, RowSliced
from alignzoo.rollout import Rollout


@dataclass
class PPOBatch(RowSliced):
    """A :class:`~alignzoo.rollout.Rollout` with the old policy's log-probs and values, and
    the advantages and returns GAE made of them; per-token tensors are [B, T-1].

    It slices like a sequence of rows (``batch[index]``), so the updater can split it into
    micro-batches as it splits any batch; ``as_step()`` marks a mini-batch as one optimizer
    step, whose token count every micro-batch's token mean is taken over.
    """

    rollout: Rollout
    old_logprobs: torch.Tensor
    old_values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor
    #: the optimizer step these rows are part of (None until ``as_step``)
    step: StepTokens | None = field(default=None, metadata=SHARED)

    def as_step(self) -> PPOBatch:
        """These rows as one optimizer step: losses are token means over all of them."""
        return dataclasses.replace(self, step=StepTokens.of(self.rollout.mask))

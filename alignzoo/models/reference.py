"""The reference policy: the frozen starting point that KL and DPO's implicit reward compare to."""

from __future__ import annotations

import copy

import torch
from transformers import PreTrainedModel

from alignzoo.models.logprobs import sequence_logprobs, token_logprobs
from alignzoo.models.tokenize import TokenizedCompletions


class ReferenceModel:
    """A frozen copy of the initial policy, used only without gradients.

    Algorithms and evaluation reach the reference only through this class, so that with LoRA
    it can become the shared base with adapters disabled (one copy of the weights).
    """

    def __init__(self, model: PreTrainedModel) -> None:
        self.model = model.eval().requires_grad_(False)

    @classmethod
    def frozen_copy_of(cls, policy: PreTrainedModel) -> ReferenceModel:
        """A deep copy of ``policy`` as it is now."""
        return cls(copy.deepcopy(policy))

    @torch.no_grad()
    def sequence_logprobs(self, batch: TokenizedCompletions) -> torch.Tensor:
        """Summed reference log-probs of each completion; shape [B]."""
        return sequence_logprobs(self.model, batch)

    @torch.no_grad()
    def token_logprobs(self, batch: TokenizedCompletions, temperature: float = 1.0) -> torch.Tensor:
        """Per-token reference log-probs (of logits / temperature); shape [B, T-1]."""
        return token_logprobs(self.model, batch, temperature)

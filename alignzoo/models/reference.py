"""The reference policy: the fixed starting point that KL and DPO's implicit reward compare to."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from contextlib import nullcontext
from typing import TYPE_CHECKING, cast

import torch
from transformers import PreTrainedModel

from alignzoo.models.logprobs import sequence_logprobs, token_logprobs
from alignzoo.models.peft_check import is_peft_model
from alignzoo.models.tokenize import TokenizedCompletions

if TYPE_CHECKING:
    from peft import PeftModel


class ReferenceModel:
    """The initial policy, used only without gradients and in eval mode.

    Two shapes: a frozen deep copy (full fine-tuning), or, with LoRA, the policy's own base
    with its adapter disabled, so the weights are held once. Algorithms and evaluation reach
    the reference only through ``active()`` and the log-prob methods, which hide the shape.
    """

    def __init__(
        self, model: PreTrainedModel | PeftModel, shares_policy_weights: bool = False
    ) -> None:
        self.model = model
        #: True when this is the policy's base with the adapter off (no second copy)
        self.shares_policy_weights = shares_policy_weights
        if not shares_policy_weights:
            model.eval().requires_grad_(False)

    @classmethod
    def frozen_copy_of(cls, policy: PreTrainedModel) -> ReferenceModel:
        """A deep copy of ``policy`` as it is now."""
        return cls(copy.deepcopy(policy))

    @classmethod
    def adapter_disabled(cls, policy: PeftModel) -> ReferenceModel:
        """``policy``'s base with its LoRA adapter switched off: one copy of the weights."""
        if not is_peft_model(policy):
            raise TypeError(f"expected a peft PeftModel, got {type(policy).__name__}")
        return cls(policy, shares_policy_weights=True)

    @classmethod
    def policy_before_training(cls, policy: PreTrainedModel) -> ReferenceModel:
        """``policy`` itself, read before its first update, when it still is the reference:
        what is computed once then (DPO's precomputed log-probs) needs no copy."""
        return cls(policy, shares_policy_weights=True)

    @contextlib.contextmanager
    def active(self) -> Iterator[PreTrainedModel]:
        """The reference as a plain model (for ``generate`` too), in eval mode, no gradients.

        For a shared model (the base with its adapter off, or the untrained policy) the
        policy's train/eval mode is restored after the block.
        """
        if not self.shares_policy_weights:
            with torch.no_grad():
                yield cast(PreTrainedModel, self.model)
            return
        was_training = self.model.training
        self.model.eval()
        adapter_off = self.model.disable_adapter() if is_peft_model(self.model) else nullcontext()
        try:
            with torch.no_grad(), adapter_off:
                yield cast(PreTrainedModel, self.model)  # a PeftModel serves as its base
        finally:
            self.model.train(was_training)

    def sequence_logprobs(self, batch: TokenizedCompletions) -> torch.Tensor:
        """Summed reference log-probs of each completion; shape [B]."""
        with self.active() as model:
            return sequence_logprobs(model, batch)

    def token_logprobs(self, batch: TokenizedCompletions, temperature: float = 1.0) -> torch.Tensor:
        """Per-token reference log-probs (of logits / temperature); shape [B, T-1]."""
        with self.active() as model:
            return token_logprobs(model, batch, temperature)

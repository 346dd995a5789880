"""Tokens per second, counted by the runner: no algorithm has to report them.

A forward pre-hook on the trained model counts the tokens of every forward pass that runs
with gradients (the training forwards). Sampling, reference scoring and evaluation run
without gradients and are not counted, so ``perf/tokens_per_s`` means the same for every
algorithm: tokens trained on per second of training step.
"""

from __future__ import annotations

from typing import Any

import torch


class TokenCounter:
    """Counts non-padding tokens through a model's forward passes with gradients enabled."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.tokens = 0
        self._handle = model.register_forward_pre_hook(self._count, with_kwargs=True)

    def _count(
        self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        if not torch.is_grad_enabled():
            return
        mask = kwargs.get("attention_mask")
        if isinstance(mask, torch.Tensor) and mask.dim() == 4:
            # who sees whom (packed shared prompts): a real token sees itself, padding does not
            seen = mask.diagonal(dim1=-2, dim2=-1)
            self.tokens += int(seen.sum() if seen.dtype == torch.bool else (seen == 0).sum())
            return
        if isinstance(mask, torch.Tensor):
            self.tokens += int(mask.sum())
            return
        ids = kwargs.get("input_ids", args[0] if args else None)
        if isinstance(ids, torch.Tensor):
            self.tokens += ids.numel()

    def take(self) -> int:
        """Tokens counted since the last call."""
        tokens, self.tokens = self.tokens, 0
        return tokens

    def close(self) -> None:
        """Remove the hook."""
        self._handle.remove()

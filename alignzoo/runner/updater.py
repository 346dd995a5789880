"""The optimizer step handed to algorithms: backward, clip, step, schedule, zero."""

from __future__ import annotations

import torch
from accelerate import Accelerator

from alignzoo.algorithms import Metrics


class OptimizerUpdater:
    """Owns the optimizer and scheduler so an algorithm only says *when* to step."""

    def __init__(
        self,
        accelerator: Accelerator,
        optimizer: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LRScheduler,
        parameters: list[torch.nn.Parameter],
        max_grad_norm: float,
    ) -> None:
        self.accelerator, self.optimizer, self.scheduler = accelerator, optimizer, scheduler
        self.parameters, self.max_grad_norm = parameters, max_grad_norm

    def backward(self, loss: torch.Tensor) -> None:
        """Accumulate gradients of ``loss`` (accelerate handles scaling and processes)."""
        self.accelerator.backward(loss)

    def step(self) -> Metrics:
        """Clip the gradient norm, step optimizer and schedule, and clear gradients."""
        grad_norm = self.accelerator.clip_grad_norm_(self.parameters, self.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return {"train/grad_norm": float(grad_norm), "train/lr": self.scheduler.get_last_lr()[0]}

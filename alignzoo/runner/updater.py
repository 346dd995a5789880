"""The optimizer step handed to algorithms: accumulate, clip, step, schedule, zero."""

from __future__ import annotations

from collections.abc import Callable

import torch
from accelerate import Accelerator

from alignzoo.algorithms import LossAndMetrics, Metrics
from alignzoo.algorithms.batching import B, accumulate


class OptimizerUpdater:
    """Owns the optimizer, the schedule and gradient accumulation, so an algorithm only says
    what its loss is and when to step."""

    def __init__(
        self,
        accelerator: Accelerator,
        optimizer: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LRScheduler,
        parameters: list[torch.nn.Parameter],
        max_grad_norm: float,
        micro_batch_size: int | None = None,
    ) -> None:
        self.accelerator, self.optimizer, self.scheduler = accelerator, optimizer, scheduler
        self.parameters, self.max_grad_norm = parameters, max_grad_norm
        self.micro_batch_size = micro_batch_size

    def update(self, batch: B, loss_fn: Callable[[B], LossAndMetrics]) -> Metrics:
        """Accumulate ``loss_fn`` over the micro-batches of ``batch``, then step once."""
        metrics = accumulate(batch, self.micro_batch_size, loss_fn, self.backward)
        return metrics | self.step()

    def backward(self, loss: torch.Tensor) -> None:
        """Accumulate gradients of ``loss`` (accelerate handles mixed precision and processes)."""
        self.accelerator.backward(loss)

    def step(self) -> Metrics:
        """Clip the gradient norm, step optimizer and schedule, and clear gradients."""
        grad_norm = self.accelerator.clip_grad_norm_(self.parameters, self.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return {
            "train/grad_norm": float(grad_norm),
            "train/lr": float(self.scheduler.get_last_lr()[0]),
        }

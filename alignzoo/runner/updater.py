"""The optimizer step handed to algorithms: accumulate, clip, step, schedule, zero."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import torch
from accelerate import Accelerator

from alignzoo.algorithms import LossAndMetrics, Metrics
from alignzoo.algorithms.batching import B, accumulate
from alignzoo.models.sharding import clip_grad_norm, gradient_sync_held, is_sharded


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
        outside_model: list[torch.nn.Parameter] | None = None,
        model: torch.nn.Module | None = None,
        after_step: Callable[[], None] | None = None,
    ) -> None:
        self.accelerator, self.optimizer, self.scheduler = accelerator, optimizer, scheduler
        self.parameters, self.max_grad_norm = parameters, max_grad_norm
        self.micro_batch_size = micro_batch_size
        #: trained parameters the process-parallel model wrapper does not hold (PPO's value
        #: head): their gradients are averaged over processes here
        self.outside_model = outside_model or []
        #: the process-parallel model: its gradients are synchronised at the last micro-batch
        #: of an update only, not at every one
        self.model = model
        #: the model is sharded (FSDP2): its gradients are DTensor shards
        self.sharded = model is not None and is_sharded(model)
        #: called after every step that changed the weights (a sampling engine's sync)
        self.after_step = after_step

    def update(self, batch: B, loss_fn: Callable[[B], LossAndMetrics]) -> Metrics:
        """Accumulate ``loss_fn`` over the micro-batches of ``batch``, then step once."""
        hold_sync = None
        if self.model is not None and self.accelerator.num_processes > 1:
            if self.sharded:
                hold_sync = partial(gradient_sync_held, self.model)
            else:
                hold_sync = partial(self.accelerator.no_sync, self.model)
        metrics = accumulate(batch, self.micro_batch_size, loss_fn, self.backward, hold_sync)
        return metrics | self.step()

    def backward(self, loss: torch.Tensor) -> None:
        """Accumulate gradients of ``loss`` (accelerate handles mixed precision and processes)."""
        self.accelerator.backward(loss)

    def step(self) -> Metrics:
        """Clip the gradient norm, step optimizer and schedule, and clear gradients.

        A non-finite gradient norm (a NaN or inf loss, reward or activation) skips the update:
        the weights and the optimizer's moments stay as they were, and ``train/skipped`` says
        so; the runner stops after ``train.max_bad_steps`` such steps in a row.
        """
        self._average_outside_model()
        if self.sharded:
            grad_norm = clip_grad_norm(self.parameters, self.max_grad_norm)
        else:
            grad_norm = float(self.accelerator.clip_grad_norm_(self.parameters, self.max_grad_norm))
        skipped = not math.isfinite(grad_norm)
        if not skipped:
            self.optimizer.step()
            self.scheduler.step()
            if self.after_step is not None:
                self.after_step()
        self.optimizer.zero_grad(set_to_none=True)
        return {
            "train/grad_norm": grad_norm,
            "train/lr": float(self.scheduler.get_last_lr()[0]),
            "train/skipped": float(skipped),
        }

    def _average_outside_model(self) -> None:
        """Average the gradients DDP does not, so every process takes the same step."""
        if self.accelerator.num_processes == 1:
            return
        for parameter in self.outside_model:
            if parameter.grad is None:
                parameter.grad = torch.zeros_like(parameter)
            parameter.grad = self.accelerator.reduce(parameter.grad, reduction="mean")

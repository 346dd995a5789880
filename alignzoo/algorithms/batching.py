"""Micro-batching and gradient accumulation: the one loop every algorithm's step shares.

An algorithm hands :func:`accumulate` (through ``updater.update``) its batch and a function
that returns the mean loss of one micro-batch; the loop splits, weights, back-propagates and
averages the metrics, so no algorithm writes it again and none can scale twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, Self, TypeVar

import torch


class Batch(Protocol):
    """What the accumulation loop splits: anything with a length that slices into its own
    kind (a list of records, or a typed rollout record)."""

    def __len__(self) -> int: ...

    def __getitem__(self, rows: slice, /) -> Self: ...


B = TypeVar("B", bound=Batch)


class RowBatch(Protocol):
    """A batch that can also be indexed by a tensor of row numbers (a shuffled mini-batch)."""

    def __len__(self) -> int: ...

    def __getitem__(self, rows: torch.Tensor, /) -> Self: ...


RB = TypeVar("RB", bound=RowBatch)
MetricValue = float | torch.Tensor
#: what an algorithm's loss function returns for one micro-batch: its mean loss, and metrics
#: (means over the micro-batch, as floats or 0-d tensors)
LossAndMetrics = tuple[torch.Tensor, Mapping[str, MetricValue]]


def micro_batches(batch: B, size: int | None) -> Iterator[B]:
    """Consecutive slices of at most ``size`` records (the whole batch when ``size`` is None)."""
    step = size or len(batch)
    if step < 1:
        raise ValueError(f"train.micro_batch_size must be >= 1, got {size}")
    for start in range(0, len(batch), step):
        yield batch[start : start + step]


def shuffled_minibatches(
    batch: RB, num_minibatches: int, epochs: int, device: torch.device
) -> Iterator[RB]:
    """``epochs`` passes over ``batch``, each in ``num_minibatches`` equal mini-batches of rows
    in a fresh random order: PPO's update schedule, one optimizer step per mini-batch."""
    size = len(batch) // num_minibatches
    for _ in range(epochs):
        order = torch.randperm(len(batch), device=device)
        for start in range(0, len(batch), size):
            yield batch[order[start : start + size]]


def step_token_mean(
    token_sum: torch.Tensor, rows: int, step_tokens: float, step_rows: int
) -> torch.Tensor:
    """A micro-batch's summed per-token loss as its part of the whole step's token mean.

    ``accumulate`` weights each micro-batch's loss by its share of the step's rows,
    rows / step_rows; dividing by that share here makes the accumulated loss
    sum / step_tokens over the whole step, however it is split (DAPO's token mean, SFT's).
    """
    return token_sum / max(step_tokens, 1.0) / (rows / step_rows)


@dataclass(frozen=True)
class StepTokens:
    """The size of the optimizer step a micro-batch belongs to: its rows and completion
    tokens. A batch carries it unchanged into every micro-batch the updater cuts from it, so
    a per-token loss is the whole step's token mean however the step is split."""

    tokens: float
    rows: int

    @staticmethod
    def of(mask: torch.Tensor) -> StepTokens:
        """The step made of the rows of ``mask`` ([rows, T], 1 on the tokens that learn)."""
        return StepTokens(float(mask.sum()), mask.shape[0])

    def token_mean(self, values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """This micro-batch's masked ``values`` as its part of the step's token mean."""
        return step_token_mean((values * mask).sum(), mask.shape[0], self.tokens, self.rows)


def mean_over_updates(updates: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Each metric's mean over several optimizer steps of one training step (PPO's epochs and
    mini-batches, GRPO's iterations), so the step logs one value per metric."""
    keys = dict.fromkeys(key for update in updates for key in update)
    return {
        key: sum(u[key] for u in updates if key in u) / sum(key in u for u in updates)
        for key in keys
    }


def accumulate(
    batch: B,
    micro_batch_size: int | None,
    loss_fn: Callable[[B], LossAndMetrics],
    backward: Callable[[torch.Tensor], None],
    hold_sync: Callable[[], AbstractContextManager[object]] | None = None,
) -> dict[str, float]:
    """Gradients of the batch's mean loss, computed one micro-batch at a time.

    ``loss_fn(micro)`` returns the *mean* loss over ``micro`` and its metrics; each
    micro-batch's loss is back-propagated weighted by its share of the batch,
    ``len(micro) / len(batch)``, so the accumulated gradient is that of the mean over the
    whole batch, whatever the split. Metrics come back as size-weighted means, with ``loss``
    added. Gradients are not applied: the updater steps after.

    ``hold_sync()`` (DDP's ``no_sync``), when given, wraps the forward and backward of every
    micro-batch but the last, so processes exchange gradients once per update.
    """
    if len(batch) == 0:
        raise ValueError("cannot take a step on an empty batch")
    sums: dict[str, float] = {}
    weights: dict[str, float] = {}
    parts = list(micro_batches(batch, micro_batch_size))
    for index, micro in enumerate(parts):
        weight = len(micro) / len(batch)
        last = index == len(parts) - 1
        with contextlib.nullcontext() if hold_sync is None or last else hold_sync():
            loss, metrics = loss_fn(micro)
            if loss.dim() != 0:
                raise ValueError(
                    f"the loss function returned a loss of shape {tuple(loss.shape)}; it must "
                    "return the mean loss over its micro-batch, a 0-d tensor"
                )
            backward(loss * weight)
        for key, value in {"loss": loss, **metrics}.items():
            number = value.detach().float().item() if isinstance(value, torch.Tensor) else value
            sums[key] = sums.get(key, 0.0) + float(number) * weight
            weights[key] = weights.get(key, 0.0) + weight
    # a metric some micro-batches lack is the mean over those that have it
    return {key: total / weights[key] for key, total in sums.items()}

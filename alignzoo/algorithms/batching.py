"""Micro-batching, the one loop helper every algorithm's step shares."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def micro_batches(batch: Sequence[T], size: int | None) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` records (the whole batch when ``size`` is None)."""
    step = size or len(batch)
    if step < 1:
        raise ValueError(f"train.micro_batch_size must be >= 1, got {size}")
    for start in range(0, len(batch), step):
        yield batch[start : start + step]

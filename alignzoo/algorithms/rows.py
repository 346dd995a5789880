"""One way for a batch of per-row fields to slice itself into micro-batches and mini-batches.

An algorithm's batch is a dataclass of fields with one entry per row (tensors, lists, other
row-sliced batches) beside fields the whole step shares (its token count, a reference point):
derive it from :class:`RowSliced`, mark the shared ones ``field(metadata=SHARED)``, and
``batch[rows]`` (a slice, or a tensor of row numbers) keeps those rows of every per-row field
and every shared field as it is. ``len(batch)`` is its first per-row field's.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any, Self

import torch

_KEY = "alignzoo_shared"

#: a field's metadata for what the whole step shares (``field(metadata=SHARED)``): a slice
#: of the batch keeps it whole
SHARED = MappingProxyType({_KEY: True})


class RowSliced:
    """A dataclass of per-row fields (and shared ones) that slices by rows."""

    def __len__(self) -> int:
        for field in _per_row(self):
            return len(getattr(self, field.name))
        raise TypeError(f"{type(self).__name__} has no per-row field to count rows by")

    def __getitem__(self, rows: slice | torch.Tensor) -> Self:
        """The batch restricted to ``rows``; shared fields stay whole."""
        picked = {field.name: take(getattr(self, field.name), rows) for field in _per_row(self)}
        return dataclasses.replace(self, **picked)  # type: ignore[type-var]


def take(value: Any, rows: slice | torch.Tensor) -> Any:
    """``rows`` of one per-row value: a tensor's, a list's, another batch's; None stays None."""
    if value is None:
        return None
    if isinstance(value, list):
        picked = range(len(value))[rows] if isinstance(rows, slice) else rows.tolist()
        return [value[i] for i in picked]
    return value[rows]


def _per_row(batch: Any) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(batch) if f.init and not f.metadata.get(_KEY)]

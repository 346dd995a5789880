"""A batch of per-row fields slices every one of them by rows, and keeps shared ones whole."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import torch

from alignzoo.algorithms.rows import SHARED, RowSliced


@dataclass
class Inner(RowSliced):
    values: torch.Tensor


@dataclass
class Batch(RowSliced):
    tokens: torch.Tensor
    texts: list[str]
    inner: Inner
    maybe: torch.Tensor | None = None
    step_tokens: float = field(default=0.0, metadata=SHARED)


def _batch() -> Batch:
    return Batch(
        tokens=torch.arange(12).reshape(4, 3),
        texts=["a", "b", "c", "d"],
        inner=Inner(torch.tensor([10.0, 11.0, 12.0, 13.0])),
        step_tokens=7.0,
    )


def test_a_slice_keeps_those_rows_of_every_per_row_field_and_shared_fields_whole() -> None:
    part = _batch()[1:3]
    assert len(part) == 2
    assert part.tokens.tolist() == [[3, 4, 5], [6, 7, 8]]
    assert part.texts == ["b", "c"]
    assert part.inner.values.tolist() == [11.0, 12.0]
    assert part.maybe is None and part.step_tokens == 7.0


def test_an_index_tensor_picks_rows_in_its_order() -> None:
    picked = _batch()[torch.tensor([3, 0])]
    assert picked.texts == ["d", "a"] and picked.tokens[:, 0].tolist() == [9, 0]
    assert picked.inner.values.tolist() == [13.0, 10.0]


def test_a_batch_with_only_shared_fields_has_no_rows_to_count() -> None:
    @dataclass
    class Empty(RowSliced):
        total: float = field(default=1.0, metadata=SHARED)

    with pytest.raises(TypeError, match="no per-row field"):
        len(Empty())

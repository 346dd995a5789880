"""The one accumulation loop: gradients and metrics independent of the micro-batch split."""

from __future__ import annotations

import contextlib

import pytest
import torch

from alignzoo.algorithms.batching import accumulate, mean_over_updates


def _regression(weight: torch.Tensor, rows: list[tuple[float, float]]):
    """Mean squared error of y ~ w*x over ``rows``, and the mean of x as a metric."""
    x = torch.tensor([r[0] for r in rows])
    y = torch.tensor([r[1] for r in rows])
    return ((weight * x - y) ** 2).mean(), {"x_mean": x.mean(), "rows": float(len(rows))}


ROWS = [(1.0, 2.0), (2.0, 3.0), (3.0, 7.0), (4.0, 1.0), (5.0, 5.0)]


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_gradient_and_metrics_match_the_whole_batch(size: int) -> None:
    whole_w = torch.tensor(0.5, requires_grad=True)
    whole = accumulate(ROWS, None, lambda m: _regression(whole_w, list(m)), torch.Tensor.backward)
    split_w = torch.tensor(0.5, requires_grad=True)
    split = accumulate(ROWS, size, lambda m: _regression(split_w, list(m)), torch.Tensor.backward)
    torch.testing.assert_close(split_w.grad, whole_w.grad)
    assert split["loss"] == pytest.approx(whole["loss"])
    assert split["x_mean"] == pytest.approx(3.0)  # size-weighted: the mean over all rows
    # a per-micro-batch count is averaged by size: (2*2 + 2*2 + 1*1) / 5 for size 2
    expected_rows = sum(len(ROWS[i : i + size]) ** 2 for i in range(0, 5, size)) / 5
    assert split["rows"] == pytest.approx(expected_rows)


def test_a_loss_that_is_not_a_mean_is_refused() -> None:
    weight = torch.tensor(1.0, requires_grad=True)

    def per_row(micro):
        return weight * torch.ones(len(micro)), {}

    with pytest.raises(ValueError, match="mean loss over its micro-batch, a 0-d tensor"):
        accumulate(ROWS, 2, per_row, torch.Tensor.backward)


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="empty batch"):
        accumulate([], 2, lambda m: (torch.tensor(0.0), {}), torch.Tensor.backward)


def test_metrics_of_several_updates_are_averaged_per_key() -> None:
    updates = [{"loss": 1.0, "clip": 0.5}, {"loss": 3.0}, {"loss": 2.0, "clip": 0.1}]
    assert mean_over_updates(updates) == pytest.approx({"loss": 2.0, "clip": 0.3})


def test_every_micro_batch_but_the_last_runs_inside_hold_sync() -> None:
    """DDP's no_sync must wrap forward and backward of all micro-batches but the last."""
    weight = torch.tensor(0.5, requires_grad=True)
    inside: list[bool] = []
    holding = False

    @contextlib.contextmanager
    def hold():
        nonlocal holding
        holding = True
        yield
        holding = False

    def loss_fn(micro):
        inside.append(holding)  # the forward
        return _regression(weight, list(micro))

    accumulate(ROWS, 2, loss_fn, lambda loss: (inside.append(holding), loss.backward()), hold)
    # forward and backward of parts 1 and 2 held; part 3 (the last) synchronises
    assert inside == [True, True, True, True, False, False]

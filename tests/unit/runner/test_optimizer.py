"""AdamW in its fused form where the trained parameters allow it."""

from __future__ import annotations

import torch

from alignzoo.runner.optimizer import build_optimizer


def _fused(optimizer: torch.optim.Optimizer) -> bool:
    return bool(optimizer.param_groups[0]["fused"])


def test_float_parameters_on_one_device_get_the_fused_kernel() -> None:
    parameters = [torch.nn.Parameter(torch.randn(3, 2)), torch.nn.Parameter(torch.randn(4))]
    optimizer = build_optimizer(parameters, 1e-3, 0.01)
    assert _fused(optimizer)
    assert optimizer.param_groups[0]["lr"] == 1e-3
    assert optimizer.param_groups[0]["weight_decay"] == 0.01


def test_fused_and_foreach_take_the_same_step() -> None:
    torch.manual_seed(0)
    start = torch.randn(5, 3)
    moved = []
    for fused in (True, False):
        parameter = torch.nn.Parameter(start.clone())
        optimizer = (
            build_optimizer([parameter], 1e-2, 0.1)
            if fused
            else torch.optim.AdamW([parameter], lr=1e-2, weight_decay=0.1, foreach=True)
        )
        for step in range(3):
            parameter.grad = torch.full_like(start, float(step + 1))
            optimizer.step()
        moved.append(parameter.detach())
    torch.testing.assert_close(moved[0], moved[1])
    assert not torch.equal(moved[0], start)


def test_parameters_on_a_device_without_a_fused_kernel_fall_back_to_foreach() -> None:
    parameters = [torch.nn.Parameter(torch.randn(2, device="meta"))]
    assert not _fused(build_optimizer(parameters, 1e-3, 0.0))

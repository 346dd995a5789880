"""The sharding helpers on plain (unsharded) tensors: one process, no process group. Their
sharded behaviour is tested on two processes in tests/integration/test_two_processes.py."""

from __future__ import annotations

import torch

from alignzoo.models.sharding import clip_grad_norm


def test_clipping_plain_parameters_is_torchs() -> None:
    torch.manual_seed(0)
    mine = [torch.nn.Parameter(torch.randn(3, 4)) for _ in range(3)]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in mine]
    for a, b in zip(mine, theirs, strict=True):
        a.grad = torch.randn_like(a) * 5
        b.grad = a.grad.clone()
    total = clip_grad_norm(mine, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total == expected.item()
    for a, b in zip(mine, theirs, strict=True):
        torch.testing.assert_close(a.grad, b.grad)
    assert torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in mine])) <= 1.0 + 1e-6


def test_a_non_finite_norm_is_returned_and_nothing_is_clipped() -> None:
    parameter = torch.nn.Parameter(torch.ones(2))
    parameter.grad = torch.tensor([float("nan"), 1.0])
    assert clip_grad_norm([parameter], 1.0) != clip_grad_norm([parameter], 1.0)  # NaN
    assert parameter.grad[1] == 1.0

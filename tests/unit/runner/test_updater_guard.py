"""The updater skips an update whose gradient norm is not finite: weights and optimizer
moments stay exactly as they were."""

from __future__ import annotations

import torch
from accelerate import Accelerator

from alignzoo.runner.updater import OptimizerUpdater


def updater_of(model: torch.nn.Module) -> OptimizerUpdater:
    parameters = list(model.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    return OptimizerUpdater(Accelerator(cpu=True), optimizer, scheduler, parameters, 1.0)


def test_a_nan_loss_skips_the_update_and_says_so() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    updater = updater_of(model)
    x = torch.randn(4, 3)
    good = updater.update(x, lambda rows: (model(rows).pow(2).mean(), {}))
    assert good["train/skipped"] == 0.0
    weights = [p.detach().clone() for p in model.parameters()]
    moments = [s["exp_avg"].clone() for s in updater.optimizer.state.values()]

    bad = updater.update(x, lambda rows: (model(rows).mean() * float("nan"), {}))
    assert bad["train/skipped"] == 1.0 and bad["train/grad_norm"] != bad["train/grad_norm"]
    assert all(torch.equal(p, w) for p, w in zip(model.parameters(), weights, strict=True))
    after = [s["exp_avg"] for s in updater.optimizer.state.values()]
    assert all(torch.equal(a, m) for a, m in zip(after, moments, strict=True))
    assert all(p.grad is None for p in model.parameters())  # nothing carried to the next step


def test_after_step_is_told_of_every_step_that_changed_the_weights_only() -> None:
    """A sampling engine holding a copy of the weights syncs only after a real step."""
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    updater = updater_of(model)
    told: list[int] = []
    updater.after_step = lambda: told.append(1)
    x = torch.randn(4, 3)
    updater.update(x, lambda rows: (model(rows).pow(2).mean(), {}))
    assert told == [1]
    updater.update(x, lambda rows: (model(rows).mean() * float("nan"), {}))  # skipped
    assert told == [1]

"""The learning-rate schedules built from torch's schedulers: the shapes transformers gives
under the same names, without importing transformers' trainer utilities (and peft)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch

from alignzoo.runner.schedules import build_scheduler

LR, WARMUP, TOTAL = 0.1, 4, 20


def rates(name: str, warmup: int = WARMUP, total: int = TOTAL) -> list[float]:
    """The learning rate of each of ``total`` optimizer steps."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    scheduler = build_scheduler(name, optimizer, warmup, total)
    seen = []
    for _ in range(total):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return seen


def test_warmup_rises_to_the_rate_without_a_step_at_zero() -> None:
    for name in ("linear", "cosine", "constant_with_warmup"):
        warmup = rates(name)[: WARMUP + 1]
        assert warmup == pytest.approx([LR * (k + 1) / (WARMUP + 1) for k in range(WARMUP)] + [LR])


def test_cosine_decays_as_half_a_cosine_to_zero() -> None:
    seen = rates("cosine")
    decay = TOTAL - WARMUP
    expected = [LR * 0.5 * (1 + math.cos(math.pi * k / decay)) for k in range(decay)]
    assert seen[WARMUP:] == pytest.approx(expected)


def test_linear_decays_in_a_straight_line_to_zero() -> None:
    seen = rates("linear")
    decay = TOTAL - WARMUP
    assert seen[WARMUP:] == pytest.approx([LR * (1 - k / decay) for k in range(decay)])


def test_constant_keeps_the_rate_with_or_without_warmup() -> None:
    assert rates("constant") == pytest.approx([LR] * TOTAL)  # constant: no warmup at all
    assert rates("constant_with_warmup")[WARMUP:] == pytest.approx([LR] * (TOTAL - WARMUP))
    assert rates("cosine", warmup=0)[0] == pytest.approx(LR)


def test_other_names_are_transformers_schedules() -> None:
    from transformers import get_scheduler

    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    expected = get_scheduler("polynomial", optimizer, num_warmup_steps=2, num_training_steps=10)
    assert type(build_scheduler("polynomial", optimizer, 2, 10)) is type(expected)
    with pytest.raises(ValueError):
        build_scheduler("no_such_schedule", optimizer, 2, 10)


def test_a_schedule_resumes_from_its_state_dict() -> None:
    first = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    scheduler = build_scheduler("cosine", first, WARMUP, TOTAL)
    for _ in range(7):
        first.step()
        scheduler.step()
    second = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    resumed = build_scheduler("cosine", second, WARMUP, TOTAL)
    second.load_state_dict(first.state_dict())
    resumed.load_state_dict(scheduler.state_dict())
    for _ in range(5):
        first.step(), second.step()
        scheduler.step(), resumed.step()
        assert second.param_groups[0]["lr"] == first.param_groups[0]["lr"]


def test_building_the_common_schedules_imports_no_peft_or_bitsandbytes() -> None:
    code = (
        "import sys, torch\n"
        "import alignzoo.runner.run\n"
        "from alignzoo.runner.schedules import build_scheduler\n"
        "o = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))])\n"
        "for name in ('constant', 'constant_with_warmup', 'linear', 'cosine'):\n"
        "    build_scheduler(name, o, 10, 300)\n"
        "print(sorted(m for m in ('peft', 'bitsandbytes', 'transformers.trainer_utils')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"

"""The main job on a CUDA GPU: bf16 weights, QLoRA and sampling algorithms run there end to end.

Skipped where there is no GPU (see ``tests/conftest.py``); run them with ``pytest -m gpu``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_module

from alignzoo.config.prepare import prepare
from alignzoo.planning.command import plan_run

pytestmark = pytest.mark.gpu


def _finite_losses(rows: list[dict]) -> list[float]:
    losses = [row["loss"] for row in rows if "loss" in row]
    assert losses, "no training step logged a loss"
    assert all(math.isfinite(loss) for loss in losses), losses
    return losses


def test_bf16_dpo_trains_on_the_gpu_and_reports_its_cuda_peak(
    tmp_path: Path, train, tiny_task
) -> None:
    summary, rows = train(
        tmp_path, *tiny_task, "device=cuda", "model.dtype=bfloat16", "train.steps=4"
    )
    _finite_losses(rows)
    # the peak is torch.cuda.max_memory_allocated: at least the bf16 policy and its reference
    weights_mb = 2 * 2 * summary["parameters"]["total"] / 2**20
    assert summary["peak_memory_mb"] > weights_mb
    assert summary["peak_memory_mb"] < torch.cuda.get_device_properties(0).total_memory / 2**20


def test_qlora_dpo_on_the_gpu_keeps_a_4bit_base_and_trains_the_adapter(
    tmp_path: Path, train, tiny_task
) -> None:
    summary, rows = train(
        tmp_path, *tiny_task, "device=cuda", "peft=lora", "quant=4bit", "train.steps=4"
    )
    _finite_losses(rows)
    assert summary["parameters"]["trainable"] < summary["parameters"]["total"] / 4
    assert (Path(summary["policy_dir"]) / "adapter_model.safetensors").exists()


@pytest.mark.parametrize("algorithm", ["grpo", "ppo"])
def test_sampling_algorithms_generate_and_update_on_the_gpu(
    tmp_path: Path, train, tiny_task, algorithm: str
) -> None:
    summary, rows = train(
        tmp_path,
        *tiny_task,
        "device=cuda",
        "model.dtype=bfloat16",
        f"algorithm={algorithm}",
        "reward=gold",
        "train.batch_size=8",
        "train.steps=3",
    )
    _finite_losses(rows)
    assert math.isfinite(summary["final"]["eval/gold_reward"])


def test_planner_bounds_the_measured_cuda_peak(tmp_path: Path, train, tiny_task) -> None:
    """``alignzoo-plan``'s estimate of a bf16 LoRA run is near what CUDA measured.

    On an H100 (2026-11-24) it planned 58 MiB where CUDA counted 115: for this 0.45M model
    the fixed workspaces of CUDA's libraries, which the plan leaves out, are half the peak.
    On a 1B model the plan was within -8% to +43% (``benchmarks/peak_memory.py``)."""
    overrides = [*tiny_task, "device=cuda", "model.dtype=bfloat16", "peft=lora", "train.steps=3"]
    summary, _ = train(tmp_path, *overrides)
    plugins = prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        plan, _ = plan_run(compose("config", overrides=overrides), plugins)
    measured = summary["peak_memory_mb"] * 2**20
    print(f"planned {plan.peak_bytes / 2**20:.1f} MiB, measured {measured / 2**20:.1f} MiB")
    assert measured / 3 < plan.peak_bytes < measured * 2

"""Two processes on CPU (gloo DDP, launched with ``accelerate launch``) follow the one-process
trajectory with the same global batch; only the main process writes; a checkpoint saved by two
processes resumes on one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SHORT = ["train.steps=6", "train.batch_size=8", "eval.every=6", "device=cpu"]
#: greedy rollouts and one update per step on the whole batch, so both runs see the same data
PPO = [
    "algorithm=ppo",
    "reward=gold",
    "algorithm.rollout.top_k=1",
    "algorithm.rollout.max_new_tokens=8",
    "algorithm.ppo_epochs=1",
    "algorithm.num_minibatches=1",
    "algorithm.whiten_advantages=false",
]


def alignzoo(processes: int, run_dir: Path, *overrides: str) -> list[dict]:
    """Run on ``processes`` processes (one thread each); the metric rows it logged."""
    module = ["-m", "alignzoo", *overrides, f"hydra.run.dir={run_dir}"]
    launcher = [sys.executable, "-m", "accelerate.commands.launch"]
    launcher += ["--multi_gpu", "--num_processes", str(processes), "--num_machines", "1"]
    launcher += ["--mixed_precision", "no", "--dynamo_backend", "no"]
    command = [*launcher, *module] if processes > 1 else [sys.executable, *module]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=os.environ | {"OMP_NUM_THREADS": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def column(rows: list[dict], name: str) -> list[float]:
    return [r[name] for r in rows if name in r]


@pytest.fixture(scope="module")
def task(tiny_task_overrides: tuple[str, ...]) -> list[str]:
    return [*tiny_task_overrides, *SHORT]


def test_dpo_on_two_processes_follows_one_process_and_resumes_on_one(
    tmp_path: Path, task: list[str]
) -> None:
    one = alignzoo(1, tmp_path / "one", *task)
    two = alignzoo(2, tmp_path / "two", *task, "train.checkpoint_every=3")
    assert [r["step"] for r in two] == [r["step"] for r in one]  # main writes, once per step
    assert column(two, "train/lr") == column(one, "train/lr")  # one schedule step per step
    assert column(two, "loss") == pytest.approx(column(one, "loss"), rel=1e-5)
    assert column(two, "eval/kl") == pytest.approx(column(one, "eval/kl"), rel=1e-4, abs=1e-5)

    # the 2-process checkpoint at step 3 resumes on one process to the same end
    resumed = tmp_path / "resumed"
    shutil.copytree(tmp_path / "two", resumed)
    (resumed / "summary.json").unlink()
    shutil.rmtree(resumed / "checkpoints" / "step_000006")
    done = subprocess.run(
        [sys.executable, "-m", "alignzoo", f"resume={resumed}", f"hydra.run.dir={tmp_path / 'x'}"],
        capture_output=True,
        text=True,
        env=os.environ | {"OMP_NUM_THREADS": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in (resumed / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [r["step"] for r in one]
    assert column(rows, "loss") == pytest.approx(column(one, "loss"), rel=1e-5)


def test_ppo_on_two_processes_follows_one_process_within_a_tolerance(
    tmp_path: Path, task: list[str]
) -> None:
    one = alignzoo(1, tmp_path / "one", *task, *PPO)
    two = alignzoo(2, tmp_path / "two", *task, *PPO)
    # the same greedy samples, scored alike
    assert column(two, "objective/scores") == pytest.approx(column(one, "objective/scores"))
    # each process averages the loss over its own tokens, so the losses differ a little
    assert column(two, "loss") == pytest.approx(column(one, "loss"), abs=0.01)
    assert column(two, "eval/kl") == pytest.approx(column(one, "eval/kl"), rel=0.02)

"""Two processes on CPU (gloo, launched with ``accelerate launch``) follow the one-process
trajectory with the same global batch and evaluate alike, holding the model whole (DDP) or
sharded (``sharding.strategy=fsdp2``); only the main process writes; a SIGTERM stops both at
one step; kill -9 mid-run resumes; a checkpoint saved by two processes resumes on one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch

pytestmark = pytest.mark.slow

#: eval.batch_size=4 cuts the 16 held-out prompts into 4 chunks: each process evaluates 2
SHORT = ["train.steps=6", "train.batch_size=8", "eval.every=6", "eval.batch_size=4", "device=cpu"]
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


#: ``accelerate launch`` with the shipped DDP file (two processes); on a machine without GPUs
#: it runs gloo DDP on CPU
DDP_FILE = Path(__file__).resolve().parents[2] / "launch" / "ddp.yaml"
LAUNCH_TWO = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(DDP_FILE)]
ONE_THREAD = {"OMP_NUM_THREADS": "1"}


def rows_of(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def alignzoo(processes: int, run_dir: Path, *overrides: str) -> list[dict]:
    """Run on one or two processes (one thread each); the metric rows it logged."""
    module = ["-m", "alignzoo", *overrides, f"hydra.run.dir={run_dir}"]
    command = [*LAUNCH_TWO, *module] if processes == 2 else [sys.executable, *module]
    done = subprocess.run(
        command, capture_output=True, text=True, env=os.environ | ONE_THREAD, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return rows_of(run_dir)


def resume_on_one_process(run_dir: Path, elsewhere: Path, processes: int = 1) -> list[dict]:
    """``alignzoo resume=run_dir`` on one process (or ``processes``); the run's metric rows
    after it."""
    module = ["-m", "alignzoo", f"resume={run_dir}", f"hydra.run.dir={elsewhere}"]
    command = [*LAUNCH_TWO, *module] if processes == 2 else [sys.executable, *module]
    done = subprocess.run(
        command, capture_output=True, text=True, env=os.environ | ONE_THREAD, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return rows_of(run_dir)


def trained_tokens(run_dir: Path) -> int:
    summary = json.loads((run_dir / "summary.json").read_text())
    return round(summary["tokens_per_s"] * summary["train_time_s"])


def column(rows: list[dict], name: str) -> list[float]:
    return [r[name] for r in rows if name in r]


@pytest.fixture(scope="module")
def task(tiny_task_overrides: tuple[str, ...]) -> list[str]:
    return [*tiny_task_overrides, *SHORT]


def test_dpo_on_two_processes_follows_one_process_and_resumes_on_one(
    tmp_path: Path, task: list[str]
) -> None:
    one = alignzoo(1, tmp_path / "one", *task)
    # in micro-batches of 2: gradients stay local until each process's last (no_sync)
    two = alignzoo(
        2, tmp_path / "two", *task, "train.checkpoint_every=3", "train.micro_batch_size=2"
    )
    assert [r["step"] for r in two] == [r["step"] for r in one]  # main writes, once per step
    assert column(two, "train/lr") == column(one, "train/lr")  # one schedule step per step
    assert column(two, "loss") == pytest.approx(column(one, "loss"), rel=1e-5)
    # the tokens trained are every process's, not the main one's alone
    assert trained_tokens(tmp_path / "two") == trained_tokens(tmp_path / "one")
    # evaluation, shared between the processes and gathered, gives the same figures
    for name in ("eval/kl", "eval/gold_reward", "eval/win_rate", "eval/preference_accuracy"):
        assert column(two, name) == pytest.approx(column(one, name), rel=1e-4, abs=1e-5), name

    # the 2-process checkpoint at step 3 resumes on one process to the same end
    resumed = tmp_path / "resumed"
    shutil.copytree(tmp_path / "two", resumed)
    (resumed / "summary.json").unlink()
    shutil.rmtree(resumed / "checkpoints" / "step_000006")
    rows = resume_on_one_process(resumed, tmp_path / "x")
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


def test_sigterm_to_the_launcher_stops_both_processes_at_one_step_with_one_checkpoint(
    tmp_path: Path, task: list[str]
) -> None:
    run = [*task, "train.steps=8", "eval.every=4", "train.checkpoint_every=2"]
    two = launched_until_first_checkpoint(tmp_path / "two", run, stdout=subprocess.PIPE)
    two.send_signal(signal.SIGTERM)  # torch's launcher passes it on to both workers
    _, err = two.communicate(timeout=300)
    stops = [line for line in err.splitlines() if " at step " in line and "alignzoo:" in line]
    assert len(stops) == 1, err[-3000:]  # one line, from the process that saved
    step = int(stops[0].split(" at step ")[1].split()[0])
    assert (tmp_path / "two" / "checkpoints" / f"step_{step:06d}").is_dir()

    one = alignzoo(1, tmp_path / "one", *run)
    rows = resume_on_one_process(tmp_path / "two", tmp_path / "x")
    assert [r["step"] for r in rows] == [r["step"] for r in one]
    assert column(rows, "loss") == pytest.approx(column(one, "loss"), rel=1e-5)


FSDP2 = ["sharding.strategy=fsdp2"]


def launched_until_first_checkpoint(
    run_dir: Path, overrides: list[str], **popen: Any
) -> subprocess.Popen:
    """Two processes, slowed per step, left running once their step-2 checkpoint is in
    place."""
    driver = str(Path(__file__).with_name("interruptible_alignzoo.py"))
    launched = subprocess.Popen(
        [*LAUNCH_TWO, driver, *overrides, f"hydra.run.dir={run_dir}"],
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | ONE_THREAD | {"ALIGNZOO_TEST_STEP_DELAY": "0.4"},
        **popen,
    )
    first = run_dir / "checkpoints" / "step_000002"
    deadline = time.monotonic() + 300
    while not first.exists():
        assert launched.poll() is None and time.monotonic() < deadline, launched.communicate()[1]
        time.sleep(0.05)
    return launched


def launch_killed_after_first_checkpoint(run_dir: Path, *overrides: str) -> None:
    """``kill -9`` to the whole two-process launch once its step-2 checkpoint is in place."""
    launched = launched_until_first_checkpoint(
        run_dir,
        list(overrides),
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the launcher and both workers
    )
    os.killpg(launched.pid, signal.SIGKILL)
    launched.wait(timeout=60)
    assert not (run_dir / "summary.json").exists()  # it did stop mid-run


def test_dpo_sharded_follows_one_process_saves_whole_and_resumes_on_one_and_on_two(
    tmp_path: Path, task: list[str]
) -> None:
    one = alignzoo(1, tmp_path / "one", *task)
    # in micro-batches of 2: each shard's gradients are reduced once per update
    two = alignzoo(
        2, tmp_path / "two", *task, *FSDP2, "train.checkpoint_every=3", "train.micro_batch_size=2"
    )
    assert [r["step"] for r in two] == [r["step"] for r in one]
    assert column(two, "train/grad_norm") == pytest.approx(column(one, "train/grad_norm"), 1e-5)
    assert column(two, "loss") == pytest.approx(column(one, "loss"), rel=1e-5)
    for name in ("eval/kl", "eval/gold_reward", "eval/win_rate", "eval/preference_accuracy"):
        assert column(two, name) == pytest.approx(column(one, name), rel=1e-4, abs=1e-5), name

    # the shards were gathered into one safetensors file that plain transformers loads
    from transformers import AutoModelForCausalLM

    whole = AutoModelForCausalLM.from_pretrained(tmp_path / "two" / "policy").state_dict()
    alone = AutoModelForCausalLM.from_pretrained(tmp_path / "one" / "policy").state_dict()
    assert whole.keys() == alone.keys()
    for name, tensor in alone.items():
        assert torch.allclose(whole[name], tensor, atol=1e-6), name

    # the sharded checkpoint at step 3 resumes on one process (unsharded) and on two (sharded)
    for processes in (1, 2):
        resumed = tmp_path / f"resumed_on_{processes}"
        shutil.copytree(tmp_path / "two", resumed)
        (resumed / "summary.json").unlink()
        shutil.rmtree(resumed / "checkpoints" / "step_000006")
        rows = resume_on_one_process(resumed, tmp_path / f"x{processes}", processes)
        assert column(rows, "loss") == pytest.approx(column(one, "loss"), rel=1e-5), processes


def test_lora_dpo_sharded_follows_one_process_and_saves_its_adapter(
    tmp_path: Path, task: list[str]
) -> None:
    one = alignzoo(1, tmp_path / "one", *task, "peft=lora")
    two = alignzoo(2, tmp_path / "two", *task, "peft=lora", *FSDP2)
    assert column(two, "loss") == pytest.approx(column(one, "loss"), rel=1e-5)
    assert column(two, "eval/kl") == pytest.approx(column(one, "eval/kl"), rel=1e-3, abs=1e-6)
    from safetensors.torch import load_file

    adapter = load_file(tmp_path / "two" / "policy" / "adapter_model.safetensors")
    alone = load_file(tmp_path / "one" / "policy" / "adapter_model.safetensors")
    assert adapter.keys() == alone.keys() and adapter  # the adapter alone, named as peft's
    for name, tensor in alone.items():
        assert torch.allclose(adapter[name], tensor, atol=1e-6), name


def test_ppo_sharded_follows_one_process_within_a_tolerance(
    tmp_path: Path, task: list[str]
) -> None:
    one = alignzoo(1, tmp_path / "one", *task, *PPO)
    two = alignzoo(2, tmp_path / "two", *task, *PPO, *FSDP2)  # the value head stays whole
    assert column(two, "objective/scores") == pytest.approx(column(one, "objective/scores"))
    assert column(two, "loss") == pytest.approx(column(one, "loss"), abs=0.01)
    assert column(two, "eval/kl") == pytest.approx(column(one, "eval/kl"), rel=0.02)


def test_grpo_sharded_samples_and_trains_as_ddp_on_the_same_processes(
    tmp_path: Path, task: list[str]
) -> None:
    """Sampled rollouts (each process draws from its own generator, so not one process's
    draws): sharded, the samples, losses and evaluation are DDP's on the same two."""
    grpo = [*task, "algorithm=grpo", "reward=gold", "algorithm.rollout.max_new_tokens=8"]
    ddp = alignzoo(2, tmp_path / "ddp", *grpo, "train.steps=4", "eval.every=4")
    sharded = alignzoo(2, tmp_path / "fsdp2", *grpo, "train.steps=4", "eval.every=4", *FSDP2)
    assert column(sharded, "objective/scores") == pytest.approx(column(ddp, "objective/scores"))
    assert any(column(ddp, "loss"))  # the groups' samples differ: there is something to learn
    assert column(sharded, "loss") == pytest.approx(column(ddp, "loss"), rel=1e-4, abs=1e-6)
    for name in ("eval/kl", "eval/gold_reward"):
        assert column(sharded, name) == pytest.approx(column(ddp, name), rel=1e-4, abs=1e-6)


def test_kill_9_of_a_sharded_run_resumes_to_the_uninterrupted_metrics(
    tmp_path: Path, task: list[str]
) -> None:
    run = [*task, "train.steps=6", "train.checkpoint_every=2", *FSDP2]
    launch_killed_after_first_checkpoint(tmp_path / "two", *run)
    rows = resume_on_one_process(tmp_path / "two", tmp_path / "x", processes=2)
    one = alignzoo(1, tmp_path / "one", *task, "train.steps=6")
    assert [r["step"] for r in rows] == [r["step"] for r in one]
    assert column(rows, "loss") == pytest.approx(column(one, "loss"), rel=1e-5)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_two_nodes_of_one_process_each_on_loopback_follow_one_process(
    tmp_path: Path, task: list[str]
) -> None:
    """The documented multi-node launch: accelerate's machine rank, main address and port,
    here two "nodes" on this machine's loopback, sharded."""
    port = str(free_port())
    nodes = [
        [
            *LAUNCH_TWO,
            "--num_machines=2",
            "--num_processes=2",
            f"--machine_rank={rank}",
            "--main_process_ip=127.0.0.1",
            f"--main_process_port={port}",
            "-m",
            "alignzoo",
            *task,
            *FSDP2,
            f"hydra.run.dir={tmp_path / f'node{rank}'}",
        ]
        for rank in (0, 1)
    ]
    launched = [
        subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | ONE_THREAD,
        )
        for command in nodes
    ]
    errors = [process.communicate(timeout=600)[1] for process in launched]
    assert all(process.returncode == 0 for process in launched), errors[0][-3000:]
    two = rows_of(tmp_path / "node0")  # the main process's node writes; the other does not
    assert not (tmp_path / "node1" / "metrics.jsonl").exists()
    one = alignzoo(1, tmp_path / "one", *task)
    assert column(two, "loss") == pytest.approx(column(one, "loss"), rel=1e-5)
    assert column(two, "eval/kl") == pytest.approx(column(one, "eval/kl"), rel=1e-4, abs=1e-5)


@pytest.mark.parametrize(
    "algorithm",
    [
        ["algorithm=sft"],
        ["algorithm=kto"],
        ["algorithm=simpo"],
        ["algorithm=rlaif"],
        ["algorithm=rloo", "reward=gold"],
        ["algorithm=reinforce_pp", "reward=gold"],
        ["algorithm=online_dpo", "reward=gold"],
        ["algorithm=rejection_sampling", "reward=gold"],
        ["algorithm=best_of_n", "reward=gold"],
    ],
    ids=lambda overrides: overrides[0].removeprefix("algorithm="),
)
def test_every_other_algorithm_trains_sharded_evaluates_and_saves(
    tmp_path: Path, task: list[str], algorithm: list[str]
) -> None:
    """Each algorithm's own step, its evaluation and its saved policy on two sharded
    processes (DPO, PPO and GRPO are compared with one process and with DDP above)."""
    rows = alignzoo(2, tmp_path / "two", *task, *algorithm, *FSDP2, "train.steps=2")
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["final"]["eval/kl"] == summary["final"]["eval/kl"]  # evaluated, finite
    if summary["steps"]:  # best-of-n trains nothing
        assert [r["step"] for r in rows if "loss" in r] == [1, 2]
        assert all(abs(r["loss"]) < 1e3 for r in rows if "loss" in r)
        assert (tmp_path / "two" / "policy" / "model.safetensors").is_file()

"""A field set on a prompt's row reaches the reward with every sample of that row, in order:
in training (across micro-batches), in evaluation, after a resume and in every job of a
sweep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
import torch
from hydra import compose, initialize_config_module

from alignzoo.config.prepare import prepare
from alignzoo.registry import LoadedPlugins, create_plugin_manager, hookimpl, load_plugins
from alignzoo.rewards import RewardSource
from alignzoo.runner.run import run
from alignzoo_grpo.config import GRPOConfig
from alignzoo_rloo.config import RLOOConfig

SUBJECTS = ["the movie", "the book", "the hotel", "the song", "the game", "the show"]
OPENINGS = ["yesterday i watched", "last week we saw", "today i read", "recently we tried"]
GENERATIONS, BATCH, EVAL_PROMPTS = 2, 4, 3


@dataclass
class RecordingConfig:
    """``reward=recording`` takes no options."""


class _Recording(RewardSource):
    """A verifier-shaped reward: records each call's (prompt, id, answer), one per sample."""

    name = "recording"
    calls: ClassVar[list[list[tuple[str, int, str]]]] = []

    def __init__(self, config: RecordingConfig) -> None:
        self.config = config

    def score(self, prompts, completions, fields=None) -> torch.Tensor:
        assert fields is not None and len(fields) == len(prompts) == len(completions)
        self.calls.append([(p, f["id"], f["answer"]) for p, f in zip(prompts, fields, strict=True)])
        return torch.tensor([float(len(c) % 3) for c in completions])


class _Recorder:
    @hookimpl
    def alignzoo_register_rewards(self, registry: Any) -> None:
        registry.add_reward("recording", _Recording, RecordingConfig)


@pytest.fixture(scope="module")
def plugins() -> LoadedPlugins:
    prepare()
    manager = create_plugin_manager()
    manager.register(_Recorder(), name="recorder")
    return load_plugins(manager)


def _data(tmp_path: Path, model_dir: Path) -> tuple[list[str], dict[str, tuple[int, str]]]:
    """A tiny GPT-2 directory and 24 prompt rows with an ``id`` and an ``answer`` each."""
    prompts = [f"{o} {s} and" for o in OPENINGS for s in SUBJECTS]
    truth = {p: (i, str(7 * i)) for i, p in enumerate(prompts)}
    rows = [{"prompt": p, "id": i, "answer": a} for p, (i, a) in truth.items()]
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    overrides = [
        "model=hf",
        f"model.name_or_path={model_dir}",
        "model.max_length=32",
        "data=hf",
        f"data.path={path}",
        "data.kind=prompts",
        "data.heldout_fraction=0.25",
        "algorithm=grpo",
        f"algorithm.num_generations={GENERATIONS}",
        "algorithm.rollout.max_new_tokens=4",
        "reward=recording",
        "train.steps=4",
        f"train.batch_size={BATCH}",
        "train.micro_batch_size=2",
        "train.checkpoint_every=2",
        "eval.every=2",
        f"eval.num_prompts={EVAL_PROMPTS}",
        "eval.kl=false",
        "eval.sampling.max_new_tokens=4",
    ]
    return overrides, truth


def _run(plugins: LoadedPlugins, run_dir: Path, overrides: list[str], **kwargs: Any) -> None:
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=overrides)
    run(cfg, plugins, run_dir, **kwargs)


def _calls() -> tuple[list[list[tuple[str, int, str]]], list[list[tuple[str, int, str]]]]:
    """The reward's calls since the last look: training's (a step's samples) and evaluation's
    (one completion per held-out prompt)."""
    calls = list(_Recording.calls)
    _Recording.calls.clear()
    training = [call for call in calls if len(call) == BATCH * GENERATIONS]
    evaluation = [call for call in calls if len(call) == EVAL_PROMPTS]
    assert len(training) + len(evaluation) == len(calls)
    return training, evaluation


def test_each_sample_is_scored_with_its_own_rows_fields_in_order_and_after_resume(
    plugins: LoadedPlugins, tmp_path: Path, tiny_gpt2: Path
) -> None:
    overrides, truth = _data(tmp_path, tiny_gpt2)
    _Recording.calls.clear()
    _run(plugins, tmp_path / "full", overrides)
    training, evaluation = _calls()
    assert len(training) == 4 and len(evaluation) == 3  # steps 1-4; evaluations at 0, 2, 4
    for call in training + evaluation:  # every sample with its own row's id and answer
        assert all(truth[prompt] == (i, answer) for prompt, i, answer in call)
    for call in training:  # a prompt's samples adjacent, prompt after prompt
        groups = [call[k : k + GENERATIONS] for k in range(0, len(call), GENERATIONS)]
        assert all(len(set(group)) == 1 for group in groups)
        assert len({group[0] for group in groups}) == BATCH
    assert evaluation[0] == evaluation[1] == evaluation[2]  # the same held-out rows each time
    assert {p for call in evaluation for p, _, _ in call}.isdisjoint(
        {p for call in training for p, _, _ in call}
    )

    # interrupted at its step-2 checkpoint and resumed: steps 3 and 4 score the same rows
    _run(plugins, tmp_path / "resumed", overrides)
    _calls()
    checkpoint = tmp_path / "resumed" / "checkpoints" / "step_000002"
    _run(plugins, tmp_path / "resumed", overrides, resume_from=checkpoint)
    resumed, _ = _calls()
    assert resumed == training[2:]


@pytest.mark.parametrize("task", ["chain_sum", "leg_counting", "spell_backward"])
def test_a_reasoning_gym_task_trains_end_to_end(
    plugins: LoadedPlugins, tmp_path: Path, task: str, tiny_gpt2: Path
) -> None:
    overrides, _ = _data(tmp_path, tiny_gpt2)
    kept = [o for o in overrides if o.split("=")[0] in ("model", "model.name_or_path")]
    _run(
        plugins,
        tmp_path / task,
        [
            *kept,
            "model.max_length=64",
            "data=reasoning_gym",
            f"data.task={task}",
            "data.train_size=16",
            "data.heldout_size=4",
            "algorithm=grpo",
            "algorithm.num_generations=2",
            "algorithm.rollout.max_new_tokens=4",
            "reward=reasoning_gym",
            "train.steps=2",
            "train.batch_size=2",
            "eval.every=2",
            "eval.sampling.max_new_tokens=4",
        ],
    )
    rows = [
        json.loads(line) for line in (tmp_path / task / "metrics.jsonl").read_text().splitlines()
    ]
    evaluated = [row for row in rows if "eval/gold_reward" in row]  # accuracy: the task's verifier
    trained = [row for row in rows if "rewards/reasoning_gym" in row or "loss" in row]
    assert len(evaluated) == 2 and trained
    assert all(0.0 <= row["eval/gold_reward"] <= 1.0 for row in evaluated)


RECORDER = '''
import json, os


def record(prompt: str, completion: str, id: int, answer: str) -> float:
    """Writes each sample's row fields, then scores the completion's length."""
    with open(os.environ["FIELDS_LOG"], "a") as log:
        log.write(json.dumps([prompt, id, answer]) + "\\n")
    return float(len(completion) % 3)
'''


def test_fields_reach_a_function_reward_in_every_job_of_a_sweep(
    tmp_path: Path, tiny_gpt2: Path
) -> None:
    """``alignzoo -m`` (Hydra's sweeper, two algorithms by two seeds, in one process): every
    job's every sample carries its own row's fields into a plain function reward, given as
    keyword arguments; the sweep ends in its report."""
    overrides, truth = _data(tmp_path, tiny_gpt2)
    (tmp_path / "recorder.py").write_text(RECORDER)
    log = tmp_path / "fields.jsonl"
    swept = [o for o in overrides if not o.startswith(("algorithm", "reward", "train.checkpoint"))]
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "FIELDS_LOG": str(log)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "alignzoo",
            "-m",
            *swept,
            "algorithm=grpo,rloo",
            "seed=0,1",
            "reward=python",
            "reward.function=recorder:record",
            "train.steps=2",
            "eval.every=2",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(truth[prompt] == (i, answer) for prompt, i, answer in rows)
    samples = GRPOConfig().num_generations
    assert samples == RLOOConfig().num_generations  # both at their default group size
    per_job_training = 2 * BATCH * samples  # 2 steps of 4 prompts
    per_job_evaluation = 2 * EVAL_PROMPTS  # at steps 0 and 2
    assert len(rows) == 4 * (per_job_training + per_job_evaluation)
    report = (tmp_path / "sweep" / "report.md").read_text()
    assert "grpo" in report and "rloo" in report

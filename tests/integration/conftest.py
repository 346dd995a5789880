"""Shared helpers of the end-to-end tests: a tiny built-in task and an in-process run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_module

from alignzoo.config.prepare import prepare
from alignzoo.runner.run import run

#: the built-in task shrunk to build and train in seconds
TINY_TASK = [
    "data.train_prompts=48",
    "data.heldout_prompts=16",
    "data.base_model.train_steps=40",
    "data.base_model.corpus_size=800",
    "eval.num_prompts=16",
    "eval.sampling.max_new_tokens=8",
]

RunResult = tuple[dict[str, Any], list[dict[str, Any]]]


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random GPT-2 over the built-in vocabulary (64 positions), saved with its
    tokenizer: any Hugging Face model directory, built once per session."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from alignzoo.tasks.sentiment.base_model import build_tokenizer

    folder = tmp_path_factory.mktemp("gpt2-tiny")
    tokenizer = build_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=32,
        n_layer=1,
        n_head=2,
        n_positions=64,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def tiny_task() -> list[str]:
    """Overrides that shrink the built-in task (a fresh list per test)."""
    return list(TINY_TASK)


@pytest.fixture(scope="session")
def tiny_task_overrides() -> tuple[str, ...]:
    """The same overrides, for fixtures shared by several tests."""
    return tuple(TINY_TASK)


@pytest.fixture
def train() -> Callable[..., RunResult]:
    """Compose ``config`` with overrides and run it into ``run_dir``: (summary, metric rows)."""

    def run_in_process(run_dir: Path, *overrides: str) -> RunResult:
        loaded = prepare()
        with initialize_config_module("alignzoo.conf", version_base="1.3"):
            cfg = compose("config", overrides=list(overrides))
        summary = run(cfg, loaded, run_dir)
        lines = (run_dir / "metrics.jsonl").read_text().splitlines()
        return summary, [json.loads(line) for line in lines]

    return run_in_process


@pytest.fixture
def multirun() -> Callable[..., subprocess.CompletedProcess]:
    """``alignzoo -m <overrides>`` in a fresh process, its sweep in ``sweep`` (run from
    ``cwd``); it must exit 0 and end with its comparison report."""

    def sweep_into(sweep: Path, cwd: Path, *overrides: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "alignzoo", "-m", *overrides]
        command.append(f"hydra.sweep.dir={sweep}")
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, env=os.environ.copy(), timeout=600
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"comparison report: {sweep / 'report.md'}" in done.stdout
        return done

    return sweep_into

"""End to end: the runner in-process with observer hooks, and the ``alignzoo`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from safetensors.torch import load_file
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from transformers import AutoModelForCausalLM

from alignzoo.config.prepare import prepare
from alignzoo.errors import ConfigError, TrainingDiverged
from alignzoo.registry import create_plugin_manager, hookimpl, load_plugins
from alignzoo.runner.checkpoint import TENSORS, latest_checkpoint
from alignzoo.runner.run import run
from alignzoo.runner.trackers import tracker_names

#: a few steps of DPO on the tiny task
FEW_STEPS = ["train.steps=4", "train.batch_size=8", "eval.every=2"]


class Observer:
    """An in-process plugin that records what the observer hooks see."""

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.summaries: list[dict] = []

    @hookimpl
    def alignzoo_on_step_end(self, step: int, metrics: dict[str, float]) -> None:
        assert "loss" in metrics
        self.steps.append(step)

    @hookimpl
    def alignzoo_on_run_end(self, run_dir: str, summary: dict) -> None:
        self.summaries.append(summary)


def test_a_few_steps_in_process_write_metrics_summary_and_policy(tmp_path: Path, tiny_task) -> None:
    prepare()
    manager = create_plugin_manager()
    observer = Observer()
    manager.register(observer, name="observer")
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=[*tiny_task, *FEW_STEPS, "eval.at=[1]"])
    summary = run(cfg, load_plugins(manager), tmp_path)

    assert observer.steps == [1, 2, 3, 4]
    assert observer.summaries == [summary]
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    # at step 0 (the reference), every eval.every=2, at the eval.at steps, and at the end
    assert [r["step"] for r in rows if "eval/kl" in r] == [0, 1, 2, 4]
    assert [r["step"] for r in rows if "loss" in r] == [1, 2, 3, 4]
    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["algorithm"] == "dpo" and written["steps"] == 4
    assert written["reward"] is None  # DPO trains on pairs: no training reward
    for key in ("eval/gold_reward", "eval/kl", "eval/win_rate", "eval/preference_accuracy"):
        assert key in written["final"], key
    assert written["initial"]["eval/kl"] == pytest.approx(0.0, abs=1e-4)
    assert written["tokens_per_s"] > 0 and written["peak_memory_mb"] > 0
    assert (tmp_path / "policy" / "model.safetensors").exists()
    AutoModelForCausalLM.from_pretrained(tmp_path / "policy")


def _alignzoo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "alignzoo", *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=os.environ.copy(), timeout=600
    )


def test_command_runs_from_any_directory_and_prints_final_metrics(
    tmp_path: Path, tiny_task
) -> None:
    result = _alignzoo(*tiny_task, *FEW_STEPS, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "dpo on sentiment - 4 steps" in result.stdout
    assert "eval/win_rate" in result.stdout
    assert (tmp_path / "run" / "summary.json").exists()
    assert (tmp_path / "run" / ".hydra" / "config.yaml").exists()


def test_command_rejects_a_misspelt_field_naming_it(tmp_path: Path) -> None:
    result = _alignzoo("algorithm.bta=0.5", cwd=tmp_path)
    assert result.returncode != 0
    assert "bta" in result.stderr


def test_plugins_subcommand_lists_installed_plugins(tmp_path: Path) -> None:
    result = _alignzoo("plugins", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "dpo  (alignzoo" in result.stdout and "data: sentiment" in result.stdout


def test_missing_model_path_for_hub_data_is_a_clear_error(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"prompt": "p", "chosen": " a", "rejected": " b"}) + "\n")
    result = _alignzoo("data=hf", f"data.path={pairs}", cwd=tmp_path)
    assert result.returncode != 0
    assert "model.name_or_path is not set" in result.stderr


def test_a_diverging_run_skips_bad_updates_then_stops_naming_metric_and_step(
    tmp_path: Path, train, tiny_task
) -> None:
    with pytest.raises(TrainingDiverged, match=r"=(nan|inf) at step \d+: 2 steps in a row") as stop:
        train(
            tmp_path,
            *tiny_task,
            "train.learning_rate=10",
            "train.steps=60",
            "train.max_bad_steps=2",
            "train.checkpoint_every=2",
            "eval.every=100",
        )
    assert "Last checkpoint:" in str(stop.value)
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    skipped = [r["step"] for r in rows if r.get("train/skipped") == 1.0]
    assert len(skipped) >= 2 and skipped[-2:] == [skipped[-1] - 1, skipped[-1]]
    # the updates skipped never reached the weights: the last checkpoint's are all finite
    last = latest_checkpoint(tmp_path)
    assert last is not None
    assert all(t.isfinite().all() for t in load_file(str(last / TENSORS)).values())


def test_logger_tensorboard_mirrors_the_metrics_into_event_files(
    tmp_path: Path, train, tiny_task
) -> None:
    _, rows = train(tmp_path, *tiny_task, "logger=tensorboard", "train.steps=3", "eval.every=3")
    events = EventAccumulator(str(tmp_path / "tracking")).Reload()
    losses = [(e.step, e.value) for e in events.Scalars("loss")]
    expected = [(r["step"], r["loss"]) for r in rows if "loss" in r]
    assert [s for s, _ in losses] == [s for s, _ in expected] == [1, 2, 3]
    assert [v for _, v in losses] == pytest.approx([v for _, v in expected])
    assert "eval/gold_reward" in events.Tags()["scalars"]


def test_no_tracker_writes_or_sends_anything_by_default(tmp_path: Path, train, tiny_task) -> None:
    train(tmp_path, *tiny_task, "train.steps=1", "eval.every=1")
    assert not (tmp_path / "tracking").exists()


def test_an_unknown_or_missing_tracker_is_refused_naming_it() -> None:
    assert tracker_names(None) == [] and tracker_names("tensorboard") == ["tensorboard"]
    with pytest.raises(ConfigError, match="logger='neptune' is not a tracker"):
        tracker_names("tensorboard,neptune")

"""Degeneration guards through the runner: a collapse is recorded in the summary, and
``guards.action=stop`` ends the run there, keeping the last good checkpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_module

from alignzoo.config.prepare import prepare
from alignzoo.evaluation import HeldoutEvaluator
from alignzoo.pipeline import PIPELINE_SUMMARY, run_pipeline
from alignzoo.pipeline.chain import PipelineStageError
from alignzoo.rewards.watch import ConstantRewardWarning
from alignzoo.runner.checkpoint import checkpoints
from alignzoo.runner.guards import DegenerationWarning

FEW_STEPS = ["train.steps=6", "train.batch_size=8", "eval.every=3", "train.checkpoint_every=1"]


@pytest.fixture
def collapsing_evaluations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every evaluation after the reference's reports 1-token completions (the PPO + QLoRA
    collapse of issue 26: eval/completion_tokens 1.09)."""
    evaluate = HeldoutEvaluator.__call__
    calls = []

    def collapsed(self: HeldoutEvaluator, policy: Any) -> dict[str, float]:
        metrics = evaluate(self, policy)
        calls.append(metrics)
        if len(calls) > 1:
            metrics["eval/completion_tokens"] = 1.0
        return metrics

    monkeypatch.setattr(HeldoutEvaluator, "__call__", collapsed)


def test_stop_ends_the_run_at_the_collapse_keeping_the_last_good_checkpoint(
    tmp_path: Path, tiny_task: list[str], train: Callable, collapsing_evaluations: None
) -> None:
    with pytest.warns(DegenerationWarning, match="guard short_completions fired at step 3: "):
        summary, rows = train(tmp_path, *tiny_task, *FEW_STEPS, "guards.action=stop")

    assert summary["stopped"]["guard"] == "short_completions"
    assert summary["stopped"]["step"] == 3
    assert "guards.action=stop: the run ends at this step" in summary["stopped"]["message"]
    (fired,) = summary["guards"]
    assert (fired["metric"], fired["value"], fired["threshold"]) == (
        "eval/completion_tokens",
        1.0,
        2.0,
    )
    assert max(row["step"] for row in rows) == 3  # no step after the collapse
    # steps 1 and 2 were checkpointed; the degenerate step 3 is not, and no policy is saved
    assert [int(c.name.split("_")[1]) for c in checkpoints(tmp_path)] == [1, 2]
    assert summary["policy_dir"] is None and not (tmp_path / "policy").exists()
    assert json.loads((tmp_path / "summary.json").read_text())["stopped"]["step"] == 3


def test_warn_records_the_guard_and_trains_to_the_end(
    tmp_path: Path, tiny_task: list[str], train: Callable, collapsing_evaluations: None
) -> None:
    with pytest.warns(DegenerationWarning, match="guards.action=warn: training goes on"):
        summary, rows = train(tmp_path, *tiny_task, *FEW_STEPS)
    assert summary["stopped"] is None
    assert [(g["guard"], g["step"]) for g in summary["guards"]] == [("short_completions", 3)]
    assert max(row["step"] for row in rows) == 6 and (tmp_path / "policy").is_dir()


def test_a_healthy_short_run_records_no_guard(
    tmp_path: Path, tiny_task: list[str], train: Callable
) -> None:
    summary, rows = train(tmp_path, *tiny_task, *FEW_STEPS)
    assert summary["guards"] == [] and summary["stopped"] is None
    evaluation = rows[0]
    assert {"eval/completion_tokens", "eval/entropy", "eval/truncated"} <= set(evaluation)
    assert 0.0 <= evaluation["eval/truncated"] <= 1.0 and evaluation["eval/entropy"] > 0.05


def test_a_reward_that_never_varies_stops_an_rl_run(
    tmp_path: Path, tiny_task: list[str], train: Callable
) -> None:
    """Unpatched: a keyword the policy never writes scores every completion 0."""
    overrides = [
        "algorithm=ppo",
        "reward=keywords",
        "reward.include=[zzzz]",
        "guards.action=stop",
        "train.steps=5",
        "train.batch_size=8",
        "eval.every=10",
    ]
    with pytest.warns(ConstantRewardWarning, match="guard constant_reward fired at step 3: "):
        summary, rows = train(tmp_path, *tiny_task, *overrides)
    assert summary["stopped"]["guard"] == "constant_reward" and summary["stopped"]["step"] == 3
    assert (
        "reward=keywords gave every completion the same score (0)"
        in (summary["stopped"]["message"])
    )
    assert max(row["step"] for row in rows) == 3


def test_a_pipeline_stage_a_guard_stopped_ends_the_chain(tmp_path: Path) -> None:
    """The next stage would otherwise start from no model (a stopped run saves none)."""
    stopped = {"guard": "kl_runaway", "step": 40, "message": "guard kl_runaway fired ..."}
    ran: list[str] = []

    def run_stage(cfg: Any, stage_dir: Path, overrides: list[str]) -> dict[str, Any]:
        ran.append(stage_dir.name)
        return {"algorithm": "sft", "final": {}, "initial": {}, "policy_dir": None} | {
            "stopped": {"by": "guard", **stopped}
        }

    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=["+pipeline=rlhf"])
        with pytest.raises(
            PipelineStageError,
            match=r"stage 0 'sft' was stopped by its guard kl_runaway at step 40",
        ):
            run_pipeline(cfg, ["+pipeline=rlhf"], tmp_path, run_stage)
    assert ran == ["0_sft"]
    written = json.loads((tmp_path / PIPELINE_SUMMARY).read_text())
    assert [s["status"] for s in written["stages"]] == ["stopped"]


def test_a_real_collapse_to_empty_completions_is_caught_and_stops_the_run(
    tmp_path: Path, tiny_task: list[str], train: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unpatched: a reward of minus the word count, at a learning rate far too high,
    collapses GRPO to EOS-only answers within a few steps (about 1.4 tokens at step 5)."""
    (tmp_path / "shortness_reward.py").write_text(
        "def score(prompt: str, completion: str) -> float:\n"
        "    return -float(len(completion.split()))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    overrides = [
        "algorithm=grpo",
        "reward=python",
        "reward.function=shortness_reward:score",
        "train.learning_rate=1e-2",
        "train.steps=20",
        "train.batch_size=8",
        "eval.every=5",
        "guards.action=stop",
        "guards.constant_reward_batches=null",  # the collapse's own guard, not its aftermath
    ]
    run_dir = tmp_path / "run"
    with pytest.warns(DegenerationWarning, match="guard short_completions fired at step "):
        summary, rows = train(run_dir, *tiny_task, *overrides)
    stopped = summary["stopped"]
    assert stopped["guard"] == "short_completions" and stopped["value"] < 2.0
    assert stopped["metric"] == "grpo/completion_tokens" and stopped["step"] < 20
    assert max(row["step"] for row in rows) == stopped["step"]
    last = rows[-1]  # evaluated where it stopped: the summary's final figures show the collapse
    assert last["step"] == stopped["step"] and last["eval/completion_tokens"] < 3.0
    assert all(int(c.name.split("_")[1]) < stopped["step"] for c in checkpoints(run_dir))

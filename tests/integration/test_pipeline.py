"""``+pipeline=rlhf``: SFT -> reward model -> PPO, each stage feeding the next, in one call;
a stage that fails stops the chain and is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from alignzoo.config.prepare import prepare
from alignzoo.config.schema import PipelineStage
from alignzoo.errors import ConfigError
from alignzoo.pipeline import PIPELINE_SUMMARY, run_pipeline, stage_overrides
from alignzoo.pipeline.chain import PipelineStageError
from alignzoo.runner.run import run


def test_a_stage_composes_from_the_command_line_its_own_overrides_and_earlier_outputs() -> None:
    stage = PipelineStage("ppo", ["algorithm=ppo"], policy_from="sft", reward_from="rm")
    overrides = stage_overrides(
        ["+pipeline=rlhf", "seed=3", "pipeline.stages.0.name=x"],
        stage,
        {"sft": "/runs/0_sft/policy", "rm": "/runs/1_rm/reward_model"},
    )
    assert overrides == [
        "seed=3",
        "algorithm=ppo",
        "model.name_or_path=/runs/0_sft/policy",
        "reward.path=/runs/1_rm/reward_model",
    ]
    with pytest.raises(ConfigError, match=r"stage 'ppo'.*from stage 'sft'.*stages so far: none"):
        stage_overrides([], stage, {})
    # best-of-n trains nothing, so it saves no model: only a stage built on it is refused
    with pytest.raises(ConfigError, match=r"stage 'ppo'.*from stage 'sft', which saved no model"):
        stage_overrides([], stage, {"sft": None, "rm": "/runs/1_rm/reward_model"})


def _pipeline(tmp_path: Path, tiny_task: list[str], *extra: str) -> dict:
    command_line = [*tiny_task, "+pipeline=rlhf", "train.steps=3", "eval.every=3", *extra]
    plugins = prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=command_line)
        return run_pipeline(cfg, command_line, tmp_path, lambda c, d, o: run(c, plugins, d))


def test_the_rlhf_pipeline_chains_sft_reward_model_and_ppo(tmp_path: Path, tiny_task) -> None:
    record = _pipeline(tmp_path, tiny_task)
    assert [s["name"] for s in record["stages"]] == ["sft", "reward_model", "ppo"]
    assert [s["status"] for s in record["stages"]] == ["finished"] * 3
    sft, rm, ppo = record["stages"]
    assert [sft["algorithm"], rm["algorithm"], ppo["algorithm"]] == ["sft", "reward_model", "ppo"]
    assert f"model.name_or_path={sft['output']}" in rm["overrides"]
    assert f"reward.path={rm['output']}" in ppo["overrides"]
    assert Path(rm["output"]).name == "reward_model" and Path(ppo["output"]).exists()
    written = json.loads((tmp_path / PIPELINE_SUMMARY).read_text())
    assert [s["dir"] for s in written["stages"]] == [
        str(tmp_path / name) for name in ("0_sft", "1_reward_model", "2_ppo")
    ]
    summary = json.loads((tmp_path / "2_ppo" / "summary.json").read_text())
    assert summary["model"] == sft["output"]  # PPO started from the SFT model


def test_a_failing_middle_stage_is_named_and_stops_the_chain(tmp_path: Path, tiny_task) -> None:
    with pytest.raises(PipelineStageError, match=r"stage 1 'reward_model' failed.*did not run"):
        _pipeline(
            tmp_path,
            tiny_task,
            "pipeline.stages.1.overrides=['algorithm=reward_model','algorithm.margin=oops']",
        )
    written = json.loads((tmp_path / PIPELINE_SUMMARY).read_text())
    assert [s["status"] for s in written["stages"]] == ["finished", "failed"]
    assert "margin" in written["stages"][1]["error"]
    assert not (tmp_path / "2_ppo").exists()


def test_one_command_runs_the_pipeline_and_a_bad_stage_ends_it_naming_the_stage(
    tmp_path: Path, tiny_task
) -> None:
    import os
    import subprocess
    import sys

    def alignzoo(run_dir: Path, *extra: str) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            "-m",
            "alignzoo",
            "+pipeline=rlhf",
            *tiny_task,
            "train.steps=2",
            "eval.every=2",
            f"hydra.run.dir={run_dir}",
            *extra,
        ]
        return subprocess.run(
            command, capture_output=True, text=True, env=os.environ.copy(), timeout=600
        )

    done = alignzoo(tmp_path / "good")
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"pipeline: {tmp_path / 'good' / PIPELINE_SUMMARY}" in done.stdout
    assert (tmp_path / "good" / "2_ppo" / "summary.json").exists()
    failed = alignzoo(tmp_path / "bad", "pipeline.stages.2.policy_from=nowhere")
    assert failed.returncode != 0
    assert "pipeline stage 2 'ppo' failed" in failed.stderr and "'nowhere'" in failed.stderr
    assert "Traceback" not in failed.stderr  # one clear line

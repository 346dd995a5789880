"""Any causal LM from a local directory trains on pairs from a local file (no gold reward)."""

from __future__ import annotations

import json
from pathlib import Path

from hydra import compose, initialize_config_module

from alignzoo.config.prepare import prepare
from alignzoo.pipeline import run_pipeline
from alignzoo.runner.run import run


def _local_model_and_pairs(tmp_path: Path, model_dir: Path) -> list[str]:
    """A tiny GPT-2 directory and a JSONL of pairs; the overrides that train on them."""
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {
            "prompt": "yesterday i read the book :",
            "chosen": "the story was great .",
            "rejected": "the story was awful .",
        }
    ] * 20
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return [
        "model=hf",
        f"model.name_or_path={model_dir}",
        "model.max_length=32",
        "data=hf",
        f"data.path={pairs}",
        "data.heldout_fraction=0.2",
        "train.steps=3",
        "train.batch_size=4",
        "eval.every=3",
        "eval.sampling.max_new_tokens=4",
    ]


def test_local_gpt2_directory_with_jsonl_pairs(tmp_path: Path, tiny_gpt2: Path) -> None:
    overrides = _local_model_and_pairs(tmp_path, tiny_gpt2)
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=overrides)
    summary = run(cfg, prepare(), tmp_path / "run")

    assert summary["model"] == str(tiny_gpt2) and summary["data"] == "hf"
    final = summary["final"]
    assert "eval/gold_reward" not in final  # a file has no known objective
    assert {"eval/kl", "eval/preference_accuracy"} <= set(final)
    assert (tmp_path / "run" / "policy" / "model.safetensors").exists()


def test_the_rlhf_pipeline_runs_on_a_local_model_and_data_file(
    tmp_path: Path, tiny_gpt2: Path
) -> None:
    command_line = [*_local_model_and_pairs(tmp_path, tiny_gpt2), "+pipeline=rlhf"]
    plugins = prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=command_line)
        record = run_pipeline(
            cfg, command_line, tmp_path / "chain", lambda c, d, o: run(c, plugins, d)
        )
    assert [s["status"] for s in record["stages"]] == ["finished"] * 3
    ppo = json.loads((tmp_path / "chain" / "2_ppo" / "summary.json").read_text())
    assert ppo["model"] == record["stages"][0]["output"] and ppo["data"] == "hf"

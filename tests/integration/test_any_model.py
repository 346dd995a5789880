"""Any causal LM from a local directory trains on pairs from a local file (no gold reward)."""

from __future__ import annotations

import json
from pathlib import Path

from hydra import compose, initialize_config_module
from transformers import GPT2Config, GPT2LMHeadModel

from alignzoo.config.prepare import prepare
from alignzoo.pipeline import run_pipeline
from alignzoo.runner.run import run
from alignzoo.tasks.sentiment.base_model import build_tokenizer


def _local_model_and_pairs(tmp_path: Path) -> list[str]:
    """A tiny GPT-2 directory and a JSONL of pairs; the overrides that train on them."""
    model_dir = tmp_path / "gpt2-tiny"
    tokenizer = build_tokenizer()
    GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(tokenizer),
            n_embd=32,
            n_layer=1,
            n_head=2,
            n_positions=64,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
    ).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
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


def test_local_gpt2_directory_with_jsonl_pairs(tmp_path: Path) -> None:
    overrides = _local_model_and_pairs(tmp_path)
    model_dir = tmp_path / "gpt2-tiny"
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=overrides)
    summary = run(cfg, prepare(), tmp_path / "run")

    assert summary["model"] == str(model_dir) and summary["data"] == "hf"
    final = summary["final"]
    assert "eval/gold_reward" not in final  # a file has no known objective
    assert {"eval/kl", "eval/preference_accuracy"} <= set(final)
    assert (tmp_path / "run" / "policy" / "model.safetensors").exists()


def test_the_rlhf_pipeline_runs_on_a_local_model_and_data_file(tmp_path: Path) -> None:
    command_line = [*_local_model_and_pairs(tmp_path), "+pipeline=rlhf"]
    plugins = prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=command_line)
        record = run_pipeline(
            cfg, command_line, tmp_path / "chain", lambda c, d, o: run(c, plugins, d)
        )
    assert [s["status"] for s in record["stages"]] == ["finished"] * 3
    ppo = json.loads((tmp_path / "chain" / "2_ppo" / "summary.json").read_text())
    assert ppo["model"] == record["stages"][0]["output"] and ppo["data"] == "hf"

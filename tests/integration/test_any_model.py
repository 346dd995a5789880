"""Any causal LM from a local directory trains on pairs from a local file (no gold reward)."""

from __future__ import annotations

import json
from pathlib import Path

from hydra import compose, initialize_config_module
from transformers import GPT2Config, GPT2LMHeadModel

from alignzoo.cli import prepare
from alignzoo.runner.run import run
from alignzoo.tasks.sentiment.base_model import build_tokenizer


def test_local_gpt2_directory_with_jsonl_pairs(tmp_path: Path) -> None:
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

    prepare()
    overrides = [
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
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        cfg = compose("config", overrides=overrides)
    summary = run(cfg, prepare(), tmp_path / "run")

    assert summary["model"] == str(model_dir) and summary["data"] == "hf"
    final = summary["final"]
    assert "eval/gold_reward" not in final  # a file has no known objective
    assert {"eval/kl", "eval/preference_accuracy"} <= set(final)
    assert (tmp_path / "run" / "policy" / "model.safetensors").exists()

"""``peft=lora`` and ``quant=4bit`` end to end: every algorithm still raises the gold reward."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import AutoModelForCausalLM

from alignzoo.errors import ConfigError

QLORA = ["peft=lora", "quant=4bit"]


def test_lora_run_saves_the_adapter_and_a_merged_copy(tmp_path: Path, train, tiny_task) -> None:
    summary, _ = train(tmp_path, *tiny_task, "peft=lora", "peft.merge_at_end=true", "train.steps=3")
    policy = Path(summary["policy_dir"])
    assert (policy / "adapter_model.safetensors").exists()
    assert not (policy / "model.safetensors").exists()
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "policy_merged")
    assert not hasattr(merged, "peft_config")
    assert summary["parameters"]["trainable"] < summary["parameters"]["total"] / 4


def test_4bit_without_lora_is_refused_naming_the_fix(tmp_path: Path, train, tiny_task) -> None:
    with pytest.raises(ConfigError, match="needs peft=lora"):
        train(tmp_path, *tiny_task, "quant=4bit", "train.steps=1")


@pytest.mark.slow
def test_qlora_dpo_raises_the_gold_reward(tmp_path: Path, train) -> None:
    summary, _ = train(
        tmp_path, *QLORA, "train.steps=100", "train.learning_rate=5e-3", "eval.every=100"
    )
    final = summary["final"]
    print({k: round(v, 3) for k, v in final.items()})
    assert final["eval/gold_reward"] > final["eval/reference_gold_reward"] + 0.5
    assert final["eval/win_rate"] >= 0.8


@pytest.mark.slow
def test_qlora_ppo_raises_the_gold_reward(tmp_path: Path, train) -> None:
    summary, _ = train(
        tmp_path,
        *QLORA,
        "algorithm=ppo",
        "reward=gold",
        "train.steps=60",
        "train.learning_rate=3e-3",
        "eval.every=60",
    )
    final = summary["final"]
    print({k: round(v, 3) for k, v in final.items()})
    assert final["eval/gold_reward"] > final["eval/reference_gold_reward"] + 0.5
    assert 0 < final["eval/kl"] < 20


@pytest.mark.slow
def test_lora_reward_model_on_the_policys_base_drives_qlora_ppo(tmp_path: Path, train) -> None:
    rm_summary, _ = train(
        tmp_path / "rm",
        "algorithm=reward_model",
        "peft=lora",
        "train.steps=200",
        "train.learning_rate=3e-3",
        "eval.every=200",
    )
    assert rm_summary["final"]["eval/preference_accuracy"] >= 0.8
    summary, _ = train(
        tmp_path / "ppo",
        *QLORA,
        "algorithm=ppo",
        "reward=learned",
        f"reward.path={rm_summary['policy_dir']}",
        "reward.center=true",
        "reward.share_base=true",  # the reward adapter rides on the policy's (4-bit) base
        "train.steps=60",
        "train.learning_rate=3e-3",
        "eval.every=60",
    )
    final = summary["final"]
    print({k: round(v, 3) for k, v in final.items()})
    assert final["eval/gold_reward"] > final["eval/reference_gold_reward"] + 0.4
    saved = Path(summary["policy_dir"])  # the policy's adapter only, not the reward's
    assert (saved / "adapter_model.safetensors").exists() and not (saved / "reward").exists()

"""The classic pipeline: train a reward model, then PPO against it, gold reward logged beside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from transformers import AutoModelForSequenceClassification

from alignzoo.config.prepare import prepare
from alignzoo_reward_model.config import LearnedRewardConfig
from alignzoo_reward_model.reward import LearnedReward


def test_reward_model_then_ppo_on_it(tmp_path: Path, train, tiny_task) -> None:
    summary, _ = train(
        tmp_path / "rm",
        *tiny_task,
        "algorithm=reward_model",
        "train.steps=4",
        "train.batch_size=8",
        "eval.every=4",
    )
    saved = tmp_path / "rm" / "reward_model"
    assert summary["policy_dir"] == str(saved)
    assert AutoModelForSequenceClassification.from_pretrained(saved).config.num_labels == 1
    assert set(summary["final"]) == {"eval/preference_accuracy"}
    stats = json.loads((saved / "reward_stats.json").read_text())
    assert stats["count"] == 2 * 48 and stats["std"] > 0  # every training pair, both sides
    centred = LearnedReward(LearnedRewardConfig(path=str(saved), center=True, device="cpu"))
    assert centred.offset == stats["mean"]

    train(
        tmp_path / "ppo",
        *tiny_task,
        "algorithm=ppo",
        "reward=learned",
        f"reward.path={saved}",
        "train.steps=2",
        "train.batch_size=8",
        "eval.every=2",
    )
    evals = [json.loads(line) for line in (tmp_path / "ppo" / "metrics.jsonl").open()]
    last = [row for row in evals if "eval/kl" in row][-1]
    assert {"eval/proxy_reward", "eval/gold_reward"} <= set(last)  # side by side


def test_reward_model_budget_preset_applies_unless_overridden() -> None:
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        assert compose("config", overrides=["algorithm=reward_model"]).train.steps == 600
        assert (
            compose("config", overrides=["algorithm=reward_model", "train.steps=7"]).train.steps
            == 7
        )
        assert compose("config").train.steps == 300


@pytest.mark.slow
def test_reward_model_ranks_heldout_pairs_and_ppo_on_it_raises_gold(tmp_path: Path, train) -> None:
    summary, _ = train(tmp_path / "rm", "algorithm=reward_model")
    print("reward model:", summary["final"])
    assert summary["final"]["eval/preference_accuracy"] >= 0.85

    ppo, _ = train(
        tmp_path / "ppo",
        "algorithm=ppo",
        "reward=learned",
        f"reward.path={tmp_path / 'rm' / 'reward_model'}",
        "train.steps=60",
        "eval.every=30",
    )
    final = ppo["final"]
    print("ppo on the learned reward:", final)
    assert final["eval/gold_reward"] > final["eval/reference_gold_reward"] + 0.3
    assert final["eval/win_rate"] >= 0.70
    assert final["eval/proxy_reward"] > ppo["initial"]["eval/proxy_reward"]


def test_rlaif_labels_with_the_judge_and_trains(tmp_path: Path, train, tiny_task) -> None:
    from hydra import compose, initialize_config_module

    from alignzoo.config.prepare import prepare
    from alignzoo.tasks.sentiment.task import SentimentTask

    loaded = prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        data = compose("config", overrides=tiny_task).data
    judge_model = loaded.registry.for_config("data", data).build(data).base_model()
    assert isinstance(judge_model, str) and SentimentTask  # the tiny task's own base model
    summary, rows = train(
        tmp_path,
        *tiny_task,
        "algorithm=rlaif",
        f"algorithm.judge.model={judge_model}",
        "algorithm.judge.cache=false",
        "train.steps=2",
        "train.batch_size=8",
        "eval.every=2",
    )
    assert 0.0 <= summary["final"]["eval/judge_agreement"] <= 1.0
    assert "rlaif/flipped_labels" in rows[-2] or "rlaif/flipped_labels" in rows[-1]


@pytest.mark.slow
def test_rlaif_default_pipeline_judge_agrees_and_gold_rises(tmp_path: Path, train) -> None:
    summary, _ = train(tmp_path, "algorithm=rlaif")
    final = summary["final"]
    print("rlaif:", final)
    assert final["eval/judge_agreement"] >= 0.75
    assert final["eval/gold_reward"] > final["eval/reference_gold_reward"] + 0.4

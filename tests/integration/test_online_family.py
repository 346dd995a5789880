"""The rollout engine's algorithms end to end on the tiny built-in task: each learns what a
rules-based reward asks within a few steps, and each trains under QLoRA."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

#: a reward the tiny base is far from: completions of 2 +- 1 words
SHORT = ["reward=length", "reward.target=2", "reward.tolerance=1", "train.learning_rate=1e-3"]

LEARNERS = {
    "rloo": ["train.batch_size=4", "algorithm.rollout.max_new_tokens=12"],
    "reinforce_pp": ["train.batch_size=16", "algorithm.rollout.max_new_tokens=12"],
    "online_dpo": ["train.batch_size=8", "algorithm.rollout.max_new_tokens=12"],
    "rejection_sampling": ["train.batch_size=4", "algorithm.rollout.max_new_tokens=12"],
}


@pytest.mark.parametrize("algorithm", sorted(LEARNERS))
def test_a_short_run_learns_short_completions(
    algorithm: str, tmp_path: Path, train, tiny_task
) -> None:
    summary, rows = train(
        tmp_path,
        *tiny_task,
        f"algorithm={algorithm}",
        *SHORT,
        *LEARNERS[algorithm],
        "train.steps=15",
        "eval.every=15",
    )
    scores = [r["objective/scores"] for r in rows if "objective/scores" in r]
    assert len(scores) == 15
    assert sum(scores[-3:]) / 3 > sum(scores[:3]) / 3 + 0.3, scores
    assert summary["final"]["eval/kl"] > 0


@pytest.mark.parametrize("algorithm", [*sorted(LEARNERS), "best_of_n"])
def test_each_trains_under_qlora(algorithm: str, tmp_path: Path, train, tiny_task) -> None:
    summary, rows = train(
        tmp_path,
        *tiny_task,
        f"algorithm={algorithm}",
        "reward=gold",
        "peft=lora",
        "quant=4bit",
        *LEARNERS.get(algorithm, []),
        "train.steps=2" if algorithm in LEARNERS else "algorithm.n=2",
        "eval.every=2",
    )
    assert summary["parameters"]["trainable"] < summary["parameters"]["total"] / 4
    assert all(r["loss"] == r["loss"] for r in rows if "loss" in r)  # no NaN
    assert "eval/kl" in summary["final"]


def test_online_dpo_with_an_ai_judge_is_online_rlaif(tmp_path: Path, train, tiny_task) -> None:
    summary, rows = train(
        tmp_path,
        *tiny_task,
        "algorithm=online_dpo",
        "reward=judge",
        "algorithm.dpo.loss=ipo",
        "train.batch_size=8",
        "train.steps=2",
        "eval.every=2",
    )
    step = [r for r in rows if "objective/scores" in r][-1]
    assert 0 < step["online_dpo/labelled_pairs"] <= 1
    assert "rewards/margins" in step  # DPO's step ran on the judge's labels
    assert summary["config"]["algorithm"]["dpo"]["loss"] == "ipo"


def test_best_of_n_trains_nothing_and_climbs_with_n(tmp_path: Path, train, tiny_task) -> None:
    finals = {}
    for n in (1, 8):
        summary, rows = train(
            tmp_path / str(n), *tiny_task, "algorithm=best_of_n", "reward=gold", f"algorithm.n={n}"
        )
        assert summary["steps"] == 0 and [r["step"] for r in rows] == [0]
        finals[n] = summary["final"]
    assert finals[1]["eval/kl"] == 0.0
    assert finals[8]["eval/kl"] == pytest.approx(math.log(8) - 7 / 8)
    assert finals[8]["eval/gold_reward"] > finals[1]["eval/gold_reward"] + 0.1
    assert finals[8]["eval/proxy_reward"] == finals[8]["eval/gold_reward"]  # picked by gold


def test_best_of_n_takes_no_step_whatever_train_steps_says(
    tmp_path: Path, train, tiny_task
) -> None:
    summary, rows = train(
        tmp_path, *tiny_task, "algorithm=best_of_n", "reward=gold", "train.steps=5"
    )
    assert summary["steps"] == 0 and [r["step"] for r in rows] == [0]
    assert summary["policy_dir"] is None  # nothing trained, nothing saved

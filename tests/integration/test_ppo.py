"""PPO end to end: it raises a learnable rules reward fast, and the gold reward in the full run."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_short_ppo_run_learns_short_completions(tmp_path: Path, train, tiny_task) -> None:
    """A length reward (target 2 words) is trivially learnable: emit EOS early."""
    _, rows = train(
        tmp_path,
        *tiny_task,
        "algorithm=ppo",
        "reward=length",
        "reward.target=2",
        "reward.tolerance=1",
        "algorithm.rollout.max_new_tokens=12",
        "train.steps=15",
        "train.batch_size=16",
        "train.learning_rate=1e-3",  # PPO's budget (1e-4) is for 300 steps: this has 15
        "eval.every=15",
    )
    scores = [r["objective/scores"] for r in rows if "objective/scores" in r]
    assert len(scores) == 15
    assert sum(scores[-3:]) / 3 > sum(scores[:3]) / 3 + 0.4
    train = [r for r in rows if "policy/clipfrac" in r]
    for key in (
        "objective/kl",
        "objective/rlhf_reward",
        "policy/approxkl",
        "policy/entropy",
        "value/clipfrac",
        "value/explained_variance",
        "ppo/kl_coef",
    ):
        assert key in train[-1], key
    final_eval = [r for r in rows if "eval/proxy_reward" in r][-1]
    assert final_eval["eval/proxy_reward"] > 0.5


def test_composite_reward_logs_each_component(tmp_path: Path, train, tiny_task) -> None:
    _, rows = train(
        tmp_path,
        *tiny_task,
        "algorithm=ppo",
        "reward=gold_and_length",
        "train.steps=2",
        "train.batch_size=8",
        "eval.every=2",
    )
    train = [r for r in rows if "loss" in r]
    assert {"rewards/gold", "rewards/length"} <= set(train[-1])


def test_ppo_without_a_reward_names_the_fix(tmp_path: Path, train, tiny_task) -> None:
    from alignzoo.errors import ConfigError

    with pytest.raises(ConfigError, match=r"reward=<name>"):
        train(tmp_path, *tiny_task, "algorithm=ppo", "train.steps=1")


@pytest.mark.slow
def test_ppo_on_the_gold_reward_beats_the_reference_at_bounded_kl(
    tmp_path: Path, train, tiny_task
) -> None:
    summary, _ = train(tmp_path, "algorithm=ppo", "reward=gold", "train.steps=150")
    final = summary["final"]
    print({k: round(v, 3) for k, v in final.items()})
    assert final["eval/win_rate"] >= 0.70
    assert final["eval/gold_reward"] > final["eval/reference_gold_reward"] + 0.4
    assert 0 < final["eval/kl"] < 20

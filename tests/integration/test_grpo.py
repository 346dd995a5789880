"""GRPO end to end on the tiny built-in task: it learns, it holds no reference unless its KL
term asks, and its DAPO loss is independent of how the step is split into micro-batches."""

from __future__ import annotations

from pathlib import Path

import torch

LENGTH = [
    "algorithm=grpo",
    "reward=length",
    "reward.target=2",
    "reward.tolerance=1",
    "algorithm.rollout.max_new_tokens=12",
    "train.batch_size=4",
]


def test_short_grpo_run_learns_short_completions(tmp_path: Path, train, tiny_task) -> None:
    summary, rows = train(
        tmp_path, *tiny_task, *LENGTH, "train.steps=15", "eval.every=15", "train.learning_rate=1e-3"
    )
    scores = [r["objective/scores"] for r in rows if "objective/scores" in r]
    assert len(scores) == 15
    assert sum(scores[-3:]) / 3 > sum(scores[:3]) / 3 + 0.3
    assert (
        "objective/kl" not in [r for r in rows if "loss" in r][-1]
    )  # beta = 0: no KL term, no reference in training
    assert summary["final"]["eval/kl"] > 0  # evaluation borrows the reference (eval.kl)
    assert {"policy/clipfrac", "objective/group_std", "grpo/uniform_groups"} <= set(rows[1])


def test_only_a_kl_term_needs_the_reference() -> None:
    from alignzoo_grpo.algorithm import GRPOAlgorithm
    from alignzoo_grpo.config import GRPOConfig

    assert not GRPOAlgorithm.needs_reference_for(GRPOConfig())
    assert GRPOAlgorithm.needs_reference_for(GRPOConfig(beta=0.04))


def test_a_kl_term_loads_the_reference_and_logs_the_kl(tmp_path: Path, train, tiny_task) -> None:
    summary, rows = train(
        tmp_path, *tiny_task, *LENGTH, "algorithm.beta=0.1", "train.steps=2", "eval.every=2"
    )
    assert "objective/kl" in [r for r in rows if "loss" in r][-1]
    assert "eval/kl" in summary["final"]


def test_dapo_loss_is_the_same_in_micro_batches(tmp_path: Path, train, tiny_task) -> None:
    steps = [*tiny_task, *LENGTH, "train.steps=3", "eval.every=100"]
    _, whole = train(tmp_path / "whole", *steps)
    _, split = train(tmp_path / "split", *steps, "train.micro_batch_size=3")
    losses = [[r["loss"] for r in rows if "loss" in r] for rows in (whole, split)]
    torch.testing.assert_close(
        torch.tensor(losses[1]), torch.tensor(losses[0]), rtol=1e-4, atol=1e-6
    )


def test_a_composite_reward_normalised_per_source(tmp_path: Path, train, tiny_task) -> None:
    _, rows = train(
        tmp_path,
        *tiny_task,
        "algorithm=grpo",
        "reward=gold_and_length",
        "algorithm.reward_aggregation=normalize_then_sum",
        "train.batch_size=4",
        "train.steps=2",
        "eval.every=2",
    )
    step = [r for r in rows if "loss" in r][-1]
    assert {"rewards/gold", "rewards/length"} <= set(step)
    assert step["loss"] == step["loss"]

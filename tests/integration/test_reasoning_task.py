"""The built-in reasoning task: its base model solves a minority of held-out sums, and GRPO on
the exact check raises the share it solves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_grpo_on_verifiable_rewards_raises_heldout_accuracy(
    train: Callable[..., tuple[dict, list[dict]]], tmp_path: Path
) -> None:
    summary, rows = train(
        tmp_path / "grpo",
        "+experiment=rlvr",
        "+rlvr=grpo",
        "train.steps=400",
        "eval.every=400",
    )
    evaluations = [row for row in rows if "eval/accuracy" in row]
    base, trained = evaluations[0], evaluations[-1]
    # the base model: the format learned, the sums only in part (docs/builtin-task.md)
    assert 0.10 <= base["eval/accuracy"] <= 0.40 and base["eval/format_rate"] >= 0.95
    assert base["eval/pass@8"] > base["eval/accuracy"]
    # 400 steps of 16 prompts x 8 samples (about a minute on 2 CPU cores)
    assert trained["eval/accuracy"] >= base["eval/accuracy"] + 0.08, evaluations
    assert trained["eval/gold_reward"] > base["eval/gold_reward"]
    assert summary["final"]["eval/format_rate"] >= 0.9

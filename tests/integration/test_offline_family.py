"""The offline family end to end on the tiny built-in task: every DPO loss trains, SimPO and
SFT hold no reference in training, and SFT's token mean ignores how a step is split or
packed."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from alignzoo_dpo.loss import LOSSES

SHORT = ["train.steps=3", "eval.every=3", "train.batch_size=8"]


@pytest.mark.parametrize("loss", [name for name in LOSSES if name not in ("sigmoid", "ipo")])
def test_every_dpo_loss_takes_finite_steps_on_the_task(
    loss: str, tmp_path: Path, train, tiny_task
) -> None:
    # exo_pair's eps cannot be 0 (log 0): it is refused there, so it trains at the paper's 1e-3
    smoothing = ["algorithm.label_smoothing=1e-3"] if loss == "exo_pair" else []
    summary, rows = train(tmp_path, *tiny_task, *SHORT, f"algorithm.loss={loss}", *smoothing)
    steps = [r for r in rows if "loss" in r]
    assert len(steps) == 3 and all(torch.isfinite(torch.tensor(r["loss"])) for r in steps)
    assert abs(summary["final"]["eval/kl"]) > 1e-4  # the policy moved (a sampled estimate)


def test_a_weighted_mixture_of_losses_trains(tmp_path: Path, train, tiny_task) -> None:
    _, rows = train(
        tmp_path,
        *tiny_task,
        *SHORT,
        "algorithm.loss=[sigmoid,sft]",
        "algorithm.loss_weights=[1,0.5]",
    )
    assert len([r for r in rows if "loss" in r]) == 3


@pytest.mark.parametrize("algorithm", ["simpo", "sft"])
def test_reference_free_offline_algorithms_train_without_a_reference(
    algorithm: str, tmp_path: Path, train, tiny_task
) -> None:
    summary, rows = train(
        tmp_path,
        *tiny_task,
        f"algorithm={algorithm}",
        "train.steps=8",
        "eval.every=8",
        "train.learning_rate=1e-3",
    )
    assert summary["memory"]["reference"].startswith("none in training")
    losses = [r["loss"] for r in rows if "loss" in r]
    assert sum(losses[-2:]) < sum(losses[:2])


def test_sft_is_a_token_mean_over_the_whole_step_split_or_packed(
    tmp_path: Path, train, tiny_task
) -> None:
    steps = [*tiny_task, "algorithm=sft", "train.steps=3", "eval.every=100"]
    _, whole = train(tmp_path / "whole", *steps)
    _, split = train(tmp_path / "split", *steps, "train.micro_batch_size=3")
    _, packed = train(tmp_path / "packed", *steps, "algorithm.packing=true")
    losses = [[r["loss"] for r in rows if "loss" in r] for rows in (whole, split, packed)]
    for other in losses[1:]:
        torch.testing.assert_close(
            torch.tensor(other), torch.tensor(losses[0]), rtol=1e-4, atol=1e-6
        )


def test_dpo_with_shared_prompt_packing_takes_the_padded_runs_steps(
    tmp_path: Path, train, tiny_task
) -> None:
    steps = [*tiny_task, "train.steps=3", "eval.every=100", "train.learning_rate=1e-3"]
    _, padded = train(tmp_path / "padded", *steps, "algorithm.packing=false")
    _, packed = train(tmp_path / "packed", *steps)  # the default: packed where the model can
    losses = [[r["loss"] for r in rows if "loss" in r] for rows in (padded, packed)]
    torch.testing.assert_close(
        torch.tensor(losses[1]), torch.tensor(losses[0]), rtol=1e-4, atol=1e-6
    )
    assert losses[0][-1] < losses[0][0]  # the steps moved, so the comparison means something


def test_kto_learns_from_the_tasks_thumbs_up_and_down(tmp_path: Path, train, tiny_task) -> None:
    summary, rows = train(tmp_path, *tiny_task, "algorithm=kto", "train.steps=10", "eval.every=10")
    steps = [r for r in rows if "loss" in r]
    assert steps[-1]["loss"] < steps[0]["loss"]
    assert steps[-1]["rewards/chosen"] > steps[-1]["rewards/rejected"]
    assert 0.3 < steps[-1]["kto/desirable_share"] < 0.7
    assert summary["final"]["eval/kl"] > 0

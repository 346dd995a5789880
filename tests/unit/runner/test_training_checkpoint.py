"""Training checkpoints: the trained tensors and state round-trip, half-written ones are
never taken for complete, old ones are pruned, and ``resume=`` finds the right run."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch

from alignzoo.errors import ConfigError
from alignzoo.runner.checkpoint import (
    OVERRIDES,
    checkpoints,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from alignzoo.runner.resume import check_same_config, plan_resume
from alignzoo.runner.stop_signals import StopSignals
from alignzoo.runner.training_state import capture_rng, restore_rng


def parameters(seed: int) -> list[torch.nn.Parameter]:
    torch.manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(3, 2)), torch.nn.Parameter(torch.randn(4))]


def save(run_dir: Path, step: int, overrides: list[str] | None = None, keep: int = 5) -> Path:
    state = {"step": step, "rng": capture_rng(), "nested": {"lr": [0.1, 0.2]}}
    return save_checkpoint(
        run_dir, step, parameters(step), ["a", "b"], state, "x: 1\n", overrides or [], keep
    )


def test_a_checkpoint_round_trips_its_tensors_and_state_exactly(tmp_path: Path) -> None:
    saved = save(tmp_path, 7)
    assert saved == tmp_path / "checkpoints" / "step_000007"
    into = parameters(0)
    state = load_checkpoint(saved, into, ["a", "b"])
    for got, expected in zip(into, parameters(7), strict=True):
        assert torch.equal(got, expected)
    assert state["step"] == 7 and state["nested"] == {"lr": [0.1, 0.2]}


def test_a_checkpoint_of_other_parameters_is_refused_naming_the_difference(
    tmp_path: Path,
) -> None:
    saved = save(tmp_path, 1)
    with pytest.raises(ConfigError, match="saved 'b' where this run has 'c'"):
        load_checkpoint(saved, parameters(0), ["a", "c"])


def test_only_the_newest_checkpoints_are_kept_and_staging_leftovers_never_count(
    tmp_path: Path,
) -> None:
    for step in (2, 4, 6):
        save(tmp_path, step, keep=2)
    # what kill -9 during a write leaves: a staging folder, with every file but the rename
    (tmp_path / "checkpoints" / ".step_000008.new").mkdir()
    assert [p.name for p in checkpoints(tmp_path)] == ["step_000004", "step_000006"]
    assert latest_checkpoint(tmp_path) == tmp_path / "checkpoints" / "step_000006"


def test_random_state_round_trips_through_a_weights_only_load(tmp_path: Path) -> None:
    torch.save(capture_rng(), tmp_path / "rng.pt")
    expected = torch.rand(3)
    restore_rng(torch.load(tmp_path / "rng.pt", weights_only=True))
    assert torch.equal(torch.rand(3), expected)


def test_a_signal_is_remembered_and_the_previous_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with StopSignals() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_resume_of_a_named_run_takes_its_newest_checkpoint_and_overrides(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "run"
    save(run_dir, 2, ["seed=3"])
    save(run_dir, 4, ["seed=3"])
    plan = plan_resume(str(run_dir), tmp_path / "new", [], multirun=False)
    assert plan is not None and plan.checkpoint == run_dir / "checkpoints" / "step_000004"
    assert plan.overrides == ["seed=3"] and not plan.finished
    (run_dir / "summary.json").write_text("{}")
    finished = plan_resume(str(run_dir), tmp_path / "new", [], multirun=False)
    assert finished is not None and finished.finished and finished.checkpoint is None


def test_resume_of_a_run_without_a_checkpoint_says_so(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    with pytest.raises(ConfigError, match="has no checkpoint"):
        plan_resume(str(tmp_path / "run"), tmp_path / "new", [], multirun=False)
    with pytest.raises(ConfigError, match="no such run directory"):
        plan_resume(str(tmp_path / "nowhere"), tmp_path / "new", [], multirun=False)


@pytest.mark.parametrize("multirun", [False, True])
def test_resume_auto_finds_the_newest_earlier_run_of_the_same_command(
    tmp_path: Path, multirun: bool
) -> None:
    def run_dir(day: str, time: str) -> Path:
        folder = tmp_path / "outputs" / day / time
        return folder / "0" if multirun else folder

    older, newer, other = run_dir("d1", "t1"), run_dir("d2", "t1"), run_dir("d2", "t2")
    save(older, 2, ["seed=1"])
    save(other, 2, ["seed=2"])  # another command: never taken
    save(newer, 2, ["seed=1"])
    os.utime(older / "checkpoints" / "step_000002", (1, 1))
    this = run_dir("d3", "t1")
    plan = plan_resume("auto", this, ["seed=1"], multirun)
    assert plan is not None and plan.run_dir == newer
    assert plan_resume("auto", this, ["seed=9"], multirun) is None  # nothing: start afresh
    saved = json.loads((newer / "checkpoints" / "step_000002" / OVERRIDES).read_text())
    assert saved == ["seed=1"]


def test_resume_refuses_a_config_that_is_not_the_one_saved(tmp_path: Path) -> None:
    saved = save(tmp_path, 2)  # saved with "x: 1"
    check_same_config(saved, "x: 1\n")
    with pytest.raises(ConfigError, match="saved with 'x: 1' where its overrides now give 'x: 2'"):
        check_same_config(saved, "x: 2\n")


def test_a_checkpoint_with_fewer_tensors_says_which_one_is_missing(tmp_path: Path) -> None:
    saved = save(tmp_path, 1)  # tensors "a", "b"
    with pytest.raises(ConfigError, match="saved nothing where this run has 'c'"):
        extra = torch.nn.Parameter(torch.zeros(1))
        load_checkpoint(saved, [*parameters(0), extra], ["a", "b", "c"])

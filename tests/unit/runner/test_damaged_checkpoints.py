"""A damaged checkpoint (a tensor file cut short or overwritten, a state file that is not a
zip) is skipped by resume, which says which one and why and takes the newest readable one; with
none readable, resume refuses naming the run. Never a raw ``SafetensorError``."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from alignzoo.errors import ConfigError
from alignzoo.runner.checkpoint import (
    STATE,
    TENSORS,
    checkpoint_problem,
    checkpoints,
    load_checkpoint,
    save_checkpoint,
)
from alignzoo.runner.resume import plan_resume, skipped_words


def save(run_dir: Path, step: int, overrides: list[str], keep: int = 5) -> Path:
    torch.manual_seed(step)
    trained = [torch.nn.Parameter(torch.randn(64, 8))]
    state = {"step": step}
    return save_checkpoint(run_dir, step, trained, ["a"], state, "x: 1\n", overrides, keep)


def cut_short(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_damaged_newest_checkpoint_is_skipped_naming_it_and_the_reason(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    save(run_dir, 2, ["seed=1"])
    newest = save(run_dir, 4, ["seed=1"])
    cut_short(newest / TENSORS)
    for resume in ("auto", str(run_dir)):
        plan = plan_resume(resume, run_dir, ["seed=1"], multirun=False)
        assert plan is not None and plan.checkpoint == run_dir / "checkpoints" / "step_000002"
        assert plan.skipped[0][0] == newest
        (line,) = skipped_words(plan)
        assert f"skipping checkpoint {newest}" in line
        assert f"{TENSORS} cannot be read (SafetensorError" in line and "\n" not in line


def test_a_state_file_that_is_not_a_zip_is_caught_too(tmp_path: Path) -> None:
    saved = save(tmp_path, 2, [])
    (saved / STATE).write_bytes(b"not a checkpoint")
    assert checkpoint_problem(saved).startswith(f"{STATE} cannot be read (BadZipFile")


def test_no_readable_checkpoint_is_refused_naming_the_run_and_each_reason(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    for step in (2, 4):
        cut_short(save(run_dir, step, ["seed=1"]) / TENSORS)
    for resume in ("auto", str(run_dir)):  # auto in the run's own folder: not a fresh start
        with pytest.raises(ConfigError) as caught:
            plan_resume(resume, run_dir, ["seed=1"], multirun=False)
        message = str(caught.value)
        assert f"resume={run_dir}: none of its 2 checkpoints can be read" in message
        assert "step_000004: trainable.safetensors cannot be read" in message
        assert "step_000002: " in message and "\n" not in message


def test_auto_passes_over_another_folder_whose_checkpoints_are_all_damaged(
    tmp_path: Path,
) -> None:
    other = tmp_path / "outputs" / "d1" / "t1"
    cut_short(save(other, 2, ["seed=1"]) / TENSORS)
    assert plan_resume("auto", tmp_path / "outputs" / "d2" / "t1", ["seed=1"], False) is None


def test_loading_a_checkpoint_damaged_past_its_header_names_it(tmp_path: Path) -> None:
    saved = save(tmp_path, 2, [])
    (saved / STATE).write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip: no state in it
    assert checkpoint_problem(saved) is None
    with pytest.raises(ConfigError, match=rf"resume: checkpoint {saved} cannot be read"):
        load_checkpoint(saved, [torch.nn.Parameter(torch.zeros(64, 8))], ["a"])


def test_a_checkpoint_written_after_resuming_before_a_damaged_one_is_kept(
    tmp_path: Path,
) -> None:
    save(tmp_path, 2, [], keep=1)
    damaged = save(tmp_path, 6, [], keep=1)
    cut_short(damaged / TENSORS)
    resumed = save(tmp_path, 3, [], keep=1)  # the run went on from step 2
    assert checkpoints(tmp_path) == [resumed]


def test_a_sharded_checkpoint_without_its_index_is_named(tmp_path: Path) -> None:
    from alignzoo.run_layout import CONFIG, OVERRIDES, SHARDS, STATE
    from alignzoo.runner.checkpoint import checkpoint_problem

    checkpoint = tmp_path / "step_000002"
    (checkpoint / SHARDS).mkdir(parents=True)
    (checkpoint / SHARDS / "__0_0.distcp").write_bytes(b"shard")
    torch.save({"step": 2}, checkpoint / STATE)
    (checkpoint / CONFIG).write_text("seed: 0\n")
    (checkpoint / OVERRIDES).write_text("[]")
    assert checkpoint_problem(checkpoint) == f"{SHARDS}/.metadata is missing"
    (checkpoint / SHARDS / ".metadata").write_bytes(b"not an index")
    problem = checkpoint_problem(checkpoint)
    assert problem is not None and problem.startswith(f"{SHARDS}/.metadata cannot be read")

"""Starting afresh in a fixed folder that holds another run's results (its summary or its
checkpoints, of a different config) is refused naming the keys that differ, so that nothing of
that run is written over; the same command may run there again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from alignzoo.errors import ConfigError, RunFolderTaken
from alignzoo.runner.checkpoint import TENSORS, save_checkpoint
from alignzoo.runner.resume import config_differences, refuse_another_runs_folder

CONFIG = {"seed": 0, "resume": None, "algorithm": {"beta": 0.1, "loss": "sigmoid"}}


def test_a_finished_run_of_another_config_is_refused_naming_the_keys(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(json.dumps({"config": CONFIG}))
    (tmp_path / "metrics.jsonl").write_text("{}\n")
    now = {"seed": 0, "resume": "auto", "algorithm": {"beta": 0.5, "loss": "sigmoid"}}
    with pytest.raises(RunFolderTaken) as caught:
        refuse_another_runs_folder(tmp_path, now)
    message = str(caught.value)
    assert isinstance(caught.value, ConfigError) and "\n" not in message
    assert message.startswith(f"{tmp_path} holds another run's results (summary.json, metrics")
    assert "differs at algorithm.beta (0.1 -> 0.5);" in message  # resume is not a difference
    assert "hydra.run.dir=" in message


def test_the_same_config_and_an_empty_folder_may_run(tmp_path: Path) -> None:
    refuse_another_runs_folder(tmp_path, CONFIG)  # nothing there
    (tmp_path / "summary.json").write_text(json.dumps({"config": CONFIG}))
    refuse_another_runs_folder(tmp_path, CONFIG | {"resume": "auto"})


def test_an_unfinished_run_is_known_by_its_checkpoint(tmp_path: Path) -> None:
    parameters = [torch.nn.Parameter(torch.zeros(2))]
    yaml = "seed: 3\nalgorithm:\n  beta: 0.1\n  name: ${algorithm.beta}\n"
    save_checkpoint(tmp_path, 2, parameters, ["a"], {"step": 2}, yaml, ["seed=3"], keep=2)
    refuse_another_runs_folder(tmp_path, {"seed": 3, "algorithm": {"beta": 0.1, "name": 0.1}})
    with pytest.raises(RunFolderTaken, match=r"\(checkpoints\) whose config differs at seed"):
        refuse_another_runs_folder(tmp_path, {"seed": 4, "algorithm": {"beta": 0.1, "name": 0.1}})
    # a damaged checkpoint says nothing of its config: the run is then not known
    (tmp_path / "checkpoints" / "step_000002" / TENSORS).write_bytes(b"")
    refuse_another_runs_folder(tmp_path, {"seed": 4})


def test_differences_name_keys_absent_on_one_side_and_list_values() -> None:
    was = {"a": {"b": [1, 2]}, "c": 1}
    now = {"a": {"b": [1, 3]}, "d": {}}
    assert config_differences(was, now) == [
        "a.b ([1, 2] -> [1, 3])",
        "c (1 -> absent)",
        "d (absent -> {})",
    ]

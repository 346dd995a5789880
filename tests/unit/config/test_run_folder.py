"""Two runs never share a folder, and an unwritable folder ends in one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from alignzoo.config import run_folder
from alignzoo.config.prepare import prepare
from alignzoo.config.run_folder import (
    WritableOutputFolder,
    claim_unique_folder,
    forget_claims,
)
from alignzoo.errors import ConfigError


@pytest.fixture(autouse=True)
def fresh_claims(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test starts as a new process would, in its own working folder."""
    monkeypatch.chdir(tmp_path)
    forget_claims()
    yield
    forget_claims()


def test_a_second_run_of_the_same_second_gets_its_own_folder(tmp_path: Path) -> None:
    base = "outputs/2025-01-01/12-00-00"
    first = claim_unique_folder(base)
    forget_claims()  # what a second process sees
    second = claim_unique_folder(base)
    forget_claims()
    third = claim_unique_folder(base)
    assert (first, second, third) == (base, f"{base}_1", f"{base}_2")
    assert all((tmp_path / folder).is_dir() for folder in (first, second, third))


def test_the_same_process_always_gets_the_same_folder() -> None:
    base = "outputs/day/time"
    assert claim_unique_folder(base) == claim_unique_folder(base) == base
    assert claim_unique_folder("outputs/day/other") == "outputs/day/other"
    assert claim_unique_folder(base) == base  # another base does not disturb the first


def test_the_other_processes_of_a_multi_process_run_write_inside_the_runs_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = "outputs/d/t"
    assert claim_unique_folder(base) == base  # the first process (RANK unset or 0)
    forget_claims()
    monkeypatch.setenv("RANK", "1")
    assert claim_unique_folder(base) == f"{base}/rank1"  # not a run folder of its own


def test_a_folder_an_earlier_run_left_is_never_reused(tmp_path: Path) -> None:
    (tmp_path / "outputs" / "d" / "t").mkdir(parents=True)
    (tmp_path / "outputs" / "d" / "t" / "metrics.jsonl").write_text("{}\n")
    assert claim_unique_folder("outputs/d/t") == "outputs/d/t_1"
    assert (tmp_path / "outputs" / "d" / "t" / "metrics.jsonl").read_text() == "{}\n"


def test_processes_racing_for_one_name_each_get_a_different_folder(tmp_path: Path) -> None:
    claim = (
        "from alignzoo.config.run_folder import claim_unique_folder as c; "
        "print(c('outputs/race/12-00-00'))"
    )
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", claim], cwd=tmp_path, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    claimed = [racer.communicate(timeout=120)[0].strip() for racer in racers]
    assert all(racer.returncode == 0 for racer in racers)
    assert len(set(claimed)) == 4
    assert set(claimed) <= {
        "outputs/race/12-00-00",
        *(f"outputs/race/12-00-00_{i}" for i in (1, 2, 3)),
    }


def test_an_unwritable_place_is_an_error_naming_the_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "out" / "d").mkdir(parents=True)  # there, but (as if) read-only

    def refuse(path: str, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(run_folder.os, "mkdir", refuse)
    with pytest.raises(
        ConfigError, match=r"cannot write the output folder 'out/d/t' \(Permission denied\)"
    ):
        claim_unique_folder("out/d/t")


def test_the_resolver_ends_the_command_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "outputs").write_text("a file where the folder should be")
    prepare()
    cfg = OmegaConf.create({"dir": "${alignzoo_unique:outputs/d/t}"})
    with pytest.raises(SystemExit) as raised:
        cfg.dir  # noqa: B018 - resolving is the point
    message = str(raised.value.code)
    assert message.startswith("alignzoo: cannot write the output folder 'outputs/d'")
    assert "\n" not in message and "hydra.run.dir=<folder>" in message


def test_the_callback_refuses_a_given_folder_that_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("")
    blocked = OmegaConf.create({"hydra": {"run": {"dir": str(tmp_path / "blocker" / "run")}}})
    with pytest.raises(
        SystemExit, match=r"^alignzoo: cannot write the output folder '.*blocker/run'"
    ):
        WritableOutputFolder().on_run_start(config=blocked)
    writable = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path / "sweep")}}})
    WritableOutputFolder().on_multirun_start(config=writable)
    assert (tmp_path / "sweep").is_dir() and os.listdir(tmp_path / "sweep") == []


def _hydra_config(*overrides: str):  # type: ignore[no-untyped-def]
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True).hydra


def test_the_run_and_sweep_folders_go_through_the_resolver(tmp_path: Path) -> None:
    hydra = _hydra_config()
    raw = OmegaConf.to_container(hydra, resolve=False)
    assert isinstance(raw, dict)
    assert raw["run"]["dir"].startswith("${alignzoo_unique:outputs/${now:")
    assert raw["sweep"]["dir"].startswith("${alignzoo_unique:multirun/${now:")
    assert raw["sweep"]["subdir"] == "${hydra.job.num}"  # jobs of a sweep differ already
    folder = hydra.run.dir
    assert folder.startswith("outputs/") and (tmp_path / folder).is_dir()
    assert hydra.run.dir == folder  # resolved again: the same folder


def test_a_folder_given_on_the_command_line_is_used_as_given(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    hydra = _hydra_config(f"hydra.run.dir={tmp_path / 'mine'}")
    assert hydra.run.dir == str(tmp_path / "mine")  # no suffix, though it exists

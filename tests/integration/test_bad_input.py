"""Bad input and faults, tried from the command line as a new user would: each ends in one line
naming the file, row, field or checkpoint at fault, with no traceback, and leaves what the
user had as it was; a 5 MB row among normal ones trains, cut, with a warning naming it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from alignzoo.config.prepare import prepare

ROW = {"prompt": "yesterday i read the book :", "chosen": " it was great .", "rejected": " bad ."}


@pytest.fixture
def model_dir(tiny_gpt2: Path) -> Path:
    """A tiny GPT-2 over the built-in vocabulary, with 64 positions."""
    return tiny_gpt2


def alignzoo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "alignzoo", *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=os.environ.copy(), timeout=600
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The command's last line, once it is known that it failed without a traceback."""
    assert result.returncode == 1, result.stderr[-3000:] + result.stdout[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("alignzoo: "), result.stderr[-3000:]
    return last


def on_file(model_dir: Path, data: Path, run_dir: Path, *more: str) -> list[str]:
    return [
        "model=hf",
        f"model.name_or_path={model_dir}",
        "model.max_length=32",
        "data=hf",
        f"data.path={data}",
        f"hydra.run.dir={run_dir}",
        *more,
    ]


def test_loss_weights_of_the_wrong_length(tmp_path: Path) -> None:
    result = alignzoo(
        "algorithm=dpo", "algorithm.loss=[sigmoid,sft]", "algorithm.loss_weights=[1]", cwd=tmp_path
    )
    assert "algorithm.loss_weights has 1 weight for the 2 losses of algorithm.loss" in (
        one_line_error(result)
    )


def test_an_empty_data_directory(tmp_path: Path, model_dir: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = alignzoo(*on_file(model_dir, tmp_path / "empty", tmp_path / "run"), cwd=tmp_path)
    assert f"{tmp_path / 'empty'}: the directory holds no data files" in one_line_error(result)


def test_a_latin1_jsonl_file(tmp_path: Path, model_dir: Path) -> None:
    data = tmp_path / "pairs.jsonl"
    rows = [ROW, ROW | {"prompt": "café :"}]
    data.write_bytes(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("latin-1")
    )
    last = one_line_error(alignzoo(*on_file(model_dir, data, tmp_path / "run"), cwd=tmp_path))
    assert "pairs.jsonl, row 1: line 2 is not UTF-8" in last and "byte offset" in last


def test_pairs_that_are_all_identical(tmp_path: Path, model_dir: Path) -> None:
    data = tmp_path / "pairs.jsonl"
    data.write_text((json.dumps(ROW | {"rejected": ROW["chosen"]}) + "\n") * 20)
    last = one_line_error(alignzoo(*on_file(model_dir, data, tmp_path / "run"), cwd=tmp_path))
    assert f"{data}, field 'rejected': every one of the 19 training pairs" in last
    assert "algorithm=dpo" in last


def test_a_folder_holding_another_runs_results_is_left_alone(tmp_path: Path) -> None:
    # resume=auto also looks two folders up (outputs/<date>/<time>): keep that inside tmp_path,
    # away from other tests' finished runs of the same (empty) overrides
    run_dir = tmp_path / "runs" / "run"
    run_dir.mkdir(parents=True)
    prepare()
    with initialize_config_module("alignzoo.conf", version_base="1.3"):
        config = OmegaConf.to_container(compose("config", ["seed=7"]), resolve=True)
    summary = json.dumps({"config": config, "final": {"eval/kl": 0.5}})
    for name, text in (("summary.json", summary), ("metrics.jsonl", "{}\n")):
        (run_dir / name).write_text(text)
    result = alignzoo("resume=auto", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    last = one_line_error(result)
    assert f"{run_dir} holds another run's results (summary.json, metrics.jsonl)" in last
    assert "whose config differs at seed (7 -> 0);" in last
    assert (run_dir / "summary.json").read_text() == summary
    assert (run_dir / "metrics.jsonl").read_text() == "{}\n"
    assert not (run_dir / "failure.json").exists()


def test_a_run_whose_checkpoints_are_all_damaged(tmp_path: Path) -> None:
    step = tmp_path / "run" / "checkpoints" / "step_000002"
    step.mkdir(parents=True)
    for name in ("trainable.safetensors", "state.pt", "config.yaml"):
        (step / name).write_bytes(b"\0" * 4)
    (step / "overrides.json").write_text("[]")
    result = alignzoo(
        f"resume={tmp_path / 'run'}", f"hydra.run.dir={tmp_path / 'new'}", cwd=tmp_path
    )
    last = one_line_error(result)
    assert "none of its 1 checkpoints can be read" in last
    assert "step_000002: trainable.safetensors cannot be read" in last


@pytest.mark.slow
def test_a_5mb_prompt_row_among_normal_ones_trains_cut(tmp_path: Path, model_dir: Path) -> None:
    data = tmp_path / "pairs.jsonl"
    huge = ROW | {"prompt": "the book was great . " * 250_000 + ROW["prompt"]}
    data.write_text("".join(json.dumps(r) + "\n" for r in [ROW] * 10 + [huge] + [ROW] * 29))
    # the file is its own held-out split: the huge row is trained on and sampled on
    overrides = on_file(model_dir, data, tmp_path / "run", "data.heldout_split=train")
    result = alignzoo(
        *overrides, "train.steps=2", "train.batch_size=40", "eval.every=2", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for rows in ("training", "held-out"):
        assert f"1 text(s) of the {rows} rows are far longer" in result.stderr
    assert "row 10 prompt (5,250,027 characters: 'the book was great .'...)" in result.stderr
    assert (tmp_path / "run" / "summary.json").exists()

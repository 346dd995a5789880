"""Kill-and-resume: a run stopped at any point (kill -9 mid-run, kill -9 while a checkpoint is
being written, SIGTERM, SIGINT) resumes from its last checkpoint and logs exactly the metrics
an uninterrupted run logs; a sweep rerun skips finished runs and resumes the unfinished one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("interruptible_alignzoo.py")
SHORT_RUN = [
    "train.steps=8",
    "train.batch_size=8",
    "train.checkpoint_every=2",
    "train.keep_checkpoints=2",
    "eval.every=4",
]


def start(*overrides: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), *overrides],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | env,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


def wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    """Until ``path`` exists (the run must still be going)."""
    deadline = time.monotonic() + 300
    while not path.exists():
        assert process.poll() is None, f"the run ended first: {finish(process)[2][-2000:]}"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def metrics(run_dir: Path) -> list[dict]:
    """Every logged row, less the timings (they differ from run to run)."""
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in row.items() if not k.startswith("perf/")} for row in rows]


def resume(run_dir: Path, elsewhere: Path) -> str:
    code, out, err = finish(start(f"resume={run_dir}", f"hydra.run.dir={elsewhere}"))
    assert code == 0, err[-3000:]
    return out


@pytest.fixture(scope="module")
def overrides(tiny_task_overrides: tuple[str, ...]) -> list[str]:
    """The tiny task, 8 steps, a checkpoint every 2."""
    return [*tiny_task_overrides, *SHORT_RUN]


@pytest.fixture(scope="module")
def uninterrupted(overrides: list[str], tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    run_dir = tmp_path_factory.mktemp("uninterrupted")
    code, _, err = finish(start(*overrides, f"hydra.run.dir={run_dir}"))
    assert code == 0, err[-3000:]
    rows = metrics(run_dir)
    assert [r["step"] for r in rows] == [0, 1, 2, 3, 4, 4, 5, 6, 7, 8, 8]
    return rows


def test_kill_9_mid_run_resumes_to_the_uninterrupted_metrics(
    tmp_path: Path, overrides: list[str], uninterrupted: list[dict]
) -> None:
    run = start(*overrides, f"hydra.run.dir={tmp_path / 'run'}", ALIGNZOO_TEST_STEP_DELAY="0.4")
    wait_for(tmp_path / "run" / "checkpoints" / "step_000004", run)
    run.kill()
    finish(run)
    assert not (tmp_path / "run" / "summary.json").exists()  # it really was cut short
    out = resume(tmp_path / "run", tmp_path / "resume_command")
    assert "resuming" in out and "step_000004" in out
    assert metrics(tmp_path / "run") == uninterrupted  # no step missing, none twice
    # the resuming command's own folder points at the run it continued
    assert json.loads((tmp_path / "resume_command" / "resumed.json").read_text()) == {
        "continued": str(tmp_path / "run")
    }
    assert [p.name for p in sorted((tmp_path / "run" / "checkpoints").iterdir())] == [
        "step_000006",
        "step_000008",
    ]  # train.keep_checkpoints=2


def test_kill_9_while_a_checkpoint_is_written_keeps_the_previous_one(
    tmp_path: Path, overrides: list[str], uninterrupted: list[dict]
) -> None:
    run_dir = tmp_path / "run"
    run = start(*overrides, f"hydra.run.dir={run_dir}", ALIGNZOO_TEST_HANG_IN="step_000004")
    wait_for(run_dir / "checkpoints" / ".step_000004.new" / "HANGING", run)
    run.kill()
    finish(run)
    assert not (run_dir / "checkpoints" / "step_000004").exists()
    out = resume(run_dir, tmp_path / "resume_command")
    assert "step_000002" in out  # the half-written one is passed over
    assert metrics(run_dir) == uninterrupted


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_save_a_checkpoint_and_exit_with_one_line(
    stop: signal.Signals, tmp_path: Path, overrides: list[str], uninterrupted: list[dict]
) -> None:
    run_dir = tmp_path / "run"
    run = start(*overrides, f"hydra.run.dir={run_dir}", ALIGNZOO_TEST_STEP_DELAY="0.4")
    wait_for(run_dir / "checkpoints" / "step_000002", run)
    run.send_signal(stop)
    code, _, err = finish(run)
    assert code == 128 + stop
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"alignzoo: {stop.name} at step ") and "resume=" in last
    stopped_at = int(last.split(" at step ")[1].split()[0])
    assert (run_dir / "checkpoints" / f"step_{stopped_at:06d}").is_dir()
    assert not (run_dir / "failure.json").exists()  # nothing failed
    resume(run_dir, tmp_path / "resume_command")
    assert metrics(run_dir) == uninterrupted


def test_a_sweep_rerun_skips_finished_runs_and_resumes_the_unfinished_one(
    tmp_path: Path, overrides: list[str]
) -> None:
    sweep = [
        "-m",
        *overrides,
        "seed=0,1",
        "resume=auto",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]
    first = start(*sweep, ALIGNZOO_TEST_STEP_DELAY="0.4")
    wait_for(tmp_path / "sweep" / "1" / "checkpoints" / "step_000002", first)
    first.send_signal(signal.SIGTERM)
    code, _, err = finish(first)
    assert code == 128 + signal.SIGTERM, err[-3000:]
    assert (tmp_path / "sweep" / "0" / "summary.json").exists()
    assert not (tmp_path / "sweep" / "1" / "summary.json").exists()
    finished_rows = metrics(tmp_path / "sweep" / "0")

    code, out, err = finish(start(*sweep))
    assert code == 0, err[-3000:]
    assert f"{tmp_path / 'sweep' / '0'} has finished already" in out
    assert f"resuming {tmp_path / 'sweep' / '1'}" in out
    assert metrics(tmp_path / "sweep" / "0") == finished_rows
    assert [r["step"] for r in metrics(tmp_path / "sweep" / "1")][-1] == 8
    assert (tmp_path / "sweep" / "report.md").exists()

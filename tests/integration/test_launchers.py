"""A comparison sweep on Hydra's launchers: joblib runs its jobs side by side, each on its
share of the cores; submitit's local executor runs them as separate jobs; the report still
ends the sweep and lists a failed job; ``resume=auto`` continues a sweep under a launcher."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alignzoo.runner.job_budget import available_cores

pytestmark = pytest.mark.slow


#: DPO and KTO by two seeds, one of them invalid: 4 jobs, 2 of which fail at start (a seed
#: below 0 is refused), and the sweep goes on
SWEEP = ["algorithm=dpo,kto", "seed=0,-1", "train.steps=2", "eval.every=2"]


def summaries(directory: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(directory.glob("*/summary.json"))]


def check_report(directory: Path) -> None:
    report = json.loads((directory / "report.json").read_text())
    rows = {row["label"]: row for row in report["configurations"]}
    assert rows["algorithm=dpo"]["finished"] == 1  # seed 0 of the two
    assert rows["algorithm=kto"]["finished"] == 1
    failed = [r for r in report["runs"] if r["status"] == "failed"]
    assert len(failed) == 2 and all("seed" in r["error"] for r in failed)


def test_joblib_runs_jobs_side_by_side_each_on_its_share_of_the_cores_and_resumes(
    tmp_path: Path, tiny_task: list[str], multirun: Any
) -> None:
    directory = tmp_path / "sweep"
    joblib = [*SWEEP, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *tiny_task]
    multirun(directory, tmp_path, *joblib)
    check_report(directory)
    finished = summaries(directory)
    assert len(finished) == 2
    assert {s["threads"] for s in finished} == {max(1, available_cores() // 2)}

    # the same sweep with resume=auto: finished jobs are not run again, the report is rebuilt
    again = multirun(tmp_path / "again", tmp_path, *joblib, "resume=auto")
    assert again.stdout.count("has finished already; it is not run again") == 2
    check_report(tmp_path / "again")


def test_submitit_local_runs_each_job_as_its_own_with_its_cpus(
    tmp_path: Path, tiny_task: list[str], multirun: Any
) -> None:
    directory = tmp_path / "sweep"
    multirun(
        directory,
        tmp_path,
        *SWEEP,
        "hydra/launcher=submitit_local",
        "hydra.launcher.cpus_per_task=1",
        "hydra.launcher.timeout_min=10",
        *tiny_task,
    )
    check_report(directory)
    finished = summaries(directory)
    assert len(finished) == 2 and {s["threads"] for s in finished} == {1}
    assert (directory / ".submitit").is_dir()  # submitit's own job folders

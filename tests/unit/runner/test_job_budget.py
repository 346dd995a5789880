"""How a parallel sweep's job takes its share of the machine."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from alignzoo.runner.job_budget import job_budget, parallel_jobs

JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"


@pytest.mark.parametrize(
    ("n_jobs", "expected"), [(4, 4), (1, 1), (None, 16), (-1, 16), (-2, 15), (-20, 1)]
)
def test_joblibs_n_jobs_as_joblib_reads_it(n_jobs: int | None, expected: int) -> None:
    launcher = OmegaConf.create({"_target_": JOBLIB, "n_jobs": n_jobs})
    assert parallel_jobs(launcher, cores=16) == expected


def test_other_launchers_run_one_job_at_a_time_here() -> None:
    basic = OmegaConf.create({"_target_": "hydra._internal.core_plugins.BasicLauncher"})
    assert parallel_jobs(basic, cores=16) == 1
    assert parallel_jobs(None, cores=16) == 1


def test_cores_are_divided_and_gpus_dealt_out_in_turn() -> None:
    assert [job_budget(j, 4, 16, 0) for j in range(2)] == [job_budget(0, 4, 16, 0)] * 2
    assert job_budget(0, 4, 16, 0).threads == 4 and job_budget(0, 4, 16, 0).gpu is None
    assert [job_budget(j, 8, 16, 4).gpu for j in range(8)] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert job_budget(0, 32, 16, 0).threads == 1  # never below one thread

"""A sweep's jobs running side by side share the machine instead of fighting over it.

Hydra's joblib launcher (``hydra/launcher=joblib hydra.launcher.n_jobs=N``) runs N jobs at
once on one machine. Left alone, each would start as many torch threads as the machine has
cores, and N jobs would contend for every core (two torch jobs on the same cores run 10-100x
slower); on a machine with several GPUs all would land on the first. So each job takes
``cores // N`` threads and, where there are GPUs, the GPU its job number picks in turn.

submitit's launchers (``submitit_slurm``, and ``submitit_local`` that runs every job at once
on this machine) give each job ``gpus_per_node`` GPUs themselves; its ``cpus_per_task``, when
set, is the job's thread count. The basic launcher runs one job at a time and needs nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobBudget:
    """What one job of a parallel sweep may use."""

    threads: int
    #: the GPU index this job trains on, or None (CPU, or the launcher decides)
    gpu: int | None


def parallel_jobs(launcher: Any, cores: int) -> int:
    """How many jobs ``launcher`` (the ``hydra.launcher`` node) runs at once on this machine;
    joblib's ``n_jobs`` as joblib reads it (-1: one per core, -2: all but one, ...)."""
    target = str(launcher.get("_target_", "")) if launcher is not None else ""
    if not target.endswith("JoblibLauncher"):
        return 1
    jobs = launcher.get("n_jobs")
    if jobs is None:
        return cores
    jobs = int(jobs)
    return max(1, cores + 1 + jobs if jobs < 0 else jobs)


def job_budget(job_number: int, jobs: int, cores: int, gpus: int) -> JobBudget:
    """Job ``job_number``'s share: the cores divided among the jobs, and the GPUs dealt out
    in turn (jobs beyond the GPU count share them)."""
    return JobBudget(
        threads=max(1, cores // jobs),
        gpu=job_number % gpus if gpus > 0 else None,
    )


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, as a container's CPU limit)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def share_the_machine(launcher: Any, job_number: int) -> JobBudget | None:
    """Apply this job's share when the sweep runs jobs side by side; None when it does not."""
    target = str(launcher.get("_target_", "")) if launcher is not None else ""
    cpus_per_task = launcher.get("cpus_per_task") if "submitit" in target.lower() else None
    cores = available_cores()
    jobs = parallel_jobs(launcher, cores)
    if jobs <= 1 and cpus_per_task is None:
        return None
    import torch

    if cpus_per_task is not None:  # submitit: the job's own allocation; its GPUs are set
        budget = JobBudget(threads=int(cpus_per_task), gpu=None)
    else:
        budget = job_budget(job_number, jobs, cores, torch.cuda.device_count())
    torch.set_num_threads(budget.threads)
    if budget.gpu is not None:
        from accelerate.state import AcceleratorState

        # accelerate keeps its device for the life of the process; a worker process that
        # ran another job must take this one's
        os.environ["ACCELERATE_TORCH_DEVICE"] = f"cuda:{budget.gpu}"
        AcceleratorState._reset_state(reset_partial_state=True)
        torch.cuda.set_device(budget.gpu)
    return budget

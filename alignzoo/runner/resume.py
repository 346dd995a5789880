"""Which run a ``resume=`` continues, and from which of its checkpoints.

``resume=<run dir>`` names it. ``resume=auto`` looks for the newest earlier run of the same
command (the same overrides) beside this one: the run's own folder when it is fixed, else the
other time-stamped folders of the run folder (``outputs/*/*``, or ``multirun/*/*/*`` for a
sweep's jobs). A finished run is not run again; an unfinished one continues from its newest
checkpoint; with none, the run starts afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from alignzoo.compare.runs import SUMMARY
from alignzoo.errors import ConfigError
from alignzoo.runner.checkpoint import (
    CHECKPOINTS,
    CONFIG,
    OVERRIDES,
    first_difference,
    latest_checkpoint,
)


@dataclass(frozen=True)
class ResumePlan:
    """The run to continue (``run_dir``), and its newest checkpoint; None when it finished."""

    run_dir: Path
    checkpoint: Path | None
    #: the command-line overrides the run was started with (saved in its checkpoint)
    overrides: list[str]

    @property
    def finished(self) -> bool:
        return (self.run_dir / SUMMARY).is_file()


def plan_resume(
    resume: str, run_dir: Path, overrides: list[str], multirun: bool
) -> ResumePlan | None:
    """What ``resume`` continues for a run started in ``run_dir`` with ``overrides``; None
    when ``resume=auto`` finds nothing of the same command to continue (start afresh)."""
    if resume != "auto":
        return _named_run(Path(resume).expanduser())
    depth = 3 if multirun else 2  # outputs/<date>/<time>, multirun/<date>/<time>/<job>
    root = run_dir.parents[depth - 1] if len(run_dir.parents) >= depth else run_dir.parent
    candidates = [run_dir, *root.glob("/".join(["*"] * depth))]
    same_command = [
        plan
        for folder in dict.fromkeys(candidates)  # the run's own folder first, once
        if (folder / CHECKPOINTS).is_dir() and (plan := _named_run(folder)).overrides == overrides
    ]
    if not same_command:
        return None
    return max(same_command, key=lambda plan: _last_touched(plan))


def _named_run(run_dir: Path) -> ResumePlan:
    """``run_dir``'s newest checkpoint and overrides; a run without one cannot be resumed."""
    if not run_dir.is_dir():
        raise ConfigError(f"resume={run_dir}: no such run directory")
    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        raise ConfigError(
            f"resume={run_dir}: the run has no checkpoint in {run_dir / CHECKPOINTS} (it "
            "stopped before its first one: train.checkpoint_every), so there is nothing to "
            "resume; start it again"
        )
    overrides = json.loads((checkpoint / OVERRIDES).read_text(encoding="utf-8"))
    finished = (run_dir / SUMMARY).is_file()
    return ResumePlan(run_dir, None if finished else checkpoint, overrides)


def _last_touched(plan: ResumePlan) -> float:
    newest = latest_checkpoint(plan.run_dir)
    return newest.stat().st_mtime if newest is not None else 0.0


def check_same_config(checkpoint: Path, composed_yaml: str) -> None:
    """Refuse to resume when the saved overrides no longer compose the config the run was
    saved with (defaults changed since, or a hand-edited checkpoint): it would go on as
    another run. Names the first line that differs."""
    saved = (checkpoint / CONFIG).read_text(encoding="utf-8")
    if saved == composed_yaml:
        return
    was, now = first_difference(saved.splitlines(), composed_yaml.splitlines())
    raise ConfigError(
        f"resume: {checkpoint / CONFIG} was saved with {was} where its overrides now give "
        f"{now}; the run cannot continue as itself (run it with the alignzoo version that "
        "started it, or start afresh)"
    )

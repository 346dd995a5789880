"""Which run a ``resume=`` continues, and from which of its checkpoints.

``resume=<run dir>`` names it. ``resume=auto`` looks for the newest earlier run of the same
command (the same overrides) beside this one: the run's own folder when it is fixed, else the
other time-stamped folders of the run folder (``outputs/*/*``, or ``multirun/*/*/*`` for a
sweep's jobs). A finished run is not run again; an unfinished one continues from its newest
checkpoint that can be read (a damaged newer one is skipped, and the plan says which and why);
with none, the run starts afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from alignzoo.errors import ConfigError, RunFolderTaken
from alignzoo.run_layout import METRICS, SUMMARY
from alignzoo.runner.checkpoint import (
    CHECKPOINTS,
    CONFIG,
    OVERRIDES,
    checkpoint_problem,
    checkpoints,
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
    #: newer checkpoints that could not be read, each with the reason, newest first
    skipped: tuple[tuple[Path, str], ...] = ()

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
        if (plan := _resumable(folder, folder == run_dir)) and plan.overrides == overrides
    ]
    if not same_command:
        return None
    return max(same_command, key=lambda plan: _last_touched(plan))


def _resumable(folder: Path, own: bool) -> ResumePlan | None:
    """``folder``'s plan when it holds a checkpoint that can be read; for the run's own
    folder, checkpoints none of which can be read are refused by name (starting afresh
    there would write over them), another folder's are passed over."""
    if not checkpoints(folder):
        return None
    try:
        return _named_run(folder)
    except ConfigError:
        if own:
            raise
        return None


def _named_run(run_dir: Path) -> ResumePlan:
    """``run_dir``'s newest readable checkpoint and overrides; a run without one cannot be
    resumed. Damaged newer checkpoints (a disk filled, a copy cut short) are skipped."""
    if not run_dir.is_dir():
        raise ConfigError(f"resume={run_dir}: no such run directory")
    found = checkpoints(run_dir)
    if not found:
        raise ConfigError(
            f"resume={run_dir}: the run has no checkpoint in {run_dir / CHECKPOINTS} (it "
            "stopped before its first one: train.checkpoint_every), so there is nothing to "
            "resume; start it again"
        )
    skipped: list[tuple[Path, str]] = []
    for checkpoint in reversed(found):
        problem = checkpoint_problem(checkpoint)
        if problem is None:
            break
        skipped.append((checkpoint, problem))
    else:
        reasons = "; ".join(f"{path.name}: {problem}" for path, problem in skipped)
        raise ConfigError(
            f"resume={run_dir}: none of its {len(found)} checkpoints can be read ({reasons}); "
            "there is nothing to resume from: start afresh in another folder"
        )
    overrides = json.loads((checkpoint / OVERRIDES).read_text(encoding="utf-8"))
    finished = (run_dir / SUMMARY).is_file()
    return ResumePlan(run_dir, None if finished else checkpoint, overrides, tuple(skipped))


def skipped_words(plan: ResumePlan) -> list[str]:
    """One line for each damaged checkpoint a resume passes over: which, and why."""
    return [
        f"skipping checkpoint {path} of {plan.run_dir.name}: {problem}"
        for path, problem in plan.skipped
    ]


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


#: differing keys a refusal names before "and N more"
SHOWN_KEYS = 5


def refuse_another_runs_folder(run_dir: Path, config: dict[str, Any]) -> None:
    """Refuse to start afresh in ``run_dir`` (a fixed ``hydra.run.dir``) when it holds the
    summary or checkpoints of a run whose config differs from ``config`` (this run's, resolved):
    its policy, metrics and summary would be written over. Names the keys that differ. The
    same command again may run there: the user asked for that run."""
    saved = _saved_config(run_dir)
    if saved is None:
        return
    differences = config_differences(saved, config)
    if not differences:
        return
    shown = ", ".join(differences[:SHOWN_KEYS])
    more = f" and {len(differences) - SHOWN_KEYS} more" if len(differences) > SHOWN_KEYS else ""
    held = [name for name in (SUMMARY, METRICS, CHECKPOINTS) if (run_dir / name).exists()]
    raise RunFolderTaken(
        f"{run_dir} holds another run's results ({', '.join(held)}) whose config differs at "
        f"{shown}{more}; this command would write over them: choose another folder "
        "(hydra.run.dir=...), or move that run away first"
    )


def config_differences(saved: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """``key (was -> now)`` for each dotted key whose value differs, ``resume`` aside."""
    was, new = _flat(saved), _flat(now)
    keys = sorted(key for key in was.keys() | new.keys() if key.split(".")[0] != "resume")
    return [
        f"{key} ({_shown(was, key)} -> {_shown(new, key)})"
        for key in keys
        if key not in was or key not in new or was[key] != new[key]
    ]


def _shown(flat: dict[str, Any], key: str) -> str:
    return repr(flat[key]) if key in flat else "absent"


def _flat(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` as ``{"a.b": 1}``; lists and empty mappings are values."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _saved_config(run_dir: Path) -> dict[str, Any] | None:
    """The config of the run whose results ``run_dir`` holds: its summary's, else its newest
    readable checkpoint's; None when it holds neither (nothing to lose)."""
    summary = run_dir / SUMMARY
    if summary.is_file():
        try:
            config = json.loads(summary.read_text(encoding="utf-8")).get("config")
        except (OSError, ValueError, AttributeError):
            config = None
        if isinstance(config, dict):
            return config
    for checkpoint in reversed(checkpoints(run_dir)):
        if checkpoint_problem(checkpoint) is None:
            saved = OmegaConf.create((checkpoint / CONFIG).read_text(encoding="utf-8"))
            try:
                container = OmegaConf.to_container(saved, resolve=True, enum_to_str=True)
            except Exception:  # an interpolation that no longer resolves: compare as written
                container = OmegaConf.to_container(saved, resolve=False)
            return container if isinstance(container, dict) else None  # type: ignore[return-value]
    return None

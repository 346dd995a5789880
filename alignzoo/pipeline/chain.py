"""Run a pipeline (``+pipeline=rlhf``): each stage is an ordinary run, composed from the
command line's overrides and its own, started from an earlier stage's model or scored by an
earlier stage's reward model. A stage that fails stops the chain, and the error names it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hydra import compose
from omegaconf import DictConfig, OmegaConf

from alignzoo.config.schema import PipelineConfig, PipelineStage
from alignzoo.errors import AlignzooError, ConfigError
from alignzoo.run_layout import PIPELINE

#: the file in the pipeline's directory that links its stages
PIPELINE_SUMMARY = PIPELINE  # the pipeline's folder: its stages (alignzoo/run_layout.py)


class PipelineStageError(AlignzooError):
    """A stage of a pipeline failed; the chain stopped there."""


def stage_overrides(
    command_line: Sequence[str], stage: PipelineStage, outputs: dict[str, str | None]
) -> list[str]:
    """The overrides that compose ``stage``: the command line's (less the pipeline's own),
    the stage's, then where its model and reward come from."""
    shared = [o for o in command_line if not o.lstrip("+~").startswith("pipeline")]
    overrides = [*shared, *stage.overrides]
    for field, source in (
        ("model.name_or_path", stage.policy_from),
        ("reward.path", stage.reward_from),
    ):
        if source is None:
            continue
        if source not in outputs:
            raise ConfigError(
                f"pipeline stage {stage.name!r}: {field} comes from stage {source!r}, which "
                f"has not run before it (stages so far: {', '.join(outputs) or 'none'})"
            )
        if outputs[source] is None:
            raise ConfigError(
                f"pipeline stage {stage.name!r}: {field} comes from stage {source!r}, which "
                "saved no model (an algorithm that trains nothing, or save_policy=false)"
            )
        overrides.append(f"{field}={outputs[source]}")
    return overrides


def run_pipeline(
    cfg: DictConfig,
    command_line: Sequence[str],
    run_dir: Path,
    run_stage: Callable[[DictConfig, Path, list[str]], dict[str, Any]],
) -> dict[str, Any]:
    """Run the stages of ``cfg.pipeline`` in order into ``run_dir/<i>_<name>/``; write
    ``pipeline.json`` after each; raise ``PipelineStageError`` naming the stage that failed.

    ``run_stage(config, folder, overrides)`` runs one; the overrides it was composed from go
    into its checkpoints, so ``resume=<stage folder>`` continues that stage alone.
    """
    pipeline: PipelineConfig = OmegaConf.to_object(cfg.pipeline)  # type: ignore[assignment]
    if not pipeline.stages:
        raise ConfigError("pipeline.stages is empty: list at least one {name, overrides}")
    outputs: dict[str, str | None] = {}
    record: dict[str, Any] = {"stages": []}
    run_dir.mkdir(parents=True, exist_ok=True)
    for index, stage in enumerate(pipeline.stages):
        stage_dir = run_dir / f"{index}_{stage.name}"
        entry: dict[str, Any] = {
            "name": stage.name,
            "dir": str(stage_dir),
            "stage_overrides": list(stage.overrides),
        }
        record["stages"].append(entry)
        try:
            overrides = stage_overrides(command_line, stage, outputs)
            entry["overrides"] = overrides
            stage_cfg = compose(config_name="config", overrides=overrides)
            summary = run_stage(stage_cfg, stage_dir, overrides)
        except Exception as error:
            entry |= {"status": "failed", "error": f"{type(error).__name__}: {error}"}
            _write(run_dir, record)
            raise PipelineStageError(
                f"pipeline stage {index} {stage.name!r} failed, so the stages after it did not "
                f"run: {error}"
            ) from error
        stopped = summary.get("stopped")
        if stopped:  # a degeneration guard ended it (guards.action=stop): build on nothing
            entry |= {"status": "stopped", "stopped": stopped}
            _write(run_dir, record)
            raise PipelineStageError(
                f"pipeline stage {index} {stage.name!r} was stopped by its guard "
                f"{stopped.get('guard')} at step {stopped.get('step')}, so the stages after it "
                f"did not run: {stopped.get('message')}"
            )
        # None (best-of-n trains nothing): only a later stage built on it fails, by name
        outputs[stage.name] = summary.get("policy_dir")
        entry |= {
            "status": "finished",
            "algorithm": summary["algorithm"],
            "output": summary.get("policy_dir"),
            "final": summary["final"],
            "initial": summary["initial"],
        }
        _write(run_dir, record)
    return record


def _write(run_dir: Path, record: dict[str, Any]) -> None:
    (run_dir / PIPELINE_SUMMARY).write_text(json.dumps(record, indent=2, default=str))

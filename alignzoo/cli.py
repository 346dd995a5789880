"""The ``alignzoo`` command: a Hydra app, plus ``alignzoo plugins`` to list what is installed."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra import compose
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from alignzoo.config.group_listing import HELP_FLAGS, list_groups_from_one_copy
from alignzoo.config.prepare import prepare
from alignzoo.errors import AlignzooError, RunFolderTaken, RunInterrupted
from alignzoo.registry import describe_plugins
from alignzoo.run_layout import FAILURE, METRICS, RESUMED, SUMMARY

# The runner (torch, transformers, peft) is imported when a run starts, not at import:
# ``alignzoo plugins`` and ``--help`` answer without it.


def main() -> None:
    """``alignzoo [overrides]`` trains; ``alignzoo plugins`` lists the installed plugins."""
    if sys.argv[1:2] == ["plugins"]:
        print(describe_plugins(prepare()))
        return
    if HELP_FLAGS & set(sys.argv[1:]):
        list_groups_from_one_copy()
    prepare()
    _hydra_main()


@hydra.main(version_base="1.3", config_path="pkg://alignzoo.conf", config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    hydra_config = HydraConfig.get()
    run_dir = Path(hydra_config.runtime.output_dir)
    if hydra_config.mode == RunMode.MULTIRUN:
        from alignzoo.runner.job_budget import share_the_machine

        share_the_machine(hydra_config.launcher, int(hydra_config.job.num))
    if cfg.pipeline is not None:  # a chain of runs, each stage in its own directory
        _run_pipeline(cfg, list(hydra_config.overrides.task), run_dir)
        return
    # the command line's own overrides: a checkpoint keeps them, to compose the run again
    overrides = [o for o in hydra_config.overrides.task if not o.startswith("resume=")]
    try:
        summary = _run_or_resume(cfg, overrides, run_dir, hydra_config.mode == RunMode.MULTIRUN)
    except RunInterrupted as stop:  # a checkpoint was saved: nothing failed, resume it later
        if os.environ.get("RANK", "0") == "0":  # one line, from the process that saved it
            print(f"alignzoo: {stop}", file=sys.stderr)
        sys.exit(128 + stop.signal_number)
    except Exception as error:
        # the comparison report lists a failed run with its reason instead of dropping it;
        # a folder that holds another run's results is left as it was
        if not isinstance(error, RunFolderTaken):
            record_failure(run_dir, error)
        if hydra_config.mode == RunMode.MULTIRUN:  # one bad configuration ends only itself
            print(f"alignzoo: run {run_dir} failed: {error}", file=sys.stderr)
            return
        if isinstance(error, AlignzooError):
            sys.exit(f"alignzoo: {error}")
        raise
    print(format_summary(summary, run_dir))


def _run_or_resume(
    cfg: DictConfig, overrides: list[str], run_dir: Path, multirun: bool
) -> dict[str, Any]:
    """Run afresh, or continue what ``resume=`` names from its newest checkpoint.

    A resumed run goes on in its own folder, composed again from its saved overrides; this
    command's folder then gets a copy of its summary and metrics (a sweep's report reads
    them there) and ``resumed.json`` pointing at it.
    """
    from alignzoo.config.tuning import apply_trial
    from alignzoo.runner.resume import (
        check_same_config,
        plan_resume,
        refuse_another_runs_folder,
        skipped_words,
    )
    from alignzoo.runner.run import run

    apply_trial(cfg)  # a tuning trial trains at its own rate and strength, saved as such
    plan = plan_resume(cfg.resume, run_dir, overrides, multirun) if cfg.resume else None
    if plan is None:
        # a fixed folder (hydra.run.dir=...) may hold another run's results: never write over
        refuse_another_runs_folder(run_dir, _resolved(cfg))
        return run(cfg, prepare(), run_dir, overrides=overrides)
    for line in skipped_words(plan):
        print(f"alignzoo: {line}")
    if plan.checkpoint is None:
        print(f"alignzoo: {plan.run_dir} has finished already; it is not run again")
        summary = json.loads((plan.run_dir / SUMMARY).read_text(encoding="utf-8"))
    else:
        print(f"alignzoo: resuming {plan.run_dir} from {plan.checkpoint.name}")
        resumed = compose(config_name="config", overrides=plan.overrides)
        apply_trial(resumed)
        check_same_config(plan.checkpoint, OmegaConf.to_yaml(resumed))
        summary = run(
            resumed, prepare(), plan.run_dir, resume_from=plan.checkpoint, overrides=plan.overrides
        )
    if plan.run_dir.resolve() != run_dir.resolve():
        run_dir.mkdir(parents=True, exist_ok=True)
        for name in (SUMMARY, METRICS):
            if (plan.run_dir / name).is_file():
                shutil.copyfile(plan.run_dir / name, run_dir / name)
        (run_dir / RESUMED).write_text(json.dumps({"continued": str(plan.run_dir)}))
    return summary


def _resolved(cfg: DictConfig) -> dict[str, Any]:
    """The run's config as its summary records it."""
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)  # type: ignore[return-value]


def _run_pipeline(cfg: DictConfig, command_line: list[str], run_dir: Path) -> None:
    """Run every stage, printing each one's figures; a failed stage ends the command."""
    from alignzoo.pipeline import PIPELINE_SUMMARY, run_pipeline
    from alignzoo.runner.run import run

    plugins = prepare()

    def run_stage(stage_cfg: DictConfig, stage_dir: Path, overrides: list[str]) -> dict:
        try:
            summary = run(stage_cfg, plugins, stage_dir, overrides=overrides)
        except Exception as error:
            record_failure(stage_dir, error)
            raise
        print(format_summary(summary, stage_dir))
        return summary

    try:
        run_pipeline(cfg, command_line, run_dir, run_stage)
    except AlignzooError as error:
        sys.exit(f"alignzoo: {error}")
    print(f"  pipeline: {run_dir / PIPELINE_SUMMARY}")


def record_failure(run_dir: Path, error: BaseException) -> None:
    """Write ``failure.json`` (the error's type and message) into the run directory."""
    run_dir.mkdir(parents=True, exist_ok=True)
    failure = {"error": f"{type(error).__name__}: {error}"}
    (run_dir / FAILURE).write_text(json.dumps(failure, indent=2))


def format_summary(summary: dict, run_dir: Path) -> str:
    """The final figures beside the reference's, as the last thing a run prints."""
    final, initial = summary["final"], summary["initial"]
    lines = [
        f"\n{summary['algorithm']} on {summary['data']} - {summary['steps']} steps, "
        f"{summary['wall_time_s']:.0f} s, peak memory {summary['peak_memory_mb']:.0f} MB"
    ]
    for key in sorted(final):
        start = initial.get(key)
        before = f"   (reference: {start:.3f})" if start is not None else ""
        lines.append(f"  {key:<28} {final[key]:8.3f}{before}")
    for fired in summary.get("guards") or []:  # degeneration guards (alignzoo/runner/guards.py)
        lines.append(
            f"  guard {fired['guard']} fired at step {fired['step']}: "
            f"{fired['metric']}={fired['value']:.4g} (threshold {fired['threshold']:g})"
        )
    if summary.get("stopped"):
        stopped = summary["stopped"]
        lines.append(f"  stopped at step {stopped['step']} by guard {stopped['guard']}")
    lines.append(f"  outputs: {run_dir}")
    return "\n".join(lines)

"""One run, read top to bottom: build the parts -> evaluate the start -> train -> save.

The runner owns everything around the algorithm: seeds, devices (through accelerate), data,
models, the optimizer, logging, evaluation and checkpoints. Algorithms are found only through
the plugin registry, by the type of their composed config. Each stage is a module of its own:
``parts.py`` builds, ``loop.py`` trains (and checkpoints), ``finish.py`` saves and sums up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from alignzoo.config.validation import validate_run_config
from alignzoo.registry import LoadedPlugins
from alignzoo.run_layout import METRICS, SUMMARY
from alignzoo.runner.finish import save_trained, summarize
from alignzoo.runner.guards import GuardWatch
from alignzoo.runner.loop import Progress, Watchers, last_checkpoint_words, restore, train
from alignzoo.runner.metrics_log import MetricsLog
from alignzoo.runner.parts import RunParts, build_run
from alignzoo.runner.trackers import PROJECT, flat_config


def run(
    cfg: DictConfig,
    plugins: LoadedPlugins,
    run_dir: Path,
    resume_from: Path | None = None,
    overrides: Sequence[str] = (),
) -> dict[str, Any]:
    """Train the configured algorithm and return the summary also written to summary.json.

    ``resume_from`` (a checkpoint folder of ``run_dir``) continues the run after the step it
    was saved at, exactly as if it had never stopped. ``overrides`` (the command line's) are
    saved in each checkpoint, to compose the same config again on resume.
    """
    validate_run_config(cfg)  # every bad value at once, naming its key, before anything loads
    started = time.perf_counter()
    hooks = plugins.manager.hook
    parts = build_run(cfg, plugins, run_dir)

    # --- what the run reports to: the metrics log (and trackers), the degeneration guards ---
    log = MetricsLog(run_dir / METRICS, _trackers(parts, cfg))
    guards = GuardWatch(
        parts.config.guards,
        parts.training_reward,
        speak=parts.main,
        last_checkpoint=lambda: last_checkpoint_words(run_dir),
    )
    watch = Watchers(log, guards, hooks.alignzoo_on_step_end)

    # --- the start: the reference itself (a resumed run evaluates it again: evaluation
    # caches the reference's samples), then the state a checkpoint saved ---
    initial = parts.algorithm.evaluate(parts.evaluator)
    if resume_from is None:
        if parts.main:
            log.write(0, initial)
        guards.check(0, dict(initial))  # the reference's readings: a guard starts from them
        progress = Progress(latest_eval=initial)
    else:
        progress = restore(parts, resume_from, guards, log)

    train(parts, progress, watch, cfg, run_dir, overrides)

    # --- the trained policy (safetensors, atomically) and the summary ---
    parts.models.tokens.close()
    parts.accelerator.wait_for_everyone()
    policy_dir = save_trained(parts, run_dir, guards)
    summary = summarize(parts, cfg, progress, initial, guards, started, policy_dir)
    if parts.trackers:
        parts.accelerator.end_training()
    if parts.main:
        (run_dir / SUMMARY).write_text(json.dumps(summary, indent=2, default=str))
        hooks.alignzoo_on_run_end(run_dir=str(run_dir), summary=summary)
    return summary


def _trackers(parts: RunParts, cfg: DictConfig) -> Any:
    """The metrics log's mirror into TensorBoard / W&B / MLflow, if any is configured."""
    if not parts.trackers:
        return None
    accelerator = parts.accelerator
    hyperparameters = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    accelerator.init_trackers(PROJECT, config=flat_config(hyperparameters))  # type: ignore[arg-type]

    def mirror(metrics: dict[str, Any], step: int) -> None:
        accelerator.log(metrics, step=step)

    return mirror

"""The training loop: a step, its bookkeeping, evaluation when due, a checkpoint when due.

Every process trains its share of the same global batch, logs (the main one), guards and
stops on the same figures at the same step. What carries from one step to the next is a
:class:`Progress`; a checkpoint saves it with everything else a resumed run needs, so the
step after a resume is the step the run would have taken.
"""

from __future__ import annotations

import math
import random
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import torch
from accelerate import Accelerator
from accelerate.utils import gather_object
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from alignzoo.algorithms import Metrics
from alignzoo.errors import ConfigError, RunInterrupted, TrainingDiverged
from alignzoo.run_layout import SHARDS
from alignzoo.runner.checkpoint import (
    latest_checkpoint,
    load_checkpoint,
    load_sharded_checkpoint,
    save_checkpoint,
    save_sharded_checkpoint,
)
from alignzoo.runner.guards import GuardWatch
from alignzoo.runner.metrics_log import MetricsLog
from alignzoo.runner.parts import RunParts
from alignzoo.runner.stop_signals import StopSignals
from alignzoo.runner.training_state import capture_rng, restore_rng

T = TypeVar("T")
#: a step's trained tokens on one process, summed over processes before it is logged
STEP_TOKENS = "perf/step_tokens"


@dataclass
class Progress:
    """What the loop carries from step to step: the last step taken, time and tokens trained,
    the last step's metrics and evaluation, and the non-finite steps in a row."""

    step: int = 0
    train_seconds: float = 0.0
    trained_tokens: int = 0
    metrics: Metrics = field(default_factory=dict)
    latest_eval: Metrics = field(default_factory=dict)
    bad_steps: int = 0
    #: each process's random generators as saved (a resumed run's; empty for a fresh one)
    rng: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Watchers:
    """What the loop reports to: the metrics log, the guards and the plugins' step hook."""

    log: MetricsLog
    guards: GuardWatch
    on_step_end: Any


def restore(parts: RunParts, checkpoint: Path, guards: GuardWatch, log: MetricsLog) -> Progress:
    """Trained tensors, optimizer, schedule, algorithm and reward state, the guards and the
    counters from ``checkpoint``; the log loses what was written after it."""
    optimization = parts.optimization
    if (checkpoint / SHARDS).is_dir():  # a sharded run's: read on any count, sharded or not
        state = load_sharded_checkpoint(
            checkpoint, trained_module(parts), _torch_optimizer(optimization.optimizer)
        )
    else:
        state = load_checkpoint(checkpoint, optimization.parameters, trained_names(parts))
        optimization.optimizer.load_state_dict(state["optimizer"])
    optimization.scheduler.load_state_dict(state["scheduler"])
    parts.algorithm.load_state_dict(state["algorithm"])
    parts.algorithm.ctx.sampler.policy_changed()  # the restored weights reach the engine
    if parts.training_reward is not None:
        parts.training_reward.load_state_dict(state["reward"])
    guards.load_state_dict(state.get("guards", {}))  # older checkpoints have none
    if parts.main:
        log.truncate_after(state["step"])
    return Progress(
        step=state["step"],
        train_seconds=state["train_seconds"],
        trained_tokens=state["trained_tokens"],
        metrics=state["metrics"],
        latest_eval=state["latest_eval"],
        bad_steps=state["bad_steps"],
        rng=state["rng"],
    )


def train(
    parts: RunParts,
    progress: Progress,
    watch: Watchers,
    cfg: DictConfig,
    run_dir: Path,
    overrides: Sequence[str],
) -> None:
    """Take the steps from ``progress.step + 1`` to the last, evaluating and saving as due."""
    accelerator, algorithm, steps = parts.accelerator, parts.algorithm, parts.steps
    train, evaluation = parts.config.train, parts.config.eval
    batches = _process_shares(
        _shuffled_batches(parts.train_records, train.batch_size, parts.config.seed),
        accelerator.process_index,
        accelerator.num_processes,
    )
    for _ in range(progress.step):  # a resumed run skips the batches already trained on
        next(batches)
    steps_left = tqdm(
        range(progress.step + 1, steps + 1),
        desc=parts.algorithm_name,
        disable=not parts.main,
        file=sys.stdout,
    )
    if progress.rng:  # each process its own generators (saved by 1: the first's)
        restore_rng(progress.rng[min(accelerator.process_index, len(progress.rng) - 1)])
    parts.models.tokens.take()  # what evaluation and prepare() ran is not training
    with StopSignals() as stop:
        for step in steps_left:
            stopping = _step(parts, progress, watch, step, next(batches), stop.requested)
            if progress.bad_steps >= train.max_bad_steps:
                raise TrainingDiverged(
                    f"{_non_finite(progress.metrics)} at step {step}: {progress.bad_steps} steps "
                    f"in a row with a non-finite loss, reward or gradient norm "
                    f"(train.max_bad_steps={train.max_bad_steps}; their updates were "
                    "skipped). " + last_checkpoint_words(run_dir)
                )
            if parts.main:
                steps_left.set_postfix(loss=f"{progress.metrics.get('loss', float('nan')):.3f}")
            halted = watch.guards.stopped is not None  # evaluated where a guard stops it
            if step % evaluation.every == 0 or step in evaluation.at or step == steps or halted:
                progress.latest_eval = algorithm.evaluate(parts.evaluator)
                if parts.main:
                    watch.log.write(step, progress.latest_eval)
                    steps_left.write(_format_eval(step, progress.latest_eval))
                watch.guards.check(step, dict(progress.latest_eval))
            if watch.guards.stopped is not None:  # the last good checkpoint stays the last
                break
            every = train.checkpoint_every
            due = (every is not None and step % every == 0) or step == steps
            if progress.bad_steps == 0 and (due or stopping):
                _save_checkpoint(parts, progress, watch.guards, step, cfg, run_dir, overrides)
            if stopping:
                number = stop.requested or signal.SIGTERM  # another process may have had it
                raise RunInterrupted(
                    f"{signal.Signals(number).name} at step {step} of {steps}. "
                    + last_checkpoint_words(run_dir),
                    number,
                )


def _step(
    parts: RunParts,
    progress: Progress,
    watch: Watchers,
    step: int,
    batch: list[Any],
    stop_requested: int | None,
) -> bool:
    """One training step and its bookkeeping; whether any process was told to stop."""
    parts.models.policy.train()
    started = time.perf_counter()
    metrics = parts.algorithm.train_step(batch, parts.optimization.updater)
    elapsed = time.perf_counter() - started
    # the sampling engine's figures (how far its log-probs are from the trainer's)
    metrics |= parts.algorithm.ctx.sampler.take_metrics()
    progress.train_seconds += elapsed
    # counted by the runner; an algorithm that knows better may report perf/tokens
    counted = parts.models.tokens.take()
    metrics[STEP_TOKENS] = float(metrics.pop("perf/tokens", counted))
    metrics["perf/step_s"] = elapsed
    # every process logs, guards and stops on the same figures, at the same step
    metrics |= watch.guards.reward_count()
    metrics, stopping = _agree(parts.accelerator, metrics, stop_requested is not None)
    # the processes' mean of this step's tokens, times their count: every process's tokens
    processes = parts.accelerator.num_processes
    progress.trained_tokens += round(metrics.pop(STEP_TOKENS) * processes)
    metrics["perf/tokens_per_s"] = progress.trained_tokens / progress.train_seconds
    watch.guards.check(step, metrics)  # takes the reward count back out
    progress.metrics, progress.step = metrics, step
    progress.bad_steps = progress.bad_steps + 1 if _non_finite(metrics) else 0
    if parts.main:
        watch.log.write(step, metrics)
        watch.on_step_end(step=step, metrics=metrics)
    return stopping


def trained_names(parts: RunParts) -> list[str]:
    """The model's name of each trained parameter; ``algorithm.<i>`` for an algorithm's own."""
    names = {id(p): name for name, p in parts.models.bare_policy.named_parameters()}
    return [names.get(id(p), f"algorithm.{i}") for i, p in enumerate(parts.optimization.parameters)]


def _save_checkpoint(
    parts: RunParts,
    progress: Progress,
    guards: GuardWatch,
    step: int,
    cfg: DictConfig,
    run_dir: Path,
    overrides: Sequence[str],
) -> None:
    """Everything the next step depends on, so a resumed run takes it exactly alike: every
    process's random state, gathered to the main process, which writes the checkpoint."""
    accelerator, optimization = parts.accelerator, parts.optimization
    random_states = [capture_rng()]
    if accelerator.num_processes > 1:
        random_states = gather_object(random_states)
    sharded = optimization.updater.sharded
    training_state: dict[str, Any] | None = None
    if parts.main:
        training_reward = parts.training_reward
        training_state = {
            "step": step,
            "scheduler": optimization.scheduler.state_dict(),
            "algorithm": parts.algorithm.state_dict(),
            "reward": training_reward.state_dict() if training_reward is not None else {},
            "rng": random_states,
            "train_seconds": progress.train_seconds,
            "trained_tokens": progress.trained_tokens,
            "metrics": progress.metrics,
            "latest_eval": progress.latest_eval,
            "bad_steps": progress.bad_steps,
            "guards": guards.state_dict(),
        }
        if not sharded:  # a sharded run's moments are in its shards
            training_state["optimizer"] = optimization.optimizer.state_dict()
    config_yaml = OmegaConf.to_yaml(OmegaConf.merge(cfg, {"resume": None}))  # as composed again
    keep = parts.config.train.keep_checkpoints
    if sharded:  # every process writes its own shards
        save_sharded_checkpoint(
            run_dir,
            step,
            trained_module(parts),
            _torch_optimizer(optimization.optimizer),
            training_state,
            config_yaml,
            overrides,
            keep,
            accelerator.wait_for_everyone,
        )
    elif training_state is not None:
        save_checkpoint(
            run_dir,
            step,
            optimization.parameters,
            trained_names(parts),
            training_state,
            config_yaml,
            overrides,
            keep,
        )
    accelerator.wait_for_everyone()


class TrainedTensors(torch.nn.Module):
    """The policy and an algorithm's own trained parameters (PPO's value head) under one
    module, so torch's state-dict functions name every trained tensor and its moments."""

    def __init__(self, policy: torch.nn.Module, own: list[torch.nn.Parameter]) -> None:
        super().__init__()
        self.policy = policy
        self.own = torch.nn.ParameterList(own)


def trained_module(parts: RunParts) -> TrainedTensors:
    """What a sharded checkpoint holds the trained tensors of."""
    return TrainedTensors(parts.models.bare_policy, parts.optimization.updater.outside_model)


def _torch_optimizer(optimizer: Any) -> torch.optim.Optimizer:
    """torch's optimizer inside accelerate's wrapper."""
    return getattr(optimizer, "optimizer", optimizer)


def last_checkpoint_words(run_dir: Path) -> str:
    """Where the run can be resumed from, in words for a closing message."""
    last = latest_checkpoint(run_dir)
    if last is None:
        return "No checkpoint was saved yet."
    return f"Last checkpoint: {last}; continue with: alignzoo resume={run_dir}"


def _non_finite(metrics: Metrics) -> str | None:
    """``name=value`` of the first non-finite loss, reward or gradient norm, else None."""
    for name, value in metrics.items():
        watched = name == "loss" or name.startswith("rewards/") or name == "train/grad_norm"
        if watched and not math.isfinite(value):
            return f"{name}={value}"
    return None


def _process_shares(batches: Iterator[list[T]], index: int, processes: int) -> Iterator[list[T]]:
    """Process ``index``'s rows of each global batch: every ``processes``-th, from ``index``.

    Every process draws the same global batches (one seed), so the data a step trains on
    does not depend on how many processes share it, and a checkpoint resumes on any count.
    """
    for batch in batches:
        if len(batch) % processes:
            raise ConfigError(
                f"train.batch_size={len(batch)} is the global batch: it must divide evenly "
                f"among the {processes} processes"
            )
        yield batch[index::processes]


def _agree(accelerator: Accelerator, metrics: Metrics, stop: bool) -> tuple[Metrics, bool]:
    """The step's metrics averaged over processes, and whether any process was told to stop.

    One all-reduce; a NaN anywhere stays a NaN, so every process judges the step alike.
    """
    if accelerator.num_processes == 1:
        return metrics, stop
    names = sorted(metrics)
    values = torch.tensor([*(float(metrics[k]) for k in names), float(stop)], dtype=torch.float64)
    total = accelerator.reduce(values.to(accelerator.device), reduction="sum").cpu()
    averaged = {
        k: float(v) / accelerator.num_processes for k, v in zip(names, total[:-1], strict=True)
    }
    return averaged, bool(total[-1] > 0)


def _shuffled_batches(records: Sequence[T], batch_size: int, seed: int) -> Iterator[list[T]]:
    """Endless epochs of shuffled, full batches (the whole set when it is smaller)."""
    if batch_size < 1:
        raise ConfigError(f"train.batch_size must be >= 1, got {batch_size}")
    rng = random.Random(seed)
    size = min(batch_size, len(records))
    while True:
        order = list(range(len(records)))
        rng.shuffle(order)
        for start in range(0, len(order) - size + 1, size):
            yield [records[i] for i in order[start : start + size]]


def _format_eval(step: int, metrics: dict[str, float]) -> str:
    return f"step {step}: " + "  ".join(f"{k}={v:.3f}" for k, v in sorted(metrics.items()))

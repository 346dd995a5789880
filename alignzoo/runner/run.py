"""One run, read top to bottom: build the parts -> evaluate the start -> train -> evaluate -> save.

The runner owns everything around the algorithm: seeds, devices (through accelerate), data,
models, the optimizer, logging, evaluation and checkpoints. Algorithms are found only through
the plugin registry, by the type of their composed config.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import resource
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import torch
from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration, gather_object, set_seed
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from alignzoo.algorithms import AlgorithmContext, Metrics
from alignzoo.config.schema import (
    Device,
    EvalConfig,
    EvalPrompts,
    GuardsConfig,
    LoraAdapterConfig,
    ModelConfig,
    optional_dataclass,
)
from alignzoo.config.validation import validate_run_config
from alignzoo.data.identical_pairs import refuse_when_no_pair_teaches
from alignzoo.data.overlong_rows import cut_overlong_text, warn_overlong_rows
from alignzoo.data.validation_split import validation_prompts
from alignzoo.errors import ConfigError, RunInterrupted, TrainingDiverged
from alignzoo.evaluation import HeldoutEvaluator
from alignzoo.models.loading import load_causal_lm, load_tokenizer
from alignzoo.models.peft_check import is_peft_model
from alignzoo.models.policy import load_policy_and_reference
from alignzoo.models.reference import ReferenceModel
from alignzoo.registry import LoadedPlugins
from alignzoo.rewards.watch import ConstantRewardWatch
from alignzoo.runner.checkpoint import (
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
    save_policy,
)
from alignzoo.runner.engines import check_engine
from alignzoo.runner.guards import GuardWatch
from alignzoo.runner.metrics_log import MetricsLog
from alignzoo.runner.optimizer import build_optimizer
from alignzoo.runner.schedules import build_scheduler
from alignzoo.runner.stop_signals import StopSignals
from alignzoo.runner.token_counter import TokenCounter
from alignzoo.runner.trackers import PROJECT, flat_config, tracker_names
from alignzoo.runner.training_state import capture_rng, restore_rng
from alignzoo.runner.updater import OptimizerUpdater

if TYPE_CHECKING:
    from peft import PeftModel

T = TypeVar("T")


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
    registry, hooks = plugins.registry, plugins.manager.hook
    # train.batch_size is the global batch, split among processes: the schedule then steps
    # once per optimizer step, not once per process
    trackers = tracker_names(cfg.logger)
    accelerator = Accelerator(
        cpu=cfg.device == Device.cpu,
        dataloader_config=DataLoaderConfiguration(split_batches=True),
        log_with=trackers or None,
        project_dir=run_dir,
    )
    check_engine(accelerator.distributed_type)
    _reset_peak_memory(accelerator.device)
    set_seed(cfg.seed)

    # --- data: the registered source the config names ---
    data_component = registry.for_config("data", cfg.data)
    data = data_component.build(cfg.data)

    # --- models: the policy and its reference (a frozen copy, or with LoRA the same base with
    # the adapter off), from any HF id or local directory, quantized if configured ---
    model_cfg: ModelConfig = OmegaConf.to_object(cfg.model)  # type: ignore[assignment]
    name_or_path = model_cfg.name_or_path or data.base_model()
    if name_or_path is None:
        raise ConfigError(
            f"model.name_or_path is not set and data={data_component.name} has no base model "
            "of its own; set model.name_or_path to a Hugging Face id or a local directory"
        )
    algorithm_component = registry.for_config("algorithm", cfg.algorithm)
    algorithm_class = algorithm_component.factory
    algorithm_config = OmegaConf.to_object(cfg.algorithm)  # the plugin's own dataclass
    tokenizer = load_tokenizer(name_or_path, model_cfg)
    lora: LoraAdapterConfig | None = optional_dataclass(cfg.peft)
    bare_policy, reference = load_policy_and_reference(
        name_or_path,
        model_cfg,
        kind=algorithm_class.model_kind,
        device=accelerator.device,
        lora=lora,
        quant=optional_dataclass(cfg.quant),
        gradient_checkpointing=cfg.train.gradient_checkpointing,
        pad_token_id=tokenizer.pad_token_id,
        with_reference=algorithm_class.needs_reference_for(algorithm_config),
    )
    # trained through the (multi-process) wrapper; generated from and saved bare
    policy = accelerator.prepare_model(bare_policy)
    tokens = TokenCounter(bare_policy)

    # --- the training reward, for algorithms that sample and score ---
    reward, training_reward, reward_name = None, None, None
    guards_config: GuardsConfig = OmegaConf.to_object(cfg.guards)  # type: ignore[assignment]
    if cfg.reward is not None:
        reward_component = registry.for_config("reward", cfg.reward)
        reward_name = reward_component.name
        reward = reward_component.build(cfg.reward)
        reward.share_policy_base(bare_policy)
        # what the algorithm scores with is watched: a reward that never varies teaches nothing
        # (the constant_reward guard says so; counted here)
        patience = guards_config.constant_reward_batches or sys.maxsize
        training_reward = ConstantRewardWatch(reward, reward_name, patience, warn=False)

    # --- the algorithm, and what it consumes ---
    context = AlgorithmContext(
        policy=policy,
        reference=reference,
        tokenizer=tokenizer,
        device=accelerator.device,
        max_length=model_cfg.max_length,
        micro_batch_size=cfg.train.micro_batch_size,
        reward=training_reward,
        bare_policy=bare_policy,
    )
    algorithm = algorithm_class(algorithm_config, context)
    readers = {"pairs": data.preference_pairs, "prompts": data.prompts, "feedback": data.feedback}
    train_records: Sequence[Any] = readers[algorithm.consumes]("train", tokenizer)
    if not train_records:
        raise ConfigError(
            f"data={data_component.name} has no training {algorithm.consumes}, "
            f"which algorithm={algorithm_component.name} consumes"
        )
    if algorithm.consumes == "pairs" and algorithm.compares_pairs:
        source = str(cfg.data.path) if "path" in cfg.data else f"data={data_component.name}"
        refuse_when_no_pair_teaches(train_records, source, algorithm_component.name)
    train_records = cut_overlong_text(train_records, model_cfg.max_length)
    warn_overlong_rows(train_records, tokenizer, model_cfg.max_length)
    algorithm.prepare(train_records)
    # an algorithm that trains nothing (best-of-n) is evaluated once, whatever train.steps says
    steps = cfg.train.steps if algorithm.trains else 0

    # --- optimizer and learning-rate schedule ---
    parameters = list(algorithm.trainable_parameters())
    optimizer = build_optimizer(parameters, cfg.train.learning_rate, cfg.train.weight_decay)
    per_step = algorithm.updates_per_step()  # PPO: several optimizer steps per rollout
    scheduler = build_scheduler(
        cfg.train.scheduler, optimizer, cfg.train.warmup_steps * per_step, steps * per_step
    )
    optimizer, scheduler = accelerator.prepare(optimizer, scheduler)
    updater = OptimizerUpdater(
        accelerator,
        optimizer,
        scheduler,
        parameters,
        cfg.train.max_grad_norm,
        micro_batch_size=cfg.train.micro_batch_size,
        outside_model=_outside(parameters, bare_policy),
        model=policy,
    )

    # --- held-out evaluation, and its step-0 point: the reference itself ---
    eval_config: EvalConfig = OmegaConf.to_object(cfg.eval)  # type: ignore[assignment]
    load_reference = None
    if reference is None and eval_config.kl and algorithm.model_kind == "causal_lm":
        # training holds no reference: evaluation loads one and frees it, for KL

        def load_reference() -> ReferenceModel:
            return ReferenceModel(load_causal_lm(name_or_path, model_cfg, None, accelerator.device))

    eval_prompts, eval_split = data.prompts("heldout", tokenizer), "held-out"
    if eval_config.prompts == EvalPrompts.validation:  # a tuning trial: never the test prompts
        train_prompts = data.prompts("train", tokenizer)
        eval_prompts = validation_prompts(train_prompts, eval_prompts, eval_config.num_prompts)
        eval_split = "validation"
    evaluator = HeldoutEvaluator(
        prompts=[
            p.prompt for p in cut_overlong_text(eval_prompts, model_cfg.max_length, eval_split)
        ],
        pairs=cut_overlong_text(
            data.preference_pairs("heldout", tokenizer), model_cfg.max_length, "held-out"
        ),
        tokenizer=tokenizer,
        reference=reference,
        gold_reward=data.gold_reward(),
        proxy_reward=reward,
        config=eval_config,
        max_length=model_cfg.max_length,
        seed=cfg.seed,
        load_reference=load_reference,
        process_index=accelerator.process_index,
        num_processes=accelerator.num_processes,
    )
    # every process evaluates its share of the held-out set; only the main one logs and saves
    main = accelerator.is_main_process
    mirror = None
    if trackers:  # the same rows go to TensorBoard / W&B / MLflow too
        hyperparameters = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
        accelerator.init_trackers(PROJECT, config=flat_config(hyperparameters))  # type: ignore[arg-type]

        def mirror(metrics: dict[str, Any], step: int) -> None:
            accelerator.log(metrics, step=step)

    log = MetricsLog(run_dir / "metrics.jsonl", mirror)
    # what the run can degenerate into is watched at every step and evaluation
    guards = GuardWatch(
        guards_config,
        training_reward,
        speak=main,
        last_checkpoint=lambda: _last_checkpoint_words(run_dir),
    )
    # a resumed run evaluates its start again too: evaluation caches the reference's samples
    initial = algorithm.evaluate(evaluator)
    if main and resume_from is None:
        log.write(0, initial)
    if resume_from is None:
        guards.check(0, dict(initial))  # the reference's readings: a guard starts from them

    # --- resume: trained tensors, optimizer, schedule, counters, then the random state ---
    trained_names = _parameter_names(parameters, bare_policy)
    train_seconds, trained_tokens, bad_steps = 0.0, 0, 0
    metrics: Metrics = {}
    latest_eval = initial
    state: dict[str, Any] = {"step": 0}
    if resume_from is not None:
        state = load_checkpoint(resume_from, parameters, trained_names)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        algorithm.load_state_dict(state["algorithm"])
        if training_reward is not None:
            training_reward.load_state_dict(state["reward"])
        guards.load_state_dict(state.get("guards", {}))  # older checkpoints have none
        train_seconds, trained_tokens = state["train_seconds"], state["trained_tokens"]
        metrics, latest_eval, bad_steps = state["metrics"], state["latest_eval"], state["bad_steps"]
        if main:
            log.truncate_after(state["step"])

    def save_checkpoint_at(step: int, random_states: list[dict[str, Any]]) -> Path:
        """Everything the next step depends on, so a resumed run takes it exactly alike."""
        training_state = {
            "step": step,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "algorithm": algorithm.state_dict(),
            "reward": training_reward.state_dict() if training_reward is not None else {},
            "rng": random_states,
            "train_seconds": train_seconds,
            "trained_tokens": trained_tokens,
            "metrics": metrics,
            "latest_eval": latest_eval,
            "bad_steps": bad_steps,
            "guards": guards.state_dict(),
        }
        return save_checkpoint(
            run_dir,
            step,
            parameters,
            trained_names,
            training_state,
            OmegaConf.to_yaml(OmegaConf.merge(cfg, {"resume": None})),  # as composed again
            overrides,
            cfg.train.keep_checkpoints,
        )

    # --- the training loop: each process trains its share of the same global batch ---
    batches = _process_shares(
        _shuffled_batches(train_records, cfg.train.batch_size, cfg.seed),
        accelerator.process_index,
        accelerator.num_processes,
    )
    for _ in range(state["step"]):  # a resumed run skips the batches already trained on
        next(batches)
    progress = tqdm(
        range(state["step"] + 1, steps + 1),
        desc=algorithm_component.name,
        disable=not accelerator.is_main_process,
        file=sys.stdout,
    )
    if resume_from is not None:  # each process its own generators (saved by 1: the first's)
        saved_rng = state["rng"]
        restore_rng(saved_rng[min(accelerator.process_index, len(saved_rng) - 1)])
    tokens.take()  # what evaluation and prepare() ran is not training
    with StopSignals() as stop:
        for step in progress:
            policy.train()
            step_started = time.perf_counter()
            metrics = algorithm.train_step(next(batches), updater)
            elapsed = time.perf_counter() - step_started
            train_seconds += elapsed
            # counted by the runner; an algorithm that knows better may report perf/tokens
            counted = tokens.take()
            trained_tokens += int(metrics.pop("perf/tokens", counted))
            metrics |= {
                "perf/step_s": elapsed,
                "perf/tokens_per_s": trained_tokens / train_seconds,
            }
            # every process logs, guards and stops on the same figures, at the same step
            metrics |= guards.reward_count()
            metrics, stopping = _agree(accelerator, metrics, stop.requested is not None)
            guards.check(step, metrics)  # takes the reward count back out
            bad = _non_finite(metrics)
            bad_steps = bad_steps + 1 if bad else 0
            if main:
                log.write(step, metrics)
                hooks.alignzoo_on_step_end(step=step, metrics=metrics)
                progress.set_postfix(loss=f"{metrics.get('loss', float('nan')):.3f}")
            if bad_steps >= cfg.train.max_bad_steps:
                raise TrainingDiverged(
                    f"{bad} at step {step}: {bad_steps} steps in a row with a non-finite "
                    f"loss, reward or gradient norm (train.max_bad_steps="
                    f"{cfg.train.max_bad_steps}; their updates were skipped). "
                    + _last_checkpoint_words(run_dir)
                )
            halted = guards.stopped is not None  # a run a guard stops is evaluated where it ends
            if step % cfg.eval.every == 0 or step in cfg.eval.at or step == steps or halted:
                latest_eval = algorithm.evaluate(evaluator)
                if main:
                    log.write(step, latest_eval)
                    progress.write(_format_eval(step, latest_eval))
                guards.check(step, dict(latest_eval))
            if guards.stopped is not None:  # the last good checkpoint stays the last
                break
            every = cfg.train.checkpoint_every
            due = (every is not None and step % every == 0) or step == steps
            if bad_steps == 0 and (due or stopping):
                random_states = [capture_rng()]
                if accelerator.num_processes > 1:
                    random_states = gather_object(random_states)
                if main:
                    save_checkpoint_at(step, random_states)
                accelerator.wait_for_everyone()
            if stopping:
                number = stop.requested or signal.SIGTERM  # another process may have had it
                raise RunInterrupted(
                    f"{signal.Signals(number).name} at step {step} of {steps}. "
                    + _last_checkpoint_words(run_dir),
                    number,
                )

    # --- save the policy (safetensors, atomically) and the summary ---
    tokens.close()
    accelerator.wait_for_everyone()
    policy_dir = None
    if cfg.save_policy and main and algorithm.trains and guards.stopped is None:
        name = "reward_model" if algorithm.model_kind == "reward_model" else "policy"
        saved = save_policy(bare_policy, tokenizer, run_dir / name, algorithm.save_extras)
        policy_dir = str(saved)
        if lora is not None and lora.merge_at_end:  # the adapter is saved above, then merged
            merged = cast("PeftModel", bare_policy).merge_and_unload()
            save_policy(merged, tokenizer, run_dir / f"{name}_merged")
    peak_mb = _peak_memory_mb(accelerator.device)
    summary = {
        "algorithm": algorithm_component.name,
        "reward": reward_name,
        "data": data_component.name,
        "model": name_or_path,
        "steps": steps,
        # PPO takes several optimizer steps per batch (epochs x mini-batches)
        "optimizer_steps": steps * per_step,
        "final": latest_eval,
        "initial": initial,
        "train": metrics,
        "wall_time_s": time.perf_counter() - started,
        "train_time_s": train_seconds,
        "tokens_per_s": trained_tokens / train_seconds if train_seconds else 0.0,
        "peak_memory_mb": peak_mb,
        "memory": {
            "peak_mb": peak_mb,
            "reference": _reference_held(reference, load_reference is not None),
        },
        "parameters": {
            "trainable": sum(p.numel() for p in parameters),
            "total": _parameter_count(bare_policy),
        },
        "policy_dir": policy_dir,
        **guards.summary(),  # every guard that fired; what stopped the run, if one did
        "config": OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
    }
    if trackers:
        accelerator.end_training()
    if main:
        (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        hooks.alignzoo_on_run_end(run_dir=str(run_dir), summary=summary)
    return summary


def _parameter_names(parameters: Sequence[torch.nn.Parameter], model: torch.nn.Module) -> list[str]:
    """The model's name of each trained parameter; ``algorithm.<i>`` for an algorithm's own."""
    names = {id(p): name for name, p in model.named_parameters()}
    return [names.get(id(p), f"algorithm.{i}") for i, p in enumerate(parameters)]


def _outside(parameters: Sequence[torch.nn.Parameter], model: torch.nn.Module) -> list:
    """The trained parameters that are not ``model``'s (an algorithm's own heads)."""
    held = {id(p) for p in model.parameters()}
    return [p for p in parameters if id(p) not in held]


def _non_finite(metrics: Metrics) -> str | None:
    """``name=value`` of the first non-finite loss, reward or gradient norm, else None."""
    for name, value in metrics.items():
        watched = name == "loss" or name.startswith("rewards/") or name == "train/grad_norm"
        if watched and not math.isfinite(value):
            return f"{name}={value}"
    return None


def _last_checkpoint_words(run_dir: Path) -> str:
    """Where the run can be resumed from, in words for a closing message."""
    last = latest_checkpoint(run_dir)
    if last is None:
        return "No checkpoint was saved yet."
    return f"Last checkpoint: {last}; continue with: alignzoo resume={run_dir}"


def _reference_held(reference: ReferenceModel | None, borrowed_for_eval: bool) -> str:
    """What the run held as its reference, in words for the summary."""
    if reference is not None:
        if reference.shares_policy_weights:
            return "the policy's base with the adapter off: no second copy"
        return "a frozen copy of the policy"
    if borrowed_for_eval:
        return "none in training; loaded for each evaluation and freed after it (eval.kl)"
    return "none in training or evaluation"


def _parameter_count(model: torch.nn.Module) -> int:
    """All parameters; peft counts a packed 4-bit weight as the values it holds."""
    if is_peft_model(model):
        return model.get_nb_trainable_parameters()[1]
    return sum(p.numel() for p in model.parameters())


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


def _reset_peak_memory(device: torch.device) -> None:
    """Start this run's peak afresh: runs of a multirun share one process."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return
    with contextlib.suppress(OSError):  # Linux: "5" resets the process's peak resident size
        Path("/proc/self/clear_refs").write_text("5")


def _peak_memory_mb(device: torch.device) -> float:
    """Peak since ``_reset_peak_memory``: CUDA tensors, or the process's resident set."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _format_eval(step: int, metrics: dict[str, float]) -> str:
    return f"step {step}: " + "  ".join(f"{k}={v:.3f}" for k, v in sorted(metrics.items()))

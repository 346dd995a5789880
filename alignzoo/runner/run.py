"""One run, read top to bottom: build the parts -> evaluate the start -> train -> evaluate -> save.

The runner owns everything around the algorithm: seeds, devices (through accelerate), data,
models, the optimizer, logging, evaluation and checkpoints. Algorithms are found only through
the plugin registry, by the type of their composed config.
"""

from __future__ import annotations

import contextlib
import json
import random
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import torch
from accelerate import Accelerator
from omegaconf import DictConfig, OmegaConf
from peft import PeftModel
from tqdm.auto import tqdm
from transformers import get_scheduler, set_seed

from alignzoo.algorithms import AlgorithmContext, Metrics
from alignzoo.config.schema import (
    Device,
    EvalConfig,
    LoraAdapterConfig,
    ModelConfig,
    optional_dataclass,
)
from alignzoo.errors import ConfigError
from alignzoo.evaluation import HeldoutEvaluator
from alignzoo.models.loading import load_causal_lm, load_tokenizer
from alignzoo.models.policy import load_policy_and_reference
from alignzoo.models.reference import ReferenceModel
from alignzoo.registry import LoadedPlugins
from alignzoo.rewards.watch import ConstantRewardWatch
from alignzoo.runner.checkpoint import save_policy
from alignzoo.runner.metrics_log import MetricsLog
from alignzoo.runner.token_counter import TokenCounter
from alignzoo.runner.updater import OptimizerUpdater

T = TypeVar("T")


def run(cfg: DictConfig, plugins: LoadedPlugins, run_dir: Path) -> dict[str, Any]:
    """Train the configured algorithm and return the summary also written to summary.json."""
    started = time.perf_counter()
    registry, hooks = plugins.registry, plugins.manager.hook
    accelerator = Accelerator(cpu=cfg.device == Device.cpu)
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
    reward, training_reward = None, None
    if cfg.reward is not None:
        reward_component = registry.for_config("reward", cfg.reward)
        reward = reward_component.build(cfg.reward)
        reward.share_policy_base(bare_policy)
        # what the algorithm scores with is watched: a reward that never varies teaches nothing
        training_reward = ConstantRewardWatch(reward, reward_component.name)

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
    algorithm.prepare(train_records)
    # an algorithm that trains nothing (best-of-n) is evaluated once, whatever train.steps says
    steps = cfg.train.steps if algorithm.trains else 0

    # --- optimizer and learning-rate schedule ---
    parameters = list(algorithm.trainable_parameters())
    optimizer = torch.optim.AdamW(
        parameters, lr=cfg.train.learning_rate, weight_decay=cfg.train.weight_decay
    )
    per_step = algorithm.updates_per_step()  # PPO: several optimizer steps per rollout
    scheduler = get_scheduler(
        cfg.train.scheduler,
        optimizer,
        num_warmup_steps=cfg.train.warmup_steps * per_step,
        num_training_steps=steps * per_step,
    )
    optimizer, scheduler = accelerator.prepare(optimizer, scheduler)
    updater = OptimizerUpdater(
        accelerator,
        optimizer,
        scheduler,
        parameters,
        cfg.train.max_grad_norm,
        micro_batch_size=cfg.train.micro_batch_size,
    )

    # --- held-out evaluation, and its step-0 point: the reference itself ---
    eval_config: EvalConfig = OmegaConf.to_object(cfg.eval)  # type: ignore[assignment]
    load_reference = None
    if reference is None and eval_config.kl and algorithm.model_kind == "causal_lm":
        # training holds no reference: evaluation loads one and frees it, for KL

        def load_reference() -> ReferenceModel:
            return ReferenceModel(load_causal_lm(name_or_path, model_cfg, None, accelerator.device))

    evaluator = HeldoutEvaluator(
        prompts=[p.prompt for p in data.prompts("heldout", tokenizer)],
        pairs=data.preference_pairs("heldout", tokenizer),
        tokenizer=tokenizer,
        reference=reference,
        gold_reward=data.gold_reward(),
        proxy_reward=reward,
        config=eval_config,
        max_length=model_cfg.max_length,
        seed=cfg.seed,
        load_reference=load_reference,
    )
    # only the main process evaluates, logs and saves; the others just train
    main = accelerator.is_main_process
    log = MetricsLog(run_dir / "metrics.jsonl")
    initial = algorithm.evaluate(evaluator) if main else {}
    if main:
        log.write(0, initial)

    # --- the training loop (each process draws its own batches) ---
    batches = _shuffled_batches(
        train_records, cfg.train.batch_size, cfg.seed + accelerator.process_index
    )
    progress = tqdm(
        range(1, steps + 1),
        desc=algorithm_component.name,
        disable=not accelerator.is_main_process,
        file=sys.stdout,
    )
    train_seconds, trained_tokens = 0.0, 0
    metrics: Metrics = {}
    latest_eval = initial
    tokens.take()  # what evaluation and prepare() ran is not training
    for step in progress:
        policy.train()
        step_started = time.perf_counter()
        metrics = algorithm.train_step(next(batches), updater)
        elapsed = time.perf_counter() - step_started
        train_seconds += elapsed
        # counted by the runner; an algorithm that knows better may report perf/tokens
        counted = tokens.take()
        trained_tokens += int(metrics.pop("perf/tokens", counted))
        metrics |= {"perf/step_s": elapsed, "perf/tokens_per_s": trained_tokens / train_seconds}
        if not main:
            continue
        log.write(step, metrics)
        hooks.alignzoo_on_step_end(step=step, metrics=metrics)
        progress.set_postfix(loss=f"{metrics.get('loss', float('nan')):.3f}")
        if step % cfg.eval.every == 0 or step == steps:
            latest_eval = algorithm.evaluate(evaluator)
            log.write(step, latest_eval)
            progress.write(_format_eval(step, latest_eval))

    # --- save the policy (safetensors, atomically) and the summary ---
    tokens.close()
    accelerator.wait_for_everyone()
    policy_dir = None
    if cfg.save_policy and main and algorithm.trains:
        name = "reward_model" if algorithm.model_kind == "reward_model" else "policy"
        saved = save_policy(bare_policy, tokenizer, run_dir / name, algorithm.save_extras)
        policy_dir = str(saved)
        if lora is not None and lora.merge_at_end:  # the adapter is saved above, then merged
            merged = cast(PeftModel, bare_policy).merge_and_unload()
            save_policy(merged, tokenizer, run_dir / f"{name}_merged")
    peak_mb = _peak_memory_mb(accelerator.device)
    summary = {
        "algorithm": algorithm_component.name,
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
        "config": OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
    }
    if main:
        (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        hooks.alignzoo_on_run_end(run_dir=str(run_dir), summary=summary)
    return summary


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
    if isinstance(model, PeftModel):
        return model.get_nb_trainable_parameters()[1]
    return sum(p.numel() for p in model.parameters())


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

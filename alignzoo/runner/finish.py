"""The end of a run: the trained policy saved (safetensors, atomically) and its summary.

``summary.json`` holds the final and initial evaluations, the last step's metrics, time,
throughput, memory, parameter counts, the guards that fired and the config as trained: what
the comparison report and a resumed command read back.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import torch
from omegaconf import DictConfig, OmegaConf

from alignzoo.models.peft_check import is_peft_model
from alignzoo.models.reference import ReferenceModel
from alignzoo.models.sharding import full_state_dict, is_sharded
from alignzoo.runner.checkpoint import save_policy
from alignzoo.runner.guards import GuardWatch
from alignzoo.runner.loop import Progress
from alignzoo.runner.parts import RunParts
from alignzoo.runner.peak_memory import peak_memory_mb

if TYPE_CHECKING:
    from peft import PeftModel


def save_trained(parts: RunParts, run_dir: Path, guards: GuardWatch) -> str | None:
    """Save what the run trained (not when a guard stopped it); the folder, or None."""
    algorithm, models = parts.algorithm, parts.models
    if not (parts.config.save_policy and algorithm.trains and guards.stopped is None):
        return None
    # a sharded policy's weights are gathered whole first, by every process together
    whole = full_state_dict(models.bare_policy) if is_sharded(models.bare_policy) else None
    if not parts.main:
        return None
    name = "reward_model" if algorithm.model_kind == "reward_model" else "policy"
    saved = save_policy(
        models.bare_policy, models.tokenizer, run_dir / name, algorithm.save_extras, whole
    )
    if models.lora is not None and models.lora.merge_at_end:  # the adapter above, then merged
        merged = cast("PeftModel", models.bare_policy).merge_and_unload()
        save_policy(merged, models.tokenizer, run_dir / f"{name}_merged")
    return str(saved)


def summarize(
    parts: RunParts,
    cfg: DictConfig,
    progress: Progress,
    initial: dict[str, Any],
    guards: GuardWatch,
    started: float,
    policy_dir: str | None,
) -> dict[str, Any]:
    """The run's summary, as ``summary.json`` records it."""
    models, optimization = parts.models, parts.optimization
    seconds = progress.train_seconds
    peak_mb = peak_memory_mb(parts.accelerator.device)
    return {
        "algorithm": parts.algorithm_name,
        "reward": parts.reward_name,
        "data": parts.data_name,
        "model": models.name_or_path,
        "steps": parts.steps,
        # PPO takes several optimizer steps per batch (epochs x mini-batches)
        "optimizer_steps": parts.steps * optimization.per_step,
        "final": progress.latest_eval,
        "initial": initial,
        "train": progress.metrics,
        "wall_time_s": time.perf_counter() - started,
        "train_time_s": seconds,
        "tokens_per_s": progress.trained_tokens / seconds if seconds else 0.0,
        # the CPU threads torch ran on (a parallel sweep's job takes its share)
        "threads": torch.get_num_threads(),
        "peak_memory_mb": peak_mb,
        "memory": {
            "peak_mb": peak_mb,
            "reference": _reference_held(models.reference, parts.reference_borrowed),
        },
        "parameters": {
            "trainable": sum(p.numel() for p in optimization.parameters),
            "total": _parameter_count(models.bare_policy),
        },
        "policy_dir": policy_dir,
        **guards.summary(),  # every guard that fired; what stopped the run, if one did
        "config": OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
    }


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

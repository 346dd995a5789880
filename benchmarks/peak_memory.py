"""Peak memory of DPO and PPO steps: full fine-tuning, LoRA and LoRA on a 4-bit base.

For each model (the built-in tiny one and a ~20M-parameter Llama over the same vocabulary)
and each variant it runs a warm-up step (so the optimizer state exists), then measures the
next steps' peak tensor memory, and prints it beside ``alignzoo-plan``'s estimate of the
same steps (evaluation excluded) and the ratio to full fine-tuning in the same process.

On CUDA the peak is ``torch.cuda.max_memory_allocated``. On the CPU, the live tensors when
measuring starts (weights, reference, optimizer state) plus the largest rise of allocated
bytes that the profiler records during the steps: the CPU analogue of the same figure.

    python benchmarks/peak_memory.py [--device cpu|cuda] [--models tiny,20m] [--steps 2]
    python benchmarks/peak_memory.py --device cuda --models 20m,1b --dtype bfloat16
"""

from __future__ import annotations

import argparse
import gc
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from accelerate import Accelerator
from torch.profiler import ProfilerActivity, profile
from transformers import LlamaConfig, LlamaForCausalLM

from alignzoo.algorithms import Algorithm, AlgorithmContext
from alignzoo.config.schema import (
    DType,
    LoraAdapterConfig,
    ModelConfig,
    QuantConfig,
    SamplingConfig,
    TrainConfig,
)
from alignzoo.data.records import PreferencePair, PromptRecord
from alignzoo.models.policy import load_policy_and_reference
from alignzoo.planning.command import DTYPE_BYTES
from alignzoo.planning.memory import RunShape, plan_memory
from alignzoo.planning.model_shape import model_shape
from alignzoo.runner.optimizer import build_optimizer
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo.tasks.sentiment.base_model import BaseModelConfig, build_tokenizer, model_config
from alignzoo.tasks.sentiment.gold_reward import GoldSentimentReward
from alignzoo_dpo.algorithm import DPOAlgorithm
from alignzoo_dpo.config import DPOConfig
from alignzoo_ppo.algorithm import PPOAlgorithm
from alignzoo_ppo.config import PPOConfig

#: tokens of every training row (DPO) and of every prompt (PPO); rows are built to fill them
SEQUENCE, PROMPT, NEW_TOKENS, BATCH = 48, 16, 24, 8
VARIANTS: dict[str, tuple[LoraAdapterConfig | None, QuantConfig | None]] = {
    "full": (None, None),
    "LoRA": (LoraAdapterConfig(r=8), None),
    "LoRA + 4-bit": (LoraAdapterConfig(r=8), QuantConfig(bits=4)),
}


@dataclass
class Row:
    model: str
    algorithm: str
    variant: str
    measured: float
    estimated: float


def twenty_million() -> LlamaConfig:
    """The built-in architecture scaled to ~20M parameters: 6 layers of width 512."""
    return model_config(
        BaseModelConfig(
            hidden_size=512, intermediate_size=1376, num_layers=6, num_heads=8, max_positions=128
        )
    )


def one_billion() -> LlamaConfig:
    """A ~1B Llama-style model over the built-in vocabulary: 22 layers of width 2048."""
    return model_config(
        BaseModelConfig(
            hidden_size=2048, intermediate_size=5632, num_layers=22, num_heads=32, max_positions=128
        )
    )


def text_of(words: int) -> str:
    """``words`` tokens of the built-in vocabulary (one word is one token)."""
    vocabulary = "the plot was great and the food was awful but the room felt good".split()
    return " ".join(vocabulary[i % len(vocabulary)] for i in range(words))


def live_bytes(*objects: Any) -> int:
    """Distinct tensor storage held by modules and optimizers (shared storage counted once)."""
    seen: dict[int, int] = {}
    for obj in objects:
        if isinstance(obj, torch.nn.Module):
            tensors = [*obj.parameters(), *obj.buffers()]
        else:  # an optimizer
            tensors = [v for s in obj.state.values() for v in s.values() if torch.is_tensor(v)]
        for tensor in tensors:
            storage = tensor.untyped_storage()
            seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values())


def peak_of_steps(step: Any, steps: int, device: torch.device, held: int) -> float:
    """Peak bytes while running ``step`` ``steps`` times; ``held`` is what is live before."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats(device)
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        return float(torch.cuda.max_memory_allocated(device))
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        for _ in range(steps):
            step()
    cpu = torch._C._autograd.DeviceType.CPU
    events = sorted(
        (e.start_ns(), e.nbytes())
        for e in prof.profiler.kineto_results.events()
        if e.name() == "[memory]" and e.device_type() == cpu
    )
    current = highest = 0
    for _, change in events:
        current += change
        highest = max(highest, current)
    return float(held + highest)


def measure(
    base: Path,
    algorithm_class: type[Algorithm],
    config: Any,
    lora: LoraAdapterConfig | None,
    quant: QuantConfig | None,
    device: torch.device,
    steps: int,
    dtype: DType,
) -> float:
    """Peak memory of ``steps`` training steps after a warm-up step."""
    tokenizer = build_tokenizer()
    model = ModelConfig(max_length=SEQUENCE, dtype=dtype)
    policy, reference = load_policy_and_reference(
        str(base), model, "causal_lm", device, lora, quant
    )
    context = AlgorithmContext(
        policy=policy,
        reference=reference,
        tokenizer=tokenizer,
        device=device,
        max_length=SEQUENCE,
        reward=GoldSentimentReward(),
    )
    algorithm = algorithm_class(config, context)
    if algorithm.consumes == "pairs":
        # long completions: rows are cut from the left to exactly SEQUENCE tokens
        batch: list[Any] = [
            PreferencePair(text_of(PROMPT), " " + text_of(SEQUENCE), " " + text_of(SEQUENCE + 1))
            for _ in range(BATCH)
        ]
    else:
        batch = [PromptRecord(text_of(PROMPT - 1)) for _ in range(BATCH)]  # + BOS
    algorithm.prepare(batch)
    parameters = list(algorithm.trainable_parameters())
    optimizer = build_optimizer(parameters, 1e-4, 0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    updater = OptimizerUpdater(
        Accelerator(cpu=device.type == "cpu"), optimizer, scheduler, parameters, 1.0
    )
    policy.train()
    algorithm.train_step(batch, updater)  # warm-up: the optimizer state now exists
    extra = [m for m in vars(algorithm).values() if isinstance(m, torch.nn.Module)]
    held = live_bytes(policy, reference.model, optimizer, *extra)
    return peak_of_steps(lambda: algorithm.train_step(batch, updater), steps, device, held)


def estimate(
    config: LlamaConfig,
    algorithm_class: type[Algorithm],
    algorithm_config: Any,
    lora: LoraAdapterConfig | None,
    quant: QuantConfig | None,
    dtype: DType,
) -> float:
    """``alignzoo-plan``'s peak for the same steps (the evaluation phase left out)."""
    shape = model_shape(config)
    train = TrainConfig(batch_size=BATCH)
    run = RunShape(
        kind="causal_lm",
        weight_bytes=DTYPE_BYTES[dtype],
        traits=algorithm_class.memory_traits(algorithm_config, train, shape.hidden),
        sequence_tokens=SEQUENCE if algorithm_class is DPOAlgorithm else PROMPT + NEW_TOKENS,
        prompt_tokens=PROMPT,
        eval_rows=0,
        eval_new_tokens=0,
        lora=lora,
        quant=quant,
    )
    plan = plan_memory(shape, run)
    return plan.peak_bytes


def main() -> None:
    """Print one row per model, algorithm and variant."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--models", default="tiny,20m")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--dtype", type=DType, default=DType.float32, choices=list(DType))
    args = parser.parse_args()
    device = torch.device(args.device)
    configs = {
        "tiny": model_config(BaseModelConfig()),
        "20m": twenty_million(),
        "1b": one_billion(),
    }
    algorithms = {
        "DPO": (DPOAlgorithm, DPOConfig(precompute_reference=False)),
        "PPO": (
            PPOAlgorithm,
            PPOConfig(rollout=SamplingConfig(max_new_tokens=NEW_TOKENS), ppo_epochs=1),
        ),
    }
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for model_name in args.models.split(","):
            config = configs[model_name]
            base = Path(tmp) / model_name
            torch.manual_seed(0)
            with torch.device(device):  # a 1B model initialises in seconds on a GPU
                model = LlamaForCausalLM(config)
            model.to(getattr(torch, args.dtype.value)).save_pretrained(base)
            del model
            build_tokenizer().save_pretrained(base)
            for algorithm_name, (algorithm_class, algorithm_config) in algorithms.items():
                for variant, (lora, quant) in VARIANTS.items():
                    measured = measure(
                        base,
                        algorithm_class,
                        algorithm_config,
                        lora,
                        quant,
                        device,
                        args.steps,
                        args.dtype,
                    )
                    estimated = estimate(
                        config, algorithm_class, algorithm_config, lora, quant, args.dtype
                    )
                    rows.append(Row(model_name, algorithm_name, variant, measured, estimated))
                    gc.collect()
    print(
        f"peak memory per training step on {device}: batch {BATCH}, rows of {SEQUENCE} tokens "
        f"(PPO: {PROMPT} prompt + {NEW_TOKENS} sampled), {args.dtype.value}"
    )
    print(
        f"  {'model':<6}{'algo':<5}{'variant':<14}{'measured':>12}{'planner':>12}"
        f"{'error':>8}{'vs full':>9}"
    )
    for row in rows:
        full = next(
            r.measured
            for r in rows
            if (r.model, r.algorithm, r.variant) == (row.model, row.algorithm, "full")
        )
        print(
            f"  {row.model:<6}{row.algorithm:<5}{row.variant:<14}"
            f"{row.measured / 2**20:>9.1f} MiB{row.estimated / 2**20:>8.1f} MiB"
            f"{(row.estimated - row.measured) / row.measured:>+8.0%}"
            f"{row.measured / full:>8.2f}x"
        )


if __name__ == "__main__":
    main()

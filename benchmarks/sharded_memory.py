"""Per-process peak memory of a sharded (FSDP2) training step against ``alignzoo-plan``'s.

DPO and PPO with full fine-tuning on a ~20M-parameter Llama (the built-in architecture scaled
up), run on 1 process and on N processes sharded with ``sharding.strategy=fsdp2``'s code
(each decoder layer, then the model, through ``fully_shard``; the frozen reference copy too),
over gloo on CPU or nccl on GPUs, with the same global batch. Each process measures its own
peak: on CUDA the allocator's; on the CPU the tensors it holds after a warm-up step plus the
rise of the kernel's high-water mark of its resident memory over the next steps (reset
through ``/proc/self/clear_refs``; glibc is told to hand every block of 64 KiB or more back
when freed, so resident memory follows the live tensors). The profiler's running sum of
allocations, which ``peak_memory.py`` uses, does not serve here: FSDP2 frees its gathered
weights by resizing their storage, and under sharding that sum drifted upwards by about the
held memory in two steps while the resident memory stayed flat. Each process's figure is
printed beside the planner's per-process one for the same run (``processes=N`` at ZeRO-3,
the reference divided, evaluation left out).

    python benchmarks/sharded_memory.py [--processes 2] [--steps 2]
    python benchmarks/sharded_memory.py --processes 8 --model 1b --dtype bfloat16   # 8 GPUs
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch
from peak_memory import (
    BATCH,
    NEW_TOKENS,
    PROMPT,
    SEQUENCE,
    one_billion,
    peak_of_steps,
    text_of,
    twenty_million,
)
from torch.distributed.tensor import DTensor
from transformers import LlamaForCausalLM

from alignzoo.algorithms import AlgorithmContext
from alignzoo.config.schema import DType, ModelConfig, SamplingConfig, TrainConfig
from alignzoo.data.records import PreferencePair, PromptRecord
from alignzoo.models.policy import load_policy_and_reference
from alignzoo.models.sharding import shard
from alignzoo.planning.command import DTYPE_BYTES
from alignzoo.planning.memory import RunShape, plan_memory
from alignzoo.planning.model_shape import model_shape
from alignzoo.planning.sharding import Sharding, shard_plan
from alignzoo.runner.optimizer import build_optimizer
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo.tasks.sentiment.base_model import build_tokenizer
from alignzoo.tasks.sentiment.gold_reward import GoldSentimentReward
from alignzoo_dpo.algorithm import DPOAlgorithm
from alignzoo_dpo.config import DPOConfig
from alignzoo_ppo.algorithm import PPOAlgorithm
from alignzoo_ppo.config import PPOConfig

ALGORITHMS: dict[str, tuple[Any, Any]] = {
    "DPO": (DPOAlgorithm, DPOConfig(precompute_reference=False)),
    "PPO": (PPOAlgorithm, PPOConfig(rollout=SamplingConfig(max_new_tokens=NEW_TOKENS))),
}


def held_bytes(*objects: Any) -> int:
    """Distinct storage this process holds for modules and optimizers: a sharded tensor
    counts its local shard only."""
    seen: dict[int, int] = {}
    for obj in objects:
        if isinstance(obj, torch.nn.Module):
            tensors = [*obj.parameters(), *obj.buffers()]
        else:
            tensors = [v for s in obj.state.values() for v in s.values() if torch.is_tensor(v)]
        for tensor in tensors:
            local = tensor.to_local() if isinstance(tensor, DTensor) else tensor
            storage = local.untyped_storage()
            seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values())


def resident_bytes(field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (the high-water mark) of this process, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field} (Linux only)")


def peak_during(step: Any, steps: int, device: torch.device, held: int) -> float:
    """Peak bytes while running ``step`` ``steps`` times; ``held`` is what is live before."""
    if device.type == "cuda":  # the allocator's own peak
        return peak_of_steps(step, steps, device, held)
    gc.collect()
    before = resident_bytes("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts again here
    for _ in range(steps):
        step()
    return float(held + resident_bytes("VmHWM") - before)


#: ``--model``: the built-in architecture at ~20M or ~1B parameters
MODELS = {"20m": twenty_million, "1b": one_billion}


def worker(base: Path, algorithm: str, processes: int, steps: int, dtype: DType) -> float:
    """This process's peak over ``steps`` training steps after a warm-up."""
    from accelerate import Accelerator

    accelerator = Accelerator(cpu=not torch.cuda.is_available())
    device = accelerator.device
    policy, reference = load_policy_and_reference(
        str(base), ModelConfig(max_length=SEQUENCE, dtype=dtype), "causal_lm", device, None, None
    )
    if processes > 1:
        shard(policy)
        shard(reference.model)
    algorithm_class, config = ALGORITHMS[algorithm]
    context = AlgorithmContext(
        policy=policy,
        reference=reference,
        tokenizer=build_tokenizer(),
        device=device,
        max_length=SEQUENCE,
        reward=GoldSentimentReward(),
        bare_policy=policy,
    )
    instance = algorithm_class(config, context)
    share = BATCH // processes  # the global batch, divided
    batch: list[Any]
    if instance.consumes == "pairs":
        batch = [
            PreferencePair(text_of(PROMPT), " " + text_of(SEQUENCE), " " + text_of(SEQUENCE + 1))
            for _ in range(share)
        ]
    else:
        batch = [PromptRecord(text_of(PROMPT - 1)) for _ in range(share)]
    instance.prepare(batch)
    parameters = list(instance.trainable_parameters())
    optimizer = build_optimizer(parameters, 1e-4, 0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    updater = OptimizerUpdater(accelerator, optimizer, scheduler, parameters, 1.0, model=policy)
    policy.train()
    instance.train_step(batch, updater)  # warm-up: the optimizer state now exists
    extra = [m for m in vars(instance).values() if isinstance(m, torch.nn.Module)]
    held = held_bytes(policy, reference.model, optimizer, *extra)
    return peak_during(lambda: instance.train_step(batch, updater), steps, device, held)


def planned(algorithm: str, processes: int, model: str, dtype: DType) -> float:
    """The planner's per-process peak for the same steps (evaluation left out)."""
    algorithm_class, config = ALGORITHMS[algorithm]
    shape = model_shape(MODELS[model]())
    weight_bytes = DTYPE_BYTES[dtype]
    train = TrainConfig(batch_size=BATCH // processes)
    sequence = SEQUENCE if algorithm == "DPO" else PROMPT + NEW_TOKENS
    run = RunShape(
        kind="causal_lm",
        weight_bytes=weight_bytes,
        traits=algorithm_class.memory_traits(config, train, shape.hidden),
        sequence_tokens=sequence,
        prompt_tokens=PROMPT,
        eval_rows=0,
        eval_new_tokens=0,
        lora=None,
        quant=None,
    )
    sharding = Sharding(processes, 3 if processes > 1 else 0, reference_divided=True)
    return shard_plan(plan_memory(shape, run), sharding, shape, weight_bytes).peak_bytes


def launch(base: Path, algorithm: str, processes: int, steps: int, dtype: DType) -> list[float]:
    """Each process's peak, from ``processes`` fresh processes (torchrun)."""
    with tempfile.TemporaryDirectory() as results:
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            f"--nproc_per_node={processes}",
            __file__,
            "--worker",
            algorithm,
            "--base",
            str(base),
            "--processes",
            str(processes),
            "--steps",
            str(steps),
            "--dtype",
            dtype.value,
            "--results",
            results,
        ]
        # freed blocks of 64 KiB or more go back to the kernel: resident memory follows the
        # live tensors
        env = os.environ | {"OMP_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": "65536"}
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        return [json.loads(p.read_text()) for p in sorted(Path(results).glob("*.json"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--model", choices=sorted(MODELS), default="20m")
    parser.add_argument("--dtype", type=DType, default=DType.float32, choices=list(DType))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--base", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        peak = worker(args.base, args.worker, args.processes, args.steps, args.dtype)
        rank = int(os.environ.get("RANK", "0"))
        (args.results / f"{rank}.json").write_text(json.dumps(peak))
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / args.model
        torch.manual_seed(0)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        with torch.device(device):  # a 1B model initialises in seconds on a GPU
            model = LlamaForCausalLM(MODELS[args.model]())
        model.to(getattr(torch, args.dtype.value)).save_pretrained(base)
        del model
        build_tokenizer().save_pretrained(base)
        print(
            f"per-process peak of a training step, {args.model} model, {args.dtype.value}, "
            f"global batch {BATCH}, rows of {SEQUENCE} tokens (PPO: {PROMPT} prompt + "
            f"{NEW_TOKENS} sampled)"
        )
        print(f"  {'algo':<5}{'processes':>10}{'measured':>14}{'planner':>12}{'error':>8}")
        for algorithm in ALGORITHMS:
            for processes in sorted({1, args.processes}):
                peaks = launch(base, algorithm, processes, args.steps, args.dtype)
                estimate = planned(algorithm, processes, args.model, args.dtype)
                for peak in peaks:
                    print(
                        f"  {algorithm:<5}{processes:>10}{peak / 2**20:>10.1f} MiB"
                        f"{estimate / 2**20:>8.1f} MiB{(estimate - peak) / peak:>+8.0%}"
                    )


if __name__ == "__main__":
    main()

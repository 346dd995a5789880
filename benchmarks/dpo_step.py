"""DPO step throughput on the built-in base model: each execution option against the default.

Prints pairs per second and the ratio to the default (concatenated forward, reference
log-probs precomputed) measured in the same process, since machines are noisy.

    python benchmarks/dpo_step.py [--steps 30] [--batch-size 32] [--model builtin|20m]

``--model 20m`` scales the built-in architecture to 6 layers of width 512 (random weights):
there the step is compute-bound, as on a real model.
"""

from __future__ import annotations

import argparse
import time

import torch
from accelerate import Accelerator
from model_sizes import scale_config
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

from alignzoo.algorithms import AlgorithmContext
from alignzoo.models.reference import ReferenceModel
from alignzoo.runner.optimizer import build_optimizer
from alignzoo.runner.updater import OptimizerUpdater
from alignzoo.tasks.sentiment.task import SentimentTask, SentimentTaskConfig
from alignzoo_dpo.algorithm import DPOAlgorithm
from alignzoo_dpo.config import DPOConfig

#: name -> (config, train.micro_batch_size)
VARIANTS: dict[str, tuple[DPOConfig, int | None]] = {
    "default (concatenated, precomputed reference)": (DPOConfig(), None),
    "two forward passes": (DPOConfig(concatenated_forward=False), None),
    "reference on the fly": (DPOConfig(precompute_reference=False), None),
    "packed rows (algorithm.packing)": (DPOConfig(packing=True), None),
    "micro-batches of 8 (updater accumulates)": (DPOConfig(), 8),
}


def load_policy(task: SentimentTask, model: str) -> torch.nn.Module:
    """The built-in base model, or its architecture at ~20M parameters."""
    path = task.base_model()
    if model == "builtin":
        return AutoModelForCausalLM.from_pretrained(path)
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(scale_config(AutoConfig.from_pretrained(path), model))


def pairs_per_second(
    config: DPOConfig,
    micro_batch_size: int | None,
    task: SentimentTask,
    steps: int,
    batch: int,
    model: str,
) -> float:
    """Train ``steps`` DPO steps from the base model; return training pairs per second."""
    tokenizer = AutoTokenizer.from_pretrained(task.base_model())
    policy = load_policy(task, model)
    context = AlgorithmContext(
        policy, ReferenceModel.frozen_copy_of(policy), tokenizer, torch.device("cpu"), max_length=64
    )
    algorithm = DPOAlgorithm(config, context)
    pairs = task.preference_pairs("train")
    algorithm.prepare(pairs)  # untimed: a one-off cost, amortised over a run
    parameters = list(algorithm.trainable_parameters())
    optimizer = build_optimizer(parameters, 1e-3, 0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    updater = OptimizerUpdater(
        Accelerator(cpu=True), optimizer, scheduler, parameters, 1.0, micro_batch_size
    )
    policy.train()
    algorithm.train_step(pairs[:batch], updater)  # warm-up
    started = time.perf_counter()
    for step in range(1, steps + 1):
        algorithm.train_step(pairs[step * batch : (step + 1) * batch], updater)
    return steps * batch / (time.perf_counter() - started)


def main() -> None:
    """Print one row per execution option."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model", choices=["builtin", "20m"], default="builtin")
    args = parser.parse_args()
    task = SentimentTask(SentimentTaskConfig())
    results = {
        name: pairs_per_second(cfg, micro, task, args.steps, args.batch_size, args.model)
        for name, (cfg, micro) in VARIANTS.items()
    }
    baseline = next(iter(results.values()))
    print(
        f"DPO step, {args.model} model, batch {args.batch_size}, {args.steps} steps, "
        f"{torch.get_num_threads()} threads"
    )
    for name, rate in results.items():
        print(f"  {name:<48} {rate:9.0f} pairs/s   x{rate / baseline:.2f}")


if __name__ == "__main__":
    main()

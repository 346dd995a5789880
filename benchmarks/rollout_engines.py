"""Rollout engines side by side: ``generate`` (``rollout.engine=hf``) against vLLM, in one
invocation, on the same model, prompts, samples per prompt and lengths.

Two figures per engine:
- sampling throughput: sampled tokens per second of one batch of ``--prompts`` x
  ``--samples`` completions of ``--new-tokens`` tokens (after one warm-up batch; vLLM's
  time includes its weight sync, as every rollout pays it);
- a GRPO step: ``alignzoo algorithm=grpo`` for ``--steps`` steps with each engine, its mean
  ``perf/step_s`` past the first step, and the mismatch vLLM logs (``rollout/engine_kl``).

Not here yet: TRL's GRPO with its own vLLM colocated as a third row (the issue's GPU
comparison); benchmarks/trl_compare.py compares the ``generate`` engines.

    python benchmarks/rollout_engines.py                       # the built-in task's model
    python benchmarks/rollout_engines.py --model Qwen/Qwen2.5-1.5B --prompts 64 --samples 8 \\
        --new-tokens 256                                        # on a GPU

Runs under the venv that has vLLM (on CPU: scripts/vllm_cpu_venv.sh). Without vLLM only
the ``hf`` rows are printed, and the reason.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from alignzoo.config.schema import RolloutConfig, RolloutEngine, SamplingConfig
from alignzoo.errors import ConfigError
from alignzoo.models.sampler import sampler_for
from alignzoo.tasks.sentiment.config import SentimentTaskConfig
from alignzoo.tasks.sentiment.task import SentimentTask


def sampling_throughput(
    engine: RolloutEngine, model_dir: str, prompts: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Tokens per second of one batch (after a warm-up batch)."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    policy = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to(device)
    config = RolloutConfig(engine=engine)
    config.vllm.gpu_memory_utilization = args.gpu_memory_utilization
    sampler = sampler_for(config, lambda: policy, tokenizer, model_dir, args.max_length)
    sampling = SamplingConfig(max_new_tokens=args.new_tokens, temperature=1.0)
    batch = [p for p in prompts for _ in range(args.samples)]
    sampler.sample(batch, sampling, batch_size=len(batch), seed=0)  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    drawn = sampler.sample(batch, sampling, batch_size=len(batch), seed=1)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    tokens = int(drawn.rows.completion_mask.sum())
    figures = {"tokens": tokens, "seconds": seconds, "tokens_per_s": tokens / seconds}
    if device == "cuda":
        figures["torch_peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
    sampler.close()
    return figures


def grpo_steps(engine: RolloutEngine, args: argparse.Namespace) -> dict[str, Any]:
    """Mean step time of a short GRPO run with ``engine`` (past the first step)."""
    with tempfile.TemporaryDirectory() as folder:
        words = [
            sys.executable,
            "-m",
            "alignzoo",
            "algorithm=grpo",
            f"rollout.engine={engine.value}",
            f"train.steps={args.steps}",
            f"train.batch_size={args.prompts}",
            f"algorithm.num_generations={args.samples}",
            f"algorithm.rollout.max_new_tokens={args.new_tokens}",
            f"eval.every={args.steps}",
            "eval.num_prompts=8",
            f"hydra.run.dir={folder}",
            *(
                ["model=hf", f"model.name_or_path={args.model}", "reward=length"]
                if args.model
                else ["reward=gold"]
            ),
        ]
        done = subprocess.run(words, capture_output=True, text=True, check=False)
        metrics = Path(folder) / "metrics.jsonl"
        if done.returncode != 0 or not metrics.is_file():
            return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
        rows = [json.loads(line) for line in metrics.read_text().splitlines()]
    steps = [row for row in rows if "perf/step_s" in row][1:]
    figures: dict[str, Any] = {"step_s": statistics.fmean(r["perf/step_s"] for r in steps)}
    if any("rollout/engine_kl" in r for r in steps):
        figures["engine_kl"] = statistics.fmean(r["rollout/engine_kl"] for r in steps)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="HF id or directory (default: the built-in task's)")
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--gpu-memory-utilization", type=float, default=0.3)
    args = parser.parse_args()
    task = SentimentTask(SentimentTaskConfig())
    model_dir = args.model or task.base_model()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompts = [r.prompt for r in task.prompts("heldout", tokenizer)][: args.prompts]
    print(
        f"model {model_dir}; {len(prompts)} prompts x {args.samples} samples, "
        f"{args.new_tokens} new tokens; {'GPU' if torch.cuda.is_available() else 'CPU'}"
    )
    print(f"{'engine':8} {'tokens/s':>10} {'batch s':>8} {'GRPO step s':>12}  notes")
    for engine in RolloutEngine:
        try:
            sampled = sampling_throughput(engine, model_dir, prompts, args)
        except ConfigError as error:
            print(f"{engine.value:8} {'-':>10} {'-':>8} {'-':>12}  {error}")
            continue
        step = grpo_steps(engine, args)
        notes = step.get("error", "")
        if "engine_kl" in step:
            notes += f"engine KL {step['engine_kl']:.2e}/token"
        if "torch_peak_gib" in sampled:
            notes += f" torch peak {sampled['torch_peak_gib']:.2f} GiB"
        step_s = f"{step['step_s']:.3f}" if "step_s" in step else "-"
        print(
            f"{engine.value:8} {sampled['tokens_per_s']:10.0f} {sampled['seconds']:8.3f} "
            f"{step_s:>12}  {notes}"
        )


if __name__ == "__main__":
    main()

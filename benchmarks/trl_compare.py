"""alignzoo against TRL on the same work, side by side (``pip install -e ".[bench]"``).

Both sides train the same model files on the same rows with the same shapes and threads,
each in a fresh subprocess: DPO (full, LoRA, LoRA + 4-bit; reference log-probs on the fly
and precomputed) on the built-in task's training pairs exported as prompt/chosen/rejected
JSONL (``alignzoo model=hf data=hf`` against TRL's ``DPOTrainer``), and GRPO and RLOO
(samples per second, generation included) on its prompts with the gold lexicon as the
reward function against ``GRPOTrainer`` and ``RLOOTrainer``. TRL 1.16 ships no PPO trainer,
so PPO has no row.

A row's time is the median step after ``--warmup`` steps (per repeat; the spread is the range
of the repeats' medians); peak RSS is each process's own maximum. MFU divides the model
FLOPs of a step (6 x parameters x trained tokens for full fine-tuning, 4 x for LoRA, 2 x per
no-gradient or sampled token) by the step time and the fp32 matmul peak measured here, in
this process, on the same threads. The table is printed and written as markdown and JSON.

    python benchmarks/trl_compare.py [--rows dpo_builtin,grpo_builtin] [--steps 13]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

#: the shapes of the issue's measurements: batch 8 pairs (16 completions for the RL rows),
#: rows of 64 tokens, 24 sampled tokens, fp32
BATCH, MAX_LENGTH, NEW_TOKENS, GENERATIONS, RL_PROMPTS = 8, 64, 24, 4, 4
LORA = {"r": 8, "alpha": 16, "dropout": 0.0}
LEARNING_RATE, BETA = 1e-4, 0.1


@dataclass(frozen=True)
class Work:
    """One row: an algorithm and its options, on one of the two model sizes."""

    name: str
    algorithm: str  # dpo, grpo, rloo
    model: str  # builtin (0.45M) or 20m (6 x 512)
    lora: bool = False
    four_bit: bool = False
    precompute: bool = True  # DPO: reference log-probs computed once before training


ROWS = [
    Work("DPO full, reference on the fly", "dpo", "builtin", precompute=False),
    Work("DPO full, reference precomputed", "dpo", "builtin"),
    Work("DPO LoRA, reference on the fly", "dpo", "builtin", lora=True, precompute=False),
    Work("DPO LoRA + 4-bit, on the fly", "dpo", "builtin", True, True, precompute=False),
    Work("GRPO (16 samples/step)", "grpo", "builtin"),
    Work("RLOO (16 samples/step)", "rloo", "builtin"),
    Work("DPO full, reference on the fly", "dpo", "20m", precompute=False),
    Work("DPO full, reference precomputed", "dpo", "20m"),
    Work("DPO LoRA, reference on the fly", "dpo", "20m", lora=True, precompute=False),
]


def row_key(work: Work) -> str:
    return (
        f"{work.algorithm}_{work.model}"
        + "_lora" * work.lora
        + "_4bit" * work.four_bit
        + ("_pre" if work.precompute and work.algorithm == "dpo" else "")
    )


# --------------------------------------------------------------------------- preparation


def prepare(workdir: Path) -> None:
    """Export the built-in task's pairs and prompts, and save both model sizes with its
    tokenizer, so both sides read identical files."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    from alignzoo.tasks.sentiment.config import SentimentTaskConfig
    from alignzoo.tasks.sentiment.task import SentimentTask

    task = SentimentTask(SentimentTaskConfig())
    base = task.base_model()
    tokenizer = AutoTokenizer.from_pretrained(base)
    with open(workdir / "pairs.jsonl", "w") as out:
        for pair in task.preference_pairs("train", tokenizer):
            row = {"prompt": pair.prompt, "chosen": pair.chosen, "rejected": pair.rejected}
            out.write(json.dumps(row) + "\n")
    with open(workdir / "prompts.jsonl", "w") as out:
        for record in task.prompts("train", tokenizer):
            out.write(json.dumps({"prompt": record.prompt}) + "\n")
    builtin = AutoModelForCausalLM.from_pretrained(base)
    builtin.save_pretrained(workdir / "builtin")
    tokenizer.save_pretrained(workdir / "builtin")
    config = builtin.config
    config.update(
        {
            "hidden_size": 512,
            "num_hidden_layers": 6,
            "intermediate_size": 1536,
            "num_attention_heads": 8,
            "num_key_value_heads": 8,
        }
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(workdir / "20m")
    tokenizer.save_pretrained(workdir / "20m")


# --------------------------------------------------------------------------- the two sides


def run_alignzoo(work: Work, workdir: Path, steps: int, out: Path) -> list[float]:
    """``alignzoo model=hf data=hf ...`` in this process; its logged step times."""
    overrides = [
        "model=hf",
        f"model.name_or_path={workdir / work.model}",
        f"model.max_length={MAX_LENGTH}",
        "data=hf",
        f"algorithm={work.algorithm}",
        f"train.steps={steps}",
        f"train.learning_rate={LEARNING_RATE}",
        "train.warmup_steps=0",
        "train.scheduler=constant",
        "train.checkpoint_every=null",
        f"eval.every={steps}",
        "eval.num_prompts=8",
        "eval.batch_size=8",
        f"hydra.run.dir={out}",
    ]
    if work.algorithm == "dpo":
        overrides += [
            f"data.path={workdir / 'pairs.jsonl'}",
            f"train.batch_size={BATCH}",
            f"algorithm.beta={BETA}",
            f"algorithm.precompute_reference={str(work.precompute).lower()}",
        ]
    else:
        overrides += [
            f"data.path={workdir / 'prompts.jsonl'}",
            "data.kind=prompts",
            "reward=gold",
            f"train.batch_size={RL_PROMPTS}",
            f"algorithm.num_generations={GENERATIONS}",
            f"algorithm.rollout.max_new_tokens={NEW_TOKENS}",
        ]
    if work.lora:
        overrides += ["peft=lora", f"peft.r={LORA['r']}", f"peft.alpha={LORA['alpha']}"]
    if work.four_bit:
        overrides += ["quant=4bit"]
    from alignzoo.cli import main

    sys.argv = ["alignzoo", *overrides]
    main()
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [row["perf/step_s"] for row in rows if "perf/step_s" in row]


def run_trl(work: Work, workdir: Path, steps: int, out: Path) -> list[float]:
    """TRL's trainer for ``work`` in this process; the wall time of each step."""
    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        BitsAndBytesConfig,
        TrainerCallback,
    )

    class StepClock(TrainerCallback):
        """Time from one step's end to the next's: data, forward, backward, update."""

        def __init__(self) -> None:
            self.times: list[float] = []
            self.last = 0.0

        def on_train_begin(self, *args: object, **kwargs: object) -> None:
            self.last = time.perf_counter()

        def on_step_end(self, *args: object, **kwargs: object) -> None:
            now = time.perf_counter()
            self.times.append(now - self.last)
            self.last = now

    model_dir = workdir / work.model
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model_kwargs: dict = {}
    if work.four_bit:
        model_kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float32
        )
    model = AutoModelForCausalLM.from_pretrained(model_dir, **model_kwargs)
    peft_config = None
    if work.lora:
        peft_config = LoraConfig(
            r=LORA["r"],
            lora_alpha=LORA["alpha"],
            lora_dropout=LORA["dropout"],
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        )
    common = {
        "output_dir": str(out),
        "max_steps": steps,
        "learning_rate": LEARNING_RATE,
        "lr_scheduler_type": "constant",
        "warmup_steps": 0,
        "logging_steps": 10**6,
        "save_strategy": "no",
        "report_to": [],
        "use_cpu": True,
        "dataloader_num_workers": 0,
        "seed": 0,
        "bf16": False,
    }
    clock = StepClock()
    extra: dict = {}
    if work.algorithm == "dpo":
        from trl import DPOConfig as Config
        from trl import DPOTrainer as Trainer

        args = Config(
            **common,
            per_device_train_batch_size=BATCH,
            max_length=MAX_LENGTH,
            beta=BETA,
            precompute_ref_log_probs=work.precompute,
        )
        rows = "pairs.jsonl"
    else:
        from alignzoo.tasks.sentiment.lexicon import lexicon_sentiment

        def gold(completions: list[str], **_: object) -> list[float]:
            return [float(lexicon_sentiment(c)) for c in completions]

        if work.algorithm == "grpo":
            from trl import GRPOConfig as Config
            from trl import GRPOTrainer as Trainer
        else:
            from trl import RLOOConfig as Config
            from trl import RLOOTrainer as Trainer
        beta = 0.0 if work.algorithm == "grpo" else 0.05  # both sides' defaults
        args = Config(
            **common,
            per_device_train_batch_size=RL_PROMPTS * GENERATIONS,
            num_generations=GENERATIONS,
            max_completion_length=NEW_TOKENS,
            temperature=1.0,
            beta=beta,
        )
        rows, extra = "prompts.jsonl", {"reward_funcs": gold}
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=load_dataset("json", data_files=str(workdir / rows), split="train"),
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[clock],
        **extra,
    )
    trainer.train()
    return clock.times


def worker(side: str, work: Work, workdir: Path, steps: int, result: Path) -> None:
    """One side of one row, in its own process: step times and this process's peak RSS."""
    import torch

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as out:
        runner = run_alignzoo if side == "alignzoo" else run_trl
        times = runner(work, workdir, steps, Path(out) / "run")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.write_text(json.dumps({"times": times, "peak_rss_mb": peak_mb}))


# --------------------------------------------------------------------------- measuring


def matmul_peak_flops(threads: int) -> float:
    """fp32 FLOP/s of a large square matmul on ``threads`` threads: the MFU denominator."""
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(10):
            a @ b
        best = min(best, (time.perf_counter() - started) / 10)
    return 2 * 1024**3 / best


def step_flops(work: Work, workdir: Path) -> float:
    """Model FLOPs of one step: 2 x parameters per token and forward, 3 forwards' worth for
    full training (forward and the two backward products), 2 with LoRA (no weight gradients
    of the frozen base); tokens are the exported rows' real lengths."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(workdir / work.model))
    parameters = sum(p.numel() for p in model.parameters())
    train_passes = 2 if work.lora else 3
    if work.algorithm == "dpo":
        tokenizer = AutoTokenizer.from_pretrained(workdir / work.model)
        rows = [json.loads(line) for line in (workdir / "pairs.jsonl").read_text().splitlines()]
        lengths = [
            min(MAX_LENGTH, len(tokenizer(r["prompt"] + r[side]).input_ids))
            for r in rows[:200]
            for side in ("chosen", "rejected")
        ]
        tokens = statistics.mean(lengths) * 2 * BATCH
        passes = train_passes + (0 if work.precompute else 1)
        return 2 * parameters * tokens * passes
    samples = RL_PROMPTS * GENERATIONS
    tokens = samples * MAX_LENGTH  # an upper bound: every row at full length
    sampled = samples * NEW_TOKENS
    return 2 * parameters * (tokens * train_passes + sampled)


def measure(work: Work, workdir: Path, steps: int, warmup: int, repeats: int, threads: int):
    """Each side ``repeats`` times in fresh processes; their median steps and peak RSS."""
    sides = {}
    env = os.environ | {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    for side in ("trl", "alignzoo"):
        medians, peaks = [], []
        for _ in range(repeats):
            with tempfile.NamedTemporaryFile(suffix=".json") as result:
                command = [
                    sys.executable,
                    __file__,
                    "--worker",
                    side,
                    "--row",
                    row_key(work),
                    "--workdir",
                    str(workdir),
                    "--steps",
                    str(steps),
                    "--result",
                    result.name,
                ]
                done = subprocess.run(command, env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"{side} on {work.name}: {done.stderr[-2000:]}")
                figures = json.loads(Path(result.name).read_text())
            measured = figures["times"][warmup:]
            medians.append(statistics.median(measured))
            peaks.append(figures["peak_rss_mb"])
        sides[side] = {
            "median_step_s": statistics.median(medians),
            "spread_s": [min(medians), max(medians)],
            "peak_rss_mb": statistics.median(peaks),
        }
    return sides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="all", help="comma-separated row keys, or all")
    parser.add_argument("--steps", type=int, default=13, help="steps per run (warm-up included)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/trl_compare"))
    parser.add_argument("--worker", choices=["trl", "alignzoo"], help=argparse.SUPPRESS)
    parser.add_argument("--row", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    by_key = {row_key(w): w for w in ROWS}
    if args.worker:
        worker(args.worker, by_key[args.row], args.workdir, args.steps, args.result)
        return
    chosen = ROWS if args.rows == "all" else [by_key[k] for k in args.rows.split(",")]
    peak = matmul_peak_flops(args.threads)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        prepare(workdir)
        for work in chosen:
            sides = measure(work, workdir, args.steps, args.warmup, args.repeats, args.threads)
            flops = step_flops(work, workdir)
            for side in sides.values():
                side["mfu"] = flops / side["median_step_s"] / peak
            trl, ours = sides["trl"], sides["alignzoo"]
            results.append(
                {
                    "row": row_key(work),
                    "work": asdict(work),
                    "trl": trl,
                    "alignzoo": ours,
                    "speed_up": trl["median_step_s"] / ours["median_step_s"],
                    "rss_ratio": ours["peak_rss_mb"] / trl["peak_rss_mb"],
                }
            )
            print(markdown_row(results[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"threads": args.threads, "matmul_peak_gflops": peak / 1e9, "rows": results}
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    table = "\n".join([HEADER, *map(markdown_row, results)])
    args.out.with_suffix(".md").write_text(
        f"{args.threads} threads, fp32 matmul peak {peak / 1e9:.1f} GFLOP/s\n\n{table}\n"
    )
    print(f"\n{table}\nwritten: {args.out}.md and .json")


HEADER = (
    "| work | model | TRL s/step | alignzoo s/step | speed-up | RSS TRL MB | RSS alignzoo MB "
    "| RSS ratio | MFU TRL | MFU alignzoo |\n|---|---|---|---|---|---|---|---|---|---|"
)


def markdown_row(result: dict) -> str:
    work, trl, ours = result["work"], result["trl"], result["alignzoo"]
    return (
        f"| {work['name']} | {work['model']} | {trl['median_step_s']:.3f} "
        f"({trl['spread_s'][0]:.3f}-{trl['spread_s'][1]:.3f}) | {ours['median_step_s']:.3f} "
        f"({ours['spread_s'][0]:.3f}-{ours['spread_s'][1]:.3f}) | {result['speed_up']:.2f}x "
        f"| {trl['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | {result['rss_ratio']:.2f} "
        f"| {trl['mfu']:.1%} | {ours['mfu']:.1%} |"
    )


if __name__ == "__main__":
    main()

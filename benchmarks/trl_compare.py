"""alignzoo against TRL on the same work, side by side (``pip install -e ".[bench]"``).

Both sides train the same model files on the same rows with the same shapes and threads,
each in a fresh subprocess: DPO (full, LoRA, LoRA + 4-bit; reference log-probs on the fly
and precomputed) on the built-in task's training pairs exported as prompt/chosen/rejected
JSONL (``alignzoo model=hf data=hf`` against TRL's ``DPOTrainer``), and GRPO and RLOO
(samples per second, generation included) on its prompts with the gold lexicon as the
reward function against ``GRPOTrainer`` and ``RLOOTrainer``. TRL 1.16 ships no PPO trainer,
so PPO has no row.

Both sides train with the same settings where TRL's defaults differ from alignzoo's: no
gradient checkpointing (TRL 1.16 turns it on by default; ``--checkpointing`` turns it on for
both) and AdamW in torch's fused form (TRL's default, and alignzoo's). The "each side's
defaults" rows set only the shapes: what a user of either gets without tuning (TRL
checkpoints gradients and scores the reference every step; alignzoo precomputes the
reference and packs pairs with shared prompts); their MFU counts the useful work only (the
training passes, no reference or recomputed forward).

A row's time is the median step after ``--warmup`` steps (per repeat; the spread is the range
of the repeats' medians); peak RSS is each process's own maximum. MFU divides the model
FLOPs of a step (6 x parameters x trained tokens for full fine-tuning, 4 x for LoRA, 2 x per
no-gradient or sampled token) by the step time and the fp32 matmul peak measured here, in
this process, on the same threads. The table is printed and written as markdown and JSON.

With ``--device cuda`` the rows are a ~1B Llama-style model built here (22 layers of width
2048 over the built-in vocabulary, no download) in bfloat16 on both sides, with four times
the batch, and MFU is against the bf16 matmul peak measured on the GPU in the same run.

    python benchmarks/trl_compare.py [--rows dpo_builtin,grpo_builtin] [--steps 13]
    python benchmarks/trl_compare.py --device cuda
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

from model_sizes import SIZES, scale_config

#: the shapes of the issue's measurements: batch 8 pairs (16 completions for the RL rows),
#: rows of 64 tokens, 24 sampled tokens, fp32
BATCH, MAX_LENGTH, NEW_TOKENS, GENERATIONS, RL_PROMPTS = 8, 64, 24, 4, 4
LORA = {"r": 8, "alpha": 16, "dropout": 0.0}
LEARNING_RATE, BETA = 1e-4, 0.1
#: on a GPU the batches are this many times larger, so the GPU has some work to do
GPU_BATCH_SCALE = 4


@dataclass(frozen=True)
class Work:
    """One row: an algorithm and its options, on one of the two model sizes."""

    name: str
    algorithm: str  # dpo, grpo, rloo
    model: str  # builtin (0.45M), 20m (6 x 512) or 1b (22 x 2048, GPU rows)
    lora: bool = False
    four_bit: bool = False
    precompute: bool = True  # DPO: reference log-probs computed once before training
    packing: bool = False  # DPO: alignzoo packs its rows (TRL 1.16's padding_free is disabled)
    #: each side as its user gets it, with only the shapes set: TRL's DPO checkpoints
    #: gradients and scores the reference every step, alignzoo's precomputes it and packs
    defaults: bool = False
    #: GRPO, RLOO: the rollout engine, ``hf`` (``generate``) or ``vllm`` colocated on both sides
    engine: str = "hf"


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
    Work("DPO full, precomputed, alignzoo packed", "dpo", "builtin", packing=True),
    Work("DPO full, precomputed, alignzoo packed", "dpo", "20m", packing=True),
    Work("DPO full, each side's defaults", "dpo", "builtin", defaults=True),
    Work("DPO full, each side's defaults", "dpo", "20m", defaults=True),
]
GPU_ROWS = [
    Work("DPO full, reference on the fly", "dpo", "1b", precompute=False),
    Work("DPO full, reference precomputed", "dpo", "1b"),
    Work("DPO LoRA, reference on the fly", "dpo", "1b", lora=True, precompute=False),
    Work("DPO LoRA + 4-bit, on the fly", "dpo", "1b", True, True, precompute=False),
    Work("GRPO (64 samples/step)", "grpo", "1b"),
    Work("RLOO (64 samples/step)", "rloo", "1b"),
    Work("GRPO, vLLM colocated (64 samples/step)", "grpo", "1b", engine="vllm"),
    Work("RLOO, vLLM colocated (64 samples/step)", "rloo", "1b", engine="vllm"),
]
#: rows asked for by name only on CPU (``--rows grpo_builtin_vllm``): they need vLLM's CPU build
#: and TRL in one environment (``scripts/vllm_cpu_venv.sh``, then ``pip install trl==1.16.*``)
CPU_VLLM_ROWS = [
    Work("GRPO, vLLM colocated (16 samples/step)", "grpo", "builtin", engine="vllm"),
    Work("RLOO, vLLM colocated (16 samples/step)", "rloo", "builtin", engine="vllm"),
]


#: ``--batch-scale``: the batches' multiple, when given (else by device)
batch_scale: int | None = None


def shapes(device: str) -> tuple[int, int]:
    """(DPO pairs, RL prompts) per step on ``device``."""
    scale = batch_scale or (GPU_BATCH_SCALE if device == "cuda" else 1)
    return BATCH * scale, RL_PROMPTS * scale


def row_key(work: Work) -> str:
    return (
        f"{work.algorithm}_{work.model}"
        + "_lora" * work.lora
        + "_4bit" * work.four_bit
        + ("_pre" if work.precompute and work.algorithm == "dpo" and not work.defaults else "")
        + "_packed" * work.packing
        + "_defaults" * work.defaults
        + ("_vllm" if work.engine == "vllm" else "")
    )


# --------------------------------------------------------------------------- preparation


def prepare(workdir: Path, device: str) -> None:
    """Export the built-in task's pairs and prompts, and save the model sizes with its
    tokenizer (on a GPU the ~1B one, in bfloat16), so both sides read identical files."""
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
    for name in SIZES:
        if (name == "1b") != (device == "cuda"):
            continue
        config = scale_config(builtin.config, name)
        torch.manual_seed(0)
        with torch.device(device):  # a 1B model initialises in seconds on the GPU
            model = LlamaForCausalLM(config)
        model.to(torch.bfloat16 if device == "cuda" else torch.float32).save_pretrained(
            workdir / name
        )
        tokenizer.save_pretrained(workdir / name)
        del model


# --------------------------------------------------------------------------- the two sides


def run_alignzoo(
    work: Work, workdir: Path, steps: int, out: Path, device: str, checkpointing: bool
) -> list[float]:
    """``alignzoo model=hf data=hf ...`` in this process; its logged step times."""
    pairs, prompts = shapes(device)
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
    if device == "cuda":
        overrides += ["model.dtype=bfloat16"]
    if not work.defaults:
        overrides += [f"train.gradient_checkpointing={str(checkpointing).lower()}"]
    if work.algorithm == "dpo":
        overrides += [
            f"data.path={workdir / 'pairs.jsonl'}",
            f"train.batch_size={pairs}",
            f"algorithm.beta={BETA}",
        ]
        if not work.defaults:
            overrides += [
                f"algorithm.precompute_reference={str(work.precompute).lower()}",
                f"algorithm.packing={str(work.packing).lower()}",
            ]
    else:
        overrides += [
            f"data.path={workdir / 'prompts.jsonl'}",
            "data.kind=prompts",
            "reward=gold",
            f"train.batch_size={prompts}",
            f"algorithm.num_generations={GENERATIONS}",
            f"algorithm.rollout.max_new_tokens={NEW_TOKENS}",
            f"rollout.engine={work.engine}",
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


def run_trl(
    work: Work, workdir: Path, steps: int, out: Path, device: str, checkpointing: bool
) -> list[float]:
    """TRL's trainer for ``work`` in this process; the wall time of each step."""
    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoTokenizer, BitsAndBytesConfig, TrainerCallback

    class StepClock(TrainerCallback):
        """Time from one step's end to the next's: data, forward, backward, update."""

        def __init__(self) -> None:
            self.times: list[float] = []
            self.last = 0.0

        def on_train_begin(self, *args: object, **kwargs: object) -> None:
            self.last = time.perf_counter()

        def on_step_end(self, *args: object, **kwargs: object) -> None:
            if device == "cuda":  # the step's kernels done, as alignzoo's .item() waits too
                torch.cuda.synchronize()
            now = time.perf_counter()
            self.times.append(now - self.last)
            self.last = now

    pairs, prompts = shapes(device)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model_dir = workdir / work.model
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    # TRL loads the policy from its path, and its reference (where it builds one) with the same
    # arguments; the device is pinned, since TRL's default "auto" placed a 1B reference in CPU
    # memory on an 80 GB H100 (and so ran its forward there)
    model_kwargs: dict = {"dtype": dtype, "device_map": None if device == "cpu" else device}
    if work.four_bit:
        model_kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype
        )
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
        "use_cpu": device == "cpu",
        "dataloader_num_workers": 0,
        "seed": 0,
        "bf16": device == "cuda",
        "model_init_kwargs": model_kwargs,
    }
    if not work.defaults:
        common["gradient_checkpointing"] = checkpointing
    clock = StepClock()
    extra: dict = {}
    if work.algorithm == "dpo":
        from trl import DPOConfig as Config
        from trl import DPOTrainer as Trainer

        args = Config(
            **common,
            per_device_train_batch_size=pairs,
            max_length=MAX_LENGTH,
            beta=BETA,
            **({} if work.defaults else {"precompute_ref_log_probs": work.precompute}),
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
        if work.engine == "vllm":
            # colocated in this process, its share of the GPU as alignzoo's (both default 0.3);
            # TRL's colocation runs as rank 0 of a one-process group even without a launcher
            for name, value in {"RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "1"}.items():
                os.environ.setdefault(name, value)
            os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
            os.environ.setdefault("MASTER_PORT", "29533")
            extra_args = {
                "use_vllm": True,
                "vllm_mode": "colocate",
                "vllm_gpu_memory_utilization": 0.3,
                "vllm_max_model_length": MAX_LENGTH,
            }
        else:
            extra_args = {}
        args = Config(
            **common,
            per_device_train_batch_size=prompts * GENERATIONS,
            num_generations=GENERATIONS,
            max_completion_length=NEW_TOKENS,
            temperature=1.0,
            beta=beta,
            **extra_args,
        )
        rows, extra = "prompts.jsonl", {"reward_funcs": gold}
    trainer = Trainer(
        model=str(model_dir),
        args=args,
        train_dataset=load_dataset("json", data_files=str(workdir / rows), split="train"),
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[clock],
        **extra,
    )
    trainer.train()
    return clock.times


def worker(
    side: str,
    work: Work,
    workdir: Path,
    steps: int,
    result: Path,
    device: str,
    checkpointing: bool,
) -> None:
    """One side of one row, in its own process: step times, this process's peak RSS, its RSS
    once the libraries both sides share are imported (the floor: the issue compares the peak
    above it, and reports both), and (on a GPU) its peak allocated GPU memory."""
    import datasets  # noqa: F401  the libraries both sides load: their memory is the floor
    import peft  # noqa: F401
    import torch
    import transformers  # noqa: F401

    if work.engine == "vllm":
        import vllm  # noqa: F401

    floor_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as out:
        runner = run_alignzoo if side == "alignzoo" else run_trl
        times = runner(work, workdir, steps, Path(out) / "run", device, checkpointing)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else 0.0
    result.write_text(
        json.dumps(
            {"times": times, "peak_rss_mb": peak_mb, "floor_rss_mb": floor_mb, "gpu_mb": gpu_mb}
        )
    )


# --------------------------------------------------------------------------- measuring


def matmul_peak_flops(threads: int, device: str) -> float:
    """FLOP/s of a large square matmul, the MFU denominator: fp32 on ``threads`` CPU threads,
    or bf16 (8192 square) on the GPU."""
    import torch

    torch.set_num_threads(threads)
    size, dtype = (8192, torch.bfloat16) if device == "cuda" else (1024, torch.float32)
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(5):
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        for _ in range(10):
            a @ b
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - started) / 10)
    return 2 * size**3 / best


def step_work(work: Work, workdir: Path, device: str) -> tuple[float, float]:
    """(trained tokens, model FLOPs) of one step: 2 x parameters per token and forward, 3
    forwards' worth for full training (forward and the two backward products), 2 with LoRA
    (no weight gradients of the frozen base); tokens are the exported rows' real lengths."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(workdir / work.model))
    parameters = sum(p.numel() for p in model.parameters())
    train_passes = 2 if work.lora else 3
    pairs, prompts = shapes(device)
    if work.algorithm == "dpo":
        tokenizer = AutoTokenizer.from_pretrained(workdir / work.model)
        rows = [json.loads(line) for line in (workdir / "pairs.jsonl").read_text().splitlines()]
        lengths = [
            min(MAX_LENGTH, len(tokenizer(r["prompt"] + r[side]).input_ids))
            for r in rows[:200]
            for side in ("chosen", "rejected")
        ]
        tokens = statistics.mean(lengths) * 2 * pairs
        passes = train_passes + (0 if work.precompute else 1)
        return tokens, 2 * parameters * tokens * passes
    samples = prompts * GENERATIONS
    tokens = samples * MAX_LENGTH  # an upper bound: every row at full length
    sampled = samples * NEW_TOKENS
    return tokens, 2 * parameters * (tokens * train_passes + sampled)


def measure(work: Work, workdir: Path, args: argparse.Namespace) -> dict:
    """Each side ``repeats`` times in fresh processes; their median steps and peak RSS."""
    sides = {}
    threads = str(args.threads)
    env = os.environ | {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    for side in ("trl", "alignzoo"):
        medians, peaks, floors, gpu = [], [], [], []
        for _ in range(args.repeats):
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
                    str(args.steps),
                    "--result",
                    result.name,
                    "--device",
                    args.device,
                    *(["--checkpointing"] if args.checkpointing else []),
                    *(["--batch-scale", str(args.batch_scale)] if args.batch_scale else []),
                ]
                done = subprocess.run(command, env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"{side} on {work.name}: {done.stderr[-2000:]}")
                figures = json.loads(Path(result.name).read_text())
            measured = figures["times"][args.warmup :]
            medians.append(statistics.median(measured))
            peaks.append(figures["peak_rss_mb"])
            floors.append(figures["floor_rss_mb"])
            gpu.append(figures["gpu_mb"])
        sides[side] = {
            "median_step_s": statistics.median(medians),
            "spread_s": [min(medians), max(medians)],
            "peak_rss_mb": statistics.median(peaks),
            "rss_above_floor_mb": statistics.median(
                p - f for p, f in zip(peaks, floors, strict=True)
            ),
            "peak_gpu_mb": statistics.median(gpu),
        }
    return sides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="all", help="comma-separated row keys, or all")
    parser.add_argument("--steps", type=int, default=13, help="steps per run (warm-up included)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument(
        "--checkpointing", action="store_true", help="gradient checkpointing on both sides"
    )
    parser.add_argument(
        "--batch-scale", type=int, help="batches this many times the default (CPU 1, GPU 4)"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/trl_compare"))
    parser.add_argument("--worker", choices=["trl", "alignzoo"], help=argparse.SUPPRESS)
    parser.add_argument("--row", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    global batch_scale
    batch_scale = args.batch_scale
    rows = GPU_ROWS if args.device == "cuda" else ROWS
    by_key = {row_key(w): w for w in rows + CPU_VLLM_ROWS}
    if args.worker:
        worker(
            args.worker,
            by_key[args.row],
            args.workdir,
            args.steps,
            args.result,
            args.device,
            args.checkpointing,
        )
        return
    chosen = rows if args.rows == "all" else [by_key[k] for k in args.rows.split(",")]
    peak = matmul_peak_flops(args.threads, args.device)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        prepare(workdir, args.device)
        for work in chosen:
            sides = measure(work, workdir, args)
            tokens, flops = step_work(work, workdir, args.device)
            samples = samples_per_step(work, args.device)
            for side in sides.values():
                side["tokens_per_s"] = tokens / side["median_step_s"]
                side["samples_per_s"] = samples / side["median_step_s"]
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
                    "rss_above_floor_ratio": ours["rss_above_floor_mb"]
                    / max(trl["rss_above_floor_mb"], 1.0),
                }
            )
            print(markdown_row(results[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "device": args.device,
        "threads": args.threads,
        "gradient_checkpointing": args.checkpointing,
        "matmul_peak_gflops": peak / 1e9,
        "rows": results,
    }
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    table = "\n".join([HEADER, *map(markdown_row, results)])
    engines = engine_speed_ups(results)
    if engines:
        table += "\n\n" + "\n".join(engines)
    precision = "bf16" if args.device == "cuda" else "fp32"
    args.out.with_suffix(".md").write_text(
        f"{args.device}, {args.threads} threads, {precision} matmul peak "
        f"{peak / 1e9:.1f} GFLOP/s\n\n{table}\n"
    )
    print(f"\n{table}\nwritten: {args.out}.md and .json")


def samples_per_step(work: Work, device: str) -> int:
    """Completions trained on per step: pairs x 2 for DPO, prompts x generations else."""
    pairs, prompts = shapes(device)
    return 2 * pairs if work.algorithm == "dpo" else prompts * GENERATIONS


def engine_speed_ups(results: list[dict]) -> list[str]:
    """For each vLLM row whose ``generate`` twin was measured too: alignzoo's samples per
    second with vLLM against with ``generate`` (the issue's 3x) and against TRL's with vLLM
    (its 1.5x)."""
    by_row = {result["row"]: result for result in results}
    lines = []
    for result in results:
        if not result["row"].endswith("_vllm"):
            continue
        vllm_side = result["alignzoo"]["samples_per_s"]
        line = (
            f"- {result['work']['name']} ({result['work']['model']}): alignzoo "
            f"{vllm_side:.1f} samples/s, {result['speed_up']:.2f}x TRL's "
            f"{result['trl']['samples_per_s']:.1f}"
        )
        twin = by_row.get(result["row"].removesuffix("_vllm"))
        if twin is not None:
            generate = twin["alignzoo"]["samples_per_s"]
            line += f"; {vllm_side / generate:.2f}x alignzoo with generate ({generate:.1f})"
        lines.append(line)
    return lines


HEADER = (
    "| work | model | TRL s/step | alignzoo s/step | speed-up | tokens/s TRL | tokens/s alignzoo "
    "| RSS TRL MB | RSS alignzoo MB | RSS ratio | above floor TRL MB | above floor alignzoo MB "
    "| above-floor ratio | GPU MB TRL | GPU MB alignzoo | MFU TRL | MFU alignzoo |\n"
    + "|---" * 17
    + "|"
)


def markdown_row(result: dict) -> str:
    work, trl, ours = result["work"], result["trl"], result["alignzoo"]
    return (
        f"| {work['name']} | {work['model']} | {trl['median_step_s']:.3f} "
        f"({trl['spread_s'][0]:.3f}-{trl['spread_s'][1]:.3f}) | {ours['median_step_s']:.3f} "
        f"({ours['spread_s'][0]:.3f}-{ours['spread_s'][1]:.3f}) | {result['speed_up']:.2f}x "
        f"| {trl['tokens_per_s']:.0f} | {ours['tokens_per_s']:.0f} "
        f"| {trl['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | {result['rss_ratio']:.2f} "
        f"| {trl['rss_above_floor_mb']:.0f} | {ours['rss_above_floor_mb']:.0f} "
        f"| {result['rss_above_floor_ratio']:.2f} "
        f"| {trl['peak_gpu_mb']:.0f} | {ours['peak_gpu_mb']:.0f} "
        f"| {trl['mfu']:.1%} | {ours['mfu']:.1%} |"
    )


if __name__ == "__main__":
    main()

"""Start-up: how long the commands take to answer, and the first training step to arrive.

Each command runs in a fresh process (median of ``--repeats``); the first step is the time
from process start until ``metrics.jsonl`` holds step 1 of a default DPO run on the
built-in task (its base model and pairs cached beforehand, so building them is not counted).

    python benchmarks/startup.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS = {
    "alignzoo --help": [str(BIN / "alignzoo"), "--help"],
    "alignzoo plugins": [str(BIN / "alignzoo"), "plugins"],
    "alignzoo-plan algorithm=dpo": [str(BIN / "alignzoo-plan"), "algorithm=dpo"],
    "python -c 'import torch' (for scale)": [sys.executable, "-c", "import torch"],
}
TARGETS = {
    "alignzoo --help": 1.5,
    "alignzoo plugins": 2.0,
    "alignzoo-plan algorithm=dpo": 1.5,
    "first DPO step": 10.0,
}


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def first_step_seconds(run_dir: Path) -> float:
    """From process start until step 1's row is in metrics.jsonl (then the run is stopped)."""
    command = [str(BIN / "alignzoo"), "train.steps=20", f"hydra.run.dir={run_dir}"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = run_dir / "metrics.jsonl"
    try:
        while process.poll() is None:
            rows = map(json.loads, metrics.read_text().splitlines()) if metrics.is_file() else []
            if any(row.get("step") == 1 and "loss" in row for row in rows):
                return time.perf_counter() - started
            time.sleep(0.02)
        raise RuntimeError(f"the run ended (exit {process.returncode}) before its first step")
    finally:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        warm = Path(scratch) / "warm"  # builds (or finds) the cached base model and pairs
        subprocess.run(
            [str(BIN / "alignzoo"), "train.steps=1", "eval.num_prompts=8", f"hydra.run.dir={warm}"],
            check=True,
            capture_output=True,
        )
        figures = {
            name: [seconds(command) for _ in range(args.repeats)]
            for name, command in COMMANDS.items()
        }
        figures["first DPO step"] = [
            first_step_seconds(Path(scratch) / f"run{i}") for i in range(args.repeats)
        ]
    print(f"| command | median s | min-max s | target s |  ({os.cpu_count()} cores)")
    print("|---|---|---|---|")
    for name, values in figures.items():
        target = TARGETS.get(name)
        print(
            f"| {name} | {statistics.median(values):.2f} | {min(values):.2f}-{max(values):.2f} "
            f"| {'' if target is None else f'< {target:g}'} |"
        )


if __name__ == "__main__":
    main()

"""Does a refactor change what runs compute? One short run of each algorithm, here and at a
baseline revision, side by side: every final evaluation figure and the last step's metrics.

    python benchmarks/same_figures.py --baseline <rev> [--steps 8] [--only ppo,grpo]

The baseline is checked out into a temporary git worktree and run from there (its own
``alignzoo`` with its ``conf/``, and plugins), one run after the other, never two at once. Time and
throughput figures (``perf/*``) are left out of the comparison: they differ run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: one run of each algorithm, on the built-in task
RUNS = {
    "dpo": [],
    "ipo": ["algorithm=ipo"],
    "simpo": ["algorithm=simpo"],
    "kto": ["algorithm=kto"],
    "sft": ["algorithm=sft"],
    "reward_model": ["algorithm=reward_model"],
    "rlaif": ["algorithm=rlaif"],
    "ppo": ["algorithm=ppo", "reward=gold"],
    "grpo": ["algorithm=grpo", "reward=gold"],
    "rloo": ["algorithm=rloo", "reward=gold"],
    "reinforce_pp": ["algorithm=reinforce_pp", "reward=gold"],
    "online_dpo": ["algorithm=online_dpo", "reward=gold"],
    "online_dpo_judge": ["algorithm=online_dpo", "reward=judge"],
    "best_of_n": ["algorithm=best_of_n", "reward=gold", "algorithm.n=4"],
    "rejection_sampling": ["algorithm=rejection_sampling", "reward=gold"],
}


def run(checkout: Path, overrides: list[str], folder: Path) -> dict:
    """One run from ``checkout``'s code and configs; its figures, or why it failed.

    The installed ``alignzoo.conf`` stays the primary config (the plugins' config folders
    join only alignzoo's own compositions); a baseline's ``conf/`` is searched after it, for
    the presets that lived there then.
    """
    env = dict(os.environ, PYTHONPATH=f"{checkout}{os.pathsep}{checkout / 'plugins'}")
    conf = next(c for c in (checkout / "alignzoo" / "conf", checkout / "conf") if c.is_dir())
    searched = [] if checkout == ROOT else [f"hydra.searchpath=[file://{conf}]"]
    argv = [
        sys.executable,
        "-m",
        "alignzoo",
        *overrides,
        *searched,
        f"hydra.run.dir={folder}",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=folder.parent)
    summary = folder / "summary.json"
    if done.returncode != 0 or not summary.is_file():
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:160]}
    figures = json.loads(summary.read_text())
    final = {f"final {k}": v for k, v in figures["final"].items()}
    last = {f"step {k}": v for k, v in figures["train"].items() if not k.startswith("perf/")}
    return final | last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="a git revision to compare with")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--only", default="", help="comma-separated names of RUNS")
    args = parser.parse_args()
    chosen = [name for name in RUNS if not args.only or name in args.only.split(",")]
    short = [f"train.steps={args.steps}", f"eval.every={args.steps // 2}", "eval.num_prompts=64"]
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch) / "baseline"
        subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "worktree",
                "add",
                "-q",
                "--detach",
                str(baseline),
                args.baseline,
            ],
            check=True,
        )
        try:
            rows = []
            for name in chosen:
                overrides = [*RUNS[name], *short]
                before = run(baseline, overrides, Path(scratch) / f"{name}-baseline")
                after = run(ROOT, overrides, Path(scratch) / f"{name}-here")
                differing = sorted(
                    k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
                )
                rows.append((name, before, after, differing))
                print(
                    f"{name}: {'same' if not differing else differing}", file=sys.stderr, flush=True
                )
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)])
    print(f"| run | figures compared | baseline {args.baseline} vs. working tree |")
    print("|---|---|---|")
    for name, before, after, differing in rows:
        verdict = (
            "identical"
            if not differing
            else "differs: "
            + ", ".join(f"{k} {before.get(k)} -> {after.get(k)}" for k in differing[:4])
        )
        print(f"| {name} | {len(after)} | {verdict} |")


if __name__ == "__main__":
    main()

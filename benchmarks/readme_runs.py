"""Every README command that trains, run at its defaults: does it beat its reference?

Reads the commands from the README's "A tour of overrides" block (so the list cannot drift
from what users are shown), keeps those that train on the built-in task in one process, runs
each one after the other (never two torch jobs at once) and prints gold, the reference's gold,
KL, completion length, wall time and whether it learned (gold at least 0.1 above the
reference, and no guard fired; a reward model's held-out preference accuracy stands in for
gold). ``--adapter qlora`` adds ``peft=lora quant=4bit`` to each.

    python benchmarks/readme_runs.py [--adapter full|qlora] [--page docs/getting-started.md]
        [--only ppo,grpo] [--list]

Left out, with the reason printed by ``--list``: commands that need a hub model, a data file
or an earlier run's folder, sweeps (``-m``), pipelines and commands that do not train.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: a command that needs one of these cannot run on the built-in task alone
NEEDS_MORE = {
    "model=hf": "a hub model",
    "data=hf": "a data file or hub data set",
    "reward.path=": "an earlier run's reward model",
    "+pipeline=": "a pipeline (three runs)",
}
#: gold above the reference by at least this much counts as learning
LEARNED = 0.1


def readme_commands(page: str = "README.md") -> list[str]:
    """The ``alignzoo ...`` lines of a page's tour (the README's, or the full one in
    docs/getting-started.md), without their comments."""
    text = (ROOT / page).read_text(encoding="utf-8")
    tour = text.split("## A tour of overrides", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = []
    for line in tour.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line == "alignzoo" or line.startswith("alignzoo "):
            commands.append(line)
    return commands


def why_left_out(command: str) -> str | None:
    """None when the command trains on the built-in task in one run, else the reason."""
    words = shlex.split(command)[1:]
    if words[:1] == ["-m"]:
        return "a sweep"
    if words[:1] == ["plugins"]:
        return "lists plugins"
    if any(w.startswith("algorithm=best_of_n") for w in words):
        return "evaluates, trains nothing"
    for marker, reason in NEEDS_MORE.items():
        if any(w.startswith(marker) for w in words):
            return f"needs {reason}"
    return None


def run(command: str, adapter: str, folder: Path) -> dict:
    """Run one command into ``folder``; its summary figures (or why it failed)."""
    words = shlex.split(command)[1:]
    if adapter == "qlora" and not any(w.startswith("peft=") for w in words):
        words += ["peft=lora", "quant=4bit"]
    argv = [sys.executable, "-m", "alignzoo", *words, f"hydra.run.dir={folder}"]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=folder.parent)
    seconds = time.perf_counter() - started
    summary_file = folder / "summary.json"
    if done.returncode != 0 or not summary_file.is_file():
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": last[:120], "seconds": seconds}
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    final, initial = summary["final"], summary["initial"]
    # a reward model has no policy to score: its held-out preference accuracy, against 0.5
    metric = "eval/gold_reward" if "eval/gold_reward" in final else "eval/preference_accuracy"
    gold, reference = final.get(metric), initial.get(metric)
    guards = [g["guard"] for g in summary.get("guards") or []]
    learned = gold is not None and reference is not None and gold - reference >= LEARNED
    return {
        "gold": gold,
        "reference": reference,
        "kl": final.get("eval/kl"),
        "tokens": final.get("eval/completion_tokens"),
        "guards": guards,
        "learned": learned and not guards,
        "seconds": seconds,
    }


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", choices=["full", "qlora"], default="full")
    parser.add_argument("--only", default="", help="comma-separated words a command must hold")
    parser.add_argument("--list", action="store_true", help="list the commands and exit")
    parser.add_argument(
        "--page", default="README.md", help="whose tour: README.md or docs/getting-started.md"
    )
    args = parser.parse_args()
    chosen = [w for w in args.only.split(",") if w]
    rows = []
    for command in readme_commands(args.page):
        reason = why_left_out(command)
        if args.list:
            print(f"{'run ' if reason is None else 'skip'}  {command}  {reason or ''}")
            continue
        if reason is not None or (chosen and not any(w in command for w in chosen)):
            continue
        with tempfile.TemporaryDirectory() as scratch:
            figures = run(command, args.adapter, Path(scratch) / "run")
        rows.append((command, figures))
        print(f"{command}: {figures}", file=sys.stderr, flush=True)
    if args.list:
        return
    print(f"\n| command ({args.adapter}) | gold | reference | KL | tokens | s | learned |")
    print("|---|---|---|---|---|---|---|")
    for command, f in rows:
        if "error" in f:
            print(f"| `{command}` | failed: {f['error']} | | | | {f['seconds']:.0f} | no |")
            continue
        verdict = (
            "yes" if f["learned"] else ("no: " + ", ".join(f["guards"]) if f["guards"] else "no")
        )
        print(
            f"| `{command}` | {number(f['gold'])} | {number(f['reference'])} | "
            f"{number(f['kl'])} | {number(f['tokens'])} | {f['seconds']:.0f} | {verdict} |"
        )


if __name__ == "__main__":
    main()

"""``alignzoo-leaderboard``: the zoo's leaderboard, every algorithm tuned on an equal budget.

For each gold objective: the search (``alignzoo -m +experiment=<preset>``: every algorithm's
trials, scored on validation prompts), then each algorithm's chosen setting rerun with
``--seeds`` seeds on the held-out prompts, then one Markdown page (``docs/results.md``) with
the command, its run time, each algorithm's setting and sensitivity, its held-out gold at each
KL budget (mean ± std over seeds) and the leader at each budget, ties marked.

Every run is an ordinary ``alignzoo`` process, one after the other (never two torch jobs at
once). A run or search already finished in ``--work`` is read back, not run again, so an
interrupted leaderboard continues where it stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alignzoo.compare.leaders import KL_BUDGETS, BudgetRanking, rank_at_budgets
from alignzoo.compare.report import REASONING_COLUMNS, column_stat, stat_cell, write_report
from alignzoo.compare.runs import SUMMARY, RunRecord, find_runs
from alignzoo.compare.tuning import TUNED, setting_words

#: the built-in task's two gold objectives: the lexicon, and the harder one (fluency too)
GOLDS = ("sentiment", "sentiment_fluency")
#: each method's figures beside its ranking (final evaluation, then the run's own), and the
#: reference's gold
FIGURES = ("eval/gold_reward", "eval/kl", "wall_time_s", "tokens_per_s")
REFERENCE = "eval/reference_gold_reward"


@dataclass(frozen=True)
class Preset:
    """A search (``+experiment=<name>``) and the gold objectives it is run for."""

    description: str
    #: ``data.gold`` values, one search each; empty: the task's own gold, searched once
    golds: tuple[str, ...] = GOLDS
    #: the config group whose ``glob(*)`` the search sweeps (``--algorithms`` narrows it)
    group: str = "tune"


PRESETS = {
    "tune": Preset(
        "9 trials per algorithm (learning rate x0.3, x1, x3 by three strengths), 300 steps"
    ),
    "tune_quick": Preset(
        "4 trials per algorithm (learning rate x1, x3 by the lowest and highest strength), "
        "150 steps"
    ),
    "rlvr_tune": Preset(
        "the online family on the built-in reasoning task (data=arithmetic, the exact check "
        "as gold): 3 trials per algorithm (learning rate x1, x3, x10), 400 steps of 128 "
        "completions, no KL cap on the score",
        golds=(),
        group="rlvr",
    ),
}


def main(argv: Sequence[str] | None = None) -> None:
    """Search, rerun the choices, write the page."""
    parser = argparse.ArgumentParser(prog="alignzoo-leaderboard", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tune")
    parser.add_argument(
        "--golds", help="data.gold values (default: the preset's; sentiment ones for tune)"
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds each choice is rerun with")
    parser.add_argument(
        "--algorithms",
        help="only these (comma-separated; default: every conf/tune/<name>.yaml, or "
        "conf/rlvr/ for rlvr_tune)",
    )
    parser.add_argument("--work", type=Path, default=Path("outputs/leaderboard"))
    parser.add_argument("--out", type=Path, default=Path("docs/results.md"))
    parser.add_argument("overrides", nargs="*", help="alignzoo overrides for every run")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sections = []
    golds = args.golds.split(",") if args.golds else list(PRESETS[args.preset].golds)
    for gold in golds or [None]:
        folder = args.work / args.preset / (gold or "task")
        group = PRESETS[args.preset].group
        chosen = [f"+{group}={args.algorithms}"] if args.algorithms else []
        overrides = [*chosen, *args.overrides]
        search = run_search(args.preset, gold, overrides, folder / "search")
        finals = rerun_choices(search, args.seeds, folder / "final")
        runs = find_runs([folder / "final"]) if finals else []
        if runs:
            write_report(runs, folder / "final")  # the full report, plots included
        sections.append(gold_section(gold, search, runs, folder))
    command = "alignzoo-leaderboard " + " ".join(argv if argv is not None else sys.argv[1:])
    page = results_page(command.strip(), args, time.perf_counter() - started, sections)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    print(f"leaderboard -> {args.out}")


def run_search(
    preset: str, gold: str | None, overrides: list[str], sweep_dir: Path
) -> dict[str, Any]:
    """The search's ``tuned.json`` (running the sweep unless it has finished already);
    ``gold`` None: the task's own."""
    tuned = sweep_dir / TUNED
    if not tuned.is_file():
        golds = [f"data.gold={gold}"] if gold else []
        argv = ["-m", f"+experiment={preset}", *golds, *overrides]
        _alignzoo([*argv, f"hydra.sweep.dir={sweep_dir}"])
    if not tuned.is_file():
        sys.exit(f"alignzoo-leaderboard: the search in {sweep_dir} chose nothing (its report.md)")
    return dict(json.loads(tuned.read_text(encoding="utf-8")))


def rerun_choices(search: dict[str, Any], seeds: int, out_dir: Path) -> list[Path]:
    """Each method's chosen setting on the held-out prompts, once per seed."""
    folders = []
    for method, found in sorted(search["methods"].items()):
        if not found["rerun"]:
            continue
        for seed in range(seeds):
            folder = out_dir / _folder_name(method) / f"seed_{seed}"
            if not (folder / SUMMARY).is_file():
                _alignzoo([*found["rerun"], f"seed={seed}", f"hydra.run.dir={folder}"])
            folders.append(folder)
    return folders


def gold_section(
    gold: str | None, search: dict[str, Any], runs: list[RunRecord], folder: Path
) -> str:
    """One gold's leaderboard: a row per method, then the leader at each KL budget; where the
    gold checks answers, greedy accuracy and pass@k lead the final figures."""
    rankings = rank_at_budgets(runs)
    by_budget = {r.budget: {s.method: s for s in r.scores} for r in rankings}
    methods = search["methods"]
    order = sorted(methods, key=lambda m: _sort_key(by_budget.get(KL_BUDGETS[1], {}).get(m)))
    reasoning = [(key, title) for key, title in REASONING_COLUMNS if column_stat(runs, key)]
    figures = (*(key for key, _ in reasoning), *FIGURES)
    headers = [f"final {title}" for _, title in reasoning]
    lines = [
        f"## Gold: `{gold}`" if gold else "## Gold: the task's own check",
        "",
        f"Search and reruns: `{folder}` (each with its report.md).",
        "",
        "| algorithm | chosen setting | validation score | sensitivity | "
        + " | ".join(f"gold at KL <= {b:g}" for b in KL_BUDGETS)
        + "".join(f" | {h}" for h in headers)
        + " | final gold | final KL | wall time (s) | tokens/s |",
        "|---|---|---|---|" + "---|" * (len(KL_BUDGETS) + len(headers)) + "---|---|---|---|",
    ]
    for method in order:
        found = methods[method]
        mine = [r for r in runs if r.method == method]
        chosen = " ".join(f"`{w}`" for w in setting_words(found["chosen"] or {}).split()) or "-"
        spread = found["sensitivity"]
        cells = [
            method,
            chosen,
            _number(found["score"]),
            f"{spread['std']:.3f} ({spread['low']:.3f} - {spread['high']:.3f})" if spread else "-",
            *(_budget_cell(by_budget.get(b, {}).get(method)) for b in KL_BUDGETS),
            *(stat_cell(column_stat(mine, key), key) for key in figures),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    reference = stat_cell(column_stat(runs, REFERENCE), REFERENCE)
    lines += ["", f"The reference (the base model, untrained) scores gold {reference}.", ""]
    lines += ["Leader at each KL budget (a lead within either leader's spread is a tie):", ""]
    lines += [f"- KL <= {r.budget:g}: {_leader_words(r)}" for r in rankings]
    return "\n".join(lines)


def results_page(
    command: str, args: argparse.Namespace, seconds: float, sections: list[str]
) -> str:
    """The whole page: how it was made and how long it took, then one section per gold."""
    cores = os.cpu_count()
    preset = PRESETS[args.preset].description
    head = [
        "# Results: every algorithm, tuned on an equal budget",
        "",
        "Regenerate this page with:",
        "",
        "```bash",
        command,
        "```",
        "",
        f"It took {seconds / 60:.0f} min on {cores} CPU cores ({platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}). Preset `{args.preset}`: {preset}; "
        f"each algorithm's chosen setting then rerun with {args.seeds} seeds on the held-out "
        "prompts. How the search is scored and what each column means: docs/tuning.md.",
        "",
    ]
    return "\n".join(head) + "\n" + "\n\n".join(sections) + "\n"


def _alignzoo(words: list[str]) -> None:
    """One ``alignzoo`` process; its output goes to the terminal as it runs."""
    subprocess.run([sys.executable, "-m", "alignzoo", *words], check=False)


def _folder_name(method: str) -> str:
    return method.replace("[", "_").replace("]", "")


def _sort_key(score: Any) -> tuple[bool, float]:
    return (score is None, -(score.mean if score is not None else 0.0))


def _budget_cell(score: Any) -> str:
    if score is None:
        return "-"
    return f"{score.mean:.3f} ± {score.std:.3f}"


def _leader_words(ranking: BudgetRanking) -> str:
    leader = ranking.leader
    if leader is None:
        return "no method stayed within it"
    if ranking.clear:
        return f"**{leader.method}** ({leader.mean:.3f} ± {leader.std:.3f})"
    runner_up = ranking.scores[1]
    return (
        f"**{leader.method}** ({leader.mean:.3f} ± {leader.std:.3f}), tied with "
        f"{runner_up.method} ({runner_up.mean:.3f} ± {runner_up.std:.3f})"
    )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"

"""The comparison report: one row per configuration, mean and spread over its seeds.

Written as ``report.md`` (with the plots), ``report.json`` and ``report.csv`` into one folder.
Runs that failed or were cut short are listed as such, never dropped silently.
"""

from __future__ import annotations

import csv
import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from alignzoo.compare.leaders import BudgetRanking, leaders_markdown, rank_at_budgets
from alignzoo.compare.overoptimization import overoptimization_curves, overoptimization_markdown
from alignzoo.compare.plots import write_plots
from alignzoo.compare.runs import RunRecord, config_value
from alignzoo.compare.tuning import TUNED, chosen_labels, tuned_json, tuned_methods, tuning_markdown

#: (key in the summary, column title); eval/* keys are read from the final evaluation
COLUMNS = [
    ("eval/gold_reward", "gold reward"),
    ("eval/kl", "KL to ref."),
    ("eval/win_rate", "win rate"),
    ("eval/preference_accuracy", "pref. accuracy"),
    ("eval/proxy_reward", "proxy reward"),
    ("optimizer_steps", "optimizer steps"),
    ("wall_time_s", "wall time (s)"),
    ("tokens_per_s", "tokens/s"),
    ("peak_memory_mb", "peak memory (MB)"),
]
#: a reasoning task's (a gold reward that checks answers): shown after the gold, whose mean
#: over sampled completions is then the sampled accuracy
REASONING_COLUMNS = [
    ("eval/accuracy", "accuracy (greedy)"),
    ("eval/pass@8", "pass@8"),
    ("eval/format_rate", "format rate"),
]


def shown_columns(rows: list[ReportRow]) -> list[tuple[str, str]]:
    """``COLUMNS``, with the reasoning ones after the gold where any run reports them."""
    present = [(k, t) for k, t in REASONING_COLUMNS if any(k in row.stats for row in rows)]
    if not present:
        return COLUMNS
    gold = [("eval/gold_reward", "gold (sampled accuracy)")]
    return gold + present + COLUMNS[1:]


#: what must match across runs for the comparison to be fair
FAIRNESS_KEYS = [
    ("data", "data (prompts and pairs)"),
    ("eval", "evaluation (prompts, samples, schedule)"),
    ("train.steps", "training steps, each on one batch (train.steps)"),
    ("train.batch_size", "batch size"),
    ("model.name_or_path", "base model"),
]


@dataclass
class ReportRow:
    """One configuration: its runs and each column's mean, spread and count."""

    label: str
    algorithm: str
    runs: list[RunRecord]
    stats: dict[str, tuple[float, float, int]]

    @property
    def finished(self) -> int:
        """Runs of this configuration that finished."""
        return sum(r.status == "finished" for r in self.runs)


def build_rows(runs: list[RunRecord]) -> list[ReportRow]:
    """Group runs by configuration and average each column over the finished seeds."""
    groups: dict[str, list[RunRecord]] = {}
    for run in sorted(runs, key=lambda r: (r.label, r.seed)):
        groups.setdefault(run.label, []).append(run)
    rows = []
    for label, members in groups.items():
        stats = {
            key: stat
            for key, _ in COLUMNS + REASONING_COLUMNS
            if (stat := column_stat(members, key))
        }
        rows.append(ReportRow(label, members[0].algorithm, members, stats))
    return rows


def fairness(runs: list[RunRecord]) -> dict[str, list[str]]:
    """For each fairness key, the distinct values the finished runs used."""
    configs = [r.summary.get("config", {}) for r in runs if r.summary]
    found: dict[str, list[str]] = {}
    for key, _ in FAIRNESS_KEYS:
        values = {json.dumps(config_value(c, key), sort_keys=True, default=str) for c in configs}
        found[key] = sorted(values)
    return found


def write_report(runs: list[RunRecord], out_dir: Path) -> Path:
    """Write report.md, report.json, report.csv and the plots; return the Markdown path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = build_rows(runs)
    fair = fairness(runs)
    rankings = rank_at_budgets(runs)
    curves = overoptimization_curves(runs)
    plots = write_plots(runs, curves, out_dir)
    summary = _as_json(rows, fair, rankings, runs)
    (out_dir / "report.json").write_text(json.dumps(summary, indent=2))
    _write_csv(rows, out_dir / "report.csv")
    # a search (runs scored on validation prompts): each method's choice, and how to rerun it
    searched = tuned_methods(runs)
    if searched:
        (out_dir / TUNED).write_text(json.dumps(tuned_json(searched), indent=2))
    path = out_dir / "report.md"
    sections = [
        tuning_markdown(searched),
        leaders_markdown(rankings),
        overoptimization_markdown(curves),
    ]
    path.write_text(_markdown(rows, fair, runs, sections, plots, chosen_labels(searched)))
    return path


def column_stat(runs: list[RunRecord], key: str) -> tuple[float, float, int] | None:
    """Mean, standard deviation and count of ``key`` over the finished ``runs`` (an
    ``eval/*`` key from their final evaluation); None when none has it."""
    values = [v for r in runs if (v := _final(r, key)) is not None]
    if not values:
        return None
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), spread, len(values)


def _final(run: RunRecord, key: str) -> float | None:
    if run.summary is None:
        return None
    value = run.summary.get("final", {}).get(key) if key.startswith("eval/") else None
    if value is None:
        value = run.summary.get(key)
    return float(value) if isinstance(value, int | float) else None


def _as_json(
    rows: list[ReportRow],
    fair: dict[str, list[str]],
    rankings: list[BudgetRanking],
    runs: list[RunRecord],
) -> dict[str, Any]:
    return {
        "configurations": [
            {
                "label": row.label,
                "algorithm": row.algorithm,
                "runs": len(row.runs),
                "finished": row.finished,
                "metrics": {
                    key: {"mean": mean, "std": std, "n": n}
                    for key, (mean, std, n) in row.stats.items()
                },
            }
            for row in rows
        ],
        "fairness": {key: [json.loads(v) for v in values] for key, values in fair.items()},
        "leaders": [
            {
                "kl_budget": ranking.budget,
                "leader": ranking.leader.method if ranking.leader else None,
                "clear": ranking.clear,
                "scores": [asdict(score) for score in ranking.scores],
            }
            for ranking in rankings
        ],
        "runs": [
            {
                "directory": str(r.directory),
                "label": r.label,
                "seed": r.seed,
                "status": r.status,
                "error": r.error,
                "last_evaluation_step": r.evaluations[-1]["step"] if r.evaluations else None,
                "guards": r.guards,
                "stopped": (r.summary or {}).get("stopped"),
            }
            for r in runs
        ],
    }


def _write_csv(rows: list[ReportRow], path: Path) -> None:
    header = ["configuration", "algorithm", "runs", "finished"]
    columns = shown_columns(rows)
    for key, _ in columns:
        header += [f"{key} mean", f"{key} std"]
    header.append("guards")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            line: list[Any] = [row.label, row.algorithm, len(row.runs), row.finished]
            for key, _ in columns:
                mean, std, _n = row.stats.get(key, (None, None, 0))
                line += [mean, std]
            line.append(_guards_cell(row, separator="; "))
            writer.writerow(line)


def _markdown(
    rows: list[ReportRow],
    fair: dict[str, list[str]],
    runs: list[RunRecord],
    sections: list[list[str]],
    plots: dict[str, str],
    chosen: set[str] | frozenset[str] = frozenset(),
) -> str:
    lines = ["# Comparison report", ""]
    finished = sum(r.status == "finished" for r in runs)
    lines.append(
        f"{len(runs)} runs in {len(rows)} configurations, {finished} finished. "
        "Each cell is the mean ± standard deviation over a configuration's finished seeds "
        "(the final held-out evaluation)."
    )
    lines += ["", "## Fair comparison", ""]
    for key, title in FAIRNESS_KEYS:
        values = fair.get(key, [])
        if len(values) <= 1:
            lines.append(f"- same for every run: {title} = `{values[0] if values else 'n/a'}`")
        else:
            lines.append(f"- **differs**: {title}: " + ", ".join(f"`{v}`" for v in values))
    lines += ["", "## Results", ""]
    # a degeneration guard that fired flags its row (a column only when one did)
    guarded = any(r.guards for r in runs)
    columns = shown_columns(rows)
    titles = [title for _, title in columns] + (["guards"] if guarded else [])
    lines.append("| configuration | runs | " + " | ".join(titles) + " |")
    lines.append("|---|---|" + "---|" * len(titles))
    for row in rows:
        cells = [stat_cell(row.stats.get(key), key) for key, _ in columns]
        if guarded:
            cells.append(_guards_cell(row) or "-")
        runs_cell = f"{row.finished}/{len(row.runs)}"
        name = f"`{row.label}`" + (" ⚠" if _guards_cell(row) else "")
        name += " **(tuned: chosen)**" if row.label in chosen else ""
        lines.append(f"| {name} | {runs_cell} | " + " | ".join(cells) + " |")
    if guarded:
        lines += ["", "## Degeneration guards that fired", ""]
        for r in runs:
            for g in r.guards:
                lines.append(
                    f"- `{r.label}` seed {r.seed}: **{g.get('guard')}** at step {g.get('step')}"
                    f" ({g.get('metric')} = {g.get('value'):.4g}, threshold "
                    f"{g.get('threshold'):g}, {g.get('action')}); `{r.directory}`"
                )
    unfinished = [r for r in runs if r.status != "finished"]
    if unfinished:
        lines += ["", "## Runs that did not finish", ""]
        for r in unfinished:
            last = r.evaluations[-1]["step"] if r.evaluations else "none"
            reason = f": {r.error}" if r.error else ""
            lines.append(
                f"- `{r.label}` seed {r.seed}: **{r.status}** (last evaluation at step "
                f"{last}){reason}; `{r.directory}`"
            )
    for section in sections:  # the leader table, over-optimisation: each only with data
        if section:
            lines += ["", *section]
    if plots:
        lines += ["", "## Plots", ""]
        for caption, name in plots.items():
            lines += [f"**{caption}**", "", f"![{caption}]({name})", ""]
    return "\n".join(lines) + "\n"


def _guards_cell(row: ReportRow, separator: str = "; ") -> str:
    """The guards that fired in a configuration's runs, each run's named by its seed."""
    several = len(row.runs) > 1
    return separator.join(
        (f"seed {r.seed}: " if several else "") + r.guard_words() for r in row.runs if r.guards
    )


def stat_cell(stat: tuple[float, float, int] | None, key: str) -> str:
    if stat is None:
        return "-"
    mean, std, n = stat
    digits = 3 if key.startswith("eval/") else 0
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if n > 1 else f"{mean:.{digits}f}"

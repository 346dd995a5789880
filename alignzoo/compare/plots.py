"""The report's figures: the gold-reward-versus-KL frontier, learning curves and, for runs
against a learned reward model, over-optimisation (gold and proxy against sqrt(KL)), as PNGs."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt

from alignzoo.compare.overoptimization import OveroptimizationCurve
from alignzoo.compare.runs import RunRecord, has_metrics

FRONTIER = "frontier.png"
CURVES = "learning_curves.png"
KL = "kl.png"
OVEROPTIMIZATION = "overoptimization.png"


def write_plots(
    runs: list[RunRecord], curves: list[OveroptimizationCurve], out_dir: Path
) -> dict[str, str]:
    """Draw every figure the runs (and their over-optimisation ``curves``) have data for;
    return {caption: file name}."""
    written: dict[str, str] = {}
    if _frontier(runs, out_dir / FRONTIER):
        written[
            "Gold reward vs KL to the reference: every evaluation point, and each "
            "algorithm's frontier (its best gold reward at or below each KL)"
        ] = FRONTIER
    if _curves(runs, out_dir / CURVES):
        written[
            "Held-out gold reward (left) and training reward (right) over training, mean over seeds"
        ] = CURVES
    if _curve_plot(runs, "eval/kl", "KL to reference", out_dir / KL):
        written["KL to the reference over training, mean over seeds"] = KL
    if _overoptimization(curves, out_dir / OVEROPTIMIZATION):
        written[
            "Over-optimisation: gold (solid, left axis) and proxy (dashed, right axis) reward "
            "against sqrt(KL), one panel per learned reward model; a star marks each curve's "
            "gold peak, a dotted line where gold and proxy part"
        ] = OVEROPTIMIZATION
    return written


def pareto_frontier(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The (KL, gold) points no other point beats with less or equal KL, by increasing KL."""
    frontier: list[tuple[float, float]] = []
    for kl, gold in sorted(points, key=lambda p: (p[0], -p[1])):
        if not frontier or gold > frontier[-1][1]:
            frontier.append((kl, gold))
    return frontier


def _frontier(runs: list[RunRecord], path: Path) -> bool:
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for run in runs:
        for row in run.evaluations:
            if has_metrics(row, "eval/kl", "eval/gold_reward"):
                points[run.method].append((row["eval/kl"], row["eval/gold_reward"]))
    if not points:
        return False
    figure, axes = plt.subplots(figsize=(7, 5))
    for index, (algorithm, xy) in enumerate(sorted(points.items())):
        color = f"C{index}"
        xs, ys = zip(*xy, strict=True)
        axes.scatter(xs, ys, s=12, alpha=0.35, color=color)
        line = pareto_frontier(xy)
        axes.plot(*zip(*line, strict=True), marker="o", color=color, label=algorithm)
    axes.set_xlabel("KL(policy || reference), nats per sequence")
    axes.set_ylabel("held-out gold reward")
    axes.set_title("Reward-KL frontier")
    axes.legend()
    axes.grid(alpha=0.3)
    return _save(figure, path)


def _curves(runs: list[RunRecord], path: Path) -> bool:
    figure, (gold_axes, proxy_axes) = plt.subplots(1, 2, figsize=(12, 4.5))
    drew = _draw_mean_curves(runs, "eval/gold_reward", gold_axes)
    proxy = _draw_mean_curves(runs, "eval/proxy_reward", proxy_axes)
    if not drew:
        plt.close(figure)
        return False
    gold_axes.set_title("held-out gold reward")
    proxy_axes.set_title("training (proxy) reward" if proxy else "no proxy reward logged")
    for axes in (gold_axes, proxy_axes):
        axes.set_xlabel("step")
        axes.grid(alpha=0.3)
    return _save(figure, path)


def _curve_plot(runs: list[RunRecord], key: str, title: str, path: Path) -> bool:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    if not _draw_mean_curves(runs, key, axes):
        plt.close(figure)
        return False
    axes.set_title(title)
    axes.set_xlabel("step")
    axes.grid(alpha=0.3)
    return _save(figure, path)


def _save(figure: plt.Figure, path: Path) -> bool:
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True


def _draw_mean_curves(runs: list[RunRecord], key: str, axes: plt.Axes) -> bool:
    """One line per configuration: the mean over its seeds at each evaluated step.

    A configuration keeps its colour in every panel and figure.
    """
    labels = sorted({run.label for run in runs})
    palette = plt.get_cmap("tab20" if len(labels) > 10 else "tab10")
    by_label: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        for row in run.evaluations:
            if row.get(key) is not None:
                by_label[run.label][row["step"]].append(row[key])
    for label, steps in sorted(by_label.items()):
        xs = sorted(steps)
        means = [sum(steps[x]) / len(steps[x]) for x in xs]
        color = palette(labels.index(label) % palette.N)
        axes.plot(xs, means, marker=".", label=label, color=color)
    if by_label:
        axes.legend(fontsize=7)
    return bool(by_label)


def _overoptimization(curves: list[OveroptimizationCurve], path: Path) -> bool:
    if not curves:
        return False
    groups = sorted({curve.group for curve in curves})
    figure, panels = plt.subplots(
        1, len(groups), figsize=(6 * len(groups), 4.5), squeeze=False, sharey=True
    )
    names = sorted({curve.name for curve in curves})
    for axes, group in zip(panels[0], groups, strict=True):
        proxy_axes = axes.twinx()
        for curve in (c for c in curves if c.group == group):
            color = f"C{names.index(curve.name) % 10}"
            xs = [point.sqrt_kl for point in curve.points]
            label = curve.name if curve.seed == 0 else f"{curve.name} seed {curve.seed}"
            axes.plot(xs, [p.gold for p in curve.points], marker="o", color=color, label=label)
            proxy_axes.plot(xs, [p.proxy for p in curve.points], ls="--", marker=".", color=color)
            peak = curve.peak
            axes.scatter([peak.sqrt_kl], [peak.gold], marker="*", s=180, color=color, zorder=3)
            parting = curve.parting_kl()
            if parting is not None:
                axes.axvline(parting**0.5, ls=":", color=color)
        axes.set_title(group or "learned reward", fontsize=9)
        axes.set_xlabel("sqrt(KL to reference)")
        axes.grid(alpha=0.3)
        proxy_axes.set_ylabel("proxy reward (learned model)")
        axes.legend(fontsize=7, loc="lower left")
    panels[0][0].set_ylabel("held-out gold reward")
    return _save(figure, path)

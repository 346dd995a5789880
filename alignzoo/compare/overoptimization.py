"""Reward-model over-optimisation (Gao et al. 2022), read from the runs: the gold and the proxy
reward against sqrt(KL) for every policy optimised against a learned reward model, where its
gold peaks, and where gold and proxy part (the proxy still rising, the gold falling).

A curve is one run's evaluations (PPO's, say, against the reward model its pipeline trained
first), or, for runs evaluated once (best-of-n, one per n), one method's runs on one reward
model and seed joined in order of KL.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from alignzoo.compare.runs import RunRecord, has_metrics

#: what a point of a curve needs from an evaluation
_KEYS = ("eval/kl", "eval/gold_reward", "eval/proxy_reward")
#: a gold fall smaller than this after the peak is evaluation noise, not over-optimisation
GOLD_TOLERANCE = 0.05


@dataclass(frozen=True)
class RewardPoint:
    """One held-out evaluation: KL to the reference, gold and proxy (training) reward."""

    kl: float
    gold: float
    proxy: float

    @property
    def sqrt_kl(self) -> float:
        """The x axis of Gao et al.'s figures."""
        return math.sqrt(max(self.kl, 0.0))


@dataclass(frozen=True)
class OveroptimizationCurve:
    """Evaluations against one learned reward model, by increasing KL."""

    group: str
    #: the run's configuration less its pipeline's overrides, or the method of joined runs
    name: str
    seed: int
    points: list[RewardPoint]

    @property
    def peak(self) -> RewardPoint:
        """The point of highest gold reward."""
        return max(self.points, key=lambda point: point.gold)

    def parting_kl(self, tolerance: float = GOLD_TOLERANCE) -> float | None:
        """The KL of the gold's peak if, at the curve's largest KL, the gold is more than
        ``tolerance`` lower and the proxy higher: where optimising the proxy stopped helping
        the gold. None while they still rise together."""
        peak, last = self.peak, self.points[-1]
        if last is peak or peak.gold - last.gold <= tolerance or last.proxy <= peak.proxy:
            return None
        return peak.kl


def overoptimization_curves(runs: list[RunRecord]) -> list[OveroptimizationCurve]:
    """The curves of every run trained or picked against a proxy other than the gold."""
    points: dict[tuple[str, str, int], list[RewardPoint]] = defaultdict(list)
    for run in runs:
        rows = [r for r in run.evaluations if has_metrics(r, *_KEYS)]
        if any(abs(r["eval/proxy_reward"] - r["eval/gold_reward"]) > 1e-9 for r in rows):
            name = run.method if len(rows) == 1 else _less(run.label, run.pipeline_overrides)
            points[(run.group, name, run.seed)] += [
                RewardPoint(r["eval/kl"], r["eval/gold_reward"], r["eval/proxy_reward"])
                for r in rows
            ]
    return [
        OveroptimizationCurve(group, name, seed, sorted(found, key=lambda p: p.kl))
        for (group, name, seed), found in sorted(points.items())
    ]


def overoptimization_markdown(curves: list[OveroptimizationCurve]) -> list[str]:
    """The report's section: each curve's gold peak and where gold and proxy part."""
    if not curves:
        return []
    lines = [
        "## Over-optimisation",
        "",
        "Policies optimised against a learned reward model (the proxy): where the held-out "
        "gold reward peaks, and the KL where it parts from the proxy (at the curve's largest KL "
        f"the gold is more than {GOLD_TOLERANCE} lower and the proxy higher; '-': they still "
        "rise together). The last columns are read at the largest KL.",
        "",
        "| reward model | run | seed | gold peak | at KL | largest KL | gold there "
        "| proxy gain | parts at KL |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for curve in curves:
        peak, first, last = curve.peak, curve.points[0], curve.points[-1]
        parting = curve.parting_kl()
        lines.append(
            f"| `{curve.group or '-'}` | `{curve.name}` | {curve.seed} | {peak.gold:.3f} | "
            f"{peak.kl:.2f} | {last.kl:.2f} | {last.gold:.3f} | {last.proxy - first.proxy:+.3f} | "
            f"{'-' if parting is None else f'{parting:.2f}'} |"
        )
    return lines


def _less(label: str, overrides: list[str]) -> str:
    """``label`` without the pipeline's ``overrides``, which the curve's group already names."""
    return " ".join(part for part in label.split(" ") if part not in overrides)

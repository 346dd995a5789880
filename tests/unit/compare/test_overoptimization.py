"""Over-optimisation read from runs, on hand numbers: a curve per method and reward model,
its gold peak, and the KL where gold and proxy part."""

from __future__ import annotations

from pathlib import Path

from alignzoo.compare.overoptimization import (
    OveroptimizationCurve,
    RewardPoint,
    overoptimization_curves,
    overoptimization_markdown,
)
from alignzoo.compare.runs import RunRecord, label_configurations


def run(
    algorithm: str, pipeline: str, points: list[tuple[float, float, float]], reward: str
) -> RunRecord:
    """A finished run (a stage of ``pipeline``, if one) whose evaluations are (kl, gold,
    proxy) points."""
    rows = [
        {"step": i, "eval/kl": kl, "eval/gold_reward": gold, "eval/proxy_reward": proxy}
        for i, (kl, gold, proxy) in enumerate(points)
    ]
    overrides = [pipeline] if pipeline else []
    return RunRecord(
        Path("/r"),
        "finished",
        [*overrides, f"algorithm={algorithm}"],
        algorithm,
        0,
        reward=reward,
        pipeline_overrides=overrides,
        evaluations=rows,
    )


def curve(*points: tuple[float, float, float]) -> OveroptimizationCurve:
    return OveroptimizationCurve("rm", "algorithm=ppo", 0, [RewardPoint(*p) for p in points])


def test_gold_that_peaks_and_falls_while_the_proxy_rises_parts_at_its_peak() -> None:
    overoptimised = curve((0, 0.0, 0.0), (1, 0.3, 1.0), (4, 0.5, 2.0), (9, 0.2, 3.5))
    assert overoptimised.peak == RewardPoint(4, 0.5, 2.0)
    assert overoptimised.peak.sqrt_kl == 2.0
    assert overoptimised.parting_kl() == 4


def test_no_parting_while_both_rise_or_the_fall_is_noise_or_the_proxy_falls_too() -> None:
    assert curve((0, 0.0, 0.0), (1, 0.3, 1.0), (4, 0.5, 2.0)).parting_kl() is None
    assert curve((0, 0.0, 0.0), (4, 0.5, 2.0), (9, 0.47, 3.0)).parting_kl() is None  # 0.03
    assert curve((0, 0.0, 0.0), (4, 0.5, 2.0), (9, 0.2, 1.5)).parting_kl() is None


def test_curves_skip_runs_trained_on_the_gold_and_join_best_of_n_over_n() -> None:
    runs = label_configurations(
        [
            run(
                "ppo",
                "+overoptimization=rm_250",
                [(0, 0.0, 0.1), (2, 0.4, 0.9), (6, 0.1, 1.6)],
                "learned",
            ),
            run("ppo", "", [(0, 0.0, 0.0), (2, 0.4, 0.4)], "gold"),  # proxy is the gold: no curve
            run("best_of_n", "+overoptimization=rm_250", [(1.4, 0.3, 0.8)], "learned"),
            run("best_of_n", "+overoptimization=rm_250", [(0.3, 0.1, 0.4)], "learned"),
        ]
    )
    curves = overoptimization_curves(runs)
    # a trained run is its own curve; runs evaluated once join their method's
    assert [(c.group, c.name, len(c.points)) for c in curves] == [
        ("+overoptimization=rm_250", "algorithm=ppo", 3),
        ("+overoptimization=rm_250", "best_of_n", 2),
    ]
    assert [p.kl for p in curves[1].points] == [0.3, 1.4]  # by KL, whichever run came first
    table = "\n".join(overoptimization_markdown(curves))
    assert (
        "| `+overoptimization=rm_250` | `algorithm=ppo` | 0 "
        "| 0.400 | 2.00 | 6.00 | 0.100 | +1.500 | 2.00 |" in table
    )
    assert "| `best_of_n` | 0 | 0.300 | 1.40 | 1.40 | 0.300 | +0.400 | - |" in table

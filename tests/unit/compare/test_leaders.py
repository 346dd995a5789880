"""The leader-at-KL table on hand numbers: per seed the best gold within each KL budget, then
mean and spread over seeds; a lead inside the spread is a tie."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignzoo.compare.leaders import best_gold_within, leaders_markdown, rank_at_budgets
from alignzoo.compare.runs import RunRecord, label_configurations


def record(algorithm: str, seed: int, points: list[tuple[float, float]], reward=None) -> RunRecord:
    """A finished run whose evaluations are (kl, gold) points."""
    rows = [
        {"step": i, "eval/kl": kl, "eval/gold_reward": gold} for i, (kl, gold) in enumerate(points)
    ]
    return RunRecord(
        Path(f"/runs/{algorithm}{seed}"),
        "finished",
        [],
        algorithm,
        seed,
        reward=reward,
        evaluations=rows,
    )


def test_best_gold_within_a_budget_ignores_points_beyond_it() -> None:
    rows = [
        {"eval/kl": 1.0, "eval/gold_reward": 0.2},
        {"eval/kl": 4.0, "eval/gold_reward": 0.6},
        {"eval/kl": 9.0, "eval/gold_reward": 0.9},
        {"eval/kl": 0.5},
    ]
    assert best_gold_within(rows, 2.0) == 0.2
    assert best_gold_within(rows, 5.0) == 0.6
    assert best_gold_within(rows, 10.0) == 0.9
    assert best_gold_within(rows, 0.1) is None


def test_each_budget_ranks_methods_by_their_mean_over_seeds() -> None:
    runs = label_configurations(
        [
            # dpo, two strengths on seed 0 (two runs), one on seed 1
            record("dpo", 0, [(0.0, 0.0), (1.5, 0.30), (6.0, 0.40)]),
            record("dpo", 0, [(0.0, 0.0), (3.0, 0.50)]),
            record("dpo", 1, [(0.0, 0.0), (1.0, 0.10), (4.0, 0.70)]),
            # ppo: strong at large KL only
            record("ppo", 0, [(0.0, 0.0), (3.0, 0.20), (8.0, 0.95)]),
            record("ppo", 1, [(0.0, 0.0), (2.5, 0.10), (9.0, 0.85)]),
        ]
    )
    at2, at5, at10 = rank_at_budgets(runs, (2.0, 5.0, 10.0))
    # KL <= 2: dpo seeds 0.30 and 0.10 -> 0.20 ± 0.1414; ppo only its step-0 points: 0.0
    assert [s.method for s in at2.scores] == ["dpo", "ppo"]
    assert at2.scores[0].mean == pytest.approx(0.20)
    assert at2.scores[0].std == pytest.approx(0.1414214, abs=1e-6)
    assert at2.scores[1].mean == pytest.approx(0.0) and at2.scores[1].seeds == 2
    assert at2.clear  # 0.20 ahead, spreads 0.141 and 0
    # KL <= 5: dpo (0.50 + 0.70) / 2 = 0.60; ppo (0.20 + 0.10) / 2 = 0.15
    assert at5.leader.method == "dpo" and at5.leader.mean == pytest.approx(0.60)
    # KL <= 10: ppo (0.95 + 0.85) / 2 = 0.90 leads dpo's (0.50 + 0.70) / 2 = 0.60
    assert at10.leader.method == "ppo" and at10.leader.mean == pytest.approx(0.90)
    assert at10.scores[1].mean == pytest.approx(0.60)


def test_a_lead_within_the_spread_is_a_tie_and_the_table_says_so() -> None:
    runs = label_configurations(
        [
            record("dpo", 0, [(1.0, 0.50)]),
            record("dpo", 1, [(1.0, 0.10)]),
            record("rlaif", 0, [(1.0, 0.35)]),
            record("rlaif", 1, [(1.0, 0.15)]),
        ]
    )
    (ranking,) = rank_at_budgets(runs, (2.0,))
    assert ranking.leader.method == "dpo" and not ranking.clear  # 0.30 vs 0.25, spread 0.28
    table = "\n".join(leaders_markdown([ranking]))
    assert "| 2 | dpo (tie) | **0.300 ± 0.283 (2)** | 0.250 ± 0.141 (2) |" in table


def test_one_algorithm_on_two_rewards_is_two_methods() -> None:
    runs = label_configurations(
        [
            record("ppo", 0, [(1.0, 0.2)], reward="learned"),
            record("ppo", 0, [(1.0, 0.6)], reward="gold"),
            record("dpo", 0, [(1.0, 0.4)]),
        ]
    )
    assert sorted(r.method for r in runs) == ["dpo", "ppo[gold]", "ppo[learned]"]
    (ranking,) = rank_at_budgets(runs, (2.0,))
    assert [s.method for s in ranking.scores] == ["ppo[gold]", "dpo", "ppo[learned]"]

"""Who leads at each KL budget: a ranking to read beside the frontier plot.

A method's score at a budget (an algorithm, with its reward where runs of it differ in that:
``ppo[gold]``, ``ppo[learned]``) is, for each seed, the best held-out gold reward any of its
evaluation points reached at a KL to the reference of at most the budget (over every strength
swept: its frontier's value there), then the mean and spread of that over its seeds. The
leader is the method with the highest mean; a lead within the two leaders' spread is marked
a tie, so one lucky seed does not make a ranking.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from alignzoo.compare.runs import RunRecord, has_metrics

#: the budgets the report ranks at, in nats of sequence KL
KL_BUDGETS = (2.0, 5.0, 10.0)


@dataclass(frozen=True)
class BudgetScore:
    """One method at one budget: mean and standard deviation over its seeds."""

    method: str
    mean: float
    std: float
    seeds: int


@dataclass(frozen=True)
class BudgetRanking:
    """Every method with a point within ``budget``, best first."""

    budget: float
    scores: list[BudgetScore]

    @property
    def leader(self) -> BudgetScore | None:
        """The method with the best mean gold at this budget."""
        return self.scores[0] if self.scores else None

    @property
    def clear(self) -> bool:
        """Whether the leader's margin over the runner-up exceeds both their spreads."""
        if len(self.scores) < 2:
            return bool(self.scores)
        first, second = self.scores[0], self.scores[1]
        return first.mean - second.mean > max(first.std, second.std)


def best_gold_within(evaluations: list[dict], budget: float) -> float | None:
    """The best gold reward among ``evaluations`` with KL at most ``budget`` (None: none)."""
    golds = [
        row["eval/gold_reward"]
        for row in evaluations
        if has_metrics(row, "eval/kl", "eval/gold_reward") and row["eval/kl"] <= budget
    ]
    return max(golds) if golds else None


def rank_at_budgets(
    runs: list[RunRecord], budgets: tuple[float, ...] = KL_BUDGETS
) -> list[BudgetRanking]:
    """For each budget, each method's best gold within it, per seed, then over seeds."""
    by_method_seed: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        by_method_seed[run.method][run.seed].extend(run.evaluations)
    rankings = []
    for budget in budgets:
        scores = []
        for method, seeds in by_method_seed.items():
            within = (best_gold_within(rows, budget) for rows in seeds.values())
            bests = [best for best in within if best is not None]
            if bests:
                spread = statistics.stdev(bests) if len(bests) > 1 else 0.0
                scores.append(BudgetScore(method, statistics.fmean(bests), spread, len(bests)))
        scores.sort(key=lambda score: (-score.mean, score.method))
        rankings.append(BudgetRanking(budget, scores))
    return rankings


def leaders_markdown(rankings: list[BudgetRanking]) -> list[str]:
    """The report's section: one row per budget, one column per method, leader in bold."""
    methods = sorted({score.method for ranking in rankings for score in ranking.scores})
    if not methods:
        return []
    lines = [
        "## Leader at each KL budget",
        "",
        "Each cell: the best held-out gold reward reached at sequence KL <= the budget (over "
        "all strengths swept), mean ± std over seeds (n). A leader whose margin is within the "
        "spread is marked *tie*.",
        "",
        "| KL <= | leader | " + " | ".join(methods) + " |",
        "|---|---|" + "---|" * len(methods),
    ]
    for ranking in rankings:
        found = {score.method: score for score in ranking.scores}
        leader = ranking.leader
        leader_cell = "-" if leader is None else leader.method + ("" if ranking.clear else " (tie)")
        cells = []
        for method in methods:
            score = found.get(method)
            if score is None:
                cells.append("-")
                continue
            text = f"{score.mean:.3f} ± {score.std:.3f} ({score.seeds})"
            cells.append(f"**{text}**" if leader is not None and score is leader else text)
        lines.append(f"| {ranking.budget:g} | {leader_cell} | " + " | ".join(cells) + " |")
    return lines

"""An equal-budget search, read back: each algorithm's trials, the setting chosen, how much
the choice mattered, and the command that reruns it on the held-out prompts.

A trial is a run evaluated on validation prompts (``eval.prompts=validation``). Its score is
the best validation gold any of its evaluations reached at sequence KL <= ``tuning.kl_budget``
(a setting that wins only by drifting scores nothing), averaged over its seeds. Each method
(algorithm, with its reward where runs differ in that) keeps its best-scoring setting; its
sensitivity is the spread of the score over its trials: a small one says the ranking would
stand under other settings too.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from alignzoo.compare.leaders import best_gold_within
from alignzoo.compare.runs import RunRecord, config_value

#: the overrides a rerun drops: the search's own, and what it sets again itself
SEARCH_OVERRIDES = ("seed=", "hydra.", "tuning.lr_scale=", "tuning.strength_index=")
#: written beside report.md by a search
TUNED = "tuned.json"


@dataclass
class Trial:
    """One setting of one method: its runs (seeds) and their mean score."""

    method: str
    settings: dict[str, Any]
    runs: list[RunRecord]
    score: float | None

    @property
    def label(self) -> str:
        """The setting in override form: ``train.learning_rate=3e-05 algorithm.beta=0.1``."""
        return setting_words(self.settings)


@dataclass
class TunedMethod:
    """A method's search: every trial, the chosen one and the score's spread over them."""

    method: str
    algorithm: str
    trials: list[Trial]
    kl_budget: float
    chosen: Trial | None = None
    rerun: list[str] = field(default_factory=list)

    @property
    def scores(self) -> list[float]:
        """The scores of the trials that have one."""
        return [t.score for t in self.trials if t.score is not None]

    @property
    def spread(self) -> tuple[float, float, float] | None:
        """Sensitivity: standard deviation, lowest and highest score over the trials."""
        scores = self.scores
        if not scores:
            return None
        std = statistics.stdev(scores) if len(scores) > 1 else 0.0
        return std, min(scores), max(scores)


def setting_words(settings: dict[str, Any]) -> str:
    """Settings as overrides, floats rounded clear of binary noise (3 x 5e-05 is 0.00015)."""
    return " ".join(
        f"{key}={value:.6g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in settings.items()
    )


def is_trial(run: RunRecord) -> bool:
    """Whether ``run`` was scored on validation prompts, as a search's trials are."""
    return config_value(_config(run), "eval.prompts") == "validation"


def tuned_methods(runs: list[RunRecord]) -> list[TunedMethod]:
    """Every method among the trials in ``runs``, its trials best first and its choice."""
    trials = [run for run in runs if is_trial(run)]
    grouped: dict[str, dict[str, list[RunRecord]]] = defaultdict(lambda: defaultdict(list))
    settings_of: dict[str, dict[str, Any]] = {}
    for run in trials:
        settings = trial_settings(run)
        key = repr(sorted(settings.items()))
        grouped[run.method][key].append(run)
        settings_of[key] = settings
    methods = []
    for method, by_setting in sorted(grouped.items()):
        budget = _kl_budget(next(iter(by_setting.values()))[0])
        found = [
            Trial(method, settings_of[key], members, _mean_score(members, budget))
            for key, members in by_setting.items()
        ]
        found.sort(key=lambda t: (t.score is None, -(t.score or 0.0), t.label))
        tuned = TunedMethod(method, found[0].runs[0].algorithm, found, budget)
        if found[0].score is not None:
            tuned.chosen = found[0]
            tuned.rerun = rerun_overrides(found[0])
        methods.append(tuned)
    return methods


def trial_settings(run: RunRecord) -> dict[str, Any]:
    """The learning rate and strength a trial trained at (from its config as trained)."""
    config = _config(run)
    settings = {"train.learning_rate": config_value(config, "train.learning_rate")}
    strength = config_value(config, "tuning.strength")
    if strength:
        settings[f"algorithm.{strength}"] = config_value(config, f"algorithm.{strength}")
    return settings


def rerun_overrides(trial: Trial) -> list[str]:
    """The chosen setting as a run on the held-out prompts: the trial's own overrides, less
    the search's, with its learning rate and strength written out (add ``seed=``)."""
    kept = [o for o in trial.runs[0].overrides if not o.startswith(SEARCH_OVERRIDES)]
    return [*kept, "eval.prompts=heldout", *trial.label.split()]


def tuning_markdown(methods: list[TunedMethod]) -> list[str]:
    """The report's section: one row per method, its choice and sensitivity."""
    if not methods:
        return []
    budget = methods[0].kl_budget
    lines = [
        "## Tuning (equal budget)",
        "",
        f"Each trial's score: its best validation gold {_within(budget)}, mean over "
        "its seeds. Sensitivity: the score's standard deviation (lowest - highest) over the "
        "method's trials. Rerun a choice on the held-out prompts with its command and "
        "`seed=0,1,2` (`alignzoo-leaderboard` does).",
        "",
        "| method | trials | chosen setting | score | sensitivity | rerun |",
        "|---|---|---|---|---|---|",
    ]
    for tuned in methods:
        chosen = tuned.chosen
        spread = tuned.spread
        sensitivity = (
            "-" if spread is None else f"{spread[0]:.3f} ({spread[1]:.3f} - {spread[2]:.3f})"
        )
        lines.append(
            f"| {tuned.method} | {len(tuned.trials)} | "
            + (f"`{chosen.label}` | {chosen.score:.3f}" if chosen else "none scored | -")
            + f" | {sensitivity} | "
            + (f"`alignzoo {' '.join(tuned.rerun)}`" if tuned.rerun else "-")
            + " |"
        )
    return lines


def tuned_json(methods: list[TunedMethod]) -> dict[str, Any]:
    """What ``tuned.json`` holds: per method its choice, score, spread, trials and rerun."""
    return {
        "methods": {
            tuned.method: {
                "algorithm": tuned.algorithm,
                "kl_budget": None if math.isinf(tuned.kl_budget) else tuned.kl_budget,
                "chosen": tuned.chosen.settings if tuned.chosen else None,
                "score": tuned.chosen.score if tuned.chosen else None,
                "sensitivity": dict(zip(("std", "low", "high"), tuned.spread or (), strict=False)),
                "trials": [
                    {"settings": t.settings, "score": t.score, "seeds": len(t.runs)}
                    for t in tuned.trials
                ],
                "rerun": tuned.rerun,
            }
            for tuned in methods
        }
    }


def chosen_labels(methods: list[TunedMethod]) -> set[str]:
    """The report labels of every chosen trial's runs, to mark in its results table."""
    return {run.label for tuned in methods if tuned.chosen for run in tuned.chosen.runs}


def _mean_score(runs: list[RunRecord], budget: float) -> float | None:
    scores = [best_gold_within(run.evaluations, budget) for run in runs if run.summary]
    found = [score for score in scores if score is not None]
    return statistics.fmean(found) if found else None


def _kl_budget(run: RunRecord) -> float:
    """The trial's cap: its ``tuning.kl_budget``, infinite where set to null, 5 nats in a
    config from before the setting."""
    tuning = config_value(_config(run), "tuning") or {}
    if "kl_budget" not in tuning:
        return 5.0
    return math.inf if tuning["kl_budget"] is None else float(tuning["kl_budget"])


def _config(run: RunRecord) -> dict[str, Any]:
    return (run.summary or {}).get("config") or run.config


def _within(budget: float) -> str:
    return "at any KL (no cap)" if math.isinf(budget) else f"at sequence KL <= {budget:g}"

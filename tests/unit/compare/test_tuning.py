"""A search read back on hand numbers: each method's trials scored by their best validation
gold within the KL budget (mean over seeds), the best one chosen, the score's spread as its
sensitivity, and a rerun that drops the search's own overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alignzoo.compare.report import write_report
from alignzoo.compare.runs import RunRecord, label_configurations
from alignzoo.compare.tuning import TUNED, is_trial, tuned_methods, tuning_markdown


def trial(
    algorithm: str,
    lr: float,
    beta: float,
    seed: int,
    points: list[tuple[float, float]],
    prompts: str = "validation",
) -> RunRecord:
    """A finished trial whose evaluations are (kl, gold) points."""
    config = {
        "seed": seed,
        "train": {"learning_rate": lr},
        "eval": {"prompts": prompts},
        "algorithm": {"beta": beta},
        "tuning": {"strength": "beta", "kl_budget": 5.0},
    }
    overrides = [
        "+experiment=tune",
        f"+tune={algorithm}",
        f"tuning.lr_scale={lr}",
        f"tuning.strength_index={beta}",
        f"seed={seed}",
    ]
    rows = [
        {"step": 50 * i, "eval/kl": kl, "eval/gold_reward": g} for i, (kl, g) in enumerate(points)
    ]
    return RunRecord(
        Path(f"/runs/{algorithm}-{lr}-{beta}-{seed}"),
        "finished",
        overrides,
        algorithm,
        seed,
        summary={"config": config, "final": {}},
        evaluations=rows,
        config=config,
    )


def _search() -> list[RunRecord]:
    return label_configurations(
        [
            # dpo at 1e-4 climbs far but drifts: beyond KL 5 it does not count
            trial("dpo", 1e-4, 0.1, 0, [(0.0, 0.0), (3.0, 0.40), (12.0, 0.95)]),
            trial("dpo", 1e-4, 0.1, 1, [(0.0, 0.0), (4.0, 0.30), (20.0, 0.99)]),
            # dpo at 3e-4 with a stronger constraint: the best within the budget
            trial("dpo", 3e-4, 0.3, 0, [(0.0, 0.0), (2.0, 0.50), (4.5, 0.60)]),
            trial("dpo", 3e-4, 0.3, 1, [(0.0, 0.0), (2.0, 0.40), (4.9, 0.50)]),
            # ppo: one trial, on one seed
            trial("ppo", 1e-3, 0.05, 0, [(0.0, 0.0), (1.0, 0.80)]),
        ]
    )


def test_the_setting_with_the_best_mean_score_within_the_kl_budget_is_chosen() -> None:
    dpo, ppo = tuned_methods(_search())
    assert dpo.method == "dpo" and len(dpo.trials) == 2
    assert dpo.chosen is not None
    assert dpo.chosen.settings == {"train.learning_rate": 3e-4, "algorithm.beta": 0.3}
    assert dpo.chosen.score == pytest.approx(0.55)  # (0.60 + 0.50) / 2
    assert dpo.trials[1].score == pytest.approx(0.35)  # (0.40 + 0.30) / 2: the drift is out
    std, low, high = dpo.spread or (0, 0, 0)
    assert (low, high) == (pytest.approx(0.35), pytest.approx(0.55))
    assert std == pytest.approx(0.1414214, abs=1e-6)
    assert ppo.chosen is not None and ppo.chosen.score == pytest.approx(0.80)


def test_a_rerun_drops_the_search_overrides_and_writes_the_setting_out() -> None:
    dpo, _ = tuned_methods(_search())
    assert dpo.rerun == [
        "+experiment=tune",
        "+tune=dpo",
        "eval.prompts=heldout",
        "train.learning_rate=0.0003",
        "algorithm.beta=0.3",
    ]


def test_runs_scored_on_heldout_prompts_are_not_trials() -> None:
    runs = [trial("dpo", 1e-4, 0.1, 0, [(0.0, 0.0)], prompts="heldout")]
    assert not is_trial(runs[0])
    assert tuned_methods(runs) == [] and tuning_markdown([]) == []


def test_the_report_of_a_search_names_each_choice_and_writes_tuned_json(tmp_path: Path) -> None:
    report = write_report(_search(), tmp_path).read_text()
    assert "## Tuning (equal budget)" in report
    assert (
        "`train.learning_rate=0.0003 algorithm.beta=0.3` | 0.550 | 0.141 (0.350 - 0.550)" in report
    )
    assert report.count("(tuned: chosen)") == 2  # one row per setting (seeds averaged): dpo, ppo
    stored = json.loads((tmp_path / TUNED).read_text())
    assert stored["methods"]["dpo"]["chosen"] == {
        "train.learning_rate": 3e-4,
        "algorithm.beta": 0.3,
    }
    assert stored["methods"]["dpo"]["sensitivity"]["low"] == pytest.approx(0.35)
    assert [t["seeds"] for t in stored["methods"]["dpo"]["trials"]] == [2, 2]


def test_without_a_kl_cap_the_best_validation_gold_at_any_kl_wins() -> None:
    """``tuning.kl_budget: null`` (an exact answer check, which drifting cannot fool): the
    drifting dpo setting's 0.95 and 0.99 count; a config from before the setting keeps 5."""
    runs = _search()
    for run in runs:
        run.config["tuning"] = {"strength": "beta", "kl_budget": None}
    methods = {m.method: m for m in tuned_methods(runs)}
    assert methods["dpo"].chosen is not None
    assert methods["dpo"].chosen.settings["train.learning_rate"] == 1e-4
    assert methods["dpo"].chosen.score == pytest.approx(0.97)
    assert "at any KL (no cap)" in "\n".join(tuning_markdown(list(methods.values())))
    for run in runs:
        del run.config["tuning"]["kl_budget"]
    assert {m.method: m.kl_budget for m in tuned_methods(runs)} == {"dpo": 5.0, "ppo": 5.0}

"""The comparison report on synthetic run directories: finished, failed and cut-short runs."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from alignzoo.compare.command import main
from alignzoo.compare.plots import pareto_frontier
from alignzoo.compare.report import build_rows, write_report
from alignzoo.compare.runs import find_runs

PNG = b"\x89PNG\r\n\x1a\n"


def make_run(
    root: Path,
    name: str,
    overrides: list[str],
    algorithm: str,
    evaluations: list[tuple[int, float, float]],
    status: str = "finished",
    steps: int = 10,
) -> Path:
    """A run directory as alignzoo leaves it; evaluations are (step, gold, kl)."""
    run = root / name
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    (run / ".hydra" / "hydra.yaml").write_text(
        f"hydra:\n  runtime:\n    choices:\n      algorithm: {algorithm}\n"
    )
    seed = next((int(o.split("=")[1]) for o in overrides if o.startswith("seed=")), 0)
    (run / ".hydra" / "config.yaml").write_text(f"seed: {seed}\n")
    rows = [{"step": s, "eval/gold_reward": g, "eval/kl": k} for s, g, k in evaluations]
    lines = [json.dumps(r) for r in rows]
    if status == "incomplete":
        lines.append('{"step": 7, "loss": 0.')  # the line a crash cut off
    (run / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    if status == "finished":
        summary = {
            "algorithm": algorithm,
            "final": rows[-1],
            "wall_time_s": 10.0 * (seed + 1),
            "tokens_per_s": 1000.0,
            "peak_memory_mb": 500.0,
            "config": {"seed": seed, "train": {"steps": steps, "batch_size": 32}},
        }
        (run / "summary.json").write_text(json.dumps(summary))
    if status == "failed":
        (run / "failure.json").write_text(json.dumps({"error": "ConfigError: no reward"}))
    return run


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    common = "train.steps=10"
    make_run(
        tmp_path, "0", ["algorithm=dpo", "seed=0", common], "dpo", [(0, 0.0, 0.0), (10, 0.5, 2.0)]
    )
    make_run(
        tmp_path, "1", ["algorithm=dpo", "seed=1", common], "dpo", [(0, 0.0, 0.0), (10, 0.7, 4.0)]
    )
    make_run(
        tmp_path, "2", ["algorithm=ppo", "seed=0", common], "ppo", [(0, 0.0, 0.0), (10, 0.9, 1.0)]
    )
    make_run(tmp_path, "3", ["algorithm=ppo", "seed=1", common], "ppo", [], status="failed")
    make_run(
        tmp_path, "4", ["algorithm=ppo", "seed=2", common], "ppo", [(5, 0.3, 0.5)], "incomplete"
    )
    return tmp_path


def test_runs_are_read_in_whatever_state_they_ended(sweep: Path) -> None:
    runs = {r.directory.name: r for r in find_runs([sweep])}
    assert [runs[n].status for n in "01234"] == [
        "finished",
        "finished",
        "finished",
        "failed",
        "incomplete",
    ]
    assert runs["3"].error == "ConfigError: no reward"
    assert runs["4"].evaluations == [{"step": 5, "eval/gold_reward": 0.3, "eval/kl": 0.5}]
    # the label keeps what tells configurations apart: not the seed, not what all share
    assert {r.label for r in runs.values()} == {"algorithm=dpo", "algorithm=ppo"}


def test_rows_average_each_configuration_over_its_finished_seeds(sweep: Path) -> None:
    rows = {row.label: row for row in build_rows(find_runs([sweep]))}
    mean, std, n = rows["algorithm=dpo"].stats["eval/gold_reward"]
    assert (mean, n) == (pytest.approx(0.6), 2) and std == pytest.approx(0.1414, abs=1e-4)
    assert rows["algorithm=dpo"].stats["wall_time_s"][0] == pytest.approx(15.0)
    ppo = rows["algorithm=ppo"]
    assert (len(ppo.runs), ppo.finished) == (3, 1)
    assert ppo.stats["eval/kl"] == (1.0, 0.0, 1)


def test_report_files_list_every_run_and_draw_the_plots(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    markdown = write_report(find_runs([sweep]), out).read_text()
    assert "| `algorithm=dpo` | 2/2 | 0.600 ± 0.141 | 3.000 ± 1.414 |" in markdown
    assert "| `algorithm=ppo` | 1/3 |" in markdown
    assert "seed 1: **failed**" in markdown and "ConfigError: no reward" in markdown
    assert "seed 2: **incomplete** (last evaluation at step 5)" in markdown
    assert "same for every run: training steps, each on one batch (train.steps) = `10`" in markdown
    with (out / "report.csv").open() as handle:
        table = {row["configuration"]: row for row in csv.DictReader(handle)}
    assert float(table["algorithm=dpo"]["eval/gold_reward mean"]) == pytest.approx(0.6)
    report = json.loads((out / "report.json").read_text())
    assert sorted(r["status"] for r in report["runs"]) == [
        "failed",
        "finished",
        "finished",
        "finished",
        "incomplete",
    ]
    for name in ("frontier.png", "learning_curves.png", "kl.png"):
        assert (out / name).read_bytes()[:8] == PNG
        assert f"]({name})" in markdown


def test_a_different_budget_is_called_out(sweep: Path) -> None:
    make_run(
        sweep, "5", ["algorithm=dpo", "seed=3", "train.steps=20"], "dpo", [(20, 0.8, 5.0)], steps=20
    )
    markdown = write_report(find_runs([sweep]), sweep).read_text()
    assert "**differs**: training steps, each on one batch (train.steps): `10`, `20`" in markdown


def test_pareto_frontier_keeps_the_best_reward_at_each_kl() -> None:
    points = [(1.0, 0.2), (2.0, 0.1), (2.0, 0.5), (3.0, 0.4), (4.0, 0.9)]
    assert pareto_frontier(points) == [(1.0, 0.2), (2.0, 0.5), (4.0, 0.9)]


def test_command_rebuilds_a_report_and_names_a_missing_directory(sweep: Path, capsys) -> None:
    main([str(sweep)])
    assert "5 runs ->" in capsys.readouterr().out
    assert (sweep / "report.md").exists()
    with pytest.raises(SystemExit) as exited:
        main([str(sweep / "missing")])
    assert exited.value.code == 2


def test_a_pipelines_stages_are_its_runs_named_by_stage_and_reward(tmp_path: Path) -> None:
    """A multirun job that ran a pipeline (reward model, then PPO on it) beside PPO on the gold
    reward: the stages are the runs, and the two PPOs are two methods."""
    job = make_run(tmp_path, "0", ["+frontier=ppo_learned", "seed=0"], "ppo", [(0, 0.0, 0.0)])
    for name in ("metrics.jsonl", "summary.json"):  # a pipeline logs nothing: its stages do
        (job / name).unlink()
    stages = []
    for index, (name, algorithm, own) in enumerate(
        [("reward_model", "reward_model", ["algorithm=reward_model"]), ("ppo", "ppo", [])]
    ):
        stage = make_run(job, f"{index}_{name}", [], algorithm, [(0, 0.0, 0.0), (10, 0.4, 3.0)])
        shutil.rmtree(stage / ".hydra")  # a stage is composed in-process: no Hydra folder
        if algorithm == "reward_model":  # it reports pair accuracy, no gold or KL
            accuracy = {"step": 10, "eval/preference_accuracy": 0.8}
            (stage / "metrics.jsonl").write_text(json.dumps(accuracy) + "\n")
        summary = json.loads((stage / "summary.json").read_text())
        reward = "learned" if algorithm == "ppo" else None
        (stage / "summary.json").write_text(json.dumps(summary | {"reward": reward}))
        stages.append({"name": name, "dir": str(stage), "stage_overrides": own})
    (job / "pipeline.json").write_text(json.dumps({"stages": stages}))
    gold = make_run(tmp_path, "1", ["+frontier=ppo_gold", "seed=0"], "ppo", [(10, 0.8, 5.0)])
    summary = json.loads((gold / "summary.json").read_text())
    (gold / "summary.json").write_text(json.dumps(summary | {"reward": "gold"}))

    runs = {r.directory.name: r for r in find_runs([tmp_path])}
    assert sorted(runs) == ["0_reward_model", "1", "1_ppo"]
    assert runs["0_reward_model"].label == (
        "+frontier=ppo_learned stage=reward_model algorithm=reward_model"
    )
    assert runs["1_ppo"].label == "algorithm=ppo +frontier=ppo_learned stage=ppo"
    assert runs["1_ppo"].method == "ppo[learned]" and runs["1"].method == "ppo[gold]"
    assert runs["0_reward_model"].method == "reward_model"
    report = write_report(list(runs.values()), tmp_path / "report").read_text()
    assert "## Leader at each KL budget" in report
    assert "| 5 | ppo[gold] | **0.800 ± 0.000 (1)** | 0.400 ± 0.000 (1) |" in report


def test_a_reasoning_tasks_accuracy_pass_at_k_and_format_rate_are_columns(tmp_path: Path) -> None:
    for seed, (accuracy, passed) in enumerate([(0.4, 0.8), (0.6, 0.9)]):
        run = make_run(tmp_path, str(seed), ["+rlvr=grpo", f"seed={seed}"], "grpo", [(0, 0.1, 0.0)])
        summary = json.loads((run / "summary.json").read_text())
        summary["final"] |= {
            "eval/accuracy": accuracy,
            "eval/pass@8": passed,
            "eval/format_rate": 1.0,
        }
        (run / "summary.json").write_text(json.dumps(summary))
    markdown = write_report(find_runs([tmp_path]), tmp_path / "report").read_text()
    assert "| gold (sampled accuracy) | accuracy (greedy) | pass@8 | format rate | KL" in markdown
    assert (
        "| `algorithm=grpo` | 2/2 | 0.100 ± 0.000 | 0.500 ± 0.141 | 0.850 ± 0.071 | 1.000"
        in markdown
    )


def test_the_reasoning_columns_stay_out_of_other_reports(sweep: Path, tmp_path: Path) -> None:
    markdown = write_report(find_runs([sweep]), tmp_path / "report").read_text()
    assert "accuracy (greedy)" not in markdown and "| gold reward |" in markdown

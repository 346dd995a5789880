"""A tiny multirun ends with its comparison report, a failed configuration included."""

from __future__ import annotations

import json
from pathlib import Path


def test_multirun_ends_with_a_report_listing_a_failed_configuration(
    tmp_path: Path, tiny_task, multirun
) -> None:
    sweep = tmp_path / "sweep"
    multirun(
        sweep,
        tmp_path,
        "algorithm=dpo,ppo",  # ppo without reward=<name> fails; the sweep goes on
        "seed=0,1",
        *tiny_task,
        "train.steps=2",
        "eval.every=1",
    )
    report = json.loads((sweep / "report.json").read_text())
    rows = {row["label"]: row for row in report["configurations"]}
    assert rows["algorithm=dpo"]["finished"] == 2
    assert rows["algorithm=dpo"]["metrics"]["eval/gold_reward"]["n"] == 2
    assert rows["algorithm=ppo"]["finished"] == 0
    failed = [r for r in report["runs"] if r["status"] == "failed"]
    assert len(failed) == 2 and all("reward=<name>" in r["error"] for r in failed)
    assert (sweep / "frontier.png").exists()

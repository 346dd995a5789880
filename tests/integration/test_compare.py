"""A tiny multirun ends with its comparison report, a failed configuration included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_multirun_ends_with_a_report_listing_a_failed_configuration(
    tmp_path: Path, tiny_task
) -> None:
    sweep = tmp_path / "sweep"
    command = [
        sys.executable,
        "-m",
        "alignzoo",
        "-m",
        "algorithm=dpo,ppo",  # ppo without reward=<name> fails; the sweep goes on
        "seed=0,1",
        *tiny_task,
        "train.steps=2",
        "eval.every=1",
        f"hydra.sweep.dir={sweep}",
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, env=os.environ.copy(), timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"comparison report: {sweep / 'report.md'}" in result.stdout
    report = json.loads((sweep / "report.json").read_text())
    rows = {row["label"]: row for row in report["configurations"]}
    assert rows["algorithm=dpo"]["finished"] == 2
    assert rows["algorithm=dpo"]["metrics"]["eval/gold_reward"]["n"] == 2
    assert rows["algorithm=ppo"]["finished"] == 0
    failed = [r for r in report["runs"] if r["status"] == "failed"]
    assert len(failed) == 2 and all("reward=<name>" in r["error"] for r in failed)
    assert (sweep / "frontier.png").exists()

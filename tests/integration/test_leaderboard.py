"""alignzoo-leaderboard end to end on a tiny task: the same number of trials for every
algorithm, scored on validation prompts; each choice rerun per seed on the held-out prompts
at the chosen setting; the page written; a second call reads everything back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_the_leaderboard_tunes_each_algorithm_equally_and_reruns_its_choice(
    tmp_path: Path, tiny_task
) -> None:
    out = tmp_path / "results.md"
    command = [
        sys.executable,
        "-c",
        "from alignzoo.compare.leaderboard import main; main()",
        "--preset=tune_quick",
        "--golds=sentiment",
        "--seeds=2",
        "--algorithms=dpo,kto",
        f"--work={tmp_path / 'work'}",
        f"--out={out}",
        *tiny_task,
        "train.steps=3",
        "eval.every=1",
    ]

    def leaderboard() -> None:
        done = subprocess.run(
            command,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=900,
        )
        assert done.returncode == 0, done.stderr[-3000:]

    leaderboard()
    folder = tmp_path / "work" / "tune_quick" / "sentiment"
    trials = [json.loads(p.read_text()) for p in (folder / "search").glob("*/summary.json")]
    per_algorithm: dict[str, int] = {}
    for summary in trials:
        assert summary["config"]["eval"]["prompts"] == "validation"
        per_algorithm[summary["algorithm"]] = per_algorithm.get(summary["algorithm"], 0) + 1
    assert per_algorithm == {"dpo": 4, "kto": 4}  # an equal budget

    tuned = json.loads((folder / "search" / "tuned.json").read_text())["methods"]
    reruns = sorted((folder / "final").glob("*/seed_*/summary.json"))
    assert len(reruns) == 4
    for path in reruns:
        summary = json.loads(path.read_text())
        chosen = tuned[summary["algorithm"]]["chosen"]
        assert summary["config"]["eval"]["prompts"] == "heldout"
        assert summary["config"]["train"]["learning_rate"] == chosen["train.learning_rate"]
        assert summary["config"]["algorithm"]["beta"] == chosen["algorithm.beta"]
    page = out.read_text()
    assert page.startswith("# Results")
    assert "alignzoo-leaderboard --preset=tune_quick" in page
    assert "| dpo |" in page and "| kto |" in page and "- KL <= 5:" in page
    assert (folder / "final" / "report.md").is_file()

    # a second call runs nothing again: every search and rerun is read back
    stamps = {p: p.stat().st_mtime_ns for p in folder.rglob("summary.json")}
    leaderboard()
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("summary.json")} == stamps

"""The comparison report flags a run whose degeneration guards fired, in every file it writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from alignzoo.compare.report import write_report
from alignzoo.compare.runs import find_runs

COLLAPSE = {
    "guard": "short_completions",
    "step": 125,
    "metric": "eval/completion_tokens",
    "value": 1.09,
    "threshold": 2.0,
    "action": "stop",
    "message": "guard short_completions fired at step 125: ...",
}


def _run(root: Path, name: str, algorithm: str, seed: int, guards: list[dict]) -> None:
    run = root / name
    (run / ".hydra").mkdir(parents=True)
    overrides = [f"algorithm={algorithm}", f"seed={seed}"]
    (run / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    final = {"step": 125, "eval/gold_reward": 0.1, "eval/kl": 8.3}
    (run / "metrics.jsonl").write_text(json.dumps(final) + "\n")
    stopped = {"by": "guard", **guards[0]} if guards and guards[0]["action"] == "stop" else None
    summary = {
        "algorithm": algorithm,
        "final": final,
        "config": {"seed": seed},
        "guards": guards,
        "stopped": stopped,
    }
    (run / "summary.json").write_text(json.dumps(summary))


def test_a_row_whose_guard_fired_is_flagged(tmp_path: Path) -> None:
    _run(tmp_path, "0", "dpo", 0, [])
    _run(tmp_path, "1", "ppo", 0, [COLLAPSE])
    _run(tmp_path, "2", "ppo", 1, [])
    out = tmp_path / "report"
    markdown = write_report(find_runs([tmp_path]), out).read_text()

    assert "| configuration | runs | " in markdown and " | guards |" in markdown
    ppo_row = next(line for line in markdown.splitlines() if "`algorithm=ppo`" in line)
    assert ppo_row.startswith("| `algorithm=ppo` ⚠ | 2/2 |")
    assert ppo_row.endswith("| seed 0: short_completions@125 (stopped) |")
    dpo_row = next(line for line in markdown.splitlines() if "`algorithm=dpo`" in line)
    assert dpo_row.startswith("| `algorithm=dpo` | 1/1 |") and dpo_row.endswith("| - |")
    assert "## Degeneration guards that fired" in markdown
    assert (
        "- `algorithm=ppo` seed 0: **short_completions** at step 125 "
        "(eval/completion_tokens = 1.09, threshold 2, stop)"
    ) in markdown

    with (out / "report.csv").open() as handle:
        table = {row["configuration"]: row for row in csv.DictReader(handle)}
    assert table["algorithm=ppo"]["guards"] == "seed 0: short_completions@125 (stopped)"
    assert table["algorithm=dpo"]["guards"] == ""
    runs = json.loads((out / "report.json").read_text())["runs"]
    flagged = [r for r in runs if r["guards"]]
    assert len(flagged) == 1 and flagged[0]["stopped"]["guard"] == "short_completions"


def test_a_report_without_guards_has_no_guards_column(tmp_path: Path) -> None:
    _run(tmp_path, "0", "dpo", 0, [])
    markdown = write_report(find_runs([tmp_path]), tmp_path / "report").read_text()
    assert "guards" not in markdown and "⚠" not in markdown

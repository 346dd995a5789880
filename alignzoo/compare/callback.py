"""The Hydra callback that ends every multirun with its comparison report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from alignzoo.compare.runs import find_runs


class ComparisonReportCallback(Callback):
    """After the last job of ``alignzoo -m ...``, write report.md into the sweep directory."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Build the report from every run the sweep left, finished or not."""
        from alignzoo.compare.report import write_report  # matplotlib: only when reporting

        sweep_dir = Path(config.hydra.sweep.dir)
        runs = find_runs([sweep_dir]) if sweep_dir.exists() else []
        if runs:
            print(f"comparison report: {write_report(runs, sweep_dir)}")

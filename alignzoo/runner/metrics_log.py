"""Metrics as JSON lines: one object per logged step, appended and flushed as it happens."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


class MetricsLog:
    """Appends ``{"step": n, ...metrics}`` lines to ``metrics.jsonl`` in the run directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, step: int, metrics: dict[str, Any]) -> None:
        """Append one line; non-finite floats become null so the file stays valid JSON."""
        row = {"step": step} | {k: _finite(v) for k, v in metrics.items()}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value

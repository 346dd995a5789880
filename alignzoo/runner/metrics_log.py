"""Metrics as JSON lines: one object per logged step, appended and flushed as it happens."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


class MetricsLog:
    """Appends ``{"step": n, ...metrics}`` lines to ``metrics.jsonl`` in the run directory."""

    def __init__(
        self, path: Path, mirror: Callable[[dict[str, Any], int], None] | None = None
    ) -> None:
        self.path = path
        #: also given every row (experiment trackers): ``mirror(metrics, step)``
        self.mirror = mirror
        path.parent.mkdir(parents=True, exist_ok=True)

    def truncate_after(self, step: int) -> None:
        """Drop every line past ``step``: a resumed run logs those steps again (atomically)."""
        if not self.path.exists():
            return
        lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if line.strip() and json.loads(line)["step"] <= step]
        partial = self.path.with_name(f".{self.path.name}.new")
        partial.write_text("".join(kept), encoding="utf-8")
        os.replace(partial, self.path)

    def write(self, step: int, metrics: dict[str, Any]) -> None:
        """Append one line; non-finite floats become null so the file stays valid JSON."""
        row = {"step": step} | {k: _finite(v) for k, v in metrics.items()}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        if self.mirror is not None:
            self.mirror(dict(metrics), step)


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value

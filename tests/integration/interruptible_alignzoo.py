"""``python interruptible_alignzoo.py <overrides>``: the ``alignzoo`` command, made easy to
interrupt at chosen points for the kill-and-resume tests (test code, never shipped).

``ALIGNZOO_TEST_STEP_DELAY`` seconds of sleep after each optimizer step give a test time to
signal mid-run; ``ALIGNZOO_TEST_HANG_IN=<name>`` hangs forever while the checkpoint
``<name>`` is being written (files written, not yet renamed into place), after creating
``<staging folder>/HANGING`` so the test knows when to kill.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from alignzoo.cli import main
from alignzoo.runner import checkpoint, updater

delay = float(os.environ.get("ALIGNZOO_TEST_STEP_DELAY", "0"))
hang_in = os.environ.get("ALIGNZOO_TEST_HANG_IN")

if delay:
    step = updater.OptimizerUpdater.step

    def slow_step(self: updater.OptimizerUpdater) -> dict[str, float]:
        metrics = step(self)
        time.sleep(delay)
        return metrics

    updater.OptimizerUpdater.step = slow_step  # type: ignore[method-assign]

if hang_in:
    flush = checkpoint._flush_to_disk

    def hanging_flush(folder: Path) -> None:
        flush(folder)
        if folder.name == f".{hang_in}.new":
            (folder / "HANGING").touch()
            while True:
                time.sleep(1)

    checkpoint._flush_to_disk = hanging_flush

if __name__ == "__main__":
    main()

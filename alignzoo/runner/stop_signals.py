"""SIGINT and SIGTERM end a run between steps, so it can checkpoint first and resume later.

A signal mid-step only sets a flag: the step finishes, the runner saves a checkpoint and
stops with one line. A second signal stops at once (the last checkpoint is kept).
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType, TracebackType
from typing import Any

_HANDLED = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """While entered, remembers the first SIGINT/SIGTERM as ``requested`` (its number)."""

    def __init__(self) -> None:
        self.requested: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():  # only it may set handlers
            for number in _HANDLED:
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        self._previous.clear()

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.requested is not None:  # the second one: stop now
            raise KeyboardInterrupt
        self.requested = number
        print(
            f"\nalignzoo: {signal.Signals(number).name}: stopping after this step to save a "
            "checkpoint (send it again to stop at once)",
            file=sys.stderr,
            flush=True,
        )

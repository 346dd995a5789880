"""A run's peak memory: reset when the run starts (runs of a multirun share one process) and
read when it ends, as CUDA's allocator counts it or as the process's resident set."""

from __future__ import annotations

import contextlib
import resource
from pathlib import Path

import torch


def reset_peak_memory(device: torch.device) -> None:
    """Start this run's peak afresh: runs of a multirun share one process."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return
    with contextlib.suppress(OSError):  # Linux: "5" resets the process's peak resident size
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mb(device: torch.device) -> float:
    """Peak since ``reset_peak_memory``: CUDA tensors, or the process's resident set."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB

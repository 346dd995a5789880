"""The algorithm interface that every alignment-method plugin implements."""

from alignzoo.algorithms.algorithm import (
    Algorithm,
    AlgorithmContext,
    Consumes,
    MemoryTraits,
    Metrics,
    ModelKind,
    Record,
    Updater,
)

__all__ = [
    "Algorithm",
    "AlgorithmContext",
    "Consumes",
    "MemoryTraits",
    "Metrics",
    "ModelKind",
    "Record",
    "Updater",
]

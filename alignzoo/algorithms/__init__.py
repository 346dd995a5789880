"""The algorithm interface that every alignment-method plugin implements."""

from alignzoo.algorithms.algorithm import (
    Algorithm,
    AlgorithmContext,
    Consumes,
    Evaluator,
    MemoryTraits,
    Metrics,
    ModelKind,
    Record,
    Updater,
)
from alignzoo.algorithms.batching import LossAndMetrics

__all__ = [
    "Algorithm",
    "AlgorithmContext",
    "Consumes",
    "Evaluator",
    "LossAndMetrics",
    "MemoryTraits",
    "Metrics",
    "ModelKind",
    "Record",
    "Updater",
]

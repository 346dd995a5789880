"""The algorithm interface that every alignment-method plugin implements.

Its names are imported on first use: a plugin's config module can import from this package's
torch-free modules without importing torch.
"""

from typing import TYPE_CHECKING

from alignzoo.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from alignzoo.algorithms.algorithm import (
        Algorithm,
        AlgorithmContext,
        Evaluator,
        Metrics,
        Record,
        Updater,
    )
    from alignzoo.algorithms.batching import LossAndMetrics
    from alignzoo.algorithms.traits import AlgorithmTraits, Consumes, MemoryTraits, ModelKind

_INTERFACE = "alignzoo.algorithms.algorithm"
_TRAITS = "alignzoo.algorithms.traits"
__all__ = [
    "Algorithm",
    "AlgorithmContext",
    "AlgorithmTraits",
    "Consumes",
    "Evaluator",
    "LossAndMetrics",
    "MemoryTraits",
    "Metrics",
    "ModelKind",
    "Record",
    "Updater",
]
__getattr__ = lazy_exports(
    __name__,
    {name: _INTERFACE for name in __all__}
    | {"LossAndMetrics": "alignzoo.algorithms.batching"}
    | {name: _TRAITS for name in ("AlgorithmTraits", "Consumes", "MemoryTraits", "ModelKind")},
)

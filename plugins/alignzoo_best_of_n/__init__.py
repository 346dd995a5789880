"""alignzoo's best-of-n plugin: ``algorithm=best_of_n`` (the reference's best of n samples,
evaluated, nothing trained) and ``algorithm=rejection_sampling`` (RAFT: fine-tune on the best
of n each step), on the core's rollout engine.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_best_of_n.config import BestOfNConfig, RejectionSamplingConfig
from alignzoo_best_of_n.traits import BestOfNTraits, RejectionSamplingTraits

ALIGNZOO_PLUGIN_API = "1.3"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=best_of_n`` and ``algorithm=rejection_sampling``."""
    registry.add_algorithm(
        "best_of_n",
        "alignzoo_best_of_n.best_of_n:BestOfNAlgorithm",
        BestOfNConfig,
        traits=BestOfNTraits,
    )
    registry.add_algorithm(
        "rejection_sampling",
        "alignzoo_best_of_n.rejection_sampling:RejectionSamplingAlgorithm",
        RejectionSamplingConfig,
        traits=RejectionSamplingTraits,
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_best_of_n.conf"]

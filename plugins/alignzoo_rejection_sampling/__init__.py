"""alignzoo's rejection-sampling plugin: ``algorithm=rejection_sampling`` (RAFT: each step,
fine-tune on the best of n samples of each prompt), on the core's rollout engine.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_rejection_sampling.config import RejectionSamplingConfig, RejectionSamplingTraits

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=rejection_sampling``."""
    registry.add_algorithm(
        "rejection_sampling",
        "alignzoo_rejection_sampling.algorithm:RejectionSamplingAlgorithm",
        RejectionSamplingConfig,
        traits=RejectionSamplingTraits,
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``) and its
    equal-budget search (``conf/tune/``)."""
    return ["pkg://alignzoo_rejection_sampling.conf"]

"""alignzoo's RLOO plugin: REINFORCE Leave-One-Out (Ahmadian et al. 2024), on the core's
rollout engine.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_rloo.config import RLOOConfig, RLOOTraits

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=rloo``."""
    registry.add_algorithm(
        "rloo", "alignzoo_rloo.algorithm:RLOOAlgorithm", RLOOConfig, traits=RLOOTraits
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_rloo.conf"]

"""alignzoo's REINFORCE++ plugin (Hu et al. 2025), on the core's rollout engine.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_reinforce_pp.config import ReinforcePPConfig, ReinforcePPTraits

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=reinforce_pp``."""
    registry.add_algorithm(
        "reinforce_pp",
        "alignzoo_reinforce_pp.algorithm:ReinforcePPAlgorithm",
        ReinforcePPConfig,
        traits=ReinforcePPTraits,
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_reinforce_pp.conf"]

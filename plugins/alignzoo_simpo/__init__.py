"""alignzoo's SimPO plugin (Meng et al. 2024): reference-free, length-normalised preference
optimisation.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_simpo.config import SimPOConfig, SimPOTraits

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=simpo``."""
    registry.add_algorithm(
        "simpo", "alignzoo_simpo.algorithm:SimPOAlgorithm", SimPOConfig, traits=SimPOTraits
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_simpo.conf"]

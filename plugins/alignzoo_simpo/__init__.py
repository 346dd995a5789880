"""alignzoo's SimPO plugin (Meng et al. 2024): reference-free, length-normalised preference
optimisation.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_simpo.config import SimPOConfig
from alignzoo_simpo.traits import SimPOTraits

ALIGNZOO_PLUGIN_API = "1.3"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=simpo``."""
    registry.add_algorithm(
        "simpo", "alignzoo_simpo.algorithm:SimPOAlgorithm", SimPOConfig, traits=SimPOTraits
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its training budgets, per adapter: ``conf/budget/<algorithm>/<peft>.yaml``."""
    return ["pkg://alignzoo_simpo.conf"]

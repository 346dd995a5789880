"""alignzoo's DPO plugin: Direct Preference Optimization and its loss variants.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_dpo.config import DPOConfig, DPOTraits


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=dpo``."""
    registry.add_algorithm(
        "dpo", "alignzoo_dpo.algorithm:DPOAlgorithm", DPOConfig, traits=DPOTraits
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_dpo.conf"]

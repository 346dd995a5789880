"""alignzoo's DPO plugin: Direct Preference Optimization and its loss variants.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_dpo.config import DPOConfig
from alignzoo_dpo.traits import DPOTraits


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=dpo``."""
    registry.add_algorithm(
        "dpo", "alignzoo_dpo.algorithm:DPOAlgorithm", DPOConfig, traits=DPOTraits
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its training budgets, per adapter: ``conf/budget/<algorithm>/<peft>.yaml``."""
    return ["pkg://alignzoo_dpo.conf"]

"""alignzoo's GRPO plugin: Group Relative Policy Optimization and its variants (DAPO, Dr.
GRPO, GSPO, CISPO), on the core's rollout engine.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_grpo.config import GRPOConfig, GRPOTraits

ALIGNZOO_PLUGIN_API = "1.5"


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=grpo``."""
    registry.add_algorithm(
        "grpo", "alignzoo_grpo.algorithm:GRPOAlgorithm", GRPOConfig, traits=GRPOTraits
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_grpo.conf"]

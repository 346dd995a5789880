"""alignzoo's PPO plugin: RLHF with a KL penalty to the reference and a shared value head.

Registered through the ``alignzoo`` entry-point group, exactly like a third-party package.
"""

from __future__ import annotations

from alignzoo.registry import PluginRegistry, hookimpl
from alignzoo_ppo.config import PPOConfig, PPOTraits


@hookimpl
def alignzoo_register_algorithms(registry: PluginRegistry) -> None:
    """``algorithm=ppo``."""
    registry.add_algorithm(
        "ppo", "alignzoo_ppo.algorithm:PPOAlgorithm", PPOConfig, traits=PPOTraits
    )


@hookimpl
def alignzoo_config_dirs() -> list[str]:
    """Its configs: budgets per adapter (``conf/budget/<algorithm>/<peft>.yaml``), its
    equal-budget search (``conf/tune/``) and any presets and experiment points it ships."""
    return ["pkg://alignzoo_ppo.conf"]
